"""Taking payments at a terminal: a dynamic QR for an amount, or the consumer's payment code.

Every payment is keyed by the terminal's ``client_reference`` (one per sale, chosen by the
terminal before it sends anything). The link row is inserted first and its key is unique, so
asking again with the same reference, after a lost connection or from a retry running at the
same moment, answers the payment made the first time: never a second intent, never a second
charge. Payments themselves are made through the payments module's public surface.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.db import utcnow
from digiplus.core.errors import Conflict, InvalidRequest, NotFound
from digiplus.core.ids import id_for
from digiplus.core.money import check_minor
from digiplus.payments import (
    PaymentDeclined,
    PaymentIntent,
    cancel_intent,
    confirm_intent,
    create_intent,
    get_intent,
    get_merchant_profile,
)
from digiplus.terminals.models import TerminalPayment
from digiplus.terminals.service.access import TerminalIdentity

METHODS = ("qr", "payment_code")
WAITING = ("requires_payment_method", "requires_confirmation", "requires_action", "processing")
_LINKS: Table = TerminalPayment.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class Sale:
    """A terminal payment and its intent; ``declined`` when this very request's charge was refused;
    ``replayed`` when the client reference was known and nothing new was done."""

    link: TerminalPayment
    intent: PaymentIntent
    declined: PaymentDeclined | None = None
    replayed: bool = False


def _claim(session: Session, terminal: TerminalIdentity, reference: str, method: str, amount: int, cur: str) -> bool:
    values = {
        "id": id_for("terminal_payment"),
        "org_id": terminal.org_id,
        "livemode": terminal.livemode,
        "created": utcnow(),
        "terminal_id": terminal.terminal_id,
        "client_reference": reference,
        "payment_intent_id": None,
        "method": method,
        "amount": amount,
        "currency": cur,
    }
    if session.get_bind().dialect.name == "postgresql":
        stmt: Any = postgresql.insert(_LINKS).values(**values).on_conflict_do_nothing()
    else:
        stmt = sqlite.insert(_LINKS).values(**values).on_conflict_do_nothing()
    # RETURNING, not rowcount: psycopg reports -1 rows for INSERT … ON CONFLICT DO NOTHING.
    return session.execute(stmt.returning(_LINKS.c.id)).first() is not None


def _link_by_reference(session: Session, terminal: TerminalIdentity, reference: str) -> TerminalPayment | None:
    return session.scalars(
        select(TerminalPayment)
        .where(TerminalPayment.terminal_id == terminal.terminal_id, TerminalPayment.client_reference == reference)
        .with_for_update()
    ).one_or_none()


def take_payment(
    session: Session,
    terminal: TerminalIdentity,
    *,
    client_reference: str,
    amount: int,
    method: str,
    payment_code: str | None,
    description: str | None,
) -> Sale:
    """Show a dynamic QR for ``amount`` (``method="qr"``) or charge ``payment_code`` at once."""
    check_minor(amount)
    if method not in METHODS:
        raise InvalidRequest("method is qr or payment_code", param="method")
    if (method == "payment_code") != (payment_code is not None):
        raise InvalidRequest("payment_code is given with method payment_code, and only then.", param="payment_code")
    caller = terminal.caller
    profile = get_merchant_profile(session, caller)
    if not _claim(session, terminal, client_reference, method, amount, profile.settlement_currency):
        link = _link_by_reference(session, terminal, client_reference)
        if link is None or link.payment_intent_id is None:  # the unique key and one transaction make this impossible
            raise Conflict("This client_reference is being used by another request.", param="client_reference")
        if link.amount != amount or link.method != method:
            raise Conflict(
                "This client_reference was used for another sale (amount or method differ); "
                "use a new reference for a new sale.",
                param="client_reference",
                code="client_reference_reused",
            )
        return Sale(link, get_intent(session, caller, link.payment_intent_id), replayed=True)
    link = _link_by_reference(session, terminal, client_reference)
    if link is None:  # inserted just now, in this transaction
        raise RuntimeError(f"terminal payment {client_reference!r} vanished inside its own transaction")
    intent = create_intent(
        session,
        caller,
        amount=amount,
        currency_code=profile.settlement_currency,
        capture_method="automatic",
        description=description,
        metadata={"terminal": terminal.terminal_id, "client_reference": client_reference},
    )
    link.payment_intent_id = intent.id
    session.flush()
    spec = {"type": "qr"} if method == "qr" else {"type": "payment_code", "code": payment_code}
    attempt = confirm_intent(session, caller, intent.id, spec)
    audit.record(
        session,
        caller,
        "terminal.payment_started",
        "terminal_payment",
        link.id,
        after={"payment_intent": intent.id, "amount": amount, "method": method, "status": attempt.intent.status},
    )
    return Sale(link, attempt.intent, declined=attempt.declined)


def find_sale(
    session: Session, terminal: TerminalIdentity, *, intent_id: str | None = None, reference: str | None = None
) -> Sale:
    """One of this terminal's payments, by intent id or by its client reference."""
    stmt = select(TerminalPayment).where(
        TerminalPayment.terminal_id == terminal.terminal_id,
        TerminalPayment.org_id == terminal.org_id,
        TerminalPayment.livemode == terminal.livemode,
        TerminalPayment.payment_intent_id.is_not(None),
    )
    if intent_id is not None:
        stmt = stmt.where(TerminalPayment.payment_intent_id == intent_id)
    elif reference is not None:
        stmt = stmt.where(TerminalPayment.client_reference == reference)
    else:
        raise InvalidRequest("Give a payment id or a client_reference.", param="client_reference")
    link = session.scalars(stmt).one_or_none()
    if link is None or link.payment_intent_id is None:
        what = intent_id if intent_id is not None else f"client_reference {reference}"
        raise NotFound(f"This terminal took no payment '{what}'.", param="id" if intent_id else "client_reference")
    return Sale(link, get_intent(session, terminal.caller, link.payment_intent_id))


