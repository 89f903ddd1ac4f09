"""``GET /v1/events`` and ``GET /v1/events/{id}``: the org's event history in the key's mode."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from digiplus.core.api.auth import ApiCaller
from digiplus.core.api.deps import SessionDep
from digiplus.core.api.pagination import ListParamsDep, paginate
from digiplus.core.api.responses import ERROR_RESPONSES
from digiplus.core.events import service
from digiplus.core.events.models import Event
from digiplus.core.events.schemas import EVENT_TYPE_PATTERN, EventList, EventPublic

router = APIRouter(prefix="/v1", tags=["events"], responses=ERROR_RESPONSES)


@router.get("/events", response_model=EventList, summary="List events, newest first")
def list_events(
    session: SessionDep,
    caller: ApiCaller,
    params: ListParamsDep,
    type: Annotated[
        str | None,
        Query(
            max_length=80,
            pattern=EVENT_TYPE_PATTERN,
            examples=["webhook_endpoint.created"],
            description="Only events of this type, or of a group with a trailing `.*` (`webhook_endpoint.*`).",
        ),
    ] = None,
) -> dict[str, Any]:
    stmt = service.events_query(caller, type)
    return paginate(session, stmt, Event.id, params, service.serialize_event, "/v1/events")


@router.get("/events/{event_id}", response_model=EventPublic, summary="Retrieve an event")
def get_event(event_id: str, session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    return service.serialize_event(service.get_event(session, caller, event_id))
