"""``Idempotency-Key`` on every POST under /v1, as pure ASGI middleware.

The key is claimed in its own committed transaction *before* the request runs,
so a concurrent duplicate sees the claim and gets 409; the finished response is
stored and replayed for later duplicates (for ``idempotency_ttl_hours``); the
same key with another body gets 422 ``idempotency_error``. Keys are scoped to
the API key that sent them (by the digest of the ``Authorization`` header).
Two bodies are the same request when they are the same JSON (key order and
spacing aside). Only successes (and 402, a decision such as a declined payment)
are kept: every other 4xx was refused before anything changed (the request's
transaction rolled back) and 5xx failed, so the client may fix or retry the
request under the same key.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from sqlalchemy import Integer, LargeBinary, String, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
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
_STALE_CLAIM = timedelta(minutes=5)  # a claim left by a crashed request may be retried after this


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


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, ttl_hours: int) -> None:
        self.app = app
        self.ttl = timedelta(hours=ttl_hours)

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
        body, more = await _read_body(receive)
        scope_digest = hashlib.sha256(headers.get("authorization", "").encode()).hexdigest()
        fingerprint = _fingerprint(scope, body)
        db = get_database()
        claim = await run_in_threadpool(self._claim, db, scope_digest, key, fingerprint)
        if not isinstance(claim, str):
            await claim(scope, receive, send)
            return

        status, chunks, content_type = 500, [], None
        replayed_body = False

        async def replay_receive() -> Message:
            nonlocal replayed_body
            if not replayed_body:
                replayed_body = True
                return {"type": "http.request", "body": body, "more_body": more}
            return await receive()

        async def capture_send(message: Message) -> None:
            nonlocal status, content_type
            if message["type"] == "http.response.start":
                status = message["status"]
                content_type = Headers(raw=message.get("headers", [])).get("content-type")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_receive, capture_send)
        finally:
            await run_in_threadpool(self._finish, db, claim, status, b"".join(chunks), content_type)

    def _claim(self, db: Database, scope_digest: str, key: str, fingerprint: str) -> str | Response:
        """Claim the key (returns the row id) or return the response to send instead."""
        row_id = id_for("idempotency_key")
        try:
            with db.session() as session:
                existing = session.scalars(
                    select(IdempotencyKey).where(IdempotencyKey.scope == scope_digest, IdempotencyKey.key == key)
                ).one_or_none()
                if existing is not None and (
                    existing.created < utcnow() - self.ttl
                    or (existing.status == IN_PROGRESS and existing.created < utcnow() - _STALE_CLAIM)
                ):
                    session.delete(existing)
                    session.flush()
                    existing = None
                if existing is None:
                    session.add(
                        IdempotencyKey(
                            id=row_id, scope=scope_digest, key=key, fingerprint=fingerprint, status=IN_PROGRESS
                        )
                    )
                    return row_id
                return self._answer_duplicate(existing, fingerprint)
        except IntegrityError:
            return _in_progress()

    def _answer_duplicate(self, existing: IdempotencyKey, fingerprint: str) -> Response:
        if existing.fingerprint != fingerprint:
            return error_response(
                422,
                "idempotency_error",
                "idempotency_key_reused",
                "This Idempotency-Key was used with other parameters; use a new key for a new request.",
                "Idempotency-Key",
            )
        if existing.status == IN_PROGRESS:
            return _in_progress()
        return Response(
            existing.response_body or b"",
            status_code=existing.response_status or 200,
            media_type=existing.response_type,
            headers={"Idempotent-Replayed": "true"},
        )

    def _finish(self, db: Database, row_id: str, status: int, body: bytes, content_type: str | None) -> None:
        with db.session() as session:
            row = session.get(IdempotencyKey, row_id)
            if row is None:
                return
            if status >= 400 and status not in _KEPT_ERRORS:
                session.delete(row)
            else:
                row.status, row.response_status = DONE, status
                row.response_body, row.response_type = body, content_type


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
