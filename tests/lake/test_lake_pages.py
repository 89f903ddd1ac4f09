"""The import pages: upload with CSRF, the report (rows, columns, reasons), zh-TW, who may use them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_lake_imports import CSV

from digiplus.core.db import Database
from digiplus.identity import service
from digiplus.identity.schemas import UserCreate
from digiplus.lake import Lake

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def browser_for(app: Any, db: Database) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def _make(org_id: str, locale: str = "en", role: str = "owner") -> TestClient:
        email = f"user{len(clients)}@example.com"
        with db.session() as s:
            user = service.create_user(s, UserCreate(email=email, name="Lin", password=PASSWORD, locale=locale))  # type: ignore[arg-type]
            service.add_member(s, None, org_id, user.id, role)  # type: ignore[arg-type]
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        token = _CSRF.search(client.get("/login").text)
        assert token
        r = client.post(
            "/login",
            data={"email": email, "password": PASSWORD, "next": "/", "csrf_token": token.group(1)},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        return client

    yield _make
    for client in clients:
        client.__exit__(None, None, None)


def _upload(client: TestClient, content: str, **form: str) -> Any:
    token = _CSRF.search(client.get("/insight/imports").text)
    assert token
    return client.post(
        "/insight/imports",
        data={"csrf_token": token.group(1), **form},
        files={"file": ("pos.csv", content.encode(), "text/csv")},
        follow_redirects=False,
    )


def test_a_merchant_uploads_and_reads_the_report(
    db: Database, lake: Lake, make_org: Callable[..., str], browser_for: Callable[..., TestClient]
) -> None:
    shop_org = make_org("Old Shop", kind="merchant")
    browser = browser_for(shop_org)
    page = browser.get("/insight/imports")
    assert page.status_code == 200 and "Sales history import" in page.text and "Nothing imported yet." in page.text
    sent = _upload(browser, CSV)
    assert sent.status_code == 303
    report = browser.get(sent.headers["location"])
    assert report.status_code == 200
    text = report.text
    assert 'id="import-counts"' in text and '>4</span><span class="stat-label">Imported' in text
    assert '<td class="num">6</td><td class="mono">time</td>' in text  # row 6, bad time
    assert "too many decimals" in text and "12.345 has more decimals than TWD allows (2)" in text
    listed = browser.get("/insight/imports").text
    assert "pos.csv" in listed and "2025-03-01 – 2025-03-02" in listed

    no_csrf = browser.post("/insight/imports", files={"file": ("pos.csv", b"x", "text/csv")}, follow_redirects=False)
    assert no_csrf.status_code == 403
    empty = _upload(browser, "")
    assert empty.status_code == 422 and "The file is empty." in empty.text


def test_the_pages_in_zh_tw_and_for_others(
    db: Database, lake: Lake, make_org: Callable[..., str], browser_for: Callable[..., TestClient]
) -> None:
    shop_org = make_org("Old Shop", kind="merchant")
    zh = browser_for(shop_org, locale="zh_TW")
    assert "銷售紀錄匯入" in zh.get("/insight/imports").text
    job = _upload(zh, CSV).headers["location"]
    assert "匯入" in zh.get(job).text

    rival = browser_for(make_org("Rival", kind="merchant"))
    assert rival.get(job).status_code == 404
    viewer = browser_for(shop_org, role="viewer")
    assert viewer.get("/insight/imports").status_code == 403

    operator = browser_for(make_org("Platform", kind="operator"))
    page = operator.get("/insight/imports").text
    assert f'<option value="{shop_org}">Old Shop</option>' in page  # the operator picks the merchant
    sent = _upload(operator, CSV, merchant=shop_org)
    assert sent.status_code == 303 and "Old Shop" in operator.get(sent.headers["location"]).text
