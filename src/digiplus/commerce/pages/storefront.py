"""The public shop of each merchant: ``/shop/{slug}`` (brand and products), product pages with
schema.org data, the cart, checkout and the order confirmation. Plain HTML forms: it works
without JavaScript. The buyer's language and country come from ``?lang=``/``?country=``, then
their cookies, then the browser's Accept-Language and the market's first country."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Form, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from digiplus import loyalty, payments
from digiplus.commerce.models import Cart, Order
from digiplus.commerce.service import baskets, carts, checkout, images, storefront
from digiplus.commerce.service.shop_text import TEXT, t
from digiplus.core.api.deps import SessionDep
from digiplus.core.context import Caller
from digiplus.core.errors import DigiplusError
from digiplus.core.money import display_amount
from digiplus.settings import get_settings
from digiplus.web import security
from digiplus.web.deps import CsrfDep, OptionalPageDep, anonymous_page
from digiplus.web.errors import page_router
from digiplus.web.shell import PageContext
from digiplus.web.templating import render

router = page_router()
Slug = Annotated[str, Path(pattern=r"^[a-z0-9-]{3,60}$")]
Handle = Annotated[str, Path(pattern=r"^[a-z0-9-]{1,80}$")]
OrderId = Annotated[str, Path(pattern=r"^ord_[0-9A-Z]{26}$")]
Lang = Annotated[str | None, Query(pattern=r"^(zh-TW|en|ja|ko|vi|th|id|ms)$")]
CountryQ = Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")]
LANG_COOKIE, COUNTRY_COOKIE = "shop_lang", "shop_country"


def _page(request: Request, page: PageContext | None) -> PageContext:
    return page or anonymous_page(request)


def _shop(session: Any, request: Request, slug: str, lang: str | None, country: str | None) -> storefront.Shop:
    wanted = [
        lang,
        request.cookies.get(LANG_COOKIE),
        *storefront.accept_languages(request.headers.get("accept-language")),
    ]
    return storefront.open_shop(session, slug, country=country or request.cookies.get(COUNTRY_COOKIE), languages=wanted)


def _render(
    page: PageContext, shop: storefront.Shop, template: str, context: dict[str, Any], status: int = 200
) -> Response:
    lang = shop.language
    response = render(
        page.request,
        template,
        {
            "page": page,
            "shop": shop,
            "t": lambda key: t(key, lang),
            "money": lambda minor, cur=shop.rule.currency: display_amount(minor, cur, locale=lang.replace("-", "_")),
            **context,
        },
        locale=page.locale,
        status_code=status,
    )
    new_presession = getattr(page.request.state, "new_presession", None)
    if new_presession and not page.logged_in:
        security.set_presession_cookie(response, new_presession)
    options = security.cookie_options()
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, **options)
    response.set_cookie(COUNTRY_COOKIE, shop.country, max_age=365 * 86400, **options)
    return response


def _cart_cookie(slug: str) -> str:
    return f"shop_cart_{slug.replace('-', '_')}"


def _cart(session: Any, request: Request, shop: storefront.Shop, *, lock: bool = False) -> Cart | None:
    value = request.cookies.get(_cart_cookie(shop.store.slug), "")
    cart_id, _, token = value.partition(".")
    if not cart_id or not token:
        return None
    try:
        cart = carts.get_cart(session, shop.store, cart_id, token, lock=lock)
    except DigiplusError:
        return None
    return cart if cart.status == "open" else None


@router.get("/shop/{slug}")
def shop_home(
    slug: Slug,
    request: Request,
    session: SessionDep,
    page: OptionalPageDep,
    lang: Lang = None,
    country: CountryQ = None,
) -> Response:
    shop = _shop(session, request, slug, lang, country)
    return _render(
        _page(request, page), shop, "commerce/shop_home.html", {"cards": storefront.product_cards(session, shop)}
    )


@router.get("/shop/{slug}/p/{handle}")
def product_page(
    slug: Slug,
    handle: Handle,
    request: Request,
    session: SessionDep,
    page: OptionalPageDep,
    lang: Lang = None,
    country: CountryQ = None,
) -> Response:
    shop = _shop(session, request, slug, lang, country)
    [card] = storefront.product_cards(session, shop, handle=handle)
    url = get_settings().base_url.rstrip("/") + f"/shop/{slug}/p/{handle}"
    ld = json.dumps(storefront.product_json_ld(card, shop, url), ensure_ascii=False).replace("</", "<\\/")
    return _render(_page(request, page), shop, "commerce/shop_product.html", {"card": card, "json_ld": ld})


@router.post("/shop/{slug}/cart/add")
def add_to_cart(
    slug: Slug,
    request: Request,
    session: SessionDep,
    page: OptionalPageDep,
    _csrf: CsrfDep,
    variant: Annotated[str, Form(max_length=64)],
    quantity: Annotated[int, Form(ge=1, le=999)] = 1,
) -> Response:
    shop = _shop(session, request, slug, None, None)
    cart, cookie = _cart(session, request, shop, lock=True), None
    if cart is None:
        buyer = page.caller.org_id if page and page.caller else None
        cart, token = carts.create_cart(session, shop.store, shop.country, shop.language, buyer)
        cookie = f"{cart.id}.{token}"
    current = int((cart.lines or {}).get(variant, 0))
    try:
        with session.begin_nested():
            carts.set_line(session, shop.store, cart, variant, min(current + quantity, 999))
        target = f"/shop/{slug}/cart"
    except DigiplusError as exc:
        target = f"/shop/{slug}/cart?error={exc.code}"
    response = RedirectResponse(target, status_code=303)
    if cookie:
        response.set_cookie(_cart_cookie(slug), cookie, max_age=30 * 86400, **security.cookie_options())
    return response


@router.post("/shop/{slug}/cart/update")
def update_cart(
    slug: Slug,
    request: Request,
    session: SessionDep,
    _csrf: CsrfDep,
    variant: Annotated[str, Form(max_length=64)],
    quantity: Annotated[int, Form(ge=0, le=999)],
) -> Response:
    shop = _shop(session, request, slug, None, None)
    cart = _cart(session, request, shop, lock=True)
    target = f"/shop/{slug}/cart"
    if cart is not None:
        try:
            with session.begin_nested():
                carts.set_line(session, shop.store, cart, variant, quantity)
        except DigiplusError as exc:
            target += f"?error={exc.code}"
    return RedirectResponse(target, status_code=303)


def _quote(session: Any, shop: storefront.Shop, cart: Cart | None) -> tuple[Any, str | None]:
    if cart is None or not cart.lines:
        return None, None
    try:
        return carts.quote_cart(session, shop.store, cart, country=shop.country), None
    except DigiplusError as exc:
        return None, exc.message


def _member_offers(session: Any, shop: storefront.Shop, page: PageContext | None) -> loyalty.MemberOffers | None:
    """The signed-in consumer's membership of the shop's programme (cart page only: not the product page)."""
    if page is None or page.caller is None or page.org is None or page.org.kind != "consumer":
        return None
    if page.caller.livemode != shop.store.livemode:
        return None
    return loyalty.offers_for_consumer(session, shop.store.org_id, page.caller.org_id, shop.store.livemode)


def _problem_text(code: str | None, lang: str) -> str | None:
    return t(code, lang) if code in TEXT else code


@router.get("/shop/{slug}/cart")
def cart_page(
    slug: Slug,
    request: Request,
    session: SessionDep,
    page: OptionalPageDep,
    lang: Lang = None,
    country: CountryQ = None,
    error: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    shop = _shop(session, request, slug, lang, country)
    cart = _cart(session, request, shop)
    quote, problem = _quote(session, shop, cart)
    return _render(
        _page(request, page),
        shop,
        "commerce/shop_cart.html",
        {
            "quote": quote,
            "problem": problem or _problem_text(error, shop.language),
            "view": baskets.quote_data(quote, shop.language) if quote else None,
            "cart": cart,
            "offers": _member_offers(session, shop, page) if quote else None,
        },
    )


@router.post("/shop/{slug}/cart/discount")
def apply_discount_code(
    slug: Slug,
    request: Request,
    session: SessionDep,
    _csrf: CsrfDep,
    code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Put a code on the cart (checked now against the basket), or take it off (an empty code)."""
    shop = _shop(session, request, slug, None, None)
    cart = _cart(session, request, shop, lock=True)
    target = f"/shop/{slug}/cart"
    if cart is not None:
        try:
            with session.begin_nested():
                carts.set_discount_code(session, shop.store, cart, code or None)
        except DigiplusError as exc:
            target += f"?error={exc.code}"
    return RedirectResponse(target, status_code=303)


