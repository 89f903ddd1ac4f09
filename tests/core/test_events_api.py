"""``GET /v1/events`` and ``GET /v1/events/{id}``: scoped to the key's org and mode, paged, filtered."""

from __future__ import annotations

from typing import Any


def make_events(api: Any, n: int) -> list[str]:
    """Creates n endpoints; each emits one ``webhook_endpoint.created`` event. Returns the endpoint ids."""
    ids = []
    for i in range(n):
        response = api.post("/v1/webhook_endpoints", json={"url": f"http://127.0.0.1:9/{i}", "enabled_events": ["*"]})
        assert response.status_code == 200
        ids.append(response.json()["id"])
    return ids


def test_list_and_retrieve_events(api: Any) -> None:
    [endpoint_id] = make_events(api, 1)
    listed = api.get("/v1/events")
    assert listed.status_code == 200
    body = listed.json()
    assert (body["object"], body["has_more"], body["url"]) == ("list", False, "/v1/events")
    [event] = body["data"]
    assert event["object"] == "event"
    assert event["id"].startswith("evt_")
    assert event["type"] == "webhook_endpoint.created"
    assert event["livemode"] is False
    assert event["api_version"] == "2026-11-27"
    assert event["data"]["object"]["id"] == endpoint_id
    assert event["data"]["object"]["object"] == "webhook_endpoint"
    assert event["request"]["id"].startswith("req_")
    assert isinstance(event["created"], int)

    retrieved = api.get(f"/v1/events/{event['id']}")
    assert retrieved.status_code == 200
    assert retrieved.json() == event


def test_events_are_paged_newest_first(api: Any) -> None:
    endpoint_ids = make_events(api, 3)
    first = api.get("/v1/events", params={"limit": 2}).json()
    assert [e["data"]["object"]["id"] for e in first["data"]] == [endpoint_ids[2], endpoint_ids[1]]
    assert first["has_more"] is True
    second = api.get("/v1/events", params={"limit": 2, "starting_after": first["data"][1]["id"]}).json()
    assert [e["data"]["object"]["id"] for e in second["data"]] == [endpoint_ids[0]]
    assert second["has_more"] is False
    back = api.get("/v1/events", params={"limit": 2, "ending_before": second["data"][0]["id"]}).json()
    assert [e["id"] for e in back["data"]] == [e["id"] for e in first["data"]]


def test_filter_by_type_and_by_group(api: Any) -> None:
    [keep, gone] = make_events(api, 2)
    assert api.delete(f"/v1/webhook_endpoints/{gone}").status_code == 200
    assert api.post(f"/v1/webhook_endpoints/{keep}/ping").status_code == 200

    def types(**params: str) -> list[str]:
        response = api.get("/v1/events", params=params)
        assert response.status_code == 200
        return [e["type"] for e in response.json()["data"]]

    assert types() == ["ping", "webhook_endpoint.deleted", "webhook_endpoint.created", "webhook_endpoint.created"]
    assert types(type="ping") == ["ping"]
    assert types(type="webhook_endpoint.deleted") == ["webhook_endpoint.deleted"]
    assert types(type="webhook_endpoint.*") == [
        "webhook_endpoint.deleted",
        "webhook_endpoint.created",
        "webhook_endpoint.created",
    ]
    assert types(type="payment_intent.succeeded") == []


def test_bad_type_filter_is_422_naming_type(api: Any) -> None:
    response = api.get("/v1/events", params={"type": "Robert'); DROP TABLE events;--"})
    assert response.status_code == 422
    assert response.json()["error"]["param"] == "type"


def test_events_are_scoped_to_org_and_mode(api_for: Any, make_org: Any) -> None:
    org = make_org()
    test_api, live_api, other_api = api_for(org), api_for(org, live=True), api_for()
    make_events(test_api, 1)
    event_id = test_api.get("/v1/events").json()["data"][0]["id"]
    assert live_api.get("/v1/events").json()["data"] == []
    assert other_api.get("/v1/events").json()["data"] == []
    for outsider in (live_api, other_api):
        response = outsider.get(f"/v1/events/{event_id}")
        assert response.status_code == 404
        assert response.json()["error"] == {
            "type": "invalid_request_error",
            "code": "resource_missing",
            "message": f"No such event: '{event_id}'",
            "param": "id",
        }


def test_events_need_a_key(client: Any) -> None:
    response = client.get("/v1/events")
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"
