"""Harvest sources (an org's list of catalogues to harvest) and reads of their runs."""

from __future__ import annotations

from sqlalchemy import Select
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.errors import Conflict, ValidationFailed
from digiplus.core.ids import id_for
from digiplus.core.tenancy import get_owned, scoped
from digiplus.core.webhooks.ssrf import UnsafeURL, check_url_syntax
from digiplus.data.dcat.harvest import HARVEST_KINDS, HarvestKind, guess_kind
from digiplus.data.models_harvest import HarvestRun, HarvestSource


def create_source(
    session: Session, caller: Caller, url: str, kind: HarvestKind | None, title: str = "", access_rights: str = "public"
) -> HarvestSource:
    try:
        check_url_syntax(url)
    except UnsafeURL as exc:
        raise ValidationFailed(f"The url {exc}.", param="url") from None
    if kind is not None and kind not in HARVEST_KINDS:
        raise ValidationFailed(f"kind must be one of {', '.join(HARVEST_KINDS)}.", param="kind")
    if access_rights not in ("public", "restricted"):
        raise ValidationFailed("access_rights must be public or restricted.", param="access_rights")
    existing = session.scalars(scoped(HarvestSource, caller).where(HarvestSource.url == url)).one_or_none()
    if existing is not None:
        raise Conflict(
            f"This url is already a harvest source: '{existing.id}'", param="url", code="resource_already_exists"
        )
    source = HarvestSource(
        id=id_for("harvest_source"),
        org_id=caller.org_id,
        livemode=caller.livemode,
        url=url,
        kind=kind or guess_kind(url),
        title=title[:500],
        access_rights=access_rights,
    )
    session.add(source)
    session.flush()
    audit.record(
        session,
        caller,
        "data.harvest_source.created",
        "harvest_source",
        source.id,
        after={"url": url, "kind": source.kind},
    )
    return source


def get_or_create_source(session: Session, caller: Caller, url: str, kind: HarvestKind | None) -> HarvestSource:
    """The CLI's way in: the org's source for ``url``, made on first use."""
    existing = session.scalars(scoped(HarvestSource, caller).where(HarvestSource.url == url)).one_or_none()
    if existing is not None:
        if kind is not None and existing.kind != kind:
            existing.kind = kind
        return existing
    return create_source(session, caller, url, kind)


def get_source(session: Session, caller: Caller, source_id: str) -> HarvestSource:
    return get_owned(session, HarvestSource, source_id, caller)


def sources_query(caller: Caller) -> Select[HarvestSource]:
    return scoped(HarvestSource, caller)


def get_run(session: Session, caller: Caller, run_id: str) -> HarvestRun:
    return get_owned(session, HarvestRun, run_id, caller)


def runs_query(caller: Caller, source_id: str) -> Select[HarvestRun]:
    return scoped(HarvestRun, caller).where(HarvestRun.source_id == source_id)
