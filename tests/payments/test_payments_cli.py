"""``digiplus payments intents list|show`` and ``digiplus wallets list|show|topup``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from payments_helpers import funded_wallet, merchant, ok, party
from typer.testing import CliRunner

from digiplus.cli import app
from digiplus.core.db import Database
from digiplus.ledger import verify_ledger

runner = CliRunner()


def _run(*args: str) -> Any:
    return runner.invoke(app, list(args))


def _shop_and_payer(api_for: Callable[..., Any], make_org: Callable[..., str]) -> tuple[str, Any, str, Any, str]:
    shop_org, shop = party(api_for, make_org, "阿明蚵仔煎", "merchant")
    merchant(shop)
    payer_org, payer = party(api_for, make_org, "陳怡君", "consumer")
    wallet = funded_wallet(payer, 1_000_00, level=1)
    return shop_org, shop, payer_org, payer, wallet["id"]


def test_intents_list_and_show(db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]) -> None:
    shop_org, shop, _, payer, wallet = _shop_and_payer(api_for, make_org)
    paid = ok(shop.post("/v1/payment_intents", json={"amount": 150_00, "currency": "TWD"}))
    waiting = ok(shop.post("/v1/payment_intents", json={"amount": 75_00, "currency": "TWD"}))
    ok(payer.post(f"/v1/wallets/{wallet}/payments", json={"payment_intent": paid["id"]}))

    listed = _run("payments", "intents", "list", "--org", shop_org)
    assert listed.exit_code == 0, listed.output
    lines = listed.output.strip().splitlines()
    assert [line.split()[0] for line in lines] == [waiting["id"], paid["id"]]  # newest first
    assert "TWD 150.00  succeeded" in lines[1] and "TWD 75.00  requires_payment_method" in lines[0]

    only = json.loads(_run("payments", "intents", "list", "--org", shop_org, "--status", "succeeded", "--json").output)
    [row] = only["data"]
    assert (row["id"], row["amount_received"], row["fee_amount"]) == (paid["id"], 150_00, 2_70)  # 1.8 % of 150

    shown = _run("payments", "intents", "show", paid["id"], "--org", shop_org)
    assert shown.exit_code == 0, shown.output
    assert "received   TWD 150.00   fee TWD 2.70   refunded TWD 0.00" in shown.output
    assert f"charge: {paid['id']}_charge" in shown.output and f"fee: {paid['id']}_fee" in shown.output

    as_json = json.loads(_run("payments", "intents", "show", paid["id"], "--org", shop_org, "--json").output)
    assert as_json["status"] == "succeeded" and as_json["wallet_amount"] == 150_00

    other_org, _ = party(api_for, make_org, "Another shop", "merchant")
    hidden = _run("payments", "intents", "show", paid["id"], "--org", other_org)
    assert hidden.exit_code == 1 and f"No such payment_intent: '{paid['id']}'" in hidden.output
    live = _run("payments", "intents", "list", "--org", shop_org, "--mode", "live")
    assert live.exit_code == 0 and live.output.strip() == "no payment intents"
    assert _run("payments", "intents", "list", "--org", shop_org, "--mode", "sandbox").exit_code == 2


def test_wallets_list_show_and_topup(db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]) -> None:
    _, _, payer_org, payer, wallet = _shop_and_payer(api_for, make_org)

    listed = _run("wallets", "list", "--org", payer_org)
    assert listed.exit_code == 0, listed.output
    assert listed.output.strip() == f"{wallet}  TWD  available 1000.00  level 1"

    topped = _run("wallets", "topup", wallet, "--org", payer_org, "--amount", "250.50")
    assert topped.exit_code == 0, topped.output
    assert "succeeded  TWD 250.50 -> " + wallet in topped.output
    shown = json.loads(_run("wallets", "show", wallet, "--org", payer_org, "--json").output)
    assert (shown["available"], shown["held"], shown["verification_level"]) == (1_250_50, 0, 1)
    text = _run("wallets", "show", wallet, "--org", payer_org).output
    assert "limits (TWD): per_payment 10000.00, daily 30000.00, monthly 100000.00" in text

    too_precise = _run("wallets", "topup", wallet, "--org", payer_org, "--amount", "1.005")
    assert too_precise.exit_code == 1 and "(amount)" in too_precise.output

    # a second linked account: the command wants to be told which; a refusing bank moves nothing
    refusing = ok(
        payer.post(
            "/v1/bank_accounts",
            json={"bank_code": "004", "account_number": "9990000001", "holder_name": "陳怡君", "currency": "TWD"},
        )
    )
    ambiguous = _run("wallets", "topup", wallet, "--org", payer_org, "--amount", "10")
    assert ambiguous.exit_code == 1 and "2 bank accounts in TWD are linked" in ambiguous.output
    refused = _run(
        "wallets", "topup", wallet, "--org", payer_org, "--amount", "10", "--bank-account", refusing["id"], "--json"
    )
    assert refused.exit_code == 1
    movement = json.loads(refused.output)
    assert (movement["status"], movement["failure_code"]) == ("failed", "bank_insufficient_funds")
    assert json.loads(_run("wallets", "show", wallet, "--org", payer_org, "--json").output)["available"] == 1_250_50

    stranger_org, _ = party(api_for, make_org, "Someone else", "consumer")
    assert _run("wallets", "show", wallet, "--org", stranger_org).exit_code == 1
    assert _run("wallets", "topup", wallet, "--org", stranger_org, "--amount", "5").exit_code == 1
    with db.session() as session:
        assert verify_ledger(session).ok
