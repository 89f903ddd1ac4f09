"""What the merchant's fleet page shows: every terminal with its connection, last sighting and today's
sales; the supervisors; whether the org can have terminals at all (a merchant profile)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.core.db import utcnow
from digiplus.core.errors import NotFound
from digiplus.payments import get_merchant_profile, taipei_date
from digiplus.terminals.models import Terminal, TerminalSupervisor
from digiplus.terminals.service import fleet, supervisors, totals


@dataclass(frozen=True, slots=True)
class FleetRow:
    terminal: Terminal
    connection: str
    count: int
    gross: int
    refunds: int


@dataclass(frozen=True, slots=True)
class Fleet:
    currency: str | None  # None: the org has no merchant profile yet
    day: date
    rows: list[FleetRow]
    supervisors: list[TerminalSupervisor]

    @property
    def online(self) -> int:
        return sum(1 for r in self.rows if r.connection == "online")

    @property
    def total_gross(self) -> int:
        return sum(r.gross for r in self.rows)


def fleet_overview(session: Session, caller: Caller) -> Fleet:
    try:
        currency: str | None = get_merchant_profile(session, caller).settlement_currency
    except NotFound:
        currency = None
    now = utcnow()
    day = taipei_date(now)
    today = totals.fleet_today(session, caller, day)
    terminals = list(session.scalars(fleet.terminals_query(caller).order_by(Terminal.name, Terminal.id)))
    rows = []
    for t in terminals:
        figures = today.get(t.id, {"count": 0, "gross": 0, "refunds": 0})
        rows.append(FleetRow(t, fleet.connection(t, now), figures["count"], figures["gross"], figures["refunds"]))
    people = list(session.scalars(supervisors.supervisors_query(caller).order_by(TerminalSupervisor.name)))
    return Fleet(currency, day, rows, people)


def terminal_page_data(session: Session, caller: Caller, terminal_id: str, day: date | None) -> dict[str, Any]:
    terminal = fleet.get_terminal(session, caller, terminal_id)
    return {
        "terminal": terminal,
        "connection": fleet.connection(terminal),
        "totals": totals.terminal_totals(session, caller, terminal_id, day),
    }
