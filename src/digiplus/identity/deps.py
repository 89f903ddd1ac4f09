"""Identity's part in API authentication: it gives core the function that checks an API key.

``ApiCaller`` and ``requires`` live in ``core.api.auth`` (so that core modules can use
them too); they are re-exported here for identity's own routes.

A key seen in the last ``DIGIPLUS_API_KEY_CACHE_SECONDS`` is answered from memory
(``api_key_cache``) without a thread hop or SQL; otherwise a worker thread reads it in
a read session of its own. At most every ``DIGIPLUS_API_KEY_REVOCATION_CHECK_SECONDS`` a
request first looks, in a worker thread, for keys revoked since (by any process) and drops
them from the cache (ADR 0011). ``last_used_at`` is written at most once a minute per key,
in its own short transaction, before the request's session begins (ADR 0009).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from starlette.concurrency import run_in_threadpool

from digiplus.core.api.auth import ApiCaller, requires, use_api_key_authenticator
from digiplus.core.context import Caller
from digiplus.core.db import get_database
from digiplus.identity.api_key_cache import api_key_cache
from digiplus.identity.service import (
    cached_api_key_caller,
    look_up_api_key,
    record_api_key_use,
    revoked_key_digests,
)
from digiplus.settings import get_settings

__all__ = ["ApiCaller", "requires"]


def _look_up(secret: str, request_id: str | None) -> Caller:
    db = get_database()
    generation = api_key_cache.generation()
    with db.read_session() as session:
        caller, use_due = look_up_api_key(session, secret, cache_generation=generation)
    if use_due:
        _record_use(secret, caller)
    return replace(caller, request_id=request_id)


def _record_use(secret: str, caller: Caller) -> None:
    with get_database().session() as session:
        record_api_key_use(session, secret, caller.actor_id)  # an API key's actor id is the key's id


def _check_revocations() -> None:
    def revoked_since(since: datetime) -> list[str]:
        with get_database().read_session() as session:
            return revoked_key_digests(session, since)

    api_key_cache.check_revocations(revoked_since, get_settings().api_key_revocation_check_seconds)


async def _authenticate(secret: str, request_id: str | None) -> Caller:
    if api_key_cache.revocations_due() and get_settings().api_key_cache_seconds > 0:
        await run_in_threadpool(_check_revocations)  # before any cached key is trusted
    found = cached_api_key_caller(secret, request_id=request_id)
    if found is None:
        return await run_in_threadpool(_look_up, secret, request_id)
    caller, use_due = found
    if use_due:
        await run_in_threadpool(_record_use, secret, caller)
    return caller


use_api_key_authenticator(_authenticate)
