"""The demo world, part 2: a (reduced) year of payments — counts, rhythms, bookings, idempotency, verify."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from digiplus.core.audit.models import AuditEntry
from digiplus.core.db import Database
from digiplus.demo.payments import DemoPayments, build_demo_payments
from digiplus.demo.payments_cast import SHOPS
from digiplus.demo.service import DEMO_PASSWORD, build_demo_world
from digiplus.identity import service as identity
from digiplus.ledger import verify_ledger
from digiplus.ledger.models import LedgerTransfer
from digiplus.payments.models import BankTransfer, MerchantProfile, PaymentIntent, Payout, Refund, Wallet
from digiplus.payments.service import fx
from digiplus.payments.service.fees import fee_for
from digiplus.payments.service.wallets import wallet_balance

TAIPEI = ZoneInfo("Asia/Taipei")
SCALE, DAYS = 0.08, 56  # eight weeks of a small world: a few hundred payments


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(identity, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def _build(db: Database) -> DemoPayments:
    with db.session() as session:
        world = build_demo_world(session)
        return build_demo_payments(session, world.orgs, scale=SCALE, days=DAYS)


def _counts(db: Database) -> tuple[int, ...]:
    with db.session() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (PaymentIntent, Refund, Payout, BankTransfer, Wallet, LedgerTransfer, AuditEntry)
        )


def test_a_reduced_world_is_complete_and_a_second_build_duplicates_nothing(db: Database) -> None:
    built = _build(db)
    assert built.payments > 100 and built.created_payments == built.payments
    assert built.merchants == len(SHOPS) and built.visitors >= 5 and built.consumers >= 6
    assert built.last_day - built.first_day == timedelta(days=DAYS - 1)
    with db.session() as session:
        merchants = [p.org_id for p in session.scalars(select(MerchantProfile))]
        assert len(merchants) == len(SHOPS)
        statuses = Counter(session.scalars(select(PaymentIntent.status)))
        assert statuses == {"succeeded": built.payments}
        assert session.scalar(select(func.count()).select_from(Refund)) == built.refunds
        # a refund the merchant cannot cover (just paid out, little pending) fails and moves nothing
        outcomes = Counter(
            (r.status, r.failure_reason) for r in session.execute(select(Refund.status, Refund.failure_reason))
        )
        assert set(outcomes) <= {("succeeded", None), ("failed", "merchant_insufficient_funds")}
        assert outcomes["succeeded", None] >= built.refunds // 2
        assert len(set(session.scalars(select(Payout.org_id)))) >= 5  # weekly payouts to the busy shops
        assert session.scalar(select(func.count()).select_from(Payout)) == built.payouts
    first = _counts(db)
    again = _build(db)
    assert again.created_payments == 0 and again.created_orgs == 0
    assert (again.payments, again.refunds, again.first_day) == (built.payments, built.refunds, built.first_day)
    assert _counts(db) == first
    with db.session() as session:
        report = verify_ledger(session)
    assert report.ok, report.problems[:5]


def test_payments_follow_each_shops_rhythm_and_are_booked_like_real_ones(db: Database) -> None:
    built = _build(db)
    with db.session() as session:
        profiles = {p.org_id: p for p in session.scalars(select(MerchantProfile))}
        shops = {s.display_name: s for s in SHOPS}
        intents = list(session.scalars(select(PaymentIntent)))
        cross_border = 0
        for pi in intents:
            shop = shops[profiles[pi.org_id].display_name]
            local = (pi.captured_at or pi.created).astimezone(TAIPEI)
            assert shop.weekdays[local.weekday()] > 0, (shop.slug, local)  # never on a closed day
            assert local.hour in shop.hours, (shop.slug, local)
            assert built.first_day <= local.date() <= built.last_day
            assert shop.ticket[0] * 100 <= pi.amount <= shop.ticket[1] * 100
            assert pi.fee_amount == fee_for(shop.fee_plan, pi.scenario, pi.amount)
            assert pi.scenario == profiles[pi.org_id].scenario and pi.mcc == shop.mcc
            if pi.wallet_currency != "TWD":
                cross_border += 1
                assert pi.fx_quote_id and pi.wallet_amount == fx.price(pi.wallet_currency or "", "TWD", pi.amount)[2]
                assert set(pi.transfer_ids or {}) >= {"fxin", "fxout"}
            else:
                assert pi.wallet_amount == pi.amount and "charge" in (pi.transfer_ids or {})
        assert cross_border > 0  # the visitor login is in Taiwan the last week
        # no wallet is overdrawn and each was loaded by monthly top-ups
        for wallet in session.scalars(select(Wallet)):
            assert wallet_balance(session, wallet).available >= 0
        # the consumer logins: Chen Yi-chun's TWD wallet and the visitor's JPY wallet
        yichun = identity.authenticate_user(session, "yichun@consumer.example", DEMO_PASSWORD)
        haruka = identity.authenticate_user(session, "haruka@visitor.example", DEMO_PASSWORD)
        for user, cur in ((yichun, "TWD"), (haruka, "JPY")):
            [(_, org)] = identity.memberships_of(session, user.id)
            wallet = session.scalars(select(Wallet).where(Wallet.org_id == org.id)).one()
            assert wallet.currency == cur
        assert session.scalar(select(func.count()).where(PaymentIntent.payer_org_id == org.id)) > 0
