"""The data catalogue in a real browser: Debian's Chromium drives the real app over HTTP.

On a small demo catalogue, a publisher logs in, switches to live mode, describes a dataset
with a Chinese title, uploads a CSV whose free-spaces column has "滿" (full) in one row of twelve,
sees the typed error report, corrects the column's type, validates again and so publishes;
then an anonymous visitor searches the public catalogue for 停車場 and finds it, in English
and in zh-TW. Screenshots of every page go to ``var/screenshots/data-*.png``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from test_browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, server  # noqa: F401  (server is a fixture)

from digiplus.core.db import Database
from digiplus.demo.data import build_demo_data
from digiplus.demo.data_catalogue import CITIES
from digiplus.demo.service import build_demo_world
from digiplus.identity import service as identity
from digiplus.identity.schemas import OrganizationCreate, UserCreate

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium)")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")

EMAIL, PASSWORD = "lin@parking.example", "correct horse battery staple"
TITLE = "臺北市公有停車場即時剩餘車位"
PUBLISHER = "臺北市停車管理處 Parking Office"
CSV = "停車場代碼,停車場名稱,剩餘車位,更新時間\n" + "".join(
    f"{i:03d},市府第{i}停車場,{'滿' if i % 12 == 0 else i * 3},2026-11-30 08:{i % 60:02d}:00\n" for i in range(1, 61)
)


@pytest.fixture
def world(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """A small demo catalogue (3 cities) and the publisher who will log in."""
    monkeypatch.setattr(identity, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    with database.session() as session:
        build_demo_world(session)
        org = identity.create_organization(session, OrganizationCreate(name=PUBLISHER, kind="agency"))
        user = identity.create_user(session, UserCreate(email=EMAIL, name="林美玲", password=PASSWORD, locale="en"))
        identity.add_member(session, None, org.id, user.id, "owner")
    build_demo_data(database, cities=CITIES[:3], ingests=6)


def _shot(page: sync_api.Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"data-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_publish_fix_a_column_type_and_find_it_by_a_chinese_word(
    server: str,  # noqa: F811
    world: None,
    tmp_path: Path,
) -> None:
    csv_file = tmp_path / "parking.csv"
    csv_file.write_text(CSV, encoding="utf-8")
    expect = sync_api.expect
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
        page = context.new_page()
        page.set_default_timeout(20_000)

        page.goto(f"{server}/data/publish")  # sent to the login page, and back after
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(f"{server}/data/publish")
        page.get_by_role("button", name="Live").click()  # the public catalogue is the live one
        expect(page.locator(".test-banner")).to_have_count(0)
        _shot(page, "01-catalogue-logged-in")
        page.locator(".sidenav").get_by_role("link", name="Publish data").click()
        _shot(page, "01-publish-list")

        page.get_by_role("link", name="New dataset").first.click()
        page.get_by_label("Title (Chinese)").fill(TITLE)
        page.get_by_label("Title (English)").fill("Taipei public car parks: free spaces in real time")
        page.get_by_label("Description (Chinese)").fill("臺北市公有路外停車場之即時剩餘車位，每五分鐘更新。")
        page.get_by_label("Keywords (Chinese)").fill("停車, 交通")
        page.get_by_label("Transport").check()
        page.get_by_label("Update frequency").select_option("5MIN")
        _shot(page, "02-new-dataset-form")
        page.get_by_role("button", name="Create dataset").click()
        expect(page.locator("#dataset-title")).to_have_text("Taipei public car parks: free spaces in real time")

        page.get_by_label("File").set_input_files(str(csv_file))
        page.get_by_role("button", name="Upload").click()  # HTMX posts it; the job fragment polls
        report = page.locator("#error-report")
        expect(report).to_be_visible(timeout=20_000)
        expect(page.locator("#job-failure")).to_contain_text("5 problem(s)")
        first = report.locator("tbody tr").first
        expect(first.locator("td").first).to_have_text("13")  # line 13 of the file: the 12th car park is '滿'
        expect(first).to_contain_text("剩餘車位")
        expect(first).to_contain_text("wrong type")
        _shot(page, "03-error-report")

        page.get_by_label("Type of 剩餘車位").select_option("string")
        page.get_by_label("Type of 停車場代碼").select_option("string")  # keep the leading zeros
        page.get_by_label("Change note").fill("剩餘車位 may say 滿 (full)")
        page.get_by_role("button", name="Validate again and publish").click()
        expect(page.locator("#job-status")).to_contain_text("published", timeout=30_000)
        expect(page.locator("#job-status")).to_contain_text("60 rows published as version 1")
        _shot(page, "04-published")

        page.get_by_role("link", name="See the public page").first.click()
        expect(page.locator("#preview")).to_contain_text("市府第1停車場")
        expect(page.locator("#preview")).to_contain_text("001")
        expect(page.locator("#profile")).to_contain_text("剩餘車位")
        _shot(page, "05-dataset-publisher-view")

        # An anonymous visitor: the public catalogue, a Chinese word inside the title.
        anon = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US").new_page()
        anon.set_default_timeout(20_000)
        anon.goto(f"{server}/data")
        expect(anon.get_by_role("heading", name="Data catalogue")).to_be_visible()
        _shot(anon, "06-catalogue-home")
        anon.get_by_label("Search datasets").fill("停車場")
        anon.get_by_role("button", name="Search").click()
        # The demo catalogue has a Taipei car-park dataset of the same title: ours is the parking office's.
        hit = anon.locator(".hit", has_text=TITLE).filter(has_text=PUBLISHER)
        expect(hit).to_be_visible()
        expect(hit.locator("mark").first).to_have_text("停車場")
        _shot(anon, "07-search-parking")
        anon.locator("#facet-theme input[value=TRAN]").check()  # HTMX swaps the results
        expect(anon).to_have_url(re.compile(r"theme=TRAN"))
        expect(anon.locator(".hit", has_text=TITLE).filter(has_text=PUBLISHER)).to_be_visible()

        anon.get_by_role("button", name="繁體中文").click()
        expect(anon.locator("html")).to_have_attribute("lang", "zh-Hant-TW")
        expect(anon.get_by_role("heading", name="資料目錄")).to_be_visible()
        expect(anon.locator("#result-count")).to_contain_text("個資料集")
        expect(anon.locator("#facet-theme")).to_contain_text("交通運輸")
        _shot(anon, "08-search-zh-tw")
        anon.locator(".hit", has_text=PUBLISHER).get_by_role("link", name=TITLE).click()
        expect(anon.get_by_role("heading", name="關於此資料集")).to_be_visible()
        expect(anon.locator("#schema")).to_contain_text("剩餘車位")
        expect(anon.get_by_role("link", name="下載 CSV")).to_be_visible()
        assert anon.locator('script[type="application/ld+json"]').count() == 1
        _shot(anon, "09-dataset-zh-tw")

        anon.goto(f"{server}/data/alliances")
        expect(anon.get_by_role("heading", name="資料聯盟")).to_be_visible()
        _shot(anon, "10-alliances-zh-tw")
        anon.get_by_role("link", name=re.compile("智慧交通數據聯盟")).click()
        expect(anon.locator("#chain-table")).to_contain_text("臺北市公車站牌與路線")  # public data in the chain
        expect(anon.locator("#chain-table")).not_to_contain_text("公車到站紀錄")  # alliance-only: members only
        anon.wait_for_function("() => !!document.querySelector('#chain-chart svg, #chain-chart canvas')")
        _shot(anon, "11-alliance-chain-zh-tw")
        anon.goto(f"{server}/data/demands")
        _shot(anon, "12-demands-zh-tw")
        anon.get_by_role("link", name="全臺公車即時到站資料").click()
        _shot(anon, "13-demand-zh-tw")
        browser.close()
