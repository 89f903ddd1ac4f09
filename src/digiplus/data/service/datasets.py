"""Publishing: datasets, their metadata and series; each write re-indexes the dataset in
the same transaction, with its audit entry and event."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.db import utcnow
from digiplus.core.errors import ValidationFailed
from digiplus.core.events import emit
from digiplus.core.ids import id_for
from digiplus.core.tenancy import get_owned, scoped
from digiplus.data.models import Dataset, DatasetRevision, DatasetSeries, Distribution
from digiplus.data.schemas import (
    DatasetCreate,
    DatasetFields,
    DatasetUpdate,
    DistributionCreate,
    SeriesCreate,
    _check_access,
)
from digiplus.data.service.access import get_visible_dataset, member_alliance_ids, visible_datasets
from digiplus.data.service.search import index_dataset, mark_index_changed
from digiplus.data.vocab import FORMATS

_AUDITED = ("title_zh", "title_en", "licence", "access_rights", "access_alliance_id", "themes")


def _check_series(session: Session, caller: Caller, series_id: str | None) -> None:
    if series_id is not None:
        get_owned(session, DatasetSeries, series_id, caller, param="series_id")


def _check_alliance_member(session: Session, caller: Caller, alliance_id: str | None) -> None:
    """Only an active member may share a dataset with an alliance."""
    if alliance_id is not None and alliance_id not in member_alliance_ids(session, caller):
        raise ValidationFailed(
            f"Your organization is not an active member of alliance {alliance_id}.",
            param="access_alliance_id",
            code="alliance_not_member",
        )


def create_dataset(session: Session, caller: Caller, body: DatasetCreate) -> Dataset:
    _check_series(session, caller, body.series_id)
    _check_alliance_member(session, caller, body.access_alliance_id)
    now = utcnow()
    dataset = Dataset(
        id=id_for("dataset"),
        org_id=caller.org_id,
        livemode=caller.livemode,
        created=now,
        issued=now,
        modified=now,
        **body.model_dump(),
    )
    session.add(dataset)
    session.flush()
    index_dataset(session, dataset)
    audit.record(session, caller, "data.dataset.created", "dataset", dataset.id, after=_audited(dataset))
    emit(
        session,
        caller,
        "data.dataset.created",
        {"id": dataset.id, "title_zh": dataset.title_zh, "title_en": dataset.title_en},
    )
    return dataset


def _audited(dataset: Dataset) -> dict[str, Any]:
    return {k: getattr(dataset, k) for k in _AUDITED}


def update_dataset(session: Session, caller: Caller, dataset_id: str, body: DatasetUpdate) -> Dataset:
    dataset = get_owned(session, Dataset, dataset_id, caller, for_update=True)
    before = _audited(dataset)
    changes = body.model_dump(exclude_unset=True)
    if "series_id" in changes:
        _check_series(session, caller, changes["series_id"])
    merged = {k: getattr(dataset, k) for k in DatasetFields.model_fields if k != "source_uri"} | changes
    if changes.get("access_rights") and changes["access_rights"] != "alliance" and "access_alliance_id" not in changes:
        merged["access_alliance_id"] = None
    try:
        _check_access(merged["access_rights"], merged["access_alliance_id"])
    except ValueError as exc:
        raise ValidationFailed(str(exc), param="access_alliance_id") from None
    if merged["access_alliance_id"] != dataset.access_alliance_id:
        _check_alliance_member(session, caller, merged["access_alliance_id"])
    if merged["temporal_start"] and merged["temporal_end"] and merged["temporal_end"] < merged["temporal_start"]:
        raise ValidationFailed("temporal_end is before temporal_start.", param="temporal_end")
    if not (str(merged["title_zh"]).strip() or str(merged["title_en"]).strip()):
        raise ValidationFailed("A dataset needs a title in zh-TW or en.", param="title_zh")
    for key in changes:
        setattr(dataset, key, merged[key])
    dataset.access_alliance_id = merged["access_alliance_id"]
    dataset.modified = utcnow()
    session.flush()
    index_dataset(session, dataset)
    audit.record(session, caller, "data.dataset.updated", "dataset", dataset.id, before=before, after=_audited(dataset))
    emit(session, caller, "data.dataset.updated", {"id": dataset.id, "fields": sorted(changes)})
    return dataset


def delete_dataset(session: Session, caller: Caller, dataset_id: str) -> Dataset:
    """Removes the dataset, its distributions, revisions and search document (the lake files
    stay until the lake's clean-up: a reader in flight keeps working)."""
    dataset = get_owned(session, Dataset, dataset_id, caller, for_update=True)
    audit.record(session, caller, "data.dataset.deleted", "dataset", dataset.id, before=_audited(dataset))
    emit(session, caller, "data.dataset.deleted", {"id": dataset.id})
    mark_index_changed(session)  # its search document goes by cascade
    session.delete(dataset)
    session.flush()
    return dataset


def get_dataset(session: Session, caller: Caller | None, dataset_id: str) -> Dataset:
    return get_visible_dataset(session, caller, dataset_id)


def datasets_query(session: Session, caller: Caller | None, *, mine: bool = False) -> Select[Dataset]:
    """What ``caller`` may see, or with ``mine`` only the caller's org's own."""
    if mine and caller is not None:
        return scoped(Dataset, caller)
    return select(Dataset).where(visible_datasets(session, caller))


def dataset_formats(session: Session, dataset_ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {i: [] for i in dataset_ids}
    for dataset_id, fmt in session.execute(
        select(Distribution.dataset_id, Distribution.format).where(Distribution.dataset_id.in_(dataset_ids))
    ):
        if fmt not in out[dataset_id]:
            out[dataset_id].append(fmt)
    return out


def add_api_distribution(session: Session, caller: Caller, dataset_id: str, body: DistributionCreate) -> Distribution:
    dataset = get_owned(session, Dataset, dataset_id, caller, for_update=True)
    dist = Distribution(
        id=id_for("distribution"),
        org_id=caller.org_id,
        livemode=caller.livemode,
        dataset_id=dataset.id,
        kind="api",
        title=body.title,
        description=body.description,
        format=body.format,
        media_type=FORMATS[body.format],
        access_url=body.access_url,
    )
    session.add(dist)
    dataset.modified = utcnow()
    session.flush()
    index_dataset(session, dataset)
    audit.record(
        session, caller, "data.distribution.created", "distribution", dist.id, after={"access_url": dist.access_url}
    )
    emit(session, caller, "data.distribution.created", {"id": dist.id, "dataset": dataset.id, "kind": "api"})
    return dist


def distributions_query(session: Session, caller: Caller | None, dataset_id: str) -> Select[Distribution]:
    dataset = get_visible_dataset(session, caller, dataset_id)
    return select(Distribution).where(Distribution.dataset_id == dataset.id)


def revisions_query(session: Session, caller: Caller | None, dataset_id: str) -> Select[DatasetRevision]:
    dataset = get_visible_dataset(session, caller, dataset_id)
    return select(DatasetRevision).where(DatasetRevision.dataset_id == dataset.id)


def create_series(session: Session, caller: Caller, body: SeriesCreate) -> DatasetSeries:
    series = DatasetSeries(
        id=id_for("dataset_series"), org_id=caller.org_id, livemode=caller.livemode, **body.model_dump()
    )
    session.add(series)
    session.flush()
    audit.record(session, caller, "data.dataset_series.created", "dataset_series", series.id, after=body.model_dump())
    return series


def series_query(caller: Caller | None) -> Select[DatasetSeries]:
    """Series are public metadata (titles): every series in the caller's mode."""
    livemode = caller.livemode if caller is not None else True
    return select(DatasetSeries).where(DatasetSeries.livemode == livemode)


def get_series(session: Session, caller: Caller | None, series_id: str) -> DatasetSeries:
    from digiplus.core.errors import NotFound

    series = session.scalars(series_query(caller).where(DatasetSeries.id == series_id)).one_or_none()
    if series is None:
        raise NotFound(f"No such dataset_series: '{series_id}'", param="id")
    return series


def operator_caller(session: Session, dataset_id: str) -> Caller:
    """For the operator's CLI (trusted, on the server): act as the dataset's own org and mode."""
    from digiplus.core.errors import NotFound

    row = session.execute(select(Dataset.org_id, Dataset.livemode).where(Dataset.id == dataset_id)).one_or_none()
    if row is None:
        raise NotFound(f"No such dataset: '{dataset_id}'", param="dataset")
    return Caller.system(row.org_id, row.livemode)
