"""Customer lifetime value: BG/NBD + Gamma-Gamma fitted per merchant (service/btyd.py) on a
per-customer summary computed in Ibis.

The summary follows the models' convention, in days: purchases on the same Taipei day count as
one; ``x`` = purchase days − 1 (repeat purchases), ``t_x`` = days from the first purchase day to
the last, ``T`` = days from the first purchase day to ``as_of``; ``mean_value`` = the mean net
value of the repeat purchase days (the first day's is left out, as Gamma-Gamma requires).

Per customer: probability alive, expected purchases and expected net value for the next 3, 6 and
12 months (91, 183 and 365 days); value = expected purchases × Gamma-Gamma's expected value of a
purchase, undiscounted (horizons of a year or less). A merchant needs at least ``MIN_CUSTOMERS``
customers of whom ``MIN_REPEATERS`` came back before the models are fitted.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from digiplus.insight.service import btyd
from digiplus.insight.service.frame import Facts, Scope, day_number, purchases, rows

HORIZONS = {"3m": 91, "6m": 183, "12m": 365}
MIN_CUSTOMERS = 20
MIN_REPEATERS = 5


def summary_expr(facts: Facts, scope: Scope) -> Any:
    p = purchases(facts, scope)
    daily = p.group_by(["merchant_id", "customer_ref", "local_day"]).agg(value=p.net.sum())
    daily = daily.mutate(first_day=daily.local_day.min().over(group_by=["merchant_id", "customer_ref"]))
    c = daily.group_by(["merchant_id", "customer_ref"]).agg(
        days=daily.count(),
        first_day=daily.first_day.min(),
        last_day=daily.local_day.max(),
        repeat_value=daily.value.sum(where=daily.local_day != daily.first_day),
    )
    return c.select(
        "merchant_id",
        "customer_ref",
        x=(c.days - 1).cast("int64"),
        t_x=(c.last_day - c.first_day).cast("int64"),
        T=(day_number(scope.as_of) - c.first_day).cast("int64"),
        repeat_value=c.repeat_value.fill_null(0).cast("int64"),
    )


@dataclass(frozen=True)
class MerchantFits:
    """Both models for every merchant of a per-customer summary sorted by merchant.

    ``merchants`` and ``fitted`` have one entry per merchant; ``bgnbd`` and ``gamma_gamma`` one
    per fitted merchant (in the same order); ``rows`` are the summary rows of the fitted
    merchants' customers, ``group`` the fitted merchant (0, 1, …) of each, and every array of
    ``predictions`` is aligned with ``rows``."""

    merchants: np.ndarray
    fitted: np.ndarray
    bgnbd: btyd.BgNbdFits
    gamma_gamma: btyd.GammaGammaFits
    rows: np.ndarray
    group: np.ndarray
    predictions: dict[str, np.ndarray]

    def per_merchant_total(self, name: str) -> np.ndarray:
        """A prediction summed over each fitted merchant's customers."""
        totals: np.ndarray = np.bincount(self.group, weights=self.predictions[name], minlength=int(self.fitted.sum()))
        return totals


UNFITTED_REASON = f"needs at least {MIN_CUSTOMERS} customers of whom {MIN_REPEATERS} bought again"


def fit_merchants(
    merchant: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, repeat_value: np.ndarray
) -> MerchantFits:
    """BG/NBD and Gamma-Gamma for every merchant at once (btyd's batched Newton), and every
    customer's predictions. The arrays are the summary's columns, sorted by merchant."""
    x, t_x, T, repeat_value = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T, repeat_value))
    groups = btyd.Groups.of_sorted(np.asarray(merchant))
    repeaters = groups.sum((x > 0).astype(np.int64)) if len(groups) else np.zeros(0, np.int64)
    fitted = (groups.sizes >= MIN_CUSTOMERS) & (repeaters >= MIN_REPEATERS)
    mine, rows = groups.subset(fitted)
    x, t_x, T, repeat_value = x[rows], t_x[rows], T[rows], repeat_value[rows]
    bg = btyd.fit_bgnbd_groups(mine, x, t_x, T)
    repeat = x > 0
    mean_value = np.where(repeat, repeat_value / np.maximum(x, 1), 0.0)
    group_of_row = mine.spread(np.arange(len(mine)))
    gg = btyd.fit_gamma_gamma_groups(
        btyd.Groups.of_sorted(group_of_row[repeat]), x[repeat], np.maximum(mean_value[repeat], 1e-9)
    )
    value_each = btyd.expected_average_value(gg, x, mean_value, mine)
    predictions: dict[str, np.ndarray] = {
        "probability_alive": btyd.probability_alive(bg, x, t_x, T, mine),
        "mean_value": mean_value,
        "expected_value_per_purchase": value_each,
    }
    for name, days in HORIZONS.items():
        expected = btyd.expected_purchases(bg, days, x, t_x, T, mine)
        predictions[f"expected_purchases_{name}"] = expected
        predictions[f"expected_value_{name}"] = expected * value_each
    names = np.asarray(merchant)[groups.starts] if len(groups) else np.zeros(0, dtype=object)
    return MerchantFits(names, fitted, bg, gg, rows, group_of_row, predictions)


def fit_merchant(x: np.ndarray, t_x: np.ndarray, T: np.ndarray, repeat_value: np.ndarray) -> dict[str, Any]:
    """Both models for one merchant's customers and every customer's predictions (or why not)."""
    fits = fit_merchants(np.zeros(len(x), dtype=np.int64), x, t_x, T, repeat_value)
    if not fits.fitted.any():
        return {"fitted": False, "reason": UNFITTED_REASON}
    return {
        "fitted": True,
        "bgnbd": asdict(fits.bgnbd.group(0)),
        "gamma_gamma": asdict(fits.gamma_gamma.group(0)),
        "predictions": fits.predictions,
    }


def _columns(found: list[dict[str, Any]], name: str) -> np.ndarray:
    return np.array([r[name] for r in found], dtype=np.float64)


def clv(facts: Facts, scope: Scope) -> dict[str, Any]:
    """The models' parameters and every customer's predictions, highest 12-month value first."""
    found = rows(summary_expr(facts, scope).order_by(["merchant_id", "customer_ref"]))
    x, t_x, T, value = (_columns(found, c) for c in ("x", "t_x", "T", "repeat_value"))
    fit = fit_merchant(x, t_x, T, value)
    result: dict[str, Any] = {
        "fitted": fit["fitted"],
        "reason": fit.get("reason"),
        "customers_total": len(found),
        "horizons_days": HORIZONS,
        "bgnbd": fit.get("bgnbd"),
        "gamma_gamma": fit.get("gamma_gamma"),
        "data": [],
    }
    if not fit["fitted"]:
        return result
    pred = fit["predictions"]
    out = []
    for i, r in enumerate(found):
        row = {
            "customer_ref": r["customer_ref"],
            "frequency": r["x"],
            "recency_days": r["t_x"],
            "age_days": r["T"],
            "mean_value": round(float(pred["mean_value"][i])),
            "probability_alive": round(float(pred["probability_alive"][i]), 4),
        }
        for name in HORIZONS:
            row[f"expected_purchases_{name}"] = round(float(pred[f"expected_purchases_{name}"][i]), 3)
            row[f"expected_value_{name}"] = round(float(pred[f"expected_value_{name}"][i]))
        out.append(row)
    out.sort(key=lambda r: (-r["expected_value_12m"], r["customer_ref"]))
    result["data"] = out
    result["expected_value_12m_total"] = sum(r["expected_value_12m"] for r in out)
    return result
