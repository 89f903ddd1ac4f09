"""Product photos uploaded into the lake and served by the shop."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from typing import Any

from commerce_helpers import error, ok, tea_store
from fastapi.testclient import TestClient
from PIL import Image


def png_bytes(size: tuple[int, int] = (4, 3)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


PNG = png_bytes()


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

    # starts like a PNG, is not one: the content is decoded, not trusted
    fake = s["api"].post(
        f"/v1/commerce/products/{pid}/images",
        files={"file": ("x.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")},
    )
    error(fake, 422, "image_unreadable")
    # a real PNG sent under a JPEG name and type is stored as what it is
    named = ok(
        s["api"].post(f"/v1/commerce/products/{pid}/images", files={"file": ("x.jpg", png_bytes((5, 5)), "image/jpeg")})
    )
    assert named["images"][-1]["url"].endswith(".png")


def test_a_photo_over_the_default_body_limit_is_taken(
    api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    """A 3–4 MB photo passes the 1 MB body limit of other routes (the upload route allows 5 MB + the form)."""
    s = tea_store(api_for, make_org)
    out = io.BytesIO()
    Image.frombytes("RGB", (1100, 1100), os.urandom(1100 * 1100 * 3)).save(out, "PNG")
    assert 1_048_576 < len(out.getvalue()) < 5 * 1024 * 1024
    pid = s["oolong_product"]["id"]
    up = ok(
        s["api"].post(f"/v1/commerce/products/{pid}/images", files={"file": ("noise.png", out.getvalue(), "image/png")})
    )
    assert up["images"][-1]["url"].endswith(".png")
    too_big = s["api"].post(
        f"/v1/commerce/products/{pid}/images",
        files={"file": ("big.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (5 * 1024 * 1024), "image/png")},
    )
    error(too_big, 422, "file_too_large")
