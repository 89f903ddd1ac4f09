"""Item lines written as text, in payment metadata (``metadata["items"]``) and in history imports.

Format: lines separated by ``;``, each ``sku:quantity:unit_amount[:name]``::

    OYS-01:2:70;TEA-L:1:35.5:Winter melon tea (large)

- ``sku``: 1-64 characters, no ``:`` or ``;``;
- ``quantity``: a whole number from 1 to 100000;
- ``unit_amount``: a major-unit amount in the payment's currency, at most its decimals
  (``digiplus.core.money.to_minor``);
- ``name`` (optional): the rest of the line, up to 200 characters.
"""

from __future__ import annotations

from typing import Any

from digiplus.core.errors import ValidationFailed
from digiplus.core.money import to_minor

MAX_LINES = 200


class ItemsInvalid(ValueError):
    """The item text does not follow the format; the message says where."""


def parse_items(text: str, currency_code: str) -> list[dict[str, Any]]:
    """``[{"sku", "name", "quantity", "unit_amount"}]`` (amounts in minor units); raises ItemsInvalid."""
    lines = [part.strip() for part in text.split(";") if part.strip()]
    if len(lines) > MAX_LINES:
        raise ItemsInvalid(f"more than {MAX_LINES} item lines")
    items = []
    for n, line in enumerate(lines, start=1):
        fields = line.split(":", 3)
        if len(fields) < 3:
            raise ItemsInvalid(f"item {n} ({line!r}) is not sku:quantity:unit_amount")
        sku, qty, unit = (f.strip() for f in fields[:3])
        name = fields[3].strip() if len(fields) == 4 else None
        if not sku or len(sku) > 64:
            raise ItemsInvalid(f"item {n}: the sku is empty or longer than 64 characters")
        if not qty.isdigit() or not 1 <= int(qty) <= 100_000:
            raise ItemsInvalid(f"item {n}: quantity {qty!r} is not a whole number from 1 to 100000")
        try:
            unit_minor = to_minor(unit, currency_code)
        except ValidationFailed as exc:
            raise ItemsInvalid(f"item {n}: unit amount {exc.message}") from None
        if unit_minor < 0:
            raise ItemsInvalid(f"item {n}: the unit amount is negative")
        if name is not None and len(name) > 200:
            raise ItemsInvalid(f"item {n}: the name is longer than 200 characters")
        items.append({"sku": sku, "name": name or None, "quantity": int(qty), "unit_amount": unit_minor})
    return items
