"""Helpers of the settlement, payout and reconciliation tests: a merchant paid by a consumer
over HTTP, the merchant's ledger balances, and moving a capture back in time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from payments_helpers import funded_wallet, ok, party
from sqlalchemy import select, update

from digiplus.core.db import Database
from digiplus.core.events.models import Event
from digiplus.ledger import account_balance, get_account
from digiplus.payments.models import PaymentIntent
from digiplus.payments.service import books


class Shop:
    def __init__(self, org: str, api: Any, profile: dict[str, Any]) -> None:
        self.org, self.api, self.profile = org, api, profile


def shop(
    api_for: Callable[..., Any], make_org: Callable[..., str], name: str, account_number: str = "123456789012"
) -> Shop:
    org, api = party(api_for, make_org, name, "merchant")
    bank = ok(
        api.post("/v1/bank_accounts", json={"bank_code": "004", "account_number": account_number, "holder_name": name})
    )
    profile = ok(
        api.post(
            "/v1/merchant_profile",
            json={"display_name": name, "city": "Tainan", "mcc": "5812", "bank_account": bank["id"]},
        )
    )
    return Shop(org, api, profile)


def consumer(api_for: Callable[..., Any], make_org: Callable[..., str], amount: int = 50_000_00) -> tuple[Any, str]:
    _, api = party(api_for, make_org, "Consumer", "consumer")
    wallet = funded_wallet(api, amount, level=2)
    return api, wallet["id"]


def pay(merchant: Shop, payer: tuple[Any, str], amount: int, description: str | None = None) -> dict[str, Any]:
    """The merchant makes an intent; the consumer's wallet pays it (automatic capture)."""
    body: dict[str, Any] = {"amount": amount}
    if description is not None:
        body["description"] = description
    intent = ok(merchant.api.post("/v1/payment_intents", json=body))
    api, wallet = payer
    ok(api.post(f"/v1/wallets/{wallet}/payments", json={"payment_intent": intent["id"]}))
    paid = ok(merchant.api.get(f"/v1/payment_intents/{intent['id']}"))
    assert paid["status"] == "succeeded", paid
    return paid  # type: ignore[no-any-return]


def refund(merchant: Shop, intent_id: str, amount: int) -> dict[str, Any]:
    return ok(merchant.api.post("/v1/refunds", json={"payment_intent": intent_id, "amount": amount}))


def captured_at(db: Database, intent_id: str, moment: datetime) -> None:
    """Move a capture back in time (the ledger does not care when; settlement reads captured_at)."""
    with db.session() as session:
        session.execute(update(PaymentIntent).where(PaymentIntent.id == intent_id).values(captured_at=moment))


def balances(db: Database, org: str, currency: str = "TWD", livemode: bool = False) -> tuple[int, int]:
    """(pending settlement, available) of a merchant: posted credits less posted and pending debits."""
    with db.session() as session:
        ledger_books = books.platform_books(session, livemode)
        out = []
        for account_id in (
            books.merchant_pending_account(org, currency),
            books.merchant_available_account(org, currency),
        ):
            b = account_balance(get_account(session, ledger_books, account_id))
            out.append(b.credits_posted - b.debits_posted - b.debits_pending)
        return out[0], out[1]


def event_types(db: Database, org: str, prefix: str) -> list[str]:
    with db.session() as session:
        rows = session.scalars(
            select(Event.type).where(Event.org_id == org, Event.type.like(f"{prefix}%")).order_by(Event.id)
        )
        return list(rows)


def days(n: float) -> timedelta:
    return timedelta(days=n)
