"""The merchant's insight pages in a real browser: the charts render (SVG drawn by vega-embed),
in English and in zh-TW; screenshots go to ``var/screenshots/insight-*.png`` for a person to look at."""

from __future__ import annotations

import random
import re
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from test_browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, server  # noqa: F401  (server is a fixture)

from digiplus.core.db import Database
from digiplus.identity import service as identity
from digiplus.identity.schemas import OrganizationCreate, UserCreate
from digiplus.insight.service.frame import taipei_today
from digiplus.lake import get_lake

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "insight"))
from insight_helpers import FactsBuilder

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium)")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")

PASSWORD = "correct horse battery staple"
EMAIL = "hua@teahouse.example"
MENU = ["bubble-tea", "green-tea", "egg-tart", "pineapple-cake", "scallion-pancake", "oolong"]


def a_year_of_sales(org_id: str) -> FactsBuilder:
    """About 2,000 payments over the last year from 220 regulars and visitors (deterministic)."""
    rng = random.Random(7)
    today = taipei_today()
    b = FactsBuilder()
    for c in range(220):
        first = rng.randint(0, 360)
        rate = rng.choice((2, 4, 7, 14, 30, 60))
        foreign = rng.random() < 0.12
        country, cur, rate_fx = rng.choice((("JP", "JPY", 4.6), ("KR", "KRW", 42.0), ("US", "USD", 0.031)))
        day = first
        while day >= 0 and rng.random() > 0.04:
            when = today - timedelta(days=day)
            hour = rng.choice((8, 9, 12, 12, 13, 15, 18, 19, 20, 21))
            items = rng.sample(MENU, rng.randint(1, 3))
            if "egg-tart" in items and rng.random() < 0.6 and "bubble-tea" not in items:
                items.append("bubble-tea")
            amount = 3_500 + 4_000 * len(items) + rng.randint(0, 20) * 100
            pid = b.pay(
                f"cus_{c:04d}",
                f"{when} {hour:02d}:{rng.randint(0, 59):02d}",
                amount,
                merchant=org_id,
                country=country if foreign else "TW",
                payer_currency=cur if foreign else "TWD",
                payer_amount=round(amount * rate_fx) if foreign else amount,
                scenario=rng.choice(("livelihood_consumption", "livelihood_consumption", "leisure_tourism")),
                method=rng.choice(("wallet", "wallet", "payment_code")),
                items=items,
                payment_id=f"{org_id}_{len(b.payments)}",
            )
            if rng.random() < 0.02:
                b.refund(pid, f"{when} 22:00", amount // 2)
            day -= max(1, int(rng.expovariate(1 / rate)))
    return b


@pytest.fixture
def merchant(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(identity, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    with database.session() as s:
        org = identity.create_organization(s, OrganizationCreate(name="花茶屋 Hua's Tea House", kind="merchant"))
        user = identity.create_user(s, UserCreate(email=EMAIL, name="Hua", password=PASSWORD))
        identity.add_member(s, None, org.id, user.id, "owner")
    a_year_of_sales(org.id).write(get_lake())


def _charts_drawn(page: sync_api.Page, ids: list[str]) -> None:
    page.wait_for_function(
        """(ids) => ids.every(id => {
            const el = document.querySelector(id + ' svg');
            return el && el.getBoundingClientRect().height > 50 && el.querySelectorAll('path, rect').length > 3;
        })""",
        arg=ids,
        timeout=60_000,
    )


def _shot(page: sync_api.Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"insight-{name}.png"), full_page=True)


def test_merchant_sees_the_insight_charts(server: str, merchant: None) -> None:  # noqa: F811
    expect = sync_api.expect
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US").new_page()
        page.set_default_timeout(180_000)
        page.set_default_navigation_timeout(180_000)
        page.goto(f"{server}/insight")
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(f"{server}/insight")
        expect(page.get_by_role("link", name="Insight")).to_be_visible()
        overview = ["#chart-sales", "#chart-heatmap", "#chart-scenarios", "#chart-methods", "#chart-returning"]
        _charts_drawn(page, overview)
        expect(page.locator("#foreign-visitors tbody tr").first).to_be_visible()
        _shot(page, "overview-en")

        page.get_by_role("link", name="Customers", exact=True).click()
        _charts_drawn(page, ["#chart-segments", "#chart-cohorts", "#chart-clv"])
        expect(page.locator("#basket-rules tbody tr").first).to_be_visible()
        expect(page.locator("#top-clv tbody tr")).to_have_count(10)
        _shot(page, "customers-en")
        page.locator(".seg-list a", has_text=re.compile("^At risk")).click()
        expect(page.get_by_role("heading", name="Segment: At risk")).to_be_visible()
        with page.expect_download() as download:
            page.locator("a[href^='/insight/segment_customers.csv']").click()
        assert download.value.suggested_filename.startswith("insight-segment_customers-")

        # Switch the language on a light page: the switch reloads the page it was pressed on.
        page.goto(f"{server}/api-keys")
        page.get_by_role("button", name="繁體中文").click()
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hant-TW")
        page.goto(f"{server}/insight")
        _charts_drawn(page, overview)
        _shot(page, "overview-zh-TW")
        page.goto(f"{server}/insight/customers")
        _charts_drawn(page, ["#chart-segments", "#chart-cohorts", "#chart-clv"])
        _shot(page, "customers-zh-TW")
        browser.close()
