"""The merchant's commerce admin: store settings, markets, products with stock, orders (fulfil,
deliver, cancel, return) and the customs documents. Every change goes through the same services
as the API, in a savepoint so a refused form writes nothing."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import File, Form, Path, UploadFile
from starlette.responses import Response

from digiplus.commerce.models import Order
from digiplus.commerce.service import catalogue, discounts, documents, images, markets, orders, shipping, stores
from digiplus.commerce.service.clusters import CLUSTER_NAMES
from digiplus.core.api.deps import SessionDep
from digiplus.core.api.middleware import allow_large_bodies_matching
from digiplus.core.context import Caller
from digiplus.core.errors import DigiplusError, NotFound, ValidationFailed
from digiplus.core.money import display_amount
from digiplus.core.permissions import require
from digiplus.web.deps import CallerDep, CsrfDep, PageDep
from digiplus.web.errors import page_router
from digiplus.web.i18n import N_
from digiplus.web.shell import NavItem, PageContext, page_response, redirect

allow_large_bodies_matching(images.UPLOAD_ROUTES[1], lambda: images.UPLOAD_BODY_BYTES)  # the photo form
router = page_router()
NAV = (
    NavItem(N_("Online store"), "/commerce", "commerce", permission="commerce.read", order=37, org_kinds=("merchant",)),
)
OrderId = Annotated[str, Path(pattern=r"^ord_[0-9A-Z]{26}$")]
ProductId = Annotated[str, Path(pattern=r"^prod_[0-9A-Z]{26}$")]
CodeId = Annotated[str, Path(pattern=r"^dsc_[0-9A-Z]{26}$")]
TAIPEI = ZoneInfo("Asia/Taipei")


def _writer(page: PageContext, caller: Caller) -> Caller:
    require(caller.role, "commerce.write")
    page.section = "commerce"
    return caller


def _store_or_none(session: Any, caller: Caller) -> Any:
    try:
        return stores.get_store(session, caller)
    except NotFound:
        return None


def _done(session: Any, page: PageContext, call: Any, back: str, ok_message: str) -> Response:
    try:
        with session.begin_nested():
            call()
    except DigiplusError as exc:
        return redirect(
            page, back, flash=N_("%(field)s: %(error)s"), kind="error", field=exc.param or "—", error=exc.message
        )
    return redirect(page, back, flash=ok_message)


@router.get("/commerce")
def dashboard(session: SessionDep, page: PageDep, caller: CallerDep) -> Response:
    require(caller.role, "commerce.read")
    page.section = "commerce"
    store = _store_or_none(session, caller)
    context: dict[str, Any] = {
        "store": store,
        "clusters": CLUSTER_NAMES,
        "markets": [],
        "products": [],
        "orders": [],
        "zones": [],
        "codes": [],
        "currencies": [],
    }
    context["day"] = lambda ts: datetime.fromtimestamp(ts, TAIPEI).date().isoformat() if ts else "—"
    if store is not None:
        context["markets"] = markets.markets_of(session, caller.org_id, caller.livemode)
        context["products"] = [
            catalogue.product_data(session, p) for p in session.scalars(catalogue.products_query(caller).limit(50))
        ]
        context["orders"] = list(session.scalars(orders.orders_query(caller).order_by(Order.id.desc()).limit(20)))
        context["zones"] = shipping.zones_of(session, caller)
        context["codes"] = [discounts.code_data(c) for c in discounts.codes_of(session, caller)]
        context["currencies"] = sorted({store.base_currency, *(m.currency for m in context["markets"])})
    context["money"] = lambda minor, cur: display_amount(minor, cur, locale=page.locale)
    return page_response(page, "commerce/admin.html", context)


@router.post("/commerce/store")
def save_store(
    session: SessionDep,
    page: PageDep,
    caller: CallerDep,
    _csrf: CsrfDep,
    slug: Annotated[str, Form(max_length=60)],
    name: Annotated[str, Form(max_length=100)],
    tagline: Annotated[str, Form(max_length=300)] = "",
    duties_mode: Annotated[str, Form(pattern="^(DDP|DAP)$")] = "DDP",
    clusters: Annotated[list[str] | None, Form()] = None,
) -> Response:
    _writer(page, caller)
    fields = {
        "slug": slug,
        "name": name,
        "tagline": tagline or None,
        "duties_mode": duties_mode,
        "clusters": clusters or [],
    }
    return _done(session, page, lambda: stores.save_store(session, caller, fields), "/commerce", N_("Saved."))


@router.post("/commerce/markets")
def add_market(
    session: SessionDep,
    page: PageDep,
    caller: CallerDep,
    _csrf: CsrfDep,
    code: Annotated[str, Form(max_length=39)],
    currency: Annotated[str, Form(max_length=3)],
    countries: Annotated[str, Form(max_length=400)] = "",
    cluster: Annotated[str, Form(max_length=20)] = "",
    languages: Annotated[str, Form(max_length=60)] = "en",
    rounding: Annotated[str, Form(max_length=20)] = "minor",
    adjustment_bps: Annotated[int, Form(ge=-9000, le=10000)] = 0,
) -> Response:
    _writer(page, caller)
    fields: dict[str, Any] = {
        "currency": currency,
        "languages": [x.strip() for x in languages.split(",") if x.strip()],
        "rounding": rounding,
        "adjustment_bps": adjustment_bps,
        "name": code,
    }
    if cluster:
        fields["cluster"] = cluster
    if countries.strip():
        fields["countries"] = [c.strip() for c in countries.split(",") if c.strip()]
    return _done(session, page, lambda: markets.create_market(session, caller, code, fields), "/commerce", N_("Saved."))


@router.post("/commerce/products")
def add_product(
    session: SessionDep,
    page: PageDep,
    caller: CallerDep,
    _csrf: CsrfDep,
    handle: Annotated[str, Form(max_length=80)],
    title: Annotated[str, Form(max_length=200)],
    hs_code: Annotated[str, Form(max_length=13)],
    sku: Annotated[str, Form(max_length=64)],
    price: Annotated[str, Form(max_length=30)],
    weight_grams: Annotated[int, Form(ge=1, le=1_000_000)],
    on_hand: Annotated[int, Form(ge=0, le=10**9)] = 0,
    location: Annotated[str, Form(max_length=60)] = "Main",
    title_en: Annotated[str, Form(max_length=200)] = "",
    title_ja: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    _writer(page, caller)

    def make() -> None:
        translations = {k: {"title": v} for k, v in (("en", title_en), ("ja", title_ja)) if v.strip()}
        product = catalogue.save_product(
            session, caller, None, {"handle": handle, "title": title, "hs_code": hs_code, "translations": translations}
        )
        variant = catalogue.add_variant(
            session, caller, product.id, {"sku": sku, "title": "Default", "price": price, "weight_grams": weight_grams}
        )
        catalogue.set_stock(session, caller, variant.id, location, on_hand)

    return _done(session, page, make, "/commerce", N_("Saved."))


@router.get("/commerce/orders/{order_id}")
def order_detail(order_id: OrderId, session: SessionDep, page: PageDep, caller: CallerDep) -> Response:
    require(caller.role, "commerce.read")
    page.section = "commerce"
    order = orders.get_order(session, caller, order_id)
    return page_response(
        page,
        "commerce/admin_order.html",
        {
            "order": order,
            "data": orders.order_data(session, order),
            "invoice": documents.commercial_invoice(session, caller, order_id),
            "money": lambda minor, cur: display_amount(minor, cur, locale=page.locale),
        },
    )


@router.post("/commerce/orders/{order_id}/{action}")
def order_action(
    order_id: OrderId,
    action: Annotated[str, Path(pattern="^(fulfil|deliver|cancel|return)$")],
    session: SessionDep,
    page: PageDep,
    caller: CallerDep,
    _csrf: CsrfDep,
    carrier: Annotated[str, Form(max_length=60)] = "Chunghwa Post",
    tracking_number: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    _writer(page, caller)
    back = f"/commerce/orders/{order_id}"
    calls = {
        "fulfil": lambda: orders.fulfil(
            session, caller, order_id, lines=None, carrier=carrier, tracking_number=tracking_number or None
        ),
        "deliver": lambda: orders.mark_delivered(session, caller, order_id),
        "cancel": lambda: orders.cancel_order(session, caller, order_id, "requested_by_merchant"),
        "return": lambda: orders.create_return(session, caller, order_id, lines=None, reason=None, restock=True),
    }
    return _done(session, page, calls[action], back, N_("Saved."))


@router.post("/commerce/products/{product_id}/images")
def upload_product_image(
    product_id: ProductId,
    session: SessionDep,
    page: PageDep,
    caller: CallerDep,
    _csrf: CsrfDep,
    file: Annotated[UploadFile, File()],
    alt: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """A product photo from the merchant's computer (PNG, JPEG or WebP, up to 5 MB, checked by content)."""
    _writer(page, caller)
    return _done(
        session,
        page,
        lambda: images.upload_image(session, caller, product_id, file.file, alt),
        "/commerce",
        N_("Photo added."),
    )


