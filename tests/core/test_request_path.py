"""The request path's database rules: GETs read without locks, read sessions refuse writes,
SQLite writers take turns in-process, and the in-memory rate-limit window counts exactly."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from digiplus.core.api.ratelimit import LocalMovingWindow
from digiplus.core.db import Database, ReadOnlySessionError
from digiplus.identity.models import Organization


def test_a_read_session_refuses_orm_and_sql_writes(db: Database, make_org: Any) -> None:
    org_id = make_org("Read only")
    with db.read_session() as session:
        org = session.get(Organization, org_id)
        assert org is not None
        org.name = "Changed"
        with pytest.raises(ReadOnlySessionError):
            session.flush()
        session.expunge_all()
    with db.read_session() as session, pytest.raises(ReadOnlySessionError):
        session.execute(update(Organization).where(Organization.id == org_id).values(name="Changed"))
    with db.read_session() as session:
        assert session.scalars(select(Organization.name).where(Organization.id == org_id)).one() == "Read only"


def test_a_get_is_not_held_up_by_an_open_write_transaction(api: Any, db: Database) -> None:
    org_id = api.get("/v1/account").json()["id"]  # the key is checked and its use recorded
    with db.session() as session:
        session.execute(update(Organization).where(Organization.id == org_id).values(name="Renamed, not committed"))
        started = time.monotonic()
        response = api.get("/v1/account")
        waited = time.monotonic() - started
    assert response.status_code == 200
    assert response.json()["name"] == "Test Merchant"  # the committed name: the write is not visible yet
    assert waited < 5  # a reader that took the write lock would wait for the 30 s busy timeout
    assert api.get("/v1/account").json()["name"] == "Renamed, not committed"


def test_sqlite_writers_take_turns_and_a_rollback_lets_the_next_one_in(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/gate.db")
    with db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE counter (n INTEGER NOT NULL)")
        conn.exec_driver_sql("INSERT INTO counter VALUES (0)")
    errors: list[BaseException] = []

    def add(times: int) -> None:
        try:
            for _ in range(times):
                with db.session() as session:
                    n = session.connection().exec_driver_sql("SELECT n FROM counter").scalar_one()
                    session.connection().exec_driver_sql("UPDATE counter SET n = ?", (n + 1,))
        except BaseException as exc:  # the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(25,)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    session = db.open_session()
    session.connection().exec_driver_sql("UPDATE counter SET n = -1")
    db.end_session(session, commit=False)
    done = threading.Event()
    threading.Thread(target=lambda: (add(1), done.set())).start()
    assert done.wait(5), "the rolled-back writer kept the write gate"
    with db.read_session() as session:
        assert session.connection().exec_driver_sql("SELECT n FROM counter").scalar_one() == 151
    db.dispose()


def test_the_local_window_counts_hits_within_the_last_period() -> None:
    now = [1000.0]
    window = LocalMovingWindow(amount=3, seconds=60, clock=lambda: now[0])
    assert [window.hit("key_a") for _ in range(3)] == [None, None, None]
    now[0] = 1010.0
    assert window.hit("key_a") == pytest.approx(50.0)  # the first hit leaves the window at 1060
    assert window.hit("key_b") is None  # per identity
    now[0] = 1060.0
    assert [window.hit("key_a") for _ in range(3)] == [None, None, None]  # the hits of t=1000 have left
    assert window.hit("key_a") == pytest.approx(60.0)
    now[0] = 1200.0
    window.hit("key_c")
    assert set(window._hits) == {"key_c"}  # idle identities are forgotten
