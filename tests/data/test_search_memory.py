"""The in-memory search index: the same answers as the SQL engine for every kind of caller,
and never stale — after a publish, an access change, a delete, a rolled-back write, in this
process and in another one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from data_helpers import ApiClient, make_dataset, upload

from digiplus.core.context import Caller
from digiplus.core.db import Database
from digiplus.data.schemas import DatasetCreate
from digiplus.data.service import datasets
from digiplus.data.service import search_memory as memory
from digiplus.data.service.search import SearchOutcome, SearchQuery, search, search_memory, search_sql

CSV = "站名,剩餘車位\n府前廣場,35\n".encode()
ROOT = Path(__file__).resolve().parents[2]


def _ok(r: Any) -> dict[str, Any]:
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


@pytest.fixture
def world(api_for: Any, make_org: Any) -> dict[str, Any]:
    """Two publishers in live mode, one in test mode, an alliance with a member, and datasets
    of every access right, licence and several themes and formats."""
    orgs = {
        "city": make_org("臺北市政府交通局", "agency"),
        "member": make_org("悠遊卡公司", "enterprise"),
        "outsider": make_org("Another Co", "enterprise"),
    }
    apis = {name: api_for(org, live=True) for name, org in orgs.items()}
    test_api = api_for(orgs["city"], live=False)
    alliance = _ok(apis["city"].post("/v1/alliances", json={"name_en": "Parking data club", "role": "agency"}))
    invitation = _ok(
        apis["city"].post(
            f"/v1/alliances/{alliance['id']}/invitations", json={"org": orgs["member"], "role": "data_user"}
        )
    )
    _ok(apis["member"].post(f"/v1/alliance_invitations/{invitation['id']}/accept"))
    specs: list[tuple[ApiClient, dict[str, Any]]] = [
        (apis["city"], {}),
        (apis["city"], {"title_zh": "臺北市公車動態", "title_en": "Taipei bus arrivals", "themes": ["TRAN"]}),
        (apis["city"], {"title_zh": "內部停車場資料", "access_rights": "restricted", "licence": "CC0-1.0"}),
        (
            apis["city"],
            {"title_zh": "聯盟停車場資料", "access_rights": "alliance", "access_alliance_id": alliance["id"]},
        ),
        (apis["member"], {"title_zh": "悠遊卡停車場交易", "title_en": "Parking payments", "licence": "CC-BY-4.0"}),
        (
            apis["member"],
            {"title_zh": "醫院病床數", "title_en": "Hospital beds", "themes": ["HEAL"], "keywords_zh": []},
        ),
        (apis["outsider"], {"title_zh": "停車場收費", "title_en": "Parking fees", "themes": ["ECON", "TRAN"]}),
        (test_api, {"title_zh": "測試停車場", "title_en": "Test parking"}),
    ]
    ids = [make_dataset(api, **spec)["id"] for api, spec in specs]
    assert upload(apis["city"], ids[0], CSV)["status"] == "succeeded"  # a CSV distribution: a format
    return {"orgs": orgs, "apis": apis, "ids": ids, "alliance": alliance["id"]}


def _view(outcome: SearchOutcome) -> tuple[Any, ...]:
    return (outcome.total, outcome.facets, [d.id for d in outcome.datasets], outcome.formats)


QUERIES = [
    SearchQuery(),
    SearchQuery(q="停車場"),
    SearchQuery(q="parking"),
    SearchQuery(q="車"),
    SearchQuery(q="臺北 parking"),
    SearchQuery(q="停車場", filters={"theme": ["TRAN"], "licence": ["OGDL-Taiwan-1.0", "CC-BY-4.0"]}),
    SearchQuery(q="", filters={"format": ["CSV"]}),
    SearchQuery(q="", filters={"access": ["restricted", "alliance"]}),
    SearchQuery(q="", filters={"theme": ["NO-SUCH-CODE"]}),
    SearchQuery(q="停車場", sort="title"),
    SearchQuery(q="", sort="modified", page=2, limit=2),
    SearchQuery(q="nothing-matches-this"),
]


def test_both_engines_give_the_same_answer_to_every_caller(world: dict[str, Any], db: Database) -> None:
    orgs = world["orgs"]
    callers = [
        None,
        Caller.system(orgs["city"], True),
        Caller.system(orgs["member"], True),  # sees the alliance's dataset
        Caller.system(orgs["outsider"], True),
        Caller.system(orgs["city"], False),  # test mode
    ]
    pg = db.engine.dialect.name == "postgresql"
    totals: list[int] = []
    for caller in callers:
        for query in QUERIES:
            with db.read_session() as session:
                in_sql, in_memory = search_sql(session, caller, query), search_memory(session, caller, query)
            if pg and query.sort in ("relevance", "title"):
                # PostgreSQL ranks with ts_rank and sorts titles by its collation: same hits, same counts.
                assert (in_sql.total, in_sql.facets) == (in_memory.total, in_memory.facets), (caller, query)
                assert {d.id for d in in_sql.datasets} == {d.id for d in in_memory.datasets}, (caller, query)
            else:
                assert _view(in_sql) == _view(in_memory), (caller, query)
            if query is QUERIES[1]:
                totals.append(in_memory.total)
    # The callers see different things (the comparison is not of empty answers): the five
    # public live datasets (a shared description mentions 停車場), the publisher its own
    # restricted and alliance ones too, the member the alliance's, test mode its own.
    assert totals == [5, 7, 6, 5, 1]


def _titles(db: Database, caller: Caller | None, q: str = "停車場") -> list[str]:
    with db.read_session() as session:
        return sorted(d.title_zh for d in search_memory(session, caller, SearchQuery(q=q, limit=100)).datasets)


def test_publish_access_change_and_delete_show_in_the_next_search(world: dict[str, Any], db: Database) -> None:
    city, anonymous = world["apis"]["city"], None
    owner = Caller.system(world["orgs"]["city"], True)
    before = _titles(db, anonymous)
    made = make_dataset(city, title_zh="新店停車場", title_en="Xindian parking")["id"]
    assert _titles(db, anonymous) == sorted([*before, "新店停車場"])
    assert city.post(f"/v1/datasets/{made}", json={"access_rights": "restricted"}).status_code == 200
    assert "新店停車場" not in _titles(db, anonymous)
    assert "新店停車場" in _titles(db, owner)
    assert city.delete(f"/v1/datasets/{made}").status_code == 200
    assert "新店停車場" not in _titles(db, owner)
    assert _titles(db, anonymous) == before


def test_alliance_membership_applies_without_reindex(world: dict[str, Any], db: Database, api_for: Any) -> None:
    outsider = Caller.system(world["orgs"]["outsider"], True)
    assert "聯盟停車場資料" not in _titles(db, outsider)
    city, out = world["apis"]["city"], world["apis"]["outsider"]
    invitation = _ok(
        city.post(
            f"/v1/alliances/{world['alliance']}/invitations",
            json={"org": world["orgs"]["outsider"], "role": "data_user"},
        )
    )
    _ok(out.post(f"/v1/alliance_invitations/{invitation['id']}/accept"))
    assert "聯盟停車場資料" in _titles(db, outsider)


def test_catching_up_rebuilds_only_the_delta_and_masks_removed_documents(world: dict[str, Any], db: Database) -> None:
    with db.read_session() as session:
        loaded = memory.current_snapshot(session)
    city = world["apis"]["city"]
    make_dataset(city, title_zh="板橋停車場", title_en="Banqiao parking")
    city.delete(f"/v1/datasets/{world['ids'][1]}")
    with db.read_session() as session:
        caught_up = memory.current_snapshot(session)
        assert memory.current_snapshot(session) is caught_up  # nothing changed: the same snapshot
    assert caught_up.base_segments == loaded.base_segments  # the loaded segments are kept, not loaded again
    assert len(caught_up.segments) == len(caught_up.base_segments) + 1  # one delta segment
    assert caught_up.dataset_ids[-1] not in loaded.dataset_ids  # the new document, at the end
    assert caught_up.live_docs == loaded.live_docs  # one in, one out
    assert world["ids"][1] not in [caught_up.dataset_ids[i] for i in range(caught_up.size) if caught_up.alive[i]]
    make_dataset(city, title_zh="三重停車場", title_en="Sanchong parking")
    with db.read_session() as session:
        again = memory.current_snapshot(session)
    assert again.segments[:-1] == caught_up.segments[:-1]  # still one delta segment, rebuilt
    assert again.delta_from == caught_up.delta_from
    assert "三重停車場" in _titles(db, None) and "板橋停車場" in _titles(db, None)


def test_a_search_in_the_writing_transaction_sees_its_own_change(world: dict[str, Any], db: Database) -> None:
    owner = Caller.system(world["orgs"]["city"], True)
    before = _titles(db, owner)

    class Abandon(Exception):
        pass

    def write_search_and_abandon() -> None:
        with db.session() as session:
            datasets.create_dataset(
                session, owner, DatasetCreate(title_zh="未提交停車場", title_en="Uncommitted parking")
            )
            found = search(session, owner, SearchQuery(q="停車場", limit=100))
            assert "未提交停車場" in [d.title_zh for d in found.datasets]  # the SQL engine, inside the transaction
            raise Abandon

    with pytest.raises(Abandon):
        write_search_and_abandon()
    assert _titles(db, owner) == before  # rolled back: nothing left in the in-memory index


def test_another_process_sees_writes_made_here(world: dict[str, Any], db: Database) -> None:
    """A second process (as a second uvicorn worker) keeps its own in-memory index: it must
    follow writes committed by this one, through the database alone."""
    script = (
        "import json, sys\n"
        "from digiplus.registry import load_models\n"
        "from digiplus.core.db import Database\n"
        "from digiplus.data.service.search import SearchQuery, search_memory\n"
        "load_models()\n"
        "db = Database(sys.argv[1])\n"
        "for line in sys.stdin:\n"
        "    with db.read_session() as s:\n"
        "        out = search_memory(s, None, SearchQuery(q=line.strip(), limit=100))\n"
        "    print(json.dumps(sorted(d.title_zh for d in out.datasets)), flush=True)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    url = db.engine.url.render_as_string(hide_password=False)
    with subprocess.Popen(
        [sys.executable, "-c", script, url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    ) as other:
        assert other.stdin is not None and other.stdout is not None

        def ask(q: str) -> list[str]:
            other.stdin.write(q + "\n")  # type: ignore[union-attr]
            other.stdin.flush()  # type: ignore[union-attr]
            return list(json.loads(other.stdout.readline()))  # type: ignore[union-attr]

        before = ask("停車場")
        assert before == _titles(db, None)
        city = world["apis"]["city"]
        made = make_dataset(city, title_zh="士林停車場", title_en="Shilin parking")["id"]
        assert ask("停車場") == sorted([*before, "士林停車場"])
        assert city.post(f"/v1/datasets/{made}", json={"access_rights": "restricted"}).status_code == 200
        assert ask("停車場") == before
        other.stdin.close()
        assert other.wait(timeout=30) == 0
