"""The base of every request body: unknown fields refused, NUL characters refused.

PostgreSQL text cannot hold a NUL character; refusing it at the edge (422 naming the
field, on every database) keeps SQLite and PostgreSQL answering alike instead of one
of them failing with a 500 deep in a write. Strings inside lists and objects are
checked too (keywords, metadata).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, BaseModel):  # a nested object (a contact point, a budget)
        return _has_nul(dict(value))
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(_has_nul(v) for v in value)
    return False


class StrictInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        if _has_nul(value):
            raise ValueError("must not contain NUL characters")
        return value
