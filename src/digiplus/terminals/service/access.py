"""Who is calling the terminal API: pairing, and the check of every signed request (ADR 0018).

Both run in transactions of their own, before the route's: a refusal is audited and committed
even though the request then fails, and a nonce is spent even if the route later fails (a
failed request may not be replayed either). Refusals answer 401 ``authentication_error`` with
a code saying why; only the terminal's own org learns which terminal was refused (its audit
chain; an unknown terminal id goes to the platform's chain).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.db import Database, utcnow
from digiplus.core.errors import AuthenticationFailed
from digiplus.core.events import emit
from digiplus.settings import get_settings
from digiplus.terminals import signing
from digiplus.terminals.models import Terminal, TerminalNonce
from digiplus.terminals.service import credentials
from digiplus.terminals.service.fleet import PAIRED, terminal_data

SEEN_EVERY = timedelta(seconds=5)  # a request moves last_seen_at at most this often (heartbeats always do)
_NONCES: Table = TerminalNonce.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class TerminalIdentity:
    """A terminal whose request was signed correctly, and the caller it acts as (its merchant's org)."""

    terminal_id: str
    org_id: str
    livemode: bool
    name: str
    location: str
    caller: Caller


class TerminalRefused(AuthenticationFailed):
    """A terminal request or a pairing attempt refused (the code says why)."""

    def __init__(self, message: str, *, code: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message, code=code, param="Authorization", headers=headers)


def terminal_caller(terminal: Terminal, request_id: str | None) -> Caller:
    """The terminal acts for its merchant, in its mode, as itself (audit: actor ``terminal``)."""
    return Caller(
        org_id=terminal.org_id,
        livemode=terminal.livemode,
        role="developer",
        actor_kind="terminal",
        actor_id=terminal.id,
        request_id=request_id,
    )


def _refusal(
    session: Session,
    terminal: Terminal | None,
    claimed: str,
    code: str,
    context: dict[str, Any],
    request_id: str | None,
) -> None:
    """Audit a refusal: in the terminal's org chain, or the platform's when no such terminal exists."""
    after = {"reason": code, **context}
    if terminal is None:
        audit.record(session, None, "terminal.request_refused", "terminal", claimed[:40], after=after)
    else:
        caller = terminal_caller(terminal, request_id)
        audit.record(session, caller, "terminal.request_refused", "terminal", terminal.id, after=after)


# --- pairing ------------------------------------------------------------------------------


def pair(
    db: Database, *, code: str, app_version: str | None, ip: str | None, request_id: str | None
) -> tuple[Terminal, str]:
    """Exchange a one-time pairing code for the terminal's credential (returned once)."""
    normalized = credentials.normalize_code(code)
    refused: TerminalRefused | None = None
    with db.session() as session:
        terminal = None
        if normalized is not None:
            terminal = session.scalars(
                select(Terminal)
                .where(Terminal.pairing_code_hash == credentials.code_digest(normalized))
                .with_for_update()
            ).one_or_none()
        context = {"ip": ip, "step": "pair"}
        if terminal is None:
            refused = TerminalRefused(
                "No such pairing code; ask the merchant for a new one.", code="pairing_code_invalid"
            )
            _refusal(session, None, "pairing", refused.code, context, request_id)
        elif terminal.status != "active":
            refused = TerminalRefused("This terminal is disabled.", code="terminal_disabled")
            _refusal(session, terminal, terminal.id, refused.code, context, request_id)
        elif terminal.pairing_code_expires_at is None or terminal.pairing_code_expires_at <= utcnow():
            refused = TerminalRefused("This pairing code has expired; ask for a new one.", code="pairing_code_expired")
            terminal.pairing_code_hash = terminal.pairing_code_expires_at = None
            _refusal(session, terminal, terminal.id, refused.code, context, request_id)
        else:
            now = utcnow()
            terminal.credential_generation += 1
            secret = credentials.derive_secret(terminal)
            terminal.credential_hash = credentials.secret_digest(secret)
            terminal.pairing_code_hash = terminal.pairing_code_expires_at = None
            terminal.paired_at, terminal.last_seen_at, terminal.last_seen_ip = now, now, ip
            if app_version:
                terminal.app_version = app_version[:40]
            session.flush()
            caller = terminal_caller(terminal, request_id)
            emit(session, caller, PAIRED, terminal_data(terminal))
            audit.record(
                session,
                caller,
                "terminal.paired",
                "terminal",
                terminal.id,
                after={"generation": terminal.credential_generation, "ip": ip},
            )
            return terminal, secret
    raise refused or RuntimeError("pairing neither succeeded nor was refused")


# --- every signed request ----------------------------------------------------------------


def _spend_nonce(session: Session, terminal_id: str, nonce: str, expires: Any) -> bool:
    """Insert the nonce; False when this terminal used it already (in any server process)."""
    values = {"terminal_id": terminal_id, "nonce": nonce, "expires_at": expires}
    if session.get_bind().dialect.name == "postgresql":
        stmt: Any = postgresql.insert(_NONCES).values(**values).on_conflict_do_nothing()
    else:
        stmt = sqlite.insert(_NONCES).values(**values).on_conflict_do_nothing()
    # RETURNING, not rowcount: psycopg reports -1 rows for INSERT … ON CONFLICT DO NOTHING.
    return session.execute(stmt.returning(_NONCES.c.nonce)).first() is not None


def authenticate(
    db: Database,
    *,
    authorization: str | None,
    method: str,
    path: str,
    query: str,
    body: bytes,
    ip: str | None,
    request_id: str | None,
) -> TerminalIdentity:
    """Check a signed terminal request: well-formed, known and active terminal, timestamp in the
    window, signature, nonce never seen. Any failure is audited (committed) and raised."""
    if not authorization:
        raise TerminalRefused(
            f"Sign terminal requests: 'Authorization: {signing.SCHEME} terminal=…,timestamp=…,nonce=…,signature=…'.",
            code="terminal_signature_missing",
        )
    try:
        header = signing.parse_authorization(authorization)
    except signing.MalformedSignature as exc:
        raise TerminalRefused(str(exc), code="terminal_signature_malformed") from None
    window = get_settings().terminal_signature_window_seconds
    now_s = int(time.time())
    refused: TerminalRefused | None = None
    with db.session() as session:
        terminal = session.get(Terminal, header.terminal)
        context = {"ip": ip, "method": method, "path": path[:200], "nonce": header.nonce}
        secret = credentials.current_secret(terminal) if terminal is not None else None
        if terminal is None:
            refused = TerminalRefused("Unknown terminal.", code="terminal_unknown")
        elif terminal.status != "active":
            refused = TerminalRefused("This terminal is disabled.", code="terminal_disabled")
        elif secret is None:
            refused = TerminalRefused(
                "This terminal holds no valid credential; pair it again.", code="terminal_not_paired"
            )
        elif abs(now_s - header.timestamp) > window:
            refused = TerminalRefused(
                f"The request's timestamp is more than {window} s from the server's clock ({now_s}); "
                "set the terminal's clock and sign again.",
                code="terminal_timestamp_out_of_window",
                headers={"Digiplus-Server-Time": str(now_s)},
            )
        elif not signing.matches(
            secret, header, signing.canonical_request(method, path, query, header.timestamp, header.nonce, body)
        ):
            refused = TerminalRefused("The signature does not match the request.", code="terminal_signature_invalid")
        elif not _spend_nonce(session, terminal.id, header.nonce, utcnow() + timedelta(seconds=2 * window)):
            refused = TerminalRefused(
                "This nonce was used already: a replayed request. Sign every request with a new nonce.",
                code="terminal_nonce_reused",
            )
        if refused is not None or terminal is None:
            refused = refused or TerminalRefused("Unknown terminal.", code="terminal_unknown")
            _refusal(session, terminal, header.terminal, refused.code, context, request_id)
        else:
            now = utcnow()
            session.execute(
                update(Terminal)
                .where(Terminal.id == terminal.id)
                .where((Terminal.last_seen_at.is_(None)) | (Terminal.last_seen_at < now - SEEN_EVERY))
                .values(last_seen_at=now, last_seen_ip=ip)
            )
            return TerminalIdentity(
                terminal.id,
                terminal.org_id,
                terminal.livemode,
                terminal.name,
                terminal.location,
                terminal_caller(terminal, request_id),
            )
    raise refused


def purge_nonces(db: Database) -> int:
    """Delete nonces whose timestamps are out of the window anyway (the worker's task)."""
    with db.session() as session:
        result = session.execute(_NONCES.delete().where(_NONCES.c.expires_at < utcnow()))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
