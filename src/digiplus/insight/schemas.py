"""What the insight API answers: one shape for every figure (its table in ``data``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class InsightFigure(BaseModel):
    """A figure of the caller's own facts. Figure-specific fields (``grain``, ``segment``, the
    models' parameters, …) sit beside these; ``data`` is the table the CSV export writes."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "object": "insight.sales",
                    "merchant": "org_01JD3Y0R6C9W4QK3F7S2N8M5TB",
                    "livemode": False,
                    "currency": "TWD",
                    "since": "2026-01-01",
                    "as_of": "2026-01-31",
                    "grain": "month",
                    "data": [
                        {
                            "period": "2026-01-01",
                            "payments": 412,
                            "gross": 8_650_000,
                            "refunds": 3,
                            "refunded": 45_000,
                            "net": 8_605_000,
                            "customers": 198,
                            "average_ticket": 20_995,
                        }
                    ],
                }
            ]
        },
    )

    object: str = Field(description="insight.<figure>")
    merchant: str | None
    livemode: bool
    currency: str | None = Field(description="ISO 4217 code of every amount (minor units)")
    since: str = Field(description="first Taipei day of period figures")
    as_of: str = Field(description="last Taipei day included")
    data: list[dict[str, Any]]
