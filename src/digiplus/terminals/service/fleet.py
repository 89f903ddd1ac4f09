"""The merchant's terminals: create, list, pairing codes, disable and enable, heartbeats, status.

A terminal's connection state is derived when read, never stored: ``online`` while it was seen
within ``DIGIPLUS_TERMINAL_OFFLINE_AFTER_SECONDS``, ``offline`` after that silence, ``unpaired``
before it ever paired; ``disabled`` overrides all three.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.db import utcnow
from digiplus.core.errors import InvalidRequest, ValidationFailed
from digiplus.core.events import emit, register_event_type
from digiplus.core.ids import id_for
from digiplus.core.tenancy import get_owned, object_base, scoped
from digiplus.payments import get_merchant_profile
from digiplus.settings import get_settings
from digiplus.terminals.models import Terminal
from digiplus.terminals.service import credentials

CREATED = register_event_type("terminal.created", "A merchant added a POS terminal.")
PAIRED = register_event_type("terminal.paired", "A terminal paired with its one-time code and got its credential.")
DISABLED = register_event_type("terminal.disabled", "A terminal was disabled; its requests are refused.")
ENABLED = register_event_type("terminal.enabled", "A disabled terminal was enabled again.")

CONNECTIONS = ("online", "offline", "unpaired", "disabled")


def _clean(value: str, param: str, *, limit: int, required: bool) -> str:
    cleaned = " ".join(value.split())
    if required and not cleaned:
        raise ValidationFailed(f"{param} must not be empty", param=param)
    if len(cleaned) > limit:
        raise ValidationFailed(f"{param} is at most {limit} characters", param=param)
    return cleaned


def create_terminal(session: Session, caller: Caller, *, name: str, location: str) -> Terminal:
    get_merchant_profile(session, caller)  # a terminal takes payments: the org must be a merchant
    terminal = Terminal(
        id=id_for("terminal"),
        org_id=caller.org_id,
        livemode=caller.livemode,
        name=_clean(name, "name", limit=80, required=True),
        location=_clean(location, "location", limit=120, required=False),
        status="active",
        credential_generation=0,
    )
    session.add(terminal)
    session.flush()
    emit(session, caller, CREATED, terminal_data(terminal))
    audit.record(session, caller, "terminal.created", "terminal", terminal.id, after={"name": terminal.name})
    return terminal


def terminals_query(caller: Caller, status: str | None = None) -> Select[Terminal]:
    stmt = scoped(Terminal, caller)
    return stmt if status is None else stmt.where(Terminal.status == status)


def get_terminal(session: Session, caller: Caller, terminal_id: str, *, lock: bool = False) -> Terminal:
    return get_owned(session, Terminal, terminal_id, caller, for_update=lock)


def issue_pairing_code(session: Session, caller: Caller, terminal_id: str) -> tuple[Terminal, str]:
    """A new one-time code (the previous one stops working). Pairing with it gives the terminal a new
    credential: a terminal paired before loses its old one at that moment."""
    terminal = get_terminal(session, caller, terminal_id, lock=True)
    if terminal.status != "active":
        raise InvalidRequest(
            "This terminal is disabled; enable it before pairing.", param="id", code="terminal_disabled"
        )
    code = credentials.new_pairing_code()
    terminal.pairing_code_hash = credentials.code_digest(credentials.normalize_code(code) or "")
    terminal.pairing_code_expires_at = utcnow() + timedelta(seconds=get_settings().terminal_pairing_code_ttl_seconds)
    session.flush()
    audit.record(
        session,
        caller,
        "terminal.pairing_code_issued",
        "terminal",
        terminal.id,
        after={"expires_at": terminal.pairing_code_expires_at.isoformat()},
    )
    return terminal, code


def disable_terminal(session: Session, caller: Caller, terminal_id: str) -> Terminal:
    """Refuse the terminal's requests from now on (the next one, in every server process: it is a row)."""
    terminal = get_terminal(session, caller, terminal_id, lock=True)
    if terminal.status == "disabled":
        return terminal
    terminal.status, terminal.disabled_at = "disabled", utcnow()
    terminal.pairing_code_hash = terminal.pairing_code_expires_at = None
    session.flush()
    emit(session, caller, DISABLED, terminal_data(terminal))
    audit.record(
        session,
        caller,
        "terminal.disabled",
        "terminal",
        terminal.id,
        before={"status": "active"},
        after={"status": "disabled"},
    )
    return terminal


def enable_terminal(session: Session, caller: Caller, terminal_id: str) -> Terminal:
    terminal = get_terminal(session, caller, terminal_id, lock=True)
    if terminal.status == "active":
        return terminal
    terminal.status, terminal.disabled_at = "active", None
    session.flush()
    emit(session, caller, ENABLED, terminal_data(terminal))
    audit.record(
        session,
        caller,
        "terminal.enabled",
        "terminal",
        terminal.id,
        before={"status": "disabled"},
        after={"status": "active"},
    )
    return terminal


def heartbeat(session: Session, terminal: Terminal, *, app_version: str | None, ip: str | None) -> Terminal:
    """The terminal says it is alive (its signed request already counted as a sighting)."""
    locked = session.get(Terminal, terminal.id, with_for_update=True)
    if locked is None:  # the signature check found it a moment ago; rows are never deleted
        raise InvalidRequest("No such terminal.", param="terminal")
    locked.last_seen_at, locked.last_seen_ip = utcnow(), ip
    if app_version is not None:
        locked.app_version = _clean(app_version, "app_version", limit=40, required=False) or None
    session.flush()
    return locked


def connection(terminal: Terminal, now: datetime | None = None) -> str:
    if terminal.status == "disabled":
        return "disabled"
    if terminal.last_seen_at is None or terminal.paired_at is None:
        return "unpaired"
    silence = timedelta(seconds=get_settings().terminal_offline_after_seconds)
    return "online" if (now or utcnow()) - terminal.last_seen_at < silence else "offline"


def _ts(value: datetime | None) -> int | None:
    return int(value.timestamp()) if value else None


def terminal_data(t: Terminal, now: datetime | None = None) -> dict[str, Any]:
    return {
        **object_base(t, "terminal"),
        "name": t.name,
        "location": t.location,
        "status": t.status,
        "connection": connection(t, now),
        "paired": t.paired_at is not None,
        "paired_at": _ts(t.paired_at),
        "last_seen_at": _ts(t.last_seen_at),
        "app_version": t.app_version,
        "pairing_code_expires_at": _ts(t.pairing_code_expires_at),
        "disabled_at": _ts(t.disabled_at),
    }
