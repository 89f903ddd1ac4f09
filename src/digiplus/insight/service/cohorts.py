"""Monthly cohort retention: customers grouped by the Taipei month of their first purchase; for each
cohort and each month after it (0 = the first month), how many of them bought in that month.

``retention = active / cohort size``; month 0 is always 1.0. Cohorts whose first month is before
the scope's period start are left out (their first purchase is older than the window shown), and
every cohort runs up to the ``as_of`` month.
"""

from __future__ import annotations

from typing import Any

from digiplus.insight.service.frame import Facts, Scope, month_index, month_of_index, purchases, rows


def cohorts_expr(facts: Facts, scope: Scope) -> Any:
    p = purchases(facts, scope)
    p = p.mutate(month=month_index(p.local_date))
    first = p.group_by([p.merchant_id.name("f_merchant"), p.customer_ref.name("f_customer")]).agg(cohort=p.month.min())
    active = p.select("merchant_id", "customer_ref", "month").distinct()
    j = active.inner_join(first, [active.merchant_id == first.f_merchant, active.customer_ref == first.f_customer])
    j = j.mutate(offset=j.month - j.cohort)
    return j.group_by(["merchant_id", "cohort", "offset"]).agg(customers=j.count())


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
