"""Shipping: zones of countries (one may be the "rest of world" catch-all), table rates by weight
or by price, and carriers behind one interface (``Carrier``) with the table-rate implementation.

A zone's rates are written in the store's base currency. For a parcel, the zone is the one listing
the destination country, else the store's rest-of-world zone; each of the zone's rates whose
``[min, max)`` range holds the parcel's weight (grams) or base-currency value is an option.
The chosen option's amount is converted into the order currency at the market's rate, without the
market's adjustment or rounding rule, to the nearest minor unit (half up).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy.orm import Session

from digiplus.commerce.models import ShippingZone
from digiplus.commerce.service.pricing import PricingRule, round_major
from digiplus.commerce.service.stores import check_country, get_store
from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.errors import Conflict, InvalidRequest, ValidationFailed
from digiplus.core.ids import id_for
from digiplus.core.money import currency
from digiplus.core.tenancy import get_owned, object_base, scoped

BASES = ("weight", "price")


@dataclass(frozen=True, slots=True)
class Parcel:
    country: str
    weight_grams: int
    base_value: int  # the items at base prices, base-currency minor units


@dataclass(frozen=True, slots=True)
class ShippingOption:
    code: str  # "<zone id>:<rate index>"
    name: str
    carrier: str
    base_amount: int  # base currency, minor units


class Carrier(Protocol):
    """A carrier answers the options it offers for a parcel in a zone (a live API would plug in here)."""

    name: str

    def options(self, zone: ShippingZone, parcel: Parcel) -> list[ShippingOption]: ...


class TableRateCarrier:
    """Options straight from the zone's table of rates."""

    name = "table"

    def options(self, zone: ShippingZone, parcel: Parcel) -> list[ShippingOption]:
        found = []
        for index, rate in enumerate(zone.rates or []):
            measure = parcel.weight_grams if rate["basis"] == "weight" else parcel.base_value
            if measure >= rate["min"] and (rate.get("max") is None or measure < rate["max"]):
                found.append(ShippingOption(f"{zone.id}:{index}", rate["name"], self.name, rate["amount"]))
        return found


CARRIERS: dict[str, Carrier] = {"table": TableRateCarrier()}


def _check_rates(rates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    checked = []
    for i, rate in enumerate(rates):
        param = f"rates[{i}]"
        if rate.get("basis") not in BASES:
            raise ValidationFailed(f"{param}[basis] is weight or price", param=f"{param}[basis]")
        name = str(rate.get("name") or "").strip()
        if not name:
            raise ValidationFailed(f"{param}[name] is required", param=f"{param}[name]")
        low, high, amount = rate.get("min", 0), rate.get("max"), rate.get("amount")
        for key, value in (("min", low), ("amount", amount)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValidationFailed(f"{param}[{key}] is an integer ≥ 0", param=f"{param}[{key}]")
        if high is not None and (isinstance(high, bool) or not isinstance(high, int) or high <= low):
            raise ValidationFailed(f"{param}[max] is an integer above min, or null", param=f"{param}[max]")
        checked.append({"name": name, "basis": rate["basis"], "min": low, "max": high, "amount": amount})
    return checked


def save_zone(session: Session, caller: Caller, zone_id: str | None, fields: dict[str, Any]) -> ShippingZone:
    get_store(session, caller)
    if zone_id is None:
        zone = ShippingZone(id=id_for("shipping_zone"), org_id=caller.org_id, livemode=caller.livemode, countries=[])
    else:
        zone = get_owned(session, ShippingZone, zone_id, caller, for_update=True)
    before = zone_data(zone) if zone_id else None
    if fields.get("name") is not None:
        zone.name = fields["name"]
    if not zone.name:
        raise ValidationFailed("name is required", param="name")
    if fields.get("rest_of_world") is not None:
        zone.rest_of_world = bool(fields["rest_of_world"])
    if fields.get("countries") is not None:
        zone.countries = sorted({check_country(c, param="countries") for c in fields["countries"]})
    if fields.get("carrier") is not None:
        if fields["carrier"] not in CARRIERS:
            raise ValidationFailed(f"carrier is one of {', '.join(CARRIERS)}", param="carrier")
        zone.carrier = fields["carrier"]
    if fields.get("rates") is not None:
        zone.rates = _check_rates(list(fields["rates"]))
    zone.carrier = zone.carrier or "table"
    if zone.rest_of_world and zone.countries:
        raise ValidationFailed("a rest-of-world zone lists no countries", param="countries")
    if not zone.rest_of_world and not zone.countries:
        raise ValidationFailed("give countries, or make it the rest-of-world zone", param="countries")
    for other in session.scalars(scoped(ShippingZone, caller).where(ShippingZone.id != zone.id)):
        if zone.rest_of_world and other.rest_of_world:
            raise Conflict("The store has a rest-of-world zone already.", param="rest_of_world", code="zone_conflict")
        shared = sorted(set(zone.countries) & set(other.countries))
        if shared:
            raise Conflict(
                f"{', '.join(shared)} are in the zone {other.name!r} already.", param="countries", code="zone_conflict"
            )
    session.add(zone)
    session.flush()
    audit.record(session, caller, "shipping_zone.saved", "shipping_zone", zone.id, before=before, after=zone_data(zone))
    return zone


def zones_of(session: Session, caller: Caller) -> list[ShippingZone]:
    return list(session.scalars(scoped(ShippingZone, caller).order_by(ShippingZone.rest_of_world, ShippingZone.name)))


def zone_for(session: Session, caller: Caller, country: str) -> ShippingZone:
    rest = None
    for zone in zones_of(session, caller):
        if country in zone.countries:
            return zone
        if zone.rest_of_world:
            rest = zone
    if rest is None:
        raise InvalidRequest(f"The store does not ship to {country}.", param="country", code="country_not_shipped")
    return rest


def options_for(session: Session, caller: Caller, parcel: Parcel) -> list[ShippingOption]:
    zone = zone_for(session, caller, parcel.country)
    options = CARRIERS[zone.carrier].options(zone, parcel)
    if not options:
        raise InvalidRequest(
            f"No shipping rate of the zone {zone.name!r} fits this parcel ({parcel.weight_grams} g).",
            param="shipping",
            code="no_shipping_rate",
        )
    return options


def in_market_currency(base_amount: int, rule: PricingRule) -> int:
    """A base-currency shipping amount in the order currency: the market's rate only, minor unit half up."""
    if base_amount == 0:
        return 0
    major = Decimal(base_amount).scaleb(-currency(rule.base_currency).exponent) * rule.rate.value
    return round_major(major, "minor", rule.currency)


def zone_data(z: ShippingZone) -> dict[str, Any]:
    return {
        **object_base(z, "shipping_zone"),
        "name": z.name,
        "countries": list(z.countries or []),
        "rest_of_world": z.rest_of_world,
        "carrier": z.carrier,
        "rates": list(z.rates or []),
    }
