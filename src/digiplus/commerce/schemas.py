"""Request bodies and response shapes of ``/v1/commerce/…``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from digiplus.core.api.inputs import StrictInput
from digiplus.core.api.pagination import ListResponse

Country = Field(pattern=r"^[A-Za-z]{2}$", examples=["JP"])
Lang = Literal["zh-TW", "en", "ja", "ko", "vi", "th", "id", "ms"]


class Public(BaseModel):
    model_config = ConfigDict(extra="allow")
    object: str


class StoreSave(StrictInput):
    slug: str | None = Field(default=None, max_length=60, examples=["alishan-tea"])
    name: str | None = Field(default=None, min_length=1, max_length=100)
    tagline: str | None = Field(default=None, max_length=300)
    base_currency: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")
    origin_country: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}$")
    default_language: Lang | None = None
    duties_mode: Literal["DDP", "DAP"] | None = None
    clusters: list[Literal["western", "new_southbound"]] | None = None


class MarketFields(StrictInput):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    cluster: Literal["western", "new_southbound"] | None = None
    countries: list[str] | None = Field(default=None, max_length=60)
    currency: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")
    languages: list[Lang] | None = Field(default=None, max_length=8)
    adjustment_bps: int | None = Field(default=None, ge=-9000, le=10000)
    rounding: Literal["minor", "whole", "ends_99", "nearest_10", "nearest_100", "nearest_1000"] | None = None
    fx_rate: str | None = Field(default=None, max_length=40, description="manual rate, market units per base unit")
    active: bool | None = None


class MarketCreate(MarketFields):
    code: str = Field(min_length=1, max_length=39, examples=["jp"])


class PriceSet(StrictInput):
    variant: str = Field(max_length=64)
    amount: str | None = Field(
        max_length=30, description="major units of the market currency; null removes the fixed price"
    )


class ImportRateSave(StrictInput):
    tax_name: str | None = Field(default=None, max_length=40)
    vat_rate: str | None = Field(default=None, max_length=12, examples=["10"])
    vat_de_minimis: int | None = Field(default=None, ge=0, le=10**15)
    duty_rate: str | None = Field(default=None, max_length=12)
    duty_de_minimis: int | None = Field(default=None, ge=0, le=10**15)
    threshold_currency: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")
    duty_by_hs: dict[str, str] | None = Field(default=None, max_length=200)
    valuation: Literal["CIF", "FOB"] | None = Field(
        default=None, description="CIF: duty on goods + freight + insurance; FOB: on the goods alone"
    )
    de_minimis_on: Literal["goods", "customs_value"] | None = Field(
        default=None, description="what the de minimis is compared with: the goods' value or the customs value"
    )
    note: str | None = Field(default=None, max_length=300)
    source: str | None = Field(default=None, max_length=1000)


class ShippingRateInput(StrictInput):
    name: str = Field(min_length=1, max_length=60)
    basis: Literal["weight", "price"]
    min: int = Field(default=0, ge=0, le=10**12)
    max: int | None = Field(default=None, ge=1, le=10**12)
    amount: int = Field(ge=0, le=10**12)


class ZoneSave(StrictInput):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    countries: list[str] | None = Field(default=None, max_length=250)
    rest_of_world: bool | None = None
    carrier: Literal["table"] | None = None
    rates: list[ShippingRateInput] | None = Field(default=None, max_length=50)


class ImageInput(StrictInput):
    url: str = Field(max_length=500)
    alt: str = Field(default="", max_length=200)


class TranslationInput(StrictInput):
    title: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=5000)


class ProductSave(StrictInput):
    handle: str | None = Field(default=None, max_length=80, examples=["high-mountain-oolong"])
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    hs_code: str | None = Field(default=None, max_length=13, examples=["090230"])
    origin_country: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}$")
    status: Literal["active", "draft", "archived"] | None = None
    images: list[ImageInput] | None = Field(default=None, max_length=20)
    translations: dict[Lang, TranslationInput] | None = None


class VariantCreate(StrictInput):
    sku: str = Field(max_length=64)
    title: str = Field(default="Default", max_length=120)
    price: str = Field(max_length=30, description="major units of the store's base currency", examples=["450"])
    weight_grams: int = Field(ge=1, le=1_000_000)


class StockSet(StrictInput):
    location: str = Field(min_length=1, max_length=60, examples=["Taipei warehouse"])
    on_hand: int = Field(ge=0, le=10**9)


class LineInput(StrictInput):
    variant: str = Field(max_length=64)
    quantity: int = Field(ge=1, le=999)


class QuoteRequest(StrictInput):
    country: str = Country
    lines: list[LineInput] = Field(min_length=1, max_length=100)
    shipping_option: str | None = Field(default=None, max_length=100)
    discount_code: str | None = Field(default=None, max_length=40, examples=["SPRING10"])
    language: Lang | None = None


class List(ListResponse[Public]):
    pass


def as_lines(lines: list[LineInput]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for line in lines:
        merged[line.variant] = merged.get(line.variant, 0) + line.quantity
    return merged


def dump(body: BaseModel) -> dict[str, Any]:
    return body.model_dump(exclude_unset=True)


class CartCreate(StrictInput):
    country: str = Country
    language: Lang | None = None


class CartLineSet(StrictInput):
    variant: str = Field(max_length=64)
    quantity: int = Field(ge=0, le=999, description="0 removes the line")


class AddressInput(StrictInput):
    name: str = Field(max_length=200)
    line1: str = Field(max_length=200)
    line2: str | None = Field(default=None, max_length=200)
    city: str = Field(max_length=200)
    region: str | None = Field(default=None, max_length=200)
    postal_code: str | None = Field(default=None, max_length=20)
    country: str = Country
    phone: str | None = Field(default=None, max_length=40)


class CheckoutRequest(StrictInput):
    email: str = Field(max_length=200)
    address: AddressInput
    expected_total: int = Field(ge=0, description="the total the buyer saw, minor units; the server's must match")
    currency: str = Field(pattern=r"^[A-Za-z]{3}$")
    shipping_option: str | None = Field(default=None, max_length=100)


class FulfillmentCreate(StrictInput):
    lines: dict[str, int] | None = Field(default=None, description="order line id → units; omitted: everything left")
    carrier: str = Field(min_length=1, max_length=60)
    tracking_number: str | None = Field(default=None, max_length=80)


class OrderCancel(StrictInput):
    reason: str | None = Field(default=None, max_length=40)


class ReturnCreate(StrictInput):
    lines: dict[str, int] | None = Field(default=None, description="order line id → units; omitted: everything shipped")
    reason: str | None = Field(default=None, max_length=200)
    restock: bool = True


MajorAmounts = Field(
    default=None,
    max_length=40,
    description='currency → amount in major units ("500" JPY, "4.99" USD); more decimals than the currency has is refused',
    examples=[{"JPY": "500", "USD": "4.99"}],
)


class DiscountCodeFields(StrictInput):
    percent_off: str | None = Field(default=None, max_length=12, description="percent code: 0 < p ≤ 100, 2 decimals")
    amounts_off: dict[str, str] | None = MajorAmounts
    min_subtotal: dict[str, str] | None = MajorAmounts
    starts_at: int | None = Field(default=None, ge=0, description="Unix seconds; none: valid now")
    ends_at: int | None = Field(default=None, ge=0, description="Unix seconds, exclusive; none: no end")
    usage_limit: int | None = Field(default=None, ge=1, le=10**9, description="none: unlimited")
    active: bool | None = None


class DiscountCodeCreate(DiscountCodeFields):
    code: str = Field(min_length=3, max_length=40, examples=["SPRING10"])
    kind: Literal["percent", "fixed"]


class CartDiscountSet(StrictInput):
    code: str | None = Field(max_length=40, description="null removes the code")


class CartLoyaltySet(StrictInput):
    member: str | None = Field(max_length=64, pattern=r"^[A-Za-z0-9_]+$", description="the buyer's loyalty member id")
    reward: str | None = Field(max_length=64, pattern=r"^[A-Za-z0-9_]+$", description="null stops using a reward")
