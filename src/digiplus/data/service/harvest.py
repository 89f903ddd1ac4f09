"""Harvest into the catalogue: sources, runs, and the upsert of what a source gave.

A run fetches and parses with no write (``dcat.harvest``), then writes everything
it got in ONE transaction (a savepoint of the caller's): series, datasets, their
distributions, the identity links, the search documents, the run report, an audit
entry and a ``data.harvest.completed`` event. A source that failed as a whole
writes only its failed run; a write that fails rolls back to the savepoint and is
reported the same way. Identity is (source, original identifier): a re-harvest
updates what changed (by a hash of the record) and leaves the rest alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.db import utcnow
from digiplus.core.events import emit, register_event_type
from digiplus.core.ids import id_for
from digiplus.core.tenancy import get_owned, scoped
from digiplus.data.dcat import vocab as dcat_vocab
from digiplus.data.dcat.harvest import (
    HarvestFetcher,
    HttpFetcher,
    Progress,
    harvest,
)
from digiplus.data.dcat.records import (
    DcatDataset,
    DcatDistribution,
    DcatSeries,
    ItemFailure,
    LangText,
    ParsedSource,
    pick_text,
)
from digiplus.data.dcat.sources.common import guess_language
from digiplus.data.models import Dataset, DatasetSeries, Distribution
from digiplus.data.models_harvest import HarvestedRecord, HarvestRun, HarvestSource
from digiplus.data.service.search import DocInput, write_docs
from digiplus.data.vocab import FREQUENCIES, LICENCES, THEMES

register_event_type("data.harvest.completed", "A harvest run finished (counts of created, updated, unchanged, failed).")

MAX_REPORTED_FAILURES = 500
CHUNK = 500

_EU_LICENCE = dcat_vocab.LICENCE
_LICENCE_CODES: dict[str, str] = {}
for _lic in LICENCES.values():
    _LICENCE_CODES[_lic.uri.rstrip("/")] = _lic.code
    _LICENCE_CODES[_lic.uri.rstrip("/").replace("https://", "http://", 1)] = _lic.code
_LICENCE_CODES.update(
    {
        _EU_LICENCE + "CC_BY_4_0": "CC-BY-4.0",
        _EU_LICENCE + "CC_BY_SA_4_0": "CC-BY-SA-4.0",
        _EU_LICENCE + "CC0": "CC0-1.0",
        _EU_LICENCE + "ODC_ODBL": "ODbL-1.0",
        "https://data.gov.tw/en/license": "OGDL-Taiwan-1.0",
    }
)


def licence_code(uri: str | None) -> str:
    """A licence URI → the catalogue's licence code; one it does not know is ``proprietary``
    (terms set by the publisher) rather than a wrong open licence."""
    return _LICENCE_CODES.get((uri or "").rstrip("/"), "proprietary")


def _frequency_code(uri: str | None) -> str:
    code = (uri or "").rsplit("/", 1)[-1]
    code = {"CONT": "UPDATE_CONT"}.get(code, code)
    return code if code in FREQUENCIES else "UNKNOWN"


def _zh_en(text: LangText, limit: int) -> tuple[str, str]:
    zh = next((v for k, v in text.items() if k.lower().startswith("zh")), "")
    en = next((v for k, v in text.items() if k.lower().startswith("en")), "")
    if not zh and not en and text:  # another language only: keep it where its script belongs
        other = pick_text(text)
        zh, en = (other, "") if guess_language(other) == "zh-TW" else ("", other)
    return zh[:limit], en[:limit]


def _words(keywords: Any, prefix: str) -> list[str]:
    return [w[:100] for lang, words in keywords.items() if lang.lower().startswith(prefix) for w in words][:100]


def record_hash(record: DcatDataset | DcatSeries, access: str) -> str:
    """A digest of everything parsed for a record: the records are frozen dataclasses of plain values,
    so their repr is complete and stable (and ten times faster than ``asdict`` + JSON)."""
    return hashlib.sha256(repr((record, access)).encode()).hexdigest()


# --- runs ------------------------------------------------------------------------------------


@dataclass
class _Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failures: list[ItemFailure] = field(default_factory=list)


def run_source(
    session: Session,
    caller: Caller,
    source_id: str,
    *,
    fetcher: HarvestFetcher | None = None,
    progress: Progress | None = None,
    rows: int = 100,
) -> HarvestRun:
    """Fetch, parse and upsert one source; the run (succeeded or failed) is stored and returned."""
    source = get_owned(session, HarvestSource, source_id, caller)
    started = utcnow()
    parsed = harvest(source.url, source.kind, fetcher or HttpFetcher(), rows=rows, progress=progress)  # type: ignore[arg-type]
    return store_run(session, caller, source.id, parsed, started)


def store_run(session: Session, caller: Caller, source_id: str, parsed: ParsedSource, started: datetime) -> HarvestRun:
    """Write what a source gave (all or nothing) and the run's report."""
    source = get_owned(session, HarvestSource, source_id, caller, for_update=True)  # one run of a source at a time
    tally = _Tally(failures=list(parsed.failures))
    error = parsed.error or ""
    if not error:
        try:
            with session.begin_nested():
                upsert(session, caller, source, parsed, tally)
        except SQLAlchemyError as exc:
            error = f"the catalogue could not be written, nothing was kept ({type(exc).__name__}: {str(exc)[:300]})"
            tally = _Tally(failures=list(parsed.failures))
    finished = utcnow()
    run = HarvestRun(
        id=id_for("harvest_run"),
        org_id=caller.org_id,
        livemode=caller.livemode,
        source_id=source.id,
        status="failed" if error else "succeeded",
        error=error,
        pages=parsed.pages,
        created_count=tally.created,
        updated_count=tally.updated,
        unchanged_count=tally.unchanged,
        failed_count=len(tally.failures),
        failures=[{"identifier": f.identifier, "reason": f.reason} for f in tally.failures[:MAX_REPORTED_FAILURES]],
        started=started,
        finished=finished,
        created=finished,
    )
    session.add(run)
    source.last_run_id, source.last_run_at = run.id, finished
    counts = {
        k: getattr(run, k) for k in ("status", "created_count", "updated_count", "unchanged_count", "failed_count")
    }
    session.flush()
    audit.record(session, caller, "data.harvest.run", "harvest_run", run.id, after={"source": source.id, **counts})
    emit(
        session, caller, "data.harvest.completed", {"id": run.id, "source": source.id, **counts, "error": error or None}
    )
    return run


