"""Two buyers check out the last unit at the same moment: exactly one gets it (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from commerce_helpers import JP_ADDRESS, cart_with, ok, tea_store
from sqlalchemy import select

from digiplus.commerce.models import Cart, Order, StockLevel, Store
from digiplus.commerce.service import checkout
from digiplus.commerce.service.stock import OutOfStock
from digiplus.core.context import Caller
from digiplus.core.db import Database


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
