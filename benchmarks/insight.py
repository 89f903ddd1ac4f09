"""RFM + cohorts + CLV for every merchant of a lake, three ways over the same Parquet, same run:

* ``ibis``: digiplus.insight's own expressions (service/rfm.py, cohorts.py, clv.py) on DuckDB;
* ``pandas``: the usual way: read the Parquet into pandas, ``groupby``/``rank``/``merge``;
* ``sql``: hand-written DuckDB SQL over ``read_parquet`` (the floor).

All three then fit the same BG/NBD + Gamma-Gamma models for every merchant at once
(``clv.fit_merchants``, service/btyd.py's batched Newton), so the CLV stage differs only in how
the per-customer summary is computed. Each variant runs in its own process (its peak RSS is its
own), ``--repeat`` times; two tables show the medians per stage in wall seconds and in CPU
seconds (process time, every thread: steadier than wall time on a shared machine), the whole
process's wall time (start-up and imports included), and the ratios to the SQL floor. The three results are checked equal
(segment counts per merchant, the retention matrix, the CLV summary totals).

    python benchmarks/insight.py              # 10,000,000 payments, 100,000 customers, 1,000 merchants
    python benchmarks/insight.py --quick      # 1,000,000 payments
    python benchmarks/insight.py --payments 200000 --merchants 100 --customers 5000 --repeat 1

The lake is generated once per size under ``var/bench/insight-lake-<N>/`` (deterministic, seed 6)
in facts.py's layout, and reused. Writes ``var/bench/insight.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from digiplus.insight.service import clv, cohorts, rfm  # noqa: E402
from digiplus.insight.service.frame import Scope, day_number, open_facts  # noqa: E402
from digiplus.lake import Lake  # noqa: E402
from digiplus.lake.facts import FACT_TABLES  # noqa: E402

AS_OF = date(2026, 11, 30)
DAYS = 365
VARIANTS = ("ibis", "pandas", "sql")


# --- the generator -----------------------------------------------------------------------------
def generate(path: Path, n: int, customers: int, merchants: int, seed: int = 6) -> None:
    """N payments over the year to AS_OF: each customer shops at 1–4 merchants of its own for a
    while (then stops, as BG/NBD expects); hours follow a shop day; 1% of payments are partly refunded within three days."""
    rng = np.random.default_rng(seed)
    lake = Lake(str(path))
    cust = rng.zipf(1.3, n * 2)
    cust = (cust[cust <= customers][:n] - 1).astype(np.int64)
    if len(cust) < n:
        cust = np.concatenate([cust, rng.integers(0, customers, n - len(cust))])
    rng.shuffle(cust)
    slot = rng.integers(0, 4, n)
    home = (cust * 7919 + slot * 104729) % merchants  # the customer's own few merchants
    # Each customer starts some day of the year and stays a while (exponential, mean 150 days).
    start = (np.arange(customers) * 2654435761) % DAYS
    stays = rng.exponential(150, customers).astype(np.int64) + 1
    span = np.minimum(stays, DAYS - start)[cust]
    day = start[cust] + (rng.random(n) * span).astype(np.int64)
    hour = rng.choice(np.arange(24), n, p=_hour_weights())
    seconds = (AS_OF - date(1970, 1, 1)).days * 86400 - (DAYS - 1 - day) * 86400 + hour * 3600
    seconds = seconds + rng.integers(0, 3600, n) - 8 * 3600  # Taipei wall clock to UTC
    amount = np.round(rng.lognormal(5.0, 0.6, n)).astype(np.int64) * 100
    order = np.argsort(seconds, kind="stable")
    home, cust, seconds, amount = home[order], cust[order], seconds[order], amount[order]
    ids = pc.binary_join_element_wise("pi_", pc.cast(pa.array(np.arange(n)), pa.string()), "")
    merchant_names = pa.array([f"org_m{m:04d}" for m in range(merchants)])
    customer_names = pa.array([f"c{c:06d}" for c in range(customers)])
    table = pa.table(
        {
            "payment_id": ids,
            "merchant_id": pa.DictionaryArray.from_arrays(pa.array(home), merchant_names).cast(pa.string()),
            "livemode": pa.array(np.zeros(n, dtype=bool)),
            "source": pa.array(["sync"] * 1, pa.string()).take(pa.array(np.zeros(n, dtype=np.int64))),
            "customer_ref": pa.DictionaryArray.from_arrays(pa.array(cust), customer_names).cast(pa.string()),
            "paid_at": pa.array(seconds * 1_000_000, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
            "amount": pa.array(amount),
            "currency": pa.array(["TWD"], pa.string()).take(pa.array(np.zeros(n, dtype=np.int64))),
        }
    )
    for name in ("payer_currency",):
        table = table.append_column(name, table["currency"])
    table = table.append_column("payer_amount", table["amount"])
    nulls = pa.nulls(n, pa.string())
    for name in ("payer_country", "scenario", "mcc"):
        table = table.append_column(name, nulls)
    table = table.append_column(
        "payment_method", pa.array(["wallet"], pa.string()).take(pa.array(np.zeros(n, dtype=np.int64)))
    )
    table = table.append_column("items", pa.nulls(n, FACT_TABLES["payments"].schema.field("items").type))
    table = table.select(FACT_TABLES["payments"].schema.names).cast(FACT_TABLES["payments"].schema)
    local_day = (seconds + 8 * 3600) // 86400
    _write_by_day(lake, "payments", table, local_day)
    refunded = np.flatnonzero(rng.random(n) < 0.01)
    r_seconds = seconds[refunded] + rng.integers(0, 3 * 86400, len(refunded))
    keep = (r_seconds + 8 * 3600) // 86400 <= day_number(AS_OF)
    refunded, r_seconds = refunded[keep], r_seconds[keep]
    order = np.argsort(r_seconds, kind="stable")
    refunded, r_seconds = refunded[order], r_seconds[order]
    refunds = pa.table(
        {
            "refund_id": pc.binary_join_element_wise(
                "re_", pc.cast(pa.array(np.arange(len(refunded))), pa.string()), ""
            ),
            "payment_id": table["payment_id"].take(pa.array(refunded)),
            "merchant_id": table["merchant_id"].take(pa.array(refunded)),
            "livemode": pa.array(np.zeros(len(refunded), dtype=bool)),
            "source": table["source"].take(pa.array(refunded)),
            "refunded_at": pa.array(r_seconds * 1_000_000, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
            "amount": pa.array(amount[refunded] // 2),
            "currency": table["currency"].take(pa.array(refunded)),
        }
    ).cast(FACT_TABLES["refunds"].schema)
    _write_by_day(lake, "refunds", refunds, (r_seconds + 8 * 3600) // 86400)


def _hour_weights() -> np.ndarray:
    w = np.array([1, 1, 1, 1, 1, 2, 4, 8, 12, 10, 9, 14, 20, 14, 9, 8, 10, 14, 18, 16, 12, 8, 4, 2], dtype=float)
    return w / w.sum()


def _write_by_day(lake: Lake, name: str, table: pa.Table, local_day: np.ndarray) -> None:
    fact = FACT_TABLES[name]
    bounds = np.flatnonzero(np.diff(local_day)) + 1
    starts, ends = np.concatenate([[0], bounds]), np.concatenate([bounds, [len(local_day)]])
    id_col = fact.schema.names[0]
    for s, e in zip(starts, ends, strict=True):
        part = table.slice(int(s), int(e - s))
        day = date(1970, 1, 1) + timedelta(days=int(local_day[s]))
        key = fact.key(day, "sync", part[id_col][0].as_py(), part[id_col][-1].as_py())
        with lake.parquet_writer(key, fact.schema) as sink:
            sink.write_batch(part)


# --- the three variants -------------------------------------------------------------------------
def fit_all(summary: dict[str, np.ndarray]) -> dict[str, Any]:
    """The shared CLV stage: both models for every merchant at once (clv.fit_merchants), from
    arrays sorted by merchant."""
    fits = clv.fit_merchants(summary["merchant"], summary["x"], summary["t_x"], summary["T"], summary["repeat_value"])
    return {
        "merchants_fitted": int(fits.fitted.sum()),
        "expected_value_12m": round(float(fits.per_merchant_total("expected_value_12m").sum())),
    }


def run_ibis(lake: Path) -> dict[str, Any]:
    # Ibis imports pandas on its first to_pyarrow (its type converters): a server has done so
    # long before; the start-up is in the "process" column for every variant.
    import ibis.backends.duckdb.converter  # noqa: F401

    facts = open_facts("duckdb", Lake(str(lake)))
    scope = Scope(None, False, as_of=AS_OF, since=AS_OF - timedelta(days=DAYS - 1))
    t0 = stamp()
    seg = facts.con.to_pyarrow(rfm.rfm_expr(facts, scope).group_by(["merchant_id", "segment"]).agg(n=ibis_count()))
    t1 = stamp()
    coh = facts.con.to_pyarrow(cohorts.cohorts_expr(facts, scope))
    t2 = stamp()
    s = facts.con.to_pyarrow(clv.summary_expr(facts, scope).order_by(["merchant_id", "customer_ref"]))
    summary = _arrays(s)
    t3 = stamp()
    fit = fit_all(summary)
    t4 = stamp()
    return _result(seg, coh, summary, fit, (t0, t1, t2, t3, t4))


def stamp() -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process, every thread)."""
    return time.perf_counter(), time.process_time()


