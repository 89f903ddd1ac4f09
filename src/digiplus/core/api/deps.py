"""The request's database session: one transaction, committed before the response is sent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from digiplus.core.db import get_database


def get_session() -> Iterator[Session]:
    with get_database().session() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_read_session() -> Iterator[Session]:
    with get_database().read_session() as session:
        yield session


ReadSessionDep = Annotated[Session, Depends(get_read_session, scope="function")]
"""For endpoints that only read: no write lock on SQLite (``Database.read_session``)."""
