"""Writing events to the outbox and reading them back for the API."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.core.events.models import Event
from digiplus.core.ids import id_for
from digiplus.core.tenancy import object_base
from digiplus.settings import get_settings


def emit(
    session: Session,
    caller: Caller,
    event_type: str,
    data: dict[str, Any],
    *,
    endpoint_id: str | None = None,
) -> Event:
    """Add an event to the outbox in the current transaction; the worker delivers it after commit."""
    event = Event(
        id=id_for("event"),
        org_id=caller.org_id,
        livemode=caller.livemode,
        type=event_type,
        data={"object": data},
        api_version=get_settings().api_version,
        request_id=caller.request_id,
        endpoint_id=endpoint_id,
    )
    session.add(event)
    session.flush()
    return event


def serialize_event(event: Event) -> dict[str, Any]:
    return {
        **object_base(event, "event"),
        "type": event.type,
        "data": event.data,
        "api_version": event.api_version,
        "request": {"id": event.request_id},
    }
