"""``/v1/sandbox/experiments/{id}/…``: disclosure and participation, incidents, complaints, figures, final report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from digiplus.core.api.auth import ApiCaller, requires
from digiplus.core.api.deps import SessionDep
from digiplus.core.api.responses import ERROR_RESPONSES
from digiplus.core.context import Caller
from digiplus.sandbox.schemas import ParticipationCreate, ReportCreate
from digiplus.sandbox.service import supervision as svc
from digiplus.sandbox.service.common import WRITE

router = APIRouter(prefix="/v1/sandbox/experiments", tags=["sandbox"], responses=ERROR_RESPONSES)
Writer = Annotated[Caller, requires(WRITE)]
ObjectId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_]+$")]


@router.get("/{experiment_id}/disclosure", summary="The disclosure a participant accepts (running experiments)")
def get_disclosure(experiment_id: ObjectId, session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    return svc.disclosure(session, caller, experiment_id)


@router.post("/{experiment_id}/participation", summary="Accept the disclosure and take part (a consumer)")
def participate(
    experiment_id: ObjectId, body: ParticipationCreate, session: SessionDep, caller: Writer
) -> dict[str, Any]:
    return svc.participant_data(svc.accept_disclosure(session, caller, experiment_id))


@router.post("/{experiment_id}/incidents", summary="Report an incident (the applicant)")
def report_incident(experiment_id: ObjectId, body: ReportCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return svc.report_data(
        svc.file_report(session, caller, experiment_id, kind="incident", summary=body.summary, severity=body.severity)
    )


@router.post("/{experiment_id}/complaints", summary="File a complaint (a participant)")
def file_complaint(experiment_id: ObjectId, body: ReportCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return svc.report_data(
        svc.file_report(session, caller, experiment_id, kind="complaint", summary=body.summary, severity=body.severity)
    )


@router.get("/{experiment_id}/reports", summary="Incidents and complaints (applicant and agency)")
def list_reports(experiment_id: ObjectId, session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    data = [svc.report_data(r) for r in svc.reports(session, caller, experiment_id)]
    return {
        "object": "list",
        "data": data,
        "has_more": False,
        "url": f"/v1/sandbox/experiments/{experiment_id}/reports",
    }


@router.get("/{experiment_id}/timeline", summary="Volume, participants, refusals, complaints, incidents per day")
def get_timeline(experiment_id: ObjectId, session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    return svc.timeline(session, caller, experiment_id)


@router.get(
    "/{experiment_id}/final_report",
    summary="The final report (JSON, or CSV with format=csv)",
    responses={200: {"content": {"text/csv": {}}}},
)
def get_final_report(
    experiment_id: ObjectId,
    session: SessionDep,
    caller: ApiCaller,
    format: Annotated[str, Query(pattern=r"^(json|csv)$")] = "json",
) -> Any:
    report = svc.final_report(session, caller, experiment_id)
    if format == "csv":
        return Response(
            svc.final_report_csv(report),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{experiment_id}-final-report.csv"'},
        )
    return report
