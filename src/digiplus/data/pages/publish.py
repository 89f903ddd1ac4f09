"""The publishing flow (logged in, ``data.write``): describe a dataset, upload a file and watch
its ingest job (HTMX polls the job's progress), read the inferred Table Schema, correct a
column's type and validate again (the typed error report names row, field and reason), and
register an external API as a distribution.

Every form posts with the page's CSRF token; a refused form is shown again with the field
named, and its service call runs in a savepoint so nothing of it is kept.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import BackgroundTasks, File, Form, Path, Request, UploadFile
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.responses import Response

from digiplus.core.api.deps import SessionDep
from digiplus.core.api.middleware import allow_large_bodies
from digiplus.core.context import Caller
from digiplus.core.db import get_database
from digiplus.core.errors import DigiplusError, NotFound
from digiplus.data.pages.common import respond, writer
from digiplus.data.schemas import DatasetCreate, DistributionCreate, FieldPatch, SchemaPatch
from digiplus.data.service import datasets, ingest
from digiplus.data.service.pages_support import DatasetView, dataset_view, own_alliances, own_datasets
from digiplus.data.service.tableschema import TYPES
from digiplus.settings import get_settings
from digiplus.web.deps import CsrfDep, PageDep
from digiplus.web.errors import invalid_field, page_router
from digiplus.web.i18n import N_
from digiplus.web.shell import PageContext, redirect
from digiplus.web.templating import is_htmx

router = page_router()
UPLOAD_PATH = "/data/upload"
allow_large_bodies(UPLOAD_PATH, lambda: get_settings().data_max_upload_bytes + 65536)
DatasetId = Annotated[str, Path(max_length=64, pattern=r"^ds_[A-Za-z0-9]+$")]
Text = Annotated[str, Form(max_length=20000)]
Short = Annotated[str, Form(max_length=1000)]

FIELD_LABELS = {
    "title_zh": N_("Title (Chinese)"),
    "title_en": N_("Title (English)"),
    "description_zh": N_("Description (Chinese)"),
    "description_en": N_("Description (English)"),
    "keywords_zh": N_("Keywords (Chinese)"),
    "keywords_en": N_("Keywords (English)"),
    "themes": N_("Themes"),
    "contact_name": N_("Contact name"),
    "contact_email": N_("Contact email"),
    "licence": N_("Licence"),
    "access_rights": N_("Access"),
    "access_alliance_id": N_("Alliance"),
    "accrual_periodicity": N_("Update frequency"),
    "temporal_start": N_("Time covered from"),
    "temporal_end": N_("Time covered to"),
    "spatial_label": N_("Area covered"),
    "landing_page": N_("Landing page"),
    "access_url": N_("API URL"),
    "format": N_("Format"),
    "title": N_("Title"),
    "description": N_("Description"),
    "file": N_("File"),
}
ERROR_CODES = {
    "type-error": N_("wrong type"),
    "constraint-error": N_("constraint not met"),
    "missing-value": N_("missing value"),
    "extra-cell": N_("extra cell"),
    "missing-cell": N_("missing cell"),
    "huge-cell": N_("cell too large"),
}


def _error(page: PageContext, exc: ValidationError | DigiplusError) -> str:
    """The message of a refused form, naming the field in the viewer's language."""
    if isinstance(exc, DigiplusError):
        field = (exc.param or "").split("[")[0].split(".")[0]
        label = FIELD_LABELS.get(field)
        message = page.gettext(exc.message)
        return f"{page.gettext(label)}: {message}" if label else message
    field = invalid_field(exc)
    errors = exc.errors()
    reason = str(errors[0]["msg"]).removeprefix("Value error, ") if errors else ""
    label = page.gettext(FIELD_LABELS.get(field, field)) if field else ""
    return page.gettext(N_("Please check the field “%(field)s”."), field=label or field) + (
        f" ({reason})" if reason else ""
    )


# --- the publisher's datasets and a new one -------------------------------------------------


@router.get("/data/publish")
def publish_home(session: SessionDep, page: PageDep) -> Response:
    caller = writer(page)
    return respond(page, "data/publish_list.html", {"items": own_datasets(session, caller)})


