"""The loyalty pages: a merchant creates a programme and a reward by form, a customer pays and sees
points, stamps and tier in the wallet (en and zh-TW); the nav entries follow the org kind."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from loyalty_helpers import consumer, ok, pay, shop, sync

from digiplus.core.db import Database
from digiplus.identity import service
from digiplus.identity.schemas import UserCreate

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Web:
    def __init__(self, client: TestClient) -> None:
        self.client = client

    def get(self, url: str) -> Any:
        return self.client.get(url)

    def post(self, url: str, data: dict[str, Any]) -> Any:
        found = _CSRF.search(self.client.get("/").text)
        assert found
        return self.client.post(url, data={**data, "csrf_token": found.group(1)}, follow_redirects=False)


@pytest.fixture
def web_for(app: Any, db: Database) -> Iterator[Callable[..., Web]]:
    clients: list[TestClient] = []
    counter = iter(range(1000))

    def _make(org_id: str, locale: str = "en") -> Web:
        email = f"loyal{next(counter)}@example.com"
        with db.session() as s:
            user = service.create_user(s, UserCreate(email=email, name="Lin", password=PASSWORD, locale=locale))  # type: ignore[arg-type]
            service.add_member(s, None, org_id, user.id, "owner")
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
        return Web(client)

    yield _make
    for client in clients:
        client.__exit__(None, None, None)


def test_merchant_pages_and_wallet_page(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str], web_for: Callable[..., Web]
) -> None:
    merchant_org, merchant_api = shop(api_for, make_org, "Night Market Tea")
    web = web_for(merchant_org)
    assert 'href="/loyalty"' in web.get("/").text and 'href="/wallet/loyalty"' not in web.get("/").text
    bad = web.post("/loyalty", {"name": "", "spend_unit": "100"})
    assert bad.status_code == 400 and 'id="form-error"' in bad.text
    made = web.post(
        "/loyalty",
        {
            "name": "Tea club",
            "spend_unit": "100",
            "points_per_unit": "2",
            "expiry_months": "6",
            "signup_bonus": "10",
            "stamps_required": "5",
            "stamp_min_amount": "50",
            "tiers": "Silver 1000 150; Gold 5000 200",
        },
    )
    assert made.status_code == 303, made.text
    programme_url = made.headers["location"]
    programme = ok(merchant_api.get("/v1/loyalty/programmes"))["data"][0]
    assert (programme["spend_unit"], programme["points_per_unit"], [t["min_spend"] for t in programme["tiers"]]) == (
        100_00,
        2,
        [1_000_00, 5_000_00],
    )
    assert (
        web.post(
            f"{programme_url}/rewards",
            {"name": "NT$30 off", "kind": "amount_off", "points_cost": "15", "amount_off": "30"},
        ).status_code
        == 303
    )
    page = web.get(programme_url).text
    assert "Tea club" in page and "NT$30 off" in page and "Silver" in page

    payer_org, payer_api, wallet = consumer(api_for, make_org, "Lin Mei")
    pay(merchant_api, payer_api, wallet, 420_00)  # 4 units × 2 = 8, + 10 sign-up
    sync(db)
    member = ok(merchant_api.get("/v1/loyalty/members"))["data"][0]
    assert member["balance"] == 18
    detail = web.get(f"/loyalty/members/{member['id']}").text
    assert 'id="member-balance"' in detail and ">18<" in detail

    wallet_web = web_for(payer_org)
    home = wallet_web.get("/wallet/loyalty")
    assert home.status_code == 200 and "Tea club" in home.text and ">18<" in home.text and "●○○○○" in home.text
    assert 'href="/wallet/loyalty"' in home.text and 'href="/loyalty"' not in home.text
    zh = web_for(payer_org, locale="zh_TW").get("/wallet/loyalty")
    assert zh.status_code == 200 and "點數" in zh.text
    # redeeming from the wallet without a payment hands the item over (points spent)
    reward = ok(merchant_api.get(f"/v1/loyalty/programmes/{programme['id']}/rewards"))["data"][0]
    assert (
        wallet_web.post("/wallet/loyalty/redeem", {"member": member["id"], "reward": reward["id"]}).status_code == 303
    )
    assert ok(payer_api.get(f"/v1/loyalty/members/{member['id']}"))["balance"] == 3
