"""Products with variants, images, translations, HS code and origin; stock per location."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus.commerce.models import Product, StockLevel, Variant
from digiplus.commerce.service.clusters import LANGUAGES
from digiplus.commerce.service.stores import check_country, get_store
from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.errors import Conflict, NotFound, ValidationFailed
from digiplus.core.ids import id_for
from digiplus.core.money import to_minor
from digiplus.core.tenancy import get_owned, object_base, scoped

HANDLE = re.compile(r"^[a-z0-9][a-z0-9-]{0,78}$")
HS = re.compile(r"^\d{6}(\d{2,4})?$")
STATUSES = ("active", "draft", "archived")


def _check_images(images: list[dict[str, Any]]) -> list[dict[str, str]]:
    checked = []
    for i, image in enumerate(images):
        url = str(image.get("url") or "")
        if not re.match(r"^(https://|/)", url) or len(url) > 500:
            raise ValidationFailed("an image url is https://… or a path on this site", param=f"images[{i}][url]")
        checked.append({"url": url, "alt": str(image.get("alt") or "")[:200]})
    return checked


def _check_translations(translations: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    checked = {}
    for lang, text in translations.items():
        if lang not in LANGUAGES:
            raise ValidationFailed(f"translations are for {', '.join(LANGUAGES)}; got {lang!r}", param="translations")
        entry = {k: str(v) for k, v in text.items() if k in ("title", "description") and v}
        if entry:
            checked[lang] = entry
    return checked


def save_product(session: Session, caller: Caller, product_id: str | None, fields: dict[str, Any]) -> Product:
    get_store(session, caller)
    if product_id is None:
        for required in ("handle", "title", "hs_code"):
            if not fields.get(required):
                raise ValidationFailed(f"{required} is required", param=required)
        product = Product(
            id=id_for("product"), org_id=caller.org_id, livemode=caller.livemode, translations={}, images=[]
        )
        before = None
    else:
        product = get_owned(session, Product, product_id, caller, for_update=True)
        before = {"title": product.title, "status": product.status}
    if fields.get("handle") is not None:
        if not HANDLE.fullmatch(fields["handle"]):
            raise ValidationFailed("handle is lowercase letters, digits and hyphens", param="handle")
        taken = session.scalar(
            scoped(Product, caller).where(Product.handle == fields["handle"], Product.id != product.id)
        )
        if taken is not None:
            raise Conflict(f"A product with handle {fields['handle']!r} exists.", param="handle", code="handle_taken")
        product.handle = fields["handle"]
    for name in ("title", "description"):
        if fields.get(name) is not None:
            setattr(product, name, fields[name])
    if fields.get("hs_code") is not None:
        code = str(fields["hs_code"]).replace(".", "")
        if not HS.fullmatch(code):
            raise ValidationFailed(
                "hs_code is 6, 8 or 10 digits (the HS subheading and national lines)", param="hs_code"
            )
        product.hs_code = code
    product.origin_country = check_country(
        fields.get("origin_country") or product.origin_country or "TW", param="origin_country"
    )
    if fields.get("status") is not None:
        if fields["status"] not in STATUSES:
            raise ValidationFailed(f"status is one of {', '.join(STATUSES)}", param="status")
        product.status = fields["status"]
    product.status = product.status or "active"
    product.description = product.description or ""
    if fields.get("images") is not None:
        product.images = _check_images(list(fields["images"]))
    if fields.get("translations") is not None:
        product.translations = _check_translations(dict(fields["translations"]))
    session.add(product)
    session.flush()
    audit.record(session, caller, "product.saved", "product", product.id, before=before, after={"title": product.title})
    return product


def add_variant(session: Session, caller: Caller, product_id: str, fields: dict[str, Any]) -> Variant:
    store = get_store(session, caller)
    product = get_owned(session, Product, product_id, caller, param="product")
    sku = str(fields.get("sku") or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", sku):
        raise ValidationFailed("sku is 1–64 letters, digits, '.', '_' or '-'", param="sku")
    if session.scalar(scoped(Variant, caller).where(Variant.sku == sku)) is not None:
        raise Conflict(f"A variant with sku {sku!r} exists.", param="sku", code="sku_taken")
    price = to_minor(str(fields.get("price", "")), store.base_currency, param="price")
    if not 0 < price <= 10**13:
        raise ValidationFailed("price must be positive and at most 10^13 minor units", param="price")
    weight = fields.get("weight_grams")
    if isinstance(weight, bool) or not isinstance(weight, int) or weight <= 0:
        raise ValidationFailed("weight_grams is a positive integer", param="weight_grams")
    count = len(variants_of(session, product.id))
    variant = Variant(
        id=id_for("variant"),
        org_id=caller.org_id,
        livemode=caller.livemode,
        product_id=product.id,
        sku=sku,
        title=str(fields.get("title") or "Default"),
        price=price,
        weight_grams=weight,
        position=count,
    )
    session.add(variant)
    session.flush()
    audit.record(session, caller, "variant.created", "variant", variant.id, after={"sku": sku, "price": price})
    return variant


def set_stock(session: Session, caller: Caller, variant_id: str, location: str, on_hand: int) -> StockLevel:
    """Set the units on hand at a location (never below what unpaid checkouts hold there)."""
    variant = get_owned(session, Variant, variant_id, caller, param="variant")
    if isinstance(on_hand, bool) or not isinstance(on_hand, int) or on_hand < 0:
        raise ValidationFailed("on_hand is an integer ≥ 0", param="on_hand")
    location = location.strip()
    if not location or len(location) > 60:
        raise ValidationFailed("location is 1–60 characters", param="location")
    stmt = select(StockLevel).where(StockLevel.variant_id == variant.id, StockLevel.location == location)
    level = session.scalars(stmt.with_for_update()).one_or_none()
    if level is None:
        level = StockLevel(variant_id=variant.id, location=location, on_hand=0, reserved=0)
        session.add(level)
    if on_hand < level.reserved:
        raise ValidationFailed(
            f"{level.reserved} units at {location} are held by unpaid checkouts; on_hand cannot go below that",
            param="on_hand",
        )
    before = level.on_hand
    level.on_hand = on_hand
    session.flush()
    audit.record(
        session,
        caller,
        "stock.set",
        "variant",
        variant.id,
        before={"on_hand": before},
        after={"location": location, "on_hand": on_hand},
    )
    return level


def variants_of(session: Session, product_id: str) -> list[Variant]:
    return list(session.scalars(select(Variant).where(Variant.product_id == product_id).order_by(Variant.position)))


def stock_of(session: Session, variant_ids: list[str]) -> dict[str, list[StockLevel]]:
    found: dict[str, list[StockLevel]] = {v: [] for v in variant_ids}
    stmt = select(StockLevel).where(StockLevel.variant_id.in_(variant_ids)).order_by(StockLevel.location)
    for level in session.scalars(stmt):
        found[level.variant_id].append(level)
    return found


def available(levels: list[StockLevel]) -> int:
    return sum(level.on_hand - level.reserved for level in levels)


def localized(product: Product, language: str, default_language: str) -> dict[str, Any]:
    """Title and description in ``language``, else the default, saying so (``fallback``)."""
    text = (product.translations or {}).get(language)
    if language == default_language or not text or not text.get("title"):
        return {
            "title": product.title,
            "description": product.description,
            "language": default_language,
            "fallback": language != default_language,
        }
    return {
        "title": text["title"],
        "description": text.get("description") or product.description,
        "language": language,
        "fallback": False,
    }


def get_product(session: Session, caller: Caller, product_id: str) -> Product:
    return get_owned(session, Product, product_id, caller)


def products_query(caller: Caller, status: str | None = None) -> Any:
    stmt = scoped(Product, caller)
    return stmt if status is None else stmt.where(Product.status == status)


def variant_data(v: Variant, levels: list[StockLevel] | None = None) -> dict[str, Any]:
    data = {
        **object_base(v, "variant"),
        "product": v.product_id,
        "sku": v.sku,
        "title": v.title,
        "price": v.price,
        "weight_grams": v.weight_grams,
    }
    if levels is not None:
        data["stock"] = [{"location": s.location, "on_hand": s.on_hand, "reserved": s.reserved} for s in levels]
        data["available"] = available(levels)
    return data


def product_data(session: Session, p: Product) -> dict[str, Any]:
    variants = variants_of(session, p.id)
    stock = stock_of(session, [v.id for v in variants])
    return {
        **object_base(p, "product"),
        "handle": p.handle,
        "title": p.title,
        "description": p.description,
        "translations": dict(p.translations or {}),
        "hs_code": p.hs_code,
        "origin_country": p.origin_country,
        "images": list(p.images or []),
        "status": p.status,
        "variants": [variant_data(v, stock[v.id]) for v in variants],
    }


def variant_by_sku(session: Session, caller: Caller, sku: str) -> Variant:
    found = session.scalar(scoped(Variant, caller).where(Variant.sku == sku))
    if found is None:
        raise NotFound(f"No variant with SKU {sku!r}", param="sku")
    return found
