"""The API conventions through the HTTP API: errors, auth, tenancy, versions, limits, pagination.

Every refused request is also checked to change nothing: the whole database is
snapshotted before and compared after.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select

from digiplus.core.api.ratelimit import reset_rate_limits
from digiplus.core.db import Base, Database
from digiplus.settings import get_settings

Snapshot = dict[str, list[tuple[Any, ...]]]


def snapshot(db: Database) -> Snapshot:
    with db.engine.connect() as conn:
        return {
            table.name: [tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key.columns))]
            for table in Base.metadata.sorted_tables
        }


@pytest.fixture
def unchanged(db: Database) -> Iterator[Callable[[], None]]:
    """Call the returned function to take the snapshot; the test's end asserts nothing changed."""
    taken: list[Snapshot] = []

    def take() -> None:
        taken.append(snapshot(db))

    yield take
    assert taken, "the test never took its snapshot"
    assert snapshot(db) == taken[0]


def error_of(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"type", "code", "message", "param"}
    return dict(body["error"])


@pytest.fixture
def warm_api(api: Any) -> Any:
    """An API client whose key has been used once (so last_used_at is already written)."""
    assert api.get("/v1/account").status_code == 200
    return api


# --- bad input ---------------------------------------------------------------


def test_malformed_json_is_body_invalid_json(warm_api: Any, unchanged: Callable[[], None]) -> None:
    unchanged()
    response = warm_api.post("/v1/api_keys", content=b'{"name": ', headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    error = error_of(response)
    assert error["type"] == "invalid_request_error"
    assert error["code"] == "body_invalid_json"
    assert error["param"] is None


def test_body_that_is_not_an_object_is_refused(warm_api: Any, unchanged: Callable[[], None]) -> None:
    unchanged()
    response = warm_api.post("/v1/api_keys", json=["name"])
    assert response.status_code == 422
    assert error_of(response)["code"] == "parameter_invalid"


def test_wrong_type_names_the_param(warm_api: Any, unchanged: Callable[[], None]) -> None:
    unchanged()
    response = warm_api.post("/v1/api_keys", json={"name": 12})
    assert response.status_code == 422
    error = error_of(response)
    assert (error["type"], error["code"], error["param"]) == ("invalid_request_error", "parameter_invalid", "name")
    assert error["message"].startswith("Invalid name: ")


def test_invalid_enum_value_names_the_param(warm_api: Any, unchanged: Callable[[], None]) -> None:
    unchanged()
    response = warm_api.post("/v1/api_keys", json={"role": "superuser"})
    assert response.status_code == 422
    assert (error_of(response)["code"], error_of(response)["param"]) == ("parameter_invalid", "role")


def test_unknown_field_names_the_param(warm_api: Any, unchanged: Callable[[], None]) -> None:
    unchanged()
    response = warm_api.post("/v1/api_keys", json={"name": "ok", "colour": "red"})
    assert response.status_code == 422
    error = error_of(response)
    assert (error["code"], error["param"]) == ("parameter_unknown", "colour")
    assert error["message"] == "Received unknown parameter: colour"


def test_missing_required_field_names_the_param(api_for: Any, unchanged: Callable[[], None]) -> None:
    admin = api_for(role="admin")
    assert admin.get("/v1/account").status_code == 200
    unchanged()
    response = admin.post("/v1/members", json={"role": "viewer"})
    assert response.status_code == 422
    error = error_of(response)
    assert (error["code"], error["param"]) == ("parameter_missing", "email")
    assert error["message"] == "Missing required param: email"


def test_bad_query_parameter_names_the_param(api: Any) -> None:
    response = api.get("/v1/api_keys", params={"limit": 1000})
    assert response.status_code == 422
    assert (error_of(response)["code"], error_of(response)["param"]) == ("parameter_invalid", "limit")


def test_empty_post_body_uses_the_defaults(api: Any) -> None:
    response = api.post("/v1/api_keys")
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["role"]) == ("API key", "developer")


