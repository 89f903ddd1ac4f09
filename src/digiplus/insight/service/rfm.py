"""RFM: recency, frequency and monetary quintile scores, the 11 named segments, their counts, the
movement between segments from one month to the next, and each segment's customers.

As of a Taipei day, per customer of the merchant (purchases only: known customer, net > 0, every
purchase up to that day):

- ``recency_days``: days since the last purchase (0 = bought that day);
- ``frequency``: number of purchases; ``monetary``: their net amount (minor units).

**Scores** are quintiles among the merchant's customers: with ``rank`` the 0-based position in
ascending order (ties share the lowest position, as SQL's ``RANK() - 1``) and ``n`` the number of
customers, ``score = floor(5 × rank / n) + 1``. Recency is ranked from the longest ago, so the most
recent customers score 5; frequency and monetary from the smallest. With distinct values this is
exactly ``NTILE(5)``; tied customers always share a score.

**Segments** come from the R × F grid of the widely used RFM segment map (the ``rfm`` package's
and most tutorials' "R × F" regex map), with its bottom-left cell split into Hibernating (R 2) and
Lost (R 1) to give the 11 standard names:

=====  ===============  ===================  ==================  ===============  ==========
R \\ F  1                2                    3                   4                5
=====  ===============  ===================  ==================  ===============  ==========
5      New              Potential loyalist   Potential loyalist  Champions        Champions
4      Promising        Potential loyalist   Potential loyalist  Loyal            Loyal
3      About to sleep   About to sleep       Need attention      Loyal            Loyal
2      Hibernating      Hibernating          At risk             At risk          Can't lose
1      Lost             Lost                 At risk             At risk          Can't lose
=====  ===============  ===================  ==================  ===============  ==========

M is scored and reported (and orders each segment's customer list) but, as in that map, does not
move a customer between segments.
"""

from __future__ import annotations

import calendar
from dataclasses import replace
from datetime import date
from typing import Any

import ibis

from digiplus.core.errors import InvalidRequest
from digiplus.insight.service.frame import Facts, Scope, day_number, purchases, rows

SEGMENTS = (
    "champions",
    "loyal",
    "potential_loyalist",
    "new",
    "promising",
    "need_attention",
    "about_to_sleep",
    "at_risk",
    "cant_lose",
    "hibernating",
    "lost",
)
SEGMENT_NAMES = {
    "champions": "Champions",
    "loyal": "Loyal",
    "potential_loyalist": "Potential loyalist",
    "new": "New",
    "promising": "Promising",
    "need_attention": "Need attention",
    "about_to_sleep": "About to sleep",
    "at_risk": "At risk",
    "cant_lose": "Can't lose",
    "hibernating": "Hibernating",
    "lost": "Lost",
}
# (recency score, frequency score) → segment: the grid in the module docstring.
SEGMENT_GRID: dict[tuple[int, int], str] = {}
for _f in (1, 2, 3, 4, 5):
    SEGMENT_GRID[(5, _f)] = ("new", "potential_loyalist", "potential_loyalist", "champions", "champions")[_f - 1]
    SEGMENT_GRID[(4, _f)] = ("promising", "potential_loyalist", "potential_loyalist", "loyal", "loyal")[_f - 1]
    SEGMENT_GRID[(3, _f)] = ("about_to_sleep", "about_to_sleep", "need_attention", "loyal", "loyal")[_f - 1]
    SEGMENT_GRID[(2, _f)] = ("hibernating", "hibernating", "at_risk", "at_risk", "cant_lose")[_f - 1]
    SEGMENT_GRID[(1, _f)] = ("lost", "lost", "at_risk", "at_risk", "cant_lose")[_f - 1]