def _form_context(session: Session, caller: Caller, values: dict[str, Any], error: str = "") -> dict[str, Any]:
    return {"values": values, "error": error, "alliances": own_alliances(session, caller)}


_DEFAULTS: dict[str, Any] = {"licence": "OGDL-Taiwan-1.0", "access_rights": "public", "accrual_periodicity": "IRREG"}


@router.get("/data/publish/new")
def new_dataset_form(session: SessionDep, page: PageDep) -> Response:
    caller = writer(page)
    return respond(page, "data/dataset_form.html", _form_context(session, caller, dict(_DEFAULTS)))


def _words(text: str) -> list[str]:
    return [w.strip() for w in text.replace("，", ",").replace("、", ",").split(",") if w.strip()]


@router.post("/data/publish/new")
async def create_dataset(request: Request, session: SessionDep, page: PageDep, _csrf: CsrfDep) -> Response:
    caller = writer(page)
    form = await request.form()
    values: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    values["themes"] = [t for t in form.getlist("themes") if isinstance(t, str)]
    body: dict[str, Any] = {
        k: values.get(k, "")
        for k in (
            "title_zh",
            "title_en",
            "description_zh",
            "description_en",
            "contact_name",
            "contact_email",
            "spatial_label",
            "landing_page",
        )
    }
    body |= {
        "keywords_zh": _words(values.get("keywords_zh", "")),
        "keywords_en": _words(values.get("keywords_en", "")),
        "themes": values["themes"],
        "licence": values.get("licence", ""),
        "access_rights": values.get("access_rights", "public"),
        "access_alliance_id": values.get("access_alliance_id") or None,
        "accrual_periodicity": values.get("accrual_periodicity", "UNKNOWN"),
        "temporal_start": values.get("temporal_start") or None,
        "temporal_end": values.get("temporal_end") or None,
    }
    if body["access_rights"] != "alliance":
        body["access_alliance_id"] = None
    try:
        data = DatasetCreate.model_validate(body)
        with session.begin_nested():
            dataset = datasets.create_dataset(session, caller, data)
    except (ValidationError, DigiplusError) as exc:
        context = _form_context(session, caller, values, _error(page, exc))
        return respond(page, "data/dataset_form.html", context, status_code=422)
    return redirect(page, f"/data/publish/{dataset.id}", flash=N_("Dataset created. Now upload its data."))


# --- one dataset: upload, job progress, schema correction, API distribution ---------------


def _managed(session: Session, caller: Caller, dataset_id: str) -> DatasetView:
    view = dataset_view(session, caller, dataset_id)
    if not view.is_publisher:
        raise NotFound(f"No such dataset: '{dataset_id}'", param="id")
    return view


def _manage(
    page: PageContext, session: Session, caller: Caller, dataset_id: str, status_code: int = 200, **extra: Any
) -> Response:
    view = _managed(session, caller, dataset_id)
    job = view.latest_job
    # The schema to correct: the newest job's (failed: its draft; succeeded: the data's).
    schema = job.table_schema if job is not None and job.status in ("failed", "succeeded") else None
    context = {
        "view": view,
        "d": view.dataset,
        "job": job,
        "schema": schema,
        "types": TYPES,
        "error_codes": ERROR_CODES,
        "upload_path": UPLOAD_PATH,
        "schema_error": "",
        "upload_error": "",
        "api_error": "",
        "api_values": {"format": "JSON"},
    } | extra
    return respond(page, "data/manage.html", context, fragment="data/_ingest.html", status_code=status_code)


@router.get("/data/publish/{dataset_id}")
def manage_dataset(dataset_id: DatasetId, session: SessionDep, page: PageDep) -> Response:
    return _manage(page, session, writer(page), dataset_id)


