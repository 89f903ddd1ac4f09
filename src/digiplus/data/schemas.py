"""Pydantic shapes of the catalogue's API: ``XCreate``/``XUpdate`` in, ``XPublic`` out."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from digiplus.core.api.inputs import StrictInput
from digiplus.data.vocab import FORMATS, FREQUENCIES, LICENCES, THEMES

AccessRights = Literal["public", "alliance", "restricted"]
FieldType = Literal["string", "integer", "number", "boolean", "date", "datetime"]
_EMAIL = r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$"


def check_codes(values: list[str], table: dict[str, Any], what: str) -> list[str]:
    for v in values:
        if v not in table:
            raise ValueError(f"unknown {what} '{v}'; use one of {', '.join(table)}")
    return values


def clean_keywords(values: list[str]) -> list[str]:
    """Keywords stripped; each 1–100 characters (datasets and demands alike)."""
    cleaned = [k.strip() for k in values]
    if any(not k or len(k) > 100 for k in cleaned):
        raise ValueError("keywords are 1–100 characters")
    return cleaned


class DatasetFields(StrictInput):
    title_zh: str = Field(default="", max_length=500)
    title_en: str = Field(default="", max_length=500)
    description_zh: str = Field(default="", max_length=20000)
    description_en: str = Field(default="", max_length=20000)
    keywords_zh: list[str] = Field(default_factory=list, max_length=50)
    keywords_en: list[str] = Field(default_factory=list, max_length=50)
    themes: list[str] = Field(default_factory=list, max_length=13, examples=[["TRAN", "REGI"]])
    contact_name: str = Field(default="", max_length=200)
    contact_email: str = Field(default="", max_length=254, pattern=_EMAIL)
    licence: str = Field(default="OGDL-Taiwan-1.0", description="A licence code (GET /v1/catalog/vocabularies).")
    access_rights: AccessRights = "public"
    access_alliance_id: str | None = Field(default=None, max_length=40, pattern=r"^[A-Za-z0-9_]+$")
    accrual_periodicity: str = "UNKNOWN"
    temporal_start: date | None = None
    temporal_end: date | None = None
    spatial_label: str = Field(default="", max_length=200, examples=["臺北市 Taipei City"])
    spatial_uri: str = Field(default="", max_length=500, examples=["https://sws.geonames.org/1668341/"])
    landing_page: str = Field(default="", max_length=1000)
    series_id: str | None = Field(default=None, max_length=40, pattern=r"^[A-Za-z0-9_]+$")
    source_uri: str | None = Field(default=None, max_length=1000)

    @field_validator("themes")
    @classmethod
    def _themes(cls, v: list[str]) -> list[str]:
        return check_codes(v, THEMES, "theme")

    @field_validator("licence")
    @classmethod
    def _licence(cls, v: str) -> str:
        return check_codes([v], LICENCES, "licence")[0]

    @field_validator("accrual_periodicity")
    @classmethod
    def _frequency(cls, v: str) -> str:
        return check_codes([v], FREQUENCIES, "frequency")[0]

    @field_validator("keywords_zh", "keywords_en")
    @classmethod
    def _keywords(cls, v: list[str]) -> list[str]:
        return clean_keywords(v)


class DatasetCreate(DatasetFields):
    @model_validator(mode="after")
    def _checks(self) -> DatasetCreate:
        if not (self.title_zh.strip() or self.title_en.strip()):
            raise ValueError("a dataset needs a title in zh-TW or en (title_zh or title_en)")
        _check_access(self.access_rights, self.access_alliance_id)
        if self.temporal_start and self.temporal_end and self.temporal_end < self.temporal_start:
            raise ValueError("temporal_end is before temporal_start")
        return self


def _check_access(access: str, alliance: str | None) -> None:
    if access == "alliance" and not alliance:
        raise ValueError("access_rights 'alliance' needs access_alliance_id")
    if access != "alliance" and alliance:
        raise ValueError("access_alliance_id is only for access_rights 'alliance'")


class DatasetUpdate(StrictInput):
    """Every field optional: only those given change."""

    title_zh: str | None = Field(default=None, max_length=500)
    title_en: str | None = Field(default=None, max_length=500)
    description_zh: str | None = Field(default=None, max_length=20000)
    description_en: str | None = Field(default=None, max_length=20000)
    keywords_zh: list[str] | None = Field(default=None, max_length=50)
    keywords_en: list[str] | None = Field(default=None, max_length=50)
    themes: list[str] | None = Field(default=None, max_length=13)
    contact_name: str | None = Field(default=None, max_length=200)
    contact_email: str | None = Field(default=None, max_length=254, pattern=_EMAIL)
    licence: str | None = None
    access_rights: AccessRights | None = None
    access_alliance_id: str | None = Field(default=None, max_length=40, pattern=r"^[A-Za-z0-9_]+$")
    accrual_periodicity: str | None = None
    temporal_start: date | None = None
    temporal_end: date | None = None
    spatial_label: str | None = Field(default=None, max_length=200)
    spatial_uri: str | None = Field(default=None, max_length=500)
    landing_page: str | None = Field(default=None, max_length=1000)
    series_id: str | None = Field(default=None, max_length=40, pattern=r"^[A-Za-z0-9_]+$")

    @model_validator(mode="after")
    def _codes(self) -> DatasetUpdate:
        DatasetFields.model_validate(
            {k: v for k, v in self.model_dump(exclude_none=True).items() if k not in ("access_alliance_id",)}
        )
        return self


class ContactPoint(BaseModel):
    name: str
    email: str


class DatasetPublic(BaseModel):
    object: Literal["dataset"] = "dataset"
    id: str
    created: int
    livemode: bool
    publisher: str
    title: dict[str, str]
    description: dict[str, str]
    keywords: dict[str, list[str]]
    themes: list[str]
    contact_point: ContactPoint
    licence: str
    licence_uri: str
    access_rights: AccessRights
    access_alliance_id: str | None
    accrual_periodicity: str
    temporal: dict[str, str | None]
    spatial: dict[str, str]
    landing_page: str
    series_id: str | None
    version: str
    source_uri: str | None
    issued: int
    modified: int
    formats: list[str]


class DistributionCreate(StrictInput):
    """An external API (or any URL) registered as a distribution."""

    access_url: str = Field(max_length=1000, pattern=r"^https?://", examples=["https://tdx.transportdata.tw/api/basic"])
    format: str = Field(default="JSON", examples=["JSON"])
    title: str = Field(default="", max_length=500)
    description: str = Field(default="", max_length=5000)

    @field_validator("format")
    @classmethod
    def _format(cls, v: str) -> str:
        return check_codes([v.upper()], FORMATS, "format")[0]


class DistributionPublic(BaseModel):
    object: Literal["distribution"] = "distribution"
    id: str
    created: int
    livemode: bool
    dataset: str
    kind: Literal["file", "api"]
    title: str
    description: str
    format: str
    media_type: str
    access_url: str
    download_url: str | None
    original_filename: str
    original_format: str
    byte_size: int | None
    checksum_sha256: str
    row_count: int | None
    revision: str | None
    modified: int


class RowErrorPublic(BaseModel):
    code: str
    row: int | None
    field: str | None
    message: str
    value: str | None


class IngestJobPublic(BaseModel):
    object: Literal["ingest_job"] = "ingest_job"
    id: str
    created: int
    livemode: bool
    dataset: str
    status: Literal["queued", "running", "succeeded", "failed"]
    filename: str
    format: str
    encoding: str
    delimiter: str
    bytes_total: int
    bytes_read: int
    rows_read: int
    progress: float
    table_schema: dict[str, Any] | None
    error_count: int
    errors: list[RowErrorPublic]
    failure: str
    revision: str | None
    distribution: str | None
    started: int | None
    finished: int | None


class FieldPatch(StrictInput):
    name: str = Field(min_length=1, max_length=200, description="The field's current name.")
    new_name: str | None = Field(default=None, min_length=1, max_length=200)
    type: FieldType | None = None
    format: str | None = Field(default=None, examples=["%Y/%m/%d"])
    title: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    constraints: dict[str, Any] | None = Field(default=None, examples=[{"required": True, "maximum": 100}])


class SchemaPatch(StrictInput):
    fields: list[FieldPatch] = Field(min_length=1, max_length=500)
    missing_values: list[str] | None = Field(default=None, max_length=20)
    change_note: str = Field(default="", max_length=2000)


class TableSchemaPublic(BaseModel):
    object: Literal["table_schema"] = "table_schema"
    dataset: str
    status: Literal["current", "draft", "none"]
    ingest_job: str | None
    fields: list[dict[str, Any]]
    missingValues: list[str]


class PreviewPublic(BaseModel):
    object: Literal["preview"] = "preview"
    dataset: str
    revision: str
    columns: list[str]
    rows: list[list[Any]]
    row_count: int


class ProfilePublic(BaseModel):
    object: Literal["profile"] = "profile"
    dataset: str
    revision: str | None
    rows: int
    columns: list[dict[str, Any]]


class RevisionPublic(BaseModel):
    object: Literal["dataset_revision"] = "dataset_revision"
    id: str
    created: int
    livemode: bool
    dataset: str
    version: str
    change_note: str
    row_count: int | None
    distribution: str | None
    ingest_job: str | None


class SeriesCreate(StrictInput):
    title_zh: str = Field(default="", max_length=500)
    title_en: str = Field(default="", max_length=500)
    description_zh: str = Field(default="", max_length=5000)
    description_en: str = Field(default="", max_length=5000)

    @model_validator(mode="after")
    def _title(self) -> SeriesCreate:
        if not (self.title_zh.strip() or self.title_en.strip()):
            raise ValueError("a series needs a title in zh-TW or en")
        return self


class SeriesPublic(BaseModel):
    object: Literal["dataset_series"] = "dataset_series"
    id: str
    created: int
    livemode: bool
    publisher: str
    title: dict[str, str]
    description: dict[str, str]
    modified: int


class SearchHit(BaseModel):
    id: str
    publisher: str
    title: dict[str, str]
    description: dict[str, str]
    themes: list[str]
    licence: str
    access_rights: str
    formats: list[str]
    modified: int


class FacetValue(BaseModel):
    value: str
    count: int


class SearchResult(BaseModel):
    object: Literal["search_result"] = "search_result"
    query: str
    total: int
    page: int
    limit: int
    has_more: bool
    data: list[SearchHit]
    facets: dict[str, list[FacetValue]]
    suggestion: str | None = None
