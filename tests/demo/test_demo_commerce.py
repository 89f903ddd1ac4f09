"""The demo world's part 4: four brands selling abroad, orders paid from visitors' wallets; safe to re-run."""

from __future__ import annotations

from sqlalchemy import func, select

from digiplus.commerce.models import Order, Product, Store
from digiplus.core.db import Database
from digiplus.demo.commerce import build_demo_commerce
from digiplus.ledger import verify_ledger


def test_demo_shops_are_built_once(db: Database) -> None:
    with db.session() as session:
        first = build_demo_commerce(session)
    assert first.created_stores == 4 and first.orders == 10
    with db.read_session() as session:
        assert session.scalar(select(func.count()).select_from(Store)) == 4
        assert session.scalar(select(func.count()).select_from(Product)) == 9
        statuses = sorted(session.scalars(select(Order.status)))
        assert statuses.count("delivered") == 4 and "created" not in statuses
        assert {o.currency for o in session.scalars(select(Order))} == {"JPY", "USD"}
        assert verify_ledger(session).ok
    with db.session() as session:
        again = build_demo_commerce(session)
    assert (again.created_stores, again.orders) == (0, 0)
