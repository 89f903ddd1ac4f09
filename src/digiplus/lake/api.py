"""``/v1/insight/imports``: upload a merchant's past sales (CSV) and read the import's report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, File, Form, Path, UploadFile

from digiplus.core.api.auth import requires
from digiplus.core.api.deps import SessionDep
from digiplus.core.api.middleware import allow_large_bodies
from digiplus.core.api.pagination import ListParamsDep, paginate
from digiplus.core.api.responses import ERROR_RESPONSES
from digiplus.core.context import Caller
from digiplus.core.db import get_database
from digiplus.core.permissions import grant
from digiplus.lake import imports
from digiplus.lake import sync as _sync  # noqa: F401  (registers the lake.sync outbox consumer for the worker)
from digiplus.lake.models import HistoryImport
from digiplus.lake.schemas import HistoryImportList, HistoryImportPublic
from digiplus.lake.serializers import import_public
from digiplus.settings import get_settings

grant("admin", "insight.write")
grant("developer", "insight.write")

router = APIRouter(prefix="/v1/insight", tags=["insight"], responses=ERROR_RESPONSES)
allow_large_bodies("/v1/insight/imports", lambda: get_settings().data_max_upload_bytes + 65536)
Importer = Annotated[Caller, requires("insight.write")]
Reader = Annotated[Caller, requires("insight.read")]
ImportId = Annotated[str, Path(max_length=64, pattern=r"^himp_[A-Za-z0-9]+$")]


@router.post("/imports", response_model=HistoryImportPublic, summary="Import past sales from a CSV (history import)")
def create_import(
    session: SessionDep,
    caller: Importer,
    background: BackgroundTasks,
    file: Annotated[
        UploadFile, File(description="UTF-8 CSV: customer, time, amount, currency[, items, transaction_id]")
    ],
    merchant: Annotated[
        str | None,
        Form(max_length=64, pattern=r"^org_[A-Za-z0-9]+$", description="Operator only: the merchant it is for."),
    ] = None,
) -> dict[str, Any]:
    """The file is staged, then every row is checked in the background: good rows land in the lake as
    imported sales (never in the ledger), rejected ones are listed in `errors` (row, column, reason).
    Poll `GET /v1/insight/imports/{id}`. Uploading the same file again writes nothing twice."""
    job = imports.stage_import(session, caller, file.file, file.filename or "history.csv", merchant_id=merchant)
    background.add_task(imports.run_import, get_database(), job.id)
    return import_public(job)


@router.get("/imports", response_model=HistoryImportList, summary="List history imports")
def list_imports(session: SessionDep, caller: Reader, params: ListParamsDep) -> dict[str, Any]:
    stmt = imports.imports_query(caller)
    return paginate(session, stmt, HistoryImport.id, params, import_public, "/v1/insight/imports")


@router.get("/imports/{import_id}", response_model=HistoryImportPublic, summary="A history import and its report")
def get_import(import_id: ImportId, session: SessionDep, caller: Reader) -> dict[str, Any]:
    return import_public(imports.get_import(session, caller, import_id))
