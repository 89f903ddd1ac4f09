"""The payments acceptance test in a real browser (Debian's Chromium driving the real app).

The merchant (desktop) shows a dynamic QR for TWD 85; the consumer (a second browser context,
phone-sized) pastes that code into the wallet page and pays; the merchant's page turns to
"paid" without a reload (HTMX polls the status box). Then every payments page is visited in
English and in zh-TW, and saved to ``var/screenshots/payments-*.png`` for a person to look at.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import update
from test_browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, server  # noqa: F401  (server is a fixture)

from digiplus.core.context import Caller
from digiplus.core.db import Database, utcnow
from digiplus.identity import service as identity
from digiplus.identity.schemas import OrganizationCreate, UserCreate
from digiplus.payments.models import PaymentIntent
from digiplus.payments.service import banks, intents, merchants, paying, topups, wallets

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium)")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")

PASSWORD = "correct horse battery staple"
MERCHANT, CONSUMER = "ming@oyster.example", "mei@wallet.example"


@pytest.fixture
def shop(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """A night-market merchant with a month of sales and a consumer with a funded TWD wallet."""
    monkeypatch.setattr(identity, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    with database.session() as s:
        m = identity.create_organization(s, OrganizationCreate(name="阿明蚵仔煎 A-Ming's Oysters", kind="merchant"))
        c = identity.create_organization(s, OrganizationCreate(name="林美 Lin Mei", kind="consumer"))
        for email, org, name in ((MERCHANT, m.id, "Ming"), (CONSUMER, c.id, "Mei")):
            user = identity.create_user(s, UserCreate(email=email, name=name, password=PASSWORD))
            identity.add_member(s, None, org, user.id, "owner")
        mc, cc = Caller.system(m.id, False), Caller.system(c.id, False)
        bank = banks.create_bank_account(
            s, mc, bank_code="004", account_number="123456789012", holder_name="阿明", currency_code="TWD"
        )
        merchants.upsert_profile(s, mc, display_name="阿明蚵仔煎", city="Taipei", mcc="5812", bank_account_id=bank.id)
        wallet = wallets.create_wallet(s, cc, "TWD")
        own = banks.create_bank_account(
            s, cc, bank_code="812", account_number="000123456789", holder_name="Lin Mei", currency_code="TWD"
        )
        wallets.set_verification_level(s, cc, 2)
        topups.top_up(s, cc, wallet.id, bank_account_id=own.id, amount=5_000_000)
        # A month of earlier sales, for the charts and the list.
        now = utcnow()
        for i in range(24):
            intent = intents.create_intent(
                s,
                mc,
                amount=(6 + (i * 7) % 11) * 1_000,
                currency_code="TWD",
                capture_method="automatic",
                description=f"Order {1000 + i}",
                metadata={"order": f"A-{1000 + i}"},
            )
            paying.pay_from_wallet(
                s, cc, wallet.id, qr_payload=None, payment_intent=intent.id, amount=None, fx_quote=None
            )
            when = now - timedelta(days=(i * 5) % 29 + (1 if i % 3 else 0), hours=(i * 5) % 9)
            s.execute(update(PaymentIntent).where(PaymentIntent.id == intent.id).values(captured_at=when, created=when))


def _shot(page: sync_api.Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"payments-{name}.png"), full_page=True)


def _login(page: sync_api.Page, server: str, email: str, path: str) -> None:  # noqa: F811
    page.goto(f"{server}{path}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    sync_api.expect(page).to_have_url(f"{server}{path}")


def _fits_the_phone(page: sync_api.Page) -> None:
    """Nothing on a wallet page is wider than the phone (no sideways scrolling)."""
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > 391 && !el.closest('.sidenav'))
            .map(el => el.tagName + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right))"""
    )
    assert wide == [], wide


def _charts_drawn(page: sync_api.Page) -> None:
    page.wait_for_function(
        """() => ['#chart-hourly', '#chart-daily'].every(id => {
            const el = document.querySelector(id + ' svg');
            return el && el.getBoundingClientRect().height > 100;
        })"""
    )


