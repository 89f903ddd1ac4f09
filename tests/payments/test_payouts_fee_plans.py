"""Custom fee plans: operators define them and put merchants on them; the fee at capture follows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from payments_helpers import error, ok
from settlement_helpers import consumer, pay, shop

from digiplus.core.db import Database


def test_operator_sets_a_plan_and_the_next_capture_uses_it(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    operator = api_for(make_org("Ops", kind="operator"), role="admin")
    stall = shop(api_for, make_org, "Raohe Pepper Buns")
    payer = consumer(api_for, make_org)
    assert pay(stall, payer, 200_00)["fee_amount"] == 3_60  # standard: 1.8 %

    body = {
        "description": "Night markets 2026",
        "rates": {"livelihood_consumption": {"bps": 50, "fixed": 1_00}},
        "default": {"bps": 300},
    }
    plan = ok(operator.post("/v1/fee_plans/night_market", json=body))
    assert (plan["name"], plan["builtin"], plan["rates"], plan["default"]) == (
        "night_market",
        False,
        {"livelihood_consumption": {"bps": 50, "fixed": 1_00}},
        {"bps": 300, "fixed": 0},
    )
    names = [p["name"] for p in ok(stall.api.get("/v1/fee_plans"))["data"]]
    assert names == ["standard", "micro", "zero", "night_market"]
    assigned = ok(operator.post(f"/v1/merchants/{stall.org}/fee_plan", json={"fee_plan": "night_market"}))
    assert assigned == {"object": "merchant_fee_plan", "merchant": stall.org, "fee_plan": "night_market"}
    assert ok(stall.api.get("/v1/merchant_profile"))["fee_plan"] == "night_market"
    assert pay(stall, payer, 200_00)["fee_amount"] == 1_00 + 1_00  # 0.5 % + 1.00
    assert pay(stall, payer, 333)["fee_amount"] == 2 + 1_00  # 0.5 % of 3.33 = 1.665 → 2 (half up)

    # changing the plan changes the next fees only
    ok(operator.post("/v1/fee_plans/night_market", json={"rates": {}, "default": {"bps": 300}}))
    assert pay(stall, payer, 100_00)["fee_amount"] == 3_00
    assert ok(stall.api.get("/v1/fee_plans/night_market"))["rates"] == {}

    # refusals
    error(operator.post("/v1/fee_plans/standard", json=body), 400, "fee_plan_builtin")
    error(operator.post("/v1/fee_plans/x", json={"rates": {"casino": {"bps": 1}}}), 422, "parameter_invalid")
    error(operator.post("/v1/fee_plans/x", json={"default": {"bps": 10_001}}), 422, "parameter_invalid")
    error(operator.post("/v1/fee_plans/Bad-Name", json={}), 422, "parameter_invalid")
    error(operator.post(f"/v1/merchants/{stall.org}/fee_plan", json={"fee_plan": "nope"}), 404, "resource_missing")
    error(operator.post("/v1/merchants/org_unknown/fee_plan", json={"fee_plan": "micro"}), 404, "resource_missing")
    error(stall.api.post("/v1/fee_plans/mine", json={}), 403, "insufficient_permissions")
    error(
        stall.api.post(f"/v1/merchants/{stall.org}/fee_plan", json={"fee_plan": "zero"}),
        403,
        "insufficient_permissions",
    )
    error(stall.api.get("/v1/fee_plans/nope"), 404, "resource_missing")
    # a plan of test mode does not exist in live mode
    live_ops = api_for(make_org("Ops live", kind="operator"), live=True, role="admin")
    error(live_ops.get("/v1/fee_plans/night_market"), 404, "resource_missing")
