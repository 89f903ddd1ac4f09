"""``/v1/qr/…`` and the QR tool page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from qr_vectors import EMVCO_SPEC, PROMPTPAY
from tests_payments_login import logged_in

from digiplus.core.db import Database
from digiplus.payments.qr import decode, merchant_qr


def test_decode_endpoint(api: Any) -> None:
    r = api.post("/v1/qr/decode", json={"payload": PROMPTPAY})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["object"] == "qr_decoded"
    assert (body["valid"], body["scheme"], body["currency"], body["crc"]) == (True, "promptpay", "THB", "6197")
    assert body["tags"]["29"] == {"00": "A000000677010111", "01": "0066801234567"}


def test_decode_endpoint_answers_invalid_codes_with_reasons(api: Any) -> None:
    r = api.post("/v1/qr/decode", json={"payload": EMVCO_SPEC[:-4] + "A13B"})
    assert r.status_code == 200
    assert r.json()["valid"] is False
    assert r.json()["errors"] == ["tag 63: CRC mismatch: the payload says A13B, its content gives A13A"]
    unknown = api.post("/v1/qr/decode", json={"payload": PROMPTPAY, "colour": "red"})
    assert unknown.status_code == 422 and unknown.json()["error"]["param"] == "colour"


def test_decode_needs_a_key(client: TestClient) -> None:
    r = client.post("/v1/qr/decode", json={"payload": PROMPTPAY})
    assert r.status_code == 401 and r.json()["error"]["code"] == "api_key_missing"


def test_encode_endpoint_uses_the_callers_org(api_for: Callable[..., Any], make_org: Callable[..., str]) -> None:
    org = make_org()
    api = api_for(org)
    r = api.post(
        "/v1/qr/encode",
        json={
            "merchant_name": "Ah Ming",
            "merchant_city": "Taipei",
            "mcc": "5812",
            "amount": 12050,
            "reference": "R-1",
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["object"] == "qr_code" and body["format"] == "emvco"
    assert body["decoded"]["digiplus_merchant_id"] == org
    assert (body["decoded"]["amount"], body["decoded"]["reference"]) == ("120.50", "R-1")
    assert decode(body["payload"]).valid is True


def test_encode_endpoint_twqr_and_refusals(api: Any) -> None:
    r = api.post(
        "/v1/qr/encode",
        json={"format": "twqr", "merchant_name": "個人轉帳", "bank_code": "004", "account": "123", "amount": 10000},
    )
    assert r.status_code == 200, r.text
    assert r.json()["payload"] == "TWQRP://個人轉帳/158/02/V1?D1=10000&D5=004&D6=0000000000000123&D10=901"
    missing = api.post("/v1/qr/encode", json={"merchant_name": "A"})
    assert missing.status_code == 422
    assert missing.json()["error"] == {
        "type": "invalid_request_error",
        "code": "invalid_qr_payload",
        "message": "Invalid QR payload: merchant_city is required for an EMVCo code; mcc is required for an EMVCo code",
        "param": "merchant_city",
    }
    yen = api.post(
        "/v1/qr/encode",
        json={"merchant_name": "A", "merchant_city": "B", "mcc": "5812", "currency": "XYZ", "amount": 5},
    )
    assert yen.status_code == 422 and yen.json()["error"]["code"] == "invalid_qr_payload"
    assert "currency 'XYZ' is not a currency digiplus supports" in yen.json()["error"]["message"]


def test_render_endpoint(api: Any) -> None:
    svg = api.get("/v1/qr/render", params={"payload": EMVCO_SPEC})
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert svg.text.startswith("<svg") and "<path" in svg.text
    png = api.get("/v1/qr/render", params={"payload": PROMPTPAY, "format": "png", "scale": 4})
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    bad = api.get("/v1/qr/render", params={"payload": PROMPTPAY[:-1] + "8"})
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_qr_payload"


def test_qr_tool_page(client: TestClient, db: Database, make_org: Callable[..., str]) -> None:
    web = logged_in(client, db, make_org(), locale="zh_TW")
    empty = web.get("/qr")
    assert empty.status_code == 200 and "QR 碼工具" in empty.text and 'href="/qr"' in empty.text
    page = web.get("/qr", params={"payload": EMVCO_SPEC})
    assert page.status_code == 200
    assert 'id="qr-verdict">有效的 QR 碼' in page.text
    assert '<td data-field="merchant_name">BEST TRANSPORT</td>' in page.text
    assert '<td data-field="amount">23.72</td>' in page.text
    assert "<td>64.01</td><td>最佳运输</td>" in page.text
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page.text
    broken = web.get("/qr", params={"payload": PROMPTPAY[:-1] + "8"}, headers={"HX-Request": "true"})
    assert broken.status_code == 200 and broken.text.lstrip().startswith('<div id="qr-result"')
    assert "<li>tag 63: CRC mismatch: the payload says 6198, its content gives 6197</li>" in broken.text


def test_counter_sticker(client: TestClient, db: Database, make_org: Callable[..., str]) -> None:
    org = make_org()
    web = logged_in(client, db, org, locale="en")
    payload = merchant_qr(merchant_id=org, merchant_name="Ah Ming", merchant_city="Taipei", mcc="5812")
    r = web.get("/qr/sticker.svg", params={"payload": payload})
    assert r.status_code == 200 and r.headers["content-type"] == "image/svg+xml"
    assert 'width="105mm" height="148mm"' in r.text
    assert ">Scan to pay</text>" in r.text and ">掃碼付款</text>" in r.text and ">Ah Ming</text>" in r.text
    assert r.text.index("Scan to pay") < r.text.index("掃碼付款")  # English leads for an English page
    assert "Accepted: digiplus, TWQR" in r.text
