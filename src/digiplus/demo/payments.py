"""The demo world, part 2: a year of mobile payments (test mode), ending yesterday (Taipei time).

Merchants across the plan's scenarios and cities, locals and visitors with wallets, and
twelve months of payments with each shop's daily, weekly and seasonal rhythm
(``payments_cast.py``), each a basket of the shop's menu with its item lines (``payments_baskets.py``), regular customers of varying loyalty, visitors paying from JPY, KRW,
USD, THB and VND wallets through FX quotes, refunds (about 2 %), weekly settlement and payouts.

How it stays quick and honest:

- set-up (profiles, bank accounts, wallets, verification levels) goes through the payments
  services, as a merchant or a consumer would;
- payments are planned in memory, then written a day at a time: the intents and quotes with
  one bulk insert each, the money with ledger batches (one per six hours of the day) whose
  items are built by the payments code itself (``charging.hold_items`` and ``fee_item``), so
  the books are exactly those of a real wallet payment; refunds, settlement and payouts run
  through their services on the day they happen;
- the plan depends only on the day and the shop (seeded generators), and ids are derived
  from it (time-ordered like every id, with a hash instead of random bits). The year ends the
  day before the first run (the date the first demo merchant profile was made), so a re-run
  on any later day asks for the same world; the whole year is one transaction, so it is
  either all there (a re-run writes nothing) or not at all.

Each historical payment and top-up writes its event (``payment_intent.succeeded``,
``wallet.topped_up``) to the outbox, dated when it happened and marked as dispatched (no webhooks for a past year), so the lake sync
(``digiplus.lake.sync``) builds the merchants' fact tables from the same path as live payments;
the ledger writes its audit entry per batch.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.core.events import Event
from digiplus.demo.payments_baskets import draw_basket
from digiplus.demo.payments_cast import ITINERARY, SHOPS, Shop, season
from digiplus.demo.payments_people import Customer, Setup, set_up
from digiplus.ledger import BATCH_MAX, TransferInput, TransferResult, create_transfers
from digiplus.payments.models import BankTransfer, FxQuote, MerchantProfile, PaymentIntent, Refund
from digiplus.payments.service import books, charging, fx, payouts, refunds, settlement
from digiplus.payments.service.books import TransferCode
from digiplus.payments.service.intents import SUCCEEDED, intent_data
from digiplus.payments.service.topups import TOPPED_UP
from digiplus.settings import get_settings

TAIPEI = ZoneInfo("Asia/Taipei")
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32, as core.ids
BLOCK_HOURS = 6  # one ledger batch per six hours of a day
PAYOUT_WEEKDAYS = (0,)  # settlement and payouts once a week, on Mondays
VOLUME = 0.7  # scale 1 is about 30,000 payments a year
REFUND_SHARE = 0.02


def derived_id(prefix: str, when: datetime, key: str) -> str:
    """A time-ordered id like ``core.ids`` makes, with the 80 random bits taken from ``key``'s hash."""
    value = (int(when.timestamp() * 1000) << 80) | int.from_bytes(hashlib.sha256(key.encode()).digest()[:10], "big")
    chars = []
    for _ in range(26):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return f"{prefix}_{''.join(reversed(chars))}"


@dataclass
class Planned:
    shop: Shop
    when: datetime
    payer: Customer
    amount: int  # TWD minor units
    key: str
    items: str | None = None  # item lines (metadata["items"], digiplus.lake.items' format)
    refund_on: date | None = None
    refund_amount: int | None = None
    refund_reason: str = "requested_by_customer"
    wallet_amount: int = 0
    quote: tuple[str, str, str, datetime] | None = None  # mid rate, the payer's rate (text), source, as of


@dataclass
class DemoPayments:
    first_day: date
    last_day: date
    merchants: int = 0
    consumers: int = 0
    visitors: int = 0
    payments: int = 0  # in the plan (all of them exist after a build)
    refunds: int = 0
    topups: int = 0
    payouts: int = 0
    created_payments: int = 0  # by this run (0 on a re-run)
    created_orgs: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    split: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # seconds by step
    logins: list[tuple[str, str]] = field(default_factory=list)  # (email, what the login shows)

    @property
    def created_anything(self) -> bool:
        return bool(self.created_payments or self.created_orgs)


def _local(day: date, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=TAIPEI).astimezone(UTC)


def _count(rng: random.Random, mean: float) -> int:
    return max(0, round(rng.gauss(mean, mean**0.5))) if mean > 0 else 0


