"""The API conventions, implemented once: auth, errors, pagination, idempotency, versions."""
