"""Loyalty in a real browser: a bubble-tea shop creates a points programme and a reward on its
pages; a customer pays from her wallet, sees her points on the wallet's loyalty page (on a phone, in zh-TW)
and uses the reward; the merchant sees the member's balance. Screenshots go to
``var/screenshots/loyalty-*.png``."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from test_browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, server  # noqa: F401  (server is a fixture)

from digiplus.core.context import Caller
from digiplus.core.db import Database
from digiplus.core.events import run_consumer
from digiplus.identity import service as identity
from digiplus.identity.schemas import OrganizationCreate, UserCreate
from digiplus.loyalty.service.consumer import CONSUMER as LOYALTY_CONSUMER
from digiplus.payments.service import banks, intents, merchants, paying, topups, wallets
from digiplus.settings import get_settings

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium)")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")

PASSWORD = "correct horse battery staple"
MERCHANT, CUSTOMER = "wang@daan-tea.example", "yichun@wallet.example"
_IDS: dict[str, str] = {}


@pytest.fixture
def tea_shop(database: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(identity, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    # The loyalty consumer runs right after each payment: no lag (PostgreSQL would wait for events to settle).
    monkeypatch.setenv("DIGIPLUS_CONSUMER_LAG_SECONDS", "0")
    get_settings.cache_clear()
    with database.session() as s:
        m = identity.create_organization(s, OrganizationCreate(name="大安珍奶 Da'an Bubble Tea", kind="merchant"))
        c = identity.create_organization(s, OrganizationCreate(name="陳怡君 Chen Yi-chun", kind="consumer"))
        for email, org, name, locale in ((MERCHANT, m.id, "Wang", "en"), (CUSTOMER, c.id, "Yi-chun", "zh_TW")):
            user = identity.create_user(s, UserCreate(email=email, name=name, password=PASSWORD, locale=locale))  # type: ignore[arg-type]
            identity.add_member(s, None, org, user.id, "owner")
        mc, cc = Caller.system(m.id, False), Caller.system(c.id, False)
        bank = banks.create_bank_account(
            s, mc, bank_code="004", account_number="123456789012", holder_name="王", currency_code="TWD"
        )
        merchants.upsert_profile(s, mc, display_name="大安珍奶", city="Taipei", mcc="5814", bank_account_id=bank.id)
        wallet = wallets.create_wallet(s, cc, "TWD")
        own = banks.create_bank_account(
            s, cc, bank_code="812", account_number="000123456789", holder_name="Chen", currency_code="TWD"
        )
        wallets.set_verification_level(s, cc, 2)
        topups.top_up(s, cc, wallet.id, bank_account_id=own.id, amount=500_000)
        _IDS.update(merchant=m.id, customer=c.id, wallet=wallet.id)
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def _pay(database: Database, amount: int) -> None:
    """The customer pays the shop from her wallet (as at the counter), then the loyalty consumer runs."""
    with database.session() as s:
        mc, cc = Caller.system(_IDS["merchant"], False), Caller.system(_IDS["customer"], False)
        intent = intents.create_intent(
            s, mc, amount=amount, currency_code="TWD", capture_method="automatic", description=None, metadata=None
        )
        paying.pay_from_wallet(
            s, cc, _IDS["wallet"], qr_payload=None, payment_intent=intent.id, amount=None, fx_quote=None
        )
    run_consumer(database, LOYALTY_CONSUMER)


def _shot(page: sync_api.Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"loyalty-{name}.png"), full_page=True)


def _login(page: sync_api.Page, base: str, email: str, path: str) -> None:
    page.goto(f"{base}/login?next={path}")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    sync_api.expect(page).to_have_url(re.compile(re.escape(path)))


def test_a_shop_starts_a_programme_and_a_customer_earns_and_uses_points(
    server: str,  # noqa: F811
    tea_shop: None,
    database: Database,
) -> None:
    expect = sync_api.expect
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US").new_page()
        desk.set_default_timeout(15_000)
        errors: list[str] = []
        desk.on("pageerror", lambda exc: errors.append(str(exc)))

        _login(desk, server, MERCHANT, "/loyalty")
        form = desk.locator("#programme-form")
        form.locator("input[name=name]").fill("Pearl Club 珍珠會員")
        form.locator("input[name=points_per_unit]").fill("2")
        form.locator("input[name=spend_unit]").fill("50")
        form.locator("input[name=signup_bonus]").fill("10")
        form.locator("input[name=stamps_required]").fill("6")
        form.locator("input[name=stamp_min_amount]").fill("50")
        form.locator("input[name=tiers]").fill("Silver 1000 150; Gold 5000 200")
        form.get_by_role("button", name="Create").click()
        expect(desk).to_have_url(re.compile(r"/loyalty/lp_"))
        programme_url = desk.url
        reward_form = desk.locator("form[action$='/rewards']")
        reward_form.locator("input[name=name]").fill("Free bubble milk tea 免費珍奶")
        reward_form.locator("select[name=kind]").select_option("amount_off")
        reward_form.locator("input[name=points_cost]").fill("20")
        reward_form.locator("input[name=amount_off]").fill("65")
        reward_form.get_by_role("button", name="Add reward").click()
        expect(desk.locator("#rewards")).to_contain_text("Free bubble milk tea")
        _shot(desk, "programme")

        _pay(database, 150_00)  # NT$150: 3 × NT$50 × 2 points = 6, + 10 for signing up = 16
        _pay(database, 120_00)  # 2 × 2 = 4 → 20

        phone = browser.new_context(
            viewport={"width": 390, "height": 844}, locale="zh-TW", is_mobile=True, has_touch=True
        ).new_page()
        phone.set_default_timeout(15_000)
        phone.on("pageerror", lambda exc: errors.append(str(exc)))
        _login(phone, server, CUSTOMER, "/wallet/loyalty")
        card = phone.locator("section.loyalty-card")
        expect(card).to_contain_text("Pearl Club")
        expect(card.locator(".balance-card .value")).to_have_text("20")
        expect(card).to_contain_text("●○○○○○")  # one stamp of six: a visit a day
        _shot(phone, "wallet-points")
        expect(card.locator("select[name=reward] option")).to_contain_text(["Free bubble milk tea"])
        card.locator("select[name=reward]").select_option(index=0)
        card.get_by_role("button", name="使用獎勵").click()
        expect(phone.locator("section.loyalty-card .balance-card .value")).to_have_text("0")
        _shot(phone, "wallet-redeemed")

        desk.goto(programme_url)
        desk.locator("#members a").first.click()
        expect(desk.locator("#member-balance")).to_have_text(re.compile(r"^\s*Points\s*0\s*$"))
        _shot(desk, "member")
        assert errors == []
        browser.close()
