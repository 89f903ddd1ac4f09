"""Expiry (FIFO lots at the end of the month N months after earning), birthday bonuses and the
merchant's manual adjustments. The worker runs expiry and birthdays once a day (Taiwan time);
``digiplus loyalty expire --as-of DATE`` and ``… birthdays --on DATE`` run them by hand.

Expiry as of D takes from each member the remaining points of every lot whose last valid day is
before D (remaining after FIFO consumption: redemptions and earlier expiries eat the soonest-expiring
lots first; a clawback takes back from the very lot it reverses). A member below zero loses nothing.
One entry and transfer per member and D (source ``expiry:<D>``), so running it twice expires nothing more.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.db import Database, utcnow
from digiplus.core.errors import InvalidRequest
from digiplus.core.permissions import require
from digiplus.core.worker import task
from digiplus.loyalty.models import LoyaltyEntry, LoyaltyMember, LoyaltyProgramme
from digiplus.loyalty.service import books, ledger_entries, members, rules


def expire_member(session: Session, programme: LoyaltyProgramme, member: LoyaltyMember, as_of: date) -> int:
    found, _ = members.lots(session, member)
    due = sum(lot.remaining for lot in found if lot.expires_on is not None and lot.expires_on < as_of)
    if due <= 0:
        return 0
    at = datetime.combine(as_of, time(0), tzinfo=rules.TAIPEI)
    entry = ledger_entries.debit(
        session,
        programme,
        member,
        kind="expiry",
        points=due,
        source_key=f"expiry:{member.id}:{as_of.isoformat()}",
        at=at,
        to_account=books.expired_account(programme.id),
        code=books.TransferCode.expiry,
    )
    return due if entry is not None else 0


def expire_points(session: Session, as_of: date, *, org_id: str | None = None) -> dict[str, int]:
    """Expire due lots in every programme (of ``org_id`` when given): members touched, points expired."""
    stmt = select(LoyaltyProgramme).where(LoyaltyProgramme.expiry_months > 0)
    if org_id is not None:
        stmt = stmt.where(LoyaltyProgramme.org_id == org_id)
    touched = total = 0
    for programme in session.scalars(stmt.order_by(LoyaltyProgramme.id)).all():
        due_members = session.scalars(
            select(LoyaltyMember)
            .where(
                LoyaltyMember.programme_id == programme.id,
                LoyaltyMember.id.in_(
                    select(LoyaltyEntry.member_id).where(
                        LoyaltyEntry.programme_id == programme.id, LoyaltyEntry.expires_on < as_of
                    )
                ),
            )
            .order_by(LoyaltyMember.id)
        ).all()
        for member in due_members:
            points = expire_member(session, programme, member, as_of)
            if points:
                touched, total = touched + 1, total + points
    return {"members": touched, "points": total}


def grant_birthday_bonuses(session: Session, on: date) -> dict[str, int]:
    """The birthday bonus, once a year, to members whose shared birthday month is ``on``'s month."""
    stmt = (
        select(LoyaltyMember, LoyaltyProgramme)
        .join(LoyaltyProgramme, LoyaltyProgramme.id == LoyaltyMember.programme_id)
        .where(
            LoyaltyMember.birth_month == on.month,
            LoyaltyProgramme.birthday_bonus > 0,
            LoyaltyProgramme.status == "active",
        )
        .order_by(LoyaltyMember.id)
    )
    at = datetime.combine(on, time(0), tzinfo=rules.TAIPEI)
    granted = 0
    for member, programme in session.execute(stmt).all():
        entry = ledger_entries.credit(
            session,
            programme,
            member,
            kind="birthday_bonus",
            points=programme.birthday_bonus,
            source_key=f"birthday:{member.id}:{on.year}",
            at=at,
        )
        granted += entry is not None
    return {"members": granted}


def adjust(session: Session, caller: Caller, member_id: str, points: int, reason: str) -> LoyaltyEntry:
    """The merchant grants (a new lot) or deducts points by hand, with a reason; audited."""
    require(caller.role, "loyalty.write")
    member = members.get_member(session, caller, member_id)
    if member.org_id != caller.org_id:
        raise InvalidRequest("Only the merchant adjusts a member's points.", param="id")
    if points == 0:
        raise InvalidRequest("points must not be 0", param="points")
    programme = session.get_one(LoyaltyProgramme, member.programme_id)
    now = utcnow()
    detail: dict[str, Any] = {"reason": reason, "by": caller.actor_id}
    key = f"adjust:{member.id}:{now.isoformat()}"
    if points > 0:
        entry = ledger_entries.credit(
            session, programme, member, kind="adjustment_grant", points=points, source_key=key, at=now, detail=detail
        )
    else:
        entry = ledger_entries.debit(
            session,
            programme,
            member,
            kind="adjustment_deduct",
            points=-points,
            source_key=key,
            at=now,
            to_account=books.issued_account(programme.id),
            code=books.TransferCode.adjustment,
            detail=detail,
        )
    if entry is None:
        raise InvalidRequest("An adjustment was made at this very moment; try again.", param="points")
    audit.record(
        session,
        caller,
        "loyalty_member.adjusted",
        "loyalty_member",
        member.id,
        after={"points": points, "reason": reason},
    )
    return entry


_LAST_DAILY_RUN: dict[str, date] = {}


@task("loyalty.daily")
def daily_task(db: Database) -> int:
    """Expire due lots and give this month's birthday bonuses, once a day per process (both are
    idempotent, so another process or a restart running them again changes nothing)."""
    today = rules.local_date(utcnow())
    if _LAST_DAILY_RUN.get("day") == today:
        return 0
    _LAST_DAILY_RUN["day"] = today
    with db.session() as session:
        expired = expire_points(session, today)
        birthdays = grant_birthday_bonuses(session, today)
    return expired["members"] + birthdays["members"]
