"""A merchant's discount codes for its own shop, and what a code takes off a basket.

A code is a percentage of the items (floor to the minor unit) or a fixed amount per market
currency (a code without an amount in the order's currency does not apply there); it may ask for
a minimum item subtotal (per currency), run in a validity window ``[starts_at, ends_at)`` and have
a usage limit. Uses are counted at checkout by one conditional ``UPDATE`` in the checkout's
transaction (``take_use``), so two checkouts racing for the last use cannot both have it; an order
canceled before payment gives its use back (``give_back_use``). docs/commerce.md, "Discounts".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from digiplus.commerce.models import DiscountCode, Store
from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.db import utcnow
from digiplus.core.errors import Conflict, InvalidRequest, ValidationFailed
from digiplus.core.ids import id_for
from digiplus.core.money import currency, to_minor
from digiplus.core.tenancy import get_owned, object_base, scoped

CODE = r"[A-Z0-9][A-Z0-9_-]{2,39}"
KINDS = ("percent", "fixed")


class DiscountCodeRefused(InvalidRequest):
    """A code that does not apply to this basket (unknown, expired, used up, below its minimum…)."""

    error_type = "invalid_request_error"


@dataclass(frozen=True, slots=True)
class AppliedCode:
    code: DiscountCode
    amount: int  # minor units of the order currency


def normalize_code(text: str, *, param: str = "code") -> str:
    code = (text or "").strip().upper()
    if not re.fullmatch(CODE, code):
        raise ValidationFailed(
            "a discount code is 3–40 letters, digits, '-' or '_'", param=param, code="discount_code_invalid"
        )
    return code


def _percent(value: Any) -> str:
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        raise ValidationFailed(f"percent_off {value!r} is not a number", param="percent_off") from None
    if not rate.is_finite() or not 0 < rate <= 100 or rate.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValidationFailed(
            "percent_off is more than 0 and at most 100, with at most 2 decimals", param="percent_off"
        )
    return format(rate.normalize(), "f")


def _amounts(values: Any, param: str, *, positive: bool) -> dict[str, int]:
    """``{"JPY": "500", "USD": "4.99"}`` (major units) → minor units; more decimals than the currency has is refused."""
    if not isinstance(values, dict):
        raise ValidationFailed(f"{param} maps currency codes to amounts", param=param)
    out: dict[str, int] = {}
    for code, amount in values.items():
        cur = currency(str(code).upper(), param=f"{param}[{code}]")
        minor = to_minor(str(amount), cur.code, param=f"{param}[{code}]")
        if minor < 0 or (positive and minor == 0):
            raise ValidationFailed(f"{param}[{code}] must be {'positive' if positive else 'zero or more'}", param=param)
        out[cur.code] = minor
    return out


def _instant(value: Any, param: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationFailed(f"{param} is a Unix time in seconds", param=param)
    return datetime.fromtimestamp(value, UTC)


def _apply_fields(row: DiscountCode, fields: dict[str, Any]) -> None:
    if fields.get("kind") is not None:
        if fields["kind"] not in KINDS:
            raise ValidationFailed("kind is percent or fixed", param="kind")
        row.kind = fields["kind"]
    if fields.get("percent_off") is not None:
        row.percent_off = _percent(fields["percent_off"])
    if fields.get("amounts_off") is not None:
        row.amounts_off = _amounts(fields["amounts_off"], "amounts_off", positive=True)
    if fields.get("min_subtotal") is not None:
        row.min_subtotal = _amounts(fields["min_subtotal"], "min_subtotal", positive=False)
    for name in ("starts_at", "ends_at"):
        if name in fields:
            setattr(row, name, _instant(fields[name], name))
    if "usage_limit" in fields:
        limit = fields["usage_limit"]
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
            raise ValidationFailed("usage_limit is a positive integer, or null for none", param="usage_limit")
        row.usage_limit = limit
    if fields.get("active") is not None:
        row.active = bool(fields["active"])
    if row.kind == "percent" and row.percent_off is None:
        raise ValidationFailed("a percent code needs percent_off", param="percent_off")
    if row.kind == "fixed" and not row.amounts_off:
        raise ValidationFailed("a fixed code needs amounts_off (an amount per currency)", param="amounts_off")
    if row.kind == "fixed":
        row.percent_off = None
    else:
        row.amounts_off = {}
    starts, ends = _aware(row.starts_at), _aware(row.ends_at)
    if starts is not None and ends is not None and ends <= starts:
        raise ValidationFailed("ends_at is after starts_at", param="ends_at")


def create_code(session: Session, caller: Caller, fields: dict[str, Any]) -> DiscountCode:
    code = normalize_code(fields.get("code") or "")
    taken = session.scalar(scoped(DiscountCode, caller).where(DiscountCode.code == code))
    if taken is not None:
        raise Conflict(f"The code {code} exists already.", param="code", code="discount_code_exists")
    row = DiscountCode(
        id=id_for("discount_code"),
        org_id=caller.org_id,
        livemode=caller.livemode,
        code=code,
        kind=fields.get("kind") or "",
        amounts_off={},
        min_subtotal={},
        times_used=0,
        active=True,
    )
    _apply_fields(row, fields)
    session.add(row)
    session.flush()
    audit.record(session, caller, "discount_code.created", "discount_code", row.id, after=code_data(row))
    return row


def update_code(session: Session, caller: Caller, code_id: str, fields: dict[str, Any]) -> DiscountCode:
    row = get_owned(session, DiscountCode, code_id, caller, for_update=True)
    before = code_data(row)
    _apply_fields(row, {k: v for k, v in fields.items() if k != "code"})
    session.flush()
    audit.record(session, caller, "discount_code.updated", "discount_code", row.id, before=before, after=code_data(row))
    return row


def get_code(session: Session, caller: Caller, code_id: str) -> DiscountCode:
    return get_owned(session, DiscountCode, code_id, caller)


def codes_of(session: Session, caller: Caller) -> list[DiscountCode]:
    return list(session.scalars(scoped(DiscountCode, caller).order_by(DiscountCode.code)))


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive (they are stored in UTC)."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _refuse(message: str, code: str) -> DiscountCodeRefused:
    return DiscountCodeRefused(message, param="discount_code", code=code)


def code_for_basket(
    session: Session, store: Store, text: str, order_currency: str, subtotal: int, *, now: datetime | None = None
) -> AppliedCode:
    """The store's code ``text`` and what it takes off ``subtotal`` (the items, order currency), or why not."""
    code = normalize_code(text, param="discount_code")
    row = session.scalar(
        select(DiscountCode).where(
            DiscountCode.org_id == store.org_id, DiscountCode.livemode == store.livemode, DiscountCode.code == code
        )
    )
    if row is None or not row.active:  # another merchant's code is unknown here
        raise _refuse(f"{store.name} has no discount code {code}.", "discount_code_unknown")
    now = now or utcnow()
    starts, ends = _aware(row.starts_at), _aware(row.ends_at)
    if starts is not None and now < starts:
        raise _refuse(f"The code {code} is not valid before {starts:%Y-%m-%d %H:%M} UTC.", "discount_code_not_started")
    if ends is not None and now >= ends:
        raise _refuse(f"The code {code} expired on {ends:%Y-%m-%d %H:%M} UTC.", "discount_code_expired")
    if row.usage_limit is not None and row.times_used >= row.usage_limit:
        raise _refuse(f"The code {code} has been used as many times as it may be.", "discount_code_used_up")
    minimum = (row.min_subtotal or {}).get(order_currency)
    if minimum is not None and subtotal < minimum:
        raise _refuse(
            f"The code {code} needs items worth at least {minimum} {order_currency} (minor units); "
            f"the basket has {subtotal}.",
            "discount_code_minimum",
        )
    if row.kind == "percent":
        amount = int(Decimal(subtotal) * Decimal(row.percent_off or "0") / 100)  # floor: never more than stated
    else:
        fixed = (row.amounts_off or {}).get(order_currency)
        if fixed is None:
            raise _refuse(f"The code {code} does not apply to prices in {order_currency}.", "discount_code_currency")
        amount = fixed
    return AppliedCode(row, min(amount, subtotal))