def plan(setup: Setup, first_day: date, days: int, scale: float) -> dict[date, list[Planned]]:
    """Every payment of the year, by day, in time order; refunds marked on their payments."""
    by_day: dict[date, list[Planned]] = defaultdict(list)
    last_day = first_day + timedelta(days=days - 1)
    for k in range(days):
        day = first_day + timedelta(days=k)
        in_taiwan = [v for v in setup.visitors if any(a <= day <= b for a, b in v.trips)]
        growth = 0.8 + 0.4 * k / max(1, days - 1)  # mobile payment catches on over the year
        for shop in SHOPS:
            rng = random.Random(f"demo-pay:{shop.slug}:{day.isoformat()}")  # noqa: S311 -- made-up sales
            mean = shop.per_day * shop.weekdays[day.weekday()] * season(shop.season, day) * growth * scale * VOLUME
            hours, weights = list(shop.hours), list(shop.hours.values())
            regulars = setup.regulars[shop.slug]
            for n in range(_count(rng, mean)):
                when = _local(day, rng.choices(hours, weights)[0], rng.randint(0, 59), rng.randint(0, 59))
                if in_taiwan and rng.random() < shop.foreign:
                    payer = rng.choice(in_taiwan)
                elif regulars and rng.random() < shop.regulars:
                    payer = rng.choices(regulars[0], regulars[1])[0]
                else:
                    payer = rng.choice(setup.locals)
                items, dollars = draw_basket(shop.slug, rng, *shop.ticket)
                p = Planned(shop, when, payer, dollars * 100, f"{shop.slug}:{day.isoformat()}:{n}", items=items)
                if rng.random() < REFUND_SHARE:
                    refund_day = day + timedelta(days=rng.choice((0, 0, 1, 1, 2, 3, 5)))
                    if refund_day <= last_day:
                        p.refund_on = refund_day
                        p.refund_amount = None if rng.random() < 0.7 else dollars // 2 * 100
                        p.refund_reason = rng.choice(("requested_by_customer", "requested_by_customer", "duplicate"))
                by_day[day].append(p)
        by_day[day] += _itinerary(setup, day)
        by_day[day].sort(key=lambda p: p.when)
    return by_day


def _itinerary(setup: Setup, day: date) -> list[Planned]:
    """The visitor login's stops on ``day`` (whatever the scale, so the login always has a trip to show)."""
    visitor = setup.login_visitor
    if visitor is None or not visitor.trips:
        return []
    start, _ = visitor.trips[-1]
    shops = {s.slug: s for s in SHOPS}
    out = []
    for n, (offset, slug, hour) in enumerate(ITINERARY):
        shop = shops[slug]
        if start + timedelta(days=offset) != day or not shop.weekdays[day.weekday()] or hour not in shop.hours:
            continue
        key = f"trip:{day.isoformat()}:{n}"
        items, dollars = draw_basket(slug, random.Random(key), *shop.ticket)  # noqa: S311 -- made-up sales
        out.append(Planned(shop, _local(day, hour, 7 * n % 60), visitor, dollars * 100, key, items=items))
    return out


def _price(planned: Planned) -> None:
    cur = planned.payer.currency
    if cur == "TWD":
        planned.wallet_amount = planned.amount
        return
    mid, rate, sell = fx.price(cur, "TWD", planned.amount)
    planned.quote = (fx.rate_text(mid.rate), fx.rate_text(rate), mid.source, mid.as_of)
    planned.wallet_amount = sell


