"""Per-merchant customer pseudonyms: ``customer_ref`` in the fact tables.

``customer_ref = "cr_" + hex(HMAC-SHA256(key, merchant_org_id + "\\x1f" + identity))[:32]`` with
``key`` the platform secret ``DIGIPLUS_CUSTOMER_REF_KEY``, or when that is empty a key derived from
``DIGIPLUS_SECRET_KEY`` (``HMAC-SHA256(secret_key, "digiplus.lake.customer_ref.v1")``), whose
development default production refuses. ``identity`` names the payer in one namespace per origin:

- ``org:<payer org id>`` for a digiplus wallet payment (the wallet holder's organisation);
- ``pos:<reference>`` for a row of an imported history (the merchant's own customer reference,
  from its old point of sale).

So the same consumer has unrelated references at two merchants (a merchant cannot join its
customers with another's), nobody holding the lake alone can invert a reference (the key is not
in it), and the reference is stable, so returning customers are recognised across months.
128 bits leave no practical chance of two customers of one merchant colliding.

Wallet facts carry ``holder_ref``: the same construction with the scope ``platform`` in place of
a merchant's org id, for platform-wide figures (top-ups, transfers) that no merchant sees.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from digiplus.settings import get_settings

PREFIX = "cr_"


_DERIVATION = b"digiplus.lake.customer_ref.v1"


@lru_cache(maxsize=8)
def _key(customer_ref_key: str, secret_key: str) -> bytes:
    if customer_ref_key:
        return customer_ref_key.encode()
    return hmac.new(secret_key.encode(), _DERIVATION, hashlib.sha256).digest()


def customer_ref(merchant_id: str, identity: str) -> str:
    """The pseudonym of ``identity`` (``org:…`` or ``pos:…``) at merchant ``merchant_id``."""
    settings = get_settings()
    key = _key(settings.customer_ref_key, settings.secret_key)
    digest = hmac.new(key, f"{merchant_id}\x1f{identity}".encode(), hashlib.sha256).hexdigest()
    return PREFIX + digest[:32]


PLATFORM_SCOPE = "platform"


def holder_ref(org_id: str) -> str:
    """A wallet holder's platform-wide pseudonym (wallet facts): the same key, scoped to the
    platform instead of a merchant, so it matches no merchant's ``customer_ref``."""
    return customer_ref(PLATFORM_SCOPE, payer_identity(org_id))


def payer_identity(payer_org_id: str) -> str:
    return f"org:{payer_org_id}"


def pos_identity(reference: str) -> str:
    return f"pos:{reference.strip()}"
