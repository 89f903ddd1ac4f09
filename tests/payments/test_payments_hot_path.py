"""The wallet payment's request path (ADR 0011): one thread hop per request, the answer stored with
the change, and a bounded number of SQL statements per payment."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import anyio.to_thread
import pytest
from payments_helpers import funded_wallet, merchant, ok, party
from sqlalchemy import event, func, select

from digiplus.core.api.idempotency import IdempotencyKey
from digiplus.core.context import Caller
from digiplus.core.db import Database
from digiplus.core.errors import InvalidRequest, NotFound, ValidationFailed
from digiplus.identity.api_key_cache import api_key_cache
from digiplus.payments.models import PaymentIntent
from digiplus.payments.service import intents
from digiplus.payments.service.scenarios import scenario_for_mcc


@contextmanager
def counting_hops(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every call the app makes to the thread pool (``run_in_threadpool`` goes through anyio)."""
    hops: list[str] = []
    real = anyio.to_thread.run_sync

    async def counted(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        hops.append(getattr(func, "__qualname__", repr(func)))
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    yield hops
    monkeypatch.setattr(anyio.to_thread, "run_sync", real)


@contextmanager
def counting_statements(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)


def test_each_request_of_a_payment_makes_one_thread_hop_and_stores_its_answer(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, shop = party(api_for, make_org, "Tea shop", "merchant")
    merchant(shop, "Tea shop", "5812")
    _, payer = party(api_for, make_org, "Payer", "consumer")
    wallet = funded_wallet(payer, 500_00)
    frozen = time.monotonic()  # no revocation check falls due while hops are counted
    monkeypatch.setattr(api_key_cache, "clock", lambda: frozen)
    api_key_cache.clear()
    ok(shop.post("/v1/payment_intents", json={"amount": 10_00}))  # the keys are cached from here on
    ok(payer.get(f"/v1/wallets/{wallet['id']}"))
    with counting_hops(monkeypatch) as hops:
        create = shop.post("/v1/payment_intents", json={"amount": 120_00}, headers={"Idempotency-Key": "c-1"})
        assert len(hops) == 1, hops  # the route, which renders the answer and commits
        pay = payer.post(
            f"/v1/wallets/{wallet['id']}/payments",
            json={"payment_intent": ok(create)["id"]},
            headers={"Idempotency-Key": "p-1"},
        )
        assert len(hops) == 2, hops
    assert ok(pay)["status"] == "succeeded"
    # Both answers were stored with the change and replay byte for byte.
    again = payer.post(
        f"/v1/wallets/{wallet['id']}/payments",
        json={"payment_intent": create.json()["id"]},
        headers={"Idempotency-Key": "p-1"},
    )
    assert again.headers.get("Idempotent-Replayed") == "true" and again.content == pay.content
    replay = shop.post("/v1/payment_intents", json={"amount": 120_00}, headers={"Idempotency-Key": "c-1"})
    assert replay.headers.get("Idempotent-Replayed") == "true" and replay.content == create.content
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(IdempotencyKey)) == 2
        assert s.scalar(select(func.count()).where(PaymentIntent.status == "succeeded")) == 1
    # A declined payment (402) still answers with the intent untouched but for last_payment_error.
    big = ok(shop.post("/v1/payment_intents", json={"amount": 900_00}))
    declined = payer.post(f"/v1/wallets/{wallet['id']}/payments", json={"payment_intent": big["id"]})
    assert declined.status_code == 402 and declined.json()["error"]["code"] == "insufficient_funds"


def test_a_payment_over_http_takes_a_bounded_number_of_statements(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    _, shop = party(api_for, make_org, "Noodle shop", "merchant")
    merchant(shop, "Noodle shop", "5812")
    _, payer = party(api_for, make_org, "Payer", "consumer")
    wallet = funded_wallet(payer, 500_00)
    ok(shop.post("/v1/payment_intents", json={"amount": 10_00}))  # keys cached, chains started
    with counting_statements(db) as statements:
        create = shop.post("/v1/payment_intents", json={"amount": 120_00}, headers={"Idempotency-Key": "c-2"})
        created = len(statements)
        paid = payer.post(
            f"/v1/wallets/{wallet['id']}/payments",
            json={"payment_intent": ok(create)["id"]},
            headers={"Idempotency-Key": "p-2"},
        )
    assert ok(paid)["status"] == "succeeded"
    # Through SQLAlchemy (the ledger writes its rows on the driver's cursor, counted once here):
    # creating: the key, the profile, the intent, its event, the audit entry (3), the stored answer;
    # paying: the key, intent+profile+books, wallet, limits, the ledger, the intent, event, audit (3),
    # the stored answer. No SELECT of an intent just written (a column left unset is loaded lazily).
    assert not [s for s in statements[:created] if s.lstrip().startswith("SELECT payments_payment_intents")]
    assert created <= 10, statements[:created]
    assert len(statements) <= 25, statements


def test_creating_an_intent_the_short_way_or_the_long_way_gives_the_same_answers(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    shop_org, shop = party(api_for, make_org, "Bookshop", "merchant")
    merchant(shop, "Bookshop", "5942")
    bare_org = make_org("No profile yet", kind="merchant")
    args: dict[str, Any] = {"currency_code": "TWD", "capture_method": "manual", "description": "d", "metadata": None}
    with db.session() as s:
        intent = intents.create_intent(s, Caller.system(shop_org, False), amount=250_00, **args)
        assert (intent.mcc, intent.scenario, intent.capture_method, intent.status) == (
            "5942",
            scenario_for_mcc("5942"),
            "manual",
            "requires_payment_method",
        )
        built = intents.intent_data(intent)
    with db.session() as s:  # what was written is what the object said
        stored = s.execute(select(PaymentIntent).where(PaymentIntent.id == built["id"])).scalar_one()
        assert intents.intent_data(stored) == built
    with db.session() as s, pytest.raises(NotFound):  # no profile: 404 first, whatever else is wrong (as before)
        intents.create_intent(s, Caller.system(bare_org, False), amount=0, **args)
    with db.session() as s, pytest.raises(InvalidRequest) as wrong_currency:
        intents.create_intent(s, Caller.system(shop_org, False), amount=100, **{**args, "currency_code": "USD"})
    assert wrong_currency.value.code == "currency_not_accepted"
    with db.session() as s, pytest.raises(ValidationFailed) as wrong_capture:
        intents.create_intent(s, Caller.system(shop_org, False), amount=100, **{**args, "capture_method": "later"})
    assert wrong_capture.value.param == "capture_method"
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(PaymentIntent)) == 1
