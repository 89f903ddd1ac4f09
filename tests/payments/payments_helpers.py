"""Helpers shared by the payments tests: orgs of the right kind with API clients, and money set-up."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from digiplus.core.db import Database, utcnow


def party(api_for: Callable[..., Any], make_org: Callable[..., str], name: str, kind: str) -> tuple[str, Any]:
    org = make_org(name, kind=kind)
    return org, api_for(org)


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["code"] == code, body
    return body  # type: ignore[no-any-return]


def merchant(api: Any, name: str = "阿明蚵仔煎", mcc: str = "5812") -> dict[str, Any]:
    bank = ok(
        api.post("/v1/bank_accounts", json={"bank_code": "004", "account_number": "123456789012", "holder_name": name})
    )
    return ok(
        api.post(
            "/v1/merchant_profile",
            json={"display_name": name, "city": "Taipei", "mcc": mcc, "bank_account": bank["id"]},
        )
    )


def funded_wallet(api: Any, amount: int, currency: str = "TWD", level: int | None = None) -> dict[str, Any]:
    wallet = ok(api.post("/v1/wallets", json={"currency": currency}))
    bank = ok(
        api.post(
            "/v1/bank_accounts",
            json={"bank_code": "812", "account_number": "000123456789", "holder_name": "Holder", "currency": currency},
        )
    )
    if level is not None:
        ok(api.post("/v1/wallet_profile", json={"verification_level": level}))
    if amount:
        topup = ok(api.post(f"/v1/wallets/{wallet['id']}/topups", json={"bank_account": bank["id"], "amount": amount}))
        assert topup["status"] == "succeeded"
    return ok(api.get(f"/v1/wallets/{wallet['id']}"))


def expire(db: Database, model: Any, object_id: str) -> None:
    with db.session() as session:
        session.execute(update(model).where(model.id == object_id).values(expires_at=utcnow() - timedelta(seconds=1)))
