"""Pricing a basket into a market: unit prices, shipping, duty, VAT/GST and the total.

Everything the buyer pays is computed here, on the server, from the catalogue, the market's rule,
the shipping table and the import-rates table; a checkout compares the client's idea of the total
with this and refuses a difference (docs/commerce.md, "Totals").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus import loyalty, payments
from digiplus.commerce.models import Market, Product, Store, Variant
from digiplus.commerce.service import catalogue, discounts, import_rates, markets, shipping
from digiplus.commerce.service.duties import DutiableLine, import_charges, split_proportionally
from digiplus.commerce.service.pricing import PricingRule, market_price
from digiplus.core.context import Caller
from digiplus.core.errors import InvalidRequest, ValidationFailed
from digiplus.core.money import currency

MAX_QUANTITY = 999
MAX_LINES = 100


@dataclass(frozen=True, slots=True)
class PricedLine:
    variant: Variant
    product: Product
    quantity: int
    unit_price: int
    line_total: int
    price_source: str


@dataclass
class BasketQuote:
    store: Store
    market: Market
    rule: PricingRule
    country: str
    lines: list[PricedLine]
    subtotal: int
    shipping_options: list[tuple[shipping.ShippingOption, int]]  # option, amount in the order currency
    shipping_option: shipping.ShippingOption
    shipping: int
    duty: int
    tax: int
    tax_name: str
    duty_exempt: bool
    tax_exempt: bool
    duties_mode: str
    total: int
    due_on_delivery: int
    discount: int = 0
    discount_lines: list[DiscountLine] = field(default_factory=list)
    line_discounts: list[int] = field(default_factory=list)  # each line's share of ``discount``
    customs_value: int = 0
    valuation: str = ""
    notes: list[str] = field(default_factory=list)  # codes of discounts that did not apply (a lenient quote)


@dataclass(frozen=True, slots=True)
class DiscountLine:
    """One discount on the items: a merchant's code, or a loyalty reward paid with points."""

    kind: str  # code | loyalty
    label: str  # the code, or the reward's name
    amount: int  # minor units of the order currency
    discount_code_id: str | None = None
    member: str | None = None
    reward: str | None = None
    points: int = 0
    programme_currency: str | None = None


@dataclass(frozen=True, slots=True)
class LoyaltyChoice:
    """A member's offers (from ``loyalty``) and the reward they chose to use on this basket."""

    offers: loyalty.MemberOffers
    reward: str


def check_quantity(quantity: Any, *, param: str = "quantity") -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        raise ValidationFailed(f"quantity is an integer from 1 to {MAX_QUANTITY}", param=param, code="quantity_invalid")
    return quantity


def threshold_rate(rule: PricingRule, threshold_currency: str) -> Decimal:
    """Threshold-currency units per order-currency unit, for comparing with a de minimis."""
    if threshold_currency == rule.currency:
        return Decimal(1)
    try:
        return payments.rate_source().rate(rule.currency, threshold_currency).rate
    except ValidationFailed:
        if threshold_currency == rule.base_currency:
            return 1 / rule.rate.value
        raise InvalidRequest(
            f"No exchange rate between {rule.currency} and {threshold_currency} to apply the de minimis threshold.",
            param="currency",
            code="fx_rate_unavailable",
        ) from None


def _floor_minor(major: Decimal, code: str) -> int:
    return int(major.scaleb(currency(code).exponent).to_integral_value(rounding=ROUND_FLOOR))


def from_programme_currency(amount: int, programme_currency: str, rule: PricingRule) -> int:
    """A loyalty amount (minor units of the programme's currency) in the order currency, floor:
    at the market's rate when the programme counts in the store's base currency, else the mid rate."""
    if programme_currency == rule.currency:
        return amount
    major = Decimal(amount).scaleb(-currency(programme_currency).exponent)
    if programme_currency == rule.base_currency:
        return _floor_minor(major * rule.rate.value, rule.currency)
    return _floor_minor(major * payments.rate_source().rate(programme_currency, rule.currency).rate, rule.currency)


