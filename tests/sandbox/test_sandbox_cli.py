"""``digiplus sandbox …``: the agency reviews and approves from the command line; magic values; the report."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sandbox_helpers import APPLICATION, ok
from typer.testing import CliRunner

from digiplus.cli import app
from digiplus.core.db import Database


def test_agency_commands(db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]) -> None:
    applicant = api_for(make_org("Startup", kind="merchant"), live=True)
    agency = make_org("FSC", kind="operator")
    e = ok(applicant.post("/v1/sandbox/experiments", json=APPLICATION))
    ok(applicant.post(f"/v1/sandbox/experiments/{e['id']}/submit"))
    runner = CliRunner()
    reviewed = runner.invoke(app, ["sandbox", "review", e["id"], "--agency", agency])
    assert reviewed.exit_code == 0, reviewed.output
    assert "under_review" in reviewed.output
    approved = runner.invoke(
        app, ["sandbox", "approve", e["id"], "--conditions", "Monthly reports", "--agency", agency]
    )
    assert approved.exit_code == 0, approved.output
    assert ok(applicant.get(f"/v1/sandbox/experiments/{e['id']}"))["conditions"] == "Monthly reports"
    again = runner.invoke(app, ["sandbox", "approve", e["id"], "--agency", agency])
    assert again.exit_code == 1
    assert "experiment_unexpected_state" in again.output
    listed = runner.invoke(app, ["sandbox", "list", "--agency", agency])
    assert e["id"] in listed.output and "approved" in listed.output
    report = runner.invoke(app, ["sandbox", "report", e["id"], "--agency", agency, "--csv"])
    assert report.output.strip().splitlines()[-1] == "total,0,0,0,0,0,0"
    magic = json.loads(runner.invoke(app, ["sandbox", "magic-values"]).output)
    assert magic["amounts"][0]["code"] == "generic_decline"
