"""The acceptance test in a real browser: Debian's Chromium driving the real app over HTTP.

Logs in, creates an API key, switches the language to zh-TW and sees the key listed;
on the way it saves screenshots of each page to ``var/screenshots/`` for a person to look at.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from digiplus.core import worker
from digiplus.core.context import Caller
from digiplus.core.db import Database
from digiplus.identity import service
from digiplus.identity.schemas import ApiKeyCreate, OrganizationCreate, UserCreate

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium)")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
EMAIL, PASSWORD = "mei@example.com", "correct horse battery staple"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(database: Database) -> Iterator[str]:
    """The real app under uvicorn in a thread, on the test database."""
    from digiplus.app import create_app

    port = _free_port()
    config = uvicorn.Config(
        create_app(run_worker=False), host="127.0.0.1", port=port, log_config=None, lifespan="on", access_log=False
    )
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def seeded(database: Database) -> str:
    """An owner of a merchant org with one test key made earlier; returns the org id."""
    with database.session() as session:
        org = service.create_organization(session, OrganizationCreate(name="阿美小吃 Mei's Snacks", kind="merchant"))
        user = service.create_user(session, UserCreate(email=EMAIL, name="Mei", password=PASSWORD))
        service.add_member(session, None, org.id, user.id, "owner")
        service.create_api_key(session, Caller.system(org.id, False), ApiKeyCreate(name="POS terminal"))
        return org.id


def _shot(page: sync_api.Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_login_create_key_switch_to_zh_tw_and_see_it(server: str, seeded: str, database: Database) -> None:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
        page = context.new_page()
        page.set_default_timeout(15_000)
        expect = sync_api.expect

        page.goto(f"{server}/api-keys")  # not logged in: sent to the login page, and back after
        expect(page).to_have_url(re.compile(r"/login\?next=%2Fapi-keys$"))
        _shot(page, "01-login")
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(f"{server}/api-keys")
        expect(page.locator(".test-banner")).to_have_text("Test mode — test data only")

        page.locator(".sidenav").get_by_role("link", name="Home").click()
        expect(page.get_by_role("heading", name="Platform modules")).to_be_visible()
        _shot(page, "02-dashboard")

        page.locator(".sidenav").get_by_role("link", name="API keys").click()
        page.get_by_label("Name").fill("Checkout server")
        page.get_by_role("button", name="Create key").click()  # HTMX swaps in the shown-once secret
        secret_box = page.get_by_label("Secret key")
        expect(secret_box).to_have_value(re.compile(r"^sk_test_[A-Za-z0-9_\-]{40,}$"))
        secret = secret_box.input_value()
        expect(page.locator("#api-keys")).to_contain_text("Checkout server")
        _shot(page, "03-api-keys-en")

        page.get_by_role("button", name="繁體中文").click()
        expect(page.get_by_role("heading", name=re.compile("^API 金鑰"))).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hant-TW")
        expect(page.locator(".test-banner")).to_have_text("測試模式 — 僅限測試資料")
        row = page.locator("#api-keys tr", has_text="Checkout server")
        expect(row).to_contain_text(f"sk_test_…{secret[-4:]}")
        expect(row).to_contain_text("開發者")
        expect(page.locator("#api-keys")).to_contain_text("POS terminal")
        assert secret not in page.content()  # shown once only
        _shot(page, "04-api-keys-zh-TW")

        page.locator(".sidenav").get_by_role("link", name="Webhooks").click()
        page.get_by_label("端點網址").fill("http://127.0.0.1:9/digiplus-hooks")
        page.get_by_label("說明").fill("訂單出貨伺服器")
        page.get_by_role("button", name="新增端點").click()
        expect(page.get_by_label("簽章密鑰")).to_have_value(re.compile(r"^whsec_"))
        _shot(page, "05-webhooks-zh-TW")
        page.get_by_role("link", name="開啟端點").click()
        page.get_by_role("button", name="傳送 ping").click()
        expect(page.locator("#messages")).to_contain_text("ping 事件已送出")
        worker.run_once(database)  # the server runs no worker thread here: dispatch and deliver once
        page.reload()  # (the log also refreshes itself every 5 s through HTMX)
        deliveries = page.locator("#deliveries")
        expect(deliveries).to_contain_text("ping")
        expect(deliveries).to_contain_text("無回應")  # nothing listens on port 9: the attempt is logged as failed
        _shot(page, "06-webhook-detail-zh-TW")

        page.get_by_role("button", name="English").click()
        page.locator(".sidenav").get_by_role("link", name="Audit log").click()
        expect(page.locator("table")).to_contain_text("api_key.created")
        expect(page.locator("table")).to_contain_text(EMAIL)
        _shot(page, "07-audit-en")

        page.get_by_role("button", name="Live").click()
        expect(page.locator(".test-banner")).to_have_count(0)
        page.goto(f"{server}/api-keys")
        expect(page.locator("#api-keys")).not_to_contain_text("Checkout server")
        _shot(page, "08-api-keys-live-en")

        phone = browser.new_context(viewport={"width": 390, "height": 844}, storage_state=context.storage_state())
        mobile = phone.new_page()
        mobile.goto(f"{server}/")
        expect(mobile.get_by_role("heading", name="Platform modules")).to_be_visible()
        _shot(mobile, "09-dashboard-phone")
        for path in ("/api-keys", "/webhooks", "/audit", "/team"):  # wide tables scroll inside, never the page
            mobile.goto(f"{server}{path}")
            assert mobile.evaluate("document.documentElement.scrollWidth") <= 390, path
        _shot(mobile, "10-audit-phone")
        browser.close()
