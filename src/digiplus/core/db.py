"""Database engine, declarative base and sessions.

SQLite (embedded default) runs in WAL mode with ``BEGIN IMMEDIATE`` so that a
write transaction takes the write lock up front instead of failing on upgrade;
PostgreSQL runs READ COMMITTED with explicit row locks where money moves.

``Database.read_session()`` is for work that only reads (the API's GET requests): on
SQLite it begins a deferred transaction, a WAL reader that neither takes nor waits for
the write lock; on PostgreSQL it runs in autocommit (each statement sees committed data,
as it would under READ COMMITTED, without a BEGIN and COMMIT round trip). A write in a
read session raises ``ReadOnlySessionError`` at once, on both databases, so that a
mistaken write fails in tests instead of failing under load (SQLite refuses to upgrade a
stale reader to a writer). See ADR 0009.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from digiplus.settings import Settings, get_settings

try:  # POSIX: writers of several processes meet at a file lock (see _SqliteWriteGate)
    import fcntl
except ImportError:  # pragma: no cover - Windows: SQLite's own busy timeout only
    fcntl = None  # type: ignore[assignment]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both SQLite (which drops tzinfo) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str, *, echo: bool = False, pool_size: int = 40, max_overflow: int = 10) -> Engine:
    if url.startswith("sqlite"):
        # As many pooled connections as the thread pool has threads: an overflow connection is
        # closed on return, and opening one (PRAGMAs, a cold page cache) costs more than the query.
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=max_overflow,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # let SQLAlchemy emit BEGIN itself
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        gate = _SqliteWriteGate(engine)

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            if conn.get_execution_options().get(_READ_ONLY):
                conn.exec_driver_sql("BEGIN")  # deferred: a WAL snapshot that takes no lock
                return
            gate.enter(conn.connection.dbapi_connection)
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock now, not on a failing upgrade
            except BaseException:
                gate.leave(conn.connection.dbapi_connection)
                raise

        return engine
    # No pre-ping: it costs a round trip per checkout. A connection found dead raises a
    # disconnect error, which invalidates the whole pool, so one request fails after a
    # server restart and the next ones reconnect.
    return create_engine(url, echo=echo, pool_size=pool_size, max_overflow=max_overflow, pool_recycle=3600)


_READ_ONLY = "digiplus_read_only"


class _SqliteWriteGate:
    """Lets this process's write transactions into SQLite one at a time, in a Python lock.

    SQLite has one write lock; a ``BEGIN IMMEDIATE`` that finds it taken polls it from
    the busy handler, sleeping up to 100 ms between tries, so under load writers wait
    far longer than the lock is held and p99 grows to seconds. Waiting on a lock here
    instead wakes the next writer the moment the last one commits. The lock is let go
    after the COMMIT or ROLLBACK has run (wrapping the dialect's ``do_commit`` and
    ``do_rollback``, which the pool's reset also calls), or when the connection goes
    back to the pool or is closed, whichever comes first.

    Writers in *other processes* (``digiplus serve --workers N``, the CLI) meet at an
    advisory file lock next to the database (``<file>-writer.lock``, ``flock``) taken after
    the thread lock: a waiter polls it every 0.1–2 ms instead of SQLite's sleeps of up
    to 100 ms. After the timeout a writer goes on without it and SQLite's own lock and
    busy timeout decide, as they always do.
    """

    def __init__(self, engine: Engine, timeout: float = 30.0) -> None:
        self._lock = threading.Lock()
        self._holder: int | None = None  # id() of the DBAPI connection in a write transaction
        self._timeout = timeout
        self._file_held = False
        database = engine.url.database or ""
        self._file: int | None = None
        if database and database != ":memory:" and not database.startswith("file:") and fcntl is not None:
            self._file = os.open(f"{database}-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
        dialect = engine.dialect
        commit, rollback = dialect.do_commit, dialect.do_rollback

        def do_commit(dbapi_connection: Any) -> None:
            try:
                commit(dbapi_connection)
            finally:
                self.leave(dbapi_connection)

        def do_rollback(dbapi_connection: Any) -> None:
            try:
                rollback(dbapi_connection)
            finally:
                self.leave(dbapi_connection)

        dialect.do_commit = do_commit  # type: ignore[method-assign]
        dialect.do_rollback = do_rollback  # type: ignore[method-assign]
        for name in ("checkin", "close", "invalidate"):
            event.listen(engine.pool, name, lambda dbapi_connection, *_: self.leave(dbapi_connection))

    def enter(self, connection: Any) -> None:
        # After the timeout, go on without the lock: SQLite's busy timeout then decides, as before.
        deadline = time.monotonic() + self._timeout
        if self._lock.acquire(timeout=self._timeout):
            self._holder = id(_raw(connection))
            self._file_held = self._lock_file(deadline)

    def _lock_file(self, deadline: float) -> bool:
        if self._file is None or fcntl is None:
            return False
        pause = 0.0001
        while True:
            try:
                fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(pause)
                pause = min(pause * 2, 0.002)

    def leave(self, connection: Any) -> None:
        """Given the sqlite3 connection or the pool's proxy of it (``do_commit`` gets the proxy)."""
        if connection is not None and self._holder == id(_raw(connection)):
            self._holder = None
            if self._file_held and self._file is not None and fcntl is not None:
                self._file_held = False
                fcntl.flock(self._file, fcntl.LOCK_UN)
            self._lock.release()


def _raw(connection: Any) -> Any:
    return getattr(connection, "dbapi_connection", None) or connection


class ReadOnlySessionError(RuntimeError):
    """A write was attempted in a read session (a GET request, for instance)."""


class ReadSession(Session):
    """The session of ``Database.read_session``: any write raises ``ReadOnlySessionError``."""


@event.listens_for(ReadSession, "before_flush")
def _no_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise ReadOnlySessionError("this session only reads (a GET request must not change data)")


@event.listens_for(ReadSession, "do_orm_execute")
def _no_dml(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise ReadOnlySessionError("this session only reads (a GET request must not change data)")


class Database:
    """The engine and session factory for one database URL."""

    def __init__(self, url: str, *, pool_size: int | None = None, max_overflow: int | None = None) -> None:
        self.url = url
        settings = get_settings()
        self.engine = make_engine(
            url,
            pool_size=settings.db_pool_size if pool_size is None else pool_size,
            max_overflow=settings.db_max_overflow if max_overflow is None else max_overflow,
        )
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        read_options: dict[str, Any] = {_READ_ONLY: True}
        if self.engine.dialect.name == "postgresql":
            read_options["isolation_level"] = "AUTOCOMMIT"
        self.read_sessionmaker = sessionmaker(
            self.engine.execution_options(**read_options), class_=ReadSession, expire_on_commit=False
        )

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on error."""
        with self.sessionmaker() as session, session.begin():
            yield session

    def open_session(self, *, read_only: bool = False) -> Session:
        """A session for the caller to end with ``end_session`` (the API's per-request session).

        Nothing touches the database until the first statement."""
        return self.read_sessionmaker() if read_only else self.sessionmaker()

    @staticmethod
    def end_session(session: Session, *, commit: bool) -> None:
        try:
            if commit:
                session.commit()
            else:
                session.rollback()
        finally:
            session.close()

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A session that only reads (see the module docstring)."""
        session = self.open_session(read_only=True)
        try:
            yield session
        except BaseException:
            self.end_session(session, commit=False)
            raise
        self.end_session(session, commit=True)

    def dispose(self) -> None:
        self.engine.dispose()


_database: Database | None = None


def get_database(settings: Settings | None = None) -> Database:
    global _database
    settings = settings or get_settings()
    if _database is None or _database.url != settings.database_url:
        if settings.is_sqlite:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        _database = Database(settings.database_url)
    return _database


def set_database(database: Database | None) -> None:
    """Replace the process-wide database (tests and the CLI use this)."""
    global _database
    _database = database


def insert_ignore(session: Session, table: Any, values: dict[str, Any]) -> None:
    """INSERT that does nothing when the row's key exists (SQLite and PostgreSQL)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        session.execute(pg_insert(table).values(**values).on_conflict_do_nothing())
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        session.execute(sqlite_insert(table).values(**values).on_conflict_do_nothing())
