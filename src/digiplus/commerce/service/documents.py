"""Paper for a parcel: the packing slip (what is in the box) and the commercial-invoice data
customs asks for (exporter, consignee, HS codes, origin, values, incoterm)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus.commerce.models import Order, Store
from digiplus.commerce.service.orders import get_order, lines_of
from digiplus.core.context import Caller
from digiplus.core.money import format_minor


def _store(session: Session, order: Order) -> Store:
    return session.scalars(select(Store).where(Store.org_id == order.org_id, Store.livemode == order.livemode)).one()


def packing_slip(session: Session, caller: Caller, order_id: str) -> dict[str, Any]:
    order = get_order(session, caller, order_id)
    store = _store(session, order)
    return {
        "object": "packing_slip",
        "order": order.id,
        "number": order.number,
        "from": {"name": store.name, "country": store.origin_country},
        "ship_to": dict(order.address),
        "shipping_method": (order.pricing or {}).get("shipping_name"),
        "lines": [
            {
                "sku": ln.sku,
                "title": ln.title,
                "quantity": ln.quantity,
                "shipped": ln.fulfilled_quantity,
                "to_ship": ln.quantity - ln.fulfilled_quantity,
                "weight_grams": ln.weight_grams * ln.quantity,
            }
            for ln in lines_of(session, order.id)
        ],
        "discounts": [
            {"kind": d["kind"], "label": d["label"], "amount": format_minor(d["amount"], order.currency)}
            for d in order.discounts or []
        ],
    }


def commercial_invoice(session: Session, caller: Caller, order_id: str) -> dict[str, Any]:
    order = get_order(session, caller, order_id)
    store = _store(session, order)
    lines = lines_of(session, order.id)
    return {
        "object": "commercial_invoice",
        "invoice_number": f"CI-{order.number}",
        "order": order.id,
        "date": order.created.date().isoformat(),
        "exporter": {"name": store.name, "country": store.origin_country, "org": store.org_id},
        "consignee": dict(order.address),
        "incoterm": order.duties_mode,  # DDP: duties paid by the seller; DAP: by the buyer on delivery
        "currency": order.currency,
        "reason_for_export": "sale",
        "lines": [
            {
                "description": ln.title,
                "sku": ln.sku,
                "hs_code": ln.hs_code,
                "origin_country": ln.origin_country,
                "quantity": ln.quantity,
                "unit_value": format_minor(ln.unit_price, order.currency),
                "total_value": format_minor(ln.line_total, order.currency),
                "discount": format_minor(ln.discount, order.currency),
                "net_weight_grams": ln.weight_grams * ln.quantity,
            }
            for ln in lines
        ],
        # the transaction value actually paid: customs value is declared after discounts
        "discounts": [
            {"kind": d["kind"], "label": d["label"], "amount": format_minor(d["amount"], order.currency)}
            for d in order.discounts or []
        ],
        "goods_value": format_minor(order.subtotal - order.discount, order.currency),
        "valuation": (order.pricing or {}).get("valuation"),
        "shipping": format_minor(order.shipping, order.currency),
        "duty": format_minor(order.duty, order.currency),
        "tax": format_minor(order.tax, order.currency),
        "total_weight_grams": sum(ln.weight_grams * ln.quantity for ln in lines),
    }
