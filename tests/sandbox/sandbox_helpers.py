"""Helpers shared by the sandbox tests: parties, a merchant, a funded wallet, an experiment taken live."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["code"] == code, body
    return body  # type: ignore[no-any-return]


def merchant(api: Any, name: str = "Fintech Startup") -> dict[str, Any]:
    bank = ok(
        api.post("/v1/bank_accounts", json={"bank_code": "004", "account_number": "123456789012", "holder_name": name})
    )
    return ok(
        api.post(
            "/v1/merchant_profile",
            json={"display_name": name, "city": "Taipei", "mcc": "5812", "bank_account": bank["id"]},
        )
    )


def funded_wallet(api: Any, amount: int) -> dict[str, Any]:
    wallet = ok(api.post("/v1/wallets", json={"currency": "TWD"}))
    bank = ok(
        api.post("/v1/bank_accounts", json={"bank_code": "812", "account_number": "000123456789", "holder_name": "H"})
    )
    topup = ok(api.post(f"/v1/wallets/{wallet['id']}/topups", json={"bank_account": bank["id"], "amount": amount}))
    assert topup["status"] == "succeeded"
    return ok(api.get(f"/v1/wallets/{wallet['id']}"))


APPLICATION = {
    "title": "Pay-later for night-market stalls",
    "description": "Consumers pay stalls in three instalments.",
    "period_months": 6,
    "limit_per_transaction": 500_00,
    "limit_per_participant": 800_00,
    "limit_total_exposure": 1_200_00,
    "limit_participants": 2,
    "risk_controls": "Per-transaction cap; daily review of exposure.",
    "disclosure_text": "This is an experiment under the FinTech sandbox; your protections differ.",
}


def live_experiment(applicant: Any, agency: Any, **overrides: Any) -> dict[str, Any]:
    """Draft → submitted → under_review → approved → active, returning the active experiment."""
    e = ok(applicant.post("/v1/sandbox/experiments", json={**APPLICATION, **overrides}))
    ok(applicant.post(f"/v1/sandbox/experiments/{e['id']}/submit"))
    ok(agency.post(f"/v1/sandbox/experiments/{e['id']}/review"))
    ok(agency.post(f"/v1/sandbox/experiments/{e['id']}/approve", json={"conditions": "Monthly reports."}))
    return ok(applicant.post(f"/v1/sandbox/experiments/{e['id']}/activate"))


Party = Callable[[str, str], tuple[str, Any]]