def ibis_count() -> Any:
    import ibis

    return ibis._.count()


def _arrays(s: pa.Table) -> dict[str, np.ndarray]:
    return {
        "merchant": s["merchant_id"].to_numpy(zero_copy_only=False),
        "x": s["x"].to_numpy().astype(np.float64),
        "t_x": s["t_x"].to_numpy().astype(np.float64),
        "T": s["T"].to_numpy().astype(np.float64),
        "repeat_value": s["repeat_value"].to_numpy().astype(np.float64),
    }


def _result(
    seg: Any, coh: Any, summary: dict[str, np.ndarray], fit: dict[str, Any], t: tuple[tuple[float, float], ...]
) -> dict[str, Any]:
    seg_rows = sorted((r["merchant_id"], r["segment"], int(r["n"])) for r in _pylist(seg))
    coh_rows = sorted((r["merchant_id"], int(r["cohort"]), int(r["offset"]), int(r["customers"])) for r in _pylist(coh))
    return {
        "seconds": _stages(t, 0),
        "cpu": _stages(t, 1),
        "check": {
            "segments": _digest(seg_rows),
            "customers": sum(r[2] for r in seg_rows),
            "cohort_cells": len(coh_rows),
            "cohorts": _digest(coh_rows),
            "clv_summary": [
                float(summary["x"].sum()),
                float(summary["t_x"].sum()),
                float(summary["T"].sum()),
                float(summary["repeat_value"].sum()),
            ],
            **fit,
        },
    }