def loyalty_discount(choice: LoyaltyChoice, goods: int, rule: PricingRule) -> DiscountLine:
    """What the chosen reward takes off ``goods`` (the items after any code), or why it cannot."""
    offers = choice.offers
    reward = next((r for r in offers.rewards if r.reward == choice.reward), None)
    if reward is None:
        raise InvalidRequest(
            f"No reward {choice.reward!r} to use online in {offers.programme_name}.",
            param="loyalty_reward",
            code="resource_missing",
        )
    if offers.points_available < reward.points_cost:
        raise loyalty.InsufficientPoints(
            f"{reward.name} costs {reward.points_cost} points; the member has {offers.points_available} available.",
            param="loyalty_reward",
        )
    if reward.kind == "percent_off":
        amount = goods * reward.percent_off // 100
        if reward.max_discount is not None:
            amount = min(amount, from_programme_currency(reward.max_discount, offers.currency, rule))
    else:
        amount = from_programme_currency(reward.amount_off, offers.currency, rule)
    return DiscountLine(
        kind="loyalty",
        label=reward.name,
        amount=min(amount, goods),
        member=offers.member,
        reward=reward.reward,
        points=reward.points_cost,
        programme_currency=offers.currency,
    )


def _discounts(
    session: Session,
    store: Store,
    rule: PricingRule,
    subtotal: int,
    discount_code: str | None,
    loyalty_choice: LoyaltyChoice | None,
    strict: bool,
) -> tuple[list[DiscountLine], list[str]]:
    """The code first (on the items), then the reward (on what is left); a lenient quote notes refusals."""
    found: list[DiscountLine] = []
    notes: list[str] = []
    goods = subtotal
    if discount_code:
        try:
            applied = discounts.code_for_basket(session, store, discount_code, rule.currency, subtotal)
        except InvalidRequest as exc:
            if strict:
                raise
            notes.append(exc.code or "discount_code_invalid")
        else:
            found.append(DiscountLine("code", applied.code.code, applied.amount, discount_code_id=applied.code.id))
            goods -= applied.amount
    if loyalty_choice is not None:
        try:
            line = loyalty_discount(loyalty_choice, goods, rule)
        except InvalidRequest as exc:
            if strict:
                raise
            notes.append(exc.code or "loyalty_reward_invalid")
        else:
            found.append(line)
    return found, notes


def price_basket(
    session: Session,
    store: Store,
    country: str,
    lines: dict[str, int],
    *,
    shipping_option: str | None = None,
    discount_code: str | None = None,
    loyalty_choice: LoyaltyChoice | None = None,
    strict: bool = True,
) -> BasketQuote:
    """``lines`` maps variant ids (of this store) to quantities. Discounts come off the items before
    duty and tax (customs value is what is actually paid); ``strict=False`` (a cart's page) leaves
    out a discount that does not apply and notes why, where a checkout refuses."""
    if not lines:
        raise InvalidRequest("The cart is empty.", param="lines", code="cart_empty")
    if len(lines) > MAX_LINES:
        raise ValidationFailed(f"at most {MAX_LINES} lines", param="lines")
    market = markets.market_for_country(session, store, country)
    country = country.upper()
    rule = markets.pricing_rule(store, market)
    caller = Caller.system(store.org_id, store.livemode)
    found = {
        v.id: (v, p)
        for v, p in session.execute(
            select(Variant, Product)
            .join(Product, Product.id == Variant.product_id)
            .where(Variant.id.in_(list(lines)), Variant.org_id == store.org_id, Variant.livemode == store.livemode)
        )
    }
    fixed = markets.fixed_prices(session, market.id, list(lines))
    priced = []
    for i, (variant_id, quantity) in enumerate(lines.items()):
        check_quantity(quantity, param=f"lines[{i}][quantity]")
        if variant_id not in found or found[variant_id][1].status != "active":
            raise InvalidRequest(
                f"No such product variant: {variant_id!r}", param=f"lines[{i}][variant]", code="resource_missing"
            )
        variant, product = found[variant_id]
        unit = market_price(variant.price, rule, fixed.get(variant.id))
        priced.append(PricedLine(variant, product, quantity, unit.amount, unit.amount * quantity, unit.source))
    subtotal = sum(line.line_total for line in priced)
    discount_lines, notes = _discounts(session, store, rule, subtotal, discount_code, loyalty_choice, strict)
    discount = sum(d.amount for d in discount_lines)
    line_discounts = split_proportionally(discount, [line.line_total for line in priced])
    parcel = shipping.Parcel(
        country=country,
        weight_grams=sum(line.variant.weight_grams * line.quantity for line in priced),
        base_value=sum(line.variant.price * line.quantity for line in priced),
    )
    options = [
        (o, shipping.in_market_currency(o.base_amount, rule)) for o in shipping.options_for(session, caller, parcel)
    ]
    options.sort(key=lambda pair: (pair[1], pair[0].code))
    chosen = options[0]
    if shipping_option is not None:
        match = [pair for pair in options if pair[0].code == shipping_option]
        if not match:
            raise InvalidRequest(
                "That shipping option does not serve this parcel.",
                param="shipping_option",
                code="shipping_option_invalid",
            )
        chosen = match[0]
    if country == store.origin_country:
        duty = tax = 0
        tax_name, duty_exempt, tax_exempt = "", True, True
        customs_value, valuation = subtotal - discount, ""
    else:
        rates = import_rates.country_rates(session, store.livemode, country)
        charges = import_charges(
            rates,
            [
                DutiableLine(line.product.hs_code, line.line_total - off)
                for line, off in zip(priced, line_discounts, strict=True)
            ],
            chosen[1],
            rule.currency,
            threshold_rate(rule, rates.threshold_currency),
        )
        duty, tax, tax_name = charges.duty, charges.tax, charges.tax_name
        duty_exempt, tax_exempt = charges.duty_exempt, charges.tax_exempt
        customs_value, valuation = charges.customs_value, charges.valuation
    ddp = store.duties_mode == "DDP"
    total = subtotal - discount + chosen[1] + (duty + tax if ddp else 0)
    return BasketQuote(
        store=store,
        market=market,
        rule=rule,
        country=country,
        lines=priced,
        subtotal=subtotal,
        shipping_options=options,
        shipping_option=chosen[0],
        shipping=chosen[1],
        duty=duty,
        tax=tax,
        tax_name=tax_name,
        duty_exempt=duty_exempt,
        tax_exempt=tax_exempt,
        duties_mode=store.duties_mode,
        total=total,
        due_on_delivery=0 if ddp else duty + tax,
        discount=discount,
        discount_lines=discount_lines,
        line_discounts=line_discounts,
        customs_value=customs_value,
        valuation=valuation,
        notes=notes,
    )


