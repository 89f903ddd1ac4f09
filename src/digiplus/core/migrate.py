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
