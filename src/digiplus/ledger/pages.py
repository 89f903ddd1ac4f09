"""Web pages of the ledger: the account list, and an account with its balance history and transfers."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from typing import Annotated

from babel.numbers import format_decimal, get_currency_precision, is_currency
from fastapi import Path, Query
from starlette.responses import Response

from digiplus.core.api.deps import SessionDep
from digiplus.core.api.pagination import ListParams
from digiplus.core.permissions import require
from digiplus.ledger.schemas import ID_PATTERN
from digiplus.ledger.service import edges, reads
from digiplus.web.deps import CallerDep, PageDep
from digiplus.web.errors import page_router
from digiplus.web.i18n import N_
from digiplus.web.shell import NavItem, page_response

router = page_router()
NAV = (NavItem(N_("Ledger"), "/ledger", "ledger", order=30),)
Cursor = Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)]


def _is_iso_currency(ledger: str) -> bool:
    return len(ledger) == 3 and is_currency(ledger)


def minor_digits(ledger: str) -> int:
    """Digits after the point of an ISO 4217 ledger (TWD 2, JPY 0, KWD 3); 0 for units such as points."""
    return get_currency_precision(ledger) if _is_iso_currency(ledger) else 0


def format_amount(amount: int, ledger: str, *, locale: str, signed: bool = False) -> str:
    """An amount in minor units as a person reads it: ``TWD 1,234.50``, ``JPY 4,800``; points as ``1,234``."""
    digits = minor_digits(ledger)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    number = format_decimal(Decimal(abs(amount)).scaleb(-digits), format=pattern, locale=locale)
    sign = "−" if amount < 0 else ("+" if signed and amount > 0 else "")
    return f"{ledger} {sign}{number}" if _is_iso_currency(ledger) else f"{sign}{number}"


def _amount_formatter(locale: str) -> Callable[..., str]:
    return partial(format_amount, locale=locale)


@router.get("/ledger")
@router.get("/ledger/accounts")
def accounts_page(session: SessionDep, page: PageDep, caller: CallerDep, starting_after: Cursor = None) -> Response:
    require(caller.role, "ledger.read")
    page.section = "ledger"
    listing = edges.api_list_accounts(session, caller, ListParams(limit=50, starting_after=starting_after), None)
    return page_response(
        page,
        "ledger/accounts.html",
        {"accounts": listing["data"], "has_more": listing["has_more"], "amount": _amount_formatter(page.locale)},
    )


@router.get("/ledger/accounts/{account_id}")
def account_page(
    account_id: Annotated[str, Path(max_length=64, pattern=ID_PATTERN)],
    session: SessionDep,
    page: PageDep,
    caller: CallerDep,
    starting_after: Cursor = None,
) -> Response:
    require(caller.role, "ledger.read")
    page.section = "ledger"
    account = edges.api_get_account(session, caller, account_id)
    history = reads.balance_history(session, caller, account_id, limit=500)
    transfers = edges.api_account_transfers(
        session, caller, account_id, ListParams(limit=50, starting_after=starting_after), None, None
    )
    # The chart shows major units (TWD 1,234.50 as 1234.5): display only, the ledger keeps integers.
    scale = Decimal(1).scaleb(-minor_digits(account.ledger))
    points = [
        {"time": p.created.isoformat(), "transfer": p.transfer_id, "series": series, "value": float(value * scale)}
        for p in history
        for series, value in (
            (page.gettext(N_("Posted balance (credits − debits)")), p.balance.net_credit),
            (page.gettext(N_("Pending (credits − debits)")), p.balance.credits_pending - p.balance.debits_pending),
        )
    ]
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": "container",
        "height": 220,
        "data": {"values": points},
        "mark": {"type": "line", "interpolate": "step-after", "point": True},
        "encoding": {
            "x": {"field": "time", "type": "temporal", "title": None},
            "y": {"field": "value", "type": "quantitative", "title": account.ledger},
            "color": {"field": "series", "type": "nominal", "title": None, "legend": {"orient": "bottom"}},
            "tooltip": [
                {"field": "transfer"},
                {"field": "value", "format": f",.{minor_digits(account.ledger)}f"},
                {"field": "time", "type": "temporal"},
            ],
        },
    }
    return page_response(
        page,
        "ledger/account.html",
        {
            "account": account,
            "transfers": transfers["data"],
            "has_more": transfers["has_more"],
            "times": {t.id: datetime.fromtimestamp(t.created, UTC) for t in transfers["data"]},
            "history": history,
            "chart_spec": json.dumps(spec),
            "amount": _amount_formatter(page.locale),
        },
    )
