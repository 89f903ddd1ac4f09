"""Harvest sources and runs at the API edge."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from digiplus.core.api.inputs import StrictInput
from digiplus.data.models_harvest import HarvestRun, HarvestSource


class HarvestSourceCreate(StrictInput):
    url: str = Field(max_length=2000, examples=["https://data.example.org/api/3/action/package_search"])
    kind: Literal["dcat", "ckan", "datagovtw"] | None = Field(
        default=None, description="Left out: CKAN by an /api/3/action path, data.gov.tw by its host, else DCAT."
    )
    title: str = Field(default="", max_length=500)
    access_rights: Literal["public", "restricted"] = Field(
        default="public",
        description="Given to what is harvested; a record the source marks non-public stays restricted.",
    )


class HarvestSourcePublic(BaseModel):
    object: Literal["harvest_source"] = "harvest_source"
    id: str
    created: int
    livemode: bool
    url: str
    kind: str
    title: str
    access_rights: str
    last_run: str | None
    last_run_at: int | None


class HarvestFailurePublic(BaseModel):
    identifier: str | None
    reason: str


class HarvestRunPublic(BaseModel):
    object: Literal["harvest_run"] = "harvest_run"
    id: str
    created: int
    livemode: bool
    source: str
    status: Literal["succeeded", "failed"]
    error: str | None
    pages: int
    created_count: int
    updated_count: int
    unchanged_count: int
    failed_count: int
    failures: list[HarvestFailurePublic] = Field(description="Why items were skipped (the first 500).")
    started: int
    finished: int


def source_public(source: HarvestSource) -> HarvestSourcePublic:
    return HarvestSourcePublic(
        id=source.id,
        created=int(source.created.timestamp()),
        livemode=source.livemode,
        url=source.url,
        kind=source.kind,
        title=source.title,
        access_rights=source.access_rights,
        last_run=source.last_run_id,
        last_run_at=int(source.last_run_at.timestamp()) if source.last_run_at else None,
    )


def run_public(run: HarvestRun) -> HarvestRunPublic:
    return HarvestRunPublic(
        id=run.id,
        created=int(run.created.timestamp()),
        livemode=run.livemode,
        source=run.source_id,
        status=run.status,  # type: ignore[arg-type]
        error=run.error or None,
        pages=run.pages,
        created_count=run.created_count,
        updated_count=run.updated_count,
        unchanged_count=run.unchanged_count,
        failed_count=run.failed_count,
        failures=[HarvestFailurePublic(**f) for f in run.failures],
        started=int(run.started.timestamp()),
        finished=int(run.finished.timestamp()),
    )
