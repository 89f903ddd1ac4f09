"""Who may do what in the sandbox, the experiment states, and the shared look-ups."""

from __future__ import annotations

import calendar
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.core.errors import InvalidRequest, NotFound, PermissionDenied
from digiplus.core.events import register_event_type
from digiplus.core.permissions import grant
from digiplus.core.tenancy import object_base
from digiplus.identity import service as identity
from digiplus.sandbox.models import Experiment

SUPERVISE = "sandbox.supervise"
WRITE = "sandbox.write"
grant("admin", SUPERVISE, WRITE)
grant("developer", WRITE)

STATUSES = (
    "draft",
    "submitted",
    "under_review",
    "questions",
    "approved",
    "active",
    "extended",
    "ended",
    "suspended",
    "rejected",
)
RUNNING = ("active", "extended")  # the guard enforces these
MAX_MONTHS = 12

EVENTS = {
    name: register_event_type(f"experiment.{name}", text)
    for name, text in {
        "created": "A sandbox experiment was drafted.",
        "submitted": "An experiment application was submitted to the agency.",
        "review_started": "The agency started reviewing an experiment.",
        "question_asked": "The agency asked the applicant a question.",
        "question_answered": "The applicant answered the agency's question.",
        "approved": "The agency approved an experiment (with conditions).",
        "rejected": "The agency rejected an experiment.",
        "activated": "An approved experiment started.",
        "extended": "An experiment's period was extended (once).",
        "suspended": "An experiment was suspended (by the agency or at the end of its period).",
        "ended": "An experiment ended.",
        "participant_joined": "A consumer accepted an experiment's disclosure.",
        "payment_refused": "A live payment under an experiment was refused by its limits.",
        "incident_reported": "The applicant reported an incident.",
        "complaint_filed": "A participant filed a complaint.",
    }.items()
}


def add_months(when: datetime, months: int) -> datetime:
    month = when.month - 1 + months
    year, month = when.year + month // 12, month % 12 + 1
    return when.replace(year=year, month=month, day=min(when.day, calendar.monthrange(year, month)[1]))


def require_agency(session: Session, caller: Caller) -> None:
    """Agency actions: an ``operator`` org and a role with ``sandbox.supervise``."""
    if not caller.can(SUPERVISE):
        raise PermissionDenied(f"The role '{caller.role}' does not allow '{SUPERVISE}'.")
    if identity.get_organization(session, caller.org_id).kind != "operator":
        raise PermissionDenied("Only the supervising agency (an operator organization) may do this.")


def is_agency(session: Session, caller: Caller) -> bool:
    return caller.can(SUPERVISE) and identity.get_organization(session, caller.org_id).kind == "operator"


def any_experiment(session: Session, caller: Caller, experiment_id: str, *, lock: bool = False) -> Experiment:
    """An experiment of the caller's mode, whoever applied (the agency and participants see them all)."""
    stmt = select(Experiment).where(Experiment.id == experiment_id, Experiment.livemode == caller.livemode)
    found = session.scalars(stmt.with_for_update() if lock else stmt).one_or_none()
    if found is None:
        raise NotFound(f"No such experiment: '{experiment_id}'", param="id")
    return found


def visible_experiment(session: Session, caller: Caller, experiment_id: str, *, lock: bool = False) -> Experiment:
    """The applicant's own experiment, or any for the agency."""
    experiment = any_experiment(session, caller, experiment_id, lock=lock)
    if experiment.org_id != caller.org_id and not is_agency(session, caller):
        raise NotFound(f"No such experiment: '{experiment_id}'", param="id")
    return experiment


def own_experiment(session: Session, caller: Caller, experiment_id: str, *, lock: bool = False) -> Experiment:
    experiment = any_experiment(session, caller, experiment_id, lock=lock)
    if experiment.org_id != caller.org_id:
        raise NotFound(f"No such experiment: '{experiment_id}'", param="id")
    return experiment


def require_status(experiment: Experiment, *allowed: str) -> None:
    if experiment.status not in allowed:
        raise InvalidRequest(
            f"This experiment is {experiment.status}; this needs {' or '.join(allowed)}.",
            param="id",
            code="experiment_unexpected_state",
        )


def applicant(experiment: Experiment, acting: Caller) -> Caller:
    """The applicant org's system caller (its events and audit), keeping the request id."""
    return replace(Caller.system(experiment.org_id, experiment.livemode), request_id=acting.request_id)


def ts(value: datetime | None) -> int | None:
    return int(value.timestamp()) if value else None


def experiment_data(e: Experiment) -> dict[str, Any]:
    return {
        **object_base(e, "experiment"),
        "applicant": e.org_id,
        "title": e.title,
        "description": e.description,
        "status": e.status,
        "period_months": e.period_months,
        "extension_months": e.extension_months,
        "limits": {
            "per_transaction": e.limit_per_transaction,
            "per_participant": e.limit_per_participant,
            "total_exposure": e.limit_total_exposure,
            "participants": e.limit_participants,
            "currency": "TWD",
        },
        "usage": {
            "exposure": e.exposure_used,
            "participants": e.participants_used,
            "payments": e.payments_count,
            "refusals": e.refusals,
        },
        "risk_controls": e.risk_controls,
        "disclosure_text": e.disclosure_text,
        "conditions": e.conditions,
        "decision_reason": e.decision_reason,
        "submitted_at": ts(e.submitted_at),
        "decided_at": ts(e.decided_at),
        "starts_at": ts(e.starts_at),
        "ends_at": ts(e.ends_at),
        "closed_at": ts(e.closed_at),
    }
