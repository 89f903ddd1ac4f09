"""Payouts: once a day, each merchant's available balance goes to its linked bank account.

``pending`` → ``in_transit`` → ``paid`` | ``failed``:
1. ``create_payout``: the settlement batches and the refunds taken from the available balance that
   no live payout took yet add up to the payout's amount; at least ``DIGIPLUS_PAYOUT_MINIMUM``
   (per currency) or no payout. A pending ledger transfer holds it (available → bank clearing, the
   payout's id): the ledger refuses it if a refund took the money meanwhile.
2. ``send_payout``: the ``BankConnector`` pushes it (the payout id is the bank reference, so a
   resend after a crash is recognisable). Accepted → ``in_transit``; refused → ``failed`` with
   the bank's code and message and the hold voided: the money is available again, and its items
   are taken by the next payout.
3. ``confirm_arrivals``: an in-transit payout whose arrival date has come is ``paid`` (the hold is
   posted). The simulated bank's money arrives on the next business day; a real connector would
   report arrivals and returns from the bank's statements here.

The payout id derives from (merchant, mode, currency, payout date), so a day has one payout per
merchant and currency whatever re-runs; ledger ids ``po_…``, ``po_…_post``, ``po_…_void``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.db import Database, utcnow
from digiplus.core.errors import ValidationFailed
from digiplus.core.events import emit, register_event_type
from digiplus.core.money import currency
from digiplus.core.tenancy import get_owned, scoped
from digiplus.core.worker import task
from digiplus.ledger import TransferFlags, TransferInput, TransferResult, create_transfers
from digiplus.payments.models import BankAccount, MerchantProfile, Payout, PayoutItem, Refund, Settlement
from digiplus.payments.service import books
from digiplus.payments.service.banks import bank_connector
from digiplus.payments.service.books import TransferCode
from digiplus.payments.service.fee_plans import require_operator
from digiplus.payments.service.settlement import (
    add_business_days,
    derived_id,
    merchants,
    settle_each,
    settle_merchant_funds,
    taipei_date,
    taipei_midnight,
)
from digiplus.settings import get_settings

CREATED = register_event_type("payout.created", "A payout was created; the amount is held on the available balance.")
IN_TRANSIT = register_event_type("payout.in_transit", "The bank accepted a payout; the money is on its way.")
PAID = register_event_type("payout.paid", "A payout arrived in the merchant's bank account.")
FAILED = register_event_type("payout.failed", "A payout failed; the amount is available again.")

_PENDING = int(TransferFlags.pending)
_POST = int(TransferFlags.post_pending_transfer)
_VOID = int(TransferFlags.void_pending_transfer)
LIVE_STATUSES = ("pending", "in_transit", "paid")


def minimum_payout(cur: str) -> int:
    configured = get_settings().payout_minimum
    if cur in configured:
        return configured[cur]
    return int(10 ** currency(cur).exponent)


def _not_paid_out(object_id: Any) -> Any:
    """No live (not failed) payout took this settlement or refund yet."""
    return ~exists(
        select(PayoutItem.id)
        .join(Payout, Payout.id == PayoutItem.payout_id)
        .where(PayoutItem.object_id == object_id, Payout.status.in_(LIVE_STATUSES))
    )


def _as_merchant(org_id: str, livemode: bool) -> Caller:
    return Caller.system(org_id, livemode)


def create_payout(session: Session, profile: MerchantProfile, payout_date: date, now: datetime) -> Payout | None:
    """Hold the merchant's unpaid-out funds for a payout on ``payout_date``; None when there is no
    bank account, the amount is under the minimum, or the day's payout exists."""
    session.scalars(select(MerchantProfile).where(MerchantProfile.id == profile.id).with_for_update()).one()
    org, live, cur = profile.org_id, profile.livemode, profile.settlement_currency
    if profile.bank_account_id is None:
        return None
    payout_id = derived_id("po", payout_date, org, live, cur)
    if session.get(Payout, payout_id) is not None:
        return None
    settlements = session.execute(
        select(Settlement.id, Settlement.amount)
        .where(
            Settlement.org_id == org,
            Settlement.livemode == live,
            Settlement.currency == cur,
            _not_paid_out(Settlement.id),
        )
        .order_by(Settlement.settlement_date)
    ).all()
    refunds = session.execute(
        select(Refund.id, Refund.from_available)
        .where(
            Refund.org_id == org,
            Refund.livemode == live,
            Refund.currency == cur,
            Refund.status == "succeeded",
            Refund.from_available > 0,
            _not_paid_out(Refund.id),
        )
        .order_by(Refund.created, Refund.id)
    ).all()
    amount = sum(s.amount for s in settlements) - sum(r.from_available for r in refunds)
    if amount < max(1, minimum_payout(cur)):
        return None
    payout = Payout(
        id=payout_id,
        org_id=org,
        livemode=live,
        currency=cur,
        amount=amount,
        payout_date=payout_date,
        arrival_date=add_business_days(payout_date, 1),
        status="pending",
        bank_account_id=profile.bank_account_id,
        transfer_id=payout_id,
        created=now,
    )
    session.add(payout)
    session.flush()
    session.add_all(
        [PayoutItem(payout_id=payout_id, kind="settlement", object_id=s.id, amount=s.amount) for s in settlements]
        + [PayoutItem(payout_id=payout_id, kind="refund", object_id=r.id, amount=-r.from_available) for r in refunds]
    )
    session.flush()
    [hold] = create_transfers(
        session,
        books.platform_books(session, live),
        [
            TransferInput(
                id=payout_id,
                debit_account_id=books.merchant_available_account(org, cur),
                credit_account_id=books.bank_clearing_account(cur),
                amount=amount,
                ledger=cur,
                code=int(TransferCode.payout),
                flags=_PENDING,
                metadata={"payout": payout_id},
            )
        ],
    )
    if hold.result is TransferResult.exceeds_credits:
        raise PayoutRaced(org)
    if hold.result is not TransferResult.ok:
        raise RuntimeError(f"payout {payout_id}: {hold.result}")
    emit(session, _as_merchant(org, live), CREATED, payout_data(payout))
    return payout