def quote_data(q: BasketQuote, language: str | None = None) -> dict[str, Any]:
    lang = language or q.store.default_language
    return {
        "object": "basket_quote",
        "store": q.store.slug,
        "market": q.market.code,
        "country": q.country,
        "currency": q.rule.currency,
        "pricing": pricing_data(q.rule),
        "lines": [
            {
                "variant": line.variant.id,
                "sku": line.variant.sku,
                "title": f"{catalogue.localized(line.product, lang, q.store.default_language)['title']} — {line.variant.title}",
                "hs_code": line.product.hs_code,
                "quantity": line.quantity,
                "base_price": line.variant.price,
                "unit_price": line.unit_price,
                "line_total": line.line_total,
                "discount": off,
                "price_source": line.price_source,
            }
            for line, off in zip(q.lines, q.line_discounts, strict=True)
        ],
        "subtotal": q.subtotal,
        "discount": q.discount,
        "discounts": [discount_line_data(d) for d in q.discount_lines],
        "discount_notes": list(q.notes),
        "customs_value": q.customs_value,
        "valuation": q.valuation or None,
        "shipping_options": [
            {"code": o.code, "name": o.name, "carrier": o.carrier, "base_amount": o.base_amount, "amount": amount}
            for o, amount in q.shipping_options
        ],
        "shipping_option": q.shipping_option.code,
        "shipping": q.shipping,
        "duty": q.duty,
        "tax": q.tax,
        "tax_name": q.tax_name,
        "duty_exempt": q.duty_exempt,
        "tax_exempt": q.tax_exempt,
        "duties_mode": q.duties_mode,
        "total": q.total,
        "due_on_delivery": q.due_on_delivery,
    }


def pricing_data(rule: PricingRule) -> dict[str, Any]:
    return {
        "base_currency": rule.base_currency,
        "rate": format(rule.rate.value, "f"),
        "rate_source": rule.rate.source,
        "rate_as_of": int(rule.rate.as_of.timestamp()) if rule.rate.as_of else None,
        "adjustment_bps": rule.adjustment_bps,
        "rounding": rule.rounding,
    }


def discount_line_data(d: DiscountLine) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": d.kind, "label": d.label, "amount": d.amount}
    if d.kind == "code":
        data["code"], data["discount_code"] = d.label, d.discount_code_id
    else:
        data.update(member=d.member, reward=d.reward, points=d.points)
    return data
