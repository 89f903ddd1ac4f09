"""SQLite writers of several processes meet at a file lock next to the database (``_SqliteWriteGate``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from digiplus.core.db import Database

fcntl = pytest.importorskip("fcntl")


def _free(lock_file: Path) -> bool:
    """Whether another open file (as another process would have) can take the lock now."""
    fd = os.open(lock_file, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing lets go of a lock taken here
    return True


def test_a_write_transaction_holds_the_file_lock_until_it_ends(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/lock.db")
    lock_file = tmp_path / "lock.db-writer.lock"
    try:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        assert _free(lock_file)
        with db.session() as session:
            session.execute(text("INSERT INTO t VALUES (1)"))
            assert not _free(lock_file)  # held from BEGIN IMMEDIATE …
        assert _free(lock_file)  # … to the COMMIT
        session = db.open_session()
        session.execute(text("INSERT INTO t VALUES (2)"))
        assert not _free(lock_file)
        db.end_session(session, commit=False)
        assert _free(lock_file)  # and to a ROLLBACK
        with db.read_session() as session:
            assert session.scalar(text("SELECT count(*) FROM t")) == 1
            assert _free(lock_file)  # a reader never takes it
    finally:
        db.dispose()
