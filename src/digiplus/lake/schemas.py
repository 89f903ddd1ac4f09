"""The lake's API shapes: history imports and their reports."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from digiplus.core.api.pagination import ListResponse


class ImportRowError(BaseModel):
    row: int = Field(description="Row number in the file; the header is row 1.")
    column: str = Field(description="The column at fault: time, amount, currency, items, customer, transaction_id.")
    code: str = Field(examples=["bad_time", "unknown_currency", "amount_too_precise", "negative_amount"])
    reason: str


class HistoryImportPublic(BaseModel):
    object: Literal["history_import"] = "history_import"
    id: str
    created: int
    livemode: bool
    merchant: str = Field(description="The merchant org the sales are of.")
    requested_by: str = Field(description="The org that uploaded it: the merchant, or the platform operator.")
    status: Literal["queued", "running", "succeeded", "failed"]
    filename: str
    sha256: str
    bytes_total: int
    bytes_read: int
    progress: float
    rows_read: int
    rows_imported: int = Field(description="Sales written to the lake by this run.")
    rows_already_imported: int = Field(description="Sales the lake held already (a re-run): not written again.")
    rows_rejected: int
    errors: list[ImportRowError] = Field(description="The first 1,000 problems of the rejected rows.")
    failure: str = Field(description="Why the whole file was refused (empty unless status is failed).")
    first_day: str | None
    last_day: str | None
    files_written: int
    started: int | None
    finished: int | None


HistoryImportList = ListResponse[HistoryImportPublic]
