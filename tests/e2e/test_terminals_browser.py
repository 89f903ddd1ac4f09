"""The terminals acceptance test in a real browser (Debian's Chromium driving the real app).

The merchant adds a terminal on the fleet page and makes a pairing code; a tablet opens the
software terminal (/terminal), pairs with the code, keys TWD 85 and shows the QR; the consumer
(a phone) pastes that code into the wallet page and pays; the tablet turns to "Paid" by itself
(Server-Sent Events read by the page, signed with the terminal's own credential). The fleet
page then shows the terminal online with the sale. Screenshots: ``var/screenshots/terminals-*.png``.
"""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher
from test_browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, server  # noqa: F401  (server is a fixture)

from digiplus.core.context import Caller
from digiplus.core.db import Database
from digiplus.identity import service as identity
from digiplus.identity.schemas import OrganizationCreate, UserCreate
from digiplus.payments.service import banks, merchants, topups, wallets

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium)")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")

PASSWORD = "correct horse battery staple"
MERCHANT, CONSUMER = "ming@oyster.example", "mei@wallet.example"


@pytest.fixture
def shop(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
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
        topups.top_up(s, cc, wallet.id, bank_account_id=own.id, amount=5_000_00)


def _shot(page: sync_api.Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"terminals-{name}.png"), full_page=True)


def _login(page: sync_api.Page, server: str, email: str, path: str) -> None:  # noqa: F811
    page.goto(f"{server}{path}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    sync_api.expect(page).to_have_url(f"{server}{path}")


def test_pair_a_software_terminal_key_an_amount_pay_from_the_wallet_see_paid(server: str, shop: None) -> None:  # noqa: F811
    expect = sync_api.expect
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
        tablet_context = browser.new_context(viewport={"width": 800, "height": 1100}, locale="en-US", has_touch=True)
        phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US", is_mobile=True)
        office, tablet, wallet = desk.new_page(), tablet_context.new_page(), phone.new_page()
        errors: list[str] = []
        for p in (office, tablet, wallet):
            p.set_default_timeout(15_000)
            p.on("pageerror", lambda exc: errors.append(str(exc)))

        # The merchant adds a terminal and makes a pairing code.
        _login(office, server, MERCHANT, "/terminals")
        expect(office.locator("#fleet-empty")).to_be_visible()
        office.locator("#add-terminal-form").get_by_label("Name").fill("Counter 1")
        office.locator("#add-terminal-form").get_by_label("Location").fill("Front of the stall")
        office.get_by_role("button", name="Add the terminal").click()
        expect(office.get_by_role("heading", level=1, name=re.compile("^Counter 1"))).to_be_visible()
        office.get_by_role("button", name="Pairing code").click()
        code = office.locator("#pairing-code").inner_text()
        assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", code)
        _shot(office, "pairing-code-en")

        # The tablet pairs with the code (no login: the terminal gets its own credential).
        tablet.goto(f"{server}/terminal")
        expect(tablet.get_by_role("heading", name="Pair this terminal")).to_be_visible()
        _shot(tablet, "counter-pair-en")
        tablet.locator("#pair-code").fill(code.lower())
        tablet.get_by_role("button", name="Pair", exact=True).click()
        expect(tablet.locator("#counter-merchant")).to_have_text("阿明蚵仔煎")
        expect(tablet.locator("#counter-terminal")).to_have_text("Counter 1")
        for key in ("8", "5", "00"):
            tablet.locator(f'#keypad [data-key="{key}"]').click()
        expect(tablet.locator("#amount-display")).to_have_text("TWD 85.00")
        expect(tablet.get_by_role("button", name="Clear", exact=True)).to_be_visible()
        _shot(tablet, "counter-keypad-en")
        tablet.get_by_role("button", name="Charge").click()
        expect(tablet.locator("#counter-qr svg")).to_be_visible()
        expect(tablet.locator("#qr-amount")).to_have_text("TWD 85.00")
        payload = tablet.locator("#sale-payload").input_value()
        assert payload.startswith("000201")
        _shot(tablet, "counter-qr-en")

        # The consumer pays from the wallet page.
        _login(wallet, server, CONSUMER, "/wallet")
        wallet.get_by_role("link", name="Pay", exact=True).click()
        wallet.get_by_label("Paste the QR code's text").fill(payload)
        wallet.get_by_role("button", name="Continue").click()
        expect(wallet.locator("#preview-amount")).to_have_text("TWD 85.00")
        wallet.get_by_role("button", name="Pay TWD 85.00").click()
        expect(wallet.locator("#receipt-amount")).to_have_text("TWD 85.00")

        # The tablet turned to paid by itself.
        expect(tablet.locator("#done-word")).to_have_text("Paid", timeout=5_000)
        expect(tablet.locator("#done-amount")).to_have_text("TWD 85.00")
        expect(tablet.locator("#done-box")).to_have_class(re.compile("paid"))
        _shot(tablet, "counter-paid-en")

        # The fleet page: online, one sale today, and the day's totals match the ledger.
        office.goto(f"{server}/terminals")
        row = office.locator("#fleet-table tbody tr").first
        expect(row).to_contain_text("Online")
        expect(row).to_contain_text("TWD 85.00")
        _shot(office, "fleet-en")
        row.get_by_role("link", name="Counter 1").click()
        expect(office.locator("#totals-gross")).to_have_text("TWD 85.00")
        expect(office.locator("#totals-ledger")).to_have_text("Matches the ledger.")
        _shot(office, "terminal-en")

        # zh-TW: the counter and the fleet page in Chinese.
        tablet.get_by_role("button", name="新交易").or_(tablet.get_by_role("button", name="New sale")).click()
        tablet.get_by_role("button", name="繁體中文").click()
        expect(tablet.locator("html")).to_have_attribute("lang", "zh-Hant-TW")
        expect(tablet.get_by_role("button", name="收款")).to_be_visible()
        for key in ("4", "2", "00"):
            tablet.locator(f'#keypad [data-key="{key}"]').click()
        tablet.get_by_role("button", name="收款").click()
        expect(tablet.locator("#counter-qr svg")).to_be_visible()
        expect(tablet.locator("#sale-status")).to_have_text("等待付款人…")
        _shot(tablet, "counter-qr-zh-TW")
        tablet.get_by_role("button", name="取消").click()
        expect(tablet.locator("#done-word")).to_have_text("已取消")
        _shot(tablet, "counter-canceled-zh-TW")
        office.get_by_role("button", name="繁體中文").click()
        office.goto(f"{server}/terminals")
        expect(office.get_by_role("heading", level=1, name=re.compile("^收銀機"))).to_be_visible()
        _shot(office, "fleet-zh-TW")
        assert errors == []
        browser.close()
