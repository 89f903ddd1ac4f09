"""Harvest sources (logged in, ``data.write``): register a catalogue to harvest (DCAT, CKAN or
data.gov.tw), run it, and read the run's report (created, updated, unchanged, failed with reasons)."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Form, Path
from sqlalchemy.orm import Session
from starlette.responses import Response

from digiplus.core.api.deps import SessionDep
from digiplus.core.errors import DigiplusError
from digiplus.data.dcat.harvest import HARVEST_KINDS, HarvestKind
from digiplus.data.models_harvest import HarvestSource
from digiplus.data.pages.common import respond, writer
from digiplus.data.service import harvest, harvest_sources
from digiplus.web.deps import CsrfDep, PageDep
from digiplus.web.errors import page_router
from digiplus.web.i18n import N_
from digiplus.web.shell import PageContext, redirect

router = page_router()
SourceId = Annotated[str, Path(max_length=64, pattern=r"^hs_[A-Za-z0-9]+$")]
RunId = Annotated[str, Path(max_length=64, pattern=r"^hr_[A-Za-z0-9]+$")]


def _sources(
    page: PageContext, session: Session, *, error: str = "", values: dict[str, str] | None = None, status: int = 200
) -> Response:
    caller = writer(page)
    sources = list(session.scalars(harvest_sources.sources_query(caller).order_by(HarvestSource.id.desc())))
    runs = {s.last_run_id: harvest_sources.get_run(session, caller, s.last_run_id) for s in sources if s.last_run_id}
    return respond(
        page,
        "data/harvest.html",
        {"sources": sources, "runs": runs, "kinds": HARVEST_KINDS, "error": error, "values": values or {}},
        status_code=status,
    )


@router.get("/data/harvest")
def sources_page(session: SessionDep, page: PageDep) -> Response:
    return _sources(page, session)


@router.post("/data/harvest")
def create_source(
    session: SessionDep,
    page: PageDep,
    _csrf: CsrfDep,
    url: Annotated[str, Form(max_length=2000)] = "",
    kind: Annotated[str, Form(max_length=20)] = "",
    title: Annotated[str, Form(max_length=500)] = "",
    access_rights: Annotated[str, Form(max_length=20)] = "public",
) -> Response:
    caller = writer(page)
    values = {"url": url, "kind": kind, "title": title, "access_rights": access_rights}
    try:
        with session.begin_nested():
            chosen = cast("HarvestKind | None", kind or None)  # the service refuses an unknown kind
            harvest_sources.create_source(session, caller, url.strip(), chosen, title, access_rights)
    except DigiplusError as exc:
        return _sources(page, session, error=page.gettext(exc.message), values=values, status=422)
    return redirect(page, "/data/harvest", flash=N_("Harvest source added. Run it to fetch its datasets."))


@router.post("/data/harvest/{source_id}/run")
def run_source(source_id: SourceId, session: SessionDep, page: PageDep, _csrf: CsrfDep) -> Response:
    run = harvest.run_source(session, writer(page), source_id)
    return redirect(page, f"/data/harvest/runs/{run.id}")


@router.get("/data/harvest/runs/{run_id}")
def run_page(run_id: RunId, session: SessionDep, page: PageDep) -> Response:
    caller = writer(page)
    run = harvest_sources.get_run(session, caller, run_id)
    source = harvest_sources.get_source(session, caller, run.source_id)
    return respond(page, "data/harvest_run.html", {"run": run, "source": source})
