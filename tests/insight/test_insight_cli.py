"""``digiplus insight …``: a figure as a table, as CSV and as JSON."""

from __future__ import annotations

import json
from collections.abc import Callable

from test_insight_api import _facts_for
from typer.testing import CliRunner

from digiplus.cli import app
from digiplus.lake import get_lake

runner = CliRunner()


def test_segments_customers_and_sales_from_the_cli(make_org: Callable[..., str]) -> None:
    org = make_org("Dumpling stall")
    _facts_for(org).write(get_lake())
    shown = runner.invoke(app, ["insight", "segments", "--merchant", org, "--as-of", "2026-03-31"])
    assert shown.exit_code == 0, shown.output
    assert "at_risk" in shown.output and "Champions" in shown.output
    exported = runner.invoke(
        app, ["insight", "customers", "--merchant", org, "--as-of", "2026-03-31", "--segment", "at_risk", "--csv"]
    )
    assert exported.exit_code == 0
    assert [line.split(",")[0] for line in exported.output.splitlines()] == ["customer_ref", "G", "I", "J"]
    as_json = runner.invoke(
        app, ["insight", "sales", "--merchant", org, "--as-of", "2026-03-31", "--since", "2026-03-01", "--json"]
    )
    body = json.loads(as_json.output)
    assert (
        body["grain"] == "month" and body["data"][0]["payments"] == 19
    )  # March: A 5, B 2 (one refunded), C 4, D 2, E 3, F 2, anonymous 1
    bad = runner.invoke(app, ["insight", "sales", "--merchant", org, "--grain", "year"])
    assert bad.exit_code == 1 and "grain" in bad.output
