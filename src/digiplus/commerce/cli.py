"""``digiplus commerce …``: a merchant's store, markets, basket quotes, price lists and orders; the
operator's import-rates table; the checkout-expiry sweep."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import typer

from digiplus.commerce.models import Order
from digiplus.commerce.service import (
    baskets,
    catalogue,
    discounts,
    documents,
    import_rates,
    markets,
    orders,
    storefront,
    stores,
    sync,
)
from digiplus.core.context import Caller
from digiplus.core.db import get_database
from digiplus.core.errors import DigiplusError
from digiplus.core.money import format_minor

commerce_app = typer.Typer(
    help="Cross-border e-commerce: stores, markets, prices, duties, orders.", no_args_is_help=True
)
markets_app = typer.Typer(help="A store's markets.", no_args_is_help=True)
orders_app = typer.Typer(help="A store's orders.", no_args_is_help=True)
rates_app = typer.Typer(help="The platform's import duty and VAT/GST table.", no_args_is_help=True)
codes_app = typer.Typer(help="A store's discount codes.", no_args_is_help=True)
commerce_app.add_typer(markets_app, name="markets")
commerce_app.add_typer(orders_app, name="orders")
commerce_app.add_typer(rates_app, name="import-rates")
commerce_app.add_typer(codes_app, name="codes")

_ORG = typer.Option(..., "--org", help="The merchant organisation (org_…).")
_MODE = typer.Option("test", "--mode", help="test or live.")
_JSON = typer.Option(False, "--json", help="Print the API's JSON object(s).")


def _caller(org: str, mode: str) -> Caller:
    if mode not in ("test", "live"):
        typer.secho("error: --mode must be test or live", err=True, fg="red")
        raise typer.Exit(2)
    return Caller.system(org, livemode=mode == "live")


def _run(write: bool, work: Callable[[Any], Any]) -> Any:
    db = get_database()
    try:
        with db.session() if write else db.read_session() as session:
            return work(session)
    except DigiplusError as exc:
        typer.secho(f"error: {exc.message}" + (f" ({exc.param})" if exc.param else ""), err=True, fg="red")
        raise typer.Exit(1) from None


def _echo(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@commerce_app.command("store")
def store_command(
    org: str = _ORG,
    mode: str = _MODE,
    slug: str | None = typer.Option(None, help="Open or rename the store at /shop/SLUG."),
    name: str | None = typer.Option(None, help="Brand name."),
    duties: str | None = typer.Option(None, "--duties", help="DDP (collected at checkout) or DAP (paid on delivery)."),
    cluster: list[str] | None = typer.Option(
        None, "--cluster", help="Join a showcase cluster (western, new_southbound)."
    ),
) -> None:
    """Show the store, or change it when options are given."""
    caller = _caller(org, mode)
    fields = {"slug": slug, "name": name, "duties_mode": duties, "clusters": cluster or None}
    if any(v is not None for v in fields.values()):
        _echo(_run(True, lambda s: stores.store_data(stores.save_store(s, caller, fields))))
    else:
        _echo(_run(False, lambda s: stores.store_data(stores.get_store(s, caller))))


@markets_app.command("list")
def markets_list(org: str = _ORG, mode: str = _MODE) -> None:
    """Each market: code, currency, countries, adjustment, rounding, rate."""
    caller = _caller(org, mode)

    def show(session: Any) -> None:
        store = stores.get_store(session, caller)
        for m in markets.markets_of(session, caller.org_id, caller.livemode):
            rule = markets.pricing_rule(store, m)
            typer.echo(
                f"{m.code:12} {m.currency} {m.adjustment_bps:+6d}bp {m.rounding:13} rate {rule.rate.value:.10g} "
                f"{','.join(m.countries)}"
            )

    _run(False, show)


@markets_app.command("add")
def markets_add(
    code: str,
    org: str = _ORG,
    mode: str = _MODE,
    currency: str = typer.Option(..., help="ISO 4217 code."),
    country: list[str] | None = typer.Option(None, "--country", help="A country (repeat)."),
    cluster: str | None = typer.Option(None, help="western or new_southbound."),
    language: list[str] | None = typer.Option(None, "--language", help="A language (repeat)."),
    adjustment_bps: int = typer.Option(0, help="±basis points on converted prices."),
    rounding: str = typer.Option("minor", help="minor, whole, ends_99, nearest_10, nearest_100, nearest_1000."),
    fx_rate: str | None = typer.Option(None, help="A manual rate (market units per base unit)."),
) -> None:
    """Add a market."""
    caller = _caller(org, mode)
    fields = {
        "currency": currency,
        "countries": country or None,
        "cluster": cluster,
        "languages": language or None,
        "adjustment_bps": adjustment_bps,
        "rounding": rounding,
        "fx_rate": fx_rate,
    }
    _echo(_run(True, lambda s: markets.market_data(markets.create_market(s, caller, code, fields))))


@markets_app.command("prices")
def markets_prices(code: str, org: str = _ORG, mode: str = _MODE) -> None:
    """The market's price list: every variant's base price and its price in the market."""
    caller = _caller(org, mode)

    def show(session: Any) -> None:
        store = stores.get_store(session, caller)
        market = next((m for m in markets.markets_of(session, caller.org_id, caller.livemode) if m.code == code), None)
        if market is None:
            raise DigiplusError(f"No market {code!r}", param="code")
        rule = markets.pricing_rule(store, market)
        shop = storefront.Shop(store, market, market.countries[0], store.default_language, rule, [market])
        for card in storefront.product_cards(session, shop):
            for o in card["offers"]:
                v = o["variant"]
                typer.echo(
                    f"{v.sku:16} {store.base_currency} {format_minor(v.price, store.base_currency):>12} → "
                    f"{market.currency} {format_minor(o['price'], market.currency):>12}"
                )

    _run(False, show)


@commerce_app.command("quote")
def quote_command(
    org: str = _ORG,
    mode: str = _MODE,
    country: str = typer.Option(..., help="Destination country."),
    line: list[str] = typer.Option(..., "--line", help="SKU:QUANTITY (repeat)."),
) -> None:
    """Price a basket into the market serving COUNTRY: lines, shipping, duty, tax, total (minor units)."""
    caller = _caller(org, mode)

    def price(session: Any) -> dict[str, Any]:
        store = stores.get_store(session, caller)
        wanted: dict[str, int] = {}
        for item in line:
            sku, _, qty = item.partition(":")
            variant = catalogue.variant_by_sku(session, caller, sku)
            wanted[variant.id] = int(qty or 1)
        return baskets.quote_data(baskets.price_basket(session, store, country, wanted))

    _echo(_run(False, price))


@orders_app.command("list")
def orders_list(org: str = _ORG, mode: str = _MODE, status: str | None = typer.Option(None)) -> None:
    caller = _caller(org, mode)

    def show(session: Any) -> None:
        for o in session.scalars(orders.orders_query(caller, status).order_by(Order.id.desc()).limit(50)):
            typer.echo(
                f"{o.id} {o.status:20} {o.address.get('country')} {o.currency} {format_minor(o.total, o.currency)}"
            )

    _run(False, show)


@orders_app.command("show")
def orders_show(
    order_id: str,
    org: str = _ORG,
    mode: str = _MODE,
    invoice: bool = typer.Option(False, help="The commercial invoice."),
) -> None:
    caller = _caller(org, mode)
    if invoice:
        _echo(_run(False, lambda s: documents.commercial_invoice(s, caller, order_id)))
    else:
        _echo(_run(False, lambda s: orders.order_data(s, orders.get_order(s, caller, order_id))))


@orders_app.command("fulfil")
def orders_fulfil(
    order_id: str,
    org: str = _ORG,
    mode: str = _MODE,
    carrier: str = typer.Option("Chunghwa Post"),
    tracking: str | None = typer.Option(None),
) -> None:
    """Ship everything left of the order."""
    caller = _caller(org, mode)
    _run(True, lambda s: orders.fulfil(s, caller, order_id, lines=None, carrier=carrier, tracking_number=tracking))
    typer.echo("fulfilled")


@orders_app.command("deliver")
def orders_deliver(order_id: str, org: str = _ORG, mode: str = _MODE) -> None:
    caller = _caller(org, mode)
    _run(True, lambda s: orders.mark_delivered(s, caller, order_id))
    typer.echo("delivered")


@orders_app.command("cancel")
def orders_cancel(order_id: str, org: str = _ORG, mode: str = _MODE) -> None:
    """Cancel (a paid, unshipped order is refunded in full)."""
    caller = _caller(org, mode)
    _run(True, lambda s: orders.cancel_order(s, caller, order_id, "requested_by_merchant"))
    typer.echo("canceled")


@orders_app.command("return")
def orders_return(order_id: str, org: str = _ORG, mode: str = _MODE) -> None:
    """Take back everything shipped and refund it through payments."""
    caller = _caller(org, mode)
    record = _run(True, lambda s: orders.create_return(s, caller, order_id, lines=None, reason=None, restock=True))
    typer.echo(f"returned, refund {record.refund_id} {record.refund_status}")


@orders_app.command("expire")
def orders_expire() -> None:
    """Cancel unpaid orders whose stock hold ran out (the worker runs this too)."""
    typer.echo(f"expired {sync.expire_checkouts(get_database())}")


@rates_app.command("list")
def rates_list(mode: str = _MODE) -> None:
    live = mode == "live"
    for r in _run(False, lambda s: [import_rates.rate_data(x) for x in import_rates.list_rates(s, live)]):
        typer.echo(
            f"{r['country']} {r['tax_name']:16} vat {r['vat_rate']:>5}% ≤{r['vat_de_minimis']} duty {r['duty_rate']:>5}% "
            f"≤{r['duty_de_minimis']} {r['threshold_currency']} {r['valuation']} (as of {r['as_of']})"
        )


@rates_app.command("set")
def rates_set(
    country: str,
    org: str = typer.Option(..., "--org", help="The operator organisation."),
    mode: str = _MODE,
    vat_rate: str | None = typer.Option(None),
    duty_rate: str | None = typer.Option(None),
    vat_de_minimis: int | None = typer.Option(None),
    duty_de_minimis: int | None = typer.Option(None),
    valuation: str | None = typer.Option(None, help="CIF or FOB: the base duty is assessed on."),
    de_minimis_on: str | None = typer.Option(None, help="goods or customs_value."),
    source: str | None = typer.Option(None, help="Where the new figures come from."),
) -> None:
    """Change a country's rates (operator organisations only)."""
    caller = _caller(org, mode)
    fields = {
        "vat_rate": vat_rate,
        "duty_rate": duty_rate,
        "vat_de_minimis": vat_de_minimis,
        "duty_de_minimis": duty_de_minimis,
        "valuation": valuation,
        "de_minimis_on": de_minimis_on,
        "source": source,
    }
    _echo(_run(True, lambda s: import_rates.rate_data(import_rates.save_rate(s, caller, country, fields))))


