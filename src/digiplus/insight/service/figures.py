"""Every figure by name, for the caller: the one entry the API, the CLI and the pages call.

``figure(name, caller, options)`` opens the lake on the configured engine, scopes it to the
caller (its org as the merchant, its mode), runs the analysis and returns a ``Figure``: the JSON
object's extra fields (``meta``) and its table (``data``, rows of plain values), which is also
what the CSV export writes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from digiplus.core.context import Caller
from digiplus.core.errors import InvalidRequest
from digiplus.insight.service import basket, clv, cohorts, mix, rfm, sales
from digiplus.insight.service.frame import Facts, Scope, open_facts, taipei_today, with_currency


@dataclass(frozen=True)
class Options:
    """What a caller may choose; each figure reads the options it knows."""

    as_of: date | None = None
    since: date | None = None
    currency: str | None = None
    grain: str = "day"
    by: str = "scenario"
    segment: str = "champions"
    limit: int = 100
    offset: int = 0
    previous: date | None = None
    min_support: float = 0.01
    min_confidence: float = 0.2


@dataclass
class Figure:
    name: str
    scope: Scope
    data: list[dict[str, Any]]
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "object": f"insight.{self.name}",
            "merchant": self.scope.merchant_id,
            "livemode": self.scope.livemode,
            "currency": self.scope.currency,
            "since": self.scope.first_day.isoformat(),
            "as_of": self.scope.as_of.isoformat(),
            **{k: _plain(v) for k, v in self.meta.items()},
            "data": [{k: _plain(v) for k, v in r.items()} for r in self.data],
        }

    def to_csv(self) -> str:
        out = io.StringIO()
        columns = list(self.data[0]) if self.data else CSV_COLUMNS.get(self.name, [])
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for r in self.data:
            writer.writerow({k: _cell(v) for k, v in r.items()})
        return out.getvalue()


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return " + ".join(str(v) for v in value)
    return _plain(value)


CSV_COLUMNS = {
    "segment_customers": ["customer_ref", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score"],
    "rfm_movement": ["from_segment", "to_segment", "customers"],
    "foreign_visitors": ["country", "payer_currency", "payments", "customers", "net", "payer_amount"],
    "clv": ["customer_ref", "frequency", "recency_days", "age_days", "probability_alive", "expected_value_12m"],
    "basket_itemsets": ["items", "size", "baskets", "support"],
    "basket_rules": ["antecedent", "consequent", "baskets", "support", "confidence", "lift"],
}


def _summary(facts: Facts, scope: Scope, o: Options) -> Figure:
    return Figure("summary", scope, [sales.summary(facts, scope)])


def _sales(facts: Facts, scope: Scope, o: Options) -> Figure:
    return Figure("sales", scope, sales.sales_over_time(facts, scope, o.grain), {"grain": o.grain})


def _peak_hours(facts: Facts, scope: Scope, o: Options) -> Figure:
    return Figure("peak_hours", scope, sales.peak_hours(facts, scope), {"time_zone": "Asia/Taipei"})


def _new_vs_returning(facts: Facts, scope: Scope, o: Options) -> Figure:
    return Figure("new_vs_returning", scope, sales.new_vs_returning(facts, scope, o.grain), {"grain": o.grain})


def _mix(facts: Facts, scope: Scope, o: Options) -> Figure:
    if o.by not in mix.MIX_DIMENSIONS:
        raise InvalidRequest("by must be scenario or payment_method.", param="by")
    return Figure("mix", scope, mix.mix(facts, scope, o.by), {"by": o.by})


def _foreign(facts: Facts, scope: Scope, o: Options) -> Figure:
    return Figure("foreign_visitors", scope, mix.foreign_visitors(facts, scope), {"home_country": mix.HOME_COUNTRY})


def _segments(facts: Facts, scope: Scope, o: Options) -> Figure:
    return Figure("rfm_segments", scope, rfm.segment_counts(facts, scope))


def _segment_customers(facts: Facts, scope: Scope, o: Options) -> Figure:
    page, total = rfm.segment_customers(facts, scope, o.segment, limit=o.limit, offset=o.offset)
    data = [{k: v for k, v in r.items() if k not in ("merchant_id", "segment")} for r in page]
    meta = {"segment": o.segment, "total": total, "limit": o.limit, "offset": o.offset}
    meta["has_more"] = o.offset + len(page) < total
    return Figure("segment_customers", scope, data, meta)


def _movement(facts: Facts, scope: Scope, o: Options) -> Figure:
    moved = rfm.movement(facts, scope, o.previous)
    return Figure("rfm_movement", scope, moved["data"], {"previous": moved["previous"]})


def _cohorts(facts: Facts, scope: Scope, o: Options) -> Figure:
    return Figure("cohorts", scope, cohorts.cohort_retention(facts, scope))


def _clv(facts: Facts, scope: Scope, o: Options) -> Figure:
    found = clv.clv(facts, scope)
    data = found.pop("data")
    total = len(data)
    found["has_more"] = o.offset + o.limit < total
    return Figure("clv", scope, data[o.offset : o.offset + o.limit], {**found, "limit": o.limit, "offset": o.offset})


def _itemsets(facts: Facts, scope: Scope, o: Options) -> Figure:
    found = basket.frequent_itemsets(facts, scope, o.min_support)
    return Figure("basket_itemsets", scope, found.pop("data"), found)


def _rules(facts: Facts, scope: Scope, o: Options) -> Figure:
    found = basket.association_rules(facts, scope, o.min_support, o.min_confidence)
    return Figure("basket_rules", scope, found.pop("data"), found)


FIGURES: dict[str, Callable[[Facts, Scope, Options], Figure]] = {
    "summary": _summary,
    "sales": _sales,
    "peak_hours": _peak_hours,
    "new_vs_returning": _new_vs_returning,
    "mix": _mix,
    "foreign_visitors": _foreign,
    "rfm_segments": _segments,
    "segment_customers": _segment_customers,
    "rfm_movement": _movement,
    "cohorts": _cohorts,
    "clv": _clv,
    "basket_itemsets": _itemsets,
    "basket_rules": _rules,
}


def scope_for(caller: Caller, options: Options) -> Scope:
    as_of = options.as_of or taipei_today()
    if options.since is not None and options.since > as_of:
        raise InvalidRequest("since must not be after as_of.", param="since")
    since = options.since or (as_of - timedelta(days=364))
    currency = options.currency.upper() if options.currency else None
    return Scope(caller.org_id, caller.livemode, as_of=as_of, currency=currency, since=since)


def figure(name: str, caller: Caller, options: Options | None = None, *, facts: Facts | None = None) -> Figure:
    """The figure ``name`` of the caller's own facts (its org is the merchant, its mode the rows')."""
    options = options or Options()
    facts = facts or open_facts()
    scope = with_currency(facts, scope_for(caller, options))
    return FIGURES[name](facts, scope, options)


def figures(names: list[str], caller: Caller, options: Options | None = None) -> dict[str, Figure]:
    """Several figures on one connection (the pages draw a few at once)."""
    facts = open_facts()
    options = options or Options()
    scope = with_currency(facts, scope_for(caller, options))
    return {name: FIGURES[name](facts, replace(scope), options) for name in names}
