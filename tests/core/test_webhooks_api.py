"""The webhook endpoint API: create/list/retrieve/delete, validation, permissions,
idempotency, test/live isolation, cross-org 404 and the SSRF guard at creation."""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select, update

from digiplus.core.api.idempotency import IN_PROGRESS, IdempotencyKey
from digiplus.core.audit.models import AuditEntry
from digiplus.core.db import Database, utcnow
from digiplus.core.events.models import Event
from digiplus.core.webhooks import ssrf
from digiplus.core.webhooks.models import WebhookEndpoint
from digiplus.settings import get_settings

URL = "http://127.0.0.1:9/hooks"


def create(api: Any, **fields: Any) -> Any:
    body = {"url": URL, "enabled_events": ["*"], **fields}
    return api.post("/v1/webhook_endpoints", json=body)


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DIGIPLUS_ENV", "production")
    monkeypatch.setenv("DIGIPLUS_SECRET_KEY", "x" * 40)
    get_settings.cache_clear()
    assert get_settings().env == "production"
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_create_returns_the_endpoint_and_a_standard_webhooks_secret_once(api: Any, db: Database) -> None:
    response = create(api, description="Fulfilment", enabled_events=["webhook_endpoint.created", "ping"])
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "webhook_endpoint"
    assert body["id"].startswith("we_")
    assert len(body["id"]) == 29
    assert body["livemode"] is False
    assert body["url"] == URL
    assert body["description"] == "Fulfilment"
    assert body["enabled_events"] == ["webhook_endpoint.created", "ping"]
    assert body["status"] == "enabled"
    assert body["secret"].startswith("whsec_")
    assert len(base64.b64decode(body["secret"].removeprefix("whsec_"))) == 24

    fetched = api.get(f"/v1/webhook_endpoints/{body['id']}")
    assert fetched.status_code == 200
    assert "secret" not in fetched.json()
    assert fetched.json() == {k: v for k, v in body.items() if k != "secret"}

    with db.session() as session:
        audit = session.scalars(select(AuditEntry).where(AuditEntry.target_id == body["id"])).one()
        assert audit.action == "webhook_endpoint.created"
        assert audit.after == {"url": URL, "enabled_events": ["webhook_endpoint.created", "ping"]}
        event = session.scalars(select(Event).where(Event.type == "webhook_endpoint.created")).one()
        assert event.data["object"]["id"] == body["id"]
        assert "secret" not in event.data["object"]


def test_list_is_paged_newest_first(api: Any) -> None:
    ids = [create(api).json()["id"] for _ in range(3)]
    page = api.get("/v1/webhook_endpoints", params={"limit": 2})
    assert page.status_code == 200
    assert page.json()["object"] == "list"
    assert [e["id"] for e in page.json()["data"]] == [ids[2], ids[1]]
    assert page.json()["has_more"] is True
    rest = api.get("/v1/webhook_endpoints", params={"limit": 2, "starting_after": ids[1]}).json()
    assert [e["id"] for e in rest["data"]] == [ids[0]]
    assert rest["has_more"] is False


