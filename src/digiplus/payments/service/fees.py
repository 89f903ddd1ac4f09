"""Fee plans: a percentage (basis points) plus a fixed amount (minor units), by scenario.

The fee is booked at capture, from the merchant's pending settlement to the platform's fee
revenue, linked with the capture so that both or neither happen. It is computed on the
captured amount, rounded half up to the minor unit, and never more than the captured amount.
Refunds do not return the fee.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from digiplus.core.errors import ValidationFailed


@dataclass(frozen=True, slots=True)
class Fee:
    bps: int  # 1 bp = 0.01 %
    fixed: int  # minor units of the payment's currency (TWD cents)


# The defaults: lower for public services, medical care and campus, higher for tourism where
# many payers are visitors. "micro" is for stalls and small shops (the plan's SME focus).
FEE_PLANS: dict[str, dict[str, Fee]] = {
    "standard": {
        "livelihood_consumption": Fee(180, 0),
        "public_services": Fee(50, 0),
        "transportation": Fee(100, 0),
        "leisure_tourism": Fee(220, 0),
        "medical_institutions": Fee(80, 0),
        "campus": Fee(100, 0),
        "cultural_exhibitions": Fee(150, 0),
        "other": Fee(250, 500),
    },
    "micro": {
        "livelihood_consumption": Fee(100, 0),
        "public_services": Fee(0, 0),
        "transportation": Fee(80, 0),
        "leisure_tourism": Fee(150, 0),
        "medical_institutions": Fee(50, 0),
        "campus": Fee(50, 0),
        "cultural_exhibitions": Fee(100, 0),
        "other": Fee(200, 300),
    },
    "zero": {},
}


def check_plan(name: str) -> str:
    if name not in FEE_PLANS:
        raise ValidationFailed(f"Unknown fee plan '{name}'; one of {', '.join(FEE_PLANS)}", param="fee_plan")
    return name


def fee_for(plan: str, scenario: str, amount: int) -> int:
    """The fee on a captured ``amount`` (minor units) for the plan and scenario."""
    return fee_amount(FEE_PLANS.get(plan, {}).get(scenario, Fee(0, 0)), amount)


def fee_amount(fee: Fee, amount: int) -> int:
    """``fee`` on ``amount``: the percentage rounded half up, plus the fixed part, at most ``amount``."""
    percent = (Decimal(amount) * fee.bps / 10_000).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return min(amount, int(percent) + fee.fixed)
