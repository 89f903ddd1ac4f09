"""The public shop through its HTML pages: language, currency, schema.org data, cart and checkout
by plain forms (no JavaScript), the visible fallback of a missing translation."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from commerce_helpers import tea_store
from fastapi.testclient import TestClient


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field"
    return found.group(1)


def test_japanese_buyer_browses_in_jpy_and_checks_out(
    api_for: Callable[..., Any], make_org: Callable[..., str], client: TestClient
) -> None:
    s = tea_store(api_for, make_org)
    client.cookies.clear()
    home = client.get("/shop/alishan-tea", params={"lang": "ja", "country": "JP"})
    assert home.status_code == 200
    assert '<html lang="ja">' in home.text and "高山烏龍茶（日本語）" in home.text
    assert "JPY 2,220" in home.text  # the 150 g oolong, TWD 450 → nearest 10 yen
    assert "未翻訳" in home.text  # the cup has no Japanese title: shown in zh-TW, and says so

    page = client.get("/shop/alishan-tea/p/high-mountain-oolong")
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page.text, re.S).group(1))  # type: ignore[union-attr]
    assert ld["@type"] == "Product" and ld["offers"][0]["price"] == "2220" and ld["offers"][0]["priceCurrency"] == "JPY"
    assert ld["offers"][0]["availability"] == "https://schema.org/InStock"

    token = csrf(page.text)
    added = client.post(
        "/shop/alishan-tea/cart/add",
        data={"csrf_token": token, "variant": s["oolong"]["id"], "quantity": "2"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    cart = client.get("/shop/alishan-tea/cart")
    assert "JPY 4,440" in cart.text and "関税" in cart.text
    checkout = client.get("/shop/alishan-tea/checkout")
    total = re.search(r'name="expected_total" value="(\d+)"', checkout.text).group(1)  # type: ignore[union-attr]
    # 4440 + EMS (400 g) 2222: under JPY 10,000 of goods, no duty or tax
    assert total == "6662"
    form = {
        "csrf_token": token,
        "email": "hanako@example.jp",
        "name": "山田花子",
        "line1": "渋谷1-2-3",
        "city": "東京",
        "postal_code": "150-0002",
        "expected_total": total,
        "currency": "JPY",
    }
    bad = client.post("/shop/alishan-tea/checkout", data={**form, "postal_code": "1500"})
    assert bad.status_code == 400 and "postcode of JP" in bad.text
    tampered = client.post("/shop/alishan-tea/checkout", data={**form, "expected_total": "100"})
    assert tampered.status_code == 400 and "6662 JPY" in tampered.text
    placed = client.post("/shop/alishan-tea/checkout", data=form, follow_redirects=False)
    assert placed.status_code == 303
    confirmation = client.get(placed.headers["location"])
    assert 'data-status="created"' in confirmation.text and "<svg" in confirmation.text
    assert "お支払い待ち" in confirmation.text
    other = TestClient(client.app)
    assert other.get(placed.headers["location"]).status_code == 404  # another browser has no token for it


def test_korean_without_translation_falls_back_visibly(
    api_for: Callable[..., Any], make_org: Callable[..., str], client: TestClient
) -> None:
    tea_store(api_for, make_org)
    client.cookies.clear()
    page = client.get("/shop/alishan-tea/p/high-mountain-oolong", params={"lang": "ko", "country": "KR"})
    assert '<html lang="ko">' in page.text
    assert '<h2 lang="zh-TW">高山烏龍茶</h2>' in page.text and "아직 번역되지 않아" in page.text
    assert "KRW 20,882" in page.text


def test_cluster_showcase_lists_opted_in_brands(
    api_for: Callable[..., Any], make_org: Callable[..., str], client: TestClient
) -> None:
    tea_store(api_for, make_org)
    western = client.get("/clusters/western")
    assert western.status_code == 200 and "Alishan Tea" in western.text
    assert "Alishan Tea" not in client.get("/clusters/new_southbound").text
