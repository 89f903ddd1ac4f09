"""The ledger pages: the account list, and an account with its chart data and transfers table."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from ledger_helpers import DMNEC, Book

from digiplus.core.db import Database
from digiplus.identity import service
from digiplus.identity.schemas import UserCreate

PASSWORD = "correct horse battery staple"


def logged_in(client: TestClient, db: Database, org_id: str, locale: str = "en") -> TestClient:
    with db.session() as s:
        user = service.create_user(
            s, UserCreate(email="ledger@example.com", name="Lee", password=PASSWORD, locale=locale)
        )  # type: ignore[arg-type]
        service.add_member(s, None, org_id, user.id, "owner")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    r = client.post(
        "/login",
        data={"email": "ledger@example.com", "password": PASSWORD, "next": "/", "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code in (302, 303), r.text
    return client


def test_account_list_and_detail(client: TestClient, db: Database, make_org: Callable[..., str]) -> None:
    book = Book(db, make_org())
    book.accounts(("bank", 0), ("wallet_alice", DMNEC))
    assert book.batch(
        [
            {"id": "t1", "debit_account_id": "bank", "credit_account_id": "wallet_alice", "amount": 120000},
            {"id": "t2", "debit_account_id": "wallet_alice", "credit_account_id": "bank", "amount": 4500},
            {"id": "t3", "debit_account_id": "wallet_alice", "credit_account_id": "bank", "amount": 500, "flags": 2},
        ]
    ) == ["ok", "ok", "ok"]
    web = logged_in(client, db, book.caller.org_id)
    listing = web.get("/ledger")
    assert listing.status_code == 200
    assert '<a href="/ledger/accounts/wallet_alice">wallet_alice</a>' in listing.text
    assert "TWD 1,200.00" in listing.text  # minor units are shown in major units with the currency
    detail = web.get("/ledger/accounts/wallet_alice")
    assert detail.status_code == 200
    assert '<script src="/static/vendor/vega/vega-embed.min.js"></script>' in detail.text
    spec = json.loads(re.search(r'id="balance-chart-spec">(.*?)</script>', detail.text, re.S).group(1))  # type: ignore[union-attr]
    posted = [p["value"] for p in spec["data"]["values"] if p["series"].startswith("Posted")]
    pending = [p["value"] for p in spec["data"]["values"] if p["series"].startswith("Pending")]
    assert posted == [1200.0, 1155.0, 1155.0] and pending == [0, 0, -5.0]
    assert "TWD −45.00" in detail.text and "TWD 1,155.00" in detail.text
    rows = re.findall(r"<tr>\s*<td>(t\d)</td>", detail.text)
    assert rows == ["t3", "t2", "t1"]
    assert web.get("/ledger/accounts/nobody").status_code == 404
    assert web.get("/static/vendor/vega/vega.min.js").status_code == 200


def test_amounts_in_major_units_and_points_as_integers() -> None:
    from digiplus.ledger.pages import format_amount

    assert format_amount(123450, "TWD", locale="en") == "TWD 1,234.50"
    assert format_amount(4800, "JPY", locale="zh_TW") == "JPY 4,800"
    assert format_amount(1234567, "KWD", locale="en") == "KWD 1,234.567"
    assert format_amount(-5, "TWD", locale="en", signed=True) == "TWD −0.05"
    assert format_amount(5, "TWD", locale="en", signed=True) == "TWD +0.05"
    assert format_amount(12345, "POINTS:coffee", locale="en") == "12,345"
    assert format_amount(3600, "GPU_SECONDS", locale="en") == "3,600"


def test_pages_in_zh_tw(client: TestClient, db: Database, make_org: Callable[..., str]) -> None:
    book = Book(db, make_org())
    book.accounts(("bank", 0))
    web = logged_in(client, db, book.caller.org_id, locale="zh_TW")
    page = web.get("/ledger").text
    assert "帳本" in page and "已入帳借方" in page
