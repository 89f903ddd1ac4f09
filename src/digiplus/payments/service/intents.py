"""Payment intents with Stripe's lifecycle, owned by the merchant org.

``requires_payment_method`` → (``requires_confirmation``) → ``requires_action`` (a dynamic QR
is shown, or the payer must approve in the wallet: ``next_action.type`` says which) → authorised:
``requires_capture`` (manual capture) or ``succeeded`` (automatic); ``canceled``. A declined
attempt returns the intent to ``requires_payment_method`` with ``last_payment_error``. Wallet
payments are answered by the ledger at once; only a payment a guard parks (the sandbox's magic
amounts) waits in ``processing``, its amount held, until it settles (``service/processing.py``). Every intent row that moves money is
locked (``FOR UPDATE``) before its state is read, so two confirmations cannot both book.

The hot path (create, pay) writes intent rows with Core statements (``insert_intent``,
``write_intent``) rather than the ORM unit of work, and keeps the ORM object in the session in
step with what was written, so callers still get a ``PaymentIntent`` they can read (ADR 0011).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, insert, literal, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.db import utcnow
from digiplus.core.errors import InvalidRequest, ValidationFailed
from digiplus.core.events import emit, register_event_type
from digiplus.core.ids import id_for
from digiplus.core.money import check_minor, currency
from digiplus.core.tenancy import get_owned, scoped
from digiplus.ledger import TransferResult, create_transfers
from digiplus.payments.models import MerchantProfile, PaymentIntent
from digiplus.payments.service import books, charging
from digiplus.payments.service.errors import UnexpectedState
from digiplus.payments.service.merchants import get_profile

CREATED = register_event_type("payment_intent.created", "A payment intent was created.")
REQUIRES_ACTION = register_event_type(
    "payment_intent.requires_action",
    "A payment intent waits for the payer (a dynamic QR code is shown, or the payer must approve in the wallet).",
)
PROCESSING = register_event_type(
    "payment_intent.processing", "A payment is processing: its amount is held on the wallet until it settles."
)
CAPTURABLE = register_event_type(
    "payment_intent.amount_capturable_updated", "A manual-capture payment was authorised; the amount is held."
)
SUCCEEDED = register_event_type("payment_intent.succeeded", "A payment was captured.")
FAILED = register_event_type("payment_intent.payment_failed", "A payment attempt was declined; nothing moved.")
CANCELED = register_event_type("payment_intent.canceled", "A payment intent was canceled; any hold was released.")

PAYABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
CANCELABLE = (*PAYABLE, "requires_capture")
CANCELLATION_REASONS = ("duplicate", "fraudulent", "requested_by_customer", "abandoned")


def as_merchant(intent: PaymentIntent, acting: Caller) -> Caller:
    """The merchant org's system caller (events about its intent go to it), keeping the request id."""
    return replace(Caller.system(intent.org_id, intent.livemode), request_id=acting.request_id)


def new_intent(
    session: Session,
    profile: MerchantProfile,
    acting: Caller,
    *,
    amount: int,
    currency_code: str,
    capture_method: str = "automatic",
    description: str | None = None,
    metadata: dict[str, str] | None = None,
) -> PaymentIntent:
    check_minor(amount)
    cur = currency(currency_code).code
    if cur != profile.settlement_currency:
        raise InvalidRequest(
            f"This merchant takes payments in {profile.settlement_currency}; a visitor's wallet in another "
            "currency pays through an FX quote.",
            param="currency",
            code="currency_not_accepted",
        )
    if capture_method not in ("automatic", "manual"):
        raise ValidationFailed("capture_method is automatic or manual", param="capture_method")
    intent = insert_intent(
        session,
        {
            "id": id_for("payment_intent"),
            "org_id": profile.org_id,
            "livemode": profile.livemode,
            "created": utcnow(),
            "amount": amount,
            "currency": cur,
            "status": "requires_payment_method",
            "capture_method": capture_method,
            "description": description,
            "mcc": profile.mcc,
            "scenario": profile.scenario,
            "meta": metadata,
        },
    )
    emit(session, as_merchant(intent, acting), CREATED, intent_data(intent))
    return intent


