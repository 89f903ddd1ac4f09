"""The demo's baskets (demo/payments_baskets.py) give every demo merchant's basket page rules:
a few hundred of each shop's baskets, through the lake's item format and basket analysis with
the page's thresholds."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from insight_helpers import FactsBuilder

from digiplus.demo.payments_baskets import MENUS, draw_basket
from digiplus.demo.payments_cast import SHOPS
from digiplus.insight.service import basket
from digiplus.insight.service.figures import Options
from digiplus.insight.service.frame import Scope, open_facts
from digiplus.lake import Lake
from digiplus.lake.items import parse_items

PAGE_MIN_SUPPORT = 0.02  # insight/pages: the customers page's basket rules


def test_every_demo_shop_has_a_menu_and_baskets_within_its_ticket() -> None:
    assert set(MENUS) == {s.slug for s in SHOPS}
    for shop in SHOPS:
        rng = random.Random(shop.slug)
        for _ in range(200):
            text, dollars = draw_basket(shop.slug, rng, *shop.ticket)
            lines = parse_items(text, "TWD")
            assert sum(line["quantity"] * line["unit_amount"] for line in lines) == dollars * 100
            assert shop.ticket[0] <= dollars <= shop.ticket[1], shop.slug


def test_every_demo_merchants_basket_page_has_rules(tmp_path: Path) -> None:
    b = FactsBuilder()
    for shop in SHOPS:
        rng = random.Random(f"baskets:{shop.slug}")
        for n in range(300):
            text, dollars = draw_basket(shop.slug, rng, *shop.ticket)
            skus = [line["sku"] for line in parse_items(text, "TWD")]
            b.pay(
                f"c{n % 40}", f"2026-03-{n % 28 + 1:02d} 12:00", dollars * 100, merchant=f"org_{shop.slug}", items=skus
            )
    facts = open_facts("duckdb", b.write(Lake(str(tmp_path / "lake"))))
    for shop in SHOPS:
        scope = Scope(f"org_{shop.slug}", False, as_of=date(2026, 3, 31), since=date(2026, 3, 1), currency="TWD")
        rules = basket.association_rules(facts, scope, PAGE_MIN_SUPPORT, Options().min_confidence)
        assert rules["baskets"] == 300 and rules["data"], shop.slug