@router.post("/shop/{slug}/cart/loyalty")
def use_loyalty_reward(
    slug: Slug,
    request: Request,
    session: SessionDep,
    page: OptionalPageDep,
    _csrf: CsrfDep,
    reward: Annotated[str, Form(max_length=64, pattern=r"^[A-Za-z0-9_]*$")] = "",
) -> Response:
    """The signed-in member picks one of their rewards (or none); the points are reserved at checkout."""
    shop = _shop(session, request, slug, None, None)
    target = f"/shop/{slug}/cart"
    offers = _member_offers(session, shop, page)
    if offers is None:
        return RedirectResponse(f"/login?next={target}", status_code=303)
    cart = _cart(session, request, shop, lock=True)
    if cart is not None:
        try:
            with session.begin_nested():
                carts.set_loyalty_reward(session, shop.store, cart, offers.member, reward or None)
        except DigiplusError as exc:
            target += f"?error={exc.code}"
    return RedirectResponse(target, status_code=303)


@router.get("/shop/{slug}/checkout")
def checkout_page(
    slug: Slug, request: Request, session: SessionDep, page: OptionalPageDep, lang: Lang = None
) -> Response:
    shop = _shop(session, request, slug, lang, None)
    cart = _cart(session, request, shop)
    quote, problem = _quote(session, shop, cart)
    if quote is None:
        return RedirectResponse(f"/shop/{slug}/cart", status_code=303)
    view = baskets.quote_data(quote, shop.language)
    return _render(
        _page(request, page), shop, "commerce/shop_checkout.html", {"view": view, "error": problem, "form": {}}
    )


