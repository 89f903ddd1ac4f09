"""``respond``: a write route renders its answer and commits in its own thread (one thread hop).

A sync route returning a dict costs three hops to the thread pool: the route, the validation of
its ``response_model`` (FastAPI runs it in the pool for a sync route), and the commit (with the
``Idempotency-Key``'s stored answer, in the idempotency middleware). A route on a hot path
returns ``respond(session, data, Model)`` instead: the answer is validated against the same
model and rendered to the same JSON bytes as FastAPI would, then — still in the route's thread —
the key's answer is stored and the transaction committed (``commit_with_answer``). Nothing is
sent before that commit, as before; the route keeps ``response_model=Model`` for OpenAPI.
See ADR 0011.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel, TypeAdapter
from sqlalchemy.orm import Session
from starlette.responses import Response

from digiplus.core.api.idempotency import commit_with_answer
from digiplus.core.db import ReadSession

JSON = "application/json"


@cache
def _adapter(model: type[BaseModel]) -> TypeAdapter[Any]:
    return TypeAdapter(model)


def render(content: Any, model: type[BaseModel]) -> bytes:
    """``content`` validated against ``model`` and dumped as FastAPI's response_model path does."""
    adapter = _adapter(model)
    return adapter.dump_json(adapter.validate_python(content, from_attributes=True), by_alias=True)


def respond(session: Session, content: Any, model: type[BaseModel], *, status_code: int = 200) -> Response:
    """The route's answer as a response, with the request's transaction (and its idempotent answer)
    committed in this thread. A read session is left alone (``get_session`` ends it)."""
    body = render(content, model)
    if session.in_transaction() and not isinstance(session, ReadSession):
        commit_with_answer(session, status_code, body, JSON)
    return Response(body, status_code=status_code, media_type=JSON)
