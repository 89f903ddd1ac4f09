"""``digiplus data alliances …``, ``digiplus data demands …`` and ``digiplus data embeddings``."""

from __future__ import annotations

import json
from typing import Any

from data_helpers import make_dataset
from typer.testing import CliRunner

from digiplus.cli import app


def test_alliance_commands_found_invite_accept_and_chain(make_org: Any, api_for: Any) -> None:
    runner = CliRunner()
    agency, operator = make_org("臺北市政府交通局", "agency"), make_org("悠遊卡公司", "enterprise")
    made = runner.invoke(
        app, ["data", "alliances", "create", "--org", agency, "--name-zh", "智慧交通聯盟", "--role", "agency"]
    )
    assert made.exit_code == 0, made.output
    alliance = made.output.strip()
    assert alliance.startswith("all_")
    invited = runner.invoke(
        app, ["data", "alliances", "invite", alliance, operator, "--org", agency, "--role", "data_user"]
    )
    assert invited.exit_code == 0, invited.output
    invitation = invited.output.strip()
    not_mine = runner.invoke(app, ["data", "alliances", "respond", invitation, "accept", "--org", agency])
    assert not_mine.exit_code == 1 and f"No such alliance_invitation: '{invitation}'" in not_mine.output
    accepted = runner.invoke(app, ["data", "alliances", "respond", invitation, "accept", "--org", operator])
    assert accepted.exit_code == 0 and accepted.output.strip() == f"{invitation}: accepted"
    members = runner.invoke(app, ["data", "alliances", "members", alliance])
    assert sorted(members.output.splitlines()) == sorted(
        [f"{agency}  臺北市政府交通局  agency  admin", f"{operator}  悠遊卡公司  data_user"]
    )
    shared = make_dataset(
        api_for(agency, live=True), title_zh="公車動態", access_rights="alliance", access_alliance_id=alliance
    )["id"]
    anonymous = json.loads(runner.invoke(app, ["data", "alliances", "chain", alliance, "--json"]).output)
    assert anonymous["edges"] == []
    as_member = runner.invoke(app, ["data", "alliances", "chain", alliance, "--org", operator])
    assert as_member.output.strip() == "臺北市政府交通局 supplies 公車動態"
    listed = json.loads(runner.invoke(app, ["data", "alliances", "list", "--json"]).output)
    assert [(a["id"], a["members"]) for a in listed] == [(alliance, 2)]
    bad = runner.invoke(app, ["data", "alliances", "invite", alliance, operator, "--org", agency, "--role", "king"])
    assert bad.exit_code == 1 and "role" in bad.output
    assert shared.startswith("ds_")


def test_embeddings_and_suggestions_from_the_cli(make_org: Any, api_for: Any) -> None:
    runner = CliRunner()
    publisher = api_for(make_org("Open Data Co", "enterprise"), live=True)
    demander = api_for(make_org("Nav App", "enterprise"), live=True)
    parking = make_dataset(publisher)["id"]  # data_helpers.DATASET: Taipei parking spaces
    make_dataset(
        publisher,
        title_zh="醫院門診人次",
        title_en="Hospital outpatient visits",
        keywords_en=["health"],
        keywords_zh=[],
        description_zh="",
        description_en="Visits by department.",
    )
    done = runner.invoke(app, ["data", "embeddings"])
    assert done.exit_code == 0, done.output
    assert "embedded 2 datasets" in done.output
    again = runner.invoke(app, ["data", "embeddings"])
    assert "embedded 0 datasets" in again.output
    demand = demander.post("/v1/data_demands", json={"title_en": "free spaces in Taipei car parks"}).json()["id"]
    found = json.loads(runner.invoke(app, ["data", "demands", "suggest", demand, "--json"]).output)
    assert found[0]["dataset"] == parking
    board = runner.invoke(app, ["data", "demands", "list", "--status", "open"])
    assert board.output.strip() == f"{demand}  free spaces in Taipei car parks  [open, 0 answer(s)]"
