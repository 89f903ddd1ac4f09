"""Refunds at a terminal: allowed by a supervisor's PIN, booked by payments, linked to the terminal.

The PIN is checked (and a wrong one counted) in its own transaction first; only then does the
request's transaction refund. Any payment of the merchant may be refunded at any of its
terminals (a customer may come back to another counter); the refund counts in the totals of
the terminal that gave it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.db import Database
from digiplus.core.ids import id_for
from digiplus.payments import Refund, create_refund, refund_data
from digiplus.terminals.models import TerminalRefund
from digiplus.terminals.service.access import TerminalIdentity
from digiplus.terminals.service.supervisors import verify_pin


def refund_at_terminal(
    db: Database,
    session: Session,
    terminal: TerminalIdentity,
    intent_id: str,
    *,
    amount: int | None,
    supervisor_id: str,
    pin: str,
    reason: str | None,
) -> Refund:
    verify_pin(db, terminal.caller, supervisor_id, pin)
    refund = create_refund(
        session, terminal.caller, payment_intent_id=intent_id, amount=amount, reason=reason or "requested_by_customer"
    )
    link = TerminalRefund(
        id=id_for("terminal_refund"),
        org_id=terminal.org_id,
        livemode=terminal.livemode,
        terminal_id=terminal.terminal_id,
        refund_id=refund.id,
        payment_intent_id=intent_id,
        supervisor_id=supervisor_id,
        amount=refund.amount,
        currency=refund.currency,
    )
    session.add(link)
    session.flush()
    audit.record(
        session,
        terminal.caller,
        "terminal.refund_given",
        "refund",
        refund.id,
        after={
            "payment_intent": intent_id,
            "amount": refund.amount,
            "status": refund.status,
            "supervisor": supervisor_id,
        },
    )
    return refund


def terminal_refund_data(refund: Refund, terminal_id: str, supervisor_id: str) -> dict[str, Any]:
    return {**refund_data(refund), "terminal": terminal_id, "supervisor": supervisor_id}
