"""The audit trail: every state change appended to a per-org hash chain."""

from digiplus.core.audit.service import VerifyReport, record, verify_chains

__all__ = ["VerifyReport", "record", "verify_chains"]
