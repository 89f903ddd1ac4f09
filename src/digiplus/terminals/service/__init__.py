"""The terminals service layer: plain functions taking a Session (or the Database, where a refusal
must be recorded even though the request fails) and a Caller; no HTTP."""
