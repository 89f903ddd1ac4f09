"""The request's database session: one transaction, committed before the response is sent.

A GET (or HEAD, OPTIONS) request gets a read session (``Database.read_session``: a
deferred SQLite transaction that never waits for the write lock, autocommit reads on
PostgreSQL); a write in it raises. Every other method gets an ordinary session.

The dependency is ``async``: opening a session does no I/O (the connection is taken at
the first statement, in the route's thread); a write session's commit goes to the
thread pool in one hop, a read session ends in place.

A POST with an ``Idempotency-Key`` (``core/api/idempotency.py``) claims the key in this
session's transaction, as its first statements; the session is then handed to the
idempotency middleware instead of being committed here, and the middleware stores the
response in it and commits, before anything is sent (ADR 0011).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from digiplus.core.api.idempotency import STATE_KEY, IdempotencyClaim
from digiplus.core.db import get_database

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_session(request: Request) -> AsyncIterator[Session]:
    db = get_database()
    read_only = request.method in READ_METHODS
    session = db.open_session(read_only=read_only)
    claim: IdempotencyClaim | None = None if read_only else request.scope.get("state", {}).get(STATE_KEY)
    if claim is not None:
        claim.bind(session)
    try:
        yield session
        if claim is not None and claim.answer is not None:  # the route swallowed the answer: undo its work
            raise claim.answer
    except BaseException:
        with anyio.CancelScope(shield=True):  # a cancelled request still gives its connection back
            await run_in_threadpool(db.end_session, session, commit=False)
        raise
    if claim is not None and claim.claimed and session.in_transaction():
        claim.session = session  # the middleware stores the response in this transaction and commits it
        return
    if read_only or not session.in_transaction():
        # Nothing to wait for: ending a read is a no-op on PostgreSQL (autocommit) and
        # releases a WAL snapshot on SQLite, so it is done here rather than in a thread.
        db.end_session(session, commit=True)
    else:
        await run_in_threadpool(db.end_session, session, commit=True)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
