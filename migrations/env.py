"""Alembic environment: the URL comes from digiplus settings (or the caller's config)."""

from __future__ import annotations

from alembic import context

from digiplus.core.db import Base, make_engine
from digiplus.core.migrate import include_name
from digiplus.registry import load_models
from digiplus.settings import get_settings

load_models()
config = context.config
url = config.get_main_option("sqlalchemy.url") or get_settings().database_url


def run_migrations() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = make_engine(url)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
        include_name=include_name,  # leaves out tables no model describes (SQLite FTS5)
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
