"""The lake tests: a fresh local lake per test, and outbox consumers without the PostgreSQL lag."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from digiplus.lake import Lake, get_lake
from digiplus.settings import get_settings


@pytest.fixture
def lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Lake]:
    """The settings' lake, in this test's own folder; consumers see events at once (lag 0)."""
    monkeypatch.setenv("DIGIPLUS_LAKE_URL", str(tmp_path / "lake"))
    monkeypatch.setenv("DIGIPLUS_CONSUMER_LAG_SECONDS", "0")
    get_settings.cache_clear()
    yield get_lake()
    get_settings.cache_clear()
