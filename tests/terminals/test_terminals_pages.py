"""The fleet pages and the software terminal's page through the TestClient, in English and zh-TW."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from terminal_helpers import Payer, Shop, TerminalClient, Web, ok


def test_the_fleet_page_adds_pairs_disables_and_shows_today(
    client: TestClient, shop: Shop, payer: Payer, web_for: Callable[..., Web]
) -> None:
    web = web_for(shop.org)
    page = web.get("/terminals")
    assert page.status_code == 200 and 'id="fleet-empty"' in page.text
    bad = web.post("/terminals", {"name": "  ", "location": ""})
    assert bad.status_code == 400 and "Name: Fill in this field." in bad.text
    added = web.post("/terminals", {"name": "Counter 2", "location": "Back door"})
    assert added.status_code == 303
    terminal_id = added.headers["location"].rsplit("/", 1)[1]
    assert terminal_id.startswith("term_")
    coded = web.post(f"/terminals/{terminal_id}/pairing-code")
    code = re.search(r'id="pairing-code">([0-9A-Z]{4}-[0-9A-Z]{4})<', coded.text)
    assert coded.status_code == 200 and code
    paired = ok(client.post("/v1/terminal/pair", json={"code": code.group(1)}))
    device = TerminalClient(client, terminal_id, paired["secret"])
    sale = ok(device.post("/v1/terminal/payments", {"client_reference": "p-1", "amount": 85_00}))
    ok(payer.api.post(f"/v1/wallets/{payer.wallet['id']}/payments", json={"qr_payload": sale["qr_payload"]}))
    fleet = web.get("/terminals").text
    row = re.search(rf'<tr data-terminal="{terminal_id}">(.*?)</tr>', fleet, re.S)
    assert row, fleet
    cells = [
        html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    ]
    assert cells[0:3] == ["Counter 2", "Back door", "Online"] and cells[4:7] == ["1", "TWD 85.00", "—"]
    assert 'id="fleet-online">1 / 1<' in fleet
    detail = web.get(f"/terminals/{terminal_id}").text
    assert 'id="totals-gross">TWD 85.00<' in detail and "Matches the ledger." in detail
    assert web.post(f"/terminals/{terminal_id}/disable").status_code == 303
    assert ">Disabled<" in web.get("/terminals").text
    assert device.get("/v1/terminal/me").json()["error"]["code"] == "terminal_disabled"
    assert web.post(f"/terminals/{terminal_id}/enable").status_code == 303
    ok(device.get("/v1/terminal/me"))
    short = web.post("/terminals/supervisors", {"name": "Lin", "pin": "12"})
    assert short.status_code == 400 and "PIN: 4 to 8 digits." in short.text
    assert web.post("/terminals/supervisors", {"name": "Manager Lin", "pin": "2580"}).status_code == 303
    assert "Manager Lin" in web.get("/terminals").text
    zh = web_for(shop.org, locale="zh_TW").get("/terminals").text
    assert "<h1>收銀機" in zh and "今日銷售" in zh and "連線中" in zh


def test_who_may_use_the_fleet_pages(shop: Shop, web_for: Callable[..., Web], make_org: Any) -> None:
    viewer = web_for(shop.org, role="viewer")
    assert viewer.get("/terminals").status_code == 200
    assert viewer.post("/terminals", {"name": "Sneaky"}).status_code == 403
    consumer = web_for(make_org("Mei", kind="consumer"))
    assert consumer.get("/terminals").status_code == 400
    other = web_for(make_org("Other shop", kind="merchant"))
    assert "Set up the merchant profile first" in other.get("/terminals").text


def test_the_software_terminal_page_speaks_both_languages(client: TestClient) -> None:
    en = client.get("/terminal", headers={"Accept-Language": "en-US"})
    assert en.status_code == 200 and 'src="/static/terminals/counter.js"' in en.text
    text = json.loads(html.unescape(re.search(r"data-text='([^']+)'", en.text).group(1)))  # type: ignore[union-attr]
    assert (text["charge"], text["paid"]) == ("Charge", "Paid")
    zh = client.get("/terminal", headers={"Accept-Language": "zh-TW"})
    text = json.loads(html.unescape(re.search(r"data-text='([^']+)'", zh.text).group(1)))  # type: ignore[union-attr]
    assert (text["charge"], text["pairTitle"]) == ("收款", "為這台收銀機配對")
    assert client.get("/static/terminals/counter.js").status_code == 200
