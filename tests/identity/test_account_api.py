from __future__ import annotations

from typing import Any


def test_account_returns_the_org_of_the_key(api_for: Any, make_org: Any) -> None:
    org_id = make_org("Lin's Dumplings", "merchant")
    response = api_for(org_id).get("/v1/account")
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "organization"
    assert body["id"] == org_id
    assert body["name"] == "Lin's Dumplings"
    assert body["livemode"] is False
    assert response.headers["Digiplus-Version"] == "2026-11-27"
    assert response.headers["Request-Id"].startswith("req_")


def test_account_without_key_is_401_error_object(client: Any) -> None:
    response = client.get("/v1/account")
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"
    assert response.json()["error"]["code"] == "api_key_missing"


def test_revoked_key_is_refused(api: Any) -> None:
    keys = api.get("/v1/api_keys").json()["data"]
    revoked = api.post(f"/v1/api_keys/{keys[0]['id']}/revoke")
    assert revoked.status_code == 200
    assert revoked.json()["revoked"] is True
    again = api.get("/v1/account")
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "api_key_revoked"