def _stages(t: tuple[tuple[float, float], ...], i: int) -> dict[str, float]:
    return {
        "rfm": t[1][i] - t[0][i],
        "cohorts": t[2][i] - t[1][i],
        "clv_summary": t[3][i] - t[2][i],
        "clv_fit": t[4][i] - t[3][i],
        "total": t[4][i] - t[0][i],
    }


def _digest(found: list[Any]) -> str:
    return hashlib.sha256(repr(found).encode()).hexdigest()[:16]


def _pylist(t: Any) -> list[dict[str, Any]]:
    if isinstance(t, pa.Table):
        return t.to_pylist()
    return t.to_dict("records")  # type: ignore[no-any-return]


def run_pandas(lake: Path) -> dict[str, Any]:
    import pandas as pd

    t0 = stamp()
    p = pd.read_parquet(
        lake / "facts/payments/v1",
        columns=["payment_id", "merchant_id", "livemode", "customer_ref", "paid_at", "amount", "currency"],
    )
    r = pd.read_parquet(
        lake / "facts/refunds/v1", columns=["payment_id", "merchant_id", "livemode", "refunded_at", "amount"]
    )
    end = pd.Timestamp(AS_OF + timedelta(days=1), tz="UTC") - pd.Timedelta(hours=8)
    p = p[~p.livemode & (p.paid_at < end)]
    r = r[~r.livemode & (r.refunded_at < end)]
    back = r.groupby("payment_id", as_index=False)["amount"].sum().rename(columns={"amount": "refunded"})
    p = p.merge(back, on="payment_id", how="left")
    p["net"] = (p.amount - p.refunded.fillna(0)).clip(lower=0).astype("int64")
    p = p[p.customer_ref.notna() & (p.net > 0)]
    p["local_day"] = ((p.paid_at - pd.Timestamp("1970-01-01", tz="UTC")) // pd.Timedelta(seconds=1) + 8 * 3600) // 86400
    # RFM
    c = p.groupby(["merchant_id", "customer_ref"], as_index=False).agg(
        last_day=("local_day", "max"), frequency=("net", "size"), monetary=("net", "sum")
    )
    c["recency_days"] = day_number(AS_OF) - c.last_day
    n = c.groupby("merchant_id")["customer_ref"].transform("size")
    g = c.groupby("merchant_id")
    c["r"] = ((g["recency_days"].rank(method="min", ascending=False) - 1) * 5 // n + 1).astype(int)
    c["f"] = ((g["frequency"].rank(method="min") - 1) * 5 // n + 1).astype(int)
    c["m"] = ((g["monetary"].rank(method="min") - 1) * 5 // n + 1).astype(int)
    c["segment"] = [rfm.SEGMENT_GRID[(a, b)] for a, b in zip(c.r, c.f, strict=True)]
    seg = c.groupby(["merchant_id", "segment"], as_index=False).size().rename(columns={"size": "n"})
    t1 = stamp()
    # cohorts
    local = pd.to_datetime(p.local_day, unit="D")
    p["month"] = local.dt.year * 12 + local.dt.month - 1
    first = p.groupby(["merchant_id", "customer_ref"])["month"].transform("min")
    active = p.assign(cohort=first)[["merchant_id", "customer_ref", "cohort", "month"]].drop_duplicates()
    active["offset"] = active.month - active.cohort
    coh = (
        active.groupby(["merchant_id", "cohort", "offset"], as_index=False).size().rename(columns={"size": "customers"})
    )
    t2 = stamp()
    # CLV summary
    daily = p.groupby(["merchant_id", "customer_ref", "local_day"], as_index=False)["net"].sum()
    daily["first_day"] = daily.groupby(["merchant_id", "customer_ref"])["local_day"].transform("min")
    daily["repeat"] = np.where(daily.local_day != daily.first_day, daily.net, 0)
    s = daily.groupby(["merchant_id", "customer_ref"], as_index=False).agg(
        days=("net", "size"),
        first_day=("first_day", "min"),
        last_day=("local_day", "max"),
        repeat_value=("repeat", "sum"),
    )
    s = s.sort_values(["merchant_id", "customer_ref"])
    summary = {
        "merchant": s.merchant_id.to_numpy(),
        "x": (s.days - 1).to_numpy(np.float64),
        "t_x": (s.last_day - s.first_day).to_numpy(np.float64),
        "T": (day_number(AS_OF) - s.first_day).to_numpy(np.float64),
        "repeat_value": s.repeat_value.to_numpy(np.float64),
    }
    t3 = stamp()
    fit = fit_all(summary)
    t4 = stamp()
    return _result(seg, coh, summary, fit, (t0, t1, t2, t3, t4))


SQL_BASE = """
CREATE OR REPLACE TEMP VIEW purchases AS
WITH p AS (SELECT * FROM read_parquet('{lake}/facts/payments/v1/**/*.parquet', hive_partitioning=false)
           WHERE NOT livemode AND paid_at < TIMESTAMPTZ '{end}'),
     r AS (SELECT payment_id, sum(amount) AS refunded
           FROM read_parquet('{lake}/facts/refunds/v1/**/*.parquet', hive_partitioning=false)
           WHERE NOT livemode AND refunded_at < TIMESTAMPTZ '{end}' GROUP BY payment_id)
SELECT p.merchant_id, p.customer_ref, greatest(p.amount - coalesce(r.refunded, 0), 0) AS net,
       (epoch(p.paid_at)::BIGINT + 28800) // 86400 AS local_day
FROM p LEFT JOIN r USING (payment_id)
WHERE p.customer_ref IS NOT NULL AND p.amount - coalesce(r.refunded, 0) > 0
"""
SQL_RFM = """
WITH c AS (SELECT merchant_id, customer_ref, {as_of} - max(local_day) AS recency, count(*) AS frequency, sum(net) AS monetary
           FROM purchases GROUP BY ALL),
s AS (SELECT merchant_id,
        (rank() OVER (PARTITION BY merchant_id ORDER BY recency DESC) - 1) * 5 // count(*) OVER (PARTITION BY merchant_id) + 1 AS r,
        (rank() OVER (PARTITION BY merchant_id ORDER BY frequency) - 1) * 5 // count(*) OVER (PARTITION BY merchant_id) + 1 AS f,
        (rank() OVER (PARTITION BY merchant_id ORDER BY monetary) - 1) * 5 // count(*) OVER (PARTITION BY merchant_id) + 1 AS m
      FROM c)
SELECT merchant_id, g.segment, count(*) AS n FROM s JOIN grid g USING (r, f) GROUP BY ALL
"""
SQL_COHORTS = """
WITH m AS (SELECT DISTINCT merchant_id, customer_ref,
             year(DATE '1970-01-01' + local_day::INTEGER) * 12 + month(DATE '1970-01-01' + local_day::INTEGER) - 1 AS month
           FROM purchases),
     f AS (SELECT *, min(month) OVER (PARTITION BY merchant_id, customer_ref) AS cohort FROM m)
SELECT merchant_id, cohort, month - cohort AS "offset", count(*) AS customers FROM f GROUP BY ALL
"""
SQL_CLV = """
WITH d AS (SELECT merchant_id, customer_ref, local_day, sum(net) AS value FROM purchases GROUP BY ALL),
     c AS (SELECT *, min(local_day) OVER (PARTITION BY merchant_id, customer_ref) AS first_day FROM d)
SELECT merchant_id, customer_ref, count(*) - 1 AS x, max(local_day) - min(first_day) AS t_x, {as_of} - min(first_day) AS "T",
       coalesce(sum(value) FILTER (WHERE local_day <> first_day), 0) AS repeat_value
FROM c GROUP BY ALL ORDER BY merchant_id, customer_ref
"""


def run_sql(lake: Path) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    grid = pa.table(
        {
            "r": [k[0] for k in rfm.SEGMENT_GRID],
            "f": [k[1] for k in rfm.SEGMENT_GRID],
            "segment": list(rfm.SEGMENT_GRID.values()),
        }
    )
    con.register("grid", grid)
    end = f"{AS_OF + timedelta(days=1)} 00:00:00+08"
    t0 = stamp()
    con.execute(SQL_BASE.format(lake=lake, end=end))
    seg = con.execute(SQL_RFM.format(as_of=day_number(AS_OF))).fetch_arrow_table()
    t1 = stamp()
    coh = con.execute(SQL_COHORTS).fetch_arrow_table()
    t2 = stamp()
    summary = _arrays(con.execute(SQL_CLV.format(as_of=day_number(AS_OF))).fetch_arrow_table())
    t3 = stamp()
    fit = fit_all(summary)
    t4 = stamp()
    return _result(seg, coh, summary, fit, (t0, t1, t2, t3, t4))


def child(variant: str, lake: Path) -> None:
    import warnings

    warnings.simplefilter("ignore", DeprecationWarning)
    result = {"ibis": run_ibis, "pandas": run_pandas, "sql": run_sql}[variant](lake)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--payments", type=int, default=10_000_000)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--merchants", type=int, default=1_000)
    ap.add_argument("--quick", action="store_true", help="1,000,000 payments")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    ap.add_argument("--lake", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.lake)
        return
    n = 1_000_000 if args.quick else args.payments
    lake = ROOT / "var" / "bench" / f"insight-lake-{n}-{args.customers}-{args.merchants}"
    if not (lake / "facts/payments/v1").exists():
        t = time.perf_counter()
        generate(lake, n, args.customers, args.merchants)
        print(f"generated {n:,} payments in {time.perf_counter() - t:.1f} s → {lake}")
    runs: dict[str, list[dict[str, Any]]] = {}
    load_before = os.getloadavg()
    for _ in range(args.repeat):
        for variant in args.variants.split(","):
            started = time.perf_counter()
            out = subprocess.run(  # noqa: S603  (this script, with our own arguments)
                [sys.executable, __file__, "--child", variant, "--lake", str(lake)],
                capture_output=True,
                text=True,
                check=True,
            )
            result = json.loads(out.stdout.strip().splitlines()[-1])
            result["process_seconds"] = time.perf_counter() - started
            runs.setdefault(variant, []).append(result)
    load_after = os.getloadavg()
    checks = {v: r[0]["check"] for v, r in runs.items()}
    same = all(c == next(iter(checks.values())) for c in checks.values())
    stages = ("rfm", "cohorts", "clv_summary", "clv_fit", "total")
    med = {v: {s: statistics.median(r["seconds"][s] for r in rs) for s in stages} for v, rs in runs.items()}
    cpu = {v: {s: statistics.median(r["cpu"][s] for r in rs) for s in stages} for v, rs in runs.items()}
    process = {v: statistics.median(r["process_seconds"] for r in rs) for v, rs in runs.items()}
    rss = {v: max(r["peak_rss_mb"] for r in rs) for v, rs in runs.items()}
    print(
        f"\ninsight: RFM + cohorts + CLV for every merchant · {n:,} payments · {args.customers:,} customers · "
        f"{args.merchants:,} merchants · {os.cpu_count()} cores · median of {args.repeat} · "
        f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after"
    )
    for title, table in (("wall seconds", med), ("CPU seconds (every thread)", cpu)):
        floor = table.get("sql", {}).get("total")
        extra = f" {'process':>8} {'peak MB':>8}" if table is med else ""
        print(f"\n{title}\n{'variant':8} " + " ".join(f"{s:>12}" for s in stages) + extra + f" {'× sql':>6}")
        for v in runs:
            ratio = f"{table[v]['total'] / floor:.2f}" if floor else "-"
            cells = f" {process[v]:8.2f} {rss[v]:8.0f}" if table is med else ""
            print(f"{v:8} " + " ".join(f"{table[v][s]:12.2f}" for s in stages) + cells + f" {ratio:>6}")
    if "pandas" in med and "ibis" in med:
        for title, table in (("wall", med), ("CPU", cpu)):
            data = (table["pandas"]["total"] - table["pandas"]["clv_fit"]) / (
                table["ibis"]["total"] - table["ibis"]["clv_fit"]
            )
            print(
                f"{title}: ibis is {table['pandas']['total'] / table['ibis']['total']:.1f}× faster than pandas end to "
                f"end, {data:.1f}× on the data stages (the model fit is the same code)"
            )
    print(
        f"results equal across variants: {same}  ({checks[next(iter(checks))]['customers']:,} customer×merchant pairs, "
        f"{checks[next(iter(checks))]['merchants_fitted']} merchants' CLV fitted)"
    )
    out_dir = ROOT / "var" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "insight.json").write_text(
        json.dumps(
            {
                "payments": n,
                "customers": args.customers,
                "merchants": args.merchants,
                "repeat": args.repeat,
                "machine": {
                    "cores": os.cpu_count(),
                    "python": platform.python_version(),
                    "load_before": load_before,
                    "load_after": load_after,
                },
                "median_seconds": med,
                "median_cpu_seconds": cpu,
                "process_seconds": process,
                "peak_rss_mb": rss,
                "results_equal": same,
                "checks": checks,
            },
            indent=2,
            default=str,
        )
    )
    if not same:
        sys.exit("the variants' results differ")


if __name__ == "__main__":
    main()
