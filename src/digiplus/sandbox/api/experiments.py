"""``/v1/sandbox/experiments``: apply, review (agency), activate, extend, suspend, end."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from digiplus.core.api.auth import ApiCaller, requires
from digiplus.core.api.deps import SessionDep
from digiplus.core.api.pagination import ListParamsDep, paginate
from digiplus.core.api.responses import ERROR_RESPONSES
from digiplus.core.context import Caller
from digiplus.sandbox.models import Experiment
from digiplus.sandbox.schemas import (
    ApproveCreate,
    ExperimentCreate,
    ExperimentList,
    ExperimentPublic,
    ExtendCreate,
    MessageCreate,
    ReasonCreate,
)
from digiplus.sandbox.service import experiments as svc
from digiplus.sandbox.service.common import WRITE, experiment_data, visible_experiment
from digiplus.sandbox.service.magic import magic_values

router = APIRouter(prefix="/v1/sandbox", tags=["sandbox"], responses=ERROR_RESPONSES)
Writer = Annotated[Caller, requires(WRITE)]
ObjectId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_]+$")]
Status = Annotated[
    str | None,
    Query(pattern=r"^(draft|submitted|under_review|questions|approved|active|extended|ended|suspended|rejected)$"),
]


@router.get("/magic_values", summary="Test mode's magic amounts and bank accounts (every branch of a payment)")
def get_magic_values(caller: ApiCaller) -> dict[str, Any]:
    return magic_values()


@router.post("/experiments", response_model=ExperimentPublic, summary="Draft an experiment (the applicant)")
def create_experiment(body: ExperimentCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return experiment_data(svc.create_experiment(session, caller, svc.Application(**body.model_dump())))


@router.get(
    "/experiments", response_model=ExperimentList, summary="List experiments (the applicant's; all for the agency)"
)
def list_experiments(
    session: SessionDep, caller: ApiCaller, params: ListParamsDep, status: Status = None
) -> dict[str, Any]:
    stmt = svc.experiments_query(session, caller, status)
    return paginate(session, stmt, Experiment.id, params, experiment_data, "/v1/sandbox/experiments")


@router.get("/experiments/{experiment_id}", response_model=ExperimentPublic, summary="Retrieve an experiment")
def get_experiment(experiment_id: ObjectId, session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    return experiment_data(visible_experiment(session, caller, experiment_id))


@router.post("/experiments/{experiment_id}/submit", response_model=ExperimentPublic, summary="Submit a draft")
def submit(experiment_id: ObjectId, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return experiment_data(svc.submit(session, caller, experiment_id))


@router.post(
    "/experiments/{experiment_id}/review", response_model=ExperimentPublic, summary="Start the review (agency)"
)
def start_review(experiment_id: ObjectId, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return experiment_data(svc.start_review(session, caller, experiment_id))


@router.post(
    "/experiments/{experiment_id}/questions", response_model=ExperimentPublic, summary="Ask a question (agency)"
)
def ask(experiment_id: ObjectId, body: MessageCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return experiment_data(svc.ask_question(session, caller, experiment_id, body.body))


@router.post(
    "/experiments/{experiment_id}/answers", response_model=ExperimentPublic, summary="Answer the agency (applicant)"
)
def answer(experiment_id: ObjectId, body: MessageCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return experiment_data(svc.answer(session, caller, experiment_id, body.body))


@router.get("/experiments/{experiment_id}/messages", summary="The review thread (questions and answers)")
def list_messages(experiment_id: ObjectId, session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    data = [svc.message_data(m) for m in svc.messages(session, caller, experiment_id)]
    return {
        "object": "list",
        "data": data,
        "has_more": False,
        "url": f"/v1/sandbox/experiments/{experiment_id}/messages",
    }


@router.post(
    "/experiments/{experiment_id}/approve", response_model=ExperimentPublic, summary="Approve with conditions (agency)"
)
def approve(experiment_id: ObjectId, body: ApproveCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return experiment_data(svc.approve(session, caller, experiment_id, body.conditions))


@router.post("/experiments/{experiment_id}/reject", response_model=ExperimentPublic, summary="Reject (agency)")
def reject(experiment_id: ObjectId, body: ReasonCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return experiment_data(svc.reject(session, caller, experiment_id, body.reason))


@router.post(
    "/experiments/{experiment_id}/activate", response_model=ExperimentPublic, summary="Start an approved experiment"
)
def activate(experiment_id: ObjectId, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return experiment_data(svc.activate(session, caller, experiment_id))


@router.post(
    "/experiments/{experiment_id}/extend", response_model=ExperimentPublic, summary="Extend the period once (agency)"
)
def extend(experiment_id: ObjectId, body: ExtendCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return experiment_data(svc.extend(session, caller, experiment_id, body.months))


@router.post("/experiments/{experiment_id}/suspend", response_model=ExperimentPublic, summary="Suspend (agency)")
def suspend(experiment_id: ObjectId, body: ReasonCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return experiment_data(svc.suspend(session, caller, experiment_id, body.reason))


@router.post("/experiments/{experiment_id}/end", response_model=ExperimentPublic, summary="End the experiment")
def end(experiment_id: ObjectId, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return experiment_data(svc.end(session, caller, experiment_id))
