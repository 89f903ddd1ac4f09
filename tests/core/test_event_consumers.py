"""Outbox consumers: every event handled once, in order, with the handler's writes in the cursor's transaction."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy.orm import Session

from digiplus.core.events import Event, pending_count, register_consumer, run_consumer
from digiplus.core.events import consumers as consumer_registry
from digiplus.settings import get_settings

seen: list[str] = []


def make_events(api: Any, n: int) -> list[str]:
    """n ``webhook_endpoint.created`` events; returns the endpoint ids in creation order."""
    ids = []
    for i in range(n):
        response = api.post("/v1/webhook_endpoints", json={"url": f"http://127.0.0.1:9/{i}", "enabled_events": ["*"]})
        assert response.status_code == 200
        ids.append(response.json()["id"])
    return ids


def _record(session: Session, events: Sequence[Event]) -> None:
    seen.extend(e.data["object"]["id"] for e in events)


def _explode(session: Session, events: Sequence[Event]) -> None:
    raise RuntimeError("handler failed")


@pytest.fixture(autouse=True)
def no_lag(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Hand events over at once (PostgreSQL otherwise waits ``consumer_lag_seconds``)."""
    monkeypatch.setenv("DIGIPLUS_CONSUMER_LAG_SECONDS", "0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def recorder() -> Iterator[str]:
    seen.clear()
    register_consumer("test.recorder", ["webhook_endpoint.created"], _record)
    yield "test.recorder"
    consumer_registry._CONSUMERS.pop("test.recorder", None)


def test_every_event_is_handled_once_in_order(api: Any, db: Any, recorder: str) -> None:
    first = make_events(api, 3)
    assert pending_count(db, recorder) == 3
    batches: list[int] = []
    assert run_consumer(db, recorder, batch_size=2, progress=batches.append) == 3
    assert batches == [2, 1]
    assert seen == first
    assert run_consumer(db, recorder) == 0  # nothing new: nothing handed over twice

    later = make_events(api, 2)
    assert pending_count(db, recorder) == 2
    assert run_consumer(db, recorder) == 2
    assert seen == first + later


def test_a_failing_handler_leaves_the_cursor_where_it_was(api: Any, db: Any) -> None:
    make_events(api, 2)
    register_consumer("test.explode", ["webhook_endpoint.created"], _explode)
    try:
        with pytest.raises(RuntimeError, match="handler failed"):
            run_consumer(db, "test.explode")
        assert pending_count(db, "test.explode") == 2
    finally:
        consumer_registry._CONSUMERS.pop("test.explode", None)


def test_a_consumer_must_name_event_types() -> None:
    with pytest.raises(ValueError, match="names no event types"):
        register_consumer("test.none", [], _record)


def test_postgresql_leaves_young_events_for_the_next_run(
    api: Any, db: Any, recorder: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_events(api, 1)
    monkeypatch.setenv("DIGIPLUS_CONSUMER_LAG_SECONDS", "3600")
    get_settings.cache_clear()
    expected = 1 if db.engine.dialect.name == "sqlite" else 0  # SQLite commits in order: no lag needed
    assert run_consumer(db, recorder) == expected
