"""Basket analysis: frequent itemsets and association rules over the payments that carry item lines.

A **basket** is one payment of the period with item lines and something left after refunds; an
item is its ``sku`` (its ``name`` when there is no SKU), counted once per basket whatever the
quantity. Itemsets of up to three items are counted in Ibis, Apriori-style: pairs only of
frequent single items, triples only of items in frequent pairs. Then, for every frequent itemset
``X ∪ Y`` and every split into antecedent ``X`` and consequent ``Y``::

    support(S)    = baskets holding every item of S / baskets
    confidence    = support(X ∪ Y) / support(X)
    lift          = confidence / support(Y)

(the definitions of Agrawal et al. 1993 and Brin et al. 1997; mlxtend's and arules' too). Why not
mlxtend: docs/adr/0015-insight-analytics.md.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import ibis

from digiplus.core.errors import InvalidRequest
from digiplus.insight.service.frame import Facts, Scope, in_period, rows, scoped_payments

MAX_ITEMSET = 3


def basket_items(facts: Facts, scope: Scope) -> Any:
    """(merchant_id, basket, item) once per item and basket (one merchant's: itemsets never mix merchants)."""
    if scope.merchant_id is None:
        raise InvalidRequest("Basket analysis is for one merchant at a time.", param="merchant")
    p = in_period(scoped_payments(facts, scope), scope)
    p = p.filter(p.items.notnull(), p.net > 0)
    lines = p.select("merchant_id", basket=p.payment_id, line=p.items.unnest())
    item = ibis.coalesce(lines.line["sku"], lines.line["name"])
    lines = lines.select("merchant_id", "basket", item=item)
    return lines.filter(lines.item.notnull()).distinct()


def _pairs(left: Any, right: Any) -> Any:
    return left.inner_join(
        right, [left.merchant_id == right.merchant_id, left.basket == right.basket, left.item < right.item]
    )


def itemset_counts(facts: Facts, scope: Scope, min_count: int) -> dict[tuple[str, ...], int]:
    """Baskets per itemset of 1 to 3 items held by at least ``min_count`` baskets."""
    items = basket_items(facts, scope)
    ones = items.group_by("item").agg(n=items.count())
    ones = ones.filter(ones.n >= min_count)
    counts: dict[tuple[str, ...], int] = {(r["item"],): r["n"] for r in rows(ones)}
    if len(counts) < 2:
        return counts
    kept = items.semi_join(ones, items.item == ones.item)
    a, b = kept.view(), kept.view()
    pairs = _pairs(a, b).select(basket=a.basket, merchant_id=a.merchant_id, item1=a.item, item2=b.item)
    two = pairs.group_by(["item1", "item2"]).agg(n=pairs.count())
    two = two.filter(two.n >= min_count)
    found_two = rows(two)
    counts |= {(r["item1"], r["item2"]): r["n"] for r in found_two}
    if MAX_ITEMSET < 3 or len(found_two) < 2:
        return counts
    in_pairs = {r["item1"] for r in found_two} | {r["item2"] for r in found_two}
    c = kept.filter(kept.item.isin(sorted(in_pairs)))
    p2 = pairs.filter(pairs.item1.isin(sorted(in_pairs)), pairs.item2.isin(sorted(in_pairs)))
    triples = p2.inner_join(c, [p2.merchant_id == c.merchant_id, p2.basket == c.basket, p2.item2 < c.item]).select(
        item1=p2.item1, item2=p2.item2, item3=c.item
    )
    three = triples.group_by(["item1", "item2", "item3"]).agg(n=triples.count())
    for r in rows(three.filter(three.n >= min_count)):
        key = (r["item1"], r["item2"], r["item3"])
        if all(pair in counts for pair in combinations(key, 2)):
            counts[key] = r["n"]
    return counts


def basket_count(facts: Facts, scope: Scope) -> int:
    items = basket_items(facts, scope)
    return int(rows(items.agg(n=items.basket.nunique()))[0]["n"] or 0)


def _check(min_support: float, min_confidence: float) -> None:
    if not 0 < min_support <= 1:
        raise InvalidRequest("min_support must be more than 0 and at most 1.", param="min_support")
    if not 0 <= min_confidence <= 1:
        raise InvalidRequest("min_confidence must be between 0 and 1.", param="min_confidence")


def frequent_itemsets(facts: Facts, scope: Scope, min_support: float = 0.01) -> dict[str, Any]:
    """Itemsets with support ≥ ``min_support``, most supported first."""
    _check(min_support, 0)
    baskets = basket_count(facts, scope)
    counts = itemset_counts(facts, scope, max(1, _ceil(min_support * baskets))) if baskets else {}
    data: list[dict[str, Any]] = [
        {"items": list(key), "size": len(key), "baskets": n, "support": round(n / baskets, 4)}
        for key, n in counts.items()
    ]
    data.sort(key=lambda r: (-r["baskets"], r["size"], r["items"]))
    return {"baskets": baskets, "min_support": min_support, "data": data}


def _ceil(value: float) -> int:
    whole = int(value)
    return whole if whole >= value - 1e-9 else whole + 1


def association_rules(
    facts: Facts, scope: Scope, min_support: float = 0.01, min_confidence: float = 0.2
) -> dict[str, Any]:
    """Rules X → Y from the frequent itemsets, with support, confidence and lift; by lift, then confidence."""
    _check(min_support, min_confidence)
    baskets = basket_count(facts, scope)
    counts = itemset_counts(facts, scope, max(1, _ceil(min_support * baskets))) if baskets else {}
    data: list[dict[str, Any]] = []
    for key, n in counts.items():
        for size in range(1, len(key)):
            for antecedent in combinations(key, size):
                consequent = tuple(i for i in key if i not in antecedent)
                confidence = n / counts[antecedent]
                if confidence + 1e-12 < min_confidence:
                    continue
                data.append(
                    {
                        "antecedent": list(antecedent),
                        "consequent": list(consequent),
                        "baskets": n,
                        "support": round(n / baskets, 4),
                        "confidence": round(confidence, 4),
                        "lift": round(confidence / (counts[consequent] / baskets), 4),
                    }
                )
    data.sort(key=lambda r: (-r["lift"], -r["confidence"], -r["baskets"], r["antecedent"], r["consequent"]))
    return {"baskets": baskets, "min_support": min_support, "min_confidence": min_confidence, "data": data}