class PayoutRaced(Exception):
    """A refund took from the available balance while the payout was being made: retry later."""


def send_payout(session: Session, payout: Payout, now: datetime) -> Payout:
    """Ask the bank to push a pending payout: ``in_transit``, or ``failed`` with the hold voided."""
    payout = session.scalars(select(Payout).where(Payout.id == payout.id).with_for_update()).one()
    if payout.status != "pending":
        return payout
    bank = session.get(BankAccount, payout.bank_account_id)
    if bank is None:  # a foreign key makes this impossible; kept for mypy
        raise RuntimeError(f"payout {payout.id}: bank account {payout.bank_account_id} is gone")
    answer = bank_connector().push(bank, payout.amount, payout.currency, payout.id)
    caller = _as_merchant(payout.org_id, payout.livemode)
    if answer.ok:
        payout.status, payout.bank_reference, payout.in_transit_at = "in_transit", answer.reference, now
        session.flush()
        emit(session, caller, IN_TRANSIT, payout_data(payout))
        return payout
    _resolve(session, payout, "void")
    payout.status, payout.failed_at = "failed", now
    payout.failure_code, payout.failure_message = answer.failure_code, answer.failure_message
    session.flush()
    emit(session, caller, FAILED, payout_data(payout))
    return payout


def _resolve(session: Session, payout: Payout, how: str) -> None:
    resolved_id = f"{payout.id}_{how}"
    [outcome] = create_transfers(
        session,
        books.platform_books(session, payout.livemode),
        [TransferInput(id=resolved_id, pending_id=payout.transfer_id, flags=_POST if how == "post" else _VOID)],
    )
    if outcome.result is not TransferResult.ok:
        raise RuntimeError(f"payout {payout.id} {how}: {outcome.result}")
    payout.resolved_transfer_id = resolved_id


def confirm_arrivals(session: Session, today: date, now: datetime, *, livemode: bool | None = None) -> list[Payout]:
    """In-transit payouts whose arrival date has come are paid: their holds are posted."""
    stmt = select(Payout).where(Payout.status == "in_transit", Payout.arrival_date <= today).order_by(Payout.id)
    if livemode is not None:
        stmt = stmt.where(Payout.livemode == livemode)
    paid = []
    for payout in session.scalars(stmt.with_for_update()).all():
        _resolve(session, payout, "post")
        payout.status, payout.paid_at = "paid", now
        session.flush()
        emit(session, _as_merchant(payout.org_id, payout.livemode), PAID, payout_data(payout))
        paid.append(payout)
    return paid


@dataclass
class PayoutRun:
    payout_date: date
    settled: int = 0  # settlement batches made first
    created: list[Payout] = field(default_factory=list)
    paid: list[Payout] = field(default_factory=list)
    retry_later: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[Payout]:
        return [p for p in self.created if p.status == "failed"]

    def summary(self) -> dict[str, Any]:
        return {
            "object": "payout_run",
            "payout_date": self.payout_date.isoformat(),
            "settlements_created": self.settled,
            "payouts_created": len(self.created),
            "in_transit": sum(1 for p in self.created if p.status == "in_transit"),
            "failed": len(self.failed),
            "paid": len(self.paid),
            "amount": {cur: sum(p.amount for p in self.created if p.currency == cur) for cur in self._currencies()},
            "retry_later": self.retry_later,
            "payouts": [p.id for p in self.created],
        }

    def _currencies(self) -> list[str]:
        return sorted({p.currency for p in self.created})


