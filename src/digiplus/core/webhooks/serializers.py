"""Webhook objects as the API and the pages show them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, cast

from digiplus.core.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from digiplus.core.webhooks.schemas import (
    DeliveryStatus,
    WebhookAttemptPublic,
    WebhookDeliveryPublic,
    WebhookEndpointPublic,
)


def _unix(value: datetime | None) -> int | None:
    return int(value.timestamp()) if value is not None else None


def endpoint_public(endpoint: WebhookEndpoint) -> WebhookEndpointPublic:
    return WebhookEndpointPublic(
        id=endpoint.id,
        created=int(endpoint.created.timestamp()),
        livemode=endpoint.livemode,
        url=endpoint.url,
        enabled_events=list(endpoint.enabled_events),
        description=endpoint.description,
        status=cast(Literal["enabled", "disabled"], endpoint.status),
    )


def attempt_public(attempt: WebhookAttempt) -> WebhookAttemptPublic:
    return WebhookAttemptPublic(
        id=attempt.id,
        created=int(attempt.created.timestamp()),
        number=attempt.number,
        url=attempt.url,
        status_code=attempt.status_code,
        duration_ms=attempt.duration_ms,
        error=attempt.error,
        response_body=attempt.response_body,
    )


def delivery_public(delivery: WebhookDelivery) -> WebhookDeliveryPublic:
    return WebhookDeliveryPublic(
        id=delivery.id,
        created=int(delivery.created.timestamp()),
        livemode=delivery.livemode,
        endpoint=delivery.endpoint_id,
        event=delivery.event_id,
        event_type=delivery.event_type,
        status=cast(DeliveryStatus, delivery.status),
        attempt_count=delivery.attempt_count,
        next_attempt_at=_unix(delivery.next_attempt_at) if delivery.status == "pending" else None,
        completed_at=_unix(delivery.completed_at),
        attempts=[attempt_public(a) for a in delivery.attempts],
    )