def test_body_over_the_limit_with_content_length_is_413(warm_api: Any, unchanged: Callable[[], None]) -> None:
    unchanged()
    limit = get_settings().max_body_bytes
    body = b'{"name": "' + b"x" * limit + b'"}'
    response = warm_api.post("/v1/api_keys", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert error_of(response) == {
        "type": "invalid_request_error",
        "code": "body_too_large",
        "message": f"The request body is larger than {limit} bytes.",
        "param": None,
    }


@pytest.mark.parametrize("idempotency_key", [None, "streamed-1"])
def test_streamed_body_over_the_limit_is_413(
    warm_api: Any, unchanged: Callable[[], None], idempotency_key: str | None
) -> None:
    unchanged()
    limit = get_settings().max_body_bytes

    def chunks() -> Iterator[bytes]:
        yield b'{"name": "'
        for _ in range(limit // 65536 + 2):
            yield b"x" * 65536
        yield b'"}'

    headers = {"Content-Type": "application/json"}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    response = warm_api.post("/v1/api_keys", content=chunks(), headers=headers)
    assert response.status_code == 413
    assert error_of(response)["code"] == "body_too_large"


# --- authentication and permissions ---------------------------------------------


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        ("Bearer sk_test_not-a-real-key", "invalid_api_key"),
        ("Bearer pk_test_wrong_prefix", "invalid_api_key"),
        ("Basic c2tfdGVzdDo=", "api_key_missing"),
    ],
)
def test_bad_key_is_401(
    client: Any, make_org: Any, unchanged: Callable[[], None], authorization: str, code: str
) -> None:
    make_org()
    unchanged()
    response = client.post("/v1/api_keys", json={"name": "x"}, headers={"Authorization": authorization})
    assert response.status_code == 401
    assert (error_of(response)["type"], error_of(response)["code"]) == ("authentication_error", code)


def test_revoked_key_is_401_and_changes_nothing(
    api_for: Any, make_org: Any, client: Any, unchanged: Callable[[], None]
) -> None:
    org = make_org()
    owner = api_for(org, role="owner")
    victim = api_for(org)
    victim_id = victim.get("/v1/api_keys").json()["data"][0]["id"]
    assert owner.post(f"/v1/api_keys/{victim_id}/revoke").status_code == 200
    unchanged()
    for response in (victim.get("/v1/account"), victim.post("/v1/api_keys", json={"name": "again"})):
        assert response.status_code == 401
        assert (error_of(response)["type"], error_of(response)["code"]) == ("authentication_error", "api_key_revoked")


def test_analyst_cannot_create_a_key(api_for: Any, unchanged: Callable[[], None]) -> None:
    analyst = api_for(role="analyst")
    assert analyst.get("/v1/account").status_code == 200
    unchanged()
    response = analyst.post("/v1/api_keys", json={"name": "mine"})
    assert response.status_code == 403
    error = error_of(response)
    assert (error["type"], error["code"]) == ("permission_error", "insufficient_permissions")
    assert error["message"] == "The role 'analyst' does not allow 'apikeys.write'."


def test_developer_cannot_create_an_owner_key(warm_api: Any, unchanged: Callable[[], None]) -> None:
    unchanged()
    response = warm_api.post("/v1/api_keys", json={"role": "owner"})
    assert response.status_code == 403
    assert (error_of(response)["type"], error_of(response)["param"]) == ("permission_error", "role")


def test_developer_cannot_revoke_an_owner_key(api_for: Any, make_org: Any, unchanged: Callable[[], None]) -> None:
    org = make_org()
    owner = api_for(org, role="owner")
    developer = api_for(org)
    owner_key = next(k for k in owner.get("/v1/api_keys").json()["data"] if k["role"] == "owner")
    assert developer.get("/v1/account").status_code == 200
    unchanged()
    response = developer.post(f"/v1/api_keys/{owner_key['id']}/revoke")
    assert response.status_code == 403
    assert error_of(response)["type"] == "permission_error"


def test_another_orgs_key_is_404(api_for: Any, unchanged: Callable[[], None]) -> None:
    mine, theirs = api_for(), api_for()
    their_key = theirs.get("/v1/api_keys").json()["data"][0]["id"]
    assert mine.get("/v1/account").status_code == 200
    unchanged()
    response = mine.post(f"/v1/api_keys/{their_key}/revoke")
    assert response.status_code == 404
    assert error_of(response) == {
        "type": "invalid_request_error",
        "code": "resource_missing",
        "message": f"No such api_key: '{their_key}'",
        "param": "id",
    }


