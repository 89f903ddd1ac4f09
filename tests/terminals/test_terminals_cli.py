"""``digiplus terminals …``: create, list, pair-code, disable/enable, supervisor-add and totals."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from terminal_helpers import Payer, Shop, TerminalClient, ok
from typer.testing import CliRunner

from digiplus.cli import app


def test_the_terminals_commands(client: TestClient, shop: Shop, payer: Payer) -> None:
    runner = CliRunner()
    made = runner.invoke(
        app, ["terminals", "create", "--org", shop.org, "--name", "Counter 3", "--location", "Side", "--json"]
    )
    assert made.exit_code == 0, made.output
    terminal = json.loads(made.output)
    assert (terminal["name"], terminal["connection"]) == ("Counter 3", "unpaired")
    code = runner.invoke(app, ["terminals", "pair-code", terminal["id"], "--org", shop.org])
    assert code.exit_code == 0, code.output
    secret = ok(client.post("/v1/terminal/pair", json={"code": code.output.split()[0]}))["secret"]
    device = TerminalClient(client, terminal["id"], secret)
    listed = runner.invoke(app, ["terminals", "list", "--org", shop.org])
    assert listed.exit_code == 0 and f"{terminal['id']}  Counter 3" in listed.output and "online" in listed.output
    sup = runner.invoke(app, ["terminals", "supervisor-add", "--org", shop.org, "--name", "Boss", "--pin", "4321"])
    assert sup.exit_code == 0, sup.output
    sale = ok(device.post("/v1/terminal/payments", {"client_reference": "cli-1", "amount": 50_00}))
    ok(payer.api.post(f"/v1/wallets/{payer.wallet['id']}/payments", json={"qr_payload": sale["qr_payload"]}))
    ok(
        device.post(
            f"/v1/terminal/payments/{sale['id']}/refunds",
            {"amount": 10_00, "supervisor": sup.output.split()[0], "pin": "4321"},
        )
    )
    totals = runner.invoke(app, ["terminals", "totals", terminal["id"], "--org", shop.org])
    assert totals.exit_code == 0, totals.output
    assert "1 sale(s) TWD 50.00; fees 0.90; 1 refund(s) 10.00; net 39.10" in totals.output
    assert "ledger: matches" in totals.output
    off = runner.invoke(app, ["terminals", "disable", terminal["id"], "--org", shop.org])
    assert off.exit_code == 0 and "disabled" in off.output
    assert device.get("/v1/terminal/me").status_code == 401
    assert runner.invoke(app, ["terminals", "enable", terminal["id"], "--org", shop.org]).exit_code == 0
    bad = runner.invoke(app, ["terminals", "totals", terminal["id"], "--org", shop.org, "--date", "yesterday"])
    assert bad.exit_code == 2
    missing = runner.invoke(app, ["terminals", "disable", "term_nope", "--org", shop.org])
    assert missing.exit_code == 1 and "No such terminal" in missing.output
