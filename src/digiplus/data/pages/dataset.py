"""A dataset's public page ``/data/datasets/{id}`` and its downloads (CSV with formula cells
neutralised, Parquet, the original upload), all behind the catalogue's access rule: what the
viewer may not see answers 404, exactly as a dataset that does not exist."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Path, Request
from starlette.responses import Response, StreamingResponse

from digiplus.core.api.deps import SessionDep
from digiplus.data.pages.common import Labels, absolute, respond, viewer
from digiplus.data.service import reads
from digiplus.data.service.pages_support import DatasetView, dataset_view, original_download
from digiplus.data.vocab import LICENCES
from digiplus.web.deps import OptionalPageDep
from digiplus.web.errors import page_router

router = page_router()
DatasetId = Annotated[str, Path(max_length=64, pattern=r"^ds_[A-Za-z0-9]+$")]


def schema_org(view: DatasetView, labels: Labels) -> dict[str, Any]:
    """schema.org/Dataset for search engines (Google Dataset Search reads it)."""
    d = view.dataset
    url = absolute(f"/data/datasets/{d.id}")
    doc: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": url,
        "url": url,
        "identifier": d.id,
        "name": labels.pick(d.title_zh, d.title_en),
        "description": (labels.pick(d.description_zh, d.description_en) or labels.pick(d.title_zh, d.title_en))[:5000],
        "inLanguage": [lang for lang, t in (("zh-TW", d.title_zh), ("en", d.title_en)) if t],
        "keywords": list(d.keywords_zh) + list(d.keywords_en),
        "publisher": {
            "@type": "Organization",
            "name": view.publisher_name,
            "url": absolute(f"/data/publishers/{d.org_id}"),
        },
        "dateCreated": d.issued.date().isoformat(),
        "dateModified": d.modified.isoformat(),
        "isAccessibleForFree": True,
    }
    other = d.title_en if labels.zh else d.title_zh
    if other and other != doc["name"]:
        doc["alternateName"] = other
    licence = LICENCES.get(d.licence)
    if licence is not None and licence.uri.startswith("http"):
        doc["license"] = licence.uri
    if d.contact_email or d.contact_name:
        doc["creator"] = {"@type": "Organization", "name": view.publisher_name}
        doc["contactPoint"] = {"@type": "ContactPoint", "name": d.contact_name, "email": d.contact_email}
    if d.temporal_start or d.temporal_end:
        start = d.temporal_start.isoformat() if d.temporal_start else ".."
        end = d.temporal_end.isoformat() if d.temporal_end else ".."
        doc["temporalCoverage"] = f"{start}/{end}"
    if d.spatial_label:
        place: dict[str, Any] = {"@type": "Place", "name": d.spatial_label}
        if d.spatial_uri:
            place["sameAs"] = d.spatial_uri
        doc["spatialCoverage"] = place
    if d.version:
        doc["version"] = d.version
    downloads = []
    if view.file is not None:
        base = f"/data/datasets/{d.id}"
        downloads = [
            {"@type": "DataDownload", "encodingFormat": "text/csv", "contentUrl": absolute(base + "/download.csv")},
            {
                "@type": "DataDownload",
                "encodingFormat": "application/vnd.apache.parquet",
                "contentUrl": absolute(base + "/download.parquet"),
            },
        ]
    downloads += [
        {"@type": "DataDownload", "encodingFormat": dist.media_type or dist.format, "contentUrl": dist.access_url}
        for dist in view.distributions
        if dist.kind == "api" and dist.access_url
    ]
    if downloads:
        doc["distribution"] = downloads
    return doc


def api_snippet(view: DatasetView) -> str:
    d = view.dataset
    base = absolute("/v1")
    auth = "" if d.access_rights == "public" and d.livemode else ' -H "Authorization: Bearer $DIGIPLUS_KEY"'
    lines = [
        "# metadata",
        f"curl{auth} {base}/datasets/{d.id}",
        "# DCAT-AP JSON-LD",
        f"curl{auth} {base}/datasets/{d.id}.jsonld",
    ]
    if view.file is not None:
        lines += [
            "# first rows, Table Schema, column profile",
            f'curl{auth} "{base}/datasets/{d.id}/preview?limit=100"',
            f"curl{auth} {base}/datasets/{d.id}/schema",
            f"curl{auth} {base}/datasets/{d.id}/profile",
            "# the data",
            f"curl{auth} -o {d.id}.csv {base}/datasets/{d.id}/download.csv",
            f"curl{auth} -o {d.id}.parquet {base}/datasets/{d.id}/download.parquet",
        ]
    return "\n".join(lines)


@router.get("/data/datasets/{dataset_id}")
def dataset_page(request: Request, dataset_id: DatasetId, session: SessionDep, page: OptionalPageDep) -> Response:
    page_ctx = viewer(request, page)
    view = dataset_view(session, page_ctx.caller, dataset_id)
    labels = Labels(page_ctx.locale)
    d = view.dataset
    public = d.access_rights == "public" and d.livemode
    return respond(
        page_ctx,
        "data/dataset.html",
        {
            "view": view,
            "d": d,
            "title": labels.pick(d.title_zh, d.title_en),
            "description": labels.pick(d.description_zh, d.description_en) or labels.pick(d.title_zh, d.title_en),
            "canonical": absolute(f"/data/datasets/{d.id}"),
            "noindex": not public,
            "jsonld": schema_org(view, labels) if public else None,
            "api_snippet": api_snippet(view),
        },
    )


def _attachment(name: str, media_type: str, chunks: Any) -> StreamingResponse:
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in name) or "download"
    disposition = f"attachment; filename=\"{safe}\"; filename*=UTF-8''{quote(name, safe='')}"
    return StreamingResponse(chunks, media_type=media_type, headers={"Content-Disposition": disposition})


@router.get("/data/datasets/{dataset_id}/download.csv")
def download_csv(request: Request, dataset_id: DatasetId, session: SessionDep, page: OptionalPageDep) -> Response:
    name, chunks = reads.csv_download(session, viewer(request, page).caller, dataset_id)
    return _attachment(name, "text/csv; charset=utf-8", chunks)


@router.get("/data/datasets/{dataset_id}/download.parquet")
def download_parquet(request: Request, dataset_id: DatasetId, session: SessionDep, page: OptionalPageDep) -> Response:
    name, chunks = reads.parquet_download(session, viewer(request, page).caller, dataset_id)
    return _attachment(name, "application/vnd.apache.parquet", chunks)


@router.get("/data/datasets/{dataset_id}/original")
def download_original(request: Request, dataset_id: DatasetId, session: SessionDep, page: OptionalPageDep) -> Response:
    name, media, chunks = original_download(session, viewer(request, page).caller, dataset_id)
    return _attachment(name, media, chunks)