def test_a_test_key_cannot_touch_a_live_key(api_for: Any, make_org: Any, unchanged: Callable[[], None]) -> None:
    org = make_org()
    test_api, live_api = api_for(org), api_for(org, live=True)
    live_key = live_api.get("/v1/api_keys").json()["data"][0]["id"]
    assert test_api.get("/v1/account").status_code == 200
    unchanged()
    response = test_api.post(f"/v1/api_keys/{live_key}/revoke")
    assert response.status_code == 404
    assert error_of(response)["code"] == "resource_missing"


# --- test and live isolation -----------------------------------------------------


def test_live_and_test_keys_see_only_their_own_mode(api_for: Any, make_org: Any) -> None:
    org = make_org()
    test_api, live_api = api_for(org), api_for(org, live=True)
    created_test = test_api.post("/v1/api_keys", json={"name": "test two"}).json()
    created_live = live_api.post("/v1/api_keys", json={"name": "live two"}).json()
    assert created_test["livemode"] is False
    assert created_test["secret"].startswith("sk_test_")
    assert created_live["livemode"] is True
    assert created_live["secret"].startswith("sk_live_")
    test_list = test_api.get("/v1/api_keys").json()["data"]
    live_list = live_api.get("/v1/api_keys").json()["data"]
    assert [k["name"] for k in test_list] == ["test two", "API key"]
    assert [k["name"] for k in live_list] == ["live two", "API key"]
    assert {k["livemode"] for k in test_list} == {False}
    assert {k["livemode"] for k in live_list} == {True}
    assert {k["redacted"][:8] for k in live_list} == {"sk_live_"}
    assert test_api.get("/v1/account").json()["livemode"] is False
    assert live_api.get("/v1/account").json()["livemode"] is True


# --- URLs, versions, rate limits ------------------------------------------------------


def test_unknown_url_is_404_error_object(api: Any) -> None:
    response = api.get("/v1/no_such_thing")
    assert response.status_code == 404
    assert error_of(response) == {
        "type": "invalid_request_error",
        "code": "resource_missing",
        "message": "Unrecognized request URL.",
        "param": None,
    }


def test_wrong_method_is_405_error_object(api: Any) -> None:
    response = api.delete("/v1/account")
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


def test_unknown_version_is_400(warm_api: Any, unchanged: Callable[[], None]) -> None:
    unchanged()
    response = warm_api.post("/v1/api_keys", json={}, headers={"Digiplus-Version": "1999-01-01"})
    assert response.status_code == 400
    error = error_of(response)
    assert (error["code"], error["param"]) == ("api_version_invalid", "Digiplus-Version")


def test_known_version_is_echoed(api: Any) -> None:
    response = api.get("/v1/account", headers={"Digiplus-Version": "2026-11-27"})
    assert response.status_code == 200
    assert response.headers["Digiplus-Version"] == "2026-11-27"


