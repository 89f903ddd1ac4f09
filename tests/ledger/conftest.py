from __future__ import annotations

from collections.abc import Callable

import pytest
from ledger_helpers import Book

from digiplus.core.db import Database


@pytest.fixture
def book(db: Database, make_org: Callable[..., str]) -> Book:
    return Book(db, make_org())