def _series_values(series: DcatSeries) -> dict[str, Any]:
    title_zh, title_en = _zh_en(series.title, 500)
    desc_zh, desc_en = _zh_en(series.description, 20_000)
    return {"title_zh": title_zh, "title_en": title_en, "description_zh": desc_zh, "description_en": desc_en}


def dataset_values(record: DcatDataset, access: str, series_id: str | None) -> dict[str, Any]:
    """The catalogue's columns for a harvested record (what the model has no column for is dropped)."""
    title_zh, title_en = _zh_en(record.title, 500)
    desc_zh, desc_en = _zh_en(record.description, 20_000)
    rights = "restricted" if record.access_rights in (dcat_vocab.NON_PUBLIC, dcat_vocab.RESTRICTED) else access
    themes = [t.rsplit("/", 1)[-1] for t in record.themes if t.startswith(dcat_vocab.THEME)]
    spatial = record.spatial[0] if record.spatial else ""
    label = next((name for name, uri in dcat_vocab.PLACES.items() if uri == spatial and not name.isascii()), "")
    contact = record.contact_point
    now = utcnow()
    return {
        "title_zh": title_zh,
        "title_en": title_en,
        "description_zh": desc_zh,
        "description_en": desc_en,
        "keywords_zh": _words(record.keywords, "zh"),
        "keywords_en": _words(record.keywords, "en"),
        "themes": [t for t in dict.fromkeys(themes) if t in THEMES],
        "contact_name": (contact.name or "")[:200] if contact else "",
        "contact_email": (contact.email or "")[:254] if contact else "",
        "licence": licence_code(record.license),
        "access_rights": rights,
        "accrual_periodicity": _frequency_code(record.accrual_periodicity),
        "temporal_start": record.temporal_start,
        "temporal_end": record.temporal_end,
        "spatial_label": label,
        "spatial_uri": spatial[:500],
        "landing_page": (record.landing_page or "")[:1000],
        "series_id": series_id,
        "version": (record.version or "")[:40],
        "issued": record.issued or now,
        "modified": record.modified or record.issued or now,
    }


def _distribution_rows(caller: Caller, dataset_id: str, items: Iterable[DcatDistribution]) -> list[Distribution]:
    rows = []
    for item in items:
        title = pick_text(item.title)
        rows.append(
            Distribution(
                id=id_for("distribution"),
                org_id=caller.org_id,
                livemode=caller.livemode,
                dataset_id=dataset_id,
                kind="api",  # a link to the source's file or service; the data is not in our lake
                title=title[:500],
                description=pick_text(item.description)[:20_000],
                format=(dcat_vocab.file_type_code(item.format) or "")[:20],
                media_type=(item.media_type or "")[:100],
                access_url=(item.download_url or item.access_url)[:1000],
                byte_size=item.byte_size,
                modified=item.modified or utcnow(),
            )
        )
    return rows


