"""The demand board: open demands (public), a demand with its answers (the demander sees all,
another org its own) and, for the demander, the datasets suggested by text similarity; a
publisher answers with one of its datasets, the demander accepts an answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Path, Query, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.responses import Response

from digiplus.core.api.deps import SessionDep
from digiplus.core.errors import DigiplusError
from digiplus.core.money import display_amount
from digiplus.core.tenancy import scoped
from digiplus.data.models import Dataset
from digiplus.data.models_alliances import DataDemand
from digiplus.data.pages.common import Labels, absolute, respond, viewer
from digiplus.data.schemas_alliances import AnswerCreate
from digiplus.data.service import demands as service
from digiplus.data.service import matching
from digiplus.data.service.pages_support import org_names
from digiplus.web.deps import CallerDep, CsrfDep, OptionalPageDep, PageDep
from digiplus.web.errors import page_router
from digiplus.web.i18n import N_
from digiplus.web.shell import PageContext, redirect

router = page_router()
DemandId = Annotated[str, Path(max_length=64, pattern=r"^dmd_[A-Za-z0-9]+$")]
AnswerId = Annotated[str, Path(max_length=64, pattern=r"^dma_[A-Za-z0-9]+$")]
SECTION = "data-demands"


@router.get("/data/demands")
def demands_page(
    request: Request, session: SessionDep, page: OptionalPageDep, status: Annotated[str, Query(max_length=10)] = "open"
) -> Response:
    view = viewer(request, page)
    view.section = SECTION
    chosen = status if status in ("open", "closed") else "open"
    items = list(
        session.scalars(service.demands_query(view.caller, status=chosen).order_by(DataDemand.id.desc()).limit(100))
    )
    return respond(
        view,
        "data/demands.html",
        {
            "demands": items,
            "counts": service.answer_counts(session, [d.id for d in items]),
            "names": org_names(session, sorted({d.org_id for d in items})),
            "status": chosen,
            "budget": lambda d: (
                display_amount(d.budget_amount, d.budget_currency, locale=view.locale)
                if d.budget_amount is not None and d.budget_currency
                else ""
            ),
            "canonical": absolute("/data/demands"),
            "description": view.gettext(
                N_("Data demands posted by organizations, answered by publishers with datasets.")
            ),
        },
    )


def _detail(page: PageContext, session: Session, demand_id: str, *, error: str = "", status: int = 200) -> Response:
    page.section = SECTION
    caller = page.caller
    demand = service.get_demand(session, caller, demand_id)
    mine = caller is not None and caller.org_id == demand.org_id
    answers = list(session.execute(service.answers_query(session, caller, demand.id)).all()) if caller else []
    suggestions = matching.suggest(session, caller, demand.id, limit=8) if mine and caller is not None else []
    own = (
        list(session.scalars(scoped(Dataset, caller).order_by(Dataset.modified.desc()).limit(200)))
        if caller is not None and not mine and caller.can("data.write")
        else []
    )
    orgs = {demand.org_id} | {a.org_id for a, _ in answers} | {s.dataset.org_id for s in suggestions}
    labels = Labels(page.locale)
    return respond(
        page,
        "data/demand.html",
        {
            "dm": demand,
            "mine": mine,
            "answers": answers,
            "suggestions": suggestions,
            "own": own,
            "names": org_names(session, sorted(orgs)),
            "budget": display_amount(demand.budget_amount, demand.budget_currency, locale=page.locale)
            if demand.budget_amount is not None and demand.budget_currency
            else "",
            "error": error,
            "canonical": absolute(f"/data/demands/{demand.id}"),
            "description": labels.pick(demand.description_zh, demand.description_en),
            "noindex": not demand.livemode,
        },
        status_code=status,
    )


@router.get("/data/demands/{demand_id}")
def demand_page(request: Request, demand_id: DemandId, session: SessionDep, page: OptionalPageDep) -> Response:
    return _detail(viewer(request, page), session, demand_id)


@router.post("/data/demands/{demand_id}/answers")
def answer(
    demand_id: DemandId,
    session: SessionDep,
    page: PageDep,
    caller: CallerDep,
    _csrf: CsrfDep,
    dataset: Annotated[str, Form(max_length=64)] = "",
    message: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    try:
        body = AnswerCreate.model_validate({"dataset": dataset, "message": message})
        with session.begin_nested():
            service.answer_demand(session, caller, demand_id, body)
    except (ValidationError, DigiplusError) as exc:
        text = (
            page.gettext(exc.message)
            if isinstance(exc, DigiplusError)
            else page.gettext(N_("Choose one of your datasets."))
        )
        return _detail(page, session, demand_id, error=text, status=422)
    return redirect(page, f"/data/demands/{demand_id}", flash=N_("Your answer was sent to the demander."))


@router.post("/data/demands/{demand_id}/answers/{answer_id}/accept")
def accept(
    demand_id: DemandId, answer_id: AnswerId, session: SessionDep, page: PageDep, caller: CallerDep, _csrf: CsrfDep
) -> Response:
    service.accept_answer(session, caller, demand_id, answer_id)
    return redirect(page, f"/data/demands/{demand_id}", flash=N_("Answer accepted; the demand is closed."))
