"""Settlement: captured funds move from a merchant's pending settlement to its available balance
once the settlement delay has passed.

The delay is ``DIGIPLUS_SETTLEMENT_DELAY_DAYS`` business days (default 1: T+1) on the Asia/Taipei
calendar: Monday to Friday, less ``DIGIPLUS_SETTLEMENT_HOLIDAYS``. A payment captured on Taipei
day D is available from 00:00 Taipei time of the ``delay``-th business day after D: with the
default, Monday's captures on Tuesday, and Friday's, Saturday's and Sunday's on Monday.

One batch per merchant, currency and settlement date (the Taipei date of ``now``). It takes
- every captured payment whose availability date has come and that no batch took yet (gross and fee),
- every succeeded refund that took money out of pending settlement and that no batch took yet,
- the shortfall carried from the merchant's previous batch,
and moves ``gross - fees - refunds - carried_in`` from pending settlement to available. A refund
of an already settled payment takes from pending settlement too (``service/refunds.py``: pending
first), i.e. from newer payments' money; when a batch's refunds are more than its payments the
batch moves nothing and carries the shortfall to the next batch. The pending account therefore
always holds exactly the not-yet-due payments' net less the carried shortfall.

The batch id is derived from (merchant, mode, currency, date) and is the ledger transfer's id; each
payment and refund is settled once (a unique index): running settlement twice books nothing twice.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from digiplus.core.db import Database, utcnow
from digiplus.core.worker import task
from digiplus.ledger import TransferInput, TransferResult, create_transfers
from digiplus.payments.models import MerchantProfile, PaymentIntent, Refund, Settlement, SettlementItem
from digiplus.payments.service import books
from digiplus.payments.service.books import TransferCode
from digiplus.settings import get_settings

TAIPEI = ZoneInfo("Asia/Taipei")


# --- the business-day calendar ------------------------------------------------------------


def taipei_date(moment: datetime) -> date:
    return moment.astimezone(TAIPEI).date()


def taipei_midnight(day: date) -> datetime:
    """00:00 Taipei time of ``day``, as a UTC datetime."""
    return datetime.combine(day, time(0), tzinfo=TAIPEI).astimezone(UTC)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in get_settings().settlement_holidays


def add_business_days(day: date, count: int) -> date:
    """The ``count``-th business day after ``day``; with ``count`` 0, ``day`` itself or the next
    business day when ``day`` is not one."""
    while not is_business_day(day) and count == 0:
        day += timedelta(days=1)
    while count > 0:
        day += timedelta(days=1)
        if is_business_day(day):
            count -= 1
    return day


def available_on(captured_at: datetime) -> date:
    """The Taipei date from which a payment captured at ``captured_at`` may be settled."""
    return add_business_days(taipei_date(captured_at), get_settings().settlement_delay_days)


def captured_before(settlement_date: date) -> datetime:
    """Payments captured before this instant are due on ``settlement_date``: 00:00 Taipei of the day
    after the last capture date whose availability date is not after ``settlement_date``."""
    delay = get_settings().settlement_delay_days
    last = settlement_date
    while add_business_days(last, delay) > settlement_date:
        last -= timedelta(days=1)
    return taipei_midnight(last + timedelta(days=1))


def derived_id(prefix: str, day: date, *parts: object) -> str:
    """A deterministic id that still sorts by date (lists page by id, newest first):
    ``{prefix}_{YYYYMMDD}{18 base32 characters of SHA-256 of the parts}``."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return f"{prefix}_{day:%Y%m%d}{base64.b32encode(digest).decode()[:18]}"


# --- settlement ---------------------------------------------------------------------------


class _Raced(Exception):
    """The merchant's pending balance changed under us (a refund committed meanwhile): retry later."""


@dataclass
class SettlementRun:
    settlement_date: date
    settlements: list[Settlement] = field(default_factory=list)
    retry_later: list[str] = field(default_factory=list)  # merchant org ids

    @property
    def moved(self) -> int:
        return sum(s.amount for s in self.settlements)


def _unsettled(kind: str, object_id: InstrumentedAttribute[str]) -> ColumnElement[bool]:
    """No settlement batch took this payment or refund yet."""
    return ~exists().where(SettlementItem.kind == kind, SettlementItem.object_id == object_id)


