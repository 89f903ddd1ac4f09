"""The pages: the merchant adds discount codes and uploads product photos; a buyer applies a code
on the cart page (in Japanese); a signed-in member uses a loyalty reward there."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

from commerce_helpers import ok, tea_store
from commerce_web import Web
from fastapi.testclient import TestClient
from PIL import Image


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 40)).save(out, "PNG")
    return out.getvalue()


def test_merchant_adds_codes_and_photos_from_the_admin(
    api_for: Callable[..., Any], make_org: Callable[..., str], web_for: Callable[..., Web], client: TestClient
) -> None:
    s = tea_store(api_for, make_org)
    web = web_for(s["org"], locale="zh_TW")
    admin = web.get("/commerce").text
    assert "折扣碼" in admin and "上傳照片" in admin
    web.post("/commerce/discount_codes", {"code": "YEN", "kind": "fixed", "value": "500.5", "currency": "JPY"})
    assert "amounts_off[JPY]" in web.get("/commerce").text  # refused, naming the field
    web.post(
        "/commerce/discount_codes",
        {"code": "sakura", "kind": "percent", "value": "15", "currency": "JPY", "min_subtotal": "5000",
         "starts_on": "2026-03-01", "ends_on": "2026-04-30", "usage_limit": "100"},
    )  # fmt: skip
    listed = ok(s["api"].get("/v1/commerce/discount_codes"))["data"]
    assert [(c["code"], c["percent_off"], c["min_subtotal"], c["usage_limit"]) for c in listed] == [
        ("SAKURA", "15", {"JPY": 5000}, 100)
    ]
    # 2026-03-01 00:00 to 2026-05-01 00:00 in Taiwan (UTC+8)
    assert (listed[0]["starts_at"], listed[0]["ends_at"]) == (1772294400, 1777564800)
    assert "2026-03-01 – 2026-04-30" in web.get("/commerce").text
    web.post(f"/commerce/discount_codes/{listed[0]['id']}/active", {"active": "false"})
    assert ok(s["api"].get(f"/v1/commerce/discount_codes/{listed[0]['id']}"))["active"] is False

    pid = s["cup_product"]["id"]
    token = web.token("/commerce")
    sent = web.client.post(
        f"/commerce/products/{pid}/images",
        data={"csrf_token": token, "alt": "celadon"},
        files={"file": ("cup.png", png(), "image/png")},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    url = ok(s["api"].get(f"/v1/commerce/products/{pid}"))["images"][-1]["url"]
    assert url.endswith(".png") and url in web.get("/commerce").text
    assert f'src="{url}"' in client.get("/shop/alishan-tea/p/celadon-cup").text
    assert client.get(url).content == png()
    # a text file called .png, an oversized file, and a missing CSRF token are refused
    web.client.post(
        f"/commerce/products/{pid}/images",
        data={"csrf_token": token},
        files={"file": ("notes.png", b"hello", "image/png")},
        follow_redirects=False,
    )
    assert "PNG, JPEG or WebP" in web.get("/commerce").text
    big = web.client.post(
        f"/commerce/products/{pid}/images",
        data={"csrf_token": token},
        files={"file": ("big.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (5 * 1024 * 1024), "image/png")},
        follow_redirects=False,
    )
    assert big.status_code == 303 and "5 MB" in web.get("/commerce").text
    forged = web.client.post(
        f"/commerce/products/{pid}/images", files={"file": ("cup.png", png(), "image/png")}, follow_redirects=False
    )
    assert forged.status_code == 403
    assert len(ok(s["api"].get(f"/v1/commerce/products/{pid}"))["images"]) == 1


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_buyer_applies_a_code_on_the_cart_page(
    api_for: Callable[..., Any], make_org: Callable[..., str], client: TestClient
) -> None:
    s = tea_store(api_for, make_org)
    ok(
        s["api"].post(
            "/v1/commerce/discount_codes", json={"code": "TEA500", "kind": "fixed", "amounts_off": {"JPY": "500"}}
        )
    )
    client.cookies.clear()
    page = client.get("/shop/alishan-tea/p/high-mountain-oolong", params={"lang": "ja", "country": "JP"})
    client.post(
        "/shop/alishan-tea/cart/add",
        data={"csrf_token": csrf(page.text), "variant": s["oolong"]["id"], "quantity": "2"},
    )
    cart = client.get("/shop/alishan-tea/cart")
    assert "割引コード" in cart.text
    wrong = client.post(
        "/shop/alishan-tea/cart/discount", data={"csrf_token": csrf(cart.text), "code": "NOPE"}, follow_redirects=True
    )
    assert "このショップにはその割引コードはありません。" in wrong.text
    applied = client.post(
        "/shop/alishan-tea/cart/discount", data={"csrf_token": csrf(cart.text), "code": "tea500"}, follow_redirects=True
    )
    assert 'class="discount-line" data-kind="code"' in applied.text and "TEA500" in applied.text
    checkout = client.get("/shop/alishan-tea/checkout").text
    total = re.search(r'name="expected_total" value="(\d+)"', checkout).group(1)  # type: ignore[union-attr]
    assert total == str(4440 - 500 + 2222)  # CIF 6162 ≤ JPY 10,000: no duty or tax


def test_member_uses_a_reward_on_the_cart_page(
    api_for: Callable[..., Any], make_org: Callable[..., str], web_for: Callable[..., Web]
) -> None:
    s = tea_store(api_for, make_org)
    programme = ok(s["api"].post("/v1/loyalty/programmes", json={"name": "Tea friends"}))
    reward = ok(
        s["api"].post(
            f"/v1/loyalty/programmes/{programme['id']}/rewards",
            json={"name": "NT$100 off", "kind": "amount_off", "points_cost": 50, "amount_off": 10000},
        )
    )
    buyer_org = make_org("Yamada", kind="consumer")
    member = ok(api_for(buyer_org).post("/v1/loyalty/memberships", json={"programme": programme["id"]}))
    ok(s["api"].post(f"/v1/loyalty/members/{member['id']}/adjustments", json={"points": 80, "reason": "welcome"}))
    buyer = web_for(buyer_org)
    buyer.get("/shop/alishan-tea", params={"lang": "ja", "country": "JP"})
    buyer.post("/shop/alishan-tea/cart/add", {"variant": s["oolong"]["id"], "quantity": "1"})
    cart = buyer.get("/shop/alishan-tea/cart").text
    assert 'id="points-available">80<' in cart and reward["id"] in cart
    assert buyer.post("/shop/alishan-tea/cart/loyalty", {"reward": reward["id"]}).status_code == 303
    cart = buyer.get("/shop/alishan-tea/cart").text
    assert 'data-kind="loyalty"' in cart and "NT$100 off" in cart
