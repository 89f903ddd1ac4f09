"""Loyalty through the HTTP API: earning on payments (with the consumer run twice), tiers, stamps,
sign-up bonus, redemption with cancel and decline, clawback to a negative balance; ledger verify clean."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from loyalty_helpers import assert_books_clean, consumer, error, new_intent, ok, pay, shop, sync
from sqlalchemy import select

from digiplus.core.db import Database
from digiplus.core.events import Event
from digiplus.loyalty.service.consumer import handle_payment_events

PROGRAMME = {
    "name": "Tea friends",
    "spend_unit": 100_00,  # 1 point per NT$100
    "points_per_unit": 1,
    "expiry_months": 12,
    "signup_bonus": 20,
    "stamps_required": 3,
    "stamp_min_amount": 50_00,
    "tiers": [
        {"name": "Silver", "min_spend": 1_000_00, "multiplier_percent": 150},
        {"name": "Gold", "min_spend": 3_000_00, "multiplier_percent": 200},
    ],
}


def _programme(api: Any, **changes: Any) -> dict[str, Any]:
    return ok(api.post("/v1/loyalty/programmes", json={**PROGRAMME, **changes}))


def _member_of(api: Any, programme_id: str) -> dict[str, Any]:
    found = ok(api.get("/v1/loyalty/members", params={"programme": programme_id}))["data"]
    assert len(found) == 1, found
    return found[0]


def test_earning_is_automatic_idempotent_and_tiered(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    _, merchant = shop(api_for, make_org)
    programme = _programme(merchant)
    assert programme["ledger"] == f"POINTS:{programme['id']}"
    _, alice, wallet = consumer(api_for, make_org, "Alice")

    pay(merchant, alice, wallet, 250_00)  # 2 whole NT$100 units → 2 points; joins: +20 sign-up
    assert sync(db) == 1
    member = _member_of(merchant, programme["id"])
    assert (member["balance"], member["joined_via"], member["tier"]["spend_12_months"]) == (22, "payment", 250_00)
    assert member["tier"]["current"] is None and member["tier"]["next"]["name"] == "Silver"
    assert member["stamp_card"] == {"stamps": 1, "required": 3, "cards_completed": 0}

    # the consumer's handler given the same events again books nothing (unique key programme + payment)
    with db.session() as session:
        events = list(session.scalars(select(Event).where(Event.type == "payment_intent.succeeded")))
        handle_payment_events(session, events)
    assert sync(db) == 0
    assert _member_of(merchant, programme["id"])["balance"] == 22

    pay(merchant, alice, wallet, 800_00)  # spend before it 250 → no tier: 8 points; now 1,050 → Silver
    pay(merchant, alice, wallet, 199_99)  # Silver 150 %: floor(1 × 1 × 1.5) = 1
    pay(merchant, alice, wallet, 2_000_00)  # Silver: 20 × 1.5 = 30; spend now 3,249.99 → Gold
    pay(merchant, alice, wallet, 300_00)  # Gold 200 %: 6
    assert sync(db) == 4
    member = _member_of(merchant, programme["id"])
    assert member["balance"] == 22 + 8 + 1 + 30 + 6
    assert member["tier"]["current"]["name"] == "Gold" and member["tier"]["next"] is None
    # every payment on the same (Taipei) day is one visit: still one stamp
    assert member["stamp_card"]["stamps"] == 1
    history = ok(merchant.get(f"/v1/loyalty/members/{member['id']}/transactions", params={"limit": 100}))["data"]
    assert sorted((t["kind"], t["points"]) for t in history) == sorted(
        [("signup_bonus", 20), ("earn", 2), ("earn", 8), ("earn", 1), ("earn", 30), ("earn", 6)]
    )
    # the consumer sees the same membership; another merchant does not
    mine = ok(alice.get("/v1/loyalty/memberships"))["data"]
    assert [(m["id"], m["balance"]) for m in mine] == [(member["id"], 67)]
    _, other = shop(api_for, make_org, "Other shop")
    error(other.get(f"/v1/loyalty/members/{member['id']}"), 404, "resource_missing")
    assert_books_clean(db)


def test_redemption_discounts_the_payment_and_cancel_returns_points(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    _, merchant = shop(api_for, make_org)
    programme = _programme(merchant, signup_bonus=100, stamps_required=0)
    fifty = ok(
        merchant.post(
            f"/v1/loyalty/programmes/{programme['id']}/rewards",
            json={"name": "NT$50 off", "kind": "amount_off", "points_cost": 60, "amount_off": 50_00},
        )
    )
    tenth = ok(
        merchant.post(
            f"/v1/loyalty/programmes/{programme['id']}/rewards",
            json={
                "name": "10% off",
                "kind": "percent_off",
                "points_cost": 30,
                "percent_off": 10,
                "max_discount": 40_00,
            },
        )
    )
    _, bob, wallet = consumer(api_for, make_org, "Bob")
    member = ok(bob.post("/v1/loyalty/memberships", json={"programme": programme["id"], "birthday": "1990-05-17"}))
    assert (member["balance"], member["birthday"], member["joined_via"]) == (100, "05-17", "wallet")
    error(bob.post("/v1/loyalty/memberships", json={"programme": programme["id"]}), 409, "already_member")

    # at the counter: NT$50 off a NT$180 payment, points reserved
    intent = new_intent(merchant, 180_00)
    redemption = ok(
        merchant.post(
            "/v1/loyalty/redemptions",
            json={"member": member["id"], "reward": fifty["id"], "payment_intent": intent["id"]},
        )
    )
    assert (redemption["status"], redemption["discount_amount"], redemption["redeemed_via"]) == (
        "pending",
        50_00,
        "counter",
    )
    discounted = ok(merchant.get(f"/v1/payment_intents/{intent['id']}"))
    assert (discounted["amount"], discounted["discount_amount"]) == (130_00, 50_00)
    seen = ok(bob.get(f"/v1/loyalty/members/{member['id']}"))
    assert (seen["balance"], seen["reserved"]) == (40, 60)
    # one reward per payment; not more points than the member has
    error(
        merchant.post(
            "/v1/loyalty/redemptions",
            json={"member": member["id"], "reward": tenth["id"], "payment_intent": intent["id"]},
        ),
        409,
        "discount_already_applied",
    )
    other = new_intent(merchant, 500_00)
    error(
        merchant.post(
            "/v1/loyalty/redemptions",
            json={"member": member["id"], "reward": fifty["id"], "payment_intent": other["id"]},
        ),
        402,
        "insufficient_points",
    )
    assert ok(merchant.get(f"/v1/payment_intents/{other['id']}"))["discount_amount"] == 0  # rolled back with it

    # canceled before payment: the points come back (through the consumer)
    ok(merchant.post(f"/v1/payment_intents/{intent['id']}/cancel"))
    sync(db)
    assert ok(merchant.get(f"/v1/loyalty/redemptions/{redemption['id']}"))["status"] == "released"
    assert ok(bob.get(f"/v1/loyalty/members/{member['id']}"))["balance"] == 100

    # in the wallet: 10 % off NT$500 capped at NT$40, then paid → posted; earns on what was paid (460)
    intent = new_intent(merchant, 500_00)
    used = ok(
        bob.post(
            "/v1/loyalty/redemptions",
            json={"member": member["id"], "reward": tenth["id"], "payment_intent": intent["id"]},
        )
    )
    assert (used["discount_amount"], used["redeemed_via"]) == (40_00, "wallet")
    paid = ok(bob.post(f"/v1/wallets/{wallet}/payments", json={"payment_intent": intent["id"]}))
    assert (paid["status"], paid["amount"]) == ("succeeded", 460_00)
    sync(db)
    assert ok(bob.get(f"/v1/loyalty/redemptions/{used['id']}"))["status"] == "completed"
    after = ok(bob.get(f"/v1/loyalty/members/{member['id']}"))
    assert (after["balance"], after["reserved"]) == (100 - 30 + 4, 0)

    # a redemption canceled by hand gives the discount back
    intent = new_intent(merchant, 300_00)
    pending = ok(
        merchant.post(
            "/v1/loyalty/redemptions",
            json={"member": member["id"], "reward": tenth["id"], "payment_intent": intent["id"]},
        )
    )
    ok(merchant.post(f"/v1/loyalty/redemptions/{pending['id']}/cancel"))
    assert ok(merchant.get(f"/v1/payment_intents/{intent['id']}"))["amount"] == 300_00
    assert ok(bob.get(f"/v1/loyalty/members/{member['id']}"))["balance"] == 74
    assert_books_clean(db)


def test_declined_payment_returns_points_and_discount(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    _, merchant = shop(api_for, make_org)
    programme = _programme(merchant, signup_bonus=100, stamps_required=0)
    reward = ok(
        merchant.post(
            f"/v1/loyalty/programmes/{programme['id']}/rewards",
            json={"name": "NT$20 off", "kind": "amount_off", "points_cost": 50, "amount_off": 20_00},
        )
    )
    _, carol, wallet = consumer(api_for, make_org, "Carol", amount=100_00)
    member = ok(carol.post("/v1/loyalty/memberships", json={"programme": programme["id"]}))
    intent = new_intent(merchant, 500_00)
    ok(
        carol.post(
            "/v1/loyalty/redemptions",
            json={"member": member["id"], "reward": reward["id"], "payment_intent": intent["id"]},
        )
    )
    declined = carol.post(f"/v1/wallets/{wallet}/payments", json={"payment_intent": intent["id"]})
    assert declined.status_code == 402, declined.text
    sync(db)
    assert ok(merchant.get(f"/v1/payment_intents/{intent['id']}"))["amount"] == 500_00
    assert ok(carol.get(f"/v1/loyalty/members/{member['id']}"))["balance"] == 100
    assert_books_clean(db)


def test_refund_claws_back_pro_rata_and_may_go_negative(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    _, merchant = shop(api_for, make_org)
    programme = _programme(merchant, signup_bonus=0, stamps_required=0, tiers=[])
    reward = ok(
        merchant.post(
            f"/v1/loyalty/programmes/{programme['id']}/rewards",
            json={"name": "Cookie", "kind": "free_item", "points_cost": 7, "item_name": "Cookie"},
        )
    )
    _, dan, wallet = consumer(api_for, make_org, "Dan")
    intent = pay(merchant, dan, wallet, 1_000_00)  # 10 points
    sync(db)
    member = _member_of(merchant, programme["id"])
    assert member["balance"] == 10
    ok(merchant.post("/v1/refunds", json={"payment_intent": intent["id"], "amount": 333_00}))
    sync(db)
    assert _member_of(merchant, programme["id"])["balance"] == 10 - 3  # floor(10 × 333 / 1000)
    # the member spends what is left on a free item (handed over, no payment), then the rest is refunded
    used = ok(merchant.post("/v1/loyalty/redemptions", json={"member": member["id"], "reward": reward["id"]}))
    assert (used["status"], used["points"], used["discount_amount"]) == ("completed", 7, 0)
    refund = ok(merchant.post("/v1/refunds", json={"payment_intent": intent["id"], "amount": 600_00}))
    assert refund["status"] == "succeeded"  # (the fee stays with the platform: the rest would not be covered)
    sync(db)
    member = _member_of(merchant, programme["id"])
    assert (member["balance"], member["lots"]) == (-6, [])  # floor(10 × 933 / 1000) − 3 = 6 more
    kinds = [
        (t["kind"], t["points"], t["spend_amount"])
        for t in ok(merchant.get(f"/v1/loyalty/members/{member['id']}/transactions"))["data"]
    ]
    assert kinds == [
        ("clawback", -6, -600_00),
        ("redemption", -7, 0),
        ("clawback", -3, -333_00),
        ("earn", 10, 1_000_00),
    ]
    assert member["tier"]["spend_12_months"] == 67_00
    # nothing left to spend: the ledger refuses, atomically
    error(
        merchant.post("/v1/loyalty/redemptions", json={"member": member["id"], "reward": reward["id"]}),
        402,
        "insufficient_points",
    )
    assert_books_clean(db)
