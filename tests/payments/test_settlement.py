"""Settlement: captured funds move from pending settlement to available after the delay (T+1
business day, Taipei calendar), exactly gross - fees - refunds, once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from settlement_helpers import balances, captured_at, consumer, days, pay, refund, shop
from sqlalchemy import func, select

from digiplus.core.db import Database, utcnow
from digiplus.ledger import verify_ledger
from digiplus.payments.models import Settlement, SettlementItem
from digiplus.payments.service import settlement
from digiplus.payments.service.settlement import (
    add_business_days,
    available_on,
    captured_before,
    settle_merchant_funds,
    taipei_date,
    taipei_midnight,
)
from digiplus.settings import get_settings


def test_business_day_calendar() -> None:
    friday, saturday, sunday, monday = date(2026, 7, 3), date(2026, 7, 4), date(2026, 7, 5), date(2026, 7, 6)
    assert add_business_days(friday, 1) == monday
    assert add_business_days(saturday, 1) == monday
    assert add_business_days(sunday, 0) == monday
    assert add_business_days(monday, 1) == date(2026, 7, 7)
    # a capture at 23:59 Taipei on Friday (15:59 UTC) is Friday's; one minute later it is Saturday's
    assert available_on(datetime(2026, 7, 3, 15, 59, tzinfo=UTC)) == monday
    assert available_on(datetime(2026, 7, 3, 16, 1, tzinfo=UTC)) == monday
    assert available_on(datetime(2026, 7, 2, 15, 59, tzinfo=UTC)) == friday
    # on Monday everything captured before Monday 00:00 Taipei is due; on Saturday, before Friday 00:00
    assert captured_before(monday) == taipei_midnight(monday) == datetime(2026, 7, 5, 16, 0, tzinfo=UTC)
    assert captured_before(saturday) == taipei_midnight(friday)


def test_settles_after_the_delay_not_before_and_only_once(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    merchant = shop(api_for, make_org, "Tainan Beef Soup")
    payer = consumer(api_for, make_org)
    first = pay(merchant, payer, 1_000_00)
    second = pay(merchant, payer, 320_00)
    assert (first["fee_amount"], second["fee_amount"]) == (18_00, 576)  # 1.8 % (standard, livelihood)
    assert balances(db, merchant.org) == (1_320_00 - 18_00 - 576, 0)

    due = taipei_midnight(available_on(utcnow()))
    with db.session() as session:
        run = settle_merchant_funds(session, due - timedelta(microseconds=1))
        assert run.settlements == []
    assert balances(db, merchant.org) == (1_296_24, 0)

    with db.session() as session:
        run = settle_merchant_funds(session, due)
        [batch] = run.settlements
        assert (batch.gross, batch.fees, batch.refunds, batch.carried_in, batch.carried_out, batch.amount) == (
            1_320_00,
            18_00 + 576,
            0,
            0,
            0,
            1_296_24,
        )
        assert batch.transfer_id == batch.id and batch.id.startswith(f"stl_{due.astimezone(settlement.TAIPEI):%Y%m%d}")
        items = session.execute(
            select(SettlementItem.kind, SettlementItem.object_id, SettlementItem.gross, SettlementItem.fee).order_by(
                SettlementItem.id
            )
        ).all()
        assert [tuple(i) for i in items] == [
            ("payment", first["id"], 1_000_00, 18_00),
            ("payment", second["id"], 320_00, 576),
        ]
    assert balances(db, merchant.org) == (0, 1_296_24)

    # the same day again, the next day, a week later: nothing new to settle, nothing booked twice
    for later in (due, due + days(1), due + days(7)):
        with db.session() as session:
            assert settle_merchant_funds(session, later).settlements == []
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Settlement)) == 1
        assert verify_ledger(session).ok
    assert balances(db, merchant.org) == (0, 1_296_24)


def test_a_refund_of_a_settled_payment_is_netted_and_a_shortfall_carried(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    """A refund of a settled payment takes from pending settlement (newer payments' money): the
    next batch nets it, and when it is more than the batch's payments it is carried forward."""
    merchant = shop(api_for, make_org, "Campus Bookshop")
    payer = consumer(api_for, make_org)
    now = utcnow()
    old = pay(merchant, payer, 1_000_00)
    captured_at(db, old["id"], now - days(12))
    with db.session() as session:
        [first] = settle_merchant_funds(session, now - days(5)).settlements
    assert first.amount == 982_00
    new = pay(merchant, payer, 500_00)  # fee 9.00, due on the next business day
    assert balances(db, merchant.org) == (491_00, 982_00)

    # 40 % of the payment back, and 40 % of its 18.00 fee back into pending settlement first
    back = refund(merchant, old["id"], 400_00)
    assert (back["status"], back["from_pending_settlement"], back["from_available"], back["fee_refunded"]) == (
        "succeeded",
        400_00,
        0,
        7_20,
    )
    with db.session() as session:
        [carry] = settle_merchant_funds(session, utcnow()).settlements  # the new payment is not due yet
    assert (carry.gross, carry.fees, carry.refunds, carry.amount, carry.carried_out) == (0, -7_20, 400_00, 0, 392_80)
    assert carry.transfer_id is None
    assert balances(db, merchant.org) == (98_20, 982_00)

    more = refund(merchant, old["id"], 200_00)  # fee back 10.80 in all, 3.60 of it now
    assert (more["from_pending_settlement"], more["from_available"], more["fee_refunded"]) == (101_80, 98_20, 3_60)
    with db.session() as session:
        [last] = settle_merchant_funds(session, now + days(7)).settlements
        assert (last.gross, last.fees, last.refunds, last.carried_in, last.amount, last.carried_out) == (
            500_00,
            9_00 - 3_60,
            101_80,
            392_80,
            0,
            0,
        )
        assert verify_ledger(session).ok
    assert balances(db, merchant.org) == (0, 982_00 - 98_20)
    assert new["fee_amount"] == 9_00


@pytest.mark.parametrize("delay", [0, 2])
def test_the_delay_is_a_setting(
    delay: int, db: Database, api_for: Callable[..., Any], make_org: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "settlement_delay_days", delay)
    merchant = shop(api_for, make_org, "Night Market Stall")
    payer = consumer(api_for, make_org)
    pay(merchant, payer, 100_00)
    now = utcnow()
    expected = add_business_days(taipei_date(now), delay)
    assert available_on(now) == expected
    if delay:
        with db.session() as session:
            assert (
                settle_merchant_funds(session, taipei_midnight(expected) - timedelta(microseconds=1)).settlements == []
            )
    with db.session() as session:
        [batch] = settle_merchant_funds(session, max(taipei_midnight(expected), now)).settlements
    assert batch.amount == 98_20
    assert balances(db, merchant.org) == (0, 98_20)