def test_delete_answers_deleted_and_the_endpoint_is_gone(api: Any, db: Database) -> None:
    endpoint_id = create(api).json()["id"]
    response = api.delete(f"/v1/webhook_endpoints/{endpoint_id}")
    assert response.status_code == 200
    assert response.json() == {"id": endpoint_id, "object": "webhook_endpoint", "deleted": True}
    assert api.get(f"/v1/webhook_endpoints/{endpoint_id}").status_code == 404
    again = api.delete(f"/v1/webhook_endpoints/{endpoint_id}")
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "resource_missing"
    with db.session() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.target_id == endpoint_id).order_by(AuditEntry.seq)
        ).all()
        assert actions == ["webhook_endpoint.created", "webhook_endpoint.deleted"]
        types = session.scalars(select(Event.type).order_by(Event.id)).all()
        assert types == ["webhook_endpoint.created", "webhook_endpoint.deleted"]


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        ({"url": URL, "enabled_events": ["*"], "secret": "mine"}, "secret", "parameter_unknown"),
        ({"url": "ftp://example.com/x", "enabled_events": ["*"]}, "url", "parameter_invalid"),
        ({"url": "not a url", "enabled_events": ["*"]}, "url", "parameter_invalid"),
        ({"url": "https:///path-only", "enabled_events": ["*"]}, "url", "parameter_invalid"),
        ({"url": "https://user:pw@example.com/", "enabled_events": ["*"]}, "url", "parameter_invalid"),
        ({"url": "https://example.com:99999/", "enabled_events": ["*"]}, "url", "parameter_invalid"),
        ({"enabled_events": ["*"]}, "url", "parameter_missing"),
        ({"url": URL, "enabled_events": []}, "enabled_events", "parameter_invalid"),
        ({"url": URL, "enabled_events": ["charge.nonsense"]}, "enabled_events", "parameter_invalid"),
        ({"url": URL, "enabled_events": ["*", "ping"]}, "enabled_events", "parameter_invalid"),
        ({"url": URL, "enabled_events": "*"}, "enabled_events", "parameter_invalid"),
    ],
)
def test_bad_input_is_422_naming_the_param_and_creates_nothing(
    api: Any, db: Database, body: dict[str, Any], param: str, code: str
) -> None:
    response = api.post("/v1/webhook_endpoints", json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    assert error["code"] == code
    with db.session() as session:
        assert session.scalars(select(WebhookEndpoint)).all() == []


def test_event_groups_are_accepted_and_duplicates_collapsed(api: Any) -> None:
    response = create(api, enabled_events=["webhook_endpoint.*", "ping", "ping"])
    assert response.status_code == 200
    assert response.json()["enabled_events"] == ["webhook_endpoint.*", "ping"]


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_read_only_roles_cannot_write(api_for: Any, make_org: Any, role: str) -> None:
    org = make_org()
    endpoint_id = create(api_for(org)).json()["id"]
    reader = api_for(org, role=role)
    assert reader.get(f"/v1/webhook_endpoints/{endpoint_id}").status_code == 200
    for response in (
        create(reader),
        reader.delete(f"/v1/webhook_endpoints/{endpoint_id}"),
        reader.post(f"/v1/webhook_endpoints/{endpoint_id}/ping"),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["type"] == "permission_error"


# --- idempotency -------------------------------------------------------------


def test_same_idempotency_key_and_body_replays_the_first_response(api: Any, db: Database) -> None:
    headers = {"Idempotency-Key": "create-hook-1"}
    first = api.post("/v1/webhook_endpoints", json={"url": URL, "enabled_events": ["*"]}, headers=headers)
    second = api.post("/v1/webhook_endpoints", json={"url": URL, "enabled_events": ["*"]}, headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    with db.session() as session:
        assert session.scalars(select(WebhookEndpoint.id)).all() == [first.json()["id"]]


def test_same_idempotency_key_with_another_body_is_422(api: Any, db: Database) -> None:
    headers = {"Idempotency-Key": "create-hook-2"}
    assert (
        api.post("/v1/webhook_endpoints", json={"url": URL, "enabled_events": ["*"]}, headers=headers).status_code
        == 200
    )
    other = api.post("/v1/webhook_endpoints", json={"url": URL + "/other", "enabled_events": ["*"]}, headers=headers)
    assert other.status_code == 422
    assert other.json()["error"]["type"] == "idempotency_error"
    with db.session() as session:
        assert len(session.scalars(select(WebhookEndpoint.id)).all()) == 1


def test_concurrent_duplicate_is_409(api: Any, db: Database) -> None:
    headers = {"Idempotency-Key": "create-hook-3"}
    first = api.post("/v1/webhook_endpoints", json={"url": URL, "enabled_events": ["*"]}, headers=headers)
    assert first.status_code == 200
    # Put the key back in the state it has while the first request is still running.
    with db.session() as session:
        session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == "create-hook-3")
            .values(status=IN_PROGRESS, response_status=None, response_body=None, created=utcnow())
        )
    response = api.post("/v1/webhook_endpoints", json={"url": URL, "enabled_events": ["*"]}, headers=headers)
    assert response.status_code == 409
    assert response.json()["error"]["type"] == "idempotency_error"
    assert response.json()["error"]["code"] == "idempotency_key_in_use"
    with db.session() as session:
        assert session.scalars(select(WebhookEndpoint.id)).all() == [first.json()["id"]]


# --- isolation ----------------------------------------------------------------


def test_live_and_test_endpoints_are_separate(api_for: Any, make_org: Any) -> None:
    org = make_org()
    test_api, live_api = api_for(org), api_for(org, live=True)
    test_id = create(test_api).json()["id"]
    live = create(live_api, url="http://127.0.0.1:9/live")
    assert live.status_code == 200
    assert live.json()["livemode"] is True
    live_id = live.json()["id"]
    assert [e["id"] for e in test_api.get("/v1/webhook_endpoints").json()["data"]] == [test_id]
    assert [e["id"] for e in live_api.get("/v1/webhook_endpoints").json()["data"]] == [live_id]
    for path in (f"/v1/webhook_endpoints/{test_id}", f"/v1/webhook_endpoints/{test_id}/deliveries"):
        assert live_api.get(path).status_code == 404
    assert live_api.post(f"/v1/webhook_endpoints/{test_id}/ping").status_code == 404
    assert live_api.delete(f"/v1/webhook_endpoints/{test_id}").status_code == 404
    assert test_api.get(f"/v1/webhook_endpoints/{test_id}").status_code == 200


def test_another_orgs_endpoint_is_404_everywhere(api_for: Any, db: Database) -> None:
    mine, theirs = api_for(), api_for()
    endpoint_id = create(theirs).json()["id"]
    responses = [
        mine.get(f"/v1/webhook_endpoints/{endpoint_id}"),
        mine.delete(f"/v1/webhook_endpoints/{endpoint_id}"),
        mine.post(f"/v1/webhook_endpoints/{endpoint_id}/ping"),
        mine.get(f"/v1/webhook_endpoints/{endpoint_id}/deliveries"),
    ]
    for response in responses:
        assert response.status_code == 404
        assert response.json()["error"] == {
            "type": "invalid_request_error",
            "code": "resource_missing",
            "message": f"No such webhook_endpoint: '{endpoint_id}'",
            "param": "id",
        }
    assert mine.get("/v1/webhook_endpoints").json()["data"] == []
    with db.session() as session:  # nothing was deleted or pinged
        assert session.scalars(select(WebhookEndpoint.id)).all() == [endpoint_id]
        assert session.scalars(select(Event.type)).all() == ["webhook_endpoint.created"]


def test_malformed_id_is_404(api: Any) -> None:
    response = api.get("/v1/webhook_endpoints/we_nope")
    assert response.status_code == 404
    assert response.json()["error"]["param"] == "id"


# --- SSRF guard at creation -----------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hooks",
        "http://localhost/hooks",
        "http://10.1.2.3/",
        "http://192.168.0.10/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://[::ffff:127.0.0.1]/",
    ],
)
def test_production_live_mode_refuses_non_public_hosts(production: None, api_for: Any, url: str) -> None:
    response = create(api_for(live=True), url=url)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["param"] == "url"
    assert error["code"] == "url_invalid"
    assert "non-public address" in error["message"]


def test_production_live_mode_refuses_unresolvable_hosts(production: None, api_for: Any) -> None:
    response = create(api_for(live=True), url="https://no-such-host.invalid/hooks")
    assert response.status_code == 422
    assert response.json()["error"]["param"] == "url"
    assert "does not resolve" in response.json()["error"]["message"]


def test_production_live_mode_accepts_public_hosts(
    production: None, api_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def public_dns(host: str, port: int, *args: Any, **kw: Any) -> list[Any]:
        assert host == "hooks.example.com"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]

    monkeypatch.setattr(ssrf.socket, "getaddrinfo", public_dns)
    response = create(api_for(live=True), url="https://hooks.example.com/digiplus")
    assert response.status_code == 200
    assert response.json()["livemode"] is True


def test_production_test_mode_and_dev_live_mode_allow_localhost(
    api_for: Any, production: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert create(api_for(live=False), url="http://localhost:3000/hooks").status_code == 200
    monkeypatch.setenv("DIGIPLUS_ENV", "dev")
    get_settings.cache_clear()
    assert create(api_for(live=True), url="http://127.0.0.1:3000/hooks").status_code == 200