@pytest.fixture
def low_rate_limit(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DIGIPLUS_RATE_LIMIT", "3/minute")
    get_settings.cache_clear()
    reset_rate_limits()
    yield
    monkeypatch.delenv("DIGIPLUS_RATE_LIMIT")
    get_settings.cache_clear()
    reset_rate_limits()


def test_rate_limit_is_429_per_key(
    low_rate_limit: None, api_for: Any, make_org: Any, unchanged: Callable[[], None]
) -> None:
    org = make_org()
    first, second = api_for(org), api_for(org)
    for _ in range(3):
        assert first.get("/v1/account").status_code == 200
    assert second.get("/v1/account").status_code == 200
    unchanged()
    response = first.post("/v1/api_keys", json={"name": "over"})
    assert response.status_code == 429
    error = error_of(response)
    assert (error["type"], error["code"]) == ("rate_limit_error", "rate_limit")
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert second.get("/v1/account").status_code == 200  # the limit is per key
    assert first.get("/v1/account").status_code == 429


def test_anonymous_public_reads_are_limited_per_address(client: Any, api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGIPLUS_ANONYMOUS_RATE_LIMIT", "2/minute")
    get_settings.cache_clear()
    reset_rate_limits()
    try:
        assert [client.get("/v1/datasets").status_code for _ in range(2)] == [200, 200]
        refused = client.get("/v1/datasets")
        assert refused.status_code == 429
        assert "no API key" in error_of(refused)["message"]
        assert api.get("/v1/datasets").status_code == 200  # a key has its own, higher limit
    finally:
        monkeypatch.delenv("DIGIPLUS_ANONYMOUS_RATE_LIMIT")
        get_settings.cache_clear()
        reset_rate_limits()


# --- pagination ---------------------------------------------------------------


def test_api_keys_are_paged_with_cursors(api: Any) -> None:
    created = [api.post("/v1/api_keys", json={"name": f"k{i}"}).json()["id"] for i in range(4)]
    all_ids = [k["id"] for k in api.get("/v1/api_keys", params={"limit": 100}).json()["data"]]
    assert len(all_ids) == 5
    assert all_ids[:4] == list(reversed(created))
    assert all_ids == sorted(all_ids, reverse=True)

    page1 = api.get("/v1/api_keys", params={"limit": 2}).json()
    assert (page1["object"], page1["url"], page1["has_more"]) == ("list", "/v1/api_keys", True)
    assert [k["id"] for k in page1["data"]] == all_ids[:2]
    page2 = api.get("/v1/api_keys", params={"limit": 2, "starting_after": all_ids[1]}).json()
    assert ([k["id"] for k in page2["data"]], page2["has_more"]) == (all_ids[2:4], True)
    page3 = api.get("/v1/api_keys", params={"limit": 2, "starting_after": all_ids[3]}).json()
    assert ([k["id"] for k in page3["data"]], page3["has_more"]) == (all_ids[4:], False)

    back = api.get("/v1/api_keys", params={"limit": 2, "ending_before": all_ids[4]}).json()
    assert ([k["id"] for k in back["data"]], back["has_more"]) == (all_ids[2:4], True)
    first = api.get("/v1/api_keys", params={"limit": 2, "ending_before": all_ids[2]}).json()
    assert ([k["id"] for k in first["data"]], first["has_more"]) == (all_ids[:2], False)


def test_both_cursors_at_once_is_refused(api: Any) -> None:
    response = api.get("/v1/api_keys", params={"starting_after": "key_1", "ending_before": "key_2"})
    assert response.status_code == 400
    assert error_of(response)["param"] == "ending_before"


def test_members_are_paged(api_for: Any, make_org: Any, db: Database) -> None:
    from digiplus.identity import service
    from digiplus.identity.schemas import UserCreate

    org = make_org()
    with db.session() as session:
        for i in range(3):
            user = service.create_user(session, UserCreate(email=f"m{i}@example.com", name=f"M{i}", password="x" * 12))
            service.add_member(session, None, org, user.id, "viewer")
    api = api_for(org)
    page = api.get("/v1/members", params={"limit": 2}).json()
    assert (page["object"], page["url"], page["has_more"]) == ("list", "/v1/members", True)
    assert [m["email"] for m in page["data"]] == ["m2@example.com", "m1@example.com"]
    rest = api.get("/v1/members", params={"limit": 2, "starting_after": page["data"][1]["id"]}).json()
    assert ([m["email"] for m in rest["data"]], rest["has_more"]) == (["m0@example.com"], False)
    assert rest["data"][0]["object"] == "membership"
    assert rest["data"][0]["role"] == "viewer"
    assert api_for().get("/v1/members").json()["data"] == []  # another org sees none of them


def test_admin_adds_a_member_by_email(api_for: Any, make_org: Any, db: Database) -> None:
    from digiplus.identity import service
    from digiplus.identity.schemas import UserCreate

    with db.session() as session:
        service.create_user(session, UserCreate(email="ada@example.com", name="Ada", password="x" * 12))
    org = make_org()
    admin = api_for(org, role="admin")
    response = admin.post("/v1/members", json={"email": "Ada@Example.com", "role": "developer"})
    assert response.status_code == 200
    assert (response.json()["object"], response.json()["email"], response.json()["role"]) == (
        "membership",
        "ada@example.com",
        "developer",
    )
    again = admin.post("/v1/members", json={"email": "ada@example.com", "role": "viewer"})
    assert again.status_code == 409
    assert error_of(again)["code"] == "member_exists"
    owner = admin.post("/v1/members", json={"email": "ada@example.com", "role": "owner"})
    assert owner.status_code == 403  # an admin cannot grant a role above its own
    nobody = admin.post("/v1/members", json={"email": "nobody@example.com", "role": "viewer"})
    assert (nobody.status_code, error_of(nobody)["param"]) == (404, "email")
    developer = api_for(org).post("/v1/members", json={"email": "ada@example.com", "role": "viewer"})
    assert developer.status_code == 403
