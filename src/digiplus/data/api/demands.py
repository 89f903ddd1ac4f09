"""``/v1/data_demands``: the demand board (open to read), answers and suggested matches."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from digiplus.core.api.deps import SessionDep
from digiplus.core.api.pagination import ListParamsDep, ListResponse, paginate
from digiplus.core.api.responses import ERROR_RESPONSES
from digiplus.data.api.deps import MaybeCaller, Reader, Writer
from digiplus.data.models_alliances import DataDemand, DemandAnswer
from digiplus.data.schemas_alliances import (
    AcceptAnswer,
    AnswerCreate,
    AnswerPublic,
    DemandCreate,
    DemandPublic,
    DemandUpdate,
    SuggestionList,
    SuggestionPublic,
)
from digiplus.data.serializers_alliances import answer_public, demand_public
from digiplus.data.service import demands as service
from digiplus.data.service import matching
from digiplus.data.service.embedding import MODEL_NAME

router = APIRouter(prefix="/v1", tags=["data"], responses=ERROR_RESPONSES)
DemandId = Annotated[
    str, Path(max_length=64, pattern=r"^dmd_[A-Za-z0-9]+$", examples=["dmd_01JD5Z7K8M2N3P4Q5R6S7T8V9W"])
]
AnswerId = Annotated[str, Path(max_length=64, pattern=r"^dma_[A-Za-z0-9]+$")]


def _demand(session: SessionDep, d: DataDemand) -> DemandPublic:
    return demand_public(d, service.answer_counts(session, [d.id])[d.id])


@router.post("/data_demands", response_model=DemandPublic, summary="Post a data demand")
def create_demand(body: DemandCreate, session: SessionDep, caller: Writer) -> DemandPublic:
    return _demand(session, service.create_demand(session, caller, body))


@router.get("/data_demands", response_model=ListResponse[DemandPublic], summary="The demand board, newest first")
def list_demands(
    session: SessionDep,
    caller: MaybeCaller,
    params: ListParamsDep,
    mine: bool = False,
    status: Literal["open", "closed"] | None = None,
    theme: Annotated[str | None, Query(max_length=10, pattern=r"^[A-Z]+$")] = None,
) -> dict[str, Any]:
    stmt = service.demands_query(caller, mine=mine, status=status, theme=theme)
    page = paginate(session, stmt, DataDemand.id, params, lambda d: d, "/v1/data_demands")
    counts = service.answer_counts(session, [d.id for d in page["data"]])
    page["data"] = [demand_public(d, counts[d.id]) for d in page["data"]]
    return page


@router.get("/data_demands/{demand_id}", response_model=DemandPublic, summary="Retrieve a demand")
def get_demand(demand_id: DemandId, session: SessionDep, caller: MaybeCaller) -> DemandPublic:
    return _demand(session, service.get_demand(session, caller, demand_id))


@router.post("/data_demands/{demand_id}", response_model=DemandPublic, summary="Update, close or reopen your demand")
def update_demand(demand_id: DemandId, body: DemandUpdate, session: SessionDep, caller: Writer) -> DemandPublic:
    return _demand(session, service.update_demand(session, caller, demand_id, body))


@router.post(
    "/data_demands/{demand_id}/answers", response_model=AnswerPublic, summary="Answer with one of your datasets"
)
def answer_demand(demand_id: DemandId, body: AnswerCreate, session: SessionDep, caller: Writer) -> AnswerPublic:
    answer = service.answer_demand(session, caller, demand_id, body)
    return answer_public(*service.get_answer_pair(session, caller, demand_id, answer.id))


@router.get(
    "/data_demands/{demand_id}/answers",
    response_model=ListResponse[AnswerPublic],
    summary="Answers: all of them for the demander, your own for anyone else",
)
def list_answers(demand_id: DemandId, session: SessionDep, caller: Reader, params: ListParamsDep) -> dict[str, Any]:
    stmt = service.answers_query(session, caller, demand_id)
    return paginate(
        session, stmt, DemandAnswer.id, params, lambda row: answer_public(*row), f"/v1/data_demands/{demand_id}/answers"
    )


@router.post(
    "/data_demands/{demand_id}/answers/{answer_id}/accept",
    response_model=AnswerPublic,
    summary="Accept an answer (closes the demand unless close is false)",
)
def accept_answer(
    demand_id: DemandId, answer_id: AnswerId, session: SessionDep, caller: Writer, body: AcceptAnswer | None = None
) -> AnswerPublic:
    close = body.close if body is not None else True
    service.accept_answer(session, caller, demand_id, answer_id, close=close)
    return answer_public(*service.get_answer_pair(session, caller, demand_id, answer_id))


@router.get(
    "/data_demands/{demand_id}/suggestions",
    response_model=SuggestionList,
    summary="Datasets that match the demand (for the demander), best first",
)
def suggestions(
    demand_id: DemandId, session: SessionDep, caller: Reader, limit: Annotated[int, Query(ge=1, le=50)] = 10
) -> SuggestionList:
    """Semantic similarity (all-MiniLM-L6-v2 embeddings) combined with the catalogue's own
    terms (CJK bigrams, English stems), weighted towards the latter for Chinese text; only
    datasets you may see, not your own."""
    found = matching.suggest(session, caller, demand_id, limit=limit)
    return SuggestionList(
        demand=demand_id,
        model=MODEL_NAME,
        data=[
            SuggestionPublic(
                dataset=s.dataset.id,
                publisher=s.dataset.org_id,
                title={"zh-TW": s.dataset.title_zh, "en": s.dataset.title_en},
                score=s.score,
                semantic=s.semantic,
                lexical=s.lexical,
                answered=s.answered,
            )
            for s in found
        ],
    )
