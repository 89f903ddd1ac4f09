"""The demand board: an org posts a data demand, publishers answer with one of their own
datasets, the demander accepts an answer (closing the demand unless told not to).

The board is open to read in each mode (anonymous visitors: live); answers are seen by the
demander and by the org that wrote them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, Text, cast, func, select
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.db import utcnow
from digiplus.core.errors import Conflict, InvalidRequest, NotFound, ValidationFailed
from digiplus.core.events import emit, register_event_type
from digiplus.core.ids import id_for
from digiplus.core.money import check_minor, currency
from digiplus.core.tenancy import get_owned
from digiplus.data.models import Dataset
from digiplus.data.models_alliances import DataDemand, DemandAnswer
from digiplus.data.schemas_alliances import AnswerCreate, DemandCreate, DemandUpdate

register_event_type("demand.created", "A data demand was posted on the board.")
register_event_type("demand.updated", "A data demand changed.")
register_event_type("demand.closed", "A data demand was closed.")
register_event_type("demand.answered", "A publisher answered a demand with a dataset (sent to both orgs).")
register_event_type("demand.answer_accepted", "The demander accepted an answer (sent to both orgs).")

_AUDITED = ("title_zh", "title_en", "status", "budget_amount", "budget_currency", "deadline")


def _livemode(caller: Caller | None) -> bool:
    return caller.livemode if caller is not None else True


def _audited(d: DataDemand) -> dict[str, Any]:
    return {k: (str(v) if k == "deadline" and v else v) for k in _AUDITED for v in [getattr(d, k)]}


def create_demand(session: Session, caller: Caller, body: DemandCreate) -> DataDemand:
    if not (body.title_zh.strip() or body.title_en.strip()):
        raise ValidationFailed("A demand needs a title in zh-TW or en.", param="title_zh")
    if (body.budget_amount is None) != (body.budget_currency is None):
        missing = "budget_currency" if body.budget_currency is None else "budget_amount"
        raise ValidationFailed("A budget is an amount in minor units with its currency.", param=missing)
    if body.budget_currency is not None and body.budget_amount is not None:
        currency(body.budget_currency, param="budget_currency")
        check_minor(body.budget_amount, param="budget_amount", allow_zero=True)
    now = utcnow()
    demand = DataDemand(
        id=id_for("data_demand"),
        org_id=caller.org_id,
        livemode=caller.livemode,
        created=now,
        modified=now,
        **body.model_dump(),
    )
    session.add(demand)
    session.flush()
    audit.record(session, caller, "data.demand.created", "data_demand", demand.id, after=_audited(demand))
    emit(session, caller, "demand.created", {"id": demand.id, "title_zh": demand.title_zh, "title_en": demand.title_en})
    return demand


def update_demand(session: Session, caller: Caller, demand_id: str, body: DemandUpdate) -> DataDemand:
    """The demander edits its demand, or closes (``status: closed``) or reopens it."""
    demand = get_owned(session, DataDemand, demand_id, caller, for_update=True)
    before = _audited(demand)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    title_zh, title_en = changes.get("title_zh", demand.title_zh), changes.get("title_en", demand.title_en)
    if not (title_zh.strip() or title_en.strip()):
        raise ValidationFailed("A demand needs a title in zh-TW or en.", param="title_zh")
    status = changes.pop("status", None)
    for key, value in changes.items():
        setattr(demand, key, value.upper() if key == "desired_format" else value)
    if status is not None and status != demand.status:
        demand.status = status
        demand.closed = utcnow() if status == "closed" else None
    demand.modified = utcnow()
    session.flush()
    audit.record(
        session, caller, "data.demand.updated", "data_demand", demand.id, before=before, after=_audited(demand)
    )
    if status == "closed" and before["status"] != "closed":
        emit(session, caller, "demand.closed", {"id": demand.id})
    else:
        emit(
            session,
            caller,
            "demand.updated",
            {"id": demand.id, "fields": sorted(changes) + ([] if status is None else ["status"])},
        )
    return demand


def demands_query(
    caller: Caller | None, *, mine: bool = False, status: str | None = None, theme: str | None = None
) -> Select[DataDemand]:
    stmt = select(DataDemand).where(DataDemand.livemode == _livemode(caller))
    if mine:
        stmt = stmt.where(DataDemand.org_id == (caller.org_id if caller else ""))
    if status:
        stmt = stmt.where(DataDemand.status == status)
    if theme:
        # JSON arrays are text on both databases' JSON types; the quotes keep 'ECON' from matching 'ECONX'.
        stmt = stmt.where(cast(DataDemand.themes, Text).like(f'%"{theme}"%'))
    return stmt


def get_demand(session: Session, caller: Caller | None, demand_id: str, *, for_update: bool = False) -> DataDemand:
    stmt = select(DataDemand).where(DataDemand.id == demand_id, DataDemand.livemode == _livemode(caller))
    demand = session.scalars(stmt.with_for_update() if for_update else stmt).one_or_none()
    if demand is None:
        raise NotFound(f"No such data_demand: '{demand_id}'", param="id")
    return demand


def answer_counts(session: Session, demand_ids: list[str]) -> dict[str, int]:
    counts = dict.fromkeys(demand_ids, 0)
    for demand_id, n in session.execute(
        select(DemandAnswer.demand_id, func.count())
        .where(DemandAnswer.demand_id.in_(demand_ids))
        .group_by(DemandAnswer.demand_id)
    ):
        counts[demand_id] = int(n)
    return counts


def answer_demand(session: Session, caller: Caller, demand_id: str, body: AnswerCreate) -> DemandAnswer:
    demand = get_demand(session, caller, demand_id, for_update=True)
    if demand.org_id == caller.org_id:
        raise InvalidRequest("An org does not answer its own demand.", param="id", code="own_demand")
    if demand.status != "open":
        raise Conflict("The demand is closed.", code="demand_closed")
    dataset = get_owned(session, Dataset, body.dataset, caller, param="dataset")
    exists = session.scalars(
        select(DemandAnswer.id).where(DemandAnswer.demand_id == demand.id, DemandAnswer.dataset_id == dataset.id)
    ).first()
    if exists is not None:
        raise Conflict(f"This dataset already answers the demand ({exists}).", param="dataset", code="answer_exists")
    answer = DemandAnswer(
        id=id_for("demand_answer"),
        org_id=caller.org_id,
        livemode=caller.livemode,
        demand_id=demand.id,
        dataset_id=dataset.id,
        message=body.message,
    )
    session.add(answer)
    session.flush()
    audit.record(
        session,
        caller,
        "data.demand.answered",
        "demand_answer",
        answer.id,
        after={"demand": demand.id, "dataset": dataset.id},
    )
    data = {"id": answer.id, "demand": demand.id, "dataset": dataset.id, "org": caller.org_id}
    emit(session, caller, "demand.answered", data)
    emit(session, Caller.system(demand.org_id, demand.livemode), "demand.answered", data)
    return answer


def answers_query(session: Session, caller: Caller, demand_id: str) -> Select[DemandAnswer, Dataset]:
    """(answer, dataset) rows: every answer for the demander, its own for anyone else."""
    demand = get_demand(session, caller, demand_id)
    stmt = (
        select(DemandAnswer, Dataset)
        .join(Dataset, Dataset.id == DemandAnswer.dataset_id)
        .where(DemandAnswer.demand_id == demand.id)
    )
    if demand.org_id != caller.org_id:
        stmt = stmt.where(DemandAnswer.org_id == caller.org_id)
    return stmt


def accept_answer(
    session: Session, caller: Caller, demand_id: str, answer_id: str, *, close: bool = True
) -> DemandAnswer:
    demand = get_owned(session, DataDemand, demand_id, caller, for_update=True)
    answer = session.scalars(
        select(DemandAnswer).where(DemandAnswer.id == answer_id, DemandAnswer.demand_id == demand.id).with_for_update()
    ).one_or_none()
    if answer is None:
        raise NotFound(f"No such demand_answer: '{answer_id}'", param="answer")
    if answer.status == "accepted":
        raise Conflict("This answer is accepted already.", code="answer_accepted")
    if demand.status != "open":
        raise Conflict("The demand is closed; reopen it to accept another answer.", code="demand_closed")
    now = utcnow()
    answer.status, answer.accepted = "accepted", now
    demand.accepted_answer_id = answer.id
    if close:
        demand.status, demand.closed = "closed", now
    demand.modified = now
    session.flush()
    audit.record(
        session,
        caller,
        "data.demand.answer_accepted",
        "demand_answer",
        answer.id,
        after={"demand": demand.id, "dataset": answer.dataset_id, "closed": close},
    )
    data = {"id": answer.id, "demand": demand.id, "dataset": answer.dataset_id, "org": answer.org_id}
    emit(session, caller, "demand.answer_accepted", data)
    emit(session, Caller.system(answer.org_id, answer.livemode), "demand.answer_accepted", data)
    if close:
        emit(session, caller, "demand.closed", {"id": demand.id})
    return answer


def get_answer_pair(session: Session, caller: Caller, demand_id: str, answer_id: str) -> tuple[DemandAnswer, Dataset]:
    row = session.execute(answers_query(session, caller, demand_id).where(DemandAnswer.id == answer_id)).one_or_none()
    if row is None:
        raise NotFound(f"No such demand_answer: '{answer_id}'", param="answer")
    answer, dataset = row
    return answer, dataset
