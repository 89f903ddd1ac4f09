"""``/v1/commerce/store``, ``/markets``, ``/shipping_zones``, ``/import_rates``, ``/quotes``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from digiplus.commerce.api.deps import Writer
from digiplus.commerce.schemas import (
    ImportRateSave,
    List,
    MarketCreate,
    MarketFields,
    PriceSet,
    Public,
    QuoteRequest,
    StoreSave,
    ZoneSave,
    as_lines,
    dump,
)
from digiplus.commerce.service import baskets, import_rates, markets, shipping, stores
from digiplus.core.api.auth import ApiCaller
from digiplus.core.api.deps import SessionDep
from digiplus.core.api.responses import ERROR_RESPONSES

router = APIRouter(prefix="/v1/commerce", tags=["commerce"], responses=ERROR_RESPONSES)
ObjectId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_]+$")]
CountryCode = Annotated[str, Path(pattern=r"^[A-Za-z]{2}$")]


@router.post("/store", response_model=Public, summary="Open the store or change its settings")
def save_store(body: StoreSave, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return stores.store_data(stores.save_store(session, caller, dump(body)))


@router.get("/store", response_model=Public, summary="The caller's store")
def get_store(session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    return stores.store_data(stores.get_store(session, caller))


@router.post("/markets", response_model=Public, summary="Add a market (countries or a cluster)")
def create_market(body: MarketCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    fields = dump(body)
    return markets.market_data(markets.create_market(session, caller, fields.pop("code"), fields))


@router.get("/markets", response_model=List, summary="The store's markets")
def list_markets(session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    data = [markets.market_data(m) for m in markets.markets_of(session, caller.org_id, caller.livemode)]
    return {"object": "list", "data": data, "has_more": False, "url": "/v1/commerce/markets"}


@router.get("/markets/{market_id}", response_model=Public, summary="Retrieve a market")
def get_market(market_id: ObjectId, session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    return markets.market_data(markets.get_market(session, caller, market_id))


@router.post("/markets/{market_id}", response_model=Public, summary="Change a market")
def update_market(market_id: ObjectId, body: MarketFields, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return markets.market_data(markets.update_market(session, caller, market_id, dump(body)))


@router.post(
    "/markets/{market_id}/prices", response_model=Public, summary="Fix (or unfix) a variant's price in a market"
)
def set_price(market_id: ObjectId, body: PriceSet, session: SessionDep, caller: Writer) -> dict[str, Any]:
    market = markets.set_price(session, caller, market_id, body.variant, body.amount)
    return {**markets.market_data(market), "prices": markets.fixed_prices(session, market.id)}


@router.get("/markets/{market_id}/prices", response_model=Public, summary="The market's full price list")
def price_list(market_id: ObjectId, session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    market = markets.get_market(session, caller, market_id)
    store = stores.get_store(session, caller)
    return {
        "object": "price_list",
        "market": market.code,
        "currency": market.currency,
        "pricing": baskets.pricing_data(markets.pricing_rule(store, market)),
        "data": markets.price_list(session, store, market),
    }


@router.post("/shipping_zones", response_model=Public, summary="Add a shipping zone with table rates")
def create_zone(body: ZoneSave, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return shipping.zone_data(shipping.save_zone(session, caller, None, dump(body)))


@router.post("/shipping_zones/{zone_id}", response_model=Public, summary="Change a shipping zone")
def update_zone(zone_id: ObjectId, body: ZoneSave, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return shipping.zone_data(shipping.save_zone(session, caller, zone_id, dump(body)))


@router.get("/shipping_zones", response_model=List, summary="The store's shipping zones")
def list_zones(session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    data = [shipping.zone_data(z) for z in shipping.zones_of(session, caller)]
    return {"object": "list", "data": data, "has_more": False, "url": "/v1/commerce/shipping_zones"}


@router.get("/import_rates", response_model=List, summary="Destination VAT/GST and duty rates (the platform's table)")
def list_import_rates(session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    data = [import_rates.rate_data(r) for r in import_rates.list_rates(session, caller.livemode)]
    return {"object": "list", "data": data, "has_more": False, "url": "/v1/commerce/import_rates"}


@router.get("/import_rates/{country}", response_model=Public, summary="One country's import rates")
def get_import_rate(country: CountryCode, session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    return import_rates.rate_data(import_rates.get_rate(session, caller.livemode, country))


@router.post("/import_rates/{country}", response_model=Public, summary="Add or change a country's rates (operators)")
def save_import_rate(country: CountryCode, body: ImportRateSave, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return import_rates.rate_data(import_rates.save_rate(session, caller, country, dump(body)))


@router.post("/quotes", response_model=Public, summary="Price a basket into the market serving a country")
def quote(body: QuoteRequest, session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    store = stores.get_store(session, caller)
    priced = baskets.price_basket(
        session,
        store,
        body.country,
        as_lines(body.lines),
        shipping_option=body.shipping_option,
        discount_code=body.discount_code,
    )
    return baskets.quote_data(priced, body.language)