@router.post("/shop/{slug}/checkout")
def place_order(
    slug: Slug,
    request: Request,
    session: SessionDep,
    page: OptionalPageDep,
    _csrf: CsrfDep,
    email: Annotated[str, Form(max_length=200)],
    name: Annotated[str, Form(max_length=200)],
    line1: Annotated[str, Form(max_length=200)],
    city: Annotated[str, Form(max_length=200)],
    postal_code: Annotated[str, Form(max_length=20)],
    expected_total: Annotated[int, Form(ge=0)],
    currency: Annotated[str, Form(pattern=r"^[A-Z]{3}$")],
) -> Response:
    shop = _shop(session, request, slug, None, None)
    cart = _cart(session, request, shop, lock=True)
    if cart is None:
        return RedirectResponse(f"/shop/{slug}/cart", status_code=303)
    address = {"name": name, "line1": line1, "city": city, "postal_code": postal_code, "country": shop.country}
    buyer = page.caller.org_id if page and page.caller else None
    try:
        with session.begin_nested():
            order, token = checkout.checkout(
                session,
                shop.store,
                cart,
                Caller.system(shop.store.org_id, shop.store.livemode),
                email=email,
                address=address,
                expected_total=expected_total,
                expected_currency=currency,
                buyer_org_id=buyer,
            )
    except DigiplusError as exc:
        quote, _ = _quote(session, shop, cart)
        view = baskets.quote_data(quote, shop.language) if quote else None
        if view is None:
            return RedirectResponse(f"/shop/{slug}/cart?error={exc.code}", status_code=303)
        form = {"email": email, "name": name, "line1": line1, "city": city, "postal_code": postal_code}
        return _render(
            _page(request, page),
            shop,
            "commerce/shop_checkout.html",
            {
                "view": view,
                "error": t(exc.code, shop.language) if exc.code in TEXT else exc.message,
                "param": exc.param,
                "form": form,
            },
            status=400,
        )
    response = RedirectResponse(f"/shop/{slug}/orders/{order.id}", status_code=303)
    response.set_cookie(f"shop_order_{order.id}", token, max_age=90 * 86400, **security.cookie_options())
    return response


