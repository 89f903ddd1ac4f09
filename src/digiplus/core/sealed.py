"""Secrets the platform must read back (webhook signing secrets, connector credentials)
are sealed at rest: encrypted and authenticated with Fernet (AES-128-CBC + HMAC-SHA256,
from the ``cryptography`` package), under a key derived from ``DIGIPLUS_SECRET_KEY``.

A password or an API key is *hashed* instead (argon2id, SHA-256): the platform only ever
compares them. A signing secret cannot be hashed, because every delivery signs with it;
sealing means a copy of the database alone does not give it away.

Each use names a ``purpose``, and the key is derived per purpose (HKDF-SHA256), so a
value sealed for one use cannot be unsealed as another. Rotating the secret key: put the
old one in ``DIGIPLUS_SECRET_KEY_FALLBACKS``; values sealed under it still open, and
``reseal`` re-encrypts them under the new key.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from digiplus.settings import get_settings

PREFIX = "sealed:v1:"


class CannotUnseal(ValueError):
    """The value was sealed under a key this installation no longer has (or was altered)."""


def _fernet_key(secret_key: str, purpose: str) -> bytes:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"digiplus:{purpose}".encode()).derive(
        secret_key.encode()
    )
    return base64.urlsafe_b64encode(derived)


@lru_cache(maxsize=32)
def _box(purpose: str, secret_key: str, fallbacks: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(key, purpose)) for key in (secret_key, *fallbacks)])


def _current_box(purpose: str) -> MultiFernet:
    settings = get_settings()
    return _box(purpose, settings.secret_key, tuple(settings.secret_key_fallbacks))


def seal(plaintext: str, purpose: str) -> str:
    return PREFIX + _current_box(purpose).encrypt(plaintext.encode()).decode()


def unseal(sealed: str, purpose: str) -> str:
    if not sealed.startswith(PREFIX):
        raise CannotUnseal(f"not a sealed value (for {purpose})")
    try:
        return _current_box(purpose).decrypt(sealed.removeprefix(PREFIX).encode()).decode()
    except InvalidToken:
        raise CannotUnseal(f"cannot unseal the {purpose} value with this installation's secret keys") from None


def reseal(sealed: str, purpose: str) -> str:
    """The same value sealed under the current key (after a key rotation)."""
    try:
        return PREFIX + _current_box(purpose).rotate(sealed.removeprefix(PREFIX).encode()).decode()
    except InvalidToken:
        raise CannotUnseal(f"cannot unseal the {purpose} value with this installation's secret keys") from None
