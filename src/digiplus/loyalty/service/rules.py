"""The programme's rules as plain functions (no database): points for a spend, the tier for a
12-month spend, the campaign in force, when a lot expires, which day is a visit, a reward's discount.

Rounding, stated once: points = floor(whole spend units × points per unit × tier % × campaign % / 10,000).
Whole units first (NT$250 at 1 point per NT$100 is 2 units), the multipliers on those, one floor at
the end. Campaigns do not stack: the highest multiplier in force applies, times the tier's.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

TAIPEI = ZoneInfo("Asia/Taipei")  # every programme's day (visits, birthdays, month ends) is Taiwan's


def local_date(at: datetime) -> date:
    return at.astimezone(TAIPEI).date()


def points_for(amount: int, spend_unit: int, points_per_unit: int, multiplier_percent: int = 100) -> int:
    units = amount // spend_unit
    return units * points_per_unit * multiplier_percent // 100


def combined_multiplier(tier_percent: int, campaign_percent: int) -> int:
    """Tier × campaign, in percent (150 × 200 → 300); floor, as the points are."""
    return tier_percent * campaign_percent // 100


@dataclass(frozen=True)
class Tier:
    name: str
    min_spend: int
    multiplier_percent: int


def tiers_of(raw: Iterable[dict[str, Any]]) -> list[Tier]:
    """The programme's tiers, lowest threshold first."""
    tiers = [Tier(str(t["name"]), int(t["min_spend"]), int(t["multiplier_percent"])) for t in raw]
    return sorted(tiers, key=lambda t: t.min_spend)


def tier_for(tiers: Sequence[Tier], spend_12_months: int) -> Tier | None:
    """The highest tier whose threshold the spend reaches (None: below every tier, or no tiers)."""
    reached = [t for t in tiers if spend_12_months >= t.min_spend]
    return reached[-1] if reached else None


def next_tier(tiers: Sequence[Tier], spend_12_months: int) -> Tier | None:
    return next((t for t in tiers if t.min_spend > spend_12_months), None)


def twelve_months_before(day: date) -> date:
    """The same calendar day a year earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def expiry_date(earned_on: date, months: int) -> date | None:
    """The last day a lot earned on ``earned_on`` is valid: the end of the month ``months`` later."""
    if months <= 0:
        return None
    index = earned_on.year * 12 + (earned_on.month - 1) + months
    year, month = divmod(index, 12)
    return date(year, month + 1, calendar.monthrange(year, month + 1)[1])


def campaign_percent(campaigns: Iterable[tuple[datetime, datetime, int]], at: datetime) -> int:
    """The highest multiplier of the campaigns in force at ``at`` (``[starts, ends)``); 100 when none."""
    return max((pct for starts, ends, pct in campaigns if starts <= at < ends), default=100)


def discount_for(kind: str, payment_amount: int, amount_off: int, percent_off: int, max_discount: int | None) -> int:
    """What a reward takes off a payment of ``payment_amount`` (minor units, floor)."""
    if kind == "percent_off":
        off = payment_amount * percent_off // 100
        return min(off, max_discount) if max_discount is not None else off
    return amount_off


@dataclass
class Lot:
    """Points earned together, valid until ``expires_on``; ``remaining`` after FIFO consumption."""

    entry_id: str
    earned_at: datetime
    expires_on: date | None
    points: int  # earned less what was clawed back from it
    remaining: int


def allocate_fifo(lots: list[Lot], consumed: int) -> int:
    """Consume ``consumed`` points from the lots, soonest expiry first (never-expiring last, then oldest).

    Sets each lot's ``remaining``; returns what no lot covered (a negative balance's size)."""
    order = sorted(lots, key=lambda lot: (lot.expires_on is None, lot.expires_on or date.max, lot.earned_at))
    for lot in order:
        take = min(max(lot.points, 0), consumed)
        lot.remaining = max(lot.points, 0) - take
        consumed -= take
    return consumed
