"""HTTP API of webhooks: ``/v1/webhook_endpoints`` and each endpoint's ping and delivery log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from digiplus.core.api.auth import ApiCaller, requires
from digiplus.core.api.deps import SessionDep
from digiplus.core.api.pagination import ListParamsDep, paginate
from digiplus.core.api.responses import ERROR_RESPONSES
from digiplus.core.context import Caller
from digiplus.core.events.schemas import EventPublic
from digiplus.core.events.service import serialize_event
from digiplus.core.webhooks import service
from digiplus.core.webhooks.models import WebhookDelivery, WebhookEndpoint
from digiplus.core.webhooks.schemas import (
    WebhookDeliveryList,
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointDeleted,
    WebhookEndpointList,
    WebhookEndpointPublic,
)
from digiplus.core.webhooks.serializers import delivery_public, endpoint_public

router = APIRouter(prefix="/v1", tags=["webhooks"], responses=ERROR_RESPONSES)

WebhookWriter = Annotated[Caller, requires("webhooks.write")]


@router.post(
    "/webhook_endpoints",
    response_model=WebhookEndpointCreated,
    summary="Create a webhook endpoint (its signing secret is shown once, here)",
)
def create_webhook_endpoint(
    body: WebhookEndpointCreate, session: SessionDep, caller: WebhookWriter
) -> WebhookEndpointCreated:
    endpoint, secret = service.create_endpoint(session, caller, body)
    return WebhookEndpointCreated(**endpoint_public(endpoint).model_dump(), secret=secret)


@router.get("/webhook_endpoints", response_model=WebhookEndpointList, summary="List webhook endpoints, newest first")
def list_webhook_endpoints(session: SessionDep, caller: ApiCaller, params: ListParamsDep) -> dict[str, Any]:
    return paginate(
        session, service.endpoints_query(caller), WebhookEndpoint.id, params, endpoint_public, "/v1/webhook_endpoints"
    )


@router.get(
    "/webhook_endpoints/{endpoint_id}", response_model=WebhookEndpointPublic, summary="Retrieve a webhook endpoint"
)
def get_webhook_endpoint(endpoint_id: str, session: SessionDep, caller: ApiCaller) -> WebhookEndpointPublic:
    return endpoint_public(service.get_endpoint(session, caller, endpoint_id))


@router.delete(
    "/webhook_endpoints/{endpoint_id}",
    response_model=WebhookEndpointDeleted,
    summary="Delete a webhook endpoint; it receives nothing more",
)
def delete_webhook_endpoint(endpoint_id: str, session: SessionDep, caller: WebhookWriter) -> WebhookEndpointDeleted:
    return WebhookEndpointDeleted(id=service.delete_endpoint(session, caller, endpoint_id).id)


@router.post(
    "/webhook_endpoints/{endpoint_id}/ping",
    response_model=EventPublic,
    summary="Send a `ping` event to this endpoint only; returns the event",
)
def ping_webhook_endpoint(endpoint_id: str, session: SessionDep, caller: WebhookWriter) -> dict[str, Any]:
    return serialize_event(service.ping_endpoint(session, caller, endpoint_id))


@router.get(
    "/webhook_endpoints/{endpoint_id}/deliveries",
    response_model=WebhookDeliveryList,
    summary="The endpoint's delivery log: each event sent, with every attempt (time, status, duration, error)",
)
def list_webhook_deliveries(
    endpoint_id: str, session: SessionDep, caller: ApiCaller, params: ListParamsDep
) -> dict[str, Any]:
    stmt = service.deliveries_query(session, caller, endpoint_id)
    return paginate(
        session, stmt, WebhookDelivery.id, params, delivery_public, f"/v1/webhook_endpoints/{endpoint_id}/deliveries"
    )
