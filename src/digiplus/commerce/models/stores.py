"""A merchant's store, its markets and price lists, shipping zones; and the platform's import-rates table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from digiplus.core.db import Base, utcnow
from digiplus.core.tenancy import OrgOwned


class Store(OrgOwned, Base):
    """One per merchant org and mode: the brand, the base currency and the duties choice."""

    __tablename__ = "commerce_stores"
    __object_name__ = "store"
    __table_args__ = (
        UniqueConstraint("org_id", "livemode", name="uq_commerce_stores_org_mode"),
        UniqueConstraint("slug", "livemode", name="uq_commerce_stores_slug_mode"),
    )

    slug: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(100))
    tagline: Mapped[str | None] = mapped_column(String(300))
    base_currency: Mapped[str] = mapped_column(String(3), default="TWD")
    origin_country: Mapped[str] = mapped_column(String(2), default="TW")
    default_language: Mapped[str] = mapped_column(String(8), default="zh-TW")
    duties_mode: Mapped[str] = mapped_column(String(3), default="DDP")  # DDP (collected) | DAP (paid on delivery)
    clusters: Mapped[list[str]] = mapped_column(JSON, default=list)  # opted-in showcase clusters


class Market(OrgOwned, Base):
    """Where a store sells: countries (one, or a cluster's), a currency, languages and a pricing rule."""

    __tablename__ = "commerce_markets"
    __object_name__ = "market"
    __table_args__ = (UniqueConstraint("org_id", "livemode", "code", name="uq_commerce_markets_code"),)

    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    cluster: Mapped[str | None] = mapped_column(String(20))  # western | new_southbound, when made from one
    countries: Mapped[list[str]] = mapped_column(JSON)
    currency: Mapped[str] = mapped_column(String(3))
    languages: Mapped[list[str]] = mapped_column(JSON)
    adjustment_bps: Mapped[int] = mapped_column(Integer, default=0)
    rounding: Mapped[str] = mapped_column(String(20), default="minor")
    fx_rate: Mapped[str | None] = mapped_column(String(40))  # a manual rate (market units per base unit)
    active: Mapped[bool] = mapped_column(default=True)


class MarketPrice(Base):
    """A fixed price for one variant in one market (the market's price list)."""

    __tablename__ = "commerce_market_prices"
    __table_args__ = (UniqueConstraint("market_id", "variant_id", name="uq_commerce_market_prices"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    market_id: Mapped[str] = mapped_column(ForeignKey("commerce_markets.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[str] = mapped_column(ForeignKey("commerce_variants.id", ondelete="CASCADE"))
    amount: Mapped[int] = mapped_column(BigInteger)


class ShippingZone(OrgOwned, Base):
    """Countries served by one set of table rates; ``rest_of_world`` catches every other country."""

    __tablename__ = "commerce_shipping_zones"
    __object_name__ = "shipping_zone"

    name: Mapped[str] = mapped_column(String(100))
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    rest_of_world: Mapped[bool] = mapped_column(default=False)
    carrier: Mapped[str] = mapped_column(String(40), default="table")
    # [{"name", "basis": "weight"|"price", "min", "max" (exclusive, null = no limit), "amount"}];
    # weights in grams, prices and amounts in the store's base currency (minor units)
    rates: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class ImportRate(Base):
    """Destination VAT/GST and duty rates, seeded from ``data/import_rates.json``; operator-editable."""

    __tablename__ = "commerce_import_rates"

    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    livemode: Mapped[bool] = mapped_column(primary_key=True)
    tax_name: Mapped[str] = mapped_column(String(40))
    vat_rate: Mapped[str] = mapped_column(String(12))
    vat_de_minimis: Mapped[int] = mapped_column(BigInteger)
    duty_rate: Mapped[str] = mapped_column(String(12))
    duty_de_minimis: Mapped[int] = mapped_column(BigInteger)
    threshold_currency: Mapped[str] = mapped_column(String(3))
    duty_by_hs: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    valuation: Mapped[str] = mapped_column(String(3), default="CIF")  # CIF | FOB: what duty is assessed on
    de_minimis_on: Mapped[str] = mapped_column(String(14), default="goods")  # goods | customs_value
    note: Mapped[str | None] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(1000))
    as_of: Mapped[str] = mapped_column(String(10))
    updated: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(40))


class DiscountCode(OrgOwned, Base):
    """A merchant's code for its own shop: a percentage, or a fixed amount per market currency;
    an optional minimum basket (per currency), validity window and usage limit.

    ``times_used`` only moves by one conditional ``UPDATE`` at checkout (``times_used < usage_limit``),
    so the last use cannot be taken twice."""

    __tablename__ = "commerce_discount_codes"
    __object_name__ = "discount_code"
    __table_args__ = (UniqueConstraint("org_id", "livemode", "code", name="uq_commerce_discount_codes_code"),)

    code: Mapped[str] = mapped_column(String(40))  # upper case
    kind: Mapped[str] = mapped_column(String(10))  # percent | fixed
    percent_off: Mapped[str | None] = mapped_column(String(12))  # "10", "12.5"
    amounts_off: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # currency → minor units (fixed)
    min_subtotal: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # currency → minor units
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]  # exclusive
    usage_limit: Mapped[int | None] = mapped_column(Integer)
    times_used: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(default=True)
