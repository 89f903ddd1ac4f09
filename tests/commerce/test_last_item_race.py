"""Two buyers check out the last unit at the same moment: exactly one gets it (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from commerce_helpers import JP_ADDRESS, cart_with, ok, tea_store
from sqlalchemy import select

from digiplus.commerce.models import Cart, DiscountCode, Order, StockLevel, Store
from digiplus.commerce.service import checkout
from digiplus.commerce.service.stock import OutOfStock
from digiplus.core.context import Caller
from digiplus.core.db import Database
from digiplus.core.errors import InvalidRequest


def test_two_checkouts_for_the_last_item(
    api_for: Callable[..., Any], make_org: Callable[..., str], db: Database
) -> None:
    s = tea_store(api_for, make_org)
    carts = [cart_with(s["api"], "JP", [(s["cup"]["id"], 1)]) for _ in range(2)]
    ok(s["api"].get(f"/v1/commerce/carts/{carts[0]['id']}"))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def buy(cart: dict[str, Any]) -> None:
        barrier.wait()
        try:
            with db.session() as session:
                store = session.scalars(select(Store).where(Store.org_id == s["org"])).one()
                locked = session.scalars(select(Cart).where(Cart.id == cart["id"]).with_for_update()).one()
                checkout.checkout(
                    session,
                    store,
                    locked,
                    Caller.system(s["org"], False),
                    email="a@example.jp",
                    address=JP_ADDRESS,
                    expected_total=cart["quote"]["total"],
                    expected_currency="JPY",
                )
            outcomes.append("ordered")
        except OutOfStock:
            outcomes.append("out_of_stock")

    threads = [threading.Thread(target=buy, args=(c,)) for c in carts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ordered", "out_of_stock"]
    with db.read_session() as session:
        level = session.scalars(select(StockLevel).where(StockLevel.variant_id == s["cup"]["id"])).one()
        assert (level.on_hand, level.reserved) == (1, 1)
        assert len(session.scalars(select(Order)).all()) == 1


def test_two_checkouts_for_the_last_use_of_a_code(
    api_for: Callable[..., Any], make_org: Callable[..., str], db: Database
) -> None:
    s = tea_store(api_for, make_org)
    code = ok(
        s["api"].post(
            "/v1/commerce/discount_codes",
            json={"code": "LAST", "kind": "fixed", "amounts_off": {"JPY": "300"}, "usage_limit": 1},
        )
    )
    carts = []
    for _ in range(2):
        cart = cart_with(s["api"], "JP", [(s["oolong"]["id"], 1)])
        carts.append(ok(s["api"].post(f"/v1/commerce/carts/{cart['id']}/discount_code", json={"code": "LAST"})))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def buy(cart: dict[str, Any]) -> None:
        barrier.wait()
        try:
            with db.session() as session:
                store = session.scalars(select(Store).where(Store.org_id == s["org"])).one()
                locked = session.scalars(select(Cart).where(Cart.id == cart["id"]).with_for_update()).one()
                checkout.checkout(
                    session,
                    store,
                    locked,
                    Caller.system(s["org"], False),
                    email="a@example.jp",
                    address=JP_ADDRESS,
                    expected_total=cart["quote"]["total"],
                    expected_currency="JPY",
                )
            outcomes.append("ordered")
        except InvalidRequest as exc:
            outcomes.append(exc.code or "")

    threads = [threading.Thread(target=buy, args=(c,)) for c in carts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["discount_code_used_up", "ordered"]
    with db.read_session() as session:
        assert session.get_one(DiscountCode, code["id"]).times_used == 1
        assert len(session.scalars(select(Order)).all()) == 1
