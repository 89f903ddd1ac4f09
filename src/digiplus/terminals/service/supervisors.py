"""Supervisors and their PINs: a refund at a terminal needs one.

A PIN is 4-8 digits, stored only as an argon2id hash. ``DIGIPLUS_TERMINAL_PIN_MAX_ATTEMPTS``
wrong PINs in a row lock the supervisor for ``DIGIPLUS_TERMINAL_PIN_LOCKOUT_SECONDS`` (a
locked supervisor's PIN is not even checked). Each try is counted and audited in a
transaction of its own, committed before the refusal is answered, so a client that drops the
connection or retries cannot try more PINs than the limit.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.db import Database, utcnow
from digiplus.core.errors import PermissionDenied, ValidationFailed
from digiplus.core.ids import id_for
from digiplus.core.tenancy import get_owned, object_base, scoped
from digiplus.settings import get_settings
from digiplus.terminals.models import TerminalSupervisor

_hasher = PasswordHasher()  # argon2id, the library's default parameters (RFC 9106's second choice)


class PinRefused(PermissionDenied):
    """A wrong PIN (``supervisor_pin_incorrect``) or a locked supervisor (``supervisor_locked``)."""


def _check_pin(pin: str) -> str:
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
        raise ValidationFailed("pin is 4 to 8 digits", param="pin")
    return pin


def create_supervisor(session: Session, caller: Caller, *, name: str, pin: str) -> TerminalSupervisor:
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > 80:
        raise ValidationFailed("name is 1 to 80 characters", param="name")
    supervisor = TerminalSupervisor(
        id=id_for("terminal_supervisor"),
        org_id=caller.org_id,
        livemode=caller.livemode,
        name=cleaned,
        pin_hash=_hasher.hash(_check_pin(pin)),
        failed_attempts=0,
        active=True,
    )
    session.add(supervisor)
    session.flush()
    audit.record(
        session, caller, "terminal_supervisor.created", "terminal_supervisor", supervisor.id, after={"name": cleaned}
    )
    return supervisor


def supervisors_query(caller: Caller, *, active_only: bool = False) -> Select[TerminalSupervisor]:
    stmt = scoped(TerminalSupervisor, caller)
    return stmt.where(TerminalSupervisor.active.is_(True)) if active_only else stmt


def get_supervisor(session: Session, caller: Caller, supervisor_id: str, *, lock: bool = False) -> TerminalSupervisor:
    return get_owned(session, TerminalSupervisor, supervisor_id, caller, for_update=lock, param="supervisor")


def deactivate_supervisor(session: Session, caller: Caller, supervisor_id: str) -> TerminalSupervisor:
    supervisor = get_supervisor(session, caller, supervisor_id, lock=True)
    if supervisor.active:
        supervisor.active = False
        session.flush()
        audit.record(session, caller, "terminal_supervisor.deactivated", "terminal_supervisor", supervisor.id)
    return supervisor


def unlock_supervisor(session: Session, caller: Caller, supervisor_id: str) -> TerminalSupervisor:
    """The merchant lifts a lockout (after checking who tried)."""
    supervisor = get_supervisor(session, caller, supervisor_id, lock=True)
    supervisor.failed_attempts, supervisor.locked_until = 0, None
    session.flush()
    audit.record(session, caller, "terminal_supervisor.unlocked", "terminal_supervisor", supervisor.id)
    return supervisor


def verify_pin(db: Database, caller: Caller, supervisor_id: str, pin: str) -> None:
    """Raise ``PinRefused`` unless ``pin`` is the supervisor's; counts and audits every try (own transaction)."""
    _check_pin(pin)
    settings = get_settings()
    refused: PinRefused | None = None
    with db.session() as session:
        supervisor = get_supervisor(session, caller, supervisor_id, lock=True)
        now = utcnow()
        if not supervisor.active:
            refused = PinRefused("This supervisor is no longer active.", code="supervisor_inactive", param="supervisor")
        elif supervisor.locked_until is not None and supervisor.locked_until > now:
            wait = int((supervisor.locked_until - now).total_seconds()) + 1
            refused = PinRefused(
                f"Too many wrong PINs: this supervisor is locked for {wait} more seconds.",
                code="supervisor_locked",
                param="pin",
            )
        else:
            ok: bool
            try:
                ok = bool(_hasher.verify(supervisor.pin_hash, pin))
            except (VerificationError, InvalidHashError):
                ok = False
            if ok:
                if supervisor.failed_attempts or supervisor.locked_until:
                    supervisor.failed_attempts, supervisor.locked_until = 0, None
                audit.record(session, caller, "terminal_supervisor.pin_accepted", "terminal_supervisor", supervisor.id)
                return
            supervisor.failed_attempts += 1
            left = settings.terminal_pin_max_attempts - supervisor.failed_attempts
            if left <= 0:
                supervisor.locked_until = now + timedelta(seconds=settings.terminal_pin_lockout_seconds)
                supervisor.failed_attempts = 0
                refused = PinRefused(
                    "Wrong PIN. Too many wrong PINs: this supervisor is locked.", code="supervisor_locked", param="pin"
                )
            else:
                refused = PinRefused(f"Wrong PIN ({left} tries left).", code="supervisor_pin_incorrect", param="pin")
        audit.record(
            session,
            caller,
            "terminal_supervisor.pin_refused",
            "terminal_supervisor",
            supervisor.id,
            after={
                "reason": refused.code,
                "locked_until": supervisor.locked_until.isoformat() if supervisor.locked_until else None,
            },
        )
    raise refused


def supervisor_data(s: TerminalSupervisor) -> dict[str, Any]:
    return {
        **object_base(s, "terminal_supervisor"),
        "name": s.name,
        "active": s.active,
        "locked_until": int(s.locked_until.timestamp()) if s.locked_until else None,
    }