def _quintile(order: Any, n: Any) -> Any:
    rank = ibis.rank().over(group_by="merchant_id", order_by=order)
    return ((rank * 5) // n + 1).cast("int8")


def _segment(r: Any, f: Any) -> Any:
    cases = [((r == rs) & (f == fs), segment) for (rs, fs), segment in SEGMENT_GRID.items()]
    return ibis.cases(*cases, else_="lost")


def rfm_expr(facts: Facts, scope: Scope) -> Any:
    """One row per customer: the raw values, the three scores, ``rfm`` ("545") and the segment."""
    p = purchases(facts, scope)
    c = p.group_by(["merchant_id", "customer_ref"]).agg(
        last_day=p.local_day.max(), frequency=p.count(), monetary=p.net.sum()
    )
    c = c.mutate(recency_days=(day_number(scope.as_of) - c.last_day).cast("int64"))
    n = c.customer_ref.count().over(group_by="merchant_id")
    c = c.mutate(
        r_score=_quintile(ibis.desc(c.recency_days), n),
        f_score=_quintile(c.frequency, n),
        m_score=_quintile(c.monetary, n),
    )
    c = c.mutate(segment=_segment(c.r_score, c.f_score))
    return c.select(
        "merchant_id",
        "customer_ref",
        "recency_days",
        "frequency",
        "monetary",
        "r_score",
        "f_score",
        "m_score",
        "segment",
    )


def customer_scores(facts: Facts, scope: Scope) -> list[dict[str, Any]]:
    """Every customer's values, scores and segment (by customer reference)."""
    out = rows(rfm_expr(facts, scope).order_by(["merchant_id", "customer_ref"]))
    for r in out:
        r["rfm"] = f"{r['r_score']}{r['f_score']}{r['m_score']}"
    return out


def segment_counts(facts: Facts, scope: Scope) -> list[dict[str, Any]]:
    """Every segment in the map's order: customers, their share, mean recency and frequency, net sales."""
    c = rfm_expr(facts, scope)
    found = {
        r["segment"]: r
        for r in rows(
            c.group_by(["merchant_id", "segment"]).agg(
                customers=c.count(),
                recency_days_total=c.recency_days.sum(),
                frequency_total=c.frequency.sum(),
                monetary=c.monetary.sum(),
            )
        )
    }
    total = sum(r["customers"] for r in found.values())
    out = []
    for segment in SEGMENTS:
        r = found.get(segment, {})
        n = r.get("customers", 0)
        out.append(
            {
                "segment": segment,
                "name": SEGMENT_NAMES[segment],
                "customers": n,
                "share": round(n / total, 4) if total else 0.0,
                "mean_recency_days": round(r["recency_days_total"] / n, 1) if n else None,
                "mean_frequency": round(r["frequency_total"] / n, 2) if n else None,
                "monetary": r.get("monetary", 0),
            }
        )
    return out


def segment_customers(
    facts: Facts, scope: Scope, segment: str, *, limit: int = 100, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """A page of one segment's customers, highest monetary value first; and how many there are."""
    if segment not in SEGMENTS:
        raise InvalidRequest(f"segment must be one of {', '.join(SEGMENTS)}.", param="segment")
    c = rfm_expr(facts, scope)
    c = c.filter(c.segment == segment)
    total = rows(c.agg(n=c.count()))[0]["n"]
    page = rows(c.order_by([ibis.desc("monetary"), "customer_ref"]).limit(limit, offset=offset))
    for r in page:
        r["rfm"] = f"{r['r_score']}{r['f_score']}{r['m_score']}"
    return page, int(total)


def month_before(day: date) -> date:
    """The same day a month earlier (the month's last day when it has fewer days)."""
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def movement_expr(facts: Facts, scope: Scope, previous: date) -> Any:
    before = rfm_expr(facts, replace(scope, as_of=previous))
    now = rfm_expr(facts, scope)
    b = before.select(b_merchant=before.merchant_id, b_customer=before.customer_ref, from_segment=before.segment)
    j = now.left_join(b, [now.merchant_id == b.b_merchant, now.customer_ref == b.b_customer])
    j = j.mutate(from_segment=j.from_segment.fill_null("none"))
    return j.group_by(["merchant_id", "from_segment", j.segment.name("to_segment")]).agg(customers=j.count())


def movement(facts: Facts, scope: Scope, previous: date | None = None) -> dict[str, Any]:
    """How the customers of ``as_of`` were segmented a month earlier (``previous``): one row per
    (from, to) pair with customers; ``from_segment`` is ``none`` for customers new since then."""
    previous = previous or month_before(scope.as_of)
    if previous >= scope.as_of:
        raise InvalidRequest("previous must be a day before as_of.", param="previous")
    found = rows(movement_expr(facts, scope, previous))
    order = {s: i for i, s in enumerate(("none", *SEGMENTS))}
    found.sort(key=lambda r: (order[r["from_segment"]], order[r["to_segment"]]))
    return {
        "previous": previous,
        "as_of": scope.as_of,
        "data": [
            {"from_segment": r["from_segment"], "to_segment": r["to_segment"], "customers": r["customers"]}
            for r in found
        ],
    }
