"""The rules with dates: campaign windows, stamps per day and the stamp-card voucher, birthday
bonus once a year, FIFO expiry across months (twice is once), all through the services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from loyalty_helpers import assert_books_clean, consumer, ok, shop

from digiplus.core.db import Database
from digiplus.loyalty.models import LoyaltyMember, LoyaltyProgramme
from digiplus.loyalty.service import earning, expiry, members, rules
from digiplus.payments import IntentView


def test_pure_rules() -> None:
    assert [rules.points_for(a, 100_00, 1) for a in (99_99, 100_00, 250_00, 1_999_99)] == [0, 1, 2, 19]
    assert rules.points_for(250_00, 100_00, 3, 150) == 9  # 2 units × 3 × 1.5
    assert rules.points_for(300_00, 100_00, 1, rules.combined_multiplier(150, 200)) == 9
    assert rules.expiry_date(date(2026, 1, 15), 12) == date(2027, 1, 31)
    assert rules.expiry_date(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert rules.expiry_date(date(2026, 1, 1), 0) is None
    assert rules.twelve_months_before(date(2028, 2, 29)) == date(2027, 2, 28)
    tiers = rules.tiers_of(
        [
            {"name": "Gold", "min_spend": 300, "multiplier_percent": 200},
            {"name": "Silver", "min_spend": 100, "multiplier_percent": 150},
        ]
    )
    assert [getattr(rules.tier_for(tiers, s), "name", None) for s in (99, 100, 299, 300)] == [
        None,
        "Silver",
        "Silver",
        "Gold",
    ]
    assert rules.discount_for("percent_off", 500_00, 0, 10, 40_00) == 40_00
    assert rules.discount_for("percent_off", 333_33, 0, 10, None) == 33_33
    assert rules.discount_for("amount_off", 500_00, 50_00, 0, None) == 50_00
    starts, ends = datetime(2026, 12, 5, tzinfo=UTC), datetime(2026, 12, 7, tzinfo=UTC)
    windows = [(starts, ends, 200), (starts, datetime(2026, 12, 6, tzinfo=UTC), 300)]
    assert [rules.campaign_percent(windows, datetime(2026, 12, d, 12, tzinfo=UTC)) for d in (4, 5, 6, 7)] == [
        100,
        300,
        200,
        100,
    ]


def _setup(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str], **programme: Any
) -> tuple[Any, str, str, str]:
    merchant_org, merchant = shop(api_for, make_org)
    body = {"name": "Dumplings", "spend_unit": 100_00, "points_per_unit": 1, "expiry_months": 2, **programme}
    prog = ok(merchant.post("/v1/loyalty/programmes", json=body))
    payer_org, payer, _ = consumer(api_for, make_org, "Eve", amount=0)
    member = ok(payer.post("/v1/loyalty/memberships", json={"programme": prog["id"], "birthday": "1995-03-08"}))
    return merchant, merchant_org, payer_org, member["id"]


def _earn(db: Database, merchant_org: str, payer_org: str, amount: int, at: datetime, n: int) -> None:
    view = IntentView(f"pi_test{n}", merchant_org, False, "succeeded", amount, "TWD", amount, 0, 0, None, payer_org, at)
    with db.session() as session:
        earning.earn_for_payment(session, view)


def _member(db: Database, member_id: str) -> dict[str, Any]:
    with db.session() as session:
        member = session.get(LoyaltyMember, member_id)
        assert member is not None
        return members.member_data(session, member)


def test_campaign_window_applies_at_payment_time(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    merchant, merchant_org, payer_org, member_id = _setup(db, api_for, make_org, expiry_months=0)
    prog = ok(merchant.get("/v1/loyalty/programmes"))["data"][0]
    start, end = int(datetime(2026, 12, 5, tzinfo=UTC).timestamp()), int(datetime(2026, 12, 7, tzinfo=UTC).timestamp())
    ok(
        merchant.post(
            f"/v1/loyalty/programmes/{prog['id']}/campaigns",
            json={"name": "Double", "multiplier_percent": 200, "starts_at": start, "ends_at": end},
        )
    )
    _earn(db, merchant_org, payer_org, 300_00, datetime(2026, 12, 4, 23, 59, tzinfo=UTC), 1)  # before: 3
    _earn(db, merchant_org, payer_org, 300_00, datetime(2026, 12, 5, 0, 0, tzinfo=UTC), 2)  # first second: 6
    _earn(db, merchant_org, payer_org, 300_00, datetime(2026, 12, 7, 0, 0, tzinfo=UTC), 3)  # end excluded: 3
    assert _member(db, member_id)["balance"] == 12
    assert_books_clean(db)


def test_stamps_one_per_day_and_a_full_card_gives_a_voucher(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    merchant, merchant_org, payer_org, member_id = _setup(
        db, api_for, make_org, stamps_required=2, stamp_min_amount=60_00
    )
    prog = ok(merchant.get("/v1/loyalty/programmes"))["data"][0]
    coffee = ok(
        merchant.post(
            f"/v1/loyalty/programmes/{prog['id']}/rewards",
            json={
                "name": "Free coffee",
                "kind": "free_item",
                "points_cost": 0,
                "item_name": "Coffee",
                "amount_off": 60_00,
            },
        )
    )
    ok(merchant.post(f"/v1/loyalty/programmes/{prog['id']}", json={"stamp_reward": coffee["id"]}))
    # 23:30 UTC on 1 Dec is 07:30 on 2 Dec in Taipei: the same local day as the next one
    _earn(db, merchant_org, payer_org, 80_00, datetime(2026, 12, 1, 23, 30, tzinfo=UTC), 1)
    _earn(db, merchant_org, payer_org, 80_00, datetime(2026, 12, 2, 10, 0, tzinfo=UTC), 2)
    _earn(db, merchant_org, payer_org, 50_00, datetime(2026, 12, 3, 10, 0, tzinfo=UTC), 3)  # under the minimum
    assert _member(db, member_id)["stamp_card"] == {"stamps": 1, "required": 2, "cards_completed": 0}
    _earn(db, merchant_org, payer_org, 60_00, datetime(2026, 12, 4, 10, 0, tzinfo=UTC), 4)
    seen = _member(db, member_id)
    assert seen["stamp_card"] == {"stamps": 0, "required": 2, "cards_completed": 1}
    assert [(v["reward_name"], v["status"]) for v in seen["vouchers"]] == [("Free coffee", "issued")]
    used = ok(
        merchant.post("/v1/loyalty/redemptions", json={"member": member_id, "voucher": seen["vouchers"][0]["id"]})
    )
    assert (used["points"], used["status"]) == (0, "completed")
    assert [v["status"] for v in _member(db, member_id)["vouchers"]] == ["used"]


def test_birthday_bonus_once_a_year(db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]) -> None:
    _, _, _, member_id = _setup(db, api_for, make_org, birthday_bonus=50)
    with db.session() as session:
        assert expiry.grant_birthday_bonuses(session, date(2027, 2, 28)) == {"members": 0}
        assert expiry.grant_birthday_bonuses(session, date(2027, 3, 1)) == {"members": 1}
        assert expiry.grant_birthday_bonuses(session, date(2027, 3, 8)) == {"members": 0}
        assert expiry.grant_birthday_bonuses(session, date(2028, 3, 2)) == {"members": 1}
    assert _member(db, member_id)["balance"] == 100


def test_expiry_is_fifo_across_months_and_idempotent(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    merchant, merchant_org, payer_org, member_id = _setup(db, api_for, make_org, expiry_months=2)
    prog = ok(merchant.get("/v1/loyalty/programmes"))["data"][0]
    reward = ok(
        merchant.post(
            f"/v1/loyalty/programmes/{prog['id']}/rewards",
            json={"name": "Bun", "kind": "free_item", "points_cost": 15, "item_name": "Bun"},
        )
    )
    _earn(db, merchant_org, payer_org, 1_000_00, datetime(2027, 1, 10, 4, tzinfo=UTC), 1)  # 10, valid to 31 Mar
    _earn(db, merchant_org, payer_org, 2_000_00, datetime(2027, 2, 10, 4, tzinfo=UTC), 2)  # 20, valid to 30 Apr
    _earn(db, merchant_org, payer_org, 500_00, datetime(2027, 3, 10, 4, tzinfo=UTC), 3)  # 5, valid to 31 May
    ok(
        merchant.post("/v1/loyalty/redemptions", json={"member": member_id, "reward": reward["id"]})
    )  # 15: all of Jan, 5 of Feb
    seen = _member(db, member_id)
    assert [(lot["expires_on"], lot["remaining"]) for lot in seen["lots"]] == [
        (date(2027, 4, 30), 15),
        (date(2027, 5, 31), 5),
    ]
    assert seen["expiring"] == [
        {"expires_on": date(2027, 4, 30), "points": 15},
        {"expires_on": date(2027, 5, 31), "points": 5},
    ]
    with db.session() as session:
        assert expiry.expire_points(session, date(2027, 3, 31)) == {"members": 0, "points": 0}
        assert expiry.expire_points(session, date(2027, 4, 1)) == {"members": 0, "points": 0}  # Jan's lot was spent
        assert expiry.expire_points(session, date(2027, 5, 1)) == {"members": 1, "points": 15}
        assert expiry.expire_points(session, date(2027, 5, 1)) == {"members": 0, "points": 0}
    seen = _member(db, member_id)
    assert (seen["balance"], [(lot["expires_on"], lot["remaining"]) for lot in seen["lots"]]) == (
        5,
        [(date(2027, 5, 31), 5)],
    )
    with db.session() as session:
        assert expiry.expire_points(session, date(2027, 6, 1)) == {"members": 1, "points": 5}
    assert _member(db, member_id)["balance"] == 0
    with db.session() as session:
        programme = session.get(LoyaltyProgramme, prog["id"])
        assert programme is not None
    assert_books_clean(db)
