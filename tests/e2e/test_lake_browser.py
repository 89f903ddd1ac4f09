"""The history import page in a real browser: the night-market merchant's owner uploads an old
POS export, watches it being checked and reads the report (zh-TW, then en); screenshots go to
``var/screenshots/lake-*.png`` for a person to look at."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from test_browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, server  # noqa: F401  (server is a fixture)

from digiplus.core.db import Database
from digiplus.demo.service import DEMO_PASSWORD, build_demo_world
from digiplus.identity import service as identity
from digiplus.settings import get_settings

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium)")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")

OWNER = "ming@oyster.example"
EXPORT = (
    "time,customer,amount,currency,items,transaction_id\n"
    "2025-11-01 18:30:05,M-001,120,TWD,OYS-01:2:60:蚵仔煎,R-1\n"
    "2025-11-01 19:02:44,,35.5,TWD,,R-2\n"
    "2025-11-02 20:11:00,M-002,12.345,TWD,,R-3\n"
    "2025-11-02 20:15:00,M-002,90,YEN,,R-4\n"
    "yesterday,M-003,50,TWD,,R-5\n"
    "2025-11-03 18:00:00,M-001,-30,TWD,,R-6\n"
    "2025-11-03 18:05:00,M-003,150,TWD,OYS-01:two:60,R-7\n"
    "2025-11-03 18:40:00,M-001,70,TWD,OYS-01:1:70:蚵仔煎,R-1\n"
    "2025-11-04 21:00:00,M-004,210,TWD,OYS-01:3:70:蚵仔煎,R-9\n"
)


@pytest.fixture
def demo_world(database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DIGIPLUS_LAKE_URL", str(tmp_path / "lake"))
    get_settings.cache_clear()
    monkeypatch.setattr(identity, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    with database.session() as session:
        merchant = build_demo_world(session).merchant.id
    yield merchant
    get_settings.cache_clear()


def test_the_merchant_imports_its_history_and_reads_the_report(
    server: str,  # noqa: F811
    demo_world: str,
    tmp_path: Path,
) -> None:
    export = tmp_path / "舊收銀機匯出.csv"
    export.write_text(EXPORT, encoding="utf-8")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.set_default_timeout(20_000)
        expect = sync_api.expect
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        page.goto(f"{server}/insight/imports")
        page.get_by_label("Email").fill(OWNER)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(f"{server}/insight/imports")
        expect(page.locator("h1")).to_contain_text("銷售紀錄匯入")  # the owner reads zh-TW
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "lake-imports-zh-TW.png"), full_page=True)

        page.locator("#import-form input[type=file]").set_input_files(str(export))
        page.locator("#import-form button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/insight/imports/himp_[0-9A-Z]+$"))
        counts = page.locator("#import-counts")
        expect(counts).to_contain_text("已匯入")
        expect(page.locator("#error-report tbody tr")).to_have_count(6)
        expect(page.locator("#error-report")).to_contain_text("小數位數過多")
        page.screenshot(path=str(SCREENSHOTS / "lake-import-report-zh-TW.png"), full_page=True)

        page.get_by_role("button", name="English").click()
        expect(page.locator("#error-report")).to_contain_text("'R-1' was already used on row 2")
        expect(page.locator("#import-counts .stat").nth(1)).to_contain_text("3")
        page.screenshot(path=str(SCREENSHOTS / "lake-import-report-en.png"), full_page=True)
        assert errors == []
        browser.close()
