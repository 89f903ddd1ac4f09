"""Identity's part in API authentication: it gives core the function that checks an API key.

``ApiCaller`` and ``requires`` live in ``core.api.auth`` (so that core modules can use
them too); they are re-exported here for identity's own routes.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from digiplus.core.api.auth import ApiCaller, requires, use_api_key_authenticator
from digiplus.core.context import Caller
from digiplus.identity.service import authenticate_api_key

__all__ = ["ApiCaller", "requires"]


def _authenticate(session: Session, secret: str, request_id: str | None) -> Caller:
    return authenticate_api_key(session, secret, request_id=request_id)


use_api_key_authenticator(_authenticate)
