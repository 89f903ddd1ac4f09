"""Observability: liveness, readiness, Prometheus metrics, request ids and JSON logs."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from digiplus.core.db import Database, get_database, set_database
from digiplus.core.logging import configure_logging
from digiplus.settings import get_settings


def test_healthz(client: Any) -> None:
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readyz_with_the_database(client: Any) -> None:
    response = client.get("/readyz")
    assert (response.status_code, response.json()) == (200, {"status": "ok", "database": "ok"})


@pytest.fixture
def unreachable_database(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The settings name a PostgreSQL server that does not listen (get_database follows the settings URL)."""
    monkeypatch.setenv("DIGIPLUS_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2")
    get_settings.cache_clear()
    assert get_database().url != db.url
    yield
    get_database().dispose()
    monkeypatch.undo()
    get_settings.cache_clear()
    set_database(db)


def test_readyz_is_503_without_the_database(client: Any, unreachable_database: None) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "OperationalError"}
    assert client.get("/healthz").status_code == 200  # alive, only not ready


def test_metrics_count_requests_by_route_template(client: Any, api: Any) -> None:
    key_id = api.get("/v1/api_keys").json()["data"][0]["id"]
    assert api.post(f"/v1/api_keys/{key_id}/revoke").status_code == 200
    assert client.get("/healthz").status_code == 200
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert "# TYPE digiplus_http_requests_total counter" in lines
    counted = {line.rsplit(" ", 1)[0] for line in lines if line.startswith("digiplus_http_requests_total{")}
    assert 'digiplus_http_requests_total{method="GET",route="/healthz",status="200"}' in counted
    assert 'digiplus_http_requests_total{method="POST",route="/v1/api_keys/{key_id}/revoke",status="200"}' in counted
    assert not any(key_id in line for line in lines)  # ids never become label values
    assert any(line.startswith("digiplus_http_request_seconds_bucket{") for line in lines)


def test_every_response_has_a_request_id(client: Any) -> None:
    first, second = client.get("/healthz"), client.get("/v1/nothing-here")
    assert first.headers["Request-Id"].startswith("req_")
    assert second.headers["Request-Id"].startswith("req_")
    assert first.headers["Request-Id"] != second.headers["Request-Id"]


@pytest.mark.parametrize(
    ("incoming", "echoed"),
    [("lb-7f3a_91", True), ("a" * 64, True), ("a" * 65, False), ("has space", False), ("semi;colon", False)],
)
def test_a_safe_incoming_request_id_is_echoed(client: Any, incoming: str, echoed: bool) -> None:
    returned = client.get("/healthz", headers={"X-Request-Id": incoming}).headers["Request-Id"]
    if echoed:
        assert returned == incoming
    else:
        assert returned.startswith("req_")


@pytest.fixture
def json_logs(client: Any) -> Iterator[None]:
    """JSON logs at INFO, configured after the app (whose creation configures the test settings)."""
    configure_logging("INFO", json=True)
    yield
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)


def test_access_log_is_json_with_the_request_id(json_logs: None, api: Any, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    response = api.get("/v1/account", headers={"X-Request-Id": "trace-42"})
    assert response.status_code == 200
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    access = [r for r in records if r.get("event") == "request"]
    assert len(access) == 1
    line = access[0]
    assert (line["request_id"], line["method"], line["path"], line["status"], line["level"]) == (
        "trace-42",
        "GET",
        "/v1/account",
        200,
        "info",
    )
    assert isinstance(line["duration_ms"], float)
    assert line["timestamp"].endswith("Z")


def test_standard_library_records_are_json_too(json_logs: None, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    logging.getLogger("uvicorn.error").warning("port %d is busy", 8000)
    logging.getLogger("uvicorn.access").info("GET / 200")  # the middleware's access line replaces uvicorn's
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 1
    assert (lines[0]["event"], lines[0]["logger"], lines[0]["level"]) == (
        "port 8000 is busy",
        "uvicorn.error",
        "warning",
    )
