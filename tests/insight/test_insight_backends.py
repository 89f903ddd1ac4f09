"""Every analysis on both engines: the same Ibis code on DuckDB and on Spark (local mode, one
SparkSession for the whole run) gives the same results. Skipped where there is no Java."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from insight_helpers import FactsBuilder
from test_insight_analyses import AS_OF, rfm_facts, scope

from digiplus.insight.service import basket, clv, cohorts, mix, rfm, sales
from digiplus.insight.service.frame import Facts, open_facts
from digiplus.lake import Lake

pytestmark = [
    pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java (a JRE 17+) on the PATH"),
    # py4j leaves its gateway sockets to the garbage collector
    pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning"),
]


def everything(facts: Facts) -> dict[str, Any]:
    s = scope(since=date(2025, 10, 1))
    return {
        "sales_month": sales.sales_over_time(facts, s, "month"),
        "sales_week": sales.sales_over_time(facts, s, "week"),
        "summary": sales.summary(facts, s),
        "peak_hours": sales.peak_hours(facts, s),
        "new_vs_returning": sales.new_vs_returning(facts, s, "month"),
        "mix_scenario": mix.mix(facts, s, "scenario"),
        "mix_method": mix.mix(facts, s, "payment_method"),
        "foreign": mix.foreign_visitors(facts, s),
        "scores": rfm.customer_scores(facts, s),
        "segments": rfm.segment_counts(facts, s),
        "segment_customers": rfm.segment_customers(facts, s, "at_risk"),
        "movement": rfm.movement(facts, s),
        "cohorts": cohorts.cohort_retention(facts, s),
        "clv": clv.clv(facts, s),
        "rules": basket.association_rules(facts, s, 0.2, 0.3),
    }


def test_every_analysis_gives_the_same_results_on_duckdb_and_spark(tmp_path: Path) -> None:
    b: FactsBuilder = rfm_facts()
    for i, items in enumerate((["tea", "cake"], ["tea", "cake", "bun"], ["tea"], ["coffee", "cake"], ["bun"])):
        b.pay(
            f"K{i}",
            f"2026-03-0{i + 1} 0{i}:30",
            120 + i,
            items=items,
            country="JP",
            payer_currency="JPY",
            payer_amount=560 + i,
            method="payment_code",
            scenario="leisure_tourism",
        )
    for i in range(6):  # enough customers (20) for the CLV models to be fitted
        b.pay(f"L{i}", f"2026-01-1{i} 10:00", 300 + 10 * i)
        b.pay(f"L{i}", f"2026-02-2{i} 10:00", 250 + 20 * i)
    lake = b.write(Lake(str(tmp_path / "lake")))
    os.environ.setdefault("DIGIPLUS_SPARK_SMALL", "1")
    os.environ.setdefault("DIGIPLUS_SPARK_SHUFFLE_PARTITIONS", "1")
    os.environ.setdefault("SPARK_MASTER", "local[1]")
    on_duckdb = everything(open_facts("duckdb", lake))
    on_spark = everything(open_facts("spark", lake))
    for name, expected in on_duckdb.items():
        assert on_spark[name] == expected, name
    # and they are the hand-worked answers, not merely equal:
    assert {r["customer_ref"]: r["segment"] for r in on_spark["scores"] if r["customer_ref"] in "ABCDEFGHIJ"}[
        "A"
    ] == "champions"
    assert on_spark["clv"]["fitted"] is True and on_spark["summary"]["as_of"] == AS_OF
