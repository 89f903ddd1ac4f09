"""Warm-ups run once as a server process starts; a failing one does not stop the others."""

from __future__ import annotations

from typing import Any

from digiplus.core import warmup as warmups
from digiplus.core.db import Database


def test_warmups_run_in_turn_and_a_failure_is_only_logged(db: Database, monkeypatch: Any) -> None:
    ran: list[str] = []

    def broken(_: Database) -> None:
        raise RuntimeError("no")

    def fine(d: Database) -> None:
        ran.append(str(d.engine.url))

    monkeypatch.setattr(warmups, "_WARMUPS", {})
    warmups.warmup(broken)
    warmups.warmup(fine)
    thread = warmups.start_warmups(db)
    thread.join(timeout=10)
    assert ran == [str(db.engine.url)]
    assert warmups.run_warmups(db) == [f"{__name__}.{fine.__qualname__}"]


def test_the_catalogue_registers_its_search_index_load(db: Database) -> None:
    from digiplus.data.service import search_memory

    assert "digiplus.data.service.search_memory.load_search_index" in warmups._WARMUPS
    search_memory.forget_loaded_indexes()
    search_memory.load_search_index(db)
    assert search_memory._holder(str(db.engine.url)).snapshot is not None
