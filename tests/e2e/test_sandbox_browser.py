"""The sandbox in a real browser: the agency (live mode) opens the demo's active experiment and
sees its usage and charts drawn; a participant reads the disclosure. Screenshots go to
``var/screenshots/sandbox-*.png`` for a person to look at."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from test_browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, server  # noqa: F401  (server is a fixture)

from digiplus.core.db import Database
from digiplus.demo.sandbox import build_demo_sandbox
from digiplus.demo.service import build_demo_world
from digiplus.identity import service as identity
from digiplus.identity.schemas import UserCreate

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium)")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")

PASSWORD = "correct horse battery staple"
AGENCY = "officer@sandbox.example"


@pytest.fixture
def experiments(database: Database, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(identity, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    with database.session() as s:
        world = build_demo_world(s)
        made = build_demo_sandbox(s, world.orgs)
        user = identity.create_user(s, UserCreate(email=AGENCY, name="Officer", password=PASSWORD))
        identity.add_member(s, None, world.orgs["operator"].id, user.id, "owner")
    assert made.active is not None
    return made.active


def test_agency_supervises_the_active_experiment(server: str, experiments: str) -> None:  # noqa: F811
    expect = sync_api.expect
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US").new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{server}/sandbox")
        page.get_by_label("Email").fill(AGENCY)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("button", name="Live").click()
        page.goto(f"{server}/sandbox")
        expect(page.locator("#experiments")).to_contain_text("Campus instalments")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "sandbox-home-en.png"), full_page=True)
        page.goto(f"{server}/sandbox/experiments/{experiments}")
        expect(page.locator("#status")).to_have_text("active")
        expect(page.locator("#usage")).to_contain_text("TWD 1590.00")
        page.wait_for_function(
            """() => ['#chart-volume', '#chart-counts'].every(id => {
                const el = document.querySelector(id + ' svg');
                return el && el.getBoundingClientRect().height > 100 && el.getBoundingClientRect().width > 200;
            })"""
        )
        page.screenshot(path=str(SCREENSHOTS / "sandbox-experiment-en.png"), full_page=True)
        page.goto(f"{server}/sandbox/experiments/{experiments}/report")
        expect(page.locator("#totals")).to_contain_text("TWD 1590.00")
        page.screenshot(path=str(SCREENSHOTS / "sandbox-report-en.png"), full_page=True)
        assert errors == []
        browser.close()
