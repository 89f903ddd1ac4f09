"""What the public shop shows: the store in the buyer's language and market, its products priced
into the market's currency, and schema.org Product data for search engines. Reads only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus.commerce.models import Market, Product, Store
from digiplus.commerce.service import catalogue, markets
from digiplus.commerce.service.clusters import CLUSTERS, LANGUAGES
from digiplus.commerce.service.pricing import PricingRule, market_price
from digiplus.core.errors import NotFound
from digiplus.core.money import format_minor


@dataclass
class Shop:
    store: Store
    market: Market
    country: str
    language: str
    rule: PricingRule
    markets: list[Market]


def find_store(session: Session, slug: str) -> Store:
    """A live store by that address, else the test-mode one (a merchant's preview and the demo)."""
    found = {s.livemode: s for s in session.scalars(select(Store).where(Store.slug == slug))}
    store = found.get(True) or found.get(False)
    if store is None:
        raise NotFound(f"No such store: {slug!r}", param="store")
    return store


def pick_language(wanted: list[str | None], market: Market, store: Store) -> str:
    """The first wanted language the shop can speak: the market's, else any of ours, else the store's."""
    for lang in wanted:
        if lang in LANGUAGES:
            return lang
    return market.languages[0] if market.languages else store.default_language


def accept_languages(header: str | None) -> list[str | None]:
    found: list[str | None] = []
    for part in (header or "").split(","):
        tag = part.split(";")[0].strip()
        if not tag:
            continue
        low = tag.lower()
        if low.startswith("zh"):
            found.append("zh-TW" if low not in ("zh-cn", "zh-sg", "zh-hans") else None)
        else:
            found.append(low.split("-")[0])
    return found


def open_shop(session: Session, slug: str, *, country: str | None, languages: list[str | None]) -> Shop:
    store = find_store(session, slug)
    active = [m for m in markets.markets_of(session, store.org_id, store.livemode) if m.active]
    if not active:
        raise NotFound(f"{store.name} sells nowhere yet.", param="store")
    market = next((m for m in active if country and country.upper() in m.countries), active[0])
    chosen_country = country.upper() if country and country.upper() in market.countries else market.countries[0]
    language = pick_language(languages + list(market.languages), market, store)
    return Shop(store, market, chosen_country, language, markets.pricing_rule(store, market), active)


def product_cards(session: Session, shop: Shop, *, handle: str | None = None) -> list[dict[str, Any]]:
    stmt = select(Product).where(
        Product.org_id == shop.store.org_id, Product.livemode == shop.store.livemode, Product.status == "active"
    )
    if handle is not None:
        stmt = stmt.where(Product.handle == handle)
    products = list(session.scalars(stmt.order_by(Product.id)))
    if handle is not None and not products:
        raise NotFound(f"No such product: {handle!r}", param="handle")
    cards = []
    for product in products:
        variants = catalogue.variants_of(session, product.id)
        stock = catalogue.stock_of(session, [v.id for v in variants])
        fixed = markets.fixed_prices(session, shop.market.id, [v.id for v in variants])
        text = catalogue.localized(product, shop.language, shop.store.default_language)
        offers = []
        for v in variants:
            price = market_price(v.price, shop.rule, fixed.get(v.id))
            offers.append({"variant": v, "price": price.amount, "available": catalogue.available(stock[v.id])})
        cards.append({"product": product, "text": text, "offers": offers})
    return cards


def product_json_ld(card: dict[str, Any], shop: Shop, url: str) -> dict[str, Any]:
    """schema.org Product with one Offer per variant, in the market's currency."""
    product = card["product"]
    return {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": card["text"]["title"],
        "description": card["text"]["description"],
        "sku": card["offers"][0]["variant"].sku if card["offers"] else product.handle,
        "image": [i["url"] for i in product.images or []],
        "brand": {"@type": "Brand", "name": shop.store.name},
        "countryOfOrigin": product.origin_country,
        "url": url,
        "offers": [
            {
                "@type": "Offer",
                "sku": o["variant"].sku,
                "name": o["variant"].title,
                "price": format_minor(o["price"], shop.rule.currency),
                "priceCurrency": shop.rule.currency,
                "availability": "https://schema.org/InStock" if o["available"] > 0 else "https://schema.org/OutOfStock",
                "eligibleRegion": shop.market.countries,
            }
            for o in card["offers"]
        ],
    }


def cluster_showcase(session: Session, cluster: str, livemode: bool) -> list[dict[str, Any]]:
    """The stores that opted into a cluster, with their active products (the "Taiwan brand" showcase)."""
    if cluster not in CLUSTERS:
        raise NotFound(f"No such cluster: {cluster!r}", param="cluster")
    shown = []
    for store in session.scalars(select(Store).where(Store.livemode == livemode).order_by(Store.name)):
        if cluster not in (store.clusters or []):
            continue
        products = list(
            session.scalars(
                select(Product)
                .where(Product.org_id == store.org_id, Product.livemode == livemode, Product.status == "active")
                .order_by(Product.id)
                .limit(12)
            )
        )
        shown.append({"store": store, "products": products})
    return shown