def run_payouts(
    session: Session, now: datetime | None = None, *, payout_date: date | None = None, livemode: bool | None = None
) -> PayoutRun:
    """In one session: pay in-transit payouts that arrived, then create and send the day's payouts
    (each merchant in a savepoint). Settle first with ``settlement.settle_merchant_funds``."""
    now = now or utcnow()
    day = payout_date or taipei_date(now)
    run = PayoutRun(day)
    run.paid = confirm_arrivals(session, day, now, livemode=livemode)
    for profile in merchants(session, livemode):
        try:
            with session.begin_nested():
                payout = create_payout(session, profile, day, now)
        except PayoutRaced:
            run.retry_later.append(profile.org_id)
            continue
        if payout is not None:
            run.created.append(send_payout(session, payout, now))
    return run


def run_daily(
    db: Database,
    now: datetime | None = None,
    *,
    payout_date: date | None = None,
    livemode: bool | None = None,
    progress: Callable[[str], None] | None = None,
) -> PayoutRun:
    """``digiplus payouts run`` and the worker: settle, pay arrivals, then per merchant create the
    payout (committed) and send it (committed), so a crash between the two leaves a pending payout
    that the next run sends with the same reference."""
    now = now or utcnow()
    day = payout_date or taipei_date(now)
    run = PayoutRun(day)
    settled = settle_each(db, now, livemode=livemode)
    run.settled, run.retry_later = len(settled.settlements), list(settled.retry_later)
    with db.session() as session:
        run.paid = confirm_arrivals(session, day, now, livemode=livemode)
        session.flush()
        session.expunge_all()
        profiles = [(p.id, p.org_id) for p in merchants(session, livemode)]
        waiting = list(session.scalars(select(Payout.id).where(Payout.status == "pending")))
    for profile_id, org_id in profiles:
        try:
            with db.session() as session:
                profile = session.get(MerchantProfile, profile_id)
                payout = create_payout(session, profile, day, now) if profile is not None else None
                payout_id = payout.id if payout is not None else None
        except PayoutRaced:
            run.retry_later.append(org_id)
            payout_id = None
        if payout_id is not None:
            waiting.append(payout_id)
        if progress is not None:
            progress(org_id)
    for payout_id in waiting:
        with db.session() as session:
            sent = send_payout(session, session.get_one(Payout, payout_id), now)
            session.flush()
            session.expunge(sent)
            run.created.append(sent)
    return run


def operator_run(session: Session, caller: Caller, payout_date: date | None) -> PayoutRun:
    """``POST /v1/payouts/run``: an operator settles and pays out every merchant of its mode now.

    A payout date after today is allowed in test mode only: it walks a sandbox through the
    settlement delay (the run acts as of noon Taipei time of that date)."""
    require_operator(session, caller)
    now = utcnow()
    today = taipei_date(now)
    if payout_date is not None and payout_date > today and caller.livemode:
        raise ValidationFailed("A payout date after today is only allowed in test mode.", param="date")
    as_of = now if payout_date is None or payout_date == today else taipei_midnight(payout_date) + timedelta(hours=12)
    settled = settle_merchant_funds(session, as_of, livemode=caller.livemode)
    run = run_payouts(session, as_of, payout_date=payout_date, livemode=caller.livemode)
    run.settled, run.retry_later = len(settled.settlements), settled.retry_later + run.retry_later
    audit.record(session, caller, "payouts.run", "payout_run", f"run_{run.payout_date:%Y%m%d}", after=run.summary())
    return run


_paid_out_on: dict[str, date] = {}


@task("payments.payouts")
def payouts_task(db: Database) -> int:
    """Once per Taipei day: settle, pay arrivals and make the day's payouts (again while a merchant
    had to be retried)."""
    now = utcnow()
    key = str(db.engine.url)
    if _paid_out_on.get(key) == taipei_date(now):
        return 0
    run = run_daily(db, now)
    if not run.retry_later:
        _paid_out_on[key] = taipei_date(now)
    return run.settled + len(run.created) + len(run.paid)


# --- reads --------------------------------------------------------------------------------


def get_payout(session: Session, caller: Caller, payout_id: str) -> Payout:
    return get_owned(session, Payout, payout_id, caller)


def payouts_query(caller: Caller, status: str | None = None) -> Select[Payout]:
    stmt = scoped(Payout, caller)
    return stmt if status is None else stmt.where(Payout.status == status)


def payout_data(p: Payout) -> dict[str, Any]:
    return {
        "id": p.id,
        "object": "payout",
        "created": int(p.created.timestamp()),
        "livemode": p.livemode,
        "amount": p.amount,
        "currency": p.currency,
        "status": p.status,
        "payout_date": p.payout_date.isoformat(),
        "arrival_date": p.arrival_date.isoformat(),
        "bank_account": p.bank_account_id,
        "bank_reference": p.bank_reference,
        "failure_code": p.failure_code,
        "failure_message": p.failure_message,
        "in_transit_at": int(p.in_transit_at.timestamp()) if p.in_transit_at else None,
        "paid_at": int(p.paid_at.timestamp()) if p.paid_at else None,
        "failed_at": int(p.failed_at.timestamp()) if p.failed_at else None,
        "ledger_transfers": {
            "hold": p.transfer_id,
            **({"resolved": p.resolved_transfer_id} if p.resolved_transfer_id else {}),
        },
    }
