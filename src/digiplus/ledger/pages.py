"""Web pages of the ledger: the account list, and an account with its balance history and transfers."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from typing import Annotated

from fastapi import Path, Query
from starlette.responses import Response

from digiplus.core.api.deps import SessionDep
from digiplus.core.api.pagination import ListParams
from digiplus.core.money import CURRENCIES, display_amount
from digiplus.core.permissions import require
from digiplus.ledger.schemas import ID_PATTERN
from digiplus.ledger.service import edges, reads
from digiplus.web.deps import CallerDep, PageDep
from digiplus.web.errors import page_router
from digiplus.web.i18n import DISPLAY_TIMEZONE, N_
from digiplus.web.shell import NavItem, PageContext, page_response

router = page_router()
NAV = (NavItem(N_("Ledger"), "/ledger", "ledger", order=30),)
Cursor = Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)]


def minor_digits(ledger: str) -> int:
    """Digits after the point of an ISO 4217 ledger (TWD 2, JPY 0, KWD 3); 0 for units such as points."""
    cur = CURRENCIES.get(ledger)
    return cur.exponent if cur else 0


format_amount = display_amount


# Flags and pending states as a person reads them (the API keeps TigerBeetle's names).
FLAG_LABELS = {
    "linked": N_("linked"),
    "debits_must_not_exceed_credits": N_("debits must not exceed credits"),
    "credits_must_not_exceed_debits": N_("credits must not exceed debits"),
    "history": N_("history"),
    "closed": N_("closed"),
    "pending": N_("pending"),
    "post_pending_transfer": N_("posts a pending transfer"),
    "void_pending_transfer": N_("voids a pending transfer"),
    "balancing_debit": N_("balancing debit"),
    "balancing_credit": N_("balancing credit"),
    "posted": N_("posted"),
    "voided": N_("voided"),
    "expired": N_("expired"),
}


def _flag_label(page: PageContext, name: str) -> str:
    label = FLAG_LABELS.get(name)
    return page.gettext(label) if label else name


def _wall_clock(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(DISPLAY_TIMEZONE).replace(tzinfo=None).isoformat()


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
        {
            "accounts": listing["data"],
            "has_more": listing["has_more"],
            "amount": _amount_formatter(page.locale),
            "flag_label": partial(_flag_label, page),
        },
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
    # Times are Taipei wall-clock times without an offset, so the browser's own zone does not shift them.
    scale = Decimal(1).scaleb(-minor_digits(account.ledger))
    posted, pending = (
        page.gettext(N_("Posted balance (credits − debits)")),
        page.gettext(N_("Pending (credits − debits)")),
    )
    points = [
        {"time": _wall_clock(p.created), "transfer": p.transfer_id, "series": series, "value": float(value * scale)}
        for p in history
        for series, value in (
            (posted, p.balance.net_credit),
            (pending, p.balance.credits_pending - p.balance.debits_pending),
        )
    ]
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": "container",
        "height": 220,
        "data": {"values": points},
        "mark": {"type": "line", "interpolate": "step-after", "point": True},
        "encoding": {
            "x": {
                "field": "time",
                "type": "temporal",
                "title": None,
                "axis": {"format": "%-m/%-d", "labelAngle": 0, "labelOverlap": "greedy"},
            },
            "y": {"field": "value", "type": "quantitative", "title": account.ledger},
            "color": {
                "field": "series",
                "type": "nominal",
                "title": None,
                "legend": {"orient": "bottom"},
                "scale": {"domain": [posted, pending], "range": ["#1f5f8b", "#e8890c"]},
            },
            "tooltip": [
                {"field": "transfer"},
                {"field": "value", "format": f",.{minor_digits(account.ledger)}f"},
                {"field": "time", "type": "temporal", "format": "%Y-%m-%d %H:%M"},
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
            "flag_label": partial(_flag_label, page),
        },
    )
