"""Pairing codes and terminal credentials (ADR 0018).

A pairing code is 8 Crockford base32 characters (shown ``ABCD-EFGH``, 40 bits), valid
``DIGIPLUS_TERMINAL_PAIRING_CODE_TTL_SECONDS``, single use, stored as a SHA-256 digest.

A terminal's secret is never stored: it is derived, when needed, from the server's
``DIGIPLUS_SECRET_KEY``, the terminal's id, its mode and its credential generation
(HMAC-SHA256 as a key-derivation function). The table keeps the SHA-256 of the secret it
issued, so a copy of the database cannot sign a request, and a changed server secret is
noticed (the terminal is asked to pair again) instead of failing every signature silently.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from digiplus.settings import get_settings
from digiplus.terminals.models import Terminal

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})  # what people mistype when reading a code aloud
CODE_LENGTH = 8


def new_pairing_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalize_code(code: str) -> str | None:
    """``abcd efgh``, ``ABCD-EFGH`` → ``ABCDEFGH``; None when it cannot be a pairing code."""
    cleaned = "".join(ch for ch in code.upper() if ch not in " -").translate(_READ_AS)
    if len(cleaned) != CODE_LENGTH or any(ch not in _ALPHABET for ch in cleaned):
        return None
    return cleaned


def code_digest(normalized: str) -> str:
    return hashlib.sha256(f"digiplus.terminal.pairing:{normalized}".encode()).hexdigest()


def derive_secret(terminal: Terminal) -> str:
    """The terminal's current secret (``tsk_test_…`` / ``tsk_live_…``): the same every time it is derived."""
    mode = "live" if terminal.livemode else "test"
    info = f"digiplus.terminal.credential:v1:{mode}:{terminal.id}:{terminal.credential_generation}"
    mac = hmac.new(get_settings().secret_key.encode(), info.encode(), hashlib.sha256).digest()
    return f"tsk_{mode}_{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def current_secret(terminal: Terminal) -> str | None:
    """The secret to check a signature with, or None when the terminal holds none that is still valid
    (never paired, or the server's secret key changed since it paired)."""
    if terminal.credential_hash is None:
        return None
    secret = derive_secret(terminal)
    return secret if hmac.compare_digest(secret_digest(secret), terminal.credential_hash) else None
