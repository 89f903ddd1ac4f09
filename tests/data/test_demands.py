"""The demand board through the API: posting, answering with one's own datasets, who sees
which answers, accepting (closing or not), and bad input."""

from __future__ import annotations

from typing import Any

import pytest
from data_helpers import make_dataset

from digiplus.core.audit.models import AuditEntry
from digiplus.core.db import Database
from digiplus.core.events import Event

DEMAND = {
    "title_zh": "徵求臺北市停車場即時車位資料",
    "title_en": "Wanted: real-time free spaces of Taipei car parks",
    "description_en": "For a navigation app that guides drivers to a free space.",
    "themes": ["TRAN"],
    "keywords_en": ["parking"],
    "desired_format": "csv",
    "desired_frequency": "1MIN",
    "budget_amount": 5000000,
    "budget_currency": "TWD",
    "deadline": "2027-03-31",
}


def _ok(r: Any) -> dict[str, Any]:
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


@pytest.fixture
def board(api_for: Any, make_org: Any) -> dict[str, Any]:
    orgs = {n: make_org(n, "enterprise") for n in ("demander", "publisher", "rival")}
    apis = {n: api_for(o, live=True) for n, o in orgs.items()}
    demand = _ok(apis["demander"].post("/v1/data_demands", json=DEMAND))
    return {"orgs": orgs, "apis": apis, "demand": demand}


def test_posting_a_demand_and_reading_the_board(board: dict[str, Any], client: Any, api_for: Any) -> None:
    d = board["demand"]
    assert (d["status"], d["desired_format"], d["deadline"], d["answer_count"]) == ("open", "CSV", "2027-03-31", 0)
    assert d["budget"] == {"amount": 5000000, "currency": "TWD", "display": "50000.00 TWD"}
    assert d["org"] == board["orgs"]["demander"]
    # The board is open to read (live mode for anonymous visitors).
    assert [x["id"] for x in client.get("/v1/data_demands").json()["data"]] == [d["id"]]
    assert client.get(f"/v1/data_demands/{d['id']}").json()["title"]["zh-TW"] == DEMAND["title_zh"]
    assert [x["id"] for x in _ok(client.get("/v1/data_demands?theme=TRAN"))["data"]] == [d["id"]]
    assert _ok(client.get("/v1/data_demands?theme=HEAL"))["data"] == []
    sandbox = api_for(board["orgs"]["demander"], live=False)
    test_demand = _ok(sandbox.post("/v1/data_demands", json={"title_en": "test only"}))
    assert client.get(f"/v1/data_demands/{test_demand['id']}").status_code == 404
    assert [x["id"] for x in _ok(sandbox.get("/v1/data_demands"))["data"]] == [test_demand["id"]]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"title_en": ""}, "title_zh"),
        ({"title_en": "x", "themes": ["NOPE"]}, "themes"),
        ({"title_en": "x", "desired_format": "DOCX"}, "desired_format"),
        ({"title_en": "x", "budget_amount": 100}, "budget_currency"),
        ({"title_en": "x", "budget_amount": -1, "budget_currency": "TWD"}, "budget_amount"),
        ({"title_en": "x", "budget_amount": 100, "budget_currency": "XXQ"}, "budget_currency"),
        ({"title_en": "x", "colour": "red"}, "colour"),
    ],
)
def test_bad_demands_name_the_field(api: Any, body: dict[str, Any], param: str) -> None:
    r = api.post("/v1/data_demands", json=body)
    assert r.status_code in (400, 422), r.text
    assert r.json()["error"]["param"] == param


