"""The QR tool page: paste a payload, see its scheme, fields, every tag and the rendered code;
and the printable counter sticker of a valid code."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from starlette.responses import Response

from digiplus.core.permissions import require
from digiplus.payments.qr import counter_sticker_svg, decode, parse, render_svg
from digiplus.web.deps import CallerDep, PageDep
from digiplus.web.errors import page_router
from digiplus.web.i18n import N_
from digiplus.web.shell import NavItem, page_response

router = page_router()
NAV = (NavItem(N_("QR tool"), "/qr", "qr", permission="payments.read", order=40),)
Payload = Annotated[str | None, Query(max_length=4096)]

# The decoded fields shown in the table, in order, with their labels (msgids).
FIELD_LABELS = (
    ("format", N_("Format")),
    ("scheme_name", N_("Scheme")),
    ("point_of_initiation", N_("Point of initiation")),
    ("merchant_name", N_("Merchant name")),
    ("merchant_city", N_("Merchant city")),
    ("country", N_("Country")),
    ("currency", N_("Currency")),
    ("amount", N_("Amount")),
    ("mcc", N_("Merchant category code")),
    ("reference", N_("Reference")),
    ("digiplus_merchant_id", N_("digiplus merchant")),
    ("crc", N_("CRC")),
)


@router.get("/qr")
def qr_tool_page(page: PageDep, caller: CallerDep, payload: Payload = None) -> Response:
    require(caller.role, "payments.read")
    page.section = "qr"
    text = (payload or "").strip()
    decoded = decode(text).to_dict() if text else None
    svg = render_svg(text, scale=5) if decoded and decoded["valid"] else None
    return page_response(
        page,
        "payments/qr.html",
        {"payload": text, "decoded": decoded, "svg": svg, "field_labels": FIELD_LABELS},
        fragment="payments/qr_result.html",
    )


@router.get("/qr/sticker.svg")
def qr_sticker(
    page: PageDep,
    caller: CallerDep,
    payload: Annotated[str, Query(min_length=1, max_length=4096)],
    name: Annotated[str | None, Query(max_length=60)] = None,
) -> Response:
    """The A6 counter sticker of a valid code, ready to print; the page's language leads."""
    require(caller.role, "payments.read")
    decoded = parse(payload.strip())
    merchant = name or decoded.merchant_name or ""
    return Response(counter_sticker_svg(payload.strip(), merchant, page.locale), media_type="image/svg+xml")