def _day_start(value: str, param: str, *, next_day: bool = False) -> int | None:
    """A date typed in the form, as the start of that day (or of the next one) in Taiwan, in Unix seconds."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"{param} is a date (YYYY-MM-DD)", param=param) from None
    return int(datetime.combine(day + timedelta(days=1 if next_day else 0), time(), TAIPEI).timestamp())


@router.post("/commerce/discount_codes")
def add_discount_code(
    session: SessionDep,
    page: PageDep,
    caller: CallerDep,
    _csrf: CsrfDep,
    code: Annotated[str, Form(max_length=40)],
    kind: Annotated[str, Form(pattern="^(percent|fixed)$")],
    value: Annotated[str, Form(max_length=30)],
    currency: Annotated[str, Form(max_length=3)] = "",
    min_subtotal: Annotated[str, Form(max_length=30)] = "",
    starts_on: Annotated[str, Form(max_length=10)] = "",
    ends_on: Annotated[str, Form(max_length=10)] = "",
    usage_limit: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """A code from the form: the value is a percentage or an amount in ``currency``; the minimum is in
    ``currency`` too; the window runs from the start of ``starts_on`` to the end of ``ends_on`` (Taiwan)."""
    _writer(page, caller)

    def make() -> None:
        fields: dict[str, Any] = {"code": code, "kind": kind}
        if kind == "percent":
            fields["percent_off"] = value
        else:
            fields["amounts_off"] = {currency: value}
        if min_subtotal.strip():
            if not currency:
                raise ValidationFailed("a minimum needs its currency", param="currency")
            fields["min_subtotal"] = {currency: min_subtotal.strip()}
        fields["starts_at"] = _day_start(starts_on, "starts_on")
        fields["ends_at"] = _day_start(ends_on, "ends_on", next_day=True)
        if usage_limit.strip():
            if not usage_limit.strip().isdigit():
                raise ValidationFailed("usage_limit is a whole number", param="usage_limit")
            fields["usage_limit"] = int(usage_limit)
        discounts.create_code(session, caller, fields)

    return _done(session, page, make, "/commerce", N_("Saved."))


@router.post("/commerce/discount_codes/{code_id}/active")
def set_discount_code_active(
    code_id: CodeId,
    session: SessionDep,
    page: PageDep,
    caller: CallerDep,
    _csrf: CsrfDep,
    active: Annotated[bool, Form()],
) -> Response:
    _writer(page, caller)
    return _done(
        session,
        page,
        lambda: discounts.update_code(session, caller, code_id, {"active": active}),
        "/commerce",
        N_("Saved."),
    )
