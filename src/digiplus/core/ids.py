"""Prefixed, time-ordered public ids (``org_01JD…``).

26 Crockford base32 characters after the prefix: 48 bits of milliseconds then 80
random bits, so sorting by id sorts by creation time, which cursor pagination uses.
"""

from __future__ import annotations

import os
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

PREFIXES = {
    "organization": "org",
    "user": "usr",
    "membership": "mem",
    "api_key": "key",
    "session": "ses",
    "event": "evt",
    "webhook_endpoint": "we",
    "webhook_delivery": "whd",
    "audit_entry": "aud",
    "idempotency_key": "idk",
    "request": "req",
}


def new_id(prefix: str) -> str:
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return f"{prefix}_{''.join(reversed(chars))}"


def id_for(object_name: str) -> str:
    return new_id(PREFIXES[object_name])
