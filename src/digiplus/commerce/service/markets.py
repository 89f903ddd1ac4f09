"""Markets: the countries a store sells to, each with a currency, languages and a pricing rule;
and the market's price list (fixed prices per variant)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from digiplus import payments
from digiplus.commerce.models import Market, MarketPrice, Store, Variant
from digiplus.commerce.service.clusters import CLUSTERS
from digiplus.commerce.service.pricing import PricingRule, Rate, check_adjustment, check_rounding
from digiplus.commerce.service.stores import check_country, check_language, get_store
from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.errors import Conflict, InvalidRequest, ValidationFailed
from digiplus.core.ids import id_for
from digiplus.core.money import currency, to_minor
from digiplus.core.tenancy import get_owned, object_base, scoped

CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,38}$")
MAX_PRICE_MINOR = 10**13
MARKET_FIELDS = (
    "name",
    "countries",
    "cluster",
    "currency",
    "languages",
    "adjustment_bps",
    "rounding",
    "fx_rate",
    "active",
)


def _check_rate(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        raise ValidationFailed(f"fx_rate {value!r} is not a number", param="fx_rate") from None
    if not rate.is_finite() or rate <= 0 or rate > 10**9:
        raise ValidationFailed("fx_rate is a positive number up to 1e9 (market units per base unit)", param="fx_rate")
    text = format(rate.normalize(), "f")
    if len(text) > 30:
        raise ValidationFailed("fx_rate has too many digits (at most 30 characters)", param="fx_rate")
    return text


def _apply(session: Session, caller: Caller, market: Market, fields: dict[str, Any]) -> None:
    if fields.get("cluster") is not None:
        if fields["cluster"] not in CLUSTERS:
            raise ValidationFailed(f"cluster is one of {', '.join(CLUSTERS)}", param="cluster")
        market.cluster = fields["cluster"]
        if fields.get("countries") is None:
            market.countries = list(CLUSTERS[fields["cluster"]])
    if fields.get("countries") is not None:
        countries = [check_country(c, param="countries") for c in fields["countries"]]
        if not countries or len(set(countries)) != len(countries):
            raise ValidationFailed("countries is a non-empty list without repeats", param="countries")
        market.countries = countries
    if not market.countries:
        raise ValidationFailed("give countries or a cluster", param="countries")
    if fields.get("currency") is not None:
        market.currency = currency(fields["currency"]).code
    if fields.get("languages") is not None:
        if not fields["languages"]:
            raise ValidationFailed("languages is a non-empty list", param="languages")
        market.languages = [check_language(lang, param="languages") for lang in fields["languages"]]
    if fields.get("name") is not None:
        market.name = fields["name"]
    if fields.get("adjustment_bps") is not None:
        market.adjustment_bps = check_adjustment(fields["adjustment_bps"])
    if "fx_rate" in fields:
        market.fx_rate = _check_rate(fields["fx_rate"])
    if fields.get("active") is not None:
        market.active = bool(fields["active"])
    market.rounding = check_rounding(fields.get("rounding") or market.rounding or "minor", market.currency)
    if market.active:  # a destination country resolves to one market
        others = session.scalars(scoped(Market, caller).where(Market.active.is_(True), Market.id != market.id)).all()
        for other in others:
            shared = sorted(set(other.countries) & set(market.countries))
            if shared:
                raise Conflict(
                    f"{', '.join(shared)} already belong to the market {other.code!r}; a country is in one active market.",
                    param="countries",
                    code="country_in_other_market",
                )


def create_market(session: Session, caller: Caller, code: str, fields: dict[str, Any]) -> Market:
    get_store(session, caller)
    if not CODE.fullmatch(code or ""):
        raise ValidationFailed("code is 1–39 lowercase letters, digits, '-' or '_'", param="code")
    if session.scalar(scoped(Market, caller).where(Market.code == code)) is not None:
        raise Conflict(f"A market {code!r} exists already.", param="code", code="market_exists")
    if fields.get("currency") is None:
        raise ValidationFailed("currency is required", param="currency")
    market = Market(
        id=id_for("market"),
        org_id=caller.org_id,
        livemode=caller.livemode,
        code=code,
        name=fields.get("name") or code,
        countries=[],
        languages=["en"],
        adjustment_bps=0,
        rounding="minor",
        active=True,
    )
    _apply(session, caller, market, fields)
    session.add(market)
    session.flush()
    audit.record(session, caller, "market.created", "market", market.id, after=market_data(market))
    return market


def update_market(session: Session, caller: Caller, market_id: str, fields: dict[str, Any]) -> Market:
    market = get_owned(session, Market, market_id, caller, for_update=True)
    before = market_data(market)
    if fields.get("currency") not in (None, market.currency):
        session.execute(
            delete(MarketPrice).where(MarketPrice.market_id == market.id)
        )  # prices were in the old currency
    _apply(session, caller, market, fields)
    session.flush()
    audit.record(session, caller, "market.updated", "market", market.id, before=before, after=market_data(market))
    return market


def get_market(session: Session, caller: Caller, market_id: str, *, param: str = "id") -> Market:
    return get_owned(session, Market, market_id, caller, param=param)


def markets_of(session: Session, org_id: str, livemode: bool) -> list[Market]:
    stmt = select(Market).where(Market.org_id == org_id, Market.livemode == livemode).order_by(Market.code)
    return list(session.scalars(stmt))


def market_for_country(session: Session, store: Store, country: str) -> Market:
    """The store's active market that sells to ``country``; a country no market serves is refused."""
    country = check_country(country)
    for market in markets_of(session, store.org_id, store.livemode):
        if market.active and country in market.countries:
            return market
    raise InvalidRequest(f"{store.name} does not sell to {country}.", param="country", code="country_not_served")


