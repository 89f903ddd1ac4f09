"""The platform's table of destination VAT/GST and duty rates with de minimis thresholds.

Seeded per mode from ``data/import_rates.json`` (its ``source`` and ``as_of`` say where the figures
come from and when); an operator org's owner or admin edits a country's row through the API or CLI,
and the row then records who changed it and when.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus.commerce.models import ImportRate
from digiplus.commerce.service.duties import DE_MINIMIS_BASES, VALUATIONS, CountryRates
from digiplus.commerce.service.stores import check_country
from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.db import insert_ignore, utcnow
from digiplus.core.errors import InvalidRequest, NotFound, PermissionDenied, ValidationFailed
from digiplus.core.money import currency
from digiplus.identity import service as identity

RATES_FILE = Path(__file__).resolve().parents[1] / "data" / "import_rates.json"
OPERATE = "commerce.operate"
SEEDED = datetime(2025, 9, 1, tzinfo=UTC)


@cache
def seed_table() -> dict[str, Any]:
    return json.loads(RATES_FILE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _seed_rows(livemode: bool) -> list[dict[str, Any]]:
    table = seed_table()
    return [
        {
            "country": country,
            "livemode": livemode,
            "tax_name": row["tax_name"],
            "vat_rate": row["vat_rate"],
            "vat_de_minimis": row["vat_de_minimis"],
            "duty_rate": row["duty_rate"],
            "duty_de_minimis": row["duty_de_minimis"],
            "threshold_currency": row["threshold_currency"],
            "duty_by_hs": row["duty_by_hs"],
            "valuation": row["valuation"],
            "de_minimis_on": row["de_minimis_on"],
            "note": row.get("note"),
            "source": row.get("source") or table["source"],
            "as_of": row.get("as_of") or table["as_of"],
            "updated": SEEDED,
            "updated_by": None,
        }
        for country, row in table["countries"].items()
    ]


def _stored(session: Session, livemode: bool) -> bool:
    return session.scalar(select(ImportRate.country).where(ImportRate.livemode == livemode).limit(1)) is not None


def ensure_seeded(session: Session, livemode: bool) -> None:
    """Write the file's rows for this mode before the first edit (an operator's edits are never overwritten)."""
    if not _stored(session, livemode):
        for values in _seed_rows(livemode):
            insert_ignore(session, ImportRate.__table__, values)
        session.flush()


def _row(session: Session, livemode: bool, country: str) -> ImportRate | None:
    """The stored row; until an operator first edits the table, the file's (reads write nothing)."""
    if _stored(session, livemode):
        return session.get(ImportRate, (country, livemode))
    found = [ImportRate(**values) for values in _seed_rows(livemode) if values["country"] == country]
    return found[0] if found else None


def country_rates(session: Session, livemode: bool, country: str) -> CountryRates:
    row = _row(session, livemode, country)
    if row is None:
        raise InvalidRequest(
            f"The platform has no import duty and tax rates for {country}, so a parcel there cannot be priced; "
            "an operator must add them (POST /v1/commerce/import_rates/{country}) before selling there.",
            param="country",
            code="import_rates_missing",
        )
    return as_country_rates(row)


def as_country_rates(row: ImportRate) -> CountryRates:
    return CountryRates(
        country=row.country,
        tax_name=row.tax_name,
        vat_rate=Decimal(row.vat_rate),
        vat_de_minimis=row.vat_de_minimis,
        duty_rate=Decimal(row.duty_rate),
        duty_de_minimis=row.duty_de_minimis,
        threshold_currency=row.threshold_currency,
        duty_by_hs={k: Decimal(v) for k, v in (row.duty_by_hs or {}).items()},
        valuation=row.valuation,
        de_minimis_on=row.de_minimis_on,
    )


def list_rates(session: Session, livemode: bool) -> list[ImportRate]:
    if not _stored(session, livemode):
        return [ImportRate(**values) for values in sorted(_seed_rows(livemode), key=lambda v: v["country"])]
    return list(session.scalars(select(ImportRate).where(ImportRate.livemode == livemode).order_by(ImportRate.country)))


def get_rate(session: Session, livemode: bool, country: str) -> ImportRate:
    row = _row(session, livemode, check_country(country))
    if row is None:
        raise NotFound(f"No import rates for {country}", param="country")
    return row


