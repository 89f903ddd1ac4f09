"""Loyalty's domain errors."""

from __future__ import annotations

from digiplus.core.errors import InvalidRequest


class InsufficientPoints(InvalidRequest):
    """The member's available points do not cover the reward (nothing was written)."""

    status_code = 402
    error_type = "loyalty_error"
    code = "insufficient_points"
