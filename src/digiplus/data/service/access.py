"""Who may see a dataset — the one rule that search, metadata, preview, profile, download
and DCAT output all apply.

A caller sees a dataset when it is in the caller's mode (anonymous visitors: live) and

* it is public, or
* the caller's org published it, or
* it is alliance-only and the caller's org is a member of its alliance.

Anything else answers 404, exactly as a dataset that does not exist.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.core.errors import NotFound
from digiplus.data.models import Dataset, SearchDoc


def member_alliance_ids(session: Session, caller: Caller | None) -> list[str]:
    """The alliances the caller's org is an active member of, in the caller's mode
    (memberships: ``models_alliances.AllianceMember``, kept by service/alliances.py)."""
    if caller is None:
        return []
    from digiplus.data.models_alliances import AllianceMember

    return list(
        session.scalars(
            select(AllianceMember.alliance_id).where(
                AllianceMember.org_id == caller.org_id,
                AllianceMember.livemode == caller.livemode,
                AllianceMember.status == "active",
            )
        )
    )


def rule(columns: Any, caller: Caller | None, alliances: list[str]) -> ColumnElement[bool]:
    livemode = caller.livemode if caller is not None else True
    allowed: list[ColumnElement[bool]] = [columns.access_rights == "public"]
    if caller is not None:
        allowed.append(columns.org_id == caller.org_id)
    if alliances:
        allowed.append(and_(columns.access_rights == "alliance", columns.alliance_id.in_(alliances)))
    return and_(columns.livemode == livemode, or_(*allowed) if allowed else false())


class _DatasetColumns:
    access_rights = Dataset.access_rights
    org_id = Dataset.org_id
    alliance_id = Dataset.access_alliance_id
    livemode = Dataset.livemode


def visible_datasets(session: Session, caller: Caller | None) -> ColumnElement[bool]:
    """A WHERE clause on ``Dataset`` keeping only what ``caller`` may see."""
    return rule(_DatasetColumns, caller, member_alliance_ids(session, caller))


def visible_docs(session: Session, caller: Caller | None) -> ColumnElement[bool]:
    """The same rule on the search documents."""
    return rule(SearchDoc, caller, member_alliance_ids(session, caller))


def can_see(session: Session, caller: Caller | None, dataset: Dataset) -> bool:
    livemode = caller.livemode if caller is not None else True
    if dataset.livemode != livemode:
        return False
    if dataset.access_rights == "public" or (caller is not None and dataset.org_id == caller.org_id):
        return True
    return dataset.access_rights == "alliance" and dataset.access_alliance_id in member_alliance_ids(session, caller)


def get_visible_dataset(session: Session, caller: Caller | None, dataset_id: str, *, param: str = "id") -> Dataset:
    """The dataset if ``caller`` may see it, else ``NotFound`` (never a hint that it exists)."""
    dataset = session.scalars(
        select(Dataset).where(Dataset.id == dataset_id, visible_datasets(session, caller))
    ).one_or_none()
    if dataset is None:
        raise NotFound(f"No such dataset: '{dataset_id}'", param=param)
    return dataset
