"""The background worker: runs registered periodic tasks (outbox dispatch, webhook
delivery, clean-up) in a loop — as a thread of ``digiplus serve`` by default, or
on its own with ``digiplus worker``.

A task is a function ``(Database) -> int`` returning how much work it did; the
loop sleeps only when a full round did nothing, so a backlog drains at full speed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import structlog

from digiplus.core.db import Database, get_database
from digiplus.settings import get_settings

log = structlog.get_logger("digiplus.worker")

Task = Callable[[Database], int]
_TASKS: dict[str, Task] = {}


def task(name: str) -> Callable[[Task], Task]:
    def register(fn: Task) -> Task:
        _TASKS[name] = fn
        return fn

    return register


def registered_tasks() -> dict[str, Task]:
    return dict(_TASKS)


def run_once(db: Database | None = None) -> dict[str, int]:
    """One round of every task; returns the work each did (tests call this directly)."""
    db = db or get_database()
    done: dict[str, int] = {}
    for name, fn in _TASKS.items():
        try:
            done[name] = fn(db)
        except Exception:  # one failing task must not stop the others
            log.exception("worker_task_failed", task=name)
            done[name] = 0
    return done


class Worker:
    def __init__(self, poll_seconds: float | None = None) -> None:
        self.poll_seconds = poll_seconds if poll_seconds is not None else get_settings().worker_poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_forever(self) -> None:
        log.info("worker_started", tasks=sorted(_TASKS))
        while not self._stop.is_set():
            done = run_once()
            if not any(done.values()):
                self._stop.wait(self.poll_seconds)
        log.info("worker_stopped")

    def start_thread(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name="digiplus-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
