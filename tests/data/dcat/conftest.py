from __future__ import annotations

from collections.abc import Iterator

import pytest
from dcat_server import SourceServer


@pytest.fixture
def source_server() -> Iterator[SourceServer]:
    server = SourceServer()
    yield server
    server.close()