_INTENTS = cast(Table, PaymentIntent.__table__)
_INSERT_INTENT = insert(_INTENTS)
_UPDATE_INTENT = update(_INTENTS).where(_INTENTS.c.id == bindparam("intent_id"))  # SET: the keys given
_COLUMN_OF = {"meta": "metadata"}  # attribute -> column, where they differ


def _new_intent_defaults() -> dict[str, Any]:
    """Every mapped attribute of a new intent: its column's scalar default, else None. Taken from the
    mapping, so that a column added later is set on the object too (an attribute left out would be
    loaded by a SELECT of its own the first time it is read)."""
    defaults: dict[str, Any] = {}
    for prop in sa_inspect(PaymentIntent).column_attrs:
        default = prop.columns[0].default
        defaults[prop.key] = default.arg if default is not None and default.is_scalar else None
    return defaults


_NEW_INTENT_DEFAULTS = _new_intent_defaults()


def insert_intent(session: Session, values: dict[str, Any]) -> PaymentIntent:
    """Insert an intent row with one Core statement and return it as a persistent ORM object (no flush)."""
    row = {**_NEW_INTENT_DEFAULTS, **values}
    # A column left out is SQL NULL, as the ORM wrote unset attributes (``meta`` is always given).
    session.execute(_INSERT_INTENT, {_COLUMN_OF.get(k, k): v for k, v in row.items() if v is not None or k == "meta"})
    intent = PaymentIntent(**row)
    make_transient_to_detached(intent)  # as if loaded: every attribute is the stored value
    session.add(intent)
    return intent


def write_intent(session: Session, intent: PaymentIntent, **changes: Any) -> None:
    """``UPDATE`` the intent's row with ``changes`` (attribute names) in one Core statement, and set
    them on the object as its stored values (nothing left for a flush to write)."""
    session.execute(_UPDATE_INTENT, {"intent_id": intent.id, **{_COLUMN_OF.get(k, k): v for k, v in changes.items()}})
    for name, value in changes.items():
        set_committed_value(intent, name, value)


def _insert_intent_from_profile() -> Any:
    """``INSERT … SELECT`` from the caller's merchant profile (MCC, scenario) when it settles in the
    intent's currency: the profile's read and the intent's write in one statement. Built once."""
    given = ["id", "org_id", "livemode", "created", "amount", "currency", "status", "capture_method"]
    given += ["description", "metadata"]
    defaults = {
        _COLUMN_OF.get(k, k): v
        for k, v in _NEW_INTENT_DEFAULTS.items()
        if v is not None and _COLUMN_OF.get(k, k) not in (*given, "mcc", "scenario")
    }
    profiles = cast(Table, MerchantProfile.__table__)
    values = [bindparam(name, type_=_INTENTS.c[name].type) for name in given]
    values += [literal(v, type_=_INTENTS.c[k].type) for k, v in defaults.items()]
    source = select(*values, profiles.c.mcc, profiles.c.scenario).where(
        profiles.c.org_id == bindparam("org_id"),
        profiles.c.livemode == bindparam("livemode"),
        profiles.c.settlement_currency == bindparam("currency"),
    )
    columns = [*given, *defaults, "mcc", "scenario"]
    return insert(_INTENTS).from_select(columns, source).returning(_INTENTS.c.mcc, _INTENTS.c.scenario)


_INSERT_INTENT_FROM_PROFILE = _insert_intent_from_profile()


