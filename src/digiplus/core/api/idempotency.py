"""``Idempotency-Key`` on every POST under /v1: pure ASGI middleware and the request's own transaction.

The key is claimed **in the request's transaction**, as its first statements (an ``after_begin``
hook on the session the route uses, see ``get_session``): on PostgreSQL a transaction-level
advisory lock on the key (``pg_try_advisory_xact_lock``: a duplicate that finds it taken gets
409 at once), then a look-up of the stored key. The finished response is stored in the same
transaction, just before it commits and before anything is sent, so the change, its outbox
events and the stored response commit together or not at all: there is never a committed
claim without its answer, and no transaction of its own for the claim or the answer.

Semantics (as Stripe's): the same key with the same request replays the stored response (for
``idempotency_ttl_hours``, with ``Idempotent-Replayed: true``); the same key with another body
or URL gets 422 ``idempotency_error``; a duplicate that arrives while the first is still being
processed gets 409 (in this process: a set of keys in flight; across processes on PostgreSQL:
the advisory lock; across SQLite processes the duplicate waits for the one write lock and then
gets the replay). Keys are scoped to the API key that sent them (by the digest of the
``Authorization`` header). Two bodies are the same request when they are the same JSON (key
order and spacing aside). Only successes (and 402, a decision such as a declined payment) are
kept: every other 4xx was refused before anything changed (the request's transaction rolled
back) and 5xx failed, so the client may fix or retry the request under the same key.

A route whose work never opened a transaction (a pure function such as QR decoding), or whose
transaction rolled back while answering a kept status, has its response stored afterwards in a
short transaction of its own, which makes the same checks (a stored answer wins). See ADR 0011.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
    bindparam,
    delete,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from digiplus.core.api.errors import error_response
from digiplus.core.db import Base, Database, get_database, utcnow
from digiplus.core.ids import id_for
from digiplus.core.worker import task
from digiplus.settings import get_settings

IN_PROGRESS, DONE = "in_progress", "done"
_KEPT_ERRORS = {402}
_STALE_CLAIM = timedelta(minutes=5)  # an in_progress row (written by an older release) may be retried after this
STATE_KEY = "idempotency"  # scope["state"][STATE_KEY]: the request's IdempotencyClaim
_SESSION_INFO_KEY = "digiplus_idempotency_claim"
_CLAIMED_INFO_KEY = "digiplus_idempotency_claimed"


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[str] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    response_type: Mapped[str | None] = mapped_column(String(100))
    created: Mapped[datetime] = mapped_column(default=utcnow, index=True)


_KEYS = cast(Table, IdempotencyKey.__table__)
# Built once: constructing a statement costs more than running it.
_FIND = select(
    _KEYS.c.id,
    _KEYS.c.fingerprint,
    _KEYS.c.status,
    _KEYS.c.response_status,
    _KEYS.c.response_body,
    _KEYS.c.response_type,
    _KEYS.c.created,
).where(_KEYS.c.scope == bindparam("scope"), _KEYS.c.key == bindparam("key"))
_DROP = delete(_KEYS).where(_KEYS.c.id == bindparam("row_id"))
_STORE = insert(_KEYS)
_TRY_LOCK = select(func.pg_try_advisory_xact_lock(bindparam("lock_key")))


def purge_expired(db: Database, ttl_hours: int) -> int:
    with db.session() as session:
        result = session.execute(
            delete(IdempotencyKey).where(IdempotencyKey.created < utcnow() - timedelta(hours=ttl_hours))
        )
        return int(getattr(result, "rowcount", 0) or 0)


_PURGE_EVERY = timedelta(minutes=10)
_next_purge: dict[str, datetime] = {}  # per database URL


@task("purge_idempotency_keys")
def purge_idempotency_keys(db: Database) -> int:
    """Delete keys older than the replay window, at most every 10 minutes."""
    now = utcnow()
    if _next_purge.get(db.url, now) > now:
        return 0
    _next_purge[db.url] = now + _PURGE_EVERY
    return purge_expired(db, get_settings().idempotency_ttl_hours)


class IdempotencyAnswered(Exception):
    """Raised at the claim when the key already answers the request (replay, 422, 409)."""

    def __init__(self, response: Response) -> None:
        super().__init__("answered from the Idempotency-Key")
        self.response = response


class IdempotencyClaim:
    """One request's key, shared by the middleware and the request's session.

    ``bind`` attaches it to a session: the session's first transaction then claims the key
    as its first statements (``claimed``); ``get_session`` hands a claimed session over
    (``session``) instead of committing it, and the middleware stores the response in it
    and commits."""

    __slots__ = ("answer", "claimed", "fingerprint", "key", "scope", "session", "stored", "ttl")

    def __init__(self, scope: str, key: str, fingerprint: str, ttl: timedelta) -> None:
        self.scope, self.key, self.fingerprint, self.ttl = scope, key, fingerprint, ttl
        self.claimed = False
        self.stored = False  # the route stored the answer and committed (``commit_with_answer``)
        self.session: Session | None = None
        self.answer: IdempotencyAnswered | None = None

    def bind(self, session: Session) -> None:
        session.info[_SESSION_INFO_KEY] = self

    def claim(self, connection: Connection) -> None:
        """In the transaction that just began on ``connection``: lock the key, answer a stored one."""
        if connection.dialect.name == "postgresql":
            digest = hashlib.sha256(f"{self.scope}\x00{self.key}".encode()).digest()
            lock_key = int.from_bytes(digest[:8], "big", signed=True)
            if not connection.execute(_TRY_LOCK, {"lock_key": lock_key}).scalar():
                self._answer(_in_progress())
        row = connection.execute(_FIND, {"scope": self.scope, "key": self.key}).first()
        if row is not None:
            now = utcnow()
            if row.created < now - self.ttl or (row.status == IN_PROGRESS and row.created < now - _STALE_CLAIM):
                connection.execute(_DROP, {"row_id": row.id})
            else:
                self._answer(_answer_duplicate(row, self.fingerprint))
        self.claimed = True

    def _answer(self, response: Response) -> None:
        self.answer = IdempotencyAnswered(response)
        raise self.answer

    def store(self, session: Session, status: int, body: bytes, content_type: str | None) -> None:
        """Keep the response (a success or a kept error) in the claiming transaction."""
        if status >= 400 and status not in _KEPT_ERRORS:
            return
        session.execute(
            _STORE,
            {
                "id": id_for("idempotency_key"),
                "scope": self.scope,
                "key": self.key,
                "fingerprint": self.fingerprint,
                "status": DONE,
                "response_status": status,
                "response_body": body,
                "response_type": content_type,
                "created": utcnow(),
            },
        )


@event.listens_for(Session, "after_begin")
def _claim_in_transaction(session: Session, transaction: SessionTransaction, connection: Connection) -> None:
    if transaction.parent is not None:
        return
    claim = session.info.pop(_SESSION_INFO_KEY, None)
    if claim is not None:
        claim.claim(connection)
        session.info[_CLAIMED_INFO_KEY] = claim


def commit_with_answer(session: Session, status: int, body: bytes, content_type: str | None) -> None:
    """Store the response of the key this session claimed (if it did) and commit, in the caller's thread.

    For a route that renders its own answer (``core.api.respond``): the change, its events and the
    stored answer still commit together before anything is sent, and the middleware has nothing
    left to do (no thread hop of its own for the commit)."""
    claim: IdempotencyClaim | None = session.info.pop(_CLAIMED_INFO_KEY, None)
    if claim is not None and claim.claimed and claim.answer is None:
        try:
            claim.store(session, status, body, content_type)
            session.flush()
        except IntegrityError:  # the key was stored by a writer that did not take the lock: theirs stands
            raise IdempotencyAnswered(_in_progress()) from None  # get_session rolls back
        claim.stored = True
    session.commit()


def _kept(status: int) -> bool:
    return status < 400 or status in _KEPT_ERRORS


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, ttl_hours: int) -> None:
        self.app = app
        self.ttl = timedelta(hours=ttl_hours)
        self._in_flight: set[tuple[str, str]] = set()  # (scope, key) of this process's requests being processed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get("idempotency-key")
        if not key:
            await self.app(scope, receive, send)
            return
        if len(key) > 255:
            await error_response(
                400,
                "invalid_request_error",
                "idempotency_key_invalid",
                "Idempotency-Key must be at most 255 characters.",
                "Idempotency-Key",
            )(scope, receive, send)
            return
        scope_digest = hashlib.sha256(headers.get("authorization", "").encode()).hexdigest()
        flight = (scope_digest, key)
        if flight in self._in_flight:
            await _in_progress()(scope, receive, send)
            return
        self._in_flight.add(flight)
        try:
            body, more = await _read_body(receive)
            claim = IdempotencyClaim(scope_digest, key, _fingerprint(scope, body), self.ttl)
            scope.setdefault("state", {})[STATE_KEY] = claim
            await self._run(scope, receive, send, claim, body, more)
        finally:
            self._in_flight.discard(flight)

    async def _run(
        self, scope: Scope, receive: Receive, send: Send, claim: IdempotencyClaim, body: bytes, more: bool
    ) -> None:
        db = get_database()
        start: Message | None = None
        chunks: list[bytes] = []
        replayed_body = False

        async def replay_receive() -> Message:
            nonlocal replayed_body
            if not replayed_body:
                replayed_body = True
                return {"type": "http.request", "body": body, "more_body": more}
            return await receive()

        async def capture_send(message: Message) -> None:
            # Nothing is sent before the request's transaction (with its stored answer) has committed.
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            status = start["status"]
            content_type = Headers(raw=start.get("headers", [])).get("content-type")
            whole = b"".join(chunks)
            if claim.stored:  # the route stored its answer and committed (``commit_with_answer``): no hop
                instead = None
            else:
                instead = await run_in_threadpool(self._finish, db, claim, status, whole, content_type)
            if instead is not None:
                await instead(scope, receive, send)
                return
            await send(start)
            await send({"type": "http.response.body", "body": whole, "more_body": False})

        try:
            await self.app(scope, replay_receive, capture_send)
        except IdempotencyAnswered as answered:
            await answered.response(scope, receive, send)
        finally:
            if claim.session is not None:  # the response never completed: nothing of it may commit
                session, claim.session = claim.session, None
                await run_in_threadpool(db.end_session, session, commit=False)

    def _finish(
        self, db: Database, claim: IdempotencyClaim, status: int, body: bytes, content_type: str | None
    ) -> Response | None:
        """Store the answer and commit the request's transaction; or a response to send instead."""
        session, claim.session = claim.session, None
        if session is None:
            return self._store_late(db, claim, status, body, content_type) if _kept(status) else None
        try:
            claim.store(session, status, body, content_type)
            session.flush()
        except IntegrityError:  # the key was stored by a writer that did not take the lock: theirs stands
            db.end_session(session, commit=False)
            return _in_progress()
        except BaseException:
            db.end_session(session, commit=False)
            raise
        db.end_session(session, commit=True)
        return None

    def _store_late(
        self, db: Database, claim: IdempotencyClaim, status: int, body: bytes, content_type: str | None
    ) -> Response | None:
        """The route's work opened no transaction (or rolled it back): claim and store in one of our own."""
        try:
            with db.session() as session:
                claim.bind(session)
                claim.store(session, status, body, content_type)
        except IdempotencyAnswered as answered:
            return answered.response
        except IntegrityError:
            return _in_progress()
        return None


def _answer_duplicate(row: Any, fingerprint: str) -> Response:
    if row.fingerprint != fingerprint:
        return error_response(
            422,
            "idempotency_error",
            "idempotency_key_reused",
            "This Idempotency-Key was used with other parameters; use a new key for a new request.",
            "Idempotency-Key",
        )
    if row.status == IN_PROGRESS:
        return _in_progress()
    return Response(
        row.response_body or b"",
        status_code=row.response_status or 200,
        media_type=row.response_type,
        headers={"Idempotent-Replayed": "true"},
    )


def _fingerprint(scope: Scope, body: bytes) -> str:
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")) if body else ""
    except (ValueError, RecursionError):  # not JSON (or too deep): compare the bytes as they came
        canonical = body.decode("utf-8", "replace")
    request = [scope["path"], scope.get("query_string", b"").decode("latin-1"), canonical]
    return hashlib.sha256(json.dumps(request).encode()).hexdigest()


def _in_progress() -> Response:
    return error_response(
        409,
        "idempotency_error",
        "idempotency_key_in_use",
        "A request with this Idempotency-Key is still being processed; retry shortly.",
        "Idempotency-Key",
    )


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(parts), False
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(parts), False
