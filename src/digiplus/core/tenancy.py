"""Org-owned rows and the few helpers every query of them goes through."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ForeignKey, Select, bindparam, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from digiplus.core.context import Caller
from digiplus.core.db import utcnow
from digiplus.core.errors import NotFound


class OrgOwned:
    """Mixin: every org-owned row carries its org, its mode and its creation time."""

    id: Mapped[str] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    livemode: Mapped[bool] = mapped_column(default=False)
    created: Mapped[datetime] = mapped_column(default=utcnow)


M = TypeVar("M", bound=OrgOwned)
_owned_statements: dict[tuple[type[Any], bool], Select[Any]] = {}


def scoped(model: type[M], caller: Caller) -> Select[M]:
    """``SELECT model`` limited to the caller's org and mode."""
    return select(model).where(model.org_id == caller.org_id, model.livemode == caller.livemode)


def get_owned(
    session: Session, model: type[M], object_id: str, caller: Caller, *, for_update: bool = False, param: str = "id"
) -> M:
    """The caller's object, or ``NotFound`` — never another org's, never the other mode's."""
    stmt = _owned_statements.get((model, for_update))
    if stmt is None:  # built once per model: constructing a statement costs more than running it
        stmt = select(model).where(
            model.org_id == bindparam("owner_org"),
            model.livemode == bindparam("owner_mode"),
            model.id == bindparam("owned_id"),
        )
        stmt = _owned_statements[(model, for_update)] = stmt.with_for_update() if for_update else stmt
    params = {"owner_org": caller.org_id, "owner_mode": caller.livemode, "owned_id": object_id}
    obj: M | None = session.scalars(stmt, params).one_or_none()
    if obj is None:
        name = getattr(model, "__object_name__", model.__name__.lower())
        raise NotFound(f"No such {name}: '{object_id}'", param=param)
    return obj


def object_base(obj: Any, object_name: str) -> dict[str, Any]:
    return {
        "id": obj.id,
        "object": object_name,
        "created": int(obj.created.timestamp()),
        "livemode": obj.livemode,
    }