def test_answers_acceptance_and_who_sees_what(board: dict[str, Any], db: Database) -> None:
    apis, orgs, demand = board["apis"], board["orgs"], board["demand"]
    did = demand["id"]
    mine = make_dataset(apis["publisher"], title_zh="臺北市公有停車場即時剩餘車位")["id"]
    rival_ds = make_dataset(apis["rival"], title_zh="停車場車位資料")["id"]
    answer = _ok(
        apis["publisher"].post(f"/v1/data_demands/{did}/answers", json={"dataset": mine, "message": "每分鐘更新"})
    )
    assert (answer["dataset"], answer["status"], answer["org"]) == (mine, "submitted", orgs["publisher"])
    assert answer["dataset_title"]["zh-TW"] == "臺北市公有停車場即時剩餘車位"
    # Only one's own datasets; not twice; not one's own demand.
    r = apis["publisher"].post(f"/v1/data_demands/{did}/answers", json={"dataset": rival_ds})
    assert r.status_code == 404 and r.json()["error"]["param"] == "dataset"
    r = apis["publisher"].post(f"/v1/data_demands/{did}/answers", json={"dataset": mine})
    assert r.status_code == 409 and r.json()["error"]["code"] == "answer_exists"
    own = make_dataset(apis["demander"], title_en="mine")["id"]
    r = apis["demander"].post(f"/v1/data_demands/{did}/answers", json={"dataset": own})
    assert r.status_code == 400 and r.json()["error"]["code"] == "own_demand"
    rival = _ok(apis["rival"].post(f"/v1/data_demands/{did}/answers", json={"dataset": rival_ds}))
    # The demander sees both answers; each publisher only its own.
    assert {a["id"] for a in _ok(apis["demander"].get(f"/v1/data_demands/{did}/answers"))["data"]} == {
        answer["id"],
        rival["id"],
    }
    assert [a["id"] for a in _ok(apis["rival"].get(f"/v1/data_demands/{did}/answers"))["data"]] == [rival["id"]]
    assert _ok(apis["demander"].get(f"/v1/data_demands/{did}"))["answer_count"] == 2
    # Only the demander accepts.
    assert apis["publisher"].post(f"/v1/data_demands/{did}/answers/{answer['id']}/accept").status_code == 404
    kept_open = _ok(
        apis["demander"].post(f"/v1/data_demands/{did}/answers/{rival['id']}/accept", json={"close": False})
    )
    assert kept_open["status"] == "accepted"
    assert _ok(apis["demander"].get(f"/v1/data_demands/{did}"))["status"] == "open"
    accepted = _ok(apis["demander"].post(f"/v1/data_demands/{did}/answers/{answer['id']}/accept"))
    assert accepted["status"] == "accepted" and accepted["accepted"] is not None
    closed = _ok(apis["demander"].get(f"/v1/data_demands/{did}"))
    assert (closed["status"], closed["accepted_answer"]) == ("closed", answer["id"])
    late = make_dataset(apis["publisher"], title_en="late")["id"]
    r = apis["publisher"].post(f"/v1/data_demands/{did}/answers", json={"dataset": late})
    assert r.status_code == 409 and r.json()["error"]["code"] == "demand_closed"
    # Reopening lets answers in again.
    assert _ok(apis["demander"].post(f"/v1/data_demands/{did}", json={"status": "open"}))["closed"] is None
    _ok(apis["publisher"].post(f"/v1/data_demands/{did}/answers", json={"dataset": late}))
    with db.session() as session:
        answered = session.query(Event).filter(Event.type == "demand.answered").all()
        assert sorted(e.org_id for e in answered) == sorted(
            [orgs["publisher"], orgs["demander"], orgs["rival"], orgs["demander"], orgs["publisher"], orgs["demander"]]
        )
        accepted_events = session.query(Event).filter(Event.type == "demand.answer_accepted").count()
        assert accepted_events == 4
        actions = [a for (a,) in session.query(AuditEntry.action).filter(AuditEntry.target_type == "demand_answer")]
        assert sorted(actions) == sorted(["data.demand.answered"] * 3 + ["data.demand.answer_accepted"] * 2)


def test_only_the_demander_edits_its_demand(board: dict[str, Any]) -> None:
    apis, did = board["apis"], board["demand"]["id"]
    assert apis["publisher"].post(f"/v1/data_demands/{did}", json={"status": "closed"}).status_code == 404
    r = apis["demander"].post(f"/v1/data_demands/{did}", json={"title_zh": "", "title_en": ""})
    assert r.status_code == 422 and r.json()["error"]["param"] == "title_zh"
    updated = _ok(apis["demander"].post(f"/v1/data_demands/{did}", json={"keywords_zh": ["停車"], "status": "closed"}))
    assert (updated["keywords"]["zh-TW"], updated["status"]) == (["停車"], "closed")
