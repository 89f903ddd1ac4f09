"""The payment guard: experiments' limits on live payments, and test mode's magic amounts.

Live: a payment to a merchant org with a running experiment is checked in the transaction
that books it (``payments.run_payment_guards``). Each limit is a conditional ``UPDATE … SET
used = used + :a WHERE used + :a <= limit`` checked by its row count — atomic under concurrency,
no read-decide-write. A failing limit gives back the shares already taken (compensating UPDATEs).
A refusal adds to ``refusals``, is audited and emitted, then raises ``PaymentRefused`` (402, the
payments module books nothing and commits the decline with our counters).

Should the ledger then decline the payment (the wallet lacks the money), ``_give_back`` returns
the shares in the same transaction (``PaymentContext.on_decline``).

Test: an amount in the reserved magic range (900.00–900.99, see ``MAGIC_AMOUNTS``) is declined,
waits for the payer's approval, or processes (``PaymentParked``). Live payments never look at it.
"""

from __future__ import annotations

from typing import Any, NoReturn

from sqlalchemy import BigInteger, String, Table, bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.db import utcnow
from digiplus.core.events import emit
from digiplus.core.ids import id_for
from digiplus.payments import PaymentContext, PaymentRefused, register_payment_guard
from digiplus.sandbox.models import Experiment, ExperimentPayment, Participant
from digiplus.sandbox.service.common import EVENTS, RUNNING
from digiplus.sandbox.service.experiments import suspend_row
from digiplus.sandbox.service.magic import test_mode_magic

MESSAGES = {
    "experiment_period_ended": "The sandbox experiment's period is over; it is suspended.",
    "experiment_disclosure_not_accepted": "The payer has not accepted this sandbox experiment's disclosure.",
    "experiment_transaction_limit_exceeded": "The payment is over the experiment's per-transaction limit.",
    "experiment_participant_count_exceeded": "The experiment already has its maximum number of participants.",
    "experiment_participant_limit_exceeded": "The payment would pass the experiment's per-participant limit.",
    "experiment_exposure_limit_exceeded": "The payment would pass the experiment's total exposure limit.",
}


class _Over(Exception):
    def __init__(self, code: str) -> None:
        self.code = code


# Core statements on the tables, built once: the guard runs inside every live payment, and the
# ORM's per-statement work (its bulk-update and bulk-insert paths) cost more than the SQL itself.
_EXPERIMENTS: Table = Experiment.__table__  # type: ignore[assignment]
_PARTICIPANTS: Table = Participant.__table__  # type: ignore[assignment]
_PAYMENTS: Table = ExperimentPayment.__table__  # type: ignore[assignment]


def _find_statement() -> Any:
    """The merchant's running experiment (the columns the guard needs) and the payer's
    participation, in one statement."""
    e, p = _EXPERIMENTS.c, _PARTICIPANTS.c
    payer, merchant = bindparam("payer", type_=String()), bindparam("merchant", type_=String())
    return (
        select(
            e.id,
            e.org_id,
            e.ends_at,
            e.limit_per_transaction,
            e.limit_per_participant,
            p.id.label("participant_id"),
            p.counted,
        )
        .select_from(_EXPERIMENTS.outerjoin(_PARTICIPANTS, (p.experiment_id == e.id) & (p.org_id == payer)))
        .where(e.org_id == merchant, e.livemode.is_(True), e.status.in_(RUNNING))
        .limit(1)
    )


_FIND = _find_statement()


