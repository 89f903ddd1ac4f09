"""Sandbox shapes at the edges: inputs refuse unknown fields; outputs are plain objects."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from digiplus.core.api.inputs import StrictInput as CoreStrictInput
from digiplus.core.api.pagination import ListResponse

LimitAmount = Field(ge=1, le=10**15, description="TWD minor units (cents).", examples=[5_000_00])


class StrictInput(CoreStrictInput):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ExperimentCreate(StrictInput):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=20_000)
    period_months: int = Field(ge=1, le=12, description="The experiment's period; at most 12 months.")
    limit_per_transaction: int = LimitAmount
    limit_per_participant: int = LimitAmount
    limit_total_exposure: int = LimitAmount
    limit_participants: int = Field(ge=1, le=10_000_000)
    risk_controls: str = Field(min_length=1, max_length=20_000)
    disclosure_text: str = Field(min_length=1, max_length=20_000, description="What each participant accepts.")


class MessageCreate(StrictInput):
    body: str = Field(min_length=1, max_length=10_000)


class ApproveCreate(StrictInput):
    conditions: str = Field(default="", max_length=10_000, description="The agency's conditions of approval.")


class ReasonCreate(StrictInput):
    reason: str = Field(min_length=1, max_length=2_000)


class ExtendCreate(StrictInput):
    months: int = Field(ge=1, le=12)


class ReportCreate(StrictInput):
    summary: str = Field(min_length=1, max_length=10_000)
    severity: Literal["low", "medium", "high", "critical"] = "low"


class ParticipationCreate(StrictInput):
    accept_disclosure: Literal[True] = Field(description="Must be true: the consumer accepts the disclosure text.")


class ExperimentPublic(BaseModel):
    id: str
    object: Literal["experiment"]
    created: int
    livemode: bool
    applicant: str
    title: str
    status: str
    period_months: int
    extension_months: int
    limits: dict[str, Any]
    usage: dict[str, int]
    description: str
    risk_controls: str
    disclosure_text: str
    conditions: str | None
    decision_reason: str | None
    submitted_at: int | None
    decided_at: int | None
    starts_at: int | None
    ends_at: int | None
    closed_at: int | None


class ExperimentList(ListResponse[ExperimentPublic]):
    pass
