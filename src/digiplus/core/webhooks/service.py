"""Webhook endpoints: create, list, retrieve, delete, ping, and the delivery log.

Sending happens in the worker (``delivery.py``); these functions only write rows,
each state change with its audit entry and its event in the same transaction.
"""

from __future__ import annotations

import base64
import re
import secrets

from sqlalchemy import Select
from sqlalchemy.orm import Session, selectinload

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.errors import NotFound, ValidationFailed
from digiplus.core.events import emit, register_event_type
from digiplus.core.events.models import Event
from digiplus.core.ids import id_for
from digiplus.core.permissions import require
from digiplus.core.sealed import seal
from digiplus.core.tenancy import get_owned, scoped
from digiplus.core.webhooks.models import SECRET_PURPOSE, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from digiplus.core.webhooks.schemas import WebhookEndpointCreate
from digiplus.core.webhooks.serializers import endpoint_public
from digiplus.core.webhooks.ssrf import UnsafeURL, guard_applies, resolve_public

PING = register_event_type("ping", "Sent to one endpoint on request, to check that it receives and verifies events.")
ENDPOINT_CREATED = register_event_type("webhook_endpoint.created", "A webhook endpoint was created.")
ENDPOINT_DELETED = register_event_type("webhook_endpoint.deleted", "A webhook endpoint was deleted.")

_ENDPOINT_ID = re.compile(r"^we_[0-9A-Z]{26}$")


def new_secret() -> str:
    """``whsec_`` + base64 of 24 random bytes: the Standard Webhooks secret format."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def create_endpoint(session: Session, caller: Caller, data: WebhookEndpointCreate) -> tuple[WebhookEndpoint, str]:
    """Create an endpoint in the caller's org and mode; returns it and its secret (shown once)."""
    require(caller.role, "webhooks.write")
    if guard_applies(caller.livemode):
        try:
            resolve_public(data.url)
        except UnsafeURL as exc:
            raise ValidationFailed(f"Invalid url: {exc}.", param="url", code="url_invalid") from None
    secret = new_secret()
    endpoint = WebhookEndpoint(
        id=id_for("webhook_endpoint"),
        org_id=caller.org_id,
        livemode=caller.livemode,
        url=data.url,
        description=data.description,
        enabled_events=list(data.enabled_events),
        secret=seal(secret, SECRET_PURPOSE),
        status="enabled",
    )
    session.add(endpoint)
    session.flush()
    public = endpoint_public(endpoint).model_dump(mode="json")
    audit.record(
        session,
        caller,
        "webhook_endpoint.created",
        "webhook_endpoint",
        endpoint.id,
        after={"url": endpoint.url, "enabled_events": endpoint.enabled_events},
    )
    emit(session, caller, ENDPOINT_CREATED, public)
    return endpoint, secret


def endpoints_query(caller: Caller) -> Select[WebhookEndpoint]:
    return scoped(WebhookEndpoint, caller)


def list_endpoints(session: Session, caller: Caller) -> list[WebhookEndpoint]:
    return list(session.scalars(endpoints_query(caller).order_by(WebhookEndpoint.id.desc())))


def get_endpoint(session: Session, caller: Caller, endpoint_id: str, *, for_update: bool = False) -> WebhookEndpoint:
    if not _ENDPOINT_ID.match(endpoint_id):
        raise NotFound(f"No such webhook_endpoint: '{endpoint_id}'", param="id")
    return get_owned(session, WebhookEndpoint, endpoint_id, caller, for_update=for_update)


def delete_endpoint(session: Session, caller: Caller, endpoint_id: str) -> WebhookEndpoint:
    """Delete the endpoint with its delivery log; pending deliveries to it stop."""
    require(caller.role, "webhooks.write")
    endpoint = get_endpoint(session, caller, endpoint_id, for_update=True)
    public = endpoint_public(endpoint).model_dump(mode="json")
    audit.record(
        session,
        caller,
        "webhook_endpoint.deleted",
        "webhook_endpoint",
        endpoint.id,
        before={"url": endpoint.url, "enabled_events": endpoint.enabled_events},
    )
    session.delete(endpoint)
    session.flush()
    emit(session, caller, ENDPOINT_DELETED, public)
    return endpoint


def ping_endpoint(session: Session, caller: Caller, endpoint_id: str) -> Event:
    """Emit a ``ping`` event that only this endpoint receives (whatever its ``enabled_events``)."""
    require(caller.role, "webhooks.write")
    endpoint = get_endpoint(session, caller, endpoint_id)
    audit.record(session, caller, "webhook_endpoint.pinged", "webhook_endpoint", endpoint.id)
    return emit(session, caller, PING, endpoint_public(endpoint).model_dump(mode="json"), endpoint_id=endpoint.id)


def deliveries_query(session: Session, caller: Caller, endpoint_id: str) -> Select[WebhookDelivery]:
    """The endpoint's deliveries with their attempts (404 if the endpoint is not the caller's)."""
    endpoint = get_endpoint(session, caller, endpoint_id)
    return (
        scoped(WebhookDelivery, caller)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .options(selectinload(WebhookDelivery.attempts))
    )


def list_deliveries(session: Session, caller: Caller, endpoint_id: str, limit: int = 50) -> list[WebhookDelivery]:
    """The newest ``limit`` deliveries to the endpoint, each with ``.attempts`` in order."""
    stmt = deliveries_query(session, caller, endpoint_id).order_by(WebhookDelivery.id.desc()).limit(limit)
    return list(session.scalars(stmt))


def list_attempts(session: Session, caller: Caller, delivery_id: str) -> list[WebhookAttempt]:
    delivery = get_owned(session, WebhookDelivery, delivery_id, caller)
    return list(delivery.attempts)
