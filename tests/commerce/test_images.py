"""Product photos uploaded into the lake and served by the shop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from commerce_helpers import error, ok, tea_store
from fastapi.testclient import TestClient

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_upload_then_served(api_for: Callable[..., Any], make_org: Callable[..., str], client: TestClient) -> None:
    s = tea_store(api_for, make_org)
    pid = s["oolong_product"]["id"]
    up = ok(
        s["api"].post(
            f"/v1/commerce/products/{pid}/images", files={"file": ("tea.png", PNG, "image/png")}, data={"alt": "tea"}
        )
    )
    url = up["images"][-1]["url"]
    assert url.startswith(f"/shop/media/{s['org']}/{pid}/") and url.endswith(".png")
    again = ok(s["api"].post(f"/v1/commerce/products/{pid}/images", files={"file": ("same.png", PNG, "image/png")}))
    assert len(again["images"]) == len(up["images"])  # the same photo is kept once
    served = client.get(url)
    assert served.status_code == 200 and served.content == PNG and served.headers["content-type"] == "image/png"
    other = s["cup_product"]["id"]
    assert client.get(url.replace(pid, other)).status_code == 404
    refused = s["api"].post(
        f"/v1/commerce/products/{pid}/images", files={"file": ("x.png", b"not an image", "image/png")}
    )
    error(refused, 422, "image_type_unsupported")
