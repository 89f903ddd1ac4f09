"""``/insight/imports``: a merchant uploads its past sales (CSV) and reads the import's report.

The list page carries the upload form and the format; an import's page shows its progress
(HTMX polls it while it runs) and, when done, what was imported and every rejected row with
its column and reason. The platform operator may pick the merchant it imports for.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import BackgroundTasks, File, Form, Path, UploadFile
from sqlalchemy import select
from starlette.responses import Response

from digiplus.core.api.deps import SessionDep
from digiplus.core.api.middleware import allow_large_bodies
from digiplus.core.context import Caller
from digiplus.core.db import get_database
from digiplus.core.errors import DigiplusError
from digiplus.core.permissions import require
from digiplus.identity.models import Organization
from digiplus.lake import imports
from digiplus.lake.models import HistoryImport
from digiplus.settings import get_settings
from digiplus.web.deps import CsrfDep, PageDep
from digiplus.web.errors import NoOrganization, page_router
from digiplus.web.i18n import N_
from digiplus.web.shell import NavItem, PageContext, page_response, redirect

router = page_router()
UPLOAD_PATH = "/insight/imports"
allow_large_bodies(UPLOAD_PATH, lambda: get_settings().data_max_upload_bytes + 65536)
ImportId = Annotated[str, Path(max_length=64, pattern=r"^himp_[A-Za-z0-9]+$")]
NAV = (
    NavItem(
        N_("Sales history import"),
        "/insight/imports",
        "insight-imports",
        permission="insight.write",
        order=37,
        org_kinds=("merchant", "operator"),
    ),
)
ERROR_CODES = {
    "missing_value": N_("empty"),
    "bad_time": N_("not a time"),
    "time_in_future": N_("in the future"),
    "time_too_early": N_("too early"),
    "unknown_currency": N_("unknown currency"),
    "amount_too_precise": N_("too many decimals"),
    "amount_invalid": N_("not an amount"),
    "parameter_invalid": N_("not an amount"),
    "negative_amount": N_("negative amount"),
    "zero_amount": N_("zero amount"),
    "bad_items": N_("item lines not understood"),
    "too_long": N_("too long"),
    "duplicate_transaction": N_("repeated transaction id"),
}


def _importer(page: PageContext) -> Caller:
    if page.caller is None:
        raise NoOrganization()
    require(page.caller.role, "insight.write")
    page.section = "insight-imports"
    return page.caller


def _list(
    page: PageContext, session: SessionDep, caller: Caller, *, error: str = "", status_code: int = 200
) -> Response:
    jobs = list(session.scalars(imports.imports_query(caller).order_by(HistoryImport.id.desc()).limit(20)))
    merchants: list[tuple[str, str]] = []
    if page.org and page.org.kind == "operator":
        merchants = [
            (org_id, name)
            for org_id, name in session.execute(
                select(Organization.id, Organization.name)
                .where(Organization.kind == "merchant")
                .order_by(Organization.name)
            )
        ]
    context = {"jobs": jobs, "error": error, "merchants": merchants}
    return page_response(page, "lake/imports.html", context, status_code=status_code)


@router.get("/insight/imports")
def imports_page(session: SessionDep, page: PageDep) -> Response:
    return _list(page, session, _importer(page))


@router.post(UPLOAD_PATH)
def upload_history(
    session: SessionDep,
    page: PageDep,
    _csrf: CsrfDep,
    background: BackgroundTasks,
    file: Annotated[UploadFile, File()],
    merchant: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    caller = _importer(page)
    try:
        with session.begin_nested():
            job = imports.stage_import(
                session, caller, file.file, file.filename or "history.csv", merchant_id=merchant or None
            )
    except DigiplusError as exc:
        return _list(page, session, caller, error=exc.message, status_code=422)
    background.add_task(imports.run_import, get_database(), job.id)
    return redirect(page, f"/insight/imports/{job.id}", flash=N_("File received; checking every row."))


@router.get("/insight/imports/{import_id}")
def import_page(import_id: ImportId, session: SessionDep, page: PageDep) -> Response:
    caller = _importer(page)
    job = imports.get_import(session, caller, import_id)
    merchant_name = session.scalar(select(Organization.name).where(Organization.id == job.org_id)) or job.org_id
    context = {"job": job, "merchant_name": merchant_name, "error_codes": ERROR_CODES}
    return page_response(page, "lake/import.html", context, fragment="lake/_import_report.html")