def _create_in_one_statement(
    session: Session,
    caller: Caller,
    *,
    amount: int,
    currency_code: str,
    capture_method: str,
    description: str | None,
    metadata: dict[str, str] | None,
) -> PaymentIntent | None:
    """The usual case of ``create_intent`` in one statement; None when anything is irregular (the
    caller then takes the long way, which raises the right error)."""
    try:
        check_minor(amount)
        cur = currency(currency_code).code
    except ValidationFailed:
        return None
    if capture_method not in ("automatic", "manual"):
        return None
    values: dict[str, Any] = {
        "id": id_for("payment_intent"),
        "org_id": caller.org_id,
        "livemode": caller.livemode,
        "created": utcnow(),
        "amount": amount,
        "currency": cur,
        "status": "requires_payment_method",
        "capture_method": capture_method,
        "description": description,
        "meta": metadata,
    }
    params = {_COLUMN_OF.get(k, k): v for k, v in values.items()}
    row = session.execute(_INSERT_INTENT_FROM_PROFILE, params).first()
    if row is None:  # no profile, or it settles in another currency
        return None
    intent = PaymentIntent(**{**_NEW_INTENT_DEFAULTS, **values, "mcc": row.mcc, "scenario": row.scenario})
    make_transient_to_detached(intent)  # as if loaded: every attribute is the stored value
    session.add(intent)
    emit(session, as_merchant(intent, caller), CREATED, intent_data(intent))
    return intent


def create_intent(
    session: Session,
    caller: Caller,
    *,
    amount: int,
    currency_code: str,
    capture_method: str,
    description: str | None,
    metadata: dict[str, str] | None,
) -> PaymentIntent:
    """A merchant's new intent. The usual case reads the profile and writes the intent in one
    statement; otherwise the profile is read first and ``new_intent`` says what is wrong."""
    asked: dict[str, Any] = {
        "amount": amount,
        "currency_code": currency_code,
        "capture_method": capture_method,
        "description": description,
        "metadata": metadata,
    }
    intent = _create_in_one_statement(session, caller, **asked)
    if intent is None:
        intent = new_intent(session, get_profile(session, caller), caller, **asked)
    audit.record(
        session,
        caller,
        "payment_intent.created",
        "payment_intent",
        intent.id,
        after={"amount": amount, "currency": intent.currency},
    )
    return intent


def get_intent(session: Session, caller: Caller, intent_id: str, *, lock: bool = False) -> PaymentIntent:
    return get_owned(session, PaymentIntent, intent_id, caller, for_update=lock)


def intents_query(caller: Caller, status: str | None = None) -> Select[PaymentIntent]:
    stmt = scoped(PaymentIntent, caller)
    return stmt if status is None else stmt.where(PaymentIntent.status == status)


def recent_intents(
    session: Session, caller: Caller, *, status: str | None = None, limit: int = 20
) -> list[PaymentIntent]:
    """The caller's newest intents first (ids sort by creation time)."""
    return list(session.scalars(intents_query(caller, status).order_by(PaymentIntent.id.desc()).limit(limit)))


def capture(session: Session, caller: Caller, intent_id: str, amount_to_capture: int | None) -> PaymentIntent:
    """Post all or part of a manual-capture hold (the rest is released) and book the fee."""
    intent = get_intent(session, caller, intent_id, lock=True)
    if intent.status != "requires_capture":
        raise UnexpectedState(
            f"This payment intent is {intent.status}; only one in requires_capture can be captured.", param="id"
        )
    amount = intent.amount_capturable if amount_to_capture is None else amount_to_capture
    check_minor(amount, param="amount_to_capture")
    if amount > intent.amount_capturable:
        raise InvalidRequest(
            f"amount_to_capture ({amount}) is more than the amount capturable ({intent.amount_capturable}).",
            param="amount_to_capture",
            code="amount_too_large",
        )
    profile = get_profile(session, caller)
    items, fee, wallet_amount = charging.capture_items(intent, amount, profile.fee_plan)
    ledger_books = books.platform_books(session, caller.livemode, on_behalf_of=caller)
    outcomes = create_transfers(session, ledger_books, charging.chain(items))
    broke = charging.failure(outcomes)
    if broke is TransferResult.pending_transfer_expired:
        _mark_canceled(session, intent, caller, "authorization_expired")
        return intent
    if broke is not None:
        raise RuntimeError(f"capture of {intent.id}: {broke}")
    now = utcnow()
    intent.transfer_ids = {**(intent.transfer_ids or {}), **charging.transfer_ids(items)}
    intent.amount_received, intent.amount_capturable, intent.fee_amount = amount, 0, fee
    intent.wallet_amount, intent.captured_at, intent.status = wallet_amount, now, "succeeded"
    session.flush()
    emit(session, as_merchant(intent, caller), SUCCEEDED, intent_data(intent))
    audit.record(
        session,
        caller,
        "payment_intent.captured",
        "payment_intent",
        intent.id,
        before={"status": "requires_capture"},
        after={"status": "succeeded", "amount_received": amount, "fee": fee},
    )
    return intent


