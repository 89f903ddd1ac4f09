"""Sales over time, the summary (average ticket), peak hours and new vs returning customers.

Each figure is one Ibis expression grouped by merchant (so the same code answers for one merchant
or, in the benchmark, for all); ratios are worked out from its integer results in Python.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import ibis

from digiplus.insight.service.frame import Facts, Scope, in_period, period_start, purchases, rows, scoped_payments
from digiplus.insight.service.frame import scoped_refunds as _refunds


def _ratio(numerator: int, denominator: int) -> float:
    return round(numerator / denominator, 4) if denominator else 0.0


def _mean(total: int, count: int) -> int:
    """A mean amount in whole minor units, halves rounded up."""
    return (2 * total + count) // (2 * count) if count else 0


def sales_expr(facts: Facts, scope: Scope, grain: str) -> Any:
    p = in_period(scoped_payments(facts, scope), scope)
    p = p.mutate(period=period_start(p.local_ts, grain))
    paid = p.group_by(["merchant_id", "period"]).agg(
        payments=p.count(),
        gross=p.amount.sum(),
        customers=p.customer_ref.nunique(),
    )
    r = _refunds(facts, scope)
    r = r.filter(r.local_date >= scope.first_day)
    r = r.mutate(period=period_start(r.local_ts, grain))
    back = r.group_by([r.merchant_id.name("r_merchant_id"), r.period.name("r_period")]).agg(
        refunds=r.count(), refunded=r.amount.sum()
    )
    joined = paid.outer_join(back, [paid.merchant_id == back.r_merchant_id, paid.period == back.r_period])
    return joined.select(
        merchant_id=ibis.coalesce(joined.merchant_id, joined.r_merchant_id),
        period=ibis.coalesce(joined.period, joined.r_period),
        payments=joined.payments.fill_null(0),
        gross=joined.gross.fill_null(0),
        customers=joined.customers.fill_null(0),
        refunds=joined.refunds.fill_null(0),
        refunded=joined.refunded.fill_null(0),
    ).order_by(["merchant_id", "period"])


def _periods(first: date, last: date, grain: str) -> list[date]:
    if grain == "day":
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]
    if grain == "week":
        start = first - timedelta(days=first.weekday())
        return [start + timedelta(weeks=i) for i in range((last - start).days // 7 + 1)]
    found, month = [], date(first.year, first.month, 1)
    while month <= last:
        found.append(month)
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return found


def sales_over_time(facts: Facts, scope: Scope, grain: str = "day") -> list[dict[str, Any]]:
    """Per day, ISO week or month of the scope's period (every period, zeros where nothing sold):
    payments, gross, refunds made, refunded, net (gross − refunded), distinct customers and the
    average ticket (gross / payments, in minor units)."""
    found = {r["period"]: r for r in rows(sales_expr(facts, scope, grain))}
    out = []
    for period in _periods(scope.first_day, scope.as_of, grain):
        r = found.get(period) or {"payments": 0, "gross": 0, "customers": 0, "refunds": 0, "refunded": 0}
        out.append(
            {
                "period": period,
                "payments": r["payments"],
                "gross": r["gross"],
                "refunds": r["refunds"],
                "refunded": r["refunded"],
                "net": r["gross"] - r["refunded"],
                "customers": r["customers"],
                "average_ticket": _mean(r["gross"], r["payments"]),
            }
        )
    return out


def summary_expr(facts: Facts, scope: Scope) -> Any:
    p = in_period(scoped_payments(facts, scope), scope)
    known = p.customer_ref.notnull()
    return p.group_by("merchant_id").agg(
        payments=p.count(),
        gross=p.amount.sum(),
        refunded=p.refunded.sum(),
        net=p.net.sum(),
        customers=p.customer_ref.nunique(),
        anonymous_payments=(~known).sum(),
        foreign_payments=(p.payer_country.notnull() & (p.payer_country != "TW")).sum(),
        first_paid=p.local_date.min(),
        last_paid=p.local_date.max(),
    )


def summary(facts: Facts, scope: Scope) -> dict[str, Any]:
    """The period's totals: payments, gross, refunded (on those payments), net, customers, average
    ticket (gross / payments) and net average ticket (net / payments), repeat rate."""
    found = rows(summary_expr(facts, scope))
    r = found[0] if found else {}
    payments, gross, net = r.get("payments", 0), r.get("gross") or 0, r.get("net") or 0
    repeat = rows(_repeat_customers(facts, scope))
    repeaters = repeat[0]["repeaters"] if repeat else 0
    customers = r.get("customers", 0)
    return {
        "currency": scope.currency,
        "since": scope.first_day,
        "as_of": scope.as_of,
        "payments": payments,
        "gross": gross,
        "refunded": r.get("refunded") or 0,
        "net": net,
        "customers": customers,
        "repeat_customers": repeaters,
        "repeat_rate": _ratio(repeaters, customers),
        "anonymous_payments": r.get("anonymous_payments") or 0,
        "foreign_payments": r.get("foreign_payments") or 0,
        "average_ticket": _mean(gross, payments),
        "average_net_ticket": _mean(net, payments),
        "first_paid": r.get("first_paid"),
        "last_paid": r.get("last_paid"),
    }


def _repeat_customers(facts: Facts, scope: Scope) -> Any:
    p = in_period(purchases(facts, scope), scope)
    per = p.group_by(["merchant_id", "customer_ref"]).agg(n=p.count())
    return per.group_by("merchant_id").agg(repeaters=(per.n > 1).sum())


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def peak_hours_expr(facts: Facts, scope: Scope) -> Any:
    p = in_period(scoped_payments(facts, scope), scope)
    p = p.mutate(weekday=p.local_ts.day_of_week.index(), hour=p.local_ts.hour())
    return p.group_by(["merchant_id", "weekday", "hour"]).agg(payments=p.count(), gross=p.amount.sum())


def peak_hours(facts: Facts, scope: Scope) -> list[dict[str, Any]]:
    """The weekday × hour heatmap (Taipei time): all 7 × 24 cells, weekday 0 = Monday."""
    found = {(r["weekday"], r["hour"]): r for r in rows(peak_hours_expr(facts, scope))}
    return [
        {
            "weekday": d,
            "weekday_name": WEEKDAYS[d],
            "hour": h,
            "payments": found.get((d, h), {}).get("payments", 0),
            "gross": found.get((d, h), {}).get("gross", 0),
        }
        for d in range(7)
        for h in range(24)
    ]


def new_vs_returning_expr(facts: Facts, scope: Scope, grain: str) -> Any:
    p = purchases(facts, scope)
    first = p.group_by([p.merchant_id.name("f_merchant_id"), p.customer_ref.name("f_customer_ref")]).agg(
        first_ts=p.local_ts.min()
    )
    p = in_period(p, scope)
    j = p.inner_join(first, [p.merchant_id == first.f_merchant_id, p.customer_ref == first.f_customer_ref])
    j = j.mutate(period=period_start(j.local_ts, grain), first_period=period_start(j.first_ts, grain))
    j = j.mutate(is_new=j.period == j.first_period)
    per_customer = j.group_by(["merchant_id", "period", "customer_ref"]).agg(
        is_new=j.is_new.any(), purchases=j.count(), net=j.net.sum()
    )
    c = per_customer
    return c.group_by(["merchant_id", "period"]).agg(
        new_customers=c.is_new.sum(),
        returning_customers=(~c.is_new).sum(),
        new_purchases=c.purchases.sum(where=c.is_new),
        returning_purchases=c.purchases.sum(where=~c.is_new),
        new_net=c.net.sum(where=c.is_new),
        returning_net=c.net.sum(where=~c.is_new),
    )


def new_vs_returning(facts: Facts, scope: Scope, grain: str = "month") -> list[dict[str, Any]]:
    """Per period: customers buying for the first time ever at this merchant (new) and those who had
    bought before (returning), with their purchases and net sales."""
    found = {r["period"]: r for r in rows(new_vs_returning_expr(facts, scope, grain))}
    keys = ("new_customers", "returning_customers", "new_purchases", "returning_purchases", "new_net", "returning_net")
    out = []
    for period in _periods(scope.first_day, scope.as_of, grain):
        r = found.get(period, {})
        out.append({"period": period, **{k: r.get(k) or 0 for k in keys}})
    return out
