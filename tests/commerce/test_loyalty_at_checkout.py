"""A member of the merchant's loyalty programme uses a reward at checkout: the discount is priced
on the server before duty and tax, the points are reserved against the order's intent (loyalty's
public surface), given back when the order is canceled before payment, spent when it is paid."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from commerce_helpers import cart_with, check_out, error, funded_wallet, ok, tea_store

from digiplus import loyalty
from digiplus.commerce.service import sync
from digiplus.core.db import Database
from digiplus.core.events import run_consumer
from digiplus.ledger import verify_ledger
from digiplus.loyalty.service.consumer import CONSUMER
from digiplus.settings import get_settings


@pytest.fixture(autouse=True)
def no_consumer_lag(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run loyalty's consumer right after the payment (PostgreSQL would wait ``consumer_lag_seconds``)."""
    monkeypatch.setenv("DIGIPLUS_CONSUMER_LAG_SECONDS", "0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def member_with_points(
    api_for: Callable[..., Any], make_org: Callable[..., str], s: dict[str, Any], points: int
) -> dict[str, Any]:
    api = s["api"]
    programme = ok(api.post("/v1/loyalty/programmes", json={"name": "Tea friends", "expiry_months": 0}))
    cheap = ok(
        api.post(
            f"/v1/loyalty/programmes/{programme['id']}/rewards",
            json={"name": "NT$100 off", "kind": "amount_off", "points_cost": 50, "amount_off": 10000},
        )
    )
    dear = ok(
        api.post(
            f"/v1/loyalty/programmes/{programme['id']}/rewards",
            json={"name": "10% off", "kind": "percent_off", "points_cost": 500, "percent_off": 10},
        )
    )
    buyer_org = make_org("Yamada", kind="consumer")
    buyer = api_for(buyer_org)
    member = ok(buyer.post("/v1/loyalty/memberships", json={"programme": programme["id"]}))
    ok(api.post(f"/v1/loyalty/members/{member['id']}/adjustments", json={"points": points, "reason": "welcome"}))
    return {"member": member, "cheap": cheap, "dear": dear, "buyer": buyer, "buyer_org": buyer_org}


def use(api: Any, cart: dict[str, Any], member: str | None, reward: str | None) -> Any:
    return api.post(f"/v1/commerce/carts/{cart['id']}/loyalty", json={"member": member, "reward": reward})


def balance(api: Any, member_id: str) -> tuple[int, int]:
    m = ok(api.get(f"/v1/loyalty/members/{member_id}"))
    return m["balance"], m["reserved"]


def test_reward_at_checkout_then_cancel_before_payment_gives_the_points_back(
    api_for: Callable[..., Any], make_org: Callable[..., str], db: Database
) -> None:
    s = tea_store(api_for, make_org)
    api = s["api"]
    m = member_with_points(api_for, make_org, s, 120)
    cart = cart_with(api, "JP", [(s["oolong"]["id"], 3), (s["cup"]["id"], 1)])
    cart = ok(use(api, cart, m["member"]["id"], m["cheap"]["id"]))
    q = cart["quote"]
    # TWD 100 at the market's rate 4.938… = JPY 493.8 → 493 (floor: never more than the reward is worth)
    assert (q["discount"], [ln["discount"] for ln in q["lines"]]) == (493, [261, 232])
    assert q["discounts"] == [
        {"kind": "loyalty", "label": "NT$100 off", "amount": 493, "member": m["member"]["id"],
         "reward": m["cheap"]["id"], "points": 50}
    ]  # fmt: skip
    assert (q["duty"], q["tax"], q["total"]) == (1094, 1541, 12590 - 493 + 2222 + 1094 + 1541)

    order = ok(check_out(api, cart))
    assert (order["total"], order["settlement_amount"]) == (16954, 343319)  # JPY 16,954 × 0.2025 = 3433.185
    line = order["discounts"][0]
    assert line["redemption"].startswith("lrd_") and line["programme_amount"] == 9983  # JPY 493 → TWD 99.83
    assert balance(api, m["member"]["id"]) == (70, 50)  # 50 reserved against the intent

    ok(api.post(f"/v1/commerce/orders/{order['id']}/cancel", json={}))
    run_consumer(db, CONSUMER)  # loyalty hears payment_intent.canceled
    assert balance(api, m["member"]["id"]) == (120, 0)
    redemption = ok(api.get(f"/v1/loyalty/redemptions/{line['redemption']}"))
    assert (redemption["status"], redemption["redeemed_via"]) == ("released", "online")
    with db.session() as session:
        assert verify_ledger(session).ok


def test_paid_order_spends_the_points(api_for: Callable[..., Any], make_org: Callable[..., str], db: Database) -> None:
    s = tea_store(api_for, make_org)
    api = s["api"]
    m = member_with_points(api_for, make_org, s, 60)
    cart = ok(use(api, cart_with(api, "JP", [(s["oolong"]["id"], 1)]), m["member"]["id"], m["cheap"]["id"]))
    order = ok(check_out(api, cart))
    wallet = funded_wallet(m["buyer"], 10_000_00)
    ok(m["buyer"].post(f"/v1/wallets/{wallet['id']}/payments", json={"payment_intent": order["payment_intent"]}))
    with db.session() as session:
        sync._sync(session, order["id"])
    run_consumer(db, CONSUMER)
    assert ok(api.get(f"/v1/commerce/orders/{order['id']}"))["status"] == "paid"
    redemption = ok(api.get(f"/v1/loyalty/redemptions/{order['discounts'][0]['redemption']}"))
    assert redemption["status"] == "completed"
    available, reserved = balance(api, m["member"]["id"])
    assert reserved == 0 and available >= 10  # 60 − 50, plus what the payment earned


def test_not_enough_points_and_other_shops_members_are_refused(
    api_for: Callable[..., Any], make_org: Callable[..., str], db: Database
) -> None:
    s = tea_store(api_for, make_org)
    api = s["api"]
    m = member_with_points(api_for, make_org, s, 120)
    cart = cart_with(api, "JP", [(s["oolong"]["id"], 3)])
    body = error(use(api, cart, m["member"]["id"], m["dear"]["id"]), 402, "insufficient_points")
    assert "500" in body["message"] and "120" in body["message"]
    error(use(api, cart, m["member"]["id"], "lpr_nosuchreward"), 400, "resource_missing")
    with db.read_session() as session:  # another merchant naming our member finds nobody
        assert (
            loyalty.offers_for_member(session, make_org("Other Tea", kind="merchant"), m["member"]["id"], False) is None
        )
        assert loyalty.offers_for_member(session, s["org"], m["member"]["id"], False) is not None

    # points spent elsewhere between choosing and paying: the ledger refuses at checkout, nothing is written
    ok(use(api, cart, m["member"]["id"], m["cheap"]["id"]))
    cart = ok(api.get(f"/v1/commerce/carts/{cart['id']}"))
    ok(api.post(f"/v1/loyalty/members/{m['member']['id']}/adjustments", json={"points": -100, "reason": "spent"}))
    error(check_out(api, cart), 402, "insufficient_points")
    assert balance(api, m["member"]["id"]) == (20, 0)
    assert ok(api.get("/v1/commerce/orders"))["data"] == []
