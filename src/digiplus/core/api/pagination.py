"""Cursor pagination: ``limit``, ``starting_after``, ``ending_before`` over time-ordered ids."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select
from sqlalchemy.orm import Session

from digiplus.core.errors import InvalidRequest

T = TypeVar("T")
# Ids are a prefix and base32 characters; anything else is refused before it reaches SQL
# (PostgreSQL rejects NUL bytes in text parameters with an error, not an empty page).
_CURSOR = r"^[A-Za-z0-9_]+$"


class ListParams(BaseModel):
    limit: int = 10
    starting_after: str | None = None
    ending_before: str | None = None


async def _list_params(
    limit: Annotated[int, Query(ge=1, le=100, description="How many objects to return, 1–100.")] = 10,
    starting_after: Annotated[
        str | None,
        Query(max_length=64, pattern=_CURSOR, description="Cursor: the id of the last object of the previous page."),
    ] = None,
    ending_before: Annotated[
        str | None,
        Query(max_length=64, pattern=_CURSOR, description="Cursor: the id of the first object of the next page."),
    ] = None,
) -> ListParams:
    if starting_after and ending_before:
        raise InvalidRequest("Give starting_after or ending_before, not both.", param="ending_before")
    return ListParams(limit=limit, starting_after=starting_after, ending_before=ending_before)


ListParamsDep = Annotated[ListParams, Depends(_list_params)]


class ListResponse(BaseModel, Generic[T]):
    object: Literal["list"] = "list"
    data: list[T]
    has_more: bool
    url: str


def paginate(
    session: Session,
    stmt: Select[*tuple[Any, ...]],
    id_column: Any,
    params: ListParams,
    serialize: Callable[[Any], Any],
    url: str,
) -> dict[str, Any]:
    """Newest first; ids sort by creation time, so the cursor is a plain id comparison.

    ``serialize`` receives the object of a one-entity select, or the whole row
    (``(membership, user)``) of a select of several.
    """
    if params.ending_before:
        stmt = stmt.where(id_column > params.ending_before).order_by(id_column.asc())
    else:
        if params.starting_after:
            stmt = stmt.where(id_column < params.starting_after)
        stmt = stmt.order_by(id_column.desc())
    rows = list(session.execute(stmt.limit(params.limit + 1)).all())
    has_more = len(rows) > params.limit
    rows = rows[: params.limit]
    if params.ending_before:
        rows.reverse()
    items = [row[0] if len(row) == 1 else row for row in rows]
    return {"object": "list", "data": [serialize(item) for item in items], "has_more": has_more, "url": url}
