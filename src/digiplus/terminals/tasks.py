"""The worker's terminals task: forget nonces whose timestamps the window refuses anyway."""

from __future__ import annotations

from digiplus.core.db import Database
from digiplus.core.worker import task
from digiplus.terminals.service.access import purge_nonces


@task("purge_terminal_nonces")
def purge_terminal_nonces(db: Database) -> int:
    return purge_nonces(db)
