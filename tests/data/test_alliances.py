"""Alliances through the API: founding, invitations, roles, leaving and removal, and the
alliance-only access rule for members, non-members and anonymous visitors."""

from __future__ import annotations

from typing import Any

import pytest
from data_helpers import make_dataset, upload

from digiplus.core.db import Database
from digiplus.core.events import Event
from digiplus.data.models import Dataset

CSV = "站名,剩餘車位\n府前廣場,35\n".encode()
ALLIANCE = {
    "name_zh": "臺灣智慧交通數據聯盟",
    "name_en": "Taiwan Smart Mobility Data Alliance",
    "description_zh": "交通資料的共享與加值。",
    "purpose_en": "Share transport data among agencies and operators.",
}


def _ok(r: Any) -> dict[str, Any]:
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _join(admin: Any, member: Any, org: str, role: str = "data_user", admin_flag: bool = False) -> dict[str, Any]:
    alliance_id = admin.alliance_id
    invitation = _ok(
        admin.post(f"/v1/alliances/{alliance_id}/invitations", json={"org": org, "role": role, "admin": admin_flag})
    )
    return _ok(member.post(f"/v1/alliance_invitations/{invitation['id']}/accept"))


@pytest.fixture
def world(api_for: Any, make_org: Any) -> dict[str, Any]:
    orgs = {
        "founder": make_org("臺北市政府交通局", "agency"),
        "member": make_org("悠遊卡公司", "enterprise"),
        "outsider": make_org("Another Co", "enterprise"),
    }
    apis = {name: api_for(org, live=True) for name, org in orgs.items()}
    alliance = _ok(apis["founder"].post("/v1/alliances", json={**ALLIANCE, "role": "agency"}))
    apis["founder"].alliance_id = alliance["id"]
    return {"orgs": orgs, "apis": apis, "alliance": alliance}


