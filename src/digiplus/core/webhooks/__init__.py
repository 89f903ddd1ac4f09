"""Webhooks: endpoints that receive the org's events, signed per Standard Webhooks.

Importing this package registers the worker tasks (``delivery``) that dispatch
the outbox and deliver to endpoints.
"""

from digiplus.core.webhooks import delivery as delivery
from digiplus.core.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from digiplus.core.webhooks.schemas import WebhookEndpointCreate
from digiplus.core.webhooks.service import (
    create_endpoint,
    delete_endpoint,
    get_endpoint,
    list_attempts,
    list_deliveries,
    list_endpoints,
    ping_endpoint,
)

__all__ = [
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEndpointCreate",
    "create_endpoint",
    "delete_endpoint",
    "get_endpoint",
    "list_attempts",
    "list_deliveries",
    "list_endpoints",
    "ping_endpoint",
]
