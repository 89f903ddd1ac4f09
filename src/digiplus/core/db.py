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

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from digiplus.settings import Settings, get_settings

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


def make_engine(url: str, *, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # let SQLAlchemy emit BEGIN itself
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # A read transaction is deferred (a WAL snapshot, no lock); every other takes the write lock now.
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(_READ_ONLY) else "BEGIN IMMEDIATE")

        return engine
    # No pre-ping: it costs a round trip per checkout. A connection found dead raises a
    # disconnect error, which invalidates the whole pool, so one request fails after a
    # server restart and the next ones reconnect.
    return create_engine(url, echo=echo, pool_size=10, max_overflow=20, pool_recycle=3600)


_READ_ONLY = "digiplus_read_only"


class ReadOnlySessionError(RuntimeError):
    """A write was attempted in a read session (a GET request, for instance)."""


def _refuse_writes(session: Session) -> None:
    @event.listens_for(session, "before_flush")
    def _no_flush(s: Session, _ctx: Any, _instances: Any) -> None:
        if s.new or s.dirty or s.deleted:
            raise ReadOnlySessionError("this session only reads (a GET request must not change data)")

    @event.listens_for(session, "do_orm_execute")
    def _no_dml(state: ORMExecuteState) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            raise ReadOnlySessionError("this session only reads (a GET request must not change data)")


class Database:
    """The engine and session factory for one database URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        read_options: dict[str, Any] = {_READ_ONLY: True}
        if self.engine.dialect.name == "postgresql":
            read_options["isolation_level"] = "AUTOCOMMIT"
        self.read_sessionmaker = sessionmaker(self.engine.execution_options(**read_options), expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on error."""
        with self.sessionmaker() as session, session.begin():
            yield session

    def open_session(self, *, read_only: bool = False) -> Session:
        """A session for the caller to end with ``end_session`` (the API's per-request session).

        Nothing touches the database until the first statement."""
        if not read_only:
            return self.sessionmaker()
        session = self.read_sessionmaker()
        _refuse_writes(session)
        return session

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
