"""Entries and their transfers: every points movement is one ``LoyaltyEntry`` and one ledger transfer,
written together; the entry's ``source_key`` (unique per programme) makes a replay a no-op."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus.core.ids import id_for
from digiplus.ledger import TransferInput
from digiplus.loyalty.models import LoyaltyEntry, LoyaltyMember, LoyaltyProgramme
from digiplus.loyalty.service import books, rules

LOT_KINDS = ("earn", "signup_bonus", "birthday_bonus", "adjustment_grant")
_CREDIT_CODES = {
    "earn": books.TransferCode.earn,
    "signup_bonus": books.TransferCode.signup_bonus,
    "birthday_bonus": books.TransferCode.birthday_bonus,
    "adjustment_grant": books.TransferCode.adjustment,
}


def entry_for(session: Session, programme_id: str, source_key: str) -> LoyaltyEntry | None:
    stmt = select(LoyaltyEntry).where(LoyaltyEntry.programme_id == programme_id, LoyaltyEntry.source_key == source_key)
    return session.scalars(stmt).one_or_none()


def _entry(
    programme: LoyaltyProgramme,
    member: LoyaltyMember,
    *,
    kind: str,
    points: int,
    source_key: str,
    at: datetime,
    spend_amount: int = 0,
    payment_intent_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> LoyaltyEntry:
    return LoyaltyEntry(
        id=id_for("loyalty_transaction"),
        org_id=programme.org_id,
        livemode=programme.livemode,
        programme_id=programme.id,
        member_id=member.id,
        kind=kind,
        source_key=source_key,
        points=points,
        spend_amount=spend_amount,
        occurred_at=at,
        expires_on=None,
        payment_intent_id=payment_intent_id,
        detail=detail,
    )


def credit(
    session: Session,
    programme: LoyaltyProgramme,
    member: LoyaltyMember,
    *,
    kind: str,
    points: int,
    source_key: str,
    at: datetime,
    spend_amount: int = 0,
    payment_intent_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> LoyaltyEntry | None:
    """Points given to the member (a lot, expiring per the programme); None if this source was booked already.

    An earning of 0 points is still an entry (its spend counts toward the tier), without a transfer."""
    if entry_for(session, programme.id, source_key) is not None:
        return None
    entry = _entry(
        programme,
        member,
        kind=kind,
        points=points,
        source_key=source_key,
        at=at,
        spend_amount=spend_amount,
        payment_intent_id=payment_intent_id,
        detail=detail,
    )
    entry.expires_on = rules.expiry_date(rules.local_date(at), programme.expiry_months)
    if points > 0:
        entry.transfer_id = entry.id
        books.move(
            session,
            books.books_of(programme.org_id, programme.livemode),
            TransferInput(
                id=entry.id,
                debit_account_id=books.issued_account(programme.id),
                credit_account_id=member.account_id,
                amount=points,
                ledger=programme.ledger,
                code=int(_CREDIT_CODES[kind]),
                metadata={"kind": kind, "source": source_key},
            ),
        )
    session.add(entry)
    session.flush()
    return entry


def debit(
    session: Session,
    programme: LoyaltyProgramme,
    member: LoyaltyMember,
    *,
    kind: str,
    points: int,
    source_key: str,
    at: datetime,
    to_account: str,
    code: books.TransferCode,
    spend_amount: int = 0,
    payment_intent_id: str | None = None,
    lot_entry_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> LoyaltyEntry | None:
    """Points taken from the member (expiry, clawback, deduction): a plain transfer, which may take the
    balance below zero. None if this source was booked already."""
    if entry_for(session, programme.id, source_key) is not None:
        return None
    entry = _entry(
        programme,
        member,
        kind=kind,
        points=-points,
        source_key=source_key,
        at=at,
        spend_amount=spend_amount,
        payment_intent_id=payment_intent_id,
        detail=detail,
    )
    entry.lot_entry_id = lot_entry_id
    if points > 0:
        entry.transfer_id = entry.id
        books.move(
            session,
            books.books_of(programme.org_id, programme.livemode),
            TransferInput(
                id=entry.id,
                debit_account_id=member.account_id,
                credit_account_id=to_account,
                amount=points,
                ledger=programme.ledger,
                code=int(code),
                metadata={"kind": kind, "source": source_key},
            ),
        )
    session.add(entry)
    session.flush()
    return entry
