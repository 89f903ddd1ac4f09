"""The migrations and the models describe the same schema, and the migrations run both ways."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from digiplus.core.db import Base, Database, make_engine
from digiplus.core.migrate import alembic_config, include_name, upgrade
from digiplus.registry import load_models


def _differences(engine: Engine) -> list[Any]:
    load_models()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": include_name})
        return list(compare_metadata(context, Base.metadata))


def test_models_and_migrations_agree(db: Database) -> None:
    """The test database was built by ``upgrade head``; the models must find nothing to add or change.

    When this fails, run ``scripts/regen-initial-migration`` (until the first release) or
    ``alembic revision --autogenerate`` and review the new migration.
    """
    assert _differences(db.engine) == []


def test_downgrade_to_base_and_upgrade_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    engine = make_engine(url)
    try:
        upgrade(url)
        tables = set(inspect(engine).get_table_names())
        assert tables == {*Base.metadata.tables, "alembic_version"}

        command.downgrade(alembic_config(url), "base")
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}

        upgrade(url)
        assert set(inspect(engine).get_table_names()) == tables
        assert _differences(engine) == []
    finally:
        engine.dispose()
