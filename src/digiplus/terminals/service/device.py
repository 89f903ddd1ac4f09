"""What a terminal asks about itself: who it is, its merchant, heartbeats, the QR code to show."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from digiplus.core.db import utcnow
from digiplus.core.errors import InvalidRequest
from digiplus.core.money import currency
from digiplus.payments import get_merchant_profile
from digiplus.payments import qr_svg as render_qr_svg
from digiplus.settings import get_settings
from digiplus.terminals.models import Terminal, TerminalSupervisor
from digiplus.terminals.service import fleet
from digiplus.terminals.service.access import TerminalIdentity
from digiplus.terminals.service.selling import find_sale, sale_data
from digiplus.terminals.service.supervisors import supervisors_query


def _row(session: Session, terminal: TerminalIdentity) -> Terminal:
    row = session.get(Terminal, terminal.terminal_id)
    if row is None:  # the signature check found it; terminals are never deleted
        raise InvalidRequest("No such terminal.", param="terminal")
    return row


def self_data(session: Session, terminal: TerminalIdentity) -> dict[str, Any]:
    profile = get_merchant_profile(session, terminal.caller)
    people = session.scalars(
        supervisors_query(terminal.caller, active_only=True).order_by(TerminalSupervisor.name)
    ).all()
    return {
        "object": "terminal_self",
        "terminal": fleet.terminal_data(_row(session, terminal)),
        "merchant_name": profile.display_name,
        "currency": profile.settlement_currency,
        "currency_exponent": currency(profile.settlement_currency).exponent,
        "supervisors": [{"id": s.id, "name": s.name} for s in people],
    }


def heartbeat(
    session: Session, terminal: TerminalIdentity, *, app_version: str | None, ip: str | None
) -> dict[str, Any]:
    row = fleet.heartbeat(session, _row(session, terminal), app_version=app_version, ip=ip)
    return {
        "object": "terminal_heartbeat",
        "terminal": fleet.terminal_data(row),
        "server_time": int(utcnow().timestamp()),
        "offline_after_seconds": get_settings().terminal_offline_after_seconds,
    }


def qr_svg(session: Session, terminal: TerminalIdentity, intent_id: str) -> str:
    data = sale_data(find_sale(session, terminal, intent_id=intent_id))
    payload = data["qr_payload"]
    if not payload:
        raise InvalidRequest(
            f"This payment is {data['status']}: it shows no QR code.", param="id", code="payment_not_waiting"
        )
    return render_qr_svg(payload, scale=10, border=2)
