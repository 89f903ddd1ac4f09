"""Webhook endpoints, deliveries and attempts at the edges (API, pages)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from digiplus.core.api.inputs import StrictInput
from digiplus.core.events import event_types
from digiplus.core.webhooks.ssrf import UnsafeURL, check_url_syntax

DeliveryStatus = Literal["pending", "succeeded", "failed"]


def check_enabled_events(values: list[str]) -> list[str]:
    """``["*"]``, or declared event types and groups of them (``webhook_endpoint.*``)."""
    if "*" in values:
        if len(values) > 1:
            raise ValueError("'*' subscribes to every event and cannot be combined with other types")
        return values
    known = event_types()
    groups = {name.rsplit(".", 1)[0] + ".*" for name in known if "." in name}
    unknown = [v for v in values if v not in known and v not in groups]
    if unknown:
        raise ValueError(f"unknown event type '{unknown[0][:80]}'; known types: {', '.join(known)}")
    return list(dict.fromkeys(values))


class WebhookEndpointCreate(StrictInput):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: str = Field(
        min_length=1,
        max_length=2048,
        examples=["https://example.com/digiplus/webhooks"],
        description="Where events are POSTed: an absolute http(s) URL.",
    )
    enabled_events: list[str] = Field(
        min_length=1,
        max_length=100,
        examples=[["*"], ["webhook_endpoint.created"]],
        description='Event types to send, groups such as `webhook_endpoint.*`, or `["*"]` for all.',
    )
    description: str | None = Field(default=None, max_length=500, examples=["Order fulfilment server"])

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        try:
            return check_url_syntax(value)
        except UnsafeURL as exc:
            raise ValueError(f"url {exc}") from None

    @field_validator("enabled_events")
    @classmethod
    def _events(cls, values: list[str]) -> list[str]:
        return check_enabled_events(values)

    @field_validator("description")
    @classmethod
    def _description(cls, value: str | None) -> str | None:
        if value is not None and "\x00" in value:
            raise ValueError("description must not contain NUL characters")
        return value or None


class WebhookEndpointPublic(BaseModel):
    id: str = Field(examples=["we_01JD3Y0R6C9W4QK3F7S2N8M5TB"])
    object: Literal["webhook_endpoint"] = "webhook_endpoint"
    created: int = Field(examples=[1764201600])
    livemode: bool
    url: str = Field(examples=["https://example.com/digiplus/webhooks"])
    enabled_events: list[str] = Field(examples=[["*"]])
    description: str | None = Field(examples=["Order fulfilment server"])
    status: Literal["enabled", "disabled"] = "enabled"


class WebhookEndpointCreated(WebhookEndpointPublic):
    secret: str = Field(
        description="The signing secret, shown once, at creation.", examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]
    )


class WebhookEndpointDeleted(BaseModel):
    id: str = Field(examples=["we_01JD3Y0R6C9W4QK3F7S2N8M5TB"])
    object: Literal["webhook_endpoint"] = "webhook_endpoint"
    deleted: Literal[True] = True


class WebhookEndpointList(BaseModel):
    object: Literal["list"] = "list"
    data: list[WebhookEndpointPublic]
    has_more: bool
    url: str = Field(examples=["/v1/webhook_endpoints"])


class WebhookAttemptPublic(BaseModel):
    id: str = Field(examples=["wha_01JD3Y0R6C9W4QK3F7S2N8M5TB"])
    object: Literal["webhook_attempt"] = "webhook_attempt"
    created: int = Field(description="When the request was sent (Unix seconds).", examples=[1764201600])
    number: int = Field(description="1 for the first attempt, 2 for the first retry, …", examples=[1])
    url: str = Field(examples=["https://example.com/digiplus/webhooks"])
    status_code: int | None = Field(description="The receiver's HTTP status; null if no response.", examples=[200])
    duration_ms: int = Field(examples=[42])
    error: str | None = Field(
        description="Why the attempt failed without a response, or null.", examples=[None, "timed out after 10.0 s"]
    )
    response_body: str | None = Field(description="The start of the receiver's answer.", examples=["ok"])


class WebhookDeliveryPublic(BaseModel):
    id: str = Field(examples=["whd_01JD3Y0R6C9W4QK3F7S2N8M5TB"])
    object: Literal["webhook_delivery"] = "webhook_delivery"
    created: int = Field(examples=[1764201600])
    livemode: bool
    endpoint: str = Field(examples=["we_01JD3Y0R6C9W4QK3F7S2N8M5TB"])
    event: str = Field(examples=["evt_01JD3Y0R6C9W4QK3F7S2N8M5TB"])
    event_type: str = Field(examples=["ping"])
    status: DeliveryStatus = Field(examples=["succeeded"])
    attempt_count: int = Field(examples=[1])
    next_attempt_at: int | None = Field(
        description="When the next attempt is due (Unix seconds); null when done.", examples=[None]
    )
    completed_at: int | None = Field(examples=[1764201601])
    attempts: list[WebhookAttemptPublic]


class WebhookDeliveryList(BaseModel):
    object: Literal["list"] = "list"
    data: list[WebhookDeliveryPublic]
    has_more: bool
    url: str = Field(examples=["/v1/webhook_endpoints/we_01JD3Y0R6C9W4QK3F7S2N8M5TB/deliveries"])