@codes_app.command("list")
def codes_list(org: str = _ORG, mode: str = _MODE) -> None:
    """Each code: what it takes off, its minimum, window and uses."""
    caller = _caller(org, mode)
    for c in _run(False, lambda s: [discounts.code_data(x) for x in discounts.codes_of(s, caller)]):
        off = (
            f"{c['percent_off']}%"
            if c["kind"] == "percent"
            else ", ".join(f"{cur} {format_minor(amount, cur)}" for cur, amount in c["amounts_off"].items())
        )
        limit = f"/{c['usage_limit']}" if c["usage_limit"] else ""
        state = "" if c["active"] else " (off)"
        typer.echo(f"{c['code']:16} {off:>14}  used {c['times_used']}{limit}{state}  {c['id']}")


@codes_app.command("add")
def codes_add(
    code: str,
    org: str = _ORG,
    mode: str = _MODE,
    percent: str | None = typer.Option(None, help="Percent off the items (e.g. 10 or 12.5)."),
    amount: list[str] | None = typer.Option(None, "--amount", help="CUR:AMOUNT off, major units (repeat): JPY:500."),
    minimum: list[str] | None = typer.Option(None, "--minimum", help="CUR:AMOUNT minimum items (repeat)."),
    starts_at: int | None = typer.Option(None, help="Unix seconds."),
    ends_at: int | None = typer.Option(None, help="Unix seconds (exclusive)."),
    usage_limit: int | None = typer.Option(None, help="How many orders may use it."),
) -> None:
    """Add a code: --percent, or --amount per currency."""
    caller = _caller(org, mode)

    def pairs(values: list[str] | None) -> dict[str, str] | None:
        if not values:
            return None
        return {cur.strip().upper(): value.strip() for cur, _, value in (v.partition(":") for v in values)}

    fields: dict[str, Any] = {
        "code": code,
        "kind": "percent" if percent is not None else "fixed",
        "percent_off": percent,
        "amounts_off": pairs(amount),
        "min_subtotal": pairs(minimum),
        "starts_at": starts_at,
        "ends_at": ends_at,
        "usage_limit": usage_limit,
    }
    _echo(_run(True, lambda s: discounts.code_data(discounts.create_code(s, caller, fields))))


@codes_app.command("off")
def codes_off(code_id: str, org: str = _ORG, mode: str = _MODE) -> None:
    """Turn a code off (it stays on the orders that used it)."""
    caller = _caller(org, mode)
    _echo(_run(True, lambda s: discounts.code_data(discounts.update_code(s, caller, code_id, {"active": False}))))


COMMANDS = {"commerce": commerce_app}
