"""DCAT-AP out (``/v1/catalog.jsonld``, ``/v1/catalog.ttl``, ``/v1/datasets/{id}.jsonld``) and
harvest in (``/v1/harvest_sources``, ``/v1/harvest_runs``). The catalogue answers anonymous
callers with the public, live datasets; a key sees what its org may see."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from digiplus.core.api.deps import SessionDep
from digiplus.core.api.pagination import ListParamsDep, ListResponse, paginate
from digiplus.core.api.responses import ERROR_RESPONSES
from digiplus.data.api.deps import MaybeCaller, Reader, Writer
from digiplus.data.dcat.export import catalog_graph, dataset_graph, to_jsonld, to_turtle
from digiplus.data.models_harvest import HarvestRun, HarvestSource
from digiplus.data.schemas_harvest import (
    HarvestRunPublic,
    HarvestSourceCreate,
    HarvestSourcePublic,
    run_public,
    source_public,
)
from digiplus.data.service import dcat_export, harvest_sources
from digiplus.data.service import harvest as service
from digiplus.settings import get_settings

router = APIRouter(prefix="/v1", tags=["data: DCAT-AP"], responses=ERROR_RESPONSES)
SourceId = Annotated[str, Path(max_length=64, pattern=r"^hs_[A-Za-z0-9]+$")]
RunId = Annotated[str, Path(max_length=64, pattern=r"^hr_[A-Za-z0-9]+$")]
DatasetId = Annotated[str, Path(max_length=64, pattern=r"^ds_[A-Za-z0-9]+$")]
Publisher = Annotated[
    str | None,
    Query(max_length=64, pattern=r"^org_[A-Za-z0-9]+$", description="Only the datasets this org publishes."),
]
JSONLD = "application/ld+json"
TURTLE = "text/turtle; charset=utf-8"


def _rdf(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    schema = {"type": "object", "required": ["@context"]} if media_type == JSONLD else {"type": "string"}
    return {200: {"content": {media_type.split(";")[0]: {"schema": schema}}, "description": description}}


@router.get(
    "/catalog.jsonld",
    response_class=Response,
    responses=_rdf(JSONLD, "The DCAT-AP 3 catalogue as JSON-LD."),
    summary="The catalogue as DCAT-AP 3 JSON-LD (what the caller may see)",
)
def catalog_jsonld(session: SessionDep, caller: MaybeCaller, publisher: Publisher = None) -> Response:
    return Response(to_jsonld(catalog_graph(dcat_export.catalog_for(session, caller, publisher))), media_type=JSONLD)


@router.get(
    "/catalog.ttl",
    response_class=Response,
    responses=_rdf(TURTLE, "The DCAT-AP 3 catalogue as Turtle."),
    summary="The catalogue as DCAT-AP 3 Turtle (what the caller may see)",
)
def catalog_turtle(session: SessionDep, caller: MaybeCaller, publisher: Publisher = None) -> Response:
    return Response(to_turtle(catalog_graph(dcat_export.catalog_for(session, caller, publisher))), media_type=TURTLE)


@router.get(
    "/datasets/{dataset_id}.jsonld",
    response_class=Response,
    responses=_rdf(JSONLD, "One dataset as DCAT-AP 3 JSON-LD."),
    summary="One dataset as DCAT-AP 3 JSON-LD",
)
def dataset_jsonld(dataset_id: DatasetId, session: SessionDep, caller: MaybeCaller) -> Response:
    record, series = dcat_export.dataset_for(session, caller, dataset_id)
    base = get_settings().base_url.rstrip("/") + "/v1/catalog"
    return Response(to_jsonld(dataset_graph(base, record, series)), media_type=JSONLD)


@router.post("/harvest_sources", response_model=HarvestSourcePublic, summary="Register a catalogue to harvest")
def create_source(body: HarvestSourceCreate, session: SessionDep, caller: Writer) -> HarvestSourcePublic:
    return source_public(
        harvest_sources.create_source(session, caller, body.url, body.kind, body.title, body.access_rights)
    )


@router.get("/harvest_sources", response_model=ListResponse[HarvestSourcePublic], summary="List harvest sources")
def list_sources(request: Request, session: SessionDep, caller: Reader, params: ListParamsDep) -> dict[str, Any]:
    return paginate(
        session, harvest_sources.sources_query(caller), HarvestSource.id, params, source_public, request.url.path
    )


@router.get("/harvest_sources/{source_id}", response_model=HarvestSourcePublic, summary="Retrieve a harvest source")
def get_source(source_id: SourceId, session: SessionDep, caller: Reader) -> HarvestSourcePublic:
    return source_public(harvest_sources.get_source(session, caller, source_id))


@router.post(
    "/harvest_sources/{source_id}/run", response_model=HarvestRunPublic, summary="Harvest a source now and report"
)
def run_source(source_id: SourceId, session: SessionDep, caller: Writer) -> HarvestRunPublic:
    """Fetches the source, then writes everything it gave in one transaction. A source that fails
    (unreachable, HTML, invalid JSON, a 500, a timeout) answers a run with `status: failed` and its
    reason, and nothing is written; items that cannot be read are listed in `failures`."""
    return run_public(service.run_source(session, caller, source_id))


@router.get(
    "/harvest_sources/{source_id}/runs", response_model=ListResponse[HarvestRunPublic], summary="List a source's runs"
)
def list_runs(
    source_id: SourceId, request: Request, session: SessionDep, caller: Reader, params: ListParamsDep
) -> dict[str, Any]:
    harvest_sources.get_source(session, caller, source_id)
    return paginate(
        session, harvest_sources.runs_query(caller, source_id), HarvestRun.id, params, run_public, request.url.path
    )


@router.get("/harvest_runs/{run_id}", response_model=HarvestRunPublic, summary="Retrieve a harvest run's report")
def get_run(run_id: RunId, session: SessionDep, caller: Reader) -> HarvestRunPublic:
    return run_public(harvest_sources.get_run(session, caller, run_id))