def _topups(by_day: dict[date, list[Planned]], first_day: date) -> dict[date, dict[Customer, int]]:
    """Each wallet is loaded once a month with a round sum a little above what it spends that month."""
    spend: dict[tuple[date, Customer], int] = defaultdict(int)
    for day, day_payments in by_day.items():
        month = max(first_day, day.replace(day=1))
        for p in day_payments:
            spend[month, p.payer] += p.wallet_amount
    out: dict[date, dict[Customer, int]] = defaultdict(dict)
    for (month, who), amount in spend.items():
        step = who.topup_step
        out[month][who] = (amount * 11 // 10 // step + 1) * step
    return out


def build_demo_payments(session: Session, orgs: dict[str, Any], *, scale: float = 1.0, days: int = 365) -> DemoPayments:
    """Build whatever part of the payments world is missing (test mode); return what it holds."""
    started, cpu = time.perf_counter(), time.process_time()
    setup = set_up(session, orgs, scale, days)
    anchor = setup.anchor  # the day of the first run: the year ends the day before
    first_day = anchor - timedelta(days=days)
    result = DemoPayments(first_day, anchor - timedelta(days=1))
    result.merchants, result.consumers, result.visitors = len(setup.shops), len(setup.locals), len(setup.visitors)
    result.created_orgs, result.logins = setup.created, setup.logins
    result.split["set-up"] = time.perf_counter() - started
    by_day = plan(setup, first_day, days, scale)
    for day_payments in by_day.values():
        for p in day_payments:
            _price(p)
    every = [p for d in sorted(by_day) for p in by_day[d]]
    result.payments = len(every)
    result.refunds = sum(1 for p in every if p.refund_on)
    merchant_orgs = [s.org_id for s in setup.shops.values()]
    stored = session.scalar(
        select(func.count()).where(PaymentIntent.org_id.in_(merchant_orgs), PaymentIntent.livemode.is_(False))
    )
    topups = _topups(by_day, first_day)
    result.topups = sum(len(t) for t in topups.values())
    if not stored and every:
        refunds_on: dict[date, list[tuple[Planned, str]]] = defaultdict(list)
        clock = time.perf_counter()

        def lap(step: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            result.split[step] += now - clock
            clock = now

        for k in range(days):
            day = first_day + timedelta(days=k)
            ids = _write_day(session, setup, day, by_day.get(day, []), topups.get(day, {}))
            lap("payments and top-ups")
            for p, intent_id in zip(by_day.get(day, []), ids, strict=True):
                if p.refund_on is not None:
                    refunds_on[p.refund_on].append((p, intent_id))
            for p, intent_id in refunds_on.pop(day, []):
                _refund(session, setup, p, intent_id)
            lap("refunds")
            if day.weekday() in PAYOUT_WEEKDAYS:
                as_of = _local(day, 10, 0)
                settlement.settle_merchant_funds(session, as_of, livemode=False)
                payouts.run_payouts(session, as_of, payout_date=day, livemode=False)
                lap("settlement and payouts")
        result.created_payments = len(every)
    result.payouts = len(setup.payouts(session))
    result.seconds, result.cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    return result


def _write_day(
    session: Session, setup: Setup, day: date, planned: list[Planned], loads: dict[Customer, int]
) -> list[str]:
    """The day's top-ups, intents, quotes and ledger batches; returns the intents' ids in plan order."""
    ledger_books = Caller.system(setup.platform_org_id, False)
    first_batch: list[TransferInput] = []
    topup_rows = []
    for who, amount in loads.items():
        when = _local(day, 0, 5)
        topup_id = derived_id("tu", when, f"topup:{who.org_id}:{day.isoformat()}")
        topup_rows.append(
            {
                "id": topup_id,
                "org_id": who.org_id,
                "livemode": False,
                "created": when,
                "kind": "topup",
                "wallet_id": who.wallet.id,
                "bank_account_id": who.bank_account_id,
                "amount": amount,
                "currency": who.currency,
                "status": "succeeded",
                "bank_reference": f"SIM-{topup_id[-12:]}",
                "transfer_id": topup_id,
            }
        )
        first_batch.append(
            TransferInput(
                id=topup_id,
                debit_account_id=books.bank_clearing_account(who.currency),
                credit_account_id=who.wallet.ledger_account_id,
                amount=amount,
                ledger=who.currency,
                code=int(TransferCode.topup),
                metadata={"topup": topup_id},
            )
        )
    if topup_rows:
        session.execute(insert(BankTransfer), topup_rows)
        session.execute(insert(Event), [_topup_event(row) for row in topup_rows])
        _book(session, ledger_books, first_batch, _local(day, 0, 5))
    intents, quotes, ids = [], [], []
    spread = get_settings().fx_spread_bps
    blocks: dict[int, list[TransferInput]] = defaultdict(list)
    for p in planned:
        intent_id = derived_id("pi", p.when, f"pi:{p.key}")
        ids.append(intent_id)
        profile = setup.shops[p.shop.slug]
        quote = None
        if p.quote is not None:
            mid, rate, source, as_of = p.quote
            quote = FxQuote(
                id=derived_id("fxq", p.when - timedelta(seconds=20), f"fxq:{p.key}"),
                org_id=p.payer.org_id,
                livemode=False,
                created=p.when - timedelta(seconds=20),
                sell_currency=p.payer.currency,
                sell_amount=p.wallet_amount,
                buy_currency="TWD",
                buy_amount=p.amount,
                mid_rate=mid,
                rate=rate,
                spread_bps=spread,
                source=source,
                rate_as_of=as_of,
                expires_at=p.when + timedelta(seconds=40),
                payment_intent_id=intent_id,
            )
            quotes.append(quote)
        intent = PaymentIntent(
            id=intent_id,
            org_id=profile.org_id,
            livemode=False,
            created=p.when - timedelta(seconds=30),
            amount=p.amount,
            currency="TWD",
            status="succeeded",
            capture_method="automatic",
            description=None,
            mcc=profile.mcc,
            scenario=profile.scenario,
            amount_capturable=0,
            amount_received=p.amount,
            amount_refunded=0,
            payment_method_type="payment_code" if p.shop.slug in ("mrt_kiosk", "campus") else "wallet",
            payer_org_id=p.payer.org_id,
            payer_wallet_id=p.payer.wallet.id,
            wallet_currency=p.payer.currency,
            wallet_amount=p.wallet_amount,
            wallet_amount_refunded=0,
            fx_quote_id=quote.id if quote else None,
            confirmed_at=p.when,
            captured_at=p.when,
            meta={"items": p.items} if p.items else None,
        )
        meta = {"payment_intent": intent_id, "merchant": profile.display_name}
        items = charging.hold_items(intent, p.payer.wallet, quote, timeout=0, meta=meta, hold=False)
        fee_items, intent.fee_amount = charging.fee_item(intent, p.amount, profile.fee_plan)
        items += fee_items
        intent.transfer_ids = charging.transfer_ids(items)
        intents.append(intent)
        block = p.when.astimezone(TAIPEI).hour // BLOCK_HOURS
        blocks[block] += charging.chain(items)
    if quotes:
        session.execute(insert(FxQuote), [_row(q) for q in quotes])
    if intents:
        session.execute(insert(PaymentIntent), [_row(i) for i in intents])
        session.execute(insert(Event), _events(intents, planned))
    for block, items in sorted(blocks.items()):
        for start in range(0, len(items), BATCH_MAX):  # a chain never straddles: a payment has ≤ 3 items
            _book(session, ledger_books, items[start : start + BATCH_MAX], _local(day, block * BLOCK_HOURS + 2, 59))
    return ids


def _events(intents: list[PaymentIntent], planned: list[Planned]) -> list[dict[str, Any]]:
    """The ``payment_intent.succeeded`` outbox rows of the day's payments, already dispatched."""
    version = get_settings().api_version
    return [
        {
            "id": derived_id("evt", p.when, f"evt:{p.key}"),
            "org_id": intent.org_id,
            "livemode": False,
            "created": p.when,
            "type": SUCCEEDED,
            "data": {"object": intent_data(intent)},
            "api_version": version,
            "request_id": None,
            "endpoint_id": None,
            "dispatched_at": p.when,
        }
        for intent, p in zip(intents, planned, strict=True)
    ]


def _topup_event(row: dict[str, Any]) -> dict[str, Any]:
    """The ``wallet.topped_up`` outbox row of a demo top-up, already dispatched."""
    when: datetime = row["created"]
    data = {
        "id": row["id"],
        "object": "topup",
        "created": int(when.timestamp()),
        "livemode": False,
        "wallet": row["wallet_id"],
        "bank_account": row["bank_account_id"],
        "amount": row["amount"],
        "currency": row["currency"],
        "status": "succeeded",
        "failure_code": None,
        "failure_message": None,
    }
    return {
        "id": derived_id("evt", when, f"evt:{row['id']}"),
        "org_id": row["org_id"],
        "livemode": False,
        "created": when,
        "type": TOPPED_UP,
        "data": {"object": data},
        "api_version": get_settings().api_version,
        "request_id": None,
        "endpoint_id": None,
        "dispatched_at": when,
    }


_COLUMNS: dict[type[Any], list[str]] = {}


def _row(obj: Any) -> dict[str, Any]:
    """The attribute values of a transient ORM object, for a bulk ``insert(Model)``."""
    model = type(obj)
    keys = _COLUMNS.get(model)
    if keys is None:
        keys = _COLUMNS[model] = [attr.key for attr in model.__mapper__.column_attrs]
    return {k: getattr(obj, k) for k in keys}


def _book(session: Session, ledger_books: Caller, items: list[TransferInput], when: datetime) -> None:
    outcomes = create_transfers(session, ledger_books, items, now=when)
    bad = [f"{o.id}: {o.result.name}" for o in outcomes if o.result is not TransferResult.ok]
    if bad:
        raise RuntimeError("The demo payments were refused by the ledger: " + ", ".join(bad[:5]))


def _refund(session: Session, setup: Setup, p: Planned, intent_id: str) -> None:
    merchant = Caller.system(setup.shops[p.shop.slug].org_id, False)
    refund = refunds.create_refund(
        session, merchant, payment_intent_id=intent_id, amount=p.refund_amount, reason=p.refund_reason
    )
    when = p.when + timedelta(minutes=90)  # the same day: soon after the payment
    if p.refund_on is not None and p.refund_on > p.when.astimezone(TAIPEI).date():
        when = _local(p.refund_on, 11, 30)
    session.execute(update(Refund).where(Refund.id == refund.id).values(created=when))
    refund.created = when


def merchant_profiles(session: Session, org_ids: list[str]) -> list[MerchantProfile]:
    return list(
        session.scalars(
            select(MerchantProfile).where(MerchantProfile.org_id.in_(org_ids), MerchantProfile.livemode.is_(False))
        )
    )
