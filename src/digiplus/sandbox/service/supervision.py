"""Participants (accepting the disclosure), incident reports and complaints, the agency's figures
over time and the final report."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.errors import InvalidRequest, ValidationFailed
from digiplus.core.events import emit
from digiplus.core.ids import id_for
from digiplus.identity import service as identity
from digiplus.sandbox.models import Experiment, ExperimentPayment, ExperimentReport, Participant
from digiplus.sandbox.service.common import (
    EVENTS,
    RUNNING,
    any_experiment,
    applicant,
    experiment_data,
    own_experiment,
    require_status,
    visible_experiment,
)

SEVERITIES = ("low", "medium", "high", "critical")


def disclosure(session: Session, caller: Caller, experiment_id: str) -> dict[str, Any]:
    """What a consumer reads before joining: open to every org of the mode while the experiment runs."""
    e = any_experiment(session, caller, experiment_id)
    require_status(e, *RUNNING)
    joined = _participant(session, e, caller.org_id)
    return {
        "object": "experiment_disclosure",
        "experiment": e.id,
        "title": e.title,
        "applicant": e.org_id,
        "disclosure_text": e.disclosure_text,
        "limits": experiment_data(e)["limits"],
        "ends_at": int(e.ends_at.timestamp()) if e.ends_at else None,
        "accepted": joined is not None,
        "accepted_at": int(joined.accepted_at.timestamp()) if joined else None,
    }


def _participant(session: Session, e: Experiment, org_id: str) -> Participant | None:
    return session.scalars(
        select(Participant).where(Participant.experiment_id == e.id, Participant.org_id == org_id)
    ).one_or_none()


def accept_disclosure(session: Session, caller: Caller, experiment_id: str) -> Participant:
    """A consumer org accepts the disclosure (again: answers the same participation)."""
    if identity.get_organization(session, caller.org_id).kind != "consumer":
        raise InvalidRequest("Only a consumer organization takes part in an experiment.", code="org_not_consumer")
    e = any_experiment(session, caller, experiment_id)
    require_status(e, *RUNNING)
    existing = _participant(session, e, caller.org_id)
    if existing is not None:
        return existing
    p = Participant(id=id_for("experiment_participant"), experiment_id=e.id, org_id=caller.org_id, livemode=e.livemode)
    session.add(p)
    session.flush()
    audit.record(session, caller, "experiment.disclosure_accepted", "experiment", e.id, after={"participant": p.id})
    emit(
        session, applicant(e, caller), EVENTS["participant_joined"], {"experiment": e.id, "participant": caller.org_id}
    )
    return p


def participant_data(p: Participant) -> dict[str, Any]:
    return {
        "id": p.id,
        "object": "experiment_participant",
        "experiment": p.experiment_id,
        "participant": p.org_id,
        "accepted_at": int(p.accepted_at.timestamp()),
        "counted": p.counted,
        "used": p.used,
        "livemode": p.livemode,
    }


def file_report(
    session: Session, caller: Caller, experiment_id: str, *, kind: str, summary: str, severity: str = "low"
) -> ExperimentReport:
    """``incident``: by the applicant; ``complaint``: by a participant."""
    if severity not in SEVERITIES:
        raise ValidationFailed(f"severity is one of {', '.join(SEVERITIES)}", param="severity")
    if not summary.strip():
        raise ValidationFailed("summary is required", param="summary")
    if kind == "incident":
        e = own_experiment(session, caller, experiment_id)
    elif kind == "complaint":
        e = any_experiment(session, caller, experiment_id)
        if _participant(session, e, caller.org_id) is None:
            raise InvalidRequest(
                "Only a participant of this experiment may file a complaint.", code="not_a_participant", param="id"
            )
    else:
        raise ValidationFailed("kind is incident or complaint", param="kind")
    require_status(e, *RUNNING, "suspended", "ended")
    report = ExperimentReport(
        id=id_for("experiment_report"),
        experiment_id=e.id,
        kind=kind,
        reporter_org_id=caller.org_id,
        severity=severity,
        summary=summary,
    )
    session.add(report)
    session.flush()
    audit.record(session, caller, f"experiment.{kind}_filed", "experiment", e.id, after={"report": report.id})
    event = "incident_reported" if kind == "incident" else "complaint_filed"
    emit(session, applicant(e, caller), EVENTS[event], report_data(report))
    return report


def report_data(r: ExperimentReport) -> dict[str, Any]:
    return {
        "id": r.id,
        "object": "experiment_report",
        "experiment": r.experiment_id,
        "kind": r.kind,
        "reporter": r.reporter_org_id,
        "severity": r.severity,
        "summary": r.summary,
        "created": int(r.created.timestamp()),
    }


def reports(session: Session, caller: Caller, experiment_id: str) -> list[ExperimentReport]:
    e = visible_experiment(session, caller, experiment_id)
    return list(
        session.scalars(
            select(ExperimentReport).where(ExperimentReport.experiment_id == e.id).order_by(ExperimentReport.id)
        )
    )


def timeline(session: Session, caller: Caller, experiment_id: str) -> dict[str, Any]:
    """Per day (UTC): volume (TWD accepted), payments, refusals, new participants, complaints, incidents."""
    e = visible_experiment(session, caller, experiment_id)
    days: dict[str, dict[str, int]] = defaultdict(
        lambda: {"volume": 0, "payments": 0, "refusals": 0, "participants": 0, "complaints": 0, "incidents": 0}
    )
    day = func.date(ExperimentPayment.created)
    for d, outcome, count, total in session.execute(
        select(day, ExperimentPayment.outcome, func.count(), func.coalesce(func.sum(ExperimentPayment.amount_twd), 0))
        .where(ExperimentPayment.experiment_id == e.id)
        .group_by(day, ExperimentPayment.outcome)
    ):
        row = days[str(d)]
        if outcome == "accepted":
            row["payments"] += int(count)
            row["volume"] += int(total)
        else:
            row["refusals"] += int(count)
    for p in session.scalars(select(Participant).where(Participant.experiment_id == e.id)):
        days[p.accepted_at.date().isoformat()]["participants"] += 1
    for r in session.scalars(select(ExperimentReport).where(ExperimentReport.experiment_id == e.id)):
        days[r.created.date().isoformat()]["complaints" if r.kind == "complaint" else "incidents"] += 1
    series = [{"date": d, **days[d]} for d in sorted(days)]
    return {"object": "experiment_timeline", "experiment": e.id, "days": series}


def final_report(session: Session, caller: Caller, experiment_id: str) -> dict[str, Any]:
    e = visible_experiment(session, caller, experiment_id)
    days = timeline(session, caller, experiment_id)["days"]
    found = reports(session, caller, experiment_id)
    return {
        "object": "experiment_final_report",
        "experiment": experiment_data(e),
        "totals": {
            "volume": sum(d["volume"] for d in days),
            "payments": sum(d["payments"] for d in days),
            "refusals": sum(d["refusals"] for d in days),
            "participants": sum(d["participants"] for d in days),
            "complaints": sum(1 for r in found if r.kind == "complaint"),
            "incidents": sum(1 for r in found if r.kind == "incident"),
        },
        "days": days,
        "reports": [report_data(r) for r in found],
    }


def final_report_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "volume_twd_minor", "payments", "refusals", "participants", "complaints", "incidents"])
    for d in report["days"]:
        writer.writerow(
            [d["date"], d["volume"], d["payments"], d["refusals"], d["participants"], d["complaints"], d["incidents"]]
        )
    t = report["totals"]
    writer.writerow(
        ["total", t["volume"], t["payments"], t["refusals"], t["participants"], t["complaints"], t["incidents"]]
    )
    return out.getvalue()