def _order(session: Any, request: Request, shop: storefront.Shop, order_id: str, *, lock: bool = False) -> Order:
    return checkout.order_for_buyer(
        session, shop.store, order_id, request.cookies.get(f"shop_order_{order_id}", ""), lock=lock
    )


@router.get("/shop/{slug}/orders/{order_id}")
def order_page(
    slug: Slug,
    order_id: OrderId,
    request: Request,
    session: SessionDep,
    page: OptionalPageDep,
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    shop = _shop(session, request, slug, None, None)
    order = _order(session, request, shop, order_id)
    qr_svg, wallets = None, []
    if order.status == "created" and order.payment_intent_id:
        intent = payments.get_intent(session, Caller.system(order.org_id, order.livemode), order.payment_intent_id)
        payload = payments.qr_payload_of(intent)
        qr_svg = payments.qr_svg(payload, scale=6, border=2) if payload else None
        if page and page.caller and page.org and page.org.kind == "consumer" and page.caller.livemode == order.livemode:
            wallets = list(session.scalars(payments.wallets_query(page.caller)))
    from digiplus.commerce.service.orders import lines_of

    return _render(
        _page(request, page),
        shop,
        "commerce/shop_order.html",
        {"order": order, "lines": lines_of(session, order.id), "qr_svg": qr_svg, "wallets": wallets, "error": error},
    )


@router.post("/shop/{slug}/orders/{order_id}/pay")
def pay_order(
    slug: Slug,
    order_id: OrderId,
    request: Request,
    session: SessionDep,
    page: OptionalPageDep,
    _csrf: CsrfDep,
    wallet: Annotated[str, Form(max_length=64)],
) -> Response:
    shop = _shop(session, request, slug, None, None)
    target = f"/shop/{slug}/orders/{order_id}"
    if page is None or page.caller is None:
        return RedirectResponse(f"/login?next={target}", status_code=303)
    order = _order(session, request, shop, order_id, lock=True)
    try:
        _, declined = checkout.pay_from_wallet(session, shop.store, order, page.caller, wallet)
    except DigiplusError as exc:
        return RedirectResponse(f"{target}?error={exc.code}", status_code=303)
    return RedirectResponse(f"{target}?error={declined.code}" if declined else target, status_code=303)


@router.post("/shop/{slug}/orders/{order_id}/refresh")
def refresh_order(slug: Slug, order_id: OrderId, request: Request, session: SessionDep, _csrf: CsrfDep) -> Response:
    shop = _shop(session, request, slug, None, None)
    order = _order(session, request, shop, order_id, lock=True)
    checkout.sync_payment(session, shop.store, order)
    return RedirectResponse(f"/shop/{slug}/orders/{order_id}", status_code=303)


@router.get("/shop/media/{org_id}/{product_id}/{name}")
def product_image(
    org_id: Annotated[str, Path(pattern=r"^org_[0-9A-Z]{26}$")],
    product_id: Annotated[str, Path(pattern=r"^prod_[0-9A-Z]{26}$")],
    name: Annotated[str, Path(pattern=r"^[0-9a-f]{64}\.(png|jpg|webp)$")],
    session: SessionDep,
) -> Response:
    handle, media_type = images.open_image(session, org_id, product_id, name)
    with handle:
        body = handle.read()
    return Response(body, media_type=media_type, headers={"Cache-Control": "public, max-age=31536000, immutable"})


@router.get("/clusters/{cluster}")
def cluster_page(
    cluster: Annotated[str, Path(pattern=r"^(western|new_southbound)$")],
    request: Request,
    session: SessionDep,
    page: OptionalPageDep,
) -> Response:
    from digiplus.commerce.service.clusters import CLUSTER_NAMES

    shown = storefront.cluster_showcase(session, cluster, livemode=False) or storefront.cluster_showcase(
        session, cluster, livemode=True
    )
    p = _page(request, page)
    return render(
        request,
        "commerce/cluster.html",
        {"page": p, "cluster": CLUSTER_NAMES[cluster], "shown": shown},
        locale=p.locale,
    )
