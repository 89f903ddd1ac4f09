"""The payments pages through the TestClient: the merchant's sales, list, detail, refund, QR and
sticker pages; the consumer's wallet (pay by pasted text or photo, FX, code, top-up, send,
history); who may see what (org kind, role, another org's ids → 404); form errors naming the
field and booking nothing; CSRF."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from payments_helpers import funded_wallet, merchant, ok, party

from digiplus.core.db import Database, utcnow
from digiplus.identity import service
from digiplus.identity.schemas import UserCreate
from digiplus.payments.qr import decode, render_png
from digiplus.payments.service import payouts
from digiplus.payments.service.settlement import available_on, taipei_midnight

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Web:
    """A logged-in browser (its own cookies) that fills in the CSRF token of a page."""

    client: TestClient

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, **kw)

    def token(self, url: str = "/") -> str:
        found = _CSRF.search(self.client.get(url).text)
        assert found, f"{url} has no CSRF field"
        return found.group(1)

    def post(self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kw: Any) -> Any:
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf_token", self.token())
        kw.setdefault("follow_redirects", False)
        return self.client.post(url, data=form, **kw)


@pytest.fixture
def web_for(app: Any, db: Database) -> Iterator[Callable[..., Web]]:
    """``web_for(org_id, role="owner", locale="en")``: a browser logged in as a new member of the org."""
    clients: list[TestClient] = []
    counter = iter(range(1000))

    def _make(org_id: str, role: str = "owner", locale: str = "en") -> Web:
        email = f"user{next(counter)}@example.com"
        with db.session() as s:
            user = service.create_user(s, UserCreate(email=email, name="Lin", password=PASSWORD, locale=locale))  # type: ignore[arg-type]
            service.add_member(s, None, org_id, user.id, role)  # type: ignore[arg-type]
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        web = Web(client)
        login_page = client.get("/login").text
        token = _CSRF.search(login_page)
        assert token
        r = client.post(
            "/login",
            data={"email": email, "password": PASSWORD, "next": "/", "csrf_token": token.group(1)},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        return web

    yield _make
    for client in clients:
        client.__exit__(None, None, None)


@dataclass
class World:
    make_org: Callable[..., str]
    merchant_org: str
    merchant_api: Any
    consumer_org: str
    consumer_api: Any
    wallet: dict[str, Any]


@pytest.fixture
def world(api_for: Callable[..., Any], make_org: Callable[..., str]) -> World:
    m_org, m_api = party(api_for, make_org, "阿明蚵仔煎 A-Ming", "merchant")
    merchant(m_api, name="阿明蚵仔煎")
    c_org, c_api = party(api_for, make_org, "Lin Mei", "consumer")
    wallet = funded_wallet(c_api, 200_000)  # TWD 2,000.00
    return World(make_org, m_org, m_api, c_org, c_api, wallet)


def _dynamic(world: World, amount: int = 12_000) -> dict[str, Any]:
    intent = ok(world.merchant_api.post("/v1/payment_intents", json={"amount": amount, "currency": "TWD"}))
    return ok(
        world.merchant_api.post(f"/v1/payment_intents/{intent['id']}/confirm", json={"payment_method": {"type": "qr"}})
    )


def _paid(world: World, amount: int = 12_000) -> dict[str, Any]:
    intent = _dynamic(world, amount)
    payload = intent["next_action"]["display_qr_code"]["data"]
    ok(world.consumer_api.post(f"/v1/wallets/{world.wallet['id']}/payments", json={"qr_payload": payload}))
    return ok(world.merchant_api.get(f"/v1/payment_intents/{intent['id']}"))


# --- the merchant -----------------------------------------------------------------------


def test_merchant_shows_a_dynamic_qr_that_turns_paid(world: World, web_for: Callable[..., Web]) -> None:
    web = web_for(world.merchant_org)
    assert 'href="/payments"' in web.get("/").text  # the nav shows Payments to a merchant org
    assert 'href="/wallet"' not in web.get("/").text
    r = web.post("/payments/new", {"amount": "85", "description": "Table 4"})
    assert r.status_code == 303, r.text
    qr_url = r.headers["location"]
    intent_id = qr_url.split("/")[2]
    page = web.get(qr_url).text
    assert "<svg" in page and "TWD 85.00" in page and "QR code shown" in page
    payload = re.search(r'<textarea readonly rows="4" class="mono" id="qr-payload"[^>]*>([^<]+)</textarea>', page)
    assert payload, page
    text = html.unescape(payload.group(1))
    decoded = decode(text)
    assert decoded.valid and decoded.reference == intent_id and decoded.amount == "85.00"
    status = web.get(f"/payments/{intent_id}/status", headers={"HX-Request": "true"}).text
    assert 'hx-trigger="every 1s"' in status  # still polling
    ok(world.consumer_api.post(f"/v1/wallets/{world.wallet['id']}/payments", json={"qr_payload": text}))
    status = web.get(f"/payments/{intent_id}/status", headers={"HX-Request": "true"}).text
    assert "Paid" in status and "Received TWD 85.00." in status
    assert "hx-trigger" not in status  # polling stops once paid


def test_sales_list_and_detail(world: World, web_for: Callable[..., Web]) -> None:
    paid = _paid(world, 12_000)
    _paid(world, 3_050)
    waiting = _dynamic(world, 999)
    web = web_for(world.merchant_org)
    page = web.get("/payments").text
    today = page.split('id="sales-today"')[1].split("</div>\n</div>")[0]
    assert ">2<" in today  # two payments captured today
    assert "TWD 150.50" in today  # gross
    assert "TWD 2.71" in today  # fees: 1.8 % of 120.00 = 2.16, of 30.50 = 0.55
    assert "TWD 147.79" in today  # net
    assert 'data-chart-for="chart-hourly"' in page and 'data-chart-for="chart-daily"' in page
    listing = web.get("/payments/list").text
    assert paid["id"] in listing and waiting["id"] in listing
    only_paid = web.get("/payments/list?status=succeeded").text
    assert paid["id"] in only_paid and waiting["id"] not in only_paid
    assert waiting["id"] in web.get(f"/payments/list?q={waiting['id']}").text
    assert paid["id"] not in web.get(f"/payments/list?q={waiting['id']}").text
    assert "No payment matches" in web.get("/payments/list?scenario=campus").text
    fragment = web.get("/payments/list?status=succeeded", headers={"HX-Request": "true"}).text
    assert fragment.startswith('<div id="payment-results">')
    detail = web.get(f"/payments/{paid['id']}").text
    assert f"{paid['id']}_charge" in detail and f"{paid['id']}_fee" in detail  # the ledger transfers
    assert 'id="refund-form"' in detail


def test_refund_form(world: World, web_for: Callable[..., Web]) -> None:
    paid = _paid(world, 12_000)
    _paid(world, 5_000)  # fees are not returned: the merchant's other sales cover the full refund
    web = web_for(world.merchant_org)
    url = f"/payments/{paid['id']}/refund"
    for amount, message in (
        ("abc", "Amount: "),
        ("0", "Amount: Enter a positive amount"),
        ("1.234", "Amount: The amount has more decimals than the currency allows."),
        ("120.01", "Amount: The amount is more than what is left."),
        ("", "Amount: Enter a positive amount"),
    ):
        r = web.post(url, {"scope": "partial", "amount": amount})
        assert r.status_code == 400, (amount, r.text)
        assert message in r.text, (amount, r.text)
    r = web.post(url, {"scope": "partial", "amount": "20", "reason": "made_up"})
    assert r.status_code == 400 and "Reason: " in r.text
    assert ok(world.merchant_api.get("/v1/refunds"))["data"] == []  # nothing booked
    r = web.post(url, {"scope": "partial", "amount": "20"}, csrf=False)
    assert r.status_code == 403
    assert ok(world.merchant_api.get("/v1/refunds"))["data"] == []
    r = web.post(url, {"scope": "partial", "amount": "20", "reason": "requested_by_customer"})
    assert r.status_code == 303
    assert "Refunded TWD 20.00." in web.get(r.headers["location"]).text
    r = web.post(url, {"scope": "full"})
    assert r.status_code == 303
    after = ok(world.merchant_api.get(f"/v1/payment_intents/{paid['id']}"))
    assert after["amount_refunded"] == 12_000
    assert [x["amount"] for x in ok(world.merchant_api.get("/v1/refunds"))["data"]] == [10_000, 2_000]
    assert ok(world.consumer_api.get(f"/v1/wallets/{world.wallet['id']}"))["available"] == 200_000 - 5_000
    assert "This payment is fully refunded." in web.get(f"/payments/{paid['id']}").text


def test_capture_and_cancel_buttons(world: World, web_for: Callable[..., Web]) -> None:
    web = web_for(world.merchant_org)
    r = web.post("/payments/new", {"amount": "50", "capture": "manual"})
    intent_id = r.headers["location"].split("/")[2]
    payload = ok(world.merchant_api.get(f"/v1/payment_intents/{intent_id}"))["next_action"]["display_qr_code"]["data"]
    ok(world.consumer_api.post(f"/v1/wallets/{world.wallet['id']}/payments", json={"qr_payload": payload}))
    detail = web.get(f"/payments/{intent_id}").text
    assert "Amount to capture" in detail and "Cancel the payment" in detail
    r = web.post(f"/payments/{intent_id}/capture", {"amount": "60"})
    assert r.status_code == 400 and "Amount to capture: The amount is more than what is left." in r.text
    r = web.post(f"/payments/{intent_id}/capture", {"amount": "45"})
    assert r.status_code == 303
    got = ok(world.merchant_api.get(f"/v1/payment_intents/{intent_id}"))
    assert (got["status"], got["amount_received"]) == ("succeeded", 4_500)
    other = web.post("/payments/new", {"amount": "10", "capture": "manual"}).headers["location"].split("/")[2]
    assert web.post(f"/payments/{other}/cancel").status_code == 303
    assert ok(world.merchant_api.get(f"/v1/payment_intents/{other}"))["status"] == "canceled"


def test_new_payment_form_errors(world: World, web_for: Callable[..., Web]) -> None:
    web = web_for(world.merchant_org)
    r = web.post("/payments/new", {"amount": "12.345"})
    assert r.status_code == 400 and "Amount: The amount has more decimals" in r.text
    assert ok(world.merchant_api.get("/v1/payment_intents"))["data"] == []


def test_sticker_and_settings(world: World, web_for: Callable[..., Web], make_org: Callable[..., str]) -> None:
    web = web_for(world.merchant_org, locale="zh_TW")
    page = web.get("/payments/sticker").text
    assert "掃碼付款" in page and "櫃檯" in page
    svg = web.get("/payments/sticker.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and "阿明蚵仔煎" in svg.text
    r = web.post("/payments/settings", {"display_name": "阿明蚵仔煎", "city": "Tainan", "mcc": "12"})
    assert r.status_code == 400 and "商店類別碼 (MCC)：" in r.text
    r = web.post(
        "/payments/settings",
        {
            "display_name": "阿明蚵仔煎",
            "city": "Tainan",
            "mcc": "7011",
            "bank_code": "004",
            "account_number": "55667788",
        },
    )
    assert r.status_code == 303, r.text
    profile = ok(world.merchant_api.get("/v1/merchant_profile"))
    assert (profile["city"], profile["scenario"]) == ("Tainan", "leisure_tourism")
    # A new merchant without a profile is sent to the settings first.
    fresh = web_for(make_org("New Stall", kind="merchant"))
    assert 'id="setup-first"' in fresh.get("/payments").text
    assert 'id="setup-first"' in fresh.get("/payments/sticker").text


def test_payouts_page_lists_nothing_before_the_first_payout(world: World, web_for: Callable[..., Web]) -> None:
    web = web_for(world.merchant_org)
    assert "No payouts yet." in web.get("/payments/payouts").text
    assert web.get("/payments/payouts/po_20260101AAAAAAAAAAAAAAAAAA").status_code == 404


# --- who may see what -------------------------------------------------------------------


def test_org_kind_role_and_other_orgs(
    world: World, web_for: Callable[..., Web], api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    paid = _paid(world)
    consumer = web_for(world.consumer_org)
    r = consumer.get("/payments")
    assert r.status_code == 400 and "for merchant organizations" in r.text
    merchant_web = web_for(world.merchant_org)
    r = merchant_web.get("/wallet")
    assert r.status_code == 400 and "for consumer organizations" in r.text
    # Another merchant's payment id → 404 on every page and form.
    other_org, other_api = party(api_for, make_org, "Other Shop", "merchant")
    merchant(other_api, name="Other Shop")
    other = web_for(other_org)
    assert other.get(f"/payments/{paid['id']}").status_code == 404
    assert other.get(f"/payments/{paid['id']}/qr").status_code == 404
    assert other.get(f"/payments/{paid['id']}/status").status_code == 404
    assert other.post(f"/payments/{paid['id']}/refund", {"scope": "full"}).status_code == 404
    assert ok(world.merchant_api.get(f"/v1/payment_intents/{paid['id']}"))["amount_refunded"] == 0
    # Another consumer cannot read this payer's receipt.
    stranger_org, _stranger_api = party(api_for, make_org, "Stranger", "consumer")
    stranger = web_for(stranger_org)
    assert stranger.get(f"/wallet/payments/{paid['id']}").status_code == 404
    assert consumer.get(f"/wallet/payments/{paid['id']}").status_code == 200
    # A viewer sees the payment but no refund form, and cannot refund.
    viewer = web_for(world.merchant_org, role="viewer")
    assert 'id="refund-form"' not in viewer.get(f"/payments/{paid['id']}").text
    assert viewer.post(f"/payments/{paid['id']}/refund", {"scope": "full"}).status_code == 403
    assert ok(world.merchant_api.get("/v1/refunds"))["data"] == []


# --- the consumer's wallet --------------------------------------------------------------


def test_wallet_pays_a_pasted_dynamic_code(world: World, web_for: Callable[..., Web]) -> None:
    intent = _dynamic(world, 12_000)
    payload = intent["next_action"]["display_qr_code"]["data"]
    web = web_for(world.consumer_org)
    home = web.get("/wallet").text
    assert "TWD 2,000.00" in home and 'href="/wallet/pay?wallet=' in home
    wallet_id = world.wallet["id"]
    confirm = web.post("/wallet/scan", {"wallet": wallet_id, "payload": payload})
    assert confirm.status_code == 200, confirm.text
    assert "阿明蚵仔煎" in confirm.text and "TWD 120.00" in confirm.text and 'id="pay-form"' in confirm.text
    r = web.post("/wallet/pay", {"wallet": wallet_id, "payload": payload})
    assert r.status_code == 303 and r.headers["location"] == f"/wallet/payments/{intent['id']}"
    receipt = web.get(r.headers["location"]).text
    assert "Paid" in receipt and "TWD 120.00" in receipt and "阿明蚵仔煎" in receipt
    assert ok(world.consumer_api.get(f"/v1/wallets/{wallet_id}"))["available"] == 188_000
    # Paying again is refused with a message; nothing more moves.
    again = web.post("/wallet/pay", {"wallet": wallet_id, "payload": payload})
    assert again.status_code == 400 and "cannot be paid" in again.text
    assert ok(world.consumer_api.get(f"/v1/wallets/{wallet_id}"))["available"] == 188_000
    history = web.get(f"/wallet/history?wallet={wallet_id}").text
    assert "Payment · 阿明蚵仔煎" in history and "TWD −120.00" in history and "Top-up" in history


def test_a_pay_form_submitted_twice_pays_once_and_shows_the_first_payment(
    world: World, web_for: Callable[..., Web]
) -> None:
    web = web_for(world.consumer_org)
    m = web_for(world.merchant_org)
    static = re.search(
        r'<textarea readonly rows="4" class="mono"[^>]*>([^<]+)</textarea>', m.get("/payments/sticker").text
    )
    assert static
    payload = html.unescape(static.group(1))
    wallet_id = world.wallet["id"]
    confirm = web.post("/wallet/scan", {"wallet": wallet_id, "payload": payload, "amount": "120"})
    token = re.search(r'name="form_token" value="([^"]+)"', confirm.text)
    assert token, confirm.text
    form = {"wallet": wallet_id, "payload": payload, "amount": "12000", "form_token": token.group(1)}
    first = web.post("/wallet/pay", form)
    assert first.status_code == 303, first.text
    second = web.post("/wallet/pay", form)  # the same form again: a double tap, a reload
    assert second.status_code == 303, second.text
    assert second.headers["location"] == first.headers["location"]
    assert ok(world.consumer_api.get(f"/v1/wallets/{wallet_id}"))["available"] == 200_000 - 12_000
    receipt = web.get(first.headers["location"])
    assert receipt.status_code == 200 and "TWD 120.00" in receipt.text
    # A new confirmation screen has a new token: paying again on purpose is one more payment.
    again = web.post("/wallet/scan", {"wallet": wallet_id, "payload": payload, "amount": "120"})
    fresh = re.search(r'name="form_token" value="([^"]+)"', again.text)
    assert fresh and fresh.group(1) != token.group(1)
    third = web.post("/wallet/pay", {**form, "form_token": fresh.group(1)})
    assert third.status_code == 303 and third.headers["location"] != first.headers["location"]
    assert ok(world.consumer_api.get(f"/v1/wallets/{wallet_id}"))["available"] == 200_000 - 24_000


def test_wallet_reads_a_photo_and_pays_a_static_code(world: World, web_for: Callable[..., Web]) -> None:
    web = web_for(world.consumer_org)
    m = web_for(world.merchant_org)
    static = re.search(
        r'<textarea readonly rows="4" class="mono"[^>]*>([^<]+)</textarea>', m.get("/payments/sticker").text
    )
    assert static
    payload = html.unescape(static.group(1))
    wallet_id = world.wallet["id"]
    files = {"image": ("counter.png", render_png(payload), "image/png")}
    r = web.post("/wallet/scan", {"wallet": wallet_id}, files=files)
    assert r.status_code == 200, r.text
    assert 'id="amount-form"' in r.text and "阿明蚵仔煎" in r.text
    r = web.post("/wallet/scan", {"wallet": wallet_id, "payload": payload, "amount": "65.5"})
    assert "TWD 65.50" in r.text and 'name="amount" value="6550"' in r.text
    bad = web.post("/wallet/scan", {"wallet": wallet_id, "payload": payload, "amount": "6.555"})
    assert bad.status_code == 400 and "Amount: The amount has more decimals" in bad.text
    r = web.post("/wallet/pay", {"wallet": wallet_id, "payload": payload, "amount": "6550"})
    assert r.status_code == 303, r.text
    assert ok(world.consumer_api.get(f"/v1/wallets/{wallet_id}"))["available"] == 200_000 - 6_550
    # Not an image, an image without a code, a foreign code: each says so and nothing is paid.
    for files, text in (
        ({"image": ("x.png", b"not an image", "image/png")}, "QR image: This file is not an image"),
        ({"image": ("x.png", render_png("hello"), "image/png")}, "QR code: This is not a valid payment QR code."),
    ):
        r = web.post("/wallet/scan", {"wallet": wallet_id}, files=files)
        assert r.status_code == 400 and text in r.text, r.text
    promptpay = "00020101021129370016A000000677010111011300668012345675802TH530376463046197"
    r = web.post("/wallet/scan", {"wallet": wallet_id, "payload": promptpay})
    assert r.status_code == 400 and "another payment network" in r.text


def test_visitor_wallet_sees_the_fx_quote(
    world: World, web_for: Callable[..., Web], api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    v_org, v_api = party(api_for, make_org, "Visitor", "consumer")
    jpy = funded_wallet(v_api, 100_000, currency="JPY")
    payload = _dynamic(world, 50_000)["next_action"]["display_qr_code"]["data"]
    web = web_for(v_org, locale="zh_TW")
    r = web.post("/wallet/scan", {"wallet": jpy["id"], "payload": payload})
    assert r.status_code == 200, r.text
    quote = re.search(r'name="fx_quote" value="([^"]+)"', r.text)
    assert quote and "JPY 2,507" in r.text and "TWD 500.00" in r.text and "0.1994625" in r.text
    r = web.post("/wallet/pay", {"wallet": jpy["id"], "payload": payload, "fx_quote": quote.group(1)})
    assert r.status_code == 303, r.text
    receipt = web.get(r.headers["location"]).text
    assert "JPY 2,507" in receipt and "TWD 500.00" in receipt and "已付款" in receipt


def test_wallet_topup_send_and_code(
    world: World, web_for: Callable[..., Web], api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    web = web_for(world.consumer_org)
    wallet_id = world.wallet["id"]
    topup = web.get(f"/wallet/topup?wallet={wallet_id}").text
    bank = re.search(r'<option value="(ba_[^"]+)"', topup)
    assert bank, topup
    r = web.post("/wallet/topup", {"wallet": wallet_id, "bank_account": bank.group(1), "amount": "-5"})
    assert r.status_code == 400 and "Amount: " in r.text
    r = web.post("/wallet/topup", {"wallet": wallet_id, "bank_account": bank.group(1), "amount": "500"})
    assert r.status_code == 303
    assert "Topped up TWD 500.00." in web.get(r.headers["location"]).text
    _friend_org, friend_api = party(api_for, make_org, "Friend", "consumer")
    friend = funded_wallet(friend_api, 0)
    r = web.post("/wallet/send", {"wallet": wallet_id, "to_wallet": "wal_nobody", "amount": "10"})
    assert r.status_code == 400 and "Recipient wallet: " in r.text
    r = web.post("/wallet/send", {"wallet": wallet_id, "to_wallet": friend["id"], "amount": "10"})
    assert r.status_code == 303
    assert ok(friend_api.get(f"/v1/wallets/{friend['id']}"))["available"] == 1_000
    assert ok(world.consumer_api.get(f"/v1/wallets/{wallet_id}"))["available"] == 200_000 + 50_000 - 1_000
    code = web.post("/wallet/code", {"wallet": wallet_id})
    digits = re.search(r'id="payment-code-digits">([\d ]+)<', code.text)
    assert code.status_code == 200 and digits and len(digits.group(1).replace(" ", "")) == 18
    assert re.search(r'data-countdown="(59|60)"', code.text) and "<svg" in code.text
    # The merchant charges that code through the API.
    intent = ok(world.merchant_api.post("/v1/payment_intents", json={"amount": 2_000, "currency": "TWD"}))
    charged = world.merchant_api.post(
        f"/v1/payment_intents/{intent['id']}/confirm",
        json={"payment_method": {"type": "payment_code", "code": digits.group(1).replace(" ", "")}},
    )
    assert ok(charged)["status"] == "succeeded"


def test_wallet_pages_in_zh_tw_and_csrf(world: World, web_for: Callable[..., Web]) -> None:
    web = web_for(world.consumer_org, locale="zh_TW")
    home = web.get("/wallet").text
    assert "錢包" in home and "付款碼" in home and "儲值" in home
    for url in ("/wallet/pay", "/wallet/topup", "/wallet/send", "/wallet/history", "/wallet/code", "/wallet/bank"):
        assert web.get(url).status_code == 200, url
    r = web.post("/wallet/send", {"wallet": world.wallet["id"], "to_wallet": "x", "amount": "1"}, csrf=False)
    assert r.status_code == 403


def test_payout_pages_and_reconciliation_csv(world: World, web_for: Callable[..., Web], db: Database) -> None:
    paid = _paid(world, 12_000)
    day = available_on(utcnow())
    run = payouts.run_daily(db, taipei_midnight(day) + timedelta(hours=12), payout_date=day, livemode=False)
    [made] = [p for p in run.created if p.org_id == world.merchant_org]
    assert made.amount == 12_000 - 216
    web = web_for(world.merchant_org)
    listing = web.get("/payments/payouts").text
    assert made.id in listing and "TWD 117.84" in listing and "In transit" in listing
    detail = web.get(f"/payments/payouts/{made.id}").text
    assert paid["id"] in detail and "TWD 120.00" in detail and "TWD 2.16" in detail
    csv = web.get(f"/payments/payouts/{made.id}/reconciliation.csv")
    assert csv.headers["content-type"].startswith("text/csv") and paid["id"] in csv.text
    other = web_for(party_org(world))
    assert other.get(f"/payments/payouts/{made.id}").status_code == 404
    assert other.get(f"/payments/payouts/{made.id}/reconciliation.csv").status_code == 404


def party_org(world: World) -> str:
    """Another merchant org (no profile needed to be refused)."""
    return world.make_org("Another Shop", kind="merchant")


def test_wallet_approves_a_test_payment_and_the_counter_shows_processing(
    world: World, web_for: Callable[..., Web]
) -> None:
    """Test mode's magic amounts (the sandbox's guard): 900.10 waits for the payer's approval, which
    the wallet page gives with a button; 900.11's approval fails; 900.20 processes (held)."""
    wallet = world.wallet["id"]

    def pay(amount: int) -> str:
        intent = ok(world.merchant_api.post("/v1/payment_intents", json={"amount": amount, "currency": "TWD"}))
        paid = ok(world.consumer_api.post(f"/v1/wallets/{wallet}/payments", json={"payment_intent": intent["id"]}))
        return str(paid["payment_intent"])

    pi = pay(900_10)
    consumer = web_for(world.consumer_org, locale="zh_TW")
    home = consumer.get(f"/wallet?wallet={wallet}").text
    assert "等待您核准" in home and pi in home
    receipt = consumer.get(f"/wallet/payments/{pi}").text
    assert "核准測試付款" in receipt
    shop = web_for(world.merchant_org)
    assert "Waiting for the payer&#39;s approval" in shop.get(f"/payments/{pi}").text
    assert consumer.post(f"/wallet/payments/{pi}/approve", {"wallet": wallet}, csrf=False).status_code == 403
    approved = consumer.post(f"/wallet/payments/{pi}/approve", {"wallet": wallet})
    assert approved.status_code == 303 and approved.headers["location"] == f"/wallet/payments/{pi}"
    assert ok(world.merchant_api.get(f"/v1/payment_intents/{pi}"))["status"] == "succeeded"
    assert "核准測試付款" not in consumer.get(f"/wallet/payments/{pi}").text
    assert pi not in consumer.get(f"/wallet?wallet={wallet}").text

    failing = pay(900_11)
    assert consumer.post(f"/wallet/payments/{failing}/approve", {"wallet": wallet}).status_code == 303
    intent = ok(world.merchant_api.get(f"/v1/payment_intents/{failing}"))
    assert intent["last_payment_error"]["code"] == "payer_authentication_failed"
    assert "付款人核准失敗" in consumer.get(f"/wallet/payments/{failing}").text

    processing = pay(900_20)  # settles after DIGIPLUS_SANDBOX_PROCESSING_SECONDS (5 s): still processing here
    status = shop.get(f"/payments/{processing}/status").text
    assert "Processing" in status and 'hx-trigger="every 1s"' in status  # still polled: not final
    assert "處理中" in consumer.get(f"/wallet/payments/{processing}").text
