"""``digiplus loyalty …``: programmes, sync (the consumer), members, member, expire, birthdays."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from loyalty_helpers import assert_books_clean, consumer, ok, pay, shop
from typer.testing import CliRunner

from digiplus.cli import app
from digiplus.core.db import Database


def test_loyalty_commands(db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]) -> None:
    org, merchant = shop(api_for, make_org)
    body = {"name": "Rice club", "spend_unit": 50_00, "points_per_unit": 1, "expiry_months": 1, "birthday_bonus": 5}
    programme = ok(merchant.post("/v1/loyalty/programmes", json=body))
    _, payer, wallet = consumer(api_for, make_org, "Kai")
    ok(payer.post("/v1/loyalty/memberships", json={"programme": programme["id"], "birthday": "2000-02-29"}))
    pay(merchant, payer, wallet, 175_00)  # 3 points
    runner = CliRunner()

    listed = runner.invoke(app, ["loyalty", "programmes", "--org", org])
    assert listed.exit_code == 0 and "Rice club" in listed.output and "members 1" in listed.output
    synced = runner.invoke(app, ["loyalty", "sync"])
    assert synced.exit_code == 0 and "handled 1 events" in synced.output, synced.output
    shown = runner.invoke(app, ["loyalty", "members", "--org", org, "--json"])
    [member] = json.loads(shown.output)["data"]
    assert member["balance"] == 3
    assert runner.invoke(app, ["loyalty", "member", "lm_nope", "--org", org]).exit_code == 1
    assert runner.invoke(app, ["loyalty", "expire", "--as-of", "next week"]).exit_code == 2

    birthdays = runner.invoke(app, ["loyalty", "birthdays", "--on", "2031-02-10"])
    assert birthdays.output.strip() == "birthday bonus to 1 members"
    expired = runner.invoke(app, ["loyalty", "expire", "--as-of", "2040-01-01", "--org", org])
    assert expired.output.strip() == "expired 8 points of 1 members as of 2040-01-01"
    again = runner.invoke(app, ["loyalty", "expire", "--as-of", "2040-01-01"])
    assert again.output.strip() == "expired 0 points of 0 members as of 2040-01-01"
    detail = json.loads(runner.invoke(app, ["loyalty", "member", member["id"], "--org", org]).output)
    assert (detail["balance"], detail["lots"]) == (0, [])
    assert_books_clean(db)