def upsert(session: Session, caller: Caller, source: HarvestSource, parsed: ParsedSource, tally: _Tally) -> None:
    """Create, update or leave each record; bulk statements, no query per record."""
    links = {
        (link.record_kind, link.original_id): link
        for link in session.scalars(select(HarvestedRecord).where(HarvestedRecord.source_id == source.id))
    }
    series_ids: dict[str, str] = {}
    for item in parsed.series:
        digest = record_hash(item, source.access_rights)
        link = links.get(("series", item.identifier))
        if link is not None and link.series_id is not None:
            series_ids[item.identifier] = link.series_id
            if link.content_hash != digest:
                row = session.get(DatasetSeries, link.series_id)
                if row is not None:
                    for key, value in _series_values(item).items():
                        setattr(row, key, value)
                    row.modified = utcnow()
                link.content_hash = digest
            continue
        row = DatasetSeries(
            id=id_for("dataset_series"), org_id=caller.org_id, livemode=caller.livemode, **_series_values(item)
        )
        session.add(row)
        session.add(_link(caller, source, "series", item.identifier, digest, series_id=row.id))
        series_ids[item.identifier] = row.id
    session.flush()

    fresh: list[tuple[DcatDataset, str]] = []
    changed: dict[str, tuple[DcatDataset, str, HarvestedRecord]] = {}
    for record in parsed.datasets:
        digest = record_hash(record, source.access_rights)
        link = links.get(("dataset", record.identifier))
        if link is None or link.dataset_id is None:
            fresh.append((record, digest))
        elif link.content_hash == digest:
            tally.unchanged += 1
        else:
            changed[link.dataset_id] = (record, digest, link)

    source_uris = {(r.uri or f"{source.url}#{r.identifier}")[:1000]: r for r, _ in fresh}
    taken: set[str] = set()
    keys = list(source_uris)
    for start in range(0, len(keys), CHUNK):
        taken.update(
            session.scalars(
                scoped(Dataset, caller)
                .with_only_columns(Dataset.source_uri)
                .where(Dataset.source_uri.in_(keys[start : start + CHUNK]))
            )
        )
    docs: list[DocInput] = []
    new_rows: list[Any] = []
    for record, digest in fresh:
        uri = (record.uri or f"{source.url}#{record.identifier}")[:1000]
        if uri in taken:
            tally.failures.append(ItemFailure(record.identifier, f"a dataset of this org already comes from {uri}"))
            continue
        taken.add(uri)
        series_id = next((series_ids[s] for s in record.in_series if s in series_ids), None)
        dataset = Dataset(
            id=id_for("dataset"), org_id=caller.org_id, livemode=caller.livemode, source_uri=uri,
            **dataset_values(record, source.access_rights, series_id),
        )  # fmt: skip
        dists = _distribution_rows(caller, dataset.id, record.distributions)
        new_rows += [
            dataset,
            *dists,
            _link(caller, source, "dataset", record.identifier, digest, dataset_id=dataset.id, record=record),
        ]
        docs.append(_doc(dataset, record, dists))
        tally.created += 1
    ids = list(changed)
    for start in range(0, len(ids), CHUNK):
        batch = ids[start : start + CHUNK]
        session.execute(delete(Distribution).where(Distribution.dataset_id.in_(batch)))
        for dataset in session.scalars(scoped(Dataset, caller).where(Dataset.id.in_(batch))):
            record, digest, link = changed[dataset.id]
            series_id = next((series_ids[s] for s in record.in_series if s in series_ids), None)
            for key, value in dataset_values(record, source.access_rights, series_id).items():
                setattr(dataset, key, value)
            dists = _distribution_rows(caller, dataset.id, record.distributions)
            new_rows += dists
            link.content_hash, link.publisher = digest, _publisher(record)
            docs.append(_doc(dataset, record, dists))
            tally.updated += 1
    session.add_all(new_rows)
    session.flush()
    write_docs(session, docs)


def _publisher(record: DcatDataset) -> dict[str, Any] | None:
    if record.publisher is None:
        return None
    return {"name": dict(record.publisher.name), "uri": record.publisher.uri}


def _link(
    caller: Caller,
    source: HarvestSource,
    kind: str,
    original_id: str,
    digest: str,
    *,
    dataset_id: str | None = None,
    series_id: str | None = None,
    record: DcatDataset | None = None,
) -> HarvestedRecord:
    return HarvestedRecord(
        id=id_for("harvested_record"),
        org_id=caller.org_id,
        livemode=caller.livemode,
        source_id=source.id,
        record_kind=kind,
        original_id=original_id[:500],
        dataset_id=dataset_id,
        series_id=series_id,
        content_hash=digest,
        publisher=_publisher(record) if record else None,
    )


def _doc(dataset: Dataset, record: DcatDataset, dists: list[Distribution]) -> DocInput:
    publisher = " ".join(record.publisher.name.values()) if record.publisher else ""
    return DocInput(dataset, publisher, [d.format for d in dists if d.format], list(record.column_names))
