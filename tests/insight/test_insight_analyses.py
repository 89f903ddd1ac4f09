"""The analyses on small data whose answers are worked out by hand (in the comments), on DuckDB.
test_insight_backends.py runs every figure on Spark too and asserts the same results."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from insight_helpers import MERCHANT, OTHER, FactsBuilder

from digiplus.core.errors import InvalidRequest
from digiplus.insight.service import basket, clv, cohorts, mix, rfm, sales
from digiplus.insight.service.frame import Facts, Scope, open_facts, with_currency
from digiplus.lake import Lake

AS_OF = date(2026, 3, 31)
# customer: (recency days, purchases, amount of each) → by hand:
#   R (recency ranked from the longest ago, two per quintile): A,B 5 · C,D 4 · E,F 3 · G,H 2 · I,J 1
#   F (1..10 purchases, distinct):  1,2→1  3,4→2  5,6→3  7,8→4  9,10→5
#   M (net totals):  F 300 · D 400 · H 400 · E 500 · J 600 · I 700 · G 800 · C 900 · A 1000 · B 5000
#     ranks 0,1,1,3,4,5,6,7,8,9 (D and H tie) → M  1,1,1,2,3,3,4,4,5,5
CUSTOMERS = {
    "A": (0, 10, 100),
    "B": (1, 1, 5000),
    "C": (3, 9, 100),
    "D": (5, 2, 250),  # 2 × 250, then 100 refunded: net 400
    "E": (10, 5, 100),
    "F": (20, 3, 100),
    "G": (40, 8, 100),
    "H": (60, 4, 100),
    "I": (90, 7, 100),
    "J": (120, 6, 100),
}
EXPECTED = {  # customer: (R, F, M, segment)
    "A": (5, 5, 5, "champions"),
    "B": (5, 1, 5, "new"),
    "C": (4, 5, 4, "loyal"),
    "D": (4, 1, 1, "promising"),
    "E": (3, 3, 2, "need_attention"),
    "F": (3, 2, 1, "about_to_sleep"),
    "G": (2, 4, 4, "at_risk"),
    "H": (2, 2, 1, "hibernating"),
    "I": (1, 4, 3, "at_risk"),
    "J": (1, 3, 3, "at_risk"),
}


def rfm_facts() -> FactsBuilder:
    b = FactsBuilder()
    for name, (recency, count, amount) in CUSTOMERS.items():
        last = AS_OF - timedelta(days=recency)
        for k in range(count):
            pid = b.pay(name, f"{last - timedelta(days=7 * k)} 12:00", amount)
            if name == "D" and k == 0:
                b.refund(pid, f"{last} 18:00", 100)
    # Rows that must not count: a fully refunded payment, another merchant's, live mode, anonymous.
    b.refund(b.pay("B", f"{AS_OF} 09:00", 999), f"{AS_OF} 10:00", 999)
    b.pay("J", f"{AS_OF} 12:00", 100, merchant=OTHER)
    b.pay("J", f"{AS_OF} 12:00", 100, livemode=True)
    b.pay(None, f"{AS_OF} 12:00", 100)
    return b


@pytest.fixture
def facts(tmp_path: Path) -> Facts:
    return open_facts("duckdb", rfm_facts().write(Lake(str(tmp_path / "lake"))))


def scope(**kw: object) -> Scope:
    return Scope(MERCHANT, False, as_of=kw.pop("as_of", AS_OF), currency="TWD", **kw)  # type: ignore[arg-type]


def test_rfm_scores_and_segments_are_the_hand_worked_ones(facts: Facts) -> None:
    found = {r["customer_ref"]: r for r in rfm.customer_scores(facts, scope())}
    assert {c: (r["r_score"], r["f_score"], r["m_score"], r["segment"]) for c, r in found.items()} == EXPECTED
    assert found["D"]["monetary"] == 400 and found["D"]["frequency"] == 2 and found["D"]["recency_days"] == 5
    assert found["B"]["frequency"] == 1 and found["B"]["monetary"] == 5000  # the refunded payment is no purchase
    assert found["A"]["rfm"] == "555"


def test_segment_counts_list_and_customers(facts: Facts) -> None:
    counts = {r["segment"]: r["customers"] for r in rfm.segment_counts(facts, scope())}
    assert list(counts) == list(rfm.SEGMENTS)
    assert counts == {
        "champions": 1,
        "loyal": 1,
        "potential_loyalist": 0,
        "new": 1,
        "promising": 1,
        "need_attention": 1,
        "about_to_sleep": 1,
        "at_risk": 3,
        "cant_lose": 0,
        "hibernating": 1,
        "lost": 0,
    }
    page, total = rfm.segment_customers(facts, scope(), "at_risk", limit=2)
    assert total == 3 and [r["customer_ref"] for r in page] == ["G", "I"]  # by monetary: 800, 700, 600
    with pytest.raises(InvalidRequest) as err:
        rfm.segment_customers(facts, scope(), "vip")
    assert err.value.param == "segment"


def test_segment_grid_covers_every_score_pair() -> None:
    assert len(rfm.SEGMENT_GRID) == 25 and set(rfm.SEGMENT_GRID.values()) == set(rfm.SEGMENTS)


def test_movement_from_a_month_earlier(facts: Facts) -> None:
    moved = rfm.movement(facts, scope())
    assert moved["previous"] == date(2026, 2, 28)
    before = {r["customer_ref"]: r["segment"] for r in rfm.customer_scores(facts, scope(as_of=date(2026, 2, 28)))}
    now = {r["customer_ref"]: r["segment"] for r in rfm.customer_scores(facts, scope())}
    # By hand: on 28 Feb, B (first purchase 30 Mar) and D (24 and 31 Mar... first 19 Mar) were not customers yet.
    assert set(now) - set(before) == {"B", "D"}
    expected: dict[tuple[str, str], int] = {}
    for customer, segment in now.items():
        key = (before.get(customer, "none"), segment)
        expected[key] = expected.get(key, 0) + 1
    assert {(r["from_segment"], r["to_segment"]): r["customers"] for r in moved["data"]} == expected
    assert sum(r["customers"] for r in moved["data"]) == 10


def test_cohort_retention_matrix(tmp_path: Path) -> None:
    b = FactsBuilder()
    for c in ("c1", "c2", "c3", "c4"):  # January cohort of 4
        b.pay(c, "2026-01-10 10:00", 100)
    b.pay("c1", "2026-02-03 10:00", 100)
    b.pay("c1", "2026-02-20 10:00", 100)  # twice in February: counts once
    b.pay("c2", "2026-02-04 10:00", 100)
    b.pay("c1", "2026-03-01 00:30", 100)  # 28 Feb 16:30 UTC: March in Taipei
    b.pay("c5", "2026-02-10 10:00", 100)  # February cohort of 2
    b.pay("c6", "2026-02-11 10:00", 100)
    b.pay("c6", "2026-03-15 10:00", 100)
    b.refund(b.pay("c3", "2026-03-16 10:00", 100), "2026-03-16 11:00", 100)  # refunded in full: not active
    facts = open_facts("duckdb", b.write(Lake(str(tmp_path / "lake"))))
    found = cohorts.cohort_retention(facts, Scope(MERCHANT, False, as_of=AS_OF, since=date(2026, 1, 1)))
    matrix = {(r["cohort"].month, r["offset"]): (r["customers"], r["retention"]) for r in found}
    assert matrix == {
        (1, 0): (4, 1.0),
        (1, 1): (2, 0.5),
        (1, 2): (1, 0.25),
        (2, 0): (2, 1.0),
        (2, 1): (1, 0.5),
    }


def basket_facts(tmp_path: Path) -> Facts:
    b = FactsBuilder()
    for items in (["tea", "cake"], ["tea", "cake"], ["tea"], ["coffee", "cake"], ["coffee"]):
        b.pay("x", "2026-03-02 10:00", 100, items=items)
    b.pay("x", "2026-03-02 10:00", 100)  # no item lines: not a basket
    b.refund(b.pay("x", "2026-03-02 11:00", 100, items=["coffee", "tea"]), "2026-03-02 12:00", 100)  # refunded
    return open_facts("duckdb", b.write(Lake(str(tmp_path / "lake"))))


def test_frequent_itemsets_and_rules(tmp_path: Path) -> None:
    facts = basket_facts(tmp_path)
    # 5 baskets: tea 3, cake 3, coffee 2, {cake, tea} 2, {cake, coffee} 1
    sets = basket.frequent_itemsets(facts, scope(), min_support=0.4)
    assert sets["baskets"] == 5
    assert [(r["items"], r["baskets"], r["support"]) for r in sets["data"]] == [
        (["cake"], 3, 0.6),
        (["tea"], 3, 0.6),
        (["coffee"], 2, 0.4),
        (["cake", "tea"], 2, 0.4),
    ]
    rules = basket.association_rules(facts, scope(), min_support=0.4, min_confidence=0.5)
    # cake → tea: confidence 2/3, lift (2/3) / (3/5) = 10/9; and the other way round.
    assert [(r["antecedent"], r["consequent"], r["support"], r["confidence"], r["lift"]) for r in rules["data"]] == [
        (["cake"], ["tea"], 0.4, 0.6667, 1.1111),
        (["tea"], ["cake"], 0.4, 0.6667, 1.1111),
    ]
    assert basket.association_rules(facts, scope(), min_support=0.4, min_confidence=0.7)["data"] == []


def test_sales_summary_peak_hours_and_new_vs_returning(tmp_path: Path) -> None:
    b = FactsBuilder()
    p = b.pay("a", "2026-03-02 09:15", 1000)  # Monday
    b.pay("a", "2026-03-09 09:45", 500)  # Monday
    b.pay("b", "2026-03-10 21:00", 300, country="JP", payer_currency="JPY", payer_amount=1400, scenario=None)
    b.pay(None, "2026-03-10 21:30", 200, method="payment_code")
    b.refund(p, "2026-03-11 08:00", 400)
    b.pay("a", "2026-02-01 10:00", 700)  # before the period: makes "a" returning in March
    facts = open_facts("duckdb", b.write(Lake(str(tmp_path / "lake"))))
    s = Scope(MERCHANT, False, as_of=date(2026, 3, 15), since=date(2026, 3, 1), currency="TWD")
    weeks = sales.sales_over_time(facts, s, "week")
    assert [(str(r["period"]), r["payments"], r["gross"], r["refunded"], r["net"]) for r in weeks] == [
        ("2026-02-23", 0, 0, 0, 0),
        ("2026-03-02", 1, 1000, 0, 1000),
        ("2026-03-09", 3, 1000, 400, 600),
    ]
    total = sales.summary(facts, s)
    assert (total["payments"], total["gross"], total["refunded"], total["net"]) == (4, 2000, 400, 1600)
    assert (total["customers"], total["repeat_customers"], total["average_ticket"]) == (2, 1, 500)
    assert total["anonymous_payments"] == 1 and total["foreign_payments"] == 1
    cells = {(r["weekday"], r["hour"]): r["payments"] for r in sales.peak_hours(facts, s) if r["payments"]}
    assert cells == {(0, 9): 2, (1, 21): 2}
    months = sales.new_vs_returning(facts, s, "month")
    assert [(r["new_customers"], r["returning_customers"], r["new_net"], r["returning_net"]) for r in months] == [
        (1, 1, 300, 1100)
    ]
    assert [(r["scenario"], r["payments"]) for r in mix.mix(facts, s, "scenario")] == [
        ("livelihood_consumption", 3),
        ("unknown", 1),
    ]
    assert mix.foreign_visitors(facts, s) == [
        {"country": "JP", "payer_currency": "JPY", "payments": 1, "customers": 1, "net": 300, "payer_amount": 1400}
    ]


def test_default_currency_and_empty_lake(tmp_path: Path) -> None:
    empty = open_facts("duckdb", Lake(str(tmp_path / "empty")))
    s = with_currency(empty, Scope(MERCHANT, False, as_of=AS_OF))
    assert s.currency == "TWD"
    assert rfm.customer_scores(empty, s) == [] and cohorts.cohort_retention(empty, s) == []
    assert clv.clv(empty, s)["fitted"] is False


def test_memory_lake_reads_like_a_folder() -> None:
    facts = open_facts("duckdb", rfm_facts().write(Lake("memory://insight-memory-lake")))
    found = {r["customer_ref"]: r["segment"] for r in rfm.customer_scores(facts, scope())}
    assert found == {c: e[3] for c, e in EXPECTED.items()}
