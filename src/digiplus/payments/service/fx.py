"""FX quotes for visitors' wallets paying in another currency, behind ``core.money.FxRateSource``.

``TableRateSource`` (``DIGIPLUS_FX_RATE_SOURCE=table``) holds reference mid rates: TWD per one
unit of each currency, rounded from the Bank of Taiwan's published spot rates around
2025-06-30 (mid of buying and selling). They are for demos, tests and the sandbox; a live
feed plugs in behind the same protocol.

A quote fixes the rate for ``DIGIPLUS_FX_QUOTE_TTL_SECONDS`` (60 by default): the payer gets
the mid rate less ``DIGIPLUS_FX_SPREAD_BPS`` (150 bp), and the amount taken from their wallet
is rounded *up* to their currency's minor unit, so the platform never loses on rounding.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_UP, Decimal

from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.db import utcnow
from digiplus.core.errors import InvalidRequest, ValidationFailed
from digiplus.core.ids import id_for
from digiplus.core.money import FxRate, FxRateSource, check_minor, convert, currency
from digiplus.core.tenancy import get_owned
from digiplus.payments.models import FxQuote
from digiplus.payments.service import books
from digiplus.payments.service.errors import Expired
from digiplus.settings import get_settings

TABLE_SOURCE = "digiplus reference table (Bank of Taiwan spot mid rates, 2025-06-30, rounded)"
TABLE_AS_OF = datetime(2025, 6, 30, 8, 0, tzinfo=UTC)
# TWD per 1 unit of the currency (major units).
TWD_PER_UNIT: dict[str, Decimal] = {
    "TWD": Decimal(1),
    "USD": Decimal("29.20"),
    "EUR": Decimal("34.30"),
    "GBP": Decimal("40.05"),
    "JPY": Decimal("0.2025"),
    "KRW": Decimal("0.02155"),
    "CNY": Decimal("4.075"),
    "HKD": Decimal("3.720"),
    "SGD": Decimal("22.93"),
    "MYR": Decimal("6.93"),
    "THB": Decimal("0.8980"),
    "VND": Decimal("0.001118"),
    "IDR": Decimal("0.001800"),
    "PHP": Decimal("0.5180"),
    "INR": Decimal("0.3410"),
    "AUD": Decimal("19.15"),
    "CAD": Decimal("21.40"),
}


class TableRateSource:
    """Mid rates from the table above, crossed through TWD."""

    name = TABLE_SOURCE

    def rate(self, base: str, quote: str) -> FxRate:
        for code, param in ((base, "sell_currency"), (quote, "buy_currency")):
            if code not in TWD_PER_UNIT:
                raise ValidationFailed(
                    f"No exchange rate for {code}; supported: {', '.join(sorted(TWD_PER_UNIT))}",
                    param=param,
                    code="currency_not_supported",
                )
        return FxRate(base, quote, TWD_PER_UNIT[base] / TWD_PER_UNIT[quote], self.name, TABLE_AS_OF)


def rate_source() -> FxRateSource:
    name = get_settings().fx_rate_source
    if name == "table":
        return TableRateSource()
    raise RuntimeError(f"unknown DIGIPLUS_FX_RATE_SOURCE {name!r}")


def twd_equivalent(amount: int, code: str) -> int:
    """``amount`` minor units of ``code`` in TWD minor units at the mid rate (for the wallet limits)."""
    if code == "TWD":
        return amount
    return convert(amount, rate_source().rate(code, "TWD").rate, code, "TWD")


def price(sell_currency: str, buy_currency: str, buy_amount: int) -> tuple[FxRate, Decimal, int]:
    """(mid rate, the payer's rate: mid less the spread, what the payer pays in ``sell_currency``,
    rounded up to its minor unit) for ``buy_amount`` of ``buy_currency``; stores nothing."""
    mid = rate_source().rate(sell_currency, buy_currency)  # buy units per sell unit
    rate = mid.rate * (Decimal(10_000 - get_settings().fx_spread_bps) / 10_000)
    return mid, rate, convert(buy_amount, 1 / rate, buy_currency, sell_currency, rounding=ROUND_UP)


def build_quote(
    session: Session, caller: Caller, sell_currency: str, buy_currency: str, buy_amount: int, *, now: datetime | None
) -> FxQuote:
    """Price ``buy_amount`` (minor units of ``buy_currency``) in ``sell_currency``; stores the quote."""
    sell_currency = currency(sell_currency, param="sell_currency").code
    buy_currency = currency(buy_currency, param="buy_currency").code
    check_minor(buy_amount, param="buy_amount")
    if sell_currency == buy_currency:
        raise ValidationFailed("sell_currency and buy_currency are the same; no exchange needed", param="buy_currency")
    settings = get_settings()
    now = now or utcnow()
    mid, rate, sell_amount = price(sell_currency, buy_currency, buy_amount)
    quote = FxQuote(
        id=id_for("fx_quote"),
        org_id=caller.org_id,
        livemode=caller.livemode,
        created=now,
        sell_currency=sell_currency,
        sell_amount=sell_amount,
        buy_currency=buy_currency,
        buy_amount=buy_amount,
        mid_rate=rate_text(mid.rate),
        rate=rate_text(rate),
        spread_bps=settings.fx_spread_bps,
        source=mid.source,
        rate_as_of=mid.as_of,
        expires_at=now + timedelta(seconds=settings.fx_quote_ttl_seconds),
    )
    session.add(quote)
    session.flush()
    ledger_books = books.platform_books(session, caller.livemode, on_behalf_of=caller)
    books.ensure_accounts(session, ledger_books, books.fx_accounts(sell_currency, buy_currency))
    return quote


def create_quote(session: Session, caller: Caller, sell_currency: str, buy_currency: str, buy_amount: int) -> FxQuote:
    quote = build_quote(session, caller, sell_currency, buy_currency, buy_amount, now=None)
    audit.record(
        session,
        caller,
        "fx_quote.created",
        "fx_quote",
        quote.id,
        after={"sell": [quote.sell_currency, quote.sell_amount], "buy": [quote.buy_currency, quote.buy_amount]},
    )
    return quote


def get_quote(session: Session, caller: Caller, quote_id: str) -> FxQuote:
    return get_owned(session, FxQuote, quote_id, caller)


def usable_quote(
    session: Session, caller: Caller, quote_id: str, *, sell_currency: str, buy_currency: str, buy_amount: int
) -> FxQuote:
    """The caller's quote, locked, unexpired, unused and for exactly this exchange."""
    quote = get_owned(session, FxQuote, quote_id, caller, for_update=True, param="fx_quote")
    if quote.payment_intent_id is not None:
        raise InvalidRequest(f"The FX quote {quote.id} was used already.", param="fx_quote", code="fx_quote_used")
    if quote.expires_at <= utcnow():
        raise Expired(
            f"The FX quote {quote.id} expired at {quote.expires_at.isoformat()}; ask for a new one.",
            param="fx_quote",
            code="fx_quote_expired",
        )
    if (quote.sell_currency, quote.buy_currency, quote.buy_amount) != (sell_currency, buy_currency, buy_amount):
        raise InvalidRequest(
            f"The FX quote {quote.id} is for {quote.buy_amount} {quote.buy_currency} from {quote.sell_currency}, "
            f"not {buy_amount} {buy_currency} from {sell_currency}.",
            param="fx_quote",
            code="fx_quote_mismatch",
        )
    return quote


def rate_text(value: Decimal) -> str:
    return format(value.normalize() if value == value.to_integral() else round(value, 12).normalize(), "f")
