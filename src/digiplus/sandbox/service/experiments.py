"""The experiment lifecycle. Applicant: draft → submitted; answers questions; activates once approved.
Agency: under_review ⇄ questions → approved (with conditions) | rejected; extends once; suspends; ends.

``draft → submitted → under_review ⇄ questions → approved → active → (extended) → ended | suspended``;
``rejected`` from review. Every step is one transaction: the row, its audit entry and its
``experiment.*`` event (to the applicant's webhooks) commit together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.db import Database, utcnow
from digiplus.core.errors import InvalidRequest, ValidationFailed
from digiplus.core.events import emit
from digiplus.core.ids import id_for
from digiplus.core.worker import task
from digiplus.sandbox.models import Experiment, ExperimentMessage
from digiplus.sandbox.service.common import (
    EVENTS,
    MAX_MONTHS,
    RUNNING,
    add_months,
    applicant,
    experiment_data,
    is_agency,
    own_experiment,
    require_agency,
    require_status,
    visible_experiment,
)


@dataclass(frozen=True, slots=True)
class Application:
    title: str
    description: str
    period_months: int
    limit_per_transaction: int
    limit_per_participant: int
    limit_total_exposure: int
    limit_participants: int
    risk_controls: str
    disclosure_text: str


def _check(app: Application) -> None:
    if not 1 <= app.period_months <= MAX_MONTHS:
        raise ValidationFailed(f"period_months is 1 to {MAX_MONTHS}", param="period_months")
    for name in ("limit_per_transaction", "limit_per_participant", "limit_total_exposure", "limit_participants"):
        if getattr(app, name) <= 0:
            raise ValidationFailed(f"{name} must be positive", param=name)
    if app.limit_per_transaction > app.limit_per_participant:
        raise ValidationFailed(
            "limit_per_transaction cannot exceed limit_per_participant", param="limit_per_transaction"
        )
    if app.limit_per_participant > app.limit_total_exposure:
        raise ValidationFailed(
            "limit_per_participant cannot exceed limit_total_exposure", param="limit_per_participant"
        )
    for name in ("title", "description", "risk_controls", "disclosure_text"):
        if not getattr(app, name).strip():
            raise ValidationFailed(f"{name} is required", param=name)


def _step(session: Session, caller: Caller, e: Experiment, event: str, before: str, **extra: Any) -> Experiment:
    e.updated = utcnow()
    session.flush()
    audit.record(
        session,
        caller,
        f"experiment.{event}",
        "experiment",
        e.id,
        before={"status": before},
        after={"status": e.status, **extra},
        org_id=e.org_id,
    )
    emit(session, applicant(e, caller), EVENTS[event], experiment_data(e))
    return e


def create_experiment(session: Session, caller: Caller, app: Application) -> Experiment:
    _check(app)
    fields = {name: getattr(app, name) for name in Application.__dataclass_fields__}
    e = Experiment(id=id_for("experiment"), org_id=caller.org_id, livemode=caller.livemode, status="draft", **fields)
    session.add(e)
    return _step(session, caller, e, "created", "none")


def submit(session: Session, caller: Caller, experiment_id: str) -> Experiment:
    e = own_experiment(session, caller, experiment_id, lock=True)
    require_status(e, "draft")
    e.status, e.submitted_at = "submitted", utcnow()
    return _step(session, caller, e, "submitted", "draft")


def start_review(session: Session, caller: Caller, experiment_id: str) -> Experiment:
    require_agency(session, caller)
    e = visible_experiment(session, caller, experiment_id, lock=True)
    require_status(e, "submitted")
    e.status, e.reviewer_org_id = "under_review", caller.org_id
    return _step(session, caller, e, "review_started", "submitted")


def _message(session: Session, caller: Caller, e: Experiment, role: str, body: str) -> ExperimentMessage:
    if not body.strip():
        raise ValidationFailed("body is required", param="body")
    message = ExperimentMessage(
        id=id_for("experiment_message"), experiment_id=e.id, author_org_id=caller.org_id, role=role, body=body
    )
    session.add(message)
    return message


def ask_question(session: Session, caller: Caller, experiment_id: str, body: str) -> Experiment:
    require_agency(session, caller)
    e = visible_experiment(session, caller, experiment_id, lock=True)
    require_status(e, "under_review", "questions")
    _message(session, caller, e, "agency", body)
    before, e.status = e.status, "questions"
    return _step(session, caller, e, "question_asked", before, question=body[:200])


def answer(session: Session, caller: Caller, experiment_id: str, body: str) -> Experiment:
    e = own_experiment(session, caller, experiment_id, lock=True)
    require_status(e, "questions")
    _message(session, caller, e, "applicant", body)
    e.status = "under_review"
    return _step(session, caller, e, "question_answered", "questions")


def approve(session: Session, caller: Caller, experiment_id: str, conditions: str) -> Experiment:
    require_agency(session, caller)
    e = visible_experiment(session, caller, experiment_id, lock=True)
    require_status(e, "under_review")
    e.status, e.conditions, e.decided_at = "approved", conditions.strip() or None, utcnow()
    return _step(session, caller, e, "approved", "under_review", conditions=e.conditions)


def reject(session: Session, caller: Caller, experiment_id: str, reason: str) -> Experiment:
    require_agency(session, caller)
    if not reason.strip():
        raise ValidationFailed("reason is required", param="reason")
    e = visible_experiment(session, caller, experiment_id, lock=True)
    require_status(e, "submitted", "under_review", "questions")
    before = e.status
    e.status, e.decision_reason, e.decided_at, e.closed_at = "rejected", reason, utcnow(), utcnow()
    return _step(session, caller, e, "rejected", before, reason=reason[:200])


def activate(session: Session, caller: Caller, experiment_id: str) -> Experiment:
    """The applicant starts an approved experiment: the period runs from now."""
    e = own_experiment(session, caller, experiment_id, lock=True)
    require_status(e, "approved")
    now = utcnow()
    e.status, e.starts_at, e.ends_at = "active", now, add_months(now, e.period_months)
    return _step(session, caller, e, "activated", "approved")


def extend(session: Session, caller: Caller, experiment_id: str, months: int) -> Experiment:
    """The agency extends a running experiment once, by at most 12 months."""
    require_agency(session, caller)
    if not 1 <= months <= MAX_MONTHS:
        raise ValidationFailed(f"months is 1 to {MAX_MONTHS}", param="months")
    e = visible_experiment(session, caller, experiment_id, lock=True)
    if e.status == "extended" or e.extension_months:
        raise InvalidRequest("An experiment may be extended only once.", param="id", code="experiment_already_extended")
    require_status(e, "active")
    e.status, e.extension_months = "extended", months
    e.ends_at = add_months(e.ends_at or utcnow(), months)
    return _step(session, caller, e, "extended", "active", months=months)


def suspend(session: Session, caller: Caller, experiment_id: str, reason: str) -> Experiment:
    require_agency(session, caller)
    e = visible_experiment(session, caller, experiment_id, lock=True)
    require_status(e, *RUNNING)
    return suspend_row(session, caller, e, reason or "suspended by the agency")


def suspend_row(session: Session, caller: Caller, e: Experiment, reason: str) -> Experiment:
    before = e.status
    e.status, e.decision_reason, e.closed_at = "suspended", reason, utcnow()
    return _step(session, caller, e, "suspended", before, reason=reason[:200])


def end(session: Session, caller: Caller, experiment_id: str) -> Experiment:
    """The applicant or the agency ends a running (or suspended) experiment for good."""
    e = visible_experiment(session, caller, experiment_id, lock=True)
    require_status(e, *RUNNING, "suspended")
    before = e.status
    e.status = "ended"
    e.closed_at = e.closed_at or utcnow()
    return _step(session, caller, e, "ended", before)


def suspend_expired(session: Session) -> int:
    """Suspend every running experiment whose period is over (the worker's task); returns how many."""
    now = utcnow()
    rows = session.scalars(
        select(Experiment).where(Experiment.status.in_(RUNNING), Experiment.ends_at <= now).with_for_update()
    ).all()
    for e in rows:
        suspend_row(session, Caller.system(e.org_id, e.livemode), e, "period_ended")
    return len(rows)


def experiments_query(session: Session, caller: Caller, status: str | None) -> Select[Experiment]:
    """The applicant's own experiments, or every one of the mode for the agency."""
    stmt = select(Experiment).where(Experiment.livemode == caller.livemode)
    if not is_agency(session, caller):
        stmt = stmt.where(Experiment.org_id == caller.org_id)
    if status:
        stmt = stmt.where(Experiment.status == status)
    return stmt


def messages(session: Session, caller: Caller, experiment_id: str) -> list[ExperimentMessage]:
    e = visible_experiment(session, caller, experiment_id)
    return list(
        session.scalars(
            select(ExperimentMessage).where(ExperimentMessage.experiment_id == e.id).order_by(ExperimentMessage.id)
        )
    )


def message_data(m: ExperimentMessage) -> dict[str, Any]:
    return {
        "id": m.id,
        "object": "experiment_message",
        "role": m.role,
        "author": m.author_org_id,
        "body": m.body,
        "created": int(m.created.timestamp()),
    }


@task("sandbox.suspend_expired")
def suspend_expired_task(db: Database) -> int:
    """Suspend the experiments whose period ended (the guard also refuses their payments at once)."""
    with db.session() as session:
        return suspend_expired(session)


def running_experiments(session: Session, livemode: bool) -> list[Experiment]:
    """Every running experiment of the mode: what a consumer may join."""
    stmt = select(Experiment).where(Experiment.livemode == livemode, Experiment.status.in_(RUNNING))
    return list(session.scalars(stmt.order_by(Experiment.id.desc())))
