"""Writing events to the outbox and reading them back for the API.

Modules name the event types they emit with ``register_event_type`` so that
webhook endpoints can subscribe to them by name (an unknown name in
``enabled_events`` is refused, as Stripe does).
"""

from __future__ import annotations

import re
from typing import Any, cast

from sqlalchemy import Select, Table, insert
from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.core.db import utcnow
from digiplus.core.errors import NotFound
from digiplus.core.events.models import Event
from digiplus.core.ids import id_for
from digiplus.core.tenancy import get_owned, object_base, scoped
from digiplus.settings import get_settings

_EVENT_TYPES: dict[str, str] = {}
_EVENT_ID = re.compile(r"^evt_[0-9A-Z]{26}$")


def register_event_type(event_type: str, description: str) -> str:
    """Declare an event type a module emits (``payment_intent.succeeded``); returns the name."""
    _EVENT_TYPES[event_type] = description
    return event_type


def event_types() -> dict[str, str]:
    """Every declared event type and what it means, sorted by name."""
    return dict(sorted(_EVENT_TYPES.items()))


def emit(
    session: Session,
    caller: Caller,
    event_type: str,
    data: dict[str, Any],
    *,
    endpoint_id: str | None = None,
) -> Event:
    """Add an event to the outbox in the current transaction; the worker delivers it after commit.

    One Core insert (no ORM unit of work); returns the event as a detached object."""
    values: dict[str, Any] = {
        "id": id_for("event"),
        "org_id": caller.org_id,
        "livemode": caller.livemode,
        "created": utcnow(),
        "type": event_type,
        "data": {"object": data},
        "api_version": get_settings().api_version,
        "request_id": caller.request_id,
        "endpoint_id": endpoint_id,
        "dispatched_at": None,
    }
    session.execute(_INSERT_EVENT, values)
    return Event(**values)


_INSERT_EVENT = insert(cast(Table, Event.__table__))  # built once


def events_query(caller: Caller, event_type: str | None = None) -> Select[Event]:
    """The caller's events, optionally of one type or of a group (``webhook_endpoint.*``)."""
    stmt = scoped(Event, caller)
    if event_type is None:
        return stmt
    if event_type.endswith(".*"):
        return stmt.where(Event.type.startswith(event_type[:-1], autoescape=True))
    return stmt.where(Event.type == event_type)


def get_event(session: Session, caller: Caller, event_id: str) -> Event:
    if not _EVENT_ID.match(event_id):
        raise NotFound(f"No such event: '{event_id}'", param="id")
    return get_owned(session, Event, event_id, caller)


def serialize_event(event: Event) -> dict[str, Any]:
    return {
        **object_base(event, "event"),
        "type": event.type,
        "data": event.data,
        "api_version": event.api_version,
        "request": {"id": event.request_id},
    }
