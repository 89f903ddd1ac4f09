"""Holding stock for unpaid orders, race-free on SQLite and PostgreSQL.

A hold is one conditional ``UPDATE … SET reserved = reserved + q WHERE on_hand - reserved >= q``
per stock level: the database checks and changes the row in one statement, so of two checkouts
for the last unit exactly one updates a row and the other finds none (PostgreSQL re-reads the
row after the first commits; SQLite runs one writer at a time). Levels are taken in a fixed order
(variant id, then location) so two checkouts never wait on each other in a cycle.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from digiplus.commerce.models import Reservation, StockLevel
from digiplus.core.errors import InvalidRequest


class OutOfStock(InvalidRequest):
    status_code = 409
    code = "out_of_stock"


def hold(session: Session, order_id: str, wanted: dict[str, int], skus: dict[str, str]) -> list[Reservation]:
    """Hold ``wanted`` (variant id → units) for the order, splitting across locations if need be."""
    made = []
    for variant_id in sorted(wanted):
        need = wanted[variant_id]
        levels = session.execute(
            select(StockLevel.id, StockLevel.on_hand - StockLevel.reserved)
            .where(StockLevel.variant_id == variant_id)
            .order_by(StockLevel.location)
        ).all()
        for level_id, free in levels:
            take = min(need, free)
            if take <= 0:
                continue
            done = session.execute(
                update(StockLevel)
                .where(StockLevel.id == level_id, StockLevel.on_hand - StockLevel.reserved >= take)
                .values(reserved=StockLevel.reserved + take)
            )
            if done.rowcount == 1:  # type: ignore[attr-defined]
                reservation = Reservation(order_id=order_id, stock_level_id=level_id, quantity=take, status="held")
                session.add(reservation)
                made.append(reservation)
                need -= take
            if need == 0:
                break
        if need > 0:
            raise OutOfStock(
                f"{skus.get(variant_id, variant_id)} is out of stock (another buyer may have just taken the last units).",
                param="lines",
            )
    session.flush()
    return made


def _held(session: Session, order_id: str) -> list[Reservation]:
    stmt = select(Reservation).where(Reservation.order_id == order_id, Reservation.status == "held")
    return list(session.scalars(stmt.order_by(Reservation.stock_level_id).with_for_update()))


def release(session: Session, order_id: str) -> int:
    """Give the order's held units back; returns how many."""
    units = 0
    for r in _held(session, order_id):
        session.execute(
            update(StockLevel)
            .where(StockLevel.id == r.stock_level_id)
            .values(reserved=StockLevel.reserved - r.quantity)
        )
        r.status, units = "released", units + r.quantity
    session.flush()
    return units


def commit(session: Session, order_id: str) -> int:
    """The order is paid: its held units leave the shelf (on hand and reserved both go down)."""
    units = 0
    for r in _held(session, order_id):
        session.execute(
            update(StockLevel)
            .where(StockLevel.id == r.stock_level_id)
            .values(reserved=StockLevel.reserved - r.quantity, on_hand=StockLevel.on_hand - r.quantity)
        )
        r.status, units = "committed", units + r.quantity
    session.flush()
    return units


def restock(session: Session, stock_level_id: int, quantity: int) -> None:
    """Returned units back on the shelf they left."""
    session.execute(
        update(StockLevel).where(StockLevel.id == stock_level_id).values(on_hand=StockLevel.on_hand + quantity)
    )
