"""The outbox: one row per event, written in the transaction of the change it reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from digiplus.core.db import Base, utcnow
from digiplus.core.tenancy import OrgOwned


class Event(OrgOwned, Base):
    __tablename__ = "events"
    __object_name__ = "event"
    # Outbox consumers read by type in (created, id) order.
    __table_args__ = (Index("ix_events_type_created_id", "type", "created", "id"),)

    type: Mapped[str] = mapped_column(String(80), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    api_version: Mapped[str] = mapped_column(String(10))
    request_id: Mapped[str | None] = mapped_column(String(40))
    # Set when only one webhook endpoint should receive it (``ping``).
    endpoint_id: Mapped[str | None] = mapped_column(String(40))
    # The outbox marker: set once the worker has fanned the event out to deliveries.
    dispatched_at: Mapped[datetime | None] = mapped_column(index=True)


class EventConsumerCursor(Base):
    """Where one outbox consumer (``digiplus.core.events.consumers``) has got to."""

    __tablename__ = "event_consumer_cursors"

    consumer: Mapped[str] = mapped_column(String(80), primary_key=True)
    last_created: Mapped[datetime | None] = mapped_column()
    last_event_id: Mapped[str | None] = mapped_column(String(40))
    handled: Mapped[int] = mapped_column(default=0)
    updated: Mapped[datetime] = mapped_column(default=utcnow)