def cancel(session: Session, caller: Caller, intent_id: str, reason: str | None) -> PaymentIntent:
    """Cancel; a held authorisation is voided (released to the wallet)."""
    intent = get_intent(session, caller, intent_id, lock=True)
    if intent.status not in CANCELABLE:
        raise UnexpectedState(f"This payment intent is {intent.status}; it can no longer be canceled.", param="id")
    if reason is not None and reason not in CANCELLATION_REASONS:
        raise ValidationFailed(
            f"cancellation_reason is one of {', '.join(CANCELLATION_REASONS)}", param="cancellation_reason"
        )
    before = intent.status
    _mark_canceled(session, intent, caller, reason or "requested_by_customer")
    audit.record(
        session,
        caller,
        "payment_intent.canceled",
        "payment_intent",
        intent.id,
        before={"status": before},
        after={"status": "canceled"},
    )
    return intent


def _mark_canceled(session: Session, intent: PaymentIntent, caller: Caller, reason: str) -> None:
    if intent.status == "requires_capture":
        items = charging.void_items(intent)
        ledger_books = books.platform_books(session, intent.livemode, on_behalf_of=caller)
        broke = charging.failure(create_transfers(session, ledger_books, charging.chain(items)))
        if broke not in (None, TransferResult.pending_transfer_expired):
            raise RuntimeError(f"void of {intent.id}: {broke}")
        intent.transfer_ids = {**(intent.transfer_ids or {}), **charging.transfer_ids(items)}
    intent.status, intent.cancellation_reason, intent.canceled_at = "canceled", reason, utcnow()
    intent.amount_capturable, intent.wallet_amount, intent.next_action = 0, 0, None
    session.flush()
    emit(session, as_merchant(intent, caller), CANCELED, intent_data(intent))


def intent_data(p: PaymentIntent) -> dict[str, Any]:
    return {
        "id": p.id,
        "object": "payment_intent",
        "created": int(p.created.timestamp()),
        "livemode": p.livemode,
        "amount": p.amount,
        "currency": p.currency,
        "status": p.status,
        "capture_method": p.capture_method,
        "description": p.description,
        "metadata": p.meta or {},
        "mcc": p.mcc,
        "scenario": p.scenario,
        "amount_capturable": p.amount_capturable,
        "amount_received": p.amount_received,
        "amount_refunded": p.amount_refunded,
        "fee_amount": p.fee_amount,
        "payment_method_type": p.payment_method_type,
        "wallet_currency": p.wallet_currency,
        "wallet_amount": p.wallet_amount if p.payer_wallet_id else None,
        "fx_quote": p.fx_quote_id,
        "last_payment_error": p.last_payment_error,
        "next_action": p.next_action,
        "cancellation_reason": p.cancellation_reason,
        "canceled_at": int(p.canceled_at.timestamp()) if p.canceled_at else None,
        "captured_at": int(p.captured_at.timestamp()) if p.captured_at else None,
        "ledger_transfers": p.transfer_ids or {},
        "discount_amount": p.discount_amount or 0,
    }
