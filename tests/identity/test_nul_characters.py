"""NUL characters are refused as bad input on every database (PostgreSQL text cannot store them)."""

from __future__ import annotations

from typing import Any


def test_nul_in_a_string_field_is_a_422_naming_the_field(api: Any) -> None:
    before = api.get("/v1/api_keys").json()["data"]
    response = api.post("/v1/api_keys", json={"name": "checkout\x00server"})
    assert response.status_code == 422
    assert response.json()["error"]["param"] == "name"
    assert response.json()["error"]["code"] == "parameter_invalid"
    assert "NUL" in response.json()["error"]["message"]
    assert api.get("/v1/api_keys").json()["data"] == before


def test_nul_in_an_invited_email_is_a_422_not_a_database_error(api_for: Any) -> None:
    response = api_for(role="owner").post("/v1/members", json={"email": "ada\x00@example.com", "role": "viewer"})
    assert response.status_code == 422
    assert response.json()["error"]["param"] == "email"