def take_use(session: Session, code_id: str) -> None:
    """Count one use, unless the limit is reached (by a concurrent checkout too): one conditional UPDATE."""
    result = session.execute(
        update(DiscountCode)
        .where(
            DiscountCode.id == code_id,
            (DiscountCode.usage_limit.is_(None)) | (DiscountCode.times_used < DiscountCode.usage_limit),
        )
        .values(times_used=DiscountCode.times_used + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise _refuse(
            "This discount code has just been used up; remove it and check out again.", "discount_code_used_up"
        )


def give_back_use(session: Session, code_id: str) -> None:
    session.execute(
        update(DiscountCode)
        .where(DiscountCode.id == code_id, DiscountCode.times_used > 0)
        .values(times_used=DiscountCode.times_used - 1)
        .execution_options(synchronize_session=False)
    )


def code_data(row: DiscountCode) -> dict[str, Any]:
    starts, ends = _aware(row.starts_at), _aware(row.ends_at)
    return {
        **object_base(row, "discount_code"),
        "code": row.code,
        "kind": row.kind,
        "percent_off": row.percent_off,
        "amounts_off": dict(row.amounts_off or {}),
        "min_subtotal": dict(row.min_subtotal or {}),
        "starts_at": int(starts.timestamp()) if starts else None,
        "ends_at": int(ends.timestamp()) if ends else None,
        "usage_limit": row.usage_limit,
        "times_used": row.times_used,
        "active": row.active,
    }
