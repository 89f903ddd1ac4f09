"""Helpers of the terminals tests: a merchant with a profile, payers with funded wallets, and a
client that signs its requests as a paired terminal does."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from digiplus.terminals import signing


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["code"] == code, body
    return body  # type: ignore[no-any-return]


def merchant(api: Any, name: str = "阿明蚵仔煎") -> dict[str, Any]:
    bank = ok(
        api.post("/v1/bank_accounts", json={"bank_code": "004", "account_number": "123456789012", "holder_name": name})
    )
    return ok(
        api.post(
            "/v1/merchant_profile",
            json={"display_name": name, "city": "Taipei", "mcc": "5812", "bank_account": bank["id"]},
        )
    )


def funded_wallet(api: Any, amount: int, currency: str = "TWD") -> dict[str, Any]:
    wallet = ok(api.post("/v1/wallets", json={"currency": currency}))
    bank = ok(
        api.post(
            "/v1/bank_accounts",
            json={"bank_code": "812", "account_number": "000123456789", "holder_name": "Holder", "currency": currency},
        )
    )
    ok(api.post("/v1/wallet_profile", json={"verification_level": 2}))
    if amount:
        ok(api.post(f"/v1/wallets/{wallet['id']}/topups", json={"bank_account": bank["id"], "amount": amount}))
    return ok(api.get(f"/v1/wallets/{wallet['id']}"))


def balance(api: Any, wallet_id: str) -> int:
    return int(ok(api.get(f"/v1/wallets/{wallet_id}"))["available"])


class TerminalClient:
    """Signs every request with the terminal's secret (a fresh nonce each time)."""

    def __init__(self, client: TestClient, terminal_id: str, secret: str) -> None:
        self.client, self.id, self.secret = client, terminal_id, secret

    def headers(self, method: str, path: str, body: bytes = b"", **kw: Any) -> dict[str, str]:
        target, _, query = path.partition("?")
        return {"Authorization": signing.sign(self.secret, self.id, method, target, body, query=query, **kw)}

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, headers=self.headers("GET", path, **kw))

    def post(self, path: str, payload: dict[str, Any] | None = None, **kw: Any) -> Any:
        body = json.dumps(payload or {}).encode()
        headers = {**self.headers("POST", path, body, **kw), "Content-Type": "application/json"}
        return self.client.post(path, content=body, headers=headers)


def pair_terminal(
    client: TestClient, shop: Any, name: str = "Counter 1", location: str = "Front"
) -> tuple[TerminalClient, dict[str, Any]]:
    terminal = ok(shop.post("/v1/terminals", json={"name": name, "location": location}))
    code = ok(shop.post(f"/v1/terminals/{terminal['id']}/pairing_code"))["code"]
    paired = ok(client.post("/v1/terminal/pair", json={"code": code, "app_version": "test/1"}))
    return TerminalClient(client, terminal["id"], paired["secret"]), paired


Party = Callable[..., Any]


@dataclass
class Shop:
    org: str
    api: Any
    profile: dict[str, Any]


@dataclass
class Payer:
    org: str
    api: Any
    wallet: dict[str, Any]


PASSWORD = "correct horse battery staple"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Web:
    """A logged-in browser (its own cookies) that fills in the CSRF token of a page."""

    client: TestClient

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, **kw)

    def post(self, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        found = CSRF_FIELD.search(self.client.get("/terminals").text) or CSRF_FIELD.search(self.client.get("/").text)
        assert found
        kw.setdefault("follow_redirects", False)
        return self.client.post(url, data={"csrf_token": found.group(1), **(data or {})}, **kw)
