"""Events as the API shows them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

EVENT_TYPE_PATTERN = r"^[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?$"


class EventRequest(BaseModel):
    id: str | None = Field(
        description="The API request that caused the event, if any.", examples=["req_01JD3Y0R6C9W4QK3F7S2N8M5TB"]
    )


class EventData(BaseModel):
    object: dict[str, Any] = Field(description="The object the event is about, as the API showed it then.")


class EventPublic(BaseModel):
    id: str = Field(examples=["evt_01JD3Y0R6C9W4QK3F7S2N8M5TB"])
    object: Literal["event"] = "event"
    created: int = Field(description="Unix time in seconds.", examples=[1764201600])
    livemode: bool
    type: str = Field(examples=["webhook_endpoint.created"])
    data: EventData
    api_version: str = Field(examples=["2026-11-27"])
    request: EventRequest


class EventList(BaseModel):
    object: Literal["list"] = "list"
    data: list[EventPublic]
    has_more: bool
    url: str = Field(examples=["/v1/events"])
