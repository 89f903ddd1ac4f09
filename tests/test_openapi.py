"""The API keeps the promises of its own OpenAPI document (schemathesis, in-process over ASGI).

Every operation gets generated requests with a valid owner key of a seeded org; no
response may be a 5xx, use a status the operation does not document, or break the
documented response schema.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from digiplus.settings import get_settings

EXAMPLES_PER_OPERATION = 25
EXAMPLES_WITH_REAL_IDS = 10  # second pass: path parameters set to objects that exist
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}


def _exercise(
    operation: Any,
    headers: dict[str, str],
    sent: Counter[str],
    statuses: dict[str, Counter[int]],
    path_parameters: dict[str, str] | None = None,
) -> Callable[[], None]:
    @settings(
        max_examples=EXAMPLES_PER_OPERATION if path_parameters is None else EXAMPLES_WITH_REAL_IDS,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(headers=headers, path_parameters=path_parameters))
    def exercise(case: schemathesis.Case) -> None:
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        sent[operation.label] += 1
        statuses[operation.label][response.status_code] += 1

    return exercise  # type: ignore[no-any-return]


@pytest.fixture
def _generous_rate_limit(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Generated requests arrive faster than a client would; 429s would hide the operations' own answers."""
    monkeypatch.setenv("DIGIPLUS_RATE_LIMIT", "100000/second")
    monkeypatch.setenv("DIGIPLUS_ANONYMOUS_RATE_LIMIT", "100000/second")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def _seed_objects(client: TestClient, headers: dict[str, str]) -> dict[str, str]:
    """One object of each kind a path parameter names, created through the API."""
    endpoint = client.post(
        "/v1/webhook_endpoints",
        json={"url": "https://example.com/digiplus/webhooks", "enabled_events": ["*"]},
        headers=headers,
    )
    assert endpoint.status_code == 200, endpoint.text
    event = client.post(f"/v1/webhook_endpoints/{endpoint.json()['id']}/ping", headers=headers)
    assert event.status_code == 200, event.text
    key = client.post("/v1/api_keys", json={"name": "Revoked by the schema test"}, headers=headers)
    assert key.status_code == 200, key.text
    return {"endpoint_id": endpoint.json()["id"], "event_id": event.json()["id"], "key_id": key.json()["id"]}


def test_every_operation_has_a_summary(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    missing = [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS and not operation.get("summary")
    ]
    assert missing == []


@pytest.mark.usefixtures("_generous_rate_limit")
def test_api_conforms_to_its_schema(
    app: Any, client: TestClient, make_org: Callable[..., str], make_key: Callable[..., str]
) -> None:
    secret = make_key(make_org("Schema Conformance 測試商店"), role="owner")
    headers = {"Authorization": f"Bearer {secret}"}
    real_ids = _seed_objects(client, headers)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    sent: Counter[str] = Counter()
    statuses: dict[str, Counter[int]] = defaultdict(Counter)
    failures: list[str] = []

    try:
        for operation in operations:
            try:
                _exercise(operation, headers, sent, statuses)()
            except Exception as exc:  # collect every operation's failure, then report them together
                failures.append(f"{operation.label}:\n{exc}")
        # Random ids only reach the 404 answer; run the operations on real objects too (deletes last).
        with_ids = sorted((op for op in operations if "{" in op.path), key=lambda op: op.method.upper() == "DELETE")
        for operation in with_ids:
            known = {name: real_ids[name] for name in real_ids if f"{{{name}}}" in operation.path}
            try:
                _exercise(operation, headers, sent, statuses, known)()
            except Exception as exc:
                failures.append(f"{operation.label} (existing objects):\n{exc}")
    finally:
        asgi.shutdown_lifespans()

    assert failures == []
    document_operations = {
        f"{method.upper()} {path}"
        for path, item in schema.raw_schema["paths"].items()
        for method in item
        if method in METHODS
    }
    assert set(sent) == document_operations
    assert all(count > 0 for count in sent.values())
    # the key was accepted: the generated requests reached the operations, not just the 401 answer
    assert statuses["GET /v1/account"][200] > 0
    for label in ("GET /v1/webhook_endpoints/{endpoint_id}", "GET /v1/events/{event_id}"):
        assert statuses[label][200] > 0, (label, statuses[label])
