"""The payment guard: experiments' limits on live payments, and test mode's magic amounts.

Live: a payment to a merchant org with a running experiment is checked in the transaction
that books it (``payments.run_payment_guards``). Each limit is a conditional ``UPDATE … SET
used = used + :a WHERE used + :a <= limit`` checked by its row count — atomic under concurrency,
no read-decide-write. A failing limit gives back the shares already taken (compensating UPDATEs).
A refusal adds to ``refusals``, is audited and emitted, then raises ``PaymentRefused`` (402, the
payments module books nothing and commits the decline with our counters).

Test: an amount whose last two minor digits are a magic value is declined (see ``MAGIC_AMOUNTS``).
"""

from __future__ import annotations

from typing import Any, NoReturn

from sqlalchemy import select, update
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
from digiplus.sandbox.service.magic import test_mode_decline

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


def _running(session: Session, merchant_org_id: str, payer_org_id: str) -> tuple[Experiment, Participant | None] | None:
    """The merchant's running experiment and the payer's participation, in one statement."""
    row = session.execute(
        select(Experiment, Participant)
        .outerjoin(Participant, (Participant.experiment_id == Experiment.id) & (Participant.org_id == payer_org_id))
        .where(Experiment.org_id == merchant_org_id, Experiment.livemode.is_(True), Experiment.status.in_(RUNNING))
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


def _rows(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _reserve(session: Session, e: Experiment, participant: Participant, amount: int) -> None:
    """Each conditional UPDATE takes its share only under its limit; a later refusal gives the
    earlier shares back (same transaction, rows already locked by our UPDATEs)."""
    first = not participant.counted
    taken = session.execute(
        update(Participant)
        .where(Participant.id == participant.id, Participant.used + amount <= e.limit_per_participant)
        .values(used=Participant.used + amount, counted=True)
    )
    if _rows(taken) != 1:
        raise _Over("experiment_participant_limit_exceeded")
    over = Experiment.exposure_used + amount > Experiment.limit_total_exposure
    if first:
        over = over | (Experiment.participants_used + 1 > Experiment.limit_participants)
    taken = session.execute(
        update(Experiment)
        .where(Experiment.id == e.id, ~over)
        .values(
            exposure_used=Experiment.exposure_used + amount,
            payments_count=Experiment.payments_count + 1,
            participants_used=Experiment.participants_used + (1 if first else 0),
        )
    )
    if _rows(taken) == 1:
        return
    session.execute(
        update(Participant)
        .where(Participant.id == participant.id)
        .values(used=Participant.used - amount, counted=not first)
    )
    current = session.execute(
        select(Experiment.participants_used, Experiment.limit_participants).where(Experiment.id == e.id)
    ).one()
    if first and current[0] + 1 > current[1]:
        raise _Over("experiment_participant_count_exceeded")
    raise _Over("experiment_exposure_limit_exceeded")


def _log(session: Session, e: Experiment, context: PaymentContext, outcome: str, code: str | None) -> None:
    session.add(
        ExperimentPayment(
            id=id_for("experiment_payment"),
            experiment_id=e.id,
            payment_intent_id=context.intent_id,
            participant_org_id=context.payer_org_id,
            amount_twd=context.amount_twd,
            outcome=outcome,
            code=code,
        )
    )


def _refuse(session: Session, e: Experiment, context: PaymentContext, code: str) -> NoReturn:
    session.execute(update(Experiment).where(Experiment.id == e.id).values(refusals=Experiment.refusals + 1))
    _log(session, e, context, "refused", code)
    system = Caller.system(e.org_id, e.livemode)
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
        test_mode_decline(context)
        return
    found = _running(session, context.merchant_org_id, context.payer_org_id)
    if found is None:
        return
    e, participant = found
    if e.ends_at is not None and e.ends_at <= utcnow():
        suspend_row(session, Caller.system(e.org_id, e.livemode), e, "period_ended")
        _refuse(session, e, context, "experiment_period_ended")
    if participant is None:
        _refuse(session, e, context, "experiment_disclosure_not_accepted")
    if context.amount_twd > e.limit_per_transaction:
        _refuse(session, e, context, "experiment_transaction_limit_exceeded")
    if not context.payer_balance_ok(session):
        return  # the ledger declines it (insufficient_funds): reserve nothing
    try:
        _reserve(session, e, participant, context.amount_twd)
    except _Over as over:
        _refuse(session, e, context, over.code)
    _log(session, e, context, "accepted", None)


register_payment_guard(sandbox_guard)
