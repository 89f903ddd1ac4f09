"""Fee plans beyond the built-in ones: operators define custom plans (per mode) and put a merchant
on a plan. The built-in plans (``standard``, ``micro``, ``zero``) live in ``service/fees.py`` and
cannot be redefined; a custom plan names a rate per scenario and a default rate for the others.

Only an ``operator`` org's owner or admin (permission ``payments.operate``) may change plans.
The fee is computed at capture (``charging.fee_item`` → ``merchant_fee``) with the merchant's
plan of that moment; a later change never touches fees already booked.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.db import utcnow
from digiplus.core.errors import InvalidRequest, NotFound, PermissionDenied, ValidationFailed
from digiplus.core.ids import id_for
from digiplus.core.permissions import grant
from digiplus.payments.models import FeePlan, MerchantProfile
from digiplus.payments.service.fees import FEE_PLANS, Fee, fee_amount
from digiplus.payments.service.scenarios import SCENARIOS
from digiplus.payments.service.wallets import require_org_kind

OPERATE = "payments.operate"
grant("admin", OPERATE)
_BPS_MAX = 10_000
_FIXED_MAX = 10**9


def require_operator(session: Session, caller: Caller) -> None:
    """Operator-only actions: an org of kind ``operator`` and a role with ``payments.operate``."""
    if not caller.can(OPERATE):
        raise PermissionDenied(f"The role '{caller.role}' does not allow '{OPERATE}'.")
    require_org_kind(session, caller, "operator")


def _custom(session: Session, livemode: bool, name: str) -> FeePlan | None:
    return session.scalars(select(FeePlan).where(FeePlan.livemode == livemode, FeePlan.name == name)).one_or_none()


def merchant_fee(session: Session | None, livemode: bool, plan: str, scenario: str, amount: int) -> int:
    """The fee on a captured ``amount`` under ``plan`` (built-in or custom) for ``scenario``."""
    if plan in FEE_PLANS or session is None:
        return fee_amount(FEE_PLANS.get(plan, {}).get(scenario, Fee(0, 0)), amount)
    custom = _custom(session, livemode, plan)
    if custom is None:  # assign_fee_plan refuses unknown plans; a plan is never deleted
        raise RuntimeError(f"fee plan {plan!r} does not exist")
    return fee_amount(_rate(custom, scenario), amount)


def _rate(plan: FeePlan, scenario: str) -> Fee:
    rate = plan.rates.get(scenario)
    if rate is None:
        return Fee(plan.default_bps, plan.default_fixed)
    return Fee(int(rate["bps"]), int(rate["fixed"]))


def _check_rate(rate: dict[str, Any], param: str) -> dict[str, int]:
    bps, fixed = rate.get("bps", 0), rate.get("fixed", 0)
    if not isinstance(bps, int) or not 0 <= bps <= _BPS_MAX:
        raise ValidationFailed(f"{param}.bps is a whole number of basis points, 0 to {_BPS_MAX}", param=f"{param}.bps")
    if not isinstance(fixed, int) or not 0 <= fixed <= _FIXED_MAX:
        raise ValidationFailed(f"{param}.fixed is minor units, 0 to {_FIXED_MAX}", param=f"{param}.fixed")
    return {"bps": bps, "fixed": fixed}


def set_fee_plan(
    session: Session,
    caller: Caller,
    *,
    name: str,
    description: str | None,
    rates: dict[str, dict[str, Any]],
    default: dict[str, Any],
) -> FeePlan:
    """Create or change a custom plan (in the caller's mode)."""
    require_operator(session, caller)
    if name in FEE_PLANS:
        raise InvalidRequest(
            f"'{name}' is a built-in plan and cannot be changed.", param="name", code="fee_plan_builtin"
        )
    checked = {}
    for scenario, rate in rates.items():
        if scenario not in SCENARIOS:
            raise ValidationFailed(f"Unknown scenario '{scenario}'; one of {', '.join(SCENARIOS)}", param="rates")
        checked[scenario] = _check_rate(rate, f"rates.{scenario}")
    fallback = _check_rate(default, "default")
    plan = session.scalars(
        select(FeePlan).where(FeePlan.livemode == caller.livemode, FeePlan.name == name).with_for_update()
    ).one_or_none()
    before = None
    if plan is None:
        plan = FeePlan(id=id_for("fee_plan"), livemode=caller.livemode, name=name)
        session.add(plan)
    else:
        before = plan_data(plan)
    plan.description, plan.rates = description, checked
    plan.default_bps, plan.default_fixed, plan.updated = fallback["bps"], fallback["fixed"], utcnow()
    session.flush()
    audit.record(
        session,
        caller,
        "fee_plan.updated" if before else "fee_plan.created",
        "fee_plan",
        plan.id,
        before=before,
        after=plan_data(plan),
    )
    return plan


def fee_plans(session: Session, livemode: bool) -> list[dict[str, Any]]:
    """The built-in plans, then the custom plans of the mode."""
    shown = [builtin_data(name) for name in FEE_PLANS]
    custom = session.scalars(select(FeePlan).where(FeePlan.livemode == livemode).order_by(FeePlan.name))
    return shown + [plan_data(p) for p in custom]


def fee_plan(session: Session, livemode: bool, name: str) -> dict[str, Any]:
    if name in FEE_PLANS:
        return builtin_data(name)
    plan = _custom(session, livemode, name)
    if plan is None:
        raise NotFound(f"No such fee plan: '{name}'", param="name")
    return plan_data(plan)


def assign_fee_plan(session: Session, caller: Caller, merchant_org_id: str, plan_name: str) -> MerchantProfile:
    """Put a merchant (of the caller's mode) on a plan; fees from its next capture on follow it."""
    require_operator(session, caller)
    fee_plan(session, caller.livemode, plan_name)  # NotFound for an unknown plan
    profile = session.scalars(
        select(MerchantProfile)
        .where(MerchantProfile.org_id == merchant_org_id, MerchantProfile.livemode == caller.livemode)
        .with_for_update()
    ).one_or_none()
    if profile is None:
        raise NotFound(f"No merchant profile for organization '{merchant_org_id}'", param="merchant")
    before = profile.fee_plan
    profile.fee_plan = plan_name
    session.flush()
    audit.record(
        session,
        caller,
        "merchant_profile.fee_plan_set",
        "merchant_profile",
        profile.id,
        before={"fee_plan": before},
        after={"fee_plan": plan_name, "merchant": merchant_org_id},
    )
    return profile


def builtin_data(name: str) -> dict[str, Any]:
    rates = FEE_PLANS[name]
    return {
        "object": "fee_plan",
        "name": name,
        "builtin": True,
        "description": None,
        "rates": {s: {"bps": f.bps, "fixed": f.fixed} for s, f in rates.items()},
        "default": {"bps": 0, "fixed": 0},
        "livemode": None,
    }


def plan_data(p: FeePlan) -> dict[str, Any]:
    return {
        "object": "fee_plan",
        "name": p.name,
        "builtin": False,
        "description": p.description,
        "rates": p.rates,
        "default": {"bps": p.default_bps, "fixed": p.default_fixed},
        "livemode": p.livemode,
    }
