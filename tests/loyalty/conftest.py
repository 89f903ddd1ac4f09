"""Loyalty tests run the outbox consumer right after the payments: no lag (PostgreSQL would wait
``consumer_lag_seconds`` for events to settle)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from digiplus.settings import get_settings


@pytest.fixture(autouse=True)
def no_consumer_lag(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DIGIPLUS_CONSUMER_LAG_SECONDS", "0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