def pricing_rule(store: Store, market: Market) -> PricingRule:
    """The market's rule; the rate is its manual one, else the platform's mid rate (payments' FX source)."""
    if market.fx_rate is not None:
        rate = Rate(Decimal(market.fx_rate), "manual rate set by the merchant", None)
    elif market.currency == store.base_currency:
        rate = Rate(Decimal(1), "same currency", None)
    else:
        try:
            fx = payments.rate_source().rate(store.base_currency, market.currency)
        except ValidationFailed:
            raise InvalidRequest(
                f"The platform has no exchange rate for {market.currency}; set fixed prices or a manual fx_rate "
                f"on the market {market.code!r}.",
                param="currency",
                code="fx_rate_unavailable",
            ) from None
        rate = Rate(fx.rate, fx.source, fx.as_of)
    return PricingRule(store.base_currency, market.currency, rate, market.adjustment_bps, market.rounding)


def set_price(session: Session, caller: Caller, market_id: str, variant_id: str, amount: str | None) -> Market:
    """Fix the variant's price in the market (``amount`` in major units: "12.99", "1500"); None removes it."""
    market = get_owned(session, Market, market_id, caller, for_update=True, param="market")
    variant = get_owned(session, Variant, variant_id, caller, param="variant")
    session.execute(delete(MarketPrice).where(MarketPrice.market_id == market.id, MarketPrice.variant_id == variant.id))
    minor = None
    if amount is not None:
        minor = to_minor(amount, market.currency, param="amount")
        if not 0 < minor <= MAX_PRICE_MINOR:
            raise ValidationFailed(f"amount must be positive and at most {MAX_PRICE_MINOR} minor units", param="amount")
        session.add(MarketPrice(market_id=market.id, variant_id=variant.id, amount=minor))
    session.flush()
    audit.record(
        session, caller, "market.price_set", "market", market.id, after={"variant": variant.id, "amount": minor}
    )
    return market


def fixed_prices(session: Session, market_id: str, variant_ids: list[str] | None = None) -> dict[str, int]:
    stmt = select(MarketPrice.variant_id, MarketPrice.amount).where(MarketPrice.market_id == market_id)
    if variant_ids is not None:
        stmt = stmt.where(MarketPrice.variant_id.in_(variant_ids))
    return {row[0]: row[1] for row in session.execute(stmt)}


def market_data(m: Market) -> dict[str, Any]:
    return {
        **object_base(m, "market"),
        "code": m.code,
        "name": m.name,
        "cluster": m.cluster,
        "countries": list(m.countries),
        "currency": m.currency,
        "languages": list(m.languages),
        "adjustment_bps": m.adjustment_bps,
        "rounding": m.rounding,
        "fx_rate": m.fx_rate,
        "active": m.active,
    }


def price_list(session: Session, store: Store, market: Market) -> list[dict[str, Any]]:
    """Every variant of the store priced into the market (fixed where the price list has it),
    in one read of the base prices and one of the fixed prices (``reprice_all`` for the rest)."""
    from digiplus.commerce.service.pricing import reprice_all

    rows = session.execute(
        select(Variant.id, Variant.sku, Variant.price)
        .where(Variant.org_id == store.org_id, Variant.livemode == store.livemode)
        .order_by(Variant.id)
    ).all()
    fixed = fixed_prices(session, market.id)
    converted = reprice_all([r[2] for r in rows], pricing_rule(store, market))
    return [
        {
            "variant": r[0],
            "sku": r[1],
            "base_price": r[2],
            "price": fixed.get(r[0], price),
            "source": "fixed" if r[0] in fixed else "converted",
        }
        for r, price in zip(rows, converted, strict=True)
    ]