def settle_merchant(session: Session, profile: MerchantProfile, now: datetime) -> Settlement | None:
    """Settle one merchant's due funds in its settlement currency (one batch per Taipei day).

    Returns the new batch, or None when there was nothing to settle or today's batch exists.
    Raises ``_Raced`` (caught by the runners) when the ledger refuses the move because a refund
    took from pending settlement between our reads and the booking.
    """
    session.scalars(select(MerchantProfile).where(MerchantProfile.id == profile.id).with_for_update()).one()
    org, live, cur = profile.org_id, profile.livemode, profile.settlement_currency
    day = taipei_date(now)
    batch_id = derived_id("stl", day, org, live, cur)
    if session.get(Settlement, batch_id) is not None:
        return None
    cutoff = captured_before(day)
    payments = session.execute(
        select(PaymentIntent.id, PaymentIntent.amount_received, PaymentIntent.fee_amount, PaymentIntent.captured_at)
        .where(
            PaymentIntent.org_id == org,
            PaymentIntent.livemode == live,
            PaymentIntent.currency == cur,
            PaymentIntent.captured_at.isnot(None),
            PaymentIntent.captured_at < cutoff,
            PaymentIntent.amount_received > 0,
            _unsettled("payment", PaymentIntent.id),
        )
        .order_by(PaymentIntent.captured_at, PaymentIntent.id)
    ).all()
    refunds = session.execute(
        select(Refund.id, Refund.from_pending, Refund.fee_refunded, Refund.created)
        .where(
            Refund.org_id == org,
            Refund.livemode == live,
            Refund.currency == cur,
            Refund.status == "succeeded",
            or_(Refund.from_pending > 0, Refund.fee_refunded > 0),
            Refund.created <= now,
            _unsettled("refund", Refund.id),
        )
        .order_by(Refund.created, Refund.id)
    ).all()
    previous = session.scalars(
        select(Settlement)
        .where(Settlement.org_id == org, Settlement.livemode == live, Settlement.currency == cur)
        .order_by(Settlement.settlement_date.desc())
        .limit(1)
    ).one_or_none()
    carried_in = previous.carried_out if previous is not None else 0
    if not payments and not refunds:
        return None
    gross = sum(p.amount_received for p in payments)
    # A refund's share of the fee came back into pending settlement: the batch's fees are net of it.
    fees = sum(p.fee_amount for p in payments) - sum(r.fee_refunded for r in refunds)
    refunded = sum(r.from_pending for r in refunds)
    net = gross - fees - refunded - carried_in
    batch = Settlement(
        id=batch_id,
        org_id=org,
        livemode=live,
        currency=cur,
        settlement_date=day,
        captured_before=cutoff,
        gross=gross,
        fees=fees,
        refunds=refunded,
        carried_in=carried_in,
        carried_out=max(0, -net),
        amount=max(0, net),
        transfer_id=batch_id if net > 0 else None,
        created=now,
    )
    session.add(batch)
    session.flush()
    session.add_all(
        [
            SettlementItem(
                settlement_id=batch_id,
                kind="payment",
                object_id=p.id,
                gross=p.amount_received,
                fee=p.fee_amount,
                occurred_at=p.captured_at,
            )
            for p in payments
        ]
        + [
            SettlementItem(
                settlement_id=batch_id,
                kind="refund",
                object_id=r.id,
                refunded=r.from_pending,
                fee=-r.fee_refunded,  # a fee given back: a negative fee
                occurred_at=r.created,
            )
            for r in refunds
        ]
    )
    session.flush()
    if batch.amount:
        ledger_books = books.platform_books(session, live)
        [outcome] = create_transfers(
            session,
            ledger_books,
            [
                TransferInput(
                    id=batch_id,
                    debit_account_id=books.merchant_pending_account(org, cur),
                    credit_account_id=books.merchant_available_account(org, cur),
                    amount=batch.amount,
                    ledger=cur,
                    code=int(TransferCode.settlement),
                    metadata={"settlement": batch_id, "payments": len(payments), "refunds": len(refunds)},
                )
            ],
        )
        if outcome.result is TransferResult.exceeds_credits:
            raise _Raced
        if outcome.result is not TransferResult.ok:
            raise RuntimeError(f"settlement {batch_id}: {outcome.result}")
    return batch


def merchants(session: Session, livemode: bool | None = None) -> list[MerchantProfile]:
    stmt = select(MerchantProfile).order_by(MerchantProfile.id)
    if livemode is not None:
        stmt = stmt.where(MerchantProfile.livemode == livemode)
    return list(session.scalars(stmt))


def settle_merchant_funds(
    session: Session, now: datetime | None = None, *, livemode: bool | None = None
) -> SettlementRun:
    """Settle every merchant's due funds (each merchant in a savepoint: one that races with a
    refund is left for the next run, the others still settle)."""
    now = now or utcnow()
    run = SettlementRun(taipei_date(now))
    for profile in merchants(session, livemode):
        try:
            with session.begin_nested():
                batch = settle_merchant(session, profile, now)
        except _Raced:
            run.retry_later.append(profile.org_id)
            continue
        if batch is not None:
            run.settlements.append(batch)
    return run


def settle_each(db: Database, now: datetime, *, livemode: bool | None = None) -> SettlementRun:
    """The worker's and the CLI's way: one transaction per merchant."""
    run = SettlementRun(taipei_date(now))
    with db.session() as session:
        ids = [(p.id, p.org_id) for p in merchants(session, livemode)]
    for profile_id, org_id in ids:
        try:
            with db.session() as session:
                profile = session.get(MerchantProfile, profile_id)
                batch = settle_merchant(session, profile, now) if profile is not None else None
                if batch is not None:
                    session.flush()
                    session.expunge(batch)
                    run.settlements.append(batch)
        except _Raced:
            run.retry_later.append(org_id)
    return run


_settled_on: dict[str, date] = {}


@task("payments.settle")
def settle_task(db: Database) -> int:
    """Once per Taipei day (and again while a merchant had to be retried): settle every merchant."""
    now = utcnow()
    key = str(db.engine.url)
    if _settled_on.get(key) == taipei_date(now):
        return 0
    run = settle_each(db, now)
    if not run.retry_later:
        _settled_on[key] = taipei_date(now)
    return len(run.settlements)


def settlements_for(session: Session, org_id: str, livemode: bool, settlement_ids: list[str]) -> list[Settlement]:
    return list(
        session.scalars(
            select(Settlement)
            .where(Settlement.org_id == org_id, Settlement.livemode == livemode, Settlement.id.in_(settlement_ids))
            .order_by(Settlement.settlement_date)
        )
    )