def test_founding_inviting_accepting_and_the_member_list(world: dict[str, Any], db: Database) -> None:
    apis, orgs, alliance = world["apis"], world["orgs"], world["alliance"]
    assert alliance["founder"] == orgs["founder"]
    assert alliance["member_count"] == 1
    assert alliance["name"] == {"zh-TW": ALLIANCE["name_zh"], "en": ALLIANCE["name_en"]}
    invitation = _ok(
        apis["founder"].post(
            f"/v1/alliances/{alliance['id']}/invitations",
            json={"org": orgs["member"], "role": "data_supplier", "message": "歡迎加入"},
        )
    )
    assert invitation["status"] == "pending"
    assert invitation["alliance_name"]["en"] == ALLIANCE["name_en"]
    # The same org cannot be invited twice while an invitation is pending.
    again = apis["founder"].post(
        f"/v1/alliances/{alliance['id']}/invitations", json={"org": orgs["member"], "role": "data_user"}
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_invited"
    received = _ok(apis["member"].get("/v1/alliance_invitations?status=pending"))["data"]
    assert [i["id"] for i in received] == [invitation["id"]]
    # Only the invited org may accept: for anyone else the invitation does not exist.
    assert apis["outsider"].post(f"/v1/alliance_invitations/{invitation['id']}/accept").status_code == 404
    member = _ok(apis["member"].post(f"/v1/alliance_invitations/{invitation['id']}/accept"))
    assert (member["org"], member["role"], member["admin"], member["status"]) == (
        orgs["member"],
        "data_supplier",
        False,
        "active",
    )
    twice = apis["member"].post(f"/v1/alliance_invitations/{invitation['id']}/accept")
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "invitation_not_pending"
    members = _ok(apis["outsider"].get(f"/v1/alliances/{alliance['id']}/members"))["data"]
    assert sorted((m["org_name"], m["role"], m["admin"]) for m in members) == [
        ("悠遊卡公司", "data_supplier", False),
        ("臺北市政府交通局", "agency", True),
    ]
    assert _ok(apis["member"].get(f"/v1/alliances/{alliance['id']}"))["member_count"] == 2
    with db.session() as session:
        joined = session.query(Event).filter(Event.type == "alliance.member_joined").all()
        assert sorted(e.org_id for e in joined) == sorted([orgs["member"], orgs["founder"]])


def test_declining_and_only_admins_invite(world: dict[str, Any]) -> None:
    apis, orgs, alliance = world["apis"], world["orgs"], world["alliance"]
    invitation = _ok(
        apis["founder"].post(
            f"/v1/alliances/{alliance['id']}/invitations", json={"org": orgs["outsider"], "role": "association"}
        )
    )
    declined = _ok(apis["outsider"].post(f"/v1/alliance_invitations/{invitation['id']}/decline"))
    assert declined["status"] == "declined"
    assert apis["outsider"].get(f"/v1/alliances/{alliance['id']}/members").json()["data"][0]["org"] == orgs["founder"]
    _join(apis["founder"], apis["member"], orgs["member"])
    # A member who is not an admin may not invite or remove.
    r = apis["member"].post(
        f"/v1/alliances/{alliance['id']}/invitations", json={"org": orgs["outsider"], "role": "data_user"}
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "alliance_admin_required"
    assert apis["member"].delete(f"/v1/alliances/{alliance['id']}/members/{orgs['founder']}").status_code == 403
    unknown = apis["founder"].post(
        f"/v1/alliances/{alliance['id']}/invitations", json={"org": "org_01NOSUCHORG", "role": "data_user"}
    )
    assert unknown.status_code == 404 and unknown.json()["error"]["param"] == "org"
    bad_role = apis["founder"].post(
        f"/v1/alliances/{alliance['id']}/invitations", json={"org": orgs["outsider"], "role": "king"}
    )
    assert bad_role.status_code == 422 and bad_role.json()["error"]["param"] == "role"


def test_leaving_removal_and_the_last_admin(world: dict[str, Any]) -> None:
    apis, orgs, alliance = world["apis"], world["orgs"], world["alliance"]
    aid = alliance["id"]
    _join(apis["founder"], apis["member"], orgs["member"])
    r = apis["founder"].post(f"/v1/alliances/{aid}/leave")
    assert r.status_code == 409 and r.json()["error"]["code"] == "last_admin"
    _ok(apis["founder"].post(f"/v1/alliances/{aid}/members/{orgs['member']}", json={"admin": True}))
    left = _ok(apis["founder"].post(f"/v1/alliances/{aid}/leave"))
    assert (left["status"], left["admin"]) == ("left", False)
    assert _ok(apis["member"].get(f"/v1/alliances/{aid}"))["member_count"] == 1
    # The new admin invites the founder back; the old row is re-activated.
    back = _join(_as_admin(apis["member"], aid), apis["founder"], orgs["founder"], role="agency")
    assert back["id"] == left["id"] and back["status"] == "active"
    removed = _ok(apis["member"].delete(f"/v1/alliances/{aid}/members/{orgs['founder']}"))
    assert removed["status"] == "removed"
    everyone = _ok(apis["member"].get(f"/v1/alliances/{aid}/members?include_former=true"))["data"]
    assert sorted((m["org"], m["status"]) for m in everyone) == sorted(
        [(orgs["member"], "active"), (orgs["founder"], "removed")]
    )


def _as_admin(api: Any, alliance_id: str) -> Any:
    api.alliance_id = alliance_id
    return api


def test_private_alliances_are_seen_by_members_only(world: dict[str, Any], client: Any) -> None:
    apis, orgs = world["apis"], world["orgs"]
    private = _ok(apis["founder"].post("/v1/alliances", json={"name_en": "Quiet club", "listing": "private"}))
    for who in (apis["outsider"], apis["member"]):
        assert who.get(f"/v1/alliances/{private['id']}").status_code == 404
    assert client.get(f"/v1/alliances/{private['id']}").status_code == 404
    assert client.get(f"/v1/alliances/{private['id']}/members").status_code == 404
    assert {a["id"] for a in client.get("/v1/alliances").json()["data"]} == {world["alliance"]["id"]}
    _join(_as_admin(apis["founder"], private["id"]), apis["member"], orgs["member"])
    assert _ok(apis["member"].get(f"/v1/alliances/{private['id']}"))["listing"] == "private"
    mine = {a["id"] for a in _ok(apis["member"].get("/v1/alliances?mine=true"))["data"]}
    assert mine == {private["id"]}


def _search(client: Any, headers: dict[str, str]) -> set[str]:
    r = client.get("/v1/catalog/search", params={"q": "停車場"}, headers=headers)
    assert r.status_code == 200, r.text
    return {hit["id"] for hit in r.json()["data"]}


def test_alliance_only_data_is_seen_by_members_only_everywhere(
    world: dict[str, Any], client: Any, db: Database
) -> None:
    apis, orgs, aid = world["apis"], world["orgs"], world["alliance"]["id"]
    _join(apis["founder"], apis["member"], orgs["member"])
    public = make_dataset(apis["founder"], title_zh="公開停車場資料")["id"]
    shared = make_dataset(apis["founder"], title_zh="聯盟停車場資料", access_rights="alliance", access_alliance_id=aid)[
        "id"
    ]
    for dataset_id in (public, shared):
        assert upload(apis["founder"], dataset_id, CSV)["status"] == "succeeded"

    def bearer(name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {apis[name].secret}"}

    assert _search(client, bearer("member")) == {public, shared}
    assert _search(client, bearer("outsider")) == {public}
    assert _search(client, {}) == {public}
    for suffix in ("", "/schema", "/preview", "/profile", "/download.csv", "/distributions"):
        url = f"/v1/datasets/{shared}{suffix}"
        assert apis["member"].get(url).status_code == 200, url
        assert apis["outsider"].get(url).status_code == 404, url
        assert client.get(url).status_code == 404, url
    assert apis["member"].get(f"/v1/datasets/{shared}/preview").json()["rows"] == [["府前廣場", 35]]
    # The chain: the member sees the shared dataset; the outsider sees none (the public dataset
    # is not shared with the alliance and nobody registered a use of it).
    chain = _ok(apis["member"].get(f"/v1/alliances/{aid}/chain"))
    assert [n["id"] for n in chain["nodes"] if n["kind"] == "dataset"] == [shared]
    assert chain["edges"] == [
        {"source": orgs["founder"], "target": shared, "kind": "supplies", "purpose": None, "use": None}
    ]
    outside = _ok(apis["outsider"].get(f"/v1/alliances/{aid}/chain"))
    assert [n for n in outside["nodes"] if n["kind"] == "dataset"] == [] and outside["edges"] == []
    # Leaving: the member no longer sees it; and when the publisher leaves, its shared data
    # becomes restricted (the remaining members lose it too).
    _ok(apis["member"].post(f"/v1/alliances/{aid}/leave"))
    assert apis["member"].get(f"/v1/datasets/{shared}").status_code == 404
    assert _search(client, bearer("member")) == {public}
    _join(apis["founder"], apis["member"], orgs["member"], admin_flag=True)
    assert apis["member"].get(f"/v1/datasets/{shared}").status_code == 200
    _ok(apis["founder"].post(f"/v1/alliances/{aid}/leave"))
    assert apis["member"].get(f"/v1/datasets/{shared}").status_code == 404
    assert _search(client, bearer("member")) == {public}
    with db.session() as session:
        d = session.get_one(Dataset, shared)
        assert (d.access_rights, d.access_alliance_id) == ("restricted", None)
    assert _ok(apis["founder"].get(f"/v1/datasets/{shared}"))["access_rights"] == "restricted"


def test_use_records_make_the_chain(world: dict[str, Any]) -> None:
    apis, orgs, aid = world["apis"], world["orgs"], world["alliance"]["id"]
    _join(apis["founder"], apis["member"], orgs["member"])
    shared = make_dataset(apis["founder"], title_zh="公車動態", access_rights="alliance", access_alliance_id=aid)["id"]
    public = make_dataset(apis["founder"], title_zh="公車路線")["id"]
    foreign = make_dataset(apis["outsider"], title_zh="別人的資料")["id"]
    use = _ok(apis["member"].post(f"/v1/alliances/{aid}/uses", json={"dataset": shared, "purpose": "到站預測"}))
    _ok(apis["member"].post(f"/v1/alliances/{aid}/uses", json={"dataset": public, "purpose": "路網圖"}))
    dup = apis["member"].post(f"/v1/alliances/{aid}/uses", json={"dataset": shared, "purpose": "again"})
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "use_exists"
    outside = apis["member"].post(f"/v1/alliances/{aid}/uses", json={"dataset": foreign, "purpose": "x"})
    assert outside.status_code == 400 and outside.json()["error"]["param"] == "dataset"
    not_member = apis["outsider"].post(f"/v1/alliances/{aid}/uses", json={"dataset": public, "purpose": "x"})
    assert not_member.status_code == 403
    chain = _ok(apis["member"].get(f"/v1/alliances/{aid}/chain"))
    assert {(n["id"], n["kind"]) for n in chain["nodes"]} == {
        (orgs["founder"], "org"),
        (orgs["member"], "org"),
        (shared, "dataset"),
        (public, "dataset"),
    }
    assert sorted((e["source"], e["target"], e["kind"], e["purpose"]) for e in chain["edges"]) == sorted(
        [
            (orgs["founder"], shared, "supplies", None),
            (orgs["founder"], public, "supplies", None),
            (shared, orgs["member"], "uses", "到站預測"),
            (public, orgs["member"], "uses", "路網圖"),
        ]
    )
    # An outsider sees the public part of the chain only.
    seen = _ok(apis["outsider"].get(f"/v1/alliances/{aid}/chain"))
    assert sorted((e["source"], e["kind"]) for e in seen["edges"]) == sorted(
        [(orgs["founder"], "supplies"), (public, "uses")]
    )
    _ok(apis["member"].delete(f"/v1/alliances/{aid}/uses/{use['id']}"))
    assert len(_ok(apis["member"].get(f"/v1/alliances/{aid}/uses"))["data"]) == 1