def charge_code(session: Session, terminal: TerminalIdentity, intent_id: str, payment_code: str) -> Sale:
    """Charge a payment code on one of this terminal's waiting payments (after a decline, or when the
    customer shows a code instead of scanning the QR)."""
    sale = find_sale(session, terminal, intent_id=intent_id)
    attempt = confirm_intent(session, terminal.caller, sale.intent.id, {"type": "payment_code", "code": payment_code})
    return Sale(sale.link, attempt.intent, declined=attempt.declined)


def cancel_sale(session: Session, terminal: TerminalIdentity, intent_id: str) -> Sale:
    sale = find_sale(session, terminal, intent_id=intent_id)
    intent = cancel_intent(session, terminal.caller, sale.intent.id, "abandoned")
    return Sale(sale.link, intent)


def sale_data(sale: Sale) -> dict[str, Any]:
    p, link = sale.intent, sale.link
    waiting = p.status in WAITING
    action = p.next_action or {}
    payload = (action.get("display_qr_code") or {}).get("data") if waiting else None
    return {
        "object": "terminal_payment",
        "id": p.id,
        "terminal_payment": link.id,
        "created": int(link.created.timestamp()),
        "livemode": link.livemode,
        "terminal": link.terminal_id,
        "client_reference": link.client_reference,
        "method": link.method,
        "amount": p.amount,
        "currency": p.currency,
        "status": p.status,
        "qr_payload": payload if isinstance(payload, str) else None,
        "amount_received": p.amount_received,
        "amount_refunded": p.amount_refunded,
        "wallet_amount": p.wallet_amount if p.payer_wallet_id else None,
        "wallet_currency": p.wallet_currency,
        "last_payment_error": p.last_payment_error,
        "captured_at": int(p.captured_at.timestamp()) if p.captured_at else None,
        "canceled_at": int(p.canceled_at.timestamp()) if p.canceled_at else None,
        "replayed": sale.replayed,
    }