def test_merchant_shows_a_qr_the_consumer_pays_it_and_it_turns_paid(server: str, shop: None) -> None:  # noqa: F811
    expect = sync_api.expect
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
        phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US", is_mobile=True)
        shop_page, wallet_page = desk.new_page(), phone.new_page()
        errors: list[str] = []
        for p in (shop_page, wallet_page):
            p.set_default_timeout(15_000)
            p.on("pageerror", lambda exc: errors.append(str(exc)))

        # The merchant: today's sales, then a dynamic QR for TWD 85.
        _login(shop_page, server, MERCHANT, "/payments")
        _charts_drawn(shop_page)
        _shot(shop_page, "sales-en")
        shop_page.get_by_role("link", name="New QR payment").first.click()
        shop_page.get_by_label("Amount").fill("85")
        shop_page.get_by_label("Description").fill("Table 4")
        _shot(shop_page, "new-en")
        shop_page.get_by_role("button", name="Show the QR code").click()
        expect(shop_page.locator("#payment-qr svg")).to_be_visible()
        expect(shop_page.locator("#payment-status")).to_have_text("QR code shown")
        payload = shop_page.locator("#qr-payload").input_value()
        assert payload.startswith("000201") and "5405" in payload
        _shot(shop_page, "qr-waiting-en")

        # The consumer pastes the code into the wallet and pays.
        _login(wallet_page, server, CONSUMER, "/wallet")
        expect(wallet_page.locator("#wallet-balance")).to_contain_text("TWD")
        _fits_the_phone(wallet_page)
        _shot(wallet_page, "wallet-home-en")
        wallet_page.get_by_role("link", name="Pay", exact=True).click()
        wallet_page.get_by_label("Paste the QR code's text").fill(payload)
        _shot(wallet_page, "wallet-pay-en")
        wallet_page.get_by_role("button", name="Continue").click()
        expect(wallet_page.locator("#preview-merchant")).to_have_text("阿明蚵仔煎")
        expect(wallet_page.locator("#preview-amount")).to_have_text("TWD 85.00")
        _shot(wallet_page, "wallet-confirm-en")
        wallet_page.get_by_role("button", name="Pay TWD 85.00").click()
        expect(wallet_page.locator("#receipt-amount")).to_have_text("TWD 85.00")
        _shot(wallet_page, "wallet-receipt-en")

        # The merchant's page turned to paid by itself (no reload).
        expect(shop_page.locator("#payment-status")).to_have_text("Paid", timeout=5_000)
        expect(shop_page.locator("#payment-status-box")).to_contain_text("Received TWD 85.00.")
        _shot(shop_page, "qr-paid-en")

        # The payment's page, with its ledger transfers and the refund form.
        shop_page.locator("a.mono", has_text=re.compile(r"^pi_")).click()
        expect(shop_page.locator("#payment-transfers")).to_contain_text("_charge")
        _shot(shop_page, "detail-en")
        shop_page.get_by_label("Part of it").check()
        shop_page.locator("#refund-form").get_by_label("Amount").fill("200")
        shop_page.locator("#refund-form").get_by_role("button", name="Refund").click()
        expect(shop_page.locator("#form-error")).to_have_text("Amount: The amount is more than what is left.")
        shop_page.locator("#refund-form").get_by_label("Amount").fill("20")
        shop_page.locator("#refund-form").get_by_role("button", name="Refund").click()
        expect(shop_page.locator("#messages")).to_contain_text("Refunded TWD 20.00.")
        _shot(shop_page, "detail-refunded-en")

        shop_page.goto(f"{server}/payments/list?q=A-1003")
        expect(shop_page.locator("#payments-list tbody tr")).to_have_count(1)
        shop_page.goto(f"{server}/payments/list")
        _shot(shop_page, "list-en")
        shop_page.goto(f"{server}/payments/sticker")
        expect(shop_page.locator("#counter-sticker svg")).to_be_visible()
        _shot(shop_page, "sticker-en")

        # zh-TW: the same pages in Chinese.
        shop_page.get_by_role("button", name="繁體中文").click()
        expect(shop_page.locator("html")).to_have_attribute("lang", "zh-Hant-TW")
        expect(shop_page.get_by_role("heading", name=re.compile("^櫃檯立牌"))).to_be_visible()
        _shot(shop_page, "sticker-zh-TW")
        for path, heading, name in (
            ("/payments", "支付", "sales-zh-TW"),
            ("/payments/list", "所有付款", "list-zh-TW"),
            ("/payments/settings", "商家設定", "settings-zh-TW"),
            ("/payments/payouts", "撥款", "payouts-zh-TW"),
            ("/payments/new", "新增 QR 收款", "new-zh-TW"),
        ):
            shop_page.goto(f"{server}{path}")
            expect(shop_page.get_by_role("heading", level=1, name=re.compile(f"^{heading}"))).to_be_visible()
            if path == "/payments":
                _charts_drawn(shop_page)
            _shot(shop_page, name)
        shop_page.get_by_label("金額").fill("42")
        shop_page.get_by_role("button", name="顯示 QR 碼").click()
        expect(shop_page.locator("#payment-status")).to_have_text("已顯示 QR 碼")
        _shot(shop_page, "qr-waiting-zh-TW")
        shop_page.locator("a.mono", has_text=re.compile(r"^pi_")).click()
        _shot(shop_page, "detail-zh-TW")

        wallet_page.get_by_role("button", name="繁體中文").click()
        expect(wallet_page.locator("html")).to_have_attribute("lang", "zh-Hant-TW")
        wallet_page.goto(f"{server}/wallet")
        expect(wallet_page.get_by_role("heading", name=re.compile("^錢包"))).to_be_visible()
        _shot(wallet_page, "wallet-home-zh-TW")
        wallet_page.get_by_role("link", name="付款碼").click()
        wallet_page.get_by_role("button", name="顯示付款碼").click()
        expect(wallet_page.locator("#payment-code-digits")).to_have_text(re.compile(r"^(\d{4} ){4}\d{2}$"))
        _shot(wallet_page, "wallet-code-zh-TW")
        wallet_page.goto(f"{server}/wallet/history")
        expect(wallet_page.locator("#wallet-history")).to_contain_text("阿明蚵仔煎")
        _shot(wallet_page, "wallet-history-zh-TW")
        wallet_page.goto(f"{server}/wallet/topup")
        _shot(wallet_page, "wallet-topup-zh-TW")
        wallet_page.goto(f"{server}/wallet/pay")
        _shot(wallet_page, "wallet-pay-zh-TW")
        assert errors == []
        browser.close()
