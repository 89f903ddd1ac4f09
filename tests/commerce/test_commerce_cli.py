"""``digiplus commerce …``: store, markets, price lists, quotes, orders, import rates."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from commerce_helpers import cart_with, check_out, ok, tea_store
from typer.testing import CliRunner

from digiplus.cli import app
from digiplus.core.db import Database

runner = CliRunner()


def run(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    return result


def test_store_markets_prices_and_quote(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    s = tea_store(api_for, make_org)
    org = s["org"]
    shown = run("commerce", "store", "--org", org)
    assert shown.exit_code == 0 and json.loads(shown.output)["slug"] == "alishan-tea"
    listed = run("commerce", "markets", "list", "--org", org)
    assert "jp" in listed.output and "nearest_10" in listed.output
    prices = run("commerce", "markets", "prices", "jp", "--org", org)
    assert "OOL-150          TWD       450.00 → JPY         2220" in prices.output
    quote = run("commerce", "quote", "--org", org, "--country", "JP", "--line", "OOL-150:3", "--line", "CUP-1:1")
    assert quote.exit_code == 0, quote.output
    assert json.loads(quote.output)["total"] == 17540
    bad = run(
        "commerce",
        "markets",
        "add",
        "th",
        "--org",
        org,
        "--currency",
        "JPY",
        "--country",
        "TH",
        "--rounding",
        "ends_99",
    )
    assert bad.exit_code == 1 and "rounding" in bad.output
    added = run(
        "commerce", "markets", "add", "sea", "--org", org, "--currency", "USD", "--country", "TH", "--country", "VN"
    )
    assert added.exit_code == 0 and json.loads(added.output)["countries"] == ["TH", "VN"]


def test_orders_and_import_rates(db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]) -> None:
    s = tea_store(api_for, make_org)
    order = ok(check_out(s["api"], cart_with(s["api"], "JP", [(s["cup"]["id"], 1)])))
    listed = run("commerce", "orders", "list", "--org", s["org"])
    assert order["id"] in listed.output and "created" in listed.output
    invoice = run("commerce", "orders", "show", order["id"], "--org", s["org"], "--invoice")
    assert json.loads(invoice.output)["lines"][0]["hs_code"] == "691200"
    refused = run("commerce", "orders", "fulfil", order["id"], "--org", s["org"])
    assert refused.exit_code == 1 and "paid" in refused.output
    assert run("commerce", "orders", "cancel", order["id"], "--org", s["org"]).exit_code == 0
    rates = run("commerce", "import-rates", "list")
    assert "JP consumption tax" in rates.output
    denied = run("commerce", "import-rates", "set", "JP", "--org", s["org"], "--vat-rate", "8")
    assert denied.exit_code == 1
    operator = make_org("Operator", kind="operator")
    assert run("commerce", "import-rates", "set", "JP", "--org", operator, "--vat-rate", "8").exit_code == 0


def test_discount_codes_and_valuation(db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]) -> None:
    s = tea_store(api_for, make_org)
    org = s["org"]
    added = run(
        "commerce",
        "codes",
        "add",
        "yen500",
        "--org",
        org,
        "--amount",
        "JPY:500",
        "--amount",
        "USD:4.99",
        "--usage-limit",
        "3",
    )
    assert added.exit_code == 0, added.output
    code = json.loads(added.output)
    assert (code["code"], code["amounts_off"]) == ("YEN500", {"JPY": 500, "USD": 499})
    too_precise = run("commerce", "codes", "add", "bad", "--org", org, "--amount", "JPY:5.5")
    assert too_precise.exit_code == 1 and "JPY" in too_precise.output
    run("commerce", "codes", "add", "tenpct", "--org", org, "--percent", "10")
    listed = run("commerce", "codes", "list", "--org", org)
    assert "YEN500" in listed.output and "used 0/3" in listed.output and "10%" in listed.output
    assert run("commerce", "codes", "off", code["id"], "--org", org).exit_code == 0
    assert "(off)" in run("commerce", "codes", "list", "--org", org).output
    rates = run("commerce", "import-rates", "list").output
    assert "US sales tax" in rates and " FOB " in rates and "BT " in rates
