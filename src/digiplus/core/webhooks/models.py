"""Webhook endpoints, one delivery per (endpoint, event), and every attempt at it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from digiplus.core.db import Base, utcnow
from digiplus.core.tenancy import OrgOwned

PENDING, SUCCEEDED, FAILED = "pending", "succeeded", "failed"


SECRET_PURPOSE = "webhook_secret"  # noqa: S105 -- the sealing purpose (core/sealed.py), not a secret


class WebhookEndpoint(OrgOwned, Base):
    __tablename__ = "webhook_endpoints"
    __object_name__ = "webhook_endpoint"

    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str | None] = mapped_column(String(500))
    enabled_events: Mapped[list[str]] = mapped_column(JSON)
    # Sealed at rest (core/sealed.py): opened only to sign (HMAC); shown to the user once, at creation.
    secret: Mapped[str] = mapped_column(String(400))
    status: Mapped[str] = mapped_column(String(12), default="enabled")

    deliveries: Mapped[list[WebhookDelivery]] = relationship(
        back_populates="endpoint", cascade="all, delete-orphan", passive_deletes=True
    )


class WebhookDelivery(OrgOwned, Base):
    """One event owed to one endpoint; retried until it succeeds or runs out of attempts."""

    __tablename__ = "webhook_deliveries"
    __object_name__ = "webhook_delivery"
    __table_args__ = (UniqueConstraint("endpoint_id", "event_id"),)

    endpoint_id: Mapped[str] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id"), index=True)
    event_type: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    # When the next attempt is due; while a worker sends, it is pushed forward as a lease.
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True, default=utcnow)
    lease: Mapped[str | None] = mapped_column(String(32))
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    completed_at: Mapped[datetime | None] = mapped_column()

    endpoint: Mapped[WebhookEndpoint] = relationship(back_populates="deliveries")
    attempts: Mapped[list[WebhookAttempt]] = relationship(
        back_populates="delivery",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="WebhookAttempt.number",
    )


class WebhookAttempt(Base):
    """One HTTP request made for a delivery (or refused before connecting)."""

    __tablename__ = "webhook_attempts"
    __object_name__ = "webhook_attempt"

    id: Mapped[str] = mapped_column(primary_key=True)
    delivery_id: Mapped[str] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    created: Mapped[datetime] = mapped_column(default=utcnow)
    url: Mapped[str] = mapped_column(String(2048))
    status_code: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    response_body: Mapped[str | None] = mapped_column(String(1000))

    delivery: Mapped[WebhookDelivery] = relationship(back_populates="attempts")