def _rows(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _amount() -> Any:
    return bindparam("amount", type_=BigInteger())


def _take_experiment(first: bool) -> Any:
    e = _EXPERIMENTS.c
    over = e.exposure_used + _amount() > e.limit_total_exposure
    if first:
        over = over | (e.participants_used + 1 > e.limit_participants)
    return (
        update(_EXPERIMENTS)
        .where(e.id == bindparam("eid", type_=String()), ~over)
        .values(
            exposure_used=e.exposure_used + _amount(),
            payments_count=e.payments_count + 1,
            participants_used=e.participants_used + (1 if first else 0),
        )
    )


# The conditional UPDATEs: each takes its share only under its limit.
_TAKE_PARTICIPANT = (
    update(_PARTICIPANTS)
    .where(
        _PARTICIPANTS.c.id == bindparam("pid", type_=String()),
        _PARTICIPANTS.c.used + _amount() <= bindparam("limit", type_=BigInteger()),
    )
    .values(used=_PARTICIPANTS.c.used + _amount(), counted=True)
)
_TAKE_EXPERIMENT = {True: _take_experiment(True), False: _take_experiment(False)}
_LOG = insert(_PAYMENTS)


def _return_participant_share(connection: Connection, e: Any, amount: int) -> None:
    """Undo ``_TAKE_PARTICIPANT`` (a payer who was not counted before is not counted again)."""
    p = _PARTICIPANTS.c
    connection.execute(
        update(_PARTICIPANTS).where(p.id == e.participant_id).values(used=p.used - amount, counted=bool(e.counted))
    )


def _reserve(session: Session, e: Any, amount: int) -> None:
    """Each conditional UPDATE takes its share only under its limit; a later refusal gives the
    earlier share back (same transaction; our UPDATE holds the row)."""
    first = not e.counted
    connection = session.connection()
    params = {"pid": e.participant_id, "amount": amount, "limit": e.limit_per_participant}
    if _rows(connection.execute(_TAKE_PARTICIPANT, params)) != 1:
        raise _Over("experiment_participant_limit_exceeded")
    if _rows(connection.execute(_TAKE_EXPERIMENT[first], {"eid": e.id, "amount": amount})) == 1:
        return
    _return_participant_share(connection, e, amount)
    current = connection.execute(
        select(_EXPERIMENTS.c.participants_used, _EXPERIMENTS.c.limit_participants).where(_EXPERIMENTS.c.id == e.id)
    ).one()
    if first and current[0] + 1 > current[1]:
        raise _Over("experiment_participant_count_exceeded")
    raise _Over("experiment_exposure_limit_exceeded")


def _log(session: Session, e: Any, context: PaymentContext, outcome: str, code: str | None) -> str:
    row_id = id_for("experiment_payment")
    session.connection().execute(
        _LOG,
        {
            "id": row_id,
            "experiment_id": e.id,
            "payment_intent_id": context.intent_id,
            "participant_org_id": context.payer_org_id,
            "amount_twd": context.amount_twd,
            "outcome": outcome,
            "code": code,
            "created": utcnow(),
        },
    )
    return row_id


def _refuse(session: Session, e: Any, context: PaymentContext, code: str) -> NoReturn:
    session.execute(update(Experiment).where(Experiment.id == e.id).values(refusals=Experiment.refusals + 1))
    _log(session, e, context, "refused", code)
    system = Caller.system(e.org_id, True)
    audit.record(
        session,
        system,
        "experiment.payment_refused",
        "experiment",
        e.id,
        after={
            "payment_intent": context.intent_id,
            "payer": context.payer_org_id,
            "amount_twd": context.amount_twd,
            "code": code,
        },
    )
    emit(
        session,
        system,
        EVENTS["payment_refused"],
        {"experiment": e.id, "payment_intent": context.intent_id, "amount_twd": context.amount_twd, "code": code},
    )
    raise PaymentRefused(MESSAGES[code], code=code, param="amount")


def sandbox_guard(session: Session, context: PaymentContext) -> None:
    if not context.livemode:
        test_mode_magic(context)
        return
    e = (
        session.connection()
        .execute(_FIND, {"merchant": context.merchant_org_id, "payer": context.payer_org_id})
        .first()
    )
    if e is None:
        return
    if e.ends_at is not None and e.ends_at <= utcnow():
        row = session.get(Experiment, e.id, with_for_update=True)
        if row is not None:
            suspend_row(session, Caller.system(e.org_id, True), row, "period_ended")
        _refuse(session, e, context, "experiment_period_ended")
    if e.participant_id is None:
        _refuse(session, e, context, "experiment_disclosure_not_accepted")
    if context.amount_twd > e.limit_per_transaction:
        _refuse(session, e, context, "experiment_transaction_limit_exceeded")
    try:
        _reserve(session, e, context.amount_twd)
    except _Over as over:
        _refuse(session, e, context, over.code)
    logged = _log(session, e, context, "accepted", None)
    context.on_decline(lambda s: _give_back(s, e, context.amount_twd, logged))


def _give_back(session: Session, e: Any, amount: int, logged: str) -> None:
    """The ledger declined the payment after ``_reserve`` took its shares (the wallet lacked the
    money): put both shares back and drop the 'accepted' row, in the payment's transaction."""
    first = not e.counted
    connection = session.connection()
    x = _EXPERIMENTS.c
    _return_participant_share(connection, e, amount)
    connection.execute(
        update(_EXPERIMENTS)
        .where(x.id == e.id)
        .values(
            exposure_used=x.exposure_used - amount,
            payments_count=x.payments_count - 1,
            participants_used=x.participants_used - (1 if first else 0),
        )
    )
    connection.execute(delete(_PAYMENTS).where(_PAYMENTS.c.id == logged))


register_payment_guard(sandbox_guard)
