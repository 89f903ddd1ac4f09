"""The ledger pages in a real browser, on the demo world: Debian's Chromium drives the real app.

Logs in as the night-market merchant's owner, opens the account list and the merchant
balance, waits for vega to draw the balance-history chart, and saves screenshots in
zh-TW and en to ``var/screenshots/ledger-*.png`` for a person to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from test_browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, server  # noqa: F401  (server is a fixture)

from digiplus.core.db import Database
from digiplus.demo.books import MERCHANT_BALANCE
from digiplus.demo.service import DEMO_PASSWORD, build_demo_world
from digiplus.identity import service as identity

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium)")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")

OWNER = "ming@oyster.example"


@pytest.fixture
def demo_world(database: Database, monkeypatch: pytest.MonkeyPatch) -> str:
    """The demo world (17 users: cheap password hashing); returns the merchant's org id."""
    monkeypatch.setattr(identity, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    with database.session() as session:
        return build_demo_world(session).merchant.id


def _shot(page: sync_api.Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"ledger-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _chart_shot(page: sync_api.Page, name: str) -> None:
    """The top of an account page (balances and chart) at the size a person sees it."""
    page.screenshot(path=str(SCREENSHOTS / f"ledger-{name}.png"), full_page=False)


def _chart_drawn(page: sync_api.Page) -> None:
    """Wait until vega-embed has put a non-empty <svg> or <canvas> into the chart container."""
    page.wait_for_function(
        """() => {
            const el = document.querySelector('#balance-chart canvas, #balance-chart svg');
            if (!el) return false;
            const box = el.getBoundingClientRect();
            return box.width > 100 && box.height > 100;
        }"""
    )


def test_demo_ledger_pages_with_the_balance_chart(server: str, demo_world: str) -> None:  # noqa: F811
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
        page = context.new_page()
        page.set_default_timeout(15_000)
        expect = sync_api.expect
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        page.goto(f"{server}/ledger/accounts")
        expect(page).to_have_url(re.compile(r"/login\?next=%2Fledger%2Faccounts$"))
        page.get_by_label("Email").fill(OWNER)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(f"{server}/ledger/accounts")

        # The owner's own language is zh-TW.
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hant-TW")
        accounts = page.locator("#ledger-accounts")
        expect(accounts.locator("tbody tr")).to_have_count(11)
        stamps = accounts.locator("tr", has_text="oyster_points_members")
        expect(stamps).to_contain_text("POINTS:oyster")
        expect(stamps.locator("td.num").nth(1)).to_have_text(re.compile(r"^\d{1,3}(,\d{3})*$"))  # points: integers
        jpy = accounts.locator("tr", has_text="oyster_liquidity_jpy")
        expect(jpy.locator("td.num").nth(1)).to_have_text("JPY 17,400")
        _shot(page, "accounts-zh-TW")

        accounts.get_by_role("link", name=MERCHANT_BALANCE).click()
        expect(page).to_have_url(f"{server}/ledger/accounts/{MERCHANT_BALANCE}")
        _chart_drawn(page)
        expect(page.locator("#ledger-balance")).to_contain_text(re.compile(r"TWD [\d,]+\.\d\d"))
        expect(page.locator("#ledger-transfers")).to_contain_text("oyster_d27_fee")
        _shot(page, "merchant-balance-zh-TW")
        _chart_shot(page, "merchant-balance-top-zh-TW")

        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        _chart_drawn(page)
        expect(page.get_by_role("heading", name="Balance history")).to_be_visible()
        _shot(page, "merchant-balance-en")
        _chart_shot(page, "merchant-balance-top-en")

        page.goto(f"{server}/ledger/accounts/oyster_points_members")
        _chart_drawn(page)
        expect(page.locator("#ledger-transfers")).to_contain_text("oyster_d27_stamps")
        _chart_shot(page, "points-top-en")

        page.goto(f"{server}/ledger/accounts")
        _shot(page, "accounts-en")
        assert errors == []
        browser.close()
