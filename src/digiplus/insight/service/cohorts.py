"""Monthly cohort retention: customers grouped by the Taipei month of their first purchase; for each
cohort and each month after it (0 = the first month), how many of them bought in that month.

``retention = active / cohort size``; month 0 is always 1.0. Cohorts whose first month is before
the scope's period start are left out (their first purchase is older than the window shown), and
every cohort runs up to the ``as_of`` month.
"""

from __future__ import annotations

from typing import Any

from digiplus.insight.service.frame import Facts, Scope, month_index_of_day, month_of_index, purchases, rows


def cohorts_expr(facts: Facts, scope: Scope) -> Any:
    """Customers active per (merchant, cohort month, months since): one pass over the purchases
    (each customer's months, their first one by a window), no self-join."""
    p = purchases(facts, scope)
    active = p.select("merchant_id", "customer_ref", month=month_index_of_day(p.local_day)).distinct()
    active = active.mutate(cohort=active.month.min().over(group_by=["merchant_id", "customer_ref"]))
    active = active.mutate(offset=active.month - active.cohort)
    return active.group_by(["merchant_id", "cohort", "offset"]).agg(customers=active.count())


def cohort_retention(facts: Facts, scope: Scope) -> list[dict[str, Any]]:
    """One row per (cohort, month offset) from offset 0 to the ``as_of`` month, zeros included:
    ``cohort`` (first day of the month), ``size``, ``offset``, ``customers`` active, ``retention``."""
    first_month = scope.first_day.year * 12 + scope.first_day.month - 1
    last_month = scope.as_of.year * 12 + scope.as_of.month - 1
    found: dict[int, dict[int, int]] = {}
    for r in rows(cohorts_expr(facts, scope)):
        found.setdefault(r["cohort"], {})[r["offset"]] = r["customers"]
    out = []
    for cohort in sorted(c for c in found if c >= first_month):
        size = found[cohort].get(0, 0)
        for offset in range(last_month - cohort + 1):
            active = found[cohort].get(offset, 0)
            out.append(
                {
                    "cohort": month_of_index(cohort),
                    "size": size,
                    "offset": offset,
                    "customers": active,
                    "retention": round(active / size, 4) if size else 0.0,
                }
            )
    return out
