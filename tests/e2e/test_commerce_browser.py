"""The commerce acceptance test in a real browser: a buyer in Japan browses the tea shop in
Japanese with prices in JPY, checks out, pays from a JPY wallet (payments converts through its FX
quote); the merchant ships the order from the admin pages. Screenshots go to
``var/screenshots/commerce-*.png``."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher
from test_browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, server  # noqa: F401  (server is a fixture)

from digiplus.commerce.service import catalogue, discounts, markets, shipping, stores
from digiplus.core.context import Caller
from digiplus.core.db import Database
from digiplus.identity import service as identity
from digiplus.identity.schemas import OrganizationCreate, UserCreate
from digiplus.payments.service import banks, merchants, topups, wallets

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium)")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")

PASSWORD = "correct horse battery staple"
MERCHANT, BUYER = "chen@alishan.example", "hanako@example.jp"


@pytest.fixture
def tea_shop(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(identity, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    with database.session() as s:
        m = identity.create_organization(s, OrganizationCreate(name="阿里山茶 Alishan Tea", kind="merchant"))
        c = identity.create_organization(s, OrganizationCreate(name="山田花子", kind="consumer"))
        for email, org, name in ((MERCHANT, m.id, "Chen"), (BUYER, c.id, "Hanako")):
            user = identity.create_user(s, UserCreate(email=email, name=name, password=PASSWORD))
            identity.add_member(s, None, org, user.id, "owner")
        mc, cc = Caller.system(m.id, False), Caller.system(c.id, False)
        bank = banks.create_bank_account(
            s, mc, bank_code="004", account_number="123456789012", holder_name="陳", currency_code="TWD"
        )
        merchants.upsert_profile(s, mc, display_name="阿里山茶", city="Chiayi", mcc="5499", bank_account_id=bank.id)
        stores.save_store(
            s, mc, {"slug": "alishan-tea", "name": "阿里山茶 Alishan Tea", "tagline": "高山茶 · High-mountain tea"}
        )
        markets.create_market(
            s, mc, "jp", {"countries": ["JP"], "currency": "JPY", "languages": ["ja", "en"], "rounding": "nearest_10"}
        )
        shipping.save_zone(
            s,
            mc,
            None,
            {
                "name": "Japan",
                "countries": ["JP"],
                "rates": [{"name": "EMS", "basis": "weight", "min": 0, "max": 5000, "amount": 45000}],
            },
        )
        tea = catalogue.save_product(
            s,
            mc,
            None,
            {
                "handle": "high-mountain-oolong",
                "title": "高山烏龍茶",
                "hs_code": "090230",
                "description": "阿里山海拔一千五百公尺的烏龍茶。",
                "translations": {"ja": {"title": "阿里山 高山烏龍茶", "description": "標高1500mの烏龍茶。"}},
            },
        )
        variant = catalogue.add_variant(
            s, mc, tea.id, {"sku": "OOL-150", "title": "150 g", "price": "450", "weight_grams": 200}
        )
        catalogue.set_stock(s, mc, variant.id, "Chiayi", 5)
        discounts.create_code(s, mc, {"code": "SAKURA", "kind": "fixed", "amounts_off": {"JPY": "500"}})
        wallet = wallets.create_wallet(s, cc, "JPY")
        own = banks.create_bank_account(
            s, cc, bank_code="812", account_number="000123456789", holder_name="Hanako", currency_code="JPY"
        )
        wallets.set_verification_level(s, cc, 2)
        topups.top_up(s, cc, wallet.id, bank_account_id=own.id, amount=50_000)


def _shot(page: sync_api.Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"commerce-{name}.png"), full_page=True)


def _login(page: sync_api.Page, base: str, email: str, path: str) -> None:
    page.goto(f"{base}/login?next={path}")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    sync_api.expect(page).to_have_url(re.compile(re.escape(path.split("?")[0])))


def test_buyer_in_japan_checks_out_in_jpy_and_the_merchant_ships(server: str, tea_shop: None) -> None:  # noqa: F811
    expect = sync_api.expect
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        buyer = browser.new_context(viewport={"width": 1100, "height": 900}, locale="ja-JP").new_page()
        buyer.set_default_timeout(15_000)
        errors: list[str] = []
        buyer.on("pageerror", lambda exc: errors.append(str(exc)))

        _login(buyer, server, BUYER, "/shop/alishan-tea")
        buyer.goto(f"{server}/shop/alishan-tea?country=JP")
        expect(buyer.locator("html")).to_have_attribute("lang", "ja")
        expect(buyer.get_by_text("JPY 2,220")).to_be_visible()  # TWD 450 → ¥2,222.22 → nearest 10
        _shot(buyer, "shop-ja")
        buyer.get_by_role("link", name="阿里山 高山烏龍茶").click()
        ld = buyer.locator("script[type='application/ld+json']").text_content() or ""
        assert '"priceCurrency": "JPY"' in ld and '"price": "2220"' in ld
        buyer.get_by_label("数量").fill("2")
        buyer.get_by_role("button", name="カートに入れる").click()
        expect(buyer.locator("#total")).to_have_text("JPY 6,662")  # 4,440 + EMS ¥2,222; under ¥10,000: no duty
        buyer.get_by_label("割引コード").fill("sakura")
        buyer.locator("#apply-code").click()
        expect(buyer.locator("tr.discount-line")).to_contain_text("SAKURA")
        expect(buyer.locator("#total")).to_have_text("JPY 6,162")  # ¥500 off the items
        _shot(buyer, "cart-ja")
        buyer.get_by_role("link", name="レジに進む").click()
        buyer.get_by_label("メールアドレス").fill(BUYER)
        buyer.get_by_label("お名前").fill("山田花子")
        buyer.get_by_label("住所").fill("渋谷1-2-3")
        buyer.get_by_label("市区町村").fill("東京都渋谷区")
        buyer.get_by_label("郵便番号").fill("150-0002")
        buyer.get_by_role("button", name="注文を確定する").click()
        expect(buyer.locator("#order-status")).to_have_attribute("data-status", "created")
        _shot(buyer, "order-ja")
        order_url = buyer.url
        buyer.get_by_role("button", name="ウォレットで支払う").click()
        expect(buyer.locator("#order-status")).to_have_attribute("data-status", "paid")
        expect(buyer.get_by_text("お支払い完了")).to_be_visible()
        _shot(buyer, "paid-ja")

        desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US").new_page()
        desk.set_default_timeout(15_000)
        order_id = order_url.rsplit("/", 1)[1]
        _login(desk, server, MERCHANT, f"/commerce/orders/{order_id}")
        expect(desk.locator("#order-status")).to_have_attribute("data-status", "paid")
        desk.locator("input[name=tracking_number]").fill("EE123456789TW")
        desk.locator("#fulfil").click()
        expect(desk.locator("#order-status")).to_have_attribute("data-status", "fulfilled")
        _shot(desk, "merchant-order")
        desk.goto(f"{server}/commerce")
        _shot(desk, "merchant-admin")
        assert errors == []
        browser.close()
