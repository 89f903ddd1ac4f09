"""A merchant's store: brand, base currency, origin and the duties choice (DDP or DAP)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus.commerce.models import Store
from digiplus.commerce.service.clusters import CLUSTERS, LANGUAGES
from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.errors import Conflict, NotFound, ValidationFailed
from digiplus.core.ids import id_for
from digiplus.core.money import currency
from digiplus.core.tenancy import object_base, scoped

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,58}[a-z0-9]$")
DUTIES_MODES = ("DDP", "DAP")


def check_country(code: str, *, param: str = "country") -> str:
    if not isinstance(code, str) or not re.fullmatch(r"[A-Za-z]{2}", code):
        raise ValidationFailed(
            f"{code!r} is not an ISO 3166-1 alpha-2 country code", param=param, code="country_invalid"
        )
    return code.upper()


def check_language(code: str, *, param: str = "language") -> str:
    if code not in LANGUAGES:
        raise ValidationFailed(f"language is one of {', '.join(LANGUAGES)}; got {code!r}", param=param)
    return code


def save_store(session: Session, caller: Caller, fields: dict[str, Any]) -> Store:
    """Create the caller's store or update the fields given (``slug`` is unique per mode)."""
    store = session.scalars(scoped(Store, caller).with_for_update()).one_or_none()
    before = store_data(store) if store else None
    if store is None:
        for required in ("slug", "name"):
            if not fields.get(required):
                raise ValidationFailed(f"{required} is required to open a store", param=required)
        store = Store(id=id_for("store"), org_id=caller.org_id, livemode=caller.livemode, clusters=[])
    if "slug" in fields and fields["slug"] is not None:
        slug = str(fields["slug"])
        if not SLUG.fullmatch(slug):
            raise ValidationFailed("slug is 3–60 lowercase letters, digits and hyphens", param="slug")
        taken = session.scalar(select(Store.id).where(Store.slug == slug, Store.livemode == caller.livemode))
        if taken is not None and taken != store.id:
            raise Conflict(f"The store address {slug!r} is taken.", param="slug", code="slug_taken")
        store.slug = slug
    for name in ("name", "tagline"):
        if fields.get(name) is not None:
            setattr(store, name, fields[name])
    if fields.get("base_currency") is not None:
        store.base_currency = currency(fields["base_currency"], param="base_currency").code
    if fields.get("origin_country") is not None:
        store.origin_country = check_country(fields["origin_country"], param="origin_country")
    if fields.get("default_language") is not None:
        store.default_language = check_language(fields["default_language"], param="default_language")
    if fields.get("duties_mode") is not None:
        if fields["duties_mode"] not in DUTIES_MODES:
            raise ValidationFailed(
                "duties_mode is DDP (collected at checkout) or DAP (paid on delivery)", param="duties_mode"
            )
        store.duties_mode = fields["duties_mode"]
    if fields.get("clusters") is not None:
        unknown = [c for c in fields["clusters"] if c not in CLUSTERS]
        if unknown:
            raise ValidationFailed(f"clusters are among {', '.join(CLUSTERS)}; unknown: {unknown}", param="clusters")
        store.clusters = sorted(set(fields["clusters"]))
    store.base_currency = store.base_currency or "TWD"
    store.origin_country = store.origin_country or "TW"
    store.default_language = store.default_language or "zh-TW"
    store.duties_mode = store.duties_mode or "DDP"
    session.add(store)
    session.flush()
    audit.record(session, caller, "store.saved", "store", store.id, before=before, after=store_data(store))
    return store


def get_store(session: Session, caller: Caller) -> Store:
    store = session.scalars(scoped(Store, caller)).one_or_none()
    if store is None:
        raise NotFound("This organization has no store yet; open one first.", param="store", code="store_missing")
    return store


def store_by_slug(session: Session, slug: str, livemode: bool) -> Store:
    store = session.scalars(select(Store).where(Store.slug == slug, Store.livemode == livemode)).one_or_none()
    if store is None:
        raise NotFound(f"No such store: {slug!r}", param="store")
    return store


def store_data(s: Store) -> dict[str, Any]:
    return {
        **object_base(s, "store"),
        "slug": s.slug,
        "name": s.name,
        "tagline": s.tagline,
        "base_currency": s.base_currency,
        "origin_country": s.origin_country,
        "default_language": s.default_language,
        "duties_mode": s.duties_mode,
        "clusters": list(s.clusters or []),
    }
