"""Running Alembic from code: ``digiplus db upgrade`` and the test set-up use this."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from digiplus.core.db import get_database

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url or get_database().url)
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


# Tables a module makes itself that no model describes (SQLite FTS5 virtual tables and
# their shadow tables): the migrations neither create nor drop them, and the check that
# models and migrations agree leaves them out.
UNMANAGED_TABLE_PREFIXES: set[str] = set()


def unmanaged_tables(prefix: str) -> None:
    UNMANAGED_TABLE_PREFIXES.add(prefix)


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's ``include_name`` hook: everything but the unmanaged tables."""
    del parent_names
    return not (type_ == "table" and name is not None and name.startswith(tuple(UNMANAGED_TABLE_PREFIXES)))