def _percent(value: Any, param: str) -> str:
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        raise ValidationFailed(f"{param} {value!r} is not a number", param=param) from None
    if not rate.is_finite() or not 0 <= rate <= 100 or rate.as_tuple().exponent < -4:  # type: ignore[operator]
        raise ValidationFailed(f"{param} is a percentage from 0 to 100 with at most 4 decimals", param=param)
    return format(rate.normalize(), "f")


def _threshold(value: Any, param: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationFailed(f"{param} is zero (no threshold) or a positive amount in minor units", param=param)
    return value


def save_rate(session: Session, caller: Caller, country: str, fields: dict[str, Any]) -> ImportRate:
    """Create or change one country's row (operators only); every change is audited."""
    org = identity.get_organization(session, caller.org_id)
    if org.kind != "operator" or not caller.can(OPERATE):
        raise PermissionDenied("Only the platform operator's owners and admins edit the import-rates table.")
    country = check_country(country)
    ensure_seeded(session, caller.livemode)
    row = session.get(ImportRate, (country, caller.livemode), with_for_update=True)
    before = rate_data(row) if row else None
    if row is None:
        missing = [f for f in ("tax_name", "vat_rate", "duty_rate", "threshold_currency") if fields.get(f) is None]
        if missing:
            raise ValidationFailed(f"{missing[0]} is required for a new country", param=missing[0])
        row = ImportRate(
            country=country,
            livemode=caller.livemode,
            vat_de_minimis=0,
            duty_de_minimis=0,
            duty_by_hs={},
            valuation="CIF",
            de_minimis_on="goods",
        )
        session.add(row)
    if fields.get("tax_name") is not None:
        row.tax_name = str(fields["tax_name"])
    for name in ("vat_rate", "duty_rate"):
        if fields.get(name) is not None:
            setattr(row, name, _percent(fields[name], name))
    for name in ("vat_de_minimis", "duty_de_minimis"):
        if fields.get(name) is not None:
            setattr(row, name, _threshold(fields[name], name))
    if fields.get("threshold_currency") is not None:
        row.threshold_currency = currency(fields["threshold_currency"], param="threshold_currency").code
    if fields.get("duty_by_hs") is not None:
        by_hs = {}
        for prefix, rate in dict(fields["duty_by_hs"]).items():
            if not (str(prefix).isdigit() and 2 <= len(str(prefix)) <= 10):
                raise ValidationFailed(f"duty_by_hs key {prefix!r} is an HS prefix of 2–10 digits", param="duty_by_hs")
            by_hs[str(prefix)] = _percent(rate, "duty_by_hs")
        row.duty_by_hs = by_hs
    if fields.get("valuation") is not None:
        if fields["valuation"] not in VALUATIONS:
            raise ValidationFailed("valuation is CIF or FOB", param="valuation")
        row.valuation = fields["valuation"]
    if fields.get("de_minimis_on") is not None:
        if fields["de_minimis_on"] not in DE_MINIMIS_BASES:
            raise ValidationFailed("de_minimis_on is goods or customs_value", param="de_minimis_on")
        row.de_minimis_on = fields["de_minimis_on"]
    if "note" in fields:
        row.note = fields["note"]
    row.source = str(fields.get("source") or f"edited by operator {caller.org_id}")
    row.as_of = utcnow().date().isoformat()
    row.updated, row.updated_by = utcnow(), caller.actor_id
    session.flush()
    audit.record(session, caller, "import_rate.saved", "import_rate", country, before=before, after=rate_data(row))
    return row


def rate_data(r: ImportRate) -> dict[str, Any]:
    return {
        "object": "import_rate",
        "country": r.country,
        "livemode": r.livemode,
        "tax_name": r.tax_name,
        "vat_rate": r.vat_rate,
        "vat_de_minimis": r.vat_de_minimis,
        "duty_rate": r.duty_rate,
        "duty_de_minimis": r.duty_de_minimis,
        "threshold_currency": r.threshold_currency,
        "duty_by_hs": dict(r.duty_by_hs or {}),
        "valuation": r.valuation,
        "de_minimis_on": r.de_minimis_on,
        "note": r.note,
        "source": r.source,
        "as_of": r.as_of,
        "updated": int(r.updated.timestamp()),
    }
