"""The terminal request signature (ADR 0018): pure functions, shared by the server and every client.

A terminal sends::

    Authorization: DPT1-HMAC-SHA256 terminal=term_…,timestamp=1764600000,nonce=Qm9…,signature=9f86…

``signature`` is the lower-case hex HMAC-SHA256, keyed with the terminal's secret (its UTF-8
bytes), of the canonical request: six lines joined by ``\\n``::

    DPT1-HMAC-SHA256
    POST
    /v1/terminal/payments?x=1        (path, then ``?`` and the raw query string when there is one)
    1764600000                       (Unix seconds, the same as in the header)
    Qm9…                             (16-64 of A-Z a-z 0-9 _ -; never used twice by a terminal)
    e3b0c442…                        (lower-case hex SHA-256 of the body bytes; of b"" when empty)
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass

SCHEME = "DPT1-HMAC-SHA256"
_NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_TERMINAL = re.compile(r"^term_[0-9A-Z]{26}$")
_SIGNATURE = re.compile(r"^[0-9a-f]{64}$")
_FIELDS = ("terminal", "timestamp", "nonce", "signature")


@dataclass(frozen=True, slots=True)
class SignedHeader:
    terminal: str
    timestamp: int
    nonce: str
    signature: str


class MalformedSignature(ValueError):
    """The Authorization header is not a well-formed terminal signature (the message says why)."""


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def canonical_request(method: str, path: str, query: str, timestamp: int, nonce: str, body: bytes) -> str:
    target = f"{path}?{query}" if query else path
    return "\n".join((SCHEME, method.upper(), target, str(timestamp), nonce, body_digest(body)))


def signature(secret: str, canonical: str) -> str:
    return hmac.new(secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()


def sign(
    secret: str,
    terminal_id: str,
    method: str,
    path: str,
    body: bytes = b"",
    *,
    query: str = "",
    timestamp: int | None = None,
    nonce: str | None = None,
) -> str:
    """The ``Authorization`` header value for one request (a fresh nonce unless one is given)."""
    ts = int(time.time()) if timestamp is None else timestamp
    once = nonce or secrets.token_urlsafe(18)
    mac = signature(secret, canonical_request(method, path, query, ts, once, body))
    return f"{SCHEME} terminal={terminal_id},timestamp={ts},nonce={once},signature={mac}"


def parse_authorization(value: str) -> SignedHeader:
    scheme, _, rest = value.strip().partition(" ")
    if scheme != SCHEME:
        raise MalformedSignature(f"The Authorization scheme must be {SCHEME}.")
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, sep, field_value = part.strip().partition("=")
        if not sep or name not in _FIELDS or name in fields:
            raise MalformedSignature(f"Authorization has {', '.join(_FIELDS)}, once each, as name=value.")
        fields[name] = field_value
    if set(fields) != set(_FIELDS):
        raise MalformedSignature(f"Authorization has {', '.join(_FIELDS)}, once each, as name=value.")
    if not _TERMINAL.match(fields["terminal"]):
        raise MalformedSignature("terminal is a terminal id (term_…).")
    if not fields["timestamp"].isdigit() or len(fields["timestamp"]) > 12:
        raise MalformedSignature("timestamp is Unix seconds.")
    if not _NONCE.match(fields["nonce"]):
        raise MalformedSignature("nonce is 16-64 characters of A-Z, a-z, 0-9, _ and -.")
    if not _SIGNATURE.match(fields["signature"]):
        raise MalformedSignature("signature is 64 lower-case hex digits (HMAC-SHA256).")
    return SignedHeader(fields["terminal"], int(fields["timestamp"]), fields["nonce"], fields["signature"])


def matches(secret: str, header: SignedHeader, canonical: str) -> bool:
    return hmac.compare_digest(signature(secret, canonical), header.signature)
