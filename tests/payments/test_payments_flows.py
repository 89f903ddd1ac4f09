"""Every money flow of the payments module through the HTTP API, with exact balances, ending
with a clean ledger verify."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from payments_helpers import error, expire, funded_wallet, merchant, ok, party

from digiplus.core.db import Database
from digiplus.ledger import verify_ledger
from digiplus.payments.models import FxQuote, PaymentCode
from digiplus.payments.qr import decode, merchant_qr


def _balance(api: Any, wallet_id: str) -> int:
    return int(ok(api.get(f"/v1/wallets/{wallet_id}"))["available"])


def test_every_flow_over_http(db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]) -> None:
    shop_org, shop = party(api_for, make_org, "Oyster Omelette Stall", "merchant")
    profile = merchant(shop)
    assert (profile["scenario"], profile["fee_plan"]) == ("livelihood_consumption", "standard")
    alice_org, alice = party(api_for, make_org, "Alice", "consumer")
    _, bob = party(api_for, make_org, "Bob", "consumer")
    _, yuki = party(api_for, make_org, "Yuki (visitor)", "consumer")

    # --- top-up, and a top-up the bank refuses (nothing booked) ---
    a = funded_wallet(alice, 5_000_00, level=1)
    assert (a["available"], a["verification_level"], a["limits"]["per_payment"]) == (5_000_00, 1, 10_000_00)
    poor = ok(
        alice.post("/v1/bank_accounts", json={"bank_code": "004", "account_number": "9990000001", "holder_name": "A"})
    )
    assert poor["account_number"] == "******0001"
    failed = ok(alice.post(f"/v1/wallets/{a['id']}/topups", json={"bank_account": poor["id"], "amount": 100_00}))
    assert (failed["status"], failed["failure_code"]) == ("failed", "bank_insufficient_funds")
    assert _balance(alice, a["id"]) == 5_000_00

    # --- P2P ---
    b = funded_wallet(bob, 0)
    sent = ok(alice.post(f"/v1/wallets/{a['id']}/transfers", json={"to_wallet": b["id"], "amount": 200_00}))
    assert (sent["from_wallet"], sent["to_wallet"], sent["amount"]) == (a["id"], b["id"], 200_00)
    assert (_balance(alice, a["id"]), _balance(bob, b["id"])) == (4_800_00, 200_00)

    # --- static QR: the consumer enters the amount ---
    static = merchant_qr(
        merchant_id=shop_org, merchant_name=profile["display_name"], merchant_city="Taipei", mcc="5812"
    )
    preview = ok(alice.post(f"/v1/wallets/{a['id']}/scan", json={"qr_payload": static}))
    assert (preview["merchant_name"], preview["amount"], preview["status"]) == ("阿明蚵仔煎", None, "requires_amount")
    error(alice.post(f"/v1/wallets/{a['id']}/payments", json={"qr_payload": static}), 400, "amount_required")
    paid = ok(alice.post(f"/v1/wallets/{a['id']}/payments", json={"qr_payload": static, "amount": 150_00}))
    assert (paid["status"], paid["amount"], paid["wallet_amount"], paid["fx"]) == ("succeeded", 150_00, 150_00, None)
    static_pi = ok(shop.get(f"/v1/payment_intents/{paid['payment_intent']}"))
    assert (static_pi["amount_received"], static_pi["fee_amount"], static_pi["scenario"]) == (
        150_00,
        270,  # 1.8 % of 150.00
        "livelihood_consumption",
    )
    assert _balance(alice, a["id"]) == 4_650_00

    # --- dynamic QR: the merchant shows it, the wallet pays it ---
    dyn = ok(shop.post("/v1/payment_intents", json={"amount": 320_00, "description": "2 oyster omelettes"}))
    assert dyn["status"] == "requires_payment_method"
    shown = ok(shop.post(f"/v1/payment_intents/{dyn['id']}/confirm", json={"payment_method": {"type": "qr"}}))
    payload = shown["next_action"]["display_qr_code"]["data"]
    assert shown["status"] == "requires_action"
    decoded = decode(payload)
    assert (decoded.valid, decoded.reference, decoded.amount_minor) == (True, dyn["id"], 320_00)
    seen = ok(alice.post(f"/v1/wallets/{a['id']}/scan", json={"qr_payload": payload}))
    assert (seen["payment_intent"], seen["amount"], seen["status"]) == (dyn["id"], 320_00, "requires_action")
    ok(alice.post(f"/v1/wallets/{a['id']}/payments", json={"qr_payload": payload}))
    dyn = ok(shop.get(f"/v1/payment_intents/{dyn['id']}"))
    assert (dyn["status"], dyn["amount_received"], dyn["fee_amount"]) == ("succeeded", 320_00, 576)
    error(
        alice.post(f"/v1/wallets/{a['id']}/payments", json={"qr_payload": payload}),
        400,
        "payment_intent_unexpected_state",
    )
    assert _balance(alice, a["id"]) == 4_330_00

    # --- payment code: the merchant scans the consumer's code; single use; expired refused ---
    code = ok(bob.post("/v1/payment_codes", json={"wallet": b["id"]}))
    assert len(code["code"]) == 18 and code["code"].isdigit()
    pc_pi = ok(shop.post("/v1/payment_intents", json={"amount": 80_00}))
    method = {"payment_method": {"type": "payment_code", "code": code["code"]}}
    charged = ok(shop.post(f"/v1/payment_intents/{pc_pi['id']}/confirm", json=method))
    assert (charged["status"], charged["payment_method_type"]) == ("succeeded", "payment_code")
    assert _balance(bob, b["id"]) == 120_00
    again = ok(shop.post("/v1/payment_intents", json={"amount": 10_00}))
    error(shop.post(f"/v1/payment_intents/{again['id']}/confirm", json=method), 400, "payment_code_used")
    stale = ok(bob.post("/v1/payment_codes", json={"wallet": b["id"]}))
    expire(db, PaymentCode, stale["id"])
    stale_method = {"payment_method": {"type": "payment_code", "code": stale["code"]}}
    error(shop.post(f"/v1/payment_intents/{again['id']}/confirm", json=stale_method), 400, "payment_code_expired")

    # --- manual capture, partial: the rest is released ---
    held = ok(shop.post("/v1/payment_intents", json={"amount": 1_000_00, "capture_method": "manual"}))
    ok(alice.post(f"/v1/wallets/{a['id']}/payments", json={"payment_intent": held["id"]}))
    held = ok(shop.get(f"/v1/payment_intents/{held['id']}"))
    assert (held["status"], held["amount_capturable"]) == ("requires_capture", 1_000_00)
    wallet_a = ok(alice.get(f"/v1/wallets/{a['id']}"))
    assert (wallet_a["available"], wallet_a["held"]) == (3_330_00, 1_000_00)
    error(
        shop.post(f"/v1/payment_intents/{held['id']}/capture", json={"amount_to_capture": 1_000_01}),
        400,
        "amount_too_large",
    )
    captured = ok(shop.post(f"/v1/payment_intents/{held['id']}/capture", json={"amount_to_capture": 600_00}))
    assert (captured["status"], captured["amount_received"], captured["amount_capturable"], captured["fee_amount"]) == (
        "succeeded",
        600_00,
        0,
        1080,
    )
    wallet_a = ok(alice.get(f"/v1/wallets/{a['id']}"))
    assert (wallet_a["available"], wallet_a["held"]) == (3_730_00, 0)

    # --- cancel releases the hold ---
    to_cancel = ok(shop.post("/v1/payment_intents", json={"amount": 50_00, "capture_method": "manual"}))
    ok(alice.post(f"/v1/wallets/{a['id']}/payments", json={"payment_intent": to_cancel["id"]}))
    assert _balance(alice, a["id"]) == 3_680_00
    canceled = ok(shop.post(f"/v1/payment_intents/{to_cancel['id']}/cancel", json={"cancellation_reason": "abandoned"}))
    assert (canceled["status"], canceled["cancellation_reason"]) == ("canceled", "abandoned")
    assert _balance(alice, a["id"]) == 3_730_00
    error(shop.post(f"/v1/payment_intents/{to_cancel['id']}/capture"), 400, "payment_intent_unexpected_state")

    # --- refunds: partial, then the rest; over-refund refused; the fee is kept ---
    r1 = ok(
        shop.post(
            "/v1/refunds", json={"payment_intent": dyn["id"], "amount": 100_00, "reason": "requested_by_customer"}
        )
    )
    assert (r1["status"], r1["amount"], r1["from_pending_settlement"]) == ("succeeded", 100_00, 100_00)
    error(shop.post("/v1/refunds", json={"payment_intent": dyn["id"], "amount": 220_01}), 400, "amount_too_large")
    r2 = ok(shop.post("/v1/refunds", json={"payment_intent": dyn["id"]}))
    assert (r2["status"], r2["amount"]) == ("succeeded", 220_00)
    error(shop.post("/v1/refunds", json={"payment_intent": dyn["id"], "amount": 1}), 400, "charge_already_refunded")
    dyn = ok(shop.get(f"/v1/payment_intents/{dyn['id']}"))
    assert (dyn["amount_refunded"], dyn["fee_amount"]) == (320_00, 576)
    assert _balance(alice, a["id"]) == 4_050_00
    refunds = ok(shop.get("/v1/refunds", params={"payment_intent": dyn["id"]}))
    assert [r["amount"] for r in refunds["data"]] == [220_00, 100_00]

    # --- cross-border: a JPY wallet pays a TWD intent through a quote; both amounts on the receipt ---
    y = funded_wallet(yuki, 10_000, currency="JPY")
    tw = ok(shop.post("/v1/payment_intents", json={"amount": 500_00}))
    quote = ok(yuki.post("/v1/fx_quotes", json={"sell_currency": "JPY", "buy_currency": "TWD", "buy_amount": 500_00}))
    # mid 0.2025 TWD/JPY less 150 bp = 0.1994625; 500 / 0.1994625 = 2506.74 → 2507 JPY (rounded up)
    assert (quote["rate"], quote["mid_rate"], quote["sell_amount"]) == ("0.1994625", "0.2025", 2507)
    receipt = ok(
        yuki.post(f"/v1/wallets/{y['id']}/payments", json={"payment_intent": tw["id"], "fx_quote": quote["id"]})
    )
    assert (receipt["amount"], receipt["currency"], receipt["wallet_amount"], receipt["wallet_currency"]) == (
        500_00,
        "TWD",
        2507,
        "JPY",
    )
    assert receipt["fx"]["rate"] == "0.1994625" and "Bank of Taiwan" in receipt["fx"]["source"]
    assert _balance(yuki, y["id"]) == 10_000 - 2507
    same = ok(shop.post("/v1/payment_intents", json={"amount": 500_00}))
    reused = yuki.post(f"/v1/wallets/{y['id']}/payments", json={"payment_intent": same["id"], "fx_quote": quote["id"]})
    error(reused, 400, "fx_quote_used")
    fx_refund = ok(shop.post("/v1/refunds", json={"payment_intent": tw["id"], "amount": 250_00}))
    assert fx_refund["wallet_amount"] == 1254  # half of 2507, rounded half up
    assert _balance(yuki, y["id"]) == 10_000 - 2507 + 1254
    late = ok(shop.post("/v1/payment_intents", json={"amount": 100_00}))
    old = ok(yuki.post("/v1/fx_quotes", json={"sell_currency": "JPY", "buy_amount": 100_00}))
    expire(db, FxQuote, old["id"])
    error(
        yuki.post(f"/v1/wallets/{y['id']}/payments", json={"payment_intent": late["id"], "fx_quote": old["id"]}),
        400,
        "fx_quote_expired",
    )

    # --- limits and balance: declined, nothing booked, the intent keeps last_payment_error ---
    over = alice.post(f"/v1/wallets/{a['id']}/payments", json={"qr_payload": static, "amount": 10_000_01})
    assert error(over, 402, "wallet_limit_exceeded")["limit"] == "per_payment"
    big = ok(shop.post("/v1/payment_intents", json={"amount": 5_000_00}))
    short = alice.post(f"/v1/wallets/{a['id']}/payments", json={"payment_intent": big["id"]})
    error(short, 402, "insufficient_funds")
    big = ok(shop.get(f"/v1/payment_intents/{big['id']}"))
    assert big["status"] == "requires_payment_method"
    assert big["last_payment_error"]["code"] == "insufficient_funds"
    assert _balance(alice, a["id"]) == 4_050_00
    code2 = ok(alice.post("/v1/payment_codes", json={"wallet": a["id"]}))
    declined = shop.post(
        f"/v1/payment_intents/{big['id']}/confirm",
        json={"payment_method": {"type": "payment_code", "code": code2["code"]}},
    )
    assert error(declined, 402, "insufficient_funds")["payment_intent"]["status"] == "requires_payment_method"

    # --- tenancy: another org's objects are not found ---
    error(bob.get(f"/v1/payment_intents/{dyn['id']}"), 404, "resource_missing")
    error(bob.get(f"/v1/wallets/{a['id']}"), 404, "resource_missing")
    error(shop.post("/v1/refunds", json={"payment_intent": "pi_nope"}), 404, "resource_missing")

    # --- history comes from the ledger ---
    hist = ok(alice.get(f"/v1/wallets/{a['id']}/history", params={"limit": 100}))
    kinds = [e["kind"] for e in hist["data"]]
    assert kinds.count("topup") == 1 and kinds.count("wallet_transfer") == 1 and kinds.count("refund") == 2
    by_kind = {(e["kind"], e["amount"]) for e in hist["data"]}
    assert {("topup", 5_000_00), ("wallet_transfer", -200_00), ("refund", 100_00), ("refund", 220_00)} <= by_kind

    with db.session() as session:
        report = verify_ledger(session)
    assert report.ok, report.problems
    assert alice_org != shop_org
