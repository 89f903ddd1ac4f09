"""The lake's one table: history imports (a merchant's past sales from its old point of sale)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from digiplus.core.db import Base
from digiplus.core.tenancy import OrgOwned


class HistoryImport(OrgOwned, Base):
    """One uploaded CSV: staged in the lake, validated row by row, its good rows written as
    ``payments`` facts with ``source = "import"``. ``org_id`` is the merchant the sales are of."""

    __tablename__ = "lake_history_imports"
    __object_name__ = "history_import"

    requested_by_org_id: Mapped[str] = mapped_column(String(40), index=True)  # the merchant, or the operator
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued | running | succeeded | failed
    filename: Mapped[str] = mapped_column(String(500), default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    staged_key: Mapped[str] = mapped_column(String(1000), default="")
    bytes_total: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_read: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_read: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_imported: Mapped[int] = mapped_column(BigInteger, default=0)  # new facts written
    rows_already_imported: Mapped[int] = mapped_column(BigInteger, default=0)  # in the lake before this run
    rows_rejected: Mapped[int] = mapped_column(BigInteger, default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # the first 1,000: row, column, reason
    failure: Mapped[str] = mapped_column(String(2000), default="")  # why the whole file was refused
    first_day: Mapped[date | None]
    last_day: Mapped[date | None]
    files_written: Mapped[int] = mapped_column(Integer, default=0)
    started: Mapped[datetime | None]
    finished: Mapped[datetime | None]
