"""Carts: a guest's (proved by a secret token) or a signed-in buyer's, at one store."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus import loyalty
from digiplus.commerce.models import Cart, Product, Store, Variant
from digiplus.commerce.service import baskets, catalogue, discounts, markets
from digiplus.commerce.service.baskets import MAX_LINES, check_quantity
from digiplus.commerce.service.stores import check_language, get_store
from digiplus.core.context import Caller
from digiplus.core.errors import InvalidRequest, NotFound, ValidationFailed
from digiplus.core.ids import id_for
from digiplus.core.tenancy import get_owned, object_base


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_cart(
    session: Session, store: Store, country: str, language: str | None, buyer_org_id: str | None = None
) -> tuple[Cart, str]:
    """A new cart and its secret token (returned once; only its digest is kept)."""
    market = markets.market_for_country(session, store, country)
    token = "ct_" + secrets.token_urlsafe(24)
    cart = Cart(
        id=id_for("cart"),
        org_id=store.org_id,
        livemode=store.livemode,
        token_hash=token_hash(token),
        buyer_org_id=buyer_org_id,
        country=country.upper(),
        language=check_language(language) if language else market.languages[0],
        status="open",
        lines={},
    )
    session.add(cart)
    session.flush()
    return cart, token


def get_cart(session: Session, store: Store, cart_id: str, token: str, *, lock: bool = False) -> Cart:
    """The store's cart if ``token`` is its token (another's cart answers 404, as if missing)."""
    stmt = select(Cart).where(Cart.id == cart_id, Cart.org_id == store.org_id, Cart.livemode == store.livemode)
    cart = session.scalars(stmt.with_for_update() if lock else stmt).one_or_none()
    if cart is None or not hmac.compare_digest(cart.token_hash, token_hash(token or "")):
        raise NotFound(f"No such cart: '{cart_id}'", param="cart")
    return cart


def set_line(session: Session, store: Store, cart: Cart, variant_id: str, quantity: int) -> Cart:
    """Set a line's quantity (0 removes it); more than the stock available now is refused."""
    if cart.status != "open":
        raise InvalidRequest("This cart was checked out already.", param="cart", code="cart_closed")
    lines = dict(cart.lines or {})
    if quantity == 0:
        lines.pop(variant_id, None)
    else:
        check_quantity(quantity)
        found = session.execute(
            select(Variant, Product)
            .join(Product, Product.id == Variant.product_id)
            .where(Variant.id == variant_id, Variant.org_id == store.org_id, Variant.livemode == store.livemode)
        ).one_or_none()
        if found is None or found[1].status != "active":
            raise NotFound(f"No such product variant: '{variant_id}'", param="variant")
        in_stock = catalogue.available(catalogue.stock_of(session, [variant_id])[variant_id])
        if quantity > in_stock:
            raise InvalidRequest(f"Only {in_stock} left of {found[0].sku}.", param="quantity", code="out_of_stock")
        if variant_id not in lines and len(lines) >= MAX_LINES:
            raise ValidationFailed(f"A cart holds at most {MAX_LINES} lines.", param="variant")
        lines[variant_id] = quantity
    cart.lines = lines
    session.flush()
    return cart


def set_country(session: Session, store: Store, cart: Cart, country: str) -> Cart:
    markets.market_for_country(session, store, country)
    cart.country = country.upper()
    session.flush()
    return cart


def loyalty_choice(session: Session, store: Store, cart: Cart) -> baskets.LoyaltyChoice | None:
    """The reward the cart's member chose, with their offers (read through loyalty's surface)."""
    if not (cart.loyalty_member and cart.loyalty_reward):
        return None
    offers = loyalty.offers_for_member(session, store.org_id, cart.loyalty_member, store.livemode)
    if offers is None:
        raise InvalidRequest(
            "That loyalty membership is not one of this shop's programmes.",
            param="loyalty_member",
            code="resource_missing",
        )
    return baskets.LoyaltyChoice(offers, cart.loyalty_reward)


def quote_cart(
    session: Session,
    store: Store,
    cart: Cart,
    *,
    shipping_option: str | None = None,
    strict: bool = False,
    country: str | None = None,
) -> baskets.BasketQuote:
    """The cart priced with its discounts (to ``country``, else the cart's); a lenient quote (a page)
    leaves out a discount that no longer applies and notes why."""
    return baskets.price_basket(
        session,
        store,
        country or cart.country,
        dict(cart.lines or {}),
        shipping_option=shipping_option,
        discount_code=cart.discount_code,
        loyalty_choice=loyalty_choice(session, store, cart),
        strict=strict,
    )


def _open(cart: Cart) -> None:
    if cart.status != "open":
        raise InvalidRequest("This cart was checked out already.", param="cart", code="cart_closed")


def set_discount_code(session: Session, store: Store, cart: Cart, code: str | None) -> Cart:
    """Put a code on the cart (checked against the basket now: a code that does not apply is refused
    with the reason), or take it off (``None``)."""
    _open(cart)
    if code is None or not code.strip():
        cart.discount_code = None
    else:
        normalized = discounts.normalize_code(code, param="discount_code")
        if not cart.lines:
            raise InvalidRequest("The cart is empty.", param="lines", code="cart_empty")
        previous, cart.discount_code = cart.discount_code, normalized
        try:
            quote_cart(session, store, cart, strict=True)
        except InvalidRequest:
            cart.discount_code = previous
            raise
    session.flush()
    return cart


def set_loyalty_reward(
    session: Session, store: Store, cart: Cart, member_id: str | None, reward_id: str | None
) -> Cart:
    """Use a reward of the member's (checked now: enough points, a discount reward of this shop's
    programme), or stop using one (``reward_id`` None). The points are only reserved at checkout."""
    _open(cart)
    if reward_id is None or member_id is None:
        cart.loyalty_member = cart.loyalty_reward = None
    else:
        if not cart.lines:
            raise InvalidRequest("The cart is empty.", param="lines", code="cart_empty")
        previous = (cart.loyalty_member, cart.loyalty_reward)
        cart.loyalty_member, cart.loyalty_reward = member_id, reward_id
        try:
            quote_cart(session, store, cart, strict=True)
        except InvalidRequest:
            cart.loyalty_member, cart.loyalty_reward = previous
            raise
    session.flush()
    return cart


def cart_data(c: Cart) -> dict[str, Any]:
    return {
        **object_base(c, "cart"),
        "country": c.country,
        "language": c.language,
        "status": c.status,
        "lines": [{"variant": v, "quantity": q} for v, q in (c.lines or {}).items()],
        "discount_code": c.discount_code,
        "loyalty_member": c.loyalty_member,
        "loyalty_reward": c.loyalty_reward,
    }


def cart_for_change(session: Session, caller: Caller, cart_id: str) -> tuple[Store, Cart]:
    """The caller's store and one of its carts, the cart row locked for the change to come."""
    cart = get_owned(session, Cart, cart_id, caller, for_update=True)
    return get_store(session, caller), cart
