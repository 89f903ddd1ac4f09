"""Where the sales come from: the scenario mix, the payment-method mix and foreign visitors by
country and currency, over the scope's period."""

from __future__ import annotations

from typing import Any

from digiplus.insight.service.frame import Facts, Scope, in_period, rows, scoped_payments

MIX_DIMENSIONS = ("scenario", "payment_method")
HOME_COUNTRY = "TW"


def mix_expr(facts: Facts, scope: Scope, by: str) -> Any:
    p = in_period(scoped_payments(facts, scope), scope)
    key = p[by].fill_null("unknown").name("key")
    return p.group_by(["merchant_id", key]).agg(
        payments=p.count(), gross=p.amount.sum(), net=p.net.sum(), customers=p.customer_ref.nunique()
    )


def mix(facts: Facts, scope: Scope, by: str) -> list[dict[str, Any]]:
    """Payments, gross and net sales and customers per scenario or payment method, largest first,
    with each one's share of payments and of net sales (``unknown`` where the payment had none)."""
    found = rows(mix_expr(facts, scope, by))
    payments = sum(r["payments"] for r in found)
    net = sum(r["net"] for r in found)
    out = [
        {
            by: r["key"],
            "payments": r["payments"],
            "gross": r["gross"],
            "net": r["net"],
            "customers": r["customers"],
            "payment_share": round(r["payments"] / payments, 4) if payments else 0.0,
            "net_share": round(r["net"] / net, 4) if net else 0.0,
        }
        for r in found
    ]
    return sorted(out, key=lambda r: (-r["net"], -r["payments"], str(r[by])))


def foreign_expr(facts: Facts, scope: Scope, home_country: str) -> Any:
    p = in_period(scoped_payments(facts, scope), scope)
    p = p.filter(p.payer_country.notnull(), p.payer_country != home_country)
    return p.group_by(["merchant_id", "payer_country", "payer_currency"]).agg(
        payments=p.count(),
        customers=p.customer_ref.nunique(),
        net=p.net.sum(),
        payer_amount=p.payer_amount.sum(),
    )


def foreign_visitors(facts: Facts, scope: Scope, home_country: str = HOME_COUNTRY) -> list[dict[str, Any]]:
    """Payments by wallets from outside ``home_country``, per the wallet's country and currency: how
    many, distinct visitors, net sales in the merchant's currency and what the visitors paid in theirs."""
    found = rows(foreign_expr(facts, scope, home_country))
    found.sort(key=lambda r: (-r["net"], r["payer_country"], r["payer_currency"] or ""))
    return [
        {
            "country": r["payer_country"],
            "payer_currency": r["payer_currency"],
            "payments": r["payments"],
            "customers": r["customers"],
            "net": r["net"],
            "payer_amount": r["payer_amount"],
        }
        for r in found
    ]