@router.post(UPLOAD_PATH)
def upload_file(
    session: SessionDep,
    page: PageDep,
    _csrf: CsrfDep,
    background: BackgroundTasks,
    dataset: Annotated[str, Form(max_length=64, pattern=r"^ds_[A-Za-z0-9]+$")],
    file: Annotated[UploadFile, File()],
    encoding: Annotated[str, Form(max_length=20)] = "",
    change_note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    caller = writer(page)
    _managed(session, caller, dataset)
    try:
        with session.begin_nested():
            job = ingest.stage_upload(
                session,
                caller,
                dataset,
                file.file,
                file.filename or "upload",
                encoding=encoding or None,
                change_note=change_note,
            )
    except DigiplusError as exc:
        return _manage(page, session, caller, dataset, status_code=422, upload_error=_error(page, exc))
    # Run after the response, once the job row is committed (the worker picks up what a crash leaves).
    background.add_task(ingest.run_ingest_job, get_database(), job.id)
    if is_htmx(page.request):
        return _manage(page, session, caller, dataset)
    return redirect(page, f"/data/publish/{dataset}")


@router.post("/data/publish/{dataset_id}/schema")
async def correct_schema(
    request: Request,
    dataset_id: DatasetId,
    session: SessionDep,
    page: PageDep,
    _csrf: CsrfDep,
    background: BackgroundTasks,
) -> Response:
    caller = writer(page)
    form = await request.form()
    names = [v for v in form.getlist("field") if isinstance(v, str)]
    types = [v for v in form.getlist("type") if isinstance(v, str)]
    formats = [v for v in form.getlist("format") if isinstance(v, str)]
    missing = form.get("missing_values")
    note = form.get("change_note")
    error = ""
    if len(types) != len(names) or (formats and len(formats) != len(names)) or not names:
        error = page.gettext(N_("The form does not match the schema; reload the page."))
    for name, kind in zip(names, types, strict=False):
        if not error and kind not in TYPES:
            error = page.gettext(N_("Column “%(field)s”: choose one of the listed types."), field=name)
    if error:
        return _manage(page, session, caller, dataset_id, status_code=422, schema_error=error)
    try:
        patch = SchemaPatch(
            fields=[
                FieldPatch(name=n, type=t, format=(formats[i] if formats and formats[i] else None))  # type: ignore[arg-type]
                for i, (n, t) in enumerate(zip(names, types, strict=True))
            ],
            missing_values=_missing(missing) if isinstance(missing, str) else None,
            change_note=note[:2000] if isinstance(note, str) else "",
        )
        with session.begin_nested():
            job = ingest.correct_schema(session, caller, dataset_id, patch)
    except (ValidationError, DigiplusError) as exc:
        message = _schema_error(page, exc, names)
        return _manage(page, session, caller, dataset_id, status_code=422, schema_error=message)
    background.add_task(ingest.run_ingest_job, get_database(), job.id)
    if is_htmx(page.request):
        return _manage(page, session, caller, dataset_id)
    return redirect(page, f"/data/publish/{dataset_id}")


def _missing(text: str) -> list[str]:
    """'NA, -, 無' → ['', 'NA', '-', '無']: an empty cell stays missing."""
    return ["", *[w.strip() for w in text.split(",") if w.strip() and w.strip() != '""'][:19]]


def _schema_error(page: PageContext, exc: ValidationError | DigiplusError, names: list[str]) -> str:
    if isinstance(exc, DigiplusError):
        return page.gettext(exc.message)
    errors = exc.errors()
    loc = list(errors[0]["loc"]) if errors else []
    msg = str(errors[0]["msg"]) if errors else ""
    column = (
        names[loc[1]] if len(loc) > 1 and loc[0] == "fields" and isinstance(loc[1], int) else str(loc[0] if loc else "")
    )
    return page.gettext(N_("Column “%(field)s”: choose one of the listed types."), field=column) + (
        f" ({msg})" if msg else ""
    )


@router.post("/data/publish/{dataset_id}/distributions")
def add_api_distribution(
    dataset_id: DatasetId,
    session: SessionDep,
    page: PageDep,
    _csrf: CsrfDep,
    access_url: Short = "",
    format: Annotated[str, Form(max_length=20)] = "JSON",
    title: Annotated[str, Form(max_length=500)] = "",
    description: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    caller = writer(page)
    values = {"access_url": access_url, "format": format, "title": title, "description": description}
    try:
        body = DistributionCreate.model_validate(values)
        with session.begin_nested():
            datasets.add_api_distribution(session, caller, dataset_id, body)
    except (ValidationError, DigiplusError) as exc:
        return _manage(
            page, session, caller, dataset_id, status_code=422, api_error=_error(page, exc), api_values=values
        )
    return redirect(page, f"/data/publish/{dataset_id}", flash=N_("The API is listed with the dataset."))
