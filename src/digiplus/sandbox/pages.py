"""The sandbox pages: applicants apply and follow their experiments, the agency reviews and supervises
(charts over time, a printable final report), consumers read a disclosure and take part."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Form, Path
from sqlalchemy.orm import Session
from starlette.responses import Response

from digiplus.core.api.deps import SessionDep
from digiplus.core.errors import DigiplusError, ValidationFailed
from digiplus.core.money import format_minor, to_minor
from digiplus.identity.service import get_organization
from digiplus.sandbox.models import Experiment
from digiplus.sandbox.service import experiments, supervision
from digiplus.sandbox.service.common import experiment_data, is_agency, visible_experiment
from digiplus.sandbox.service.magic import magic_values
from digiplus.web.deps import CallerDep, CsrfDep, PageDep
from digiplus.web.errors import page_router
from digiplus.web.i18n import N_
from digiplus.web.shell import NavItem, page_response, redirect

router = page_router()
NAV = (NavItem(N_("Sandbox"), "/sandbox", "sandbox", order=60),)
ExperimentId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_]+$")]
Action = Annotated[
    str,
    Path(pattern=r"^(submit|review|ask|answer|approve|reject|activate|extend|suspend|end|accept|incident|complaint)$"),
]


# What a magic amount does to a test payment (``magic_values()["amounts"][i]["outcome"]``).
OUTCOME_LABELS = {
    "declined": N_("Declined"),
    "requires_action": N_("Waits for the payer's approval"),
    "processing": N_("Processing, then settles"),
}


def _twd(value: int) -> str:
    return f"TWD {format_minor(value, 'TWD')}"


def _attempt(session: Session, call: Callable[[], Any]) -> DigiplusError | None:
    try:
        with session.begin_nested():
            call()
    except DigiplusError as exc:
        return exc
    return None


@router.get("/sandbox")
def sandbox_home(session: SessionDep, page: PageDep, caller: CallerDep) -> Response:
    page.section = "sandbox"
    agency = is_agency(session, caller)
    mine = session.scalars(experiments.experiments_query(session, caller, None).order_by(Experiment.id.desc())).all()
    consumer = get_organization(session, caller.org_id).kind == "consumer"
    running = experiments.running_experiments(session, caller.livemode) if consumer else []
    return page_response(
        page,
        "sandbox/index.html",
        {
            "agency": agency,
            "mine": mine,
            "running": running,
            "magic": magic_values(),
            "twd": _twd,
            "outcome_label": lambda outcome: page.gettext(OUTCOME_LABELS.get(str(outcome), str(outcome))),
        },
    )


@router.post("/sandbox/experiments")
def apply(
    session: SessionDep,
    page: PageDep,
    caller: CallerDep,
    _csrf: CsrfDep,
    title: Annotated[str, Form(max_length=200)],
    description: Annotated[str, Form(max_length=20_000)],
    period_months: Annotated[int, Form(ge=1, le=12)],
    limit_per_transaction: Annotated[str, Form(max_length=20)],
    limit_per_participant: Annotated[str, Form(max_length=20)],
    limit_total_exposure: Annotated[str, Form(max_length=20)],
    limit_participants: Annotated[int, Form(ge=1, le=10_000_000)],
    risk_controls: Annotated[str, Form(max_length=20_000)],
    disclosure_text: Annotated[str, Form(max_length=20_000)],
) -> Response:
    created: list[Experiment] = []

    def call() -> None:
        try:
            limits = [to_minor(v, "TWD") for v in (limit_per_transaction, limit_per_participant, limit_total_exposure)]
        except (ValueError, ArithmeticError) as exc:
            raise ValidationFailed("Limits are amounts in TWD, e.g. 5000 or 5000.50", param="limits") from exc
        app = experiments.Application(
            title=title,
            description=description,
            period_months=period_months,
            limit_per_transaction=limits[0],
            limit_per_participant=limits[1],
            limit_total_exposure=limits[2],
            limit_participants=limit_participants,
            risk_controls=risk_controls,
            disclosure_text=disclosure_text,
        )
        created.append(experiments.create_experiment(session, caller, app))

    failed = _attempt(session, call)
    if failed is not None:
        return redirect(page, "/sandbox", flash=failed.message, kind="error")
    return redirect(page, f"/sandbox/experiments/{created[0].id}", flash=N_("Draft saved. Submit it when ready."))


def _chart(days: list[dict[str, Any]], fields: dict[str, str], title: str) -> str:
    values = [{"date": d["date"], "series": label, "value": d[key]} for d in days for key, label in fields.items()]
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": "container",
        "height": 160,
        "title": title,
        "data": {"values": values},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "date", "type": "temporal", "title": None, "axis": {"format": "%-m/%-d"}},
            "y": {"field": "value", "type": "quantitative", "title": None},
            "color": {"field": "series", "type": "nominal", "title": None},
            "tooltip": [{"field": "date", "type": "temporal"}, {"field": "series"}, {"field": "value"}],
        },
    }
    return json.dumps(spec, ensure_ascii=False)


@router.get("/sandbox/experiments/{experiment_id}")
def experiment_page(experiment_id: ExperimentId, session: SessionDep, page: PageDep, caller: CallerDep) -> Response:
    page.section = "sandbox"
    agency = is_agency(session, caller)
    try:
        e = visible_experiment(session, caller, experiment_id)
        owner = e.org_id == caller.org_id
    except DigiplusError:
        disclosure = supervision.disclosure(session, caller, experiment_id)  # a consumer's view (running only)
        return page_response(page, "sandbox/participant.html", {"d": disclosure, "twd": _twd})
    days = supervision.timeline(session, caller, experiment_id)["days"]
    volume = {"volume_twd": page.gettext(N_("Volume (TWD)"))}
    counts = {
        "payments": page.gettext(N_("Payments")),
        "refusals": page.gettext(N_("Refusals")),
        "participants": page.gettext(N_("New participants")),
        "complaints": page.gettext(N_("Complaints")),
        "incidents": page.gettext(N_("Incidents")),
    }
    for d in days:
        d["volume_twd"] = d["volume"] / 100
    context = {
        "e": experiment_data(e),
        "agency": agency,
        "owner": owner,
        "thread": experiments.messages(session, caller, experiment_id),
        "reports": supervision.reports(session, caller, experiment_id),
        "volume_spec": _chart(days, volume, page.gettext(N_("Volume per day"))),
        "counts_spec": _chart(days, counts, page.gettext(N_("Activity per day"))),
        "twd": _twd,
    }
    return page_response(page, "sandbox/detail.html", context)


@router.get("/sandbox/experiments/{experiment_id}/report")
def report_page(experiment_id: ExperimentId, session: SessionDep, page: PageDep, caller: CallerDep) -> Response:
    page.section = "sandbox"
    report = supervision.final_report(session, caller, experiment_id)
    return page_response(page, "sandbox/report.html", {"r": report, "twd": _twd})


@router.post("/sandbox/experiments/{experiment_id}/{action}")
def act(
    experiment_id: ExperimentId,
    action: Action,
    session: SessionDep,
    page: PageDep,
    caller: CallerDep,
    _csrf: CsrfDep,
    text: Annotated[str, Form(max_length=10_000)] = "",
    months: Annotated[int, Form(ge=0, le=12)] = 0,
    severity: Annotated[str, Form(max_length=10)] = "low",
) -> Response:
    calls: dict[str, Callable[[], Any]] = {
        "submit": lambda: experiments.submit(session, caller, experiment_id),
        "review": lambda: experiments.start_review(session, caller, experiment_id),
        "ask": lambda: experiments.ask_question(session, caller, experiment_id, text),
        "answer": lambda: experiments.answer(session, caller, experiment_id, text),
        "approve": lambda: experiments.approve(session, caller, experiment_id, text),
        "reject": lambda: experiments.reject(session, caller, experiment_id, text),
        "activate": lambda: experiments.activate(session, caller, experiment_id),
        "extend": lambda: experiments.extend(session, caller, experiment_id, months),
        "suspend": lambda: experiments.suspend(session, caller, experiment_id, text),
        "end": lambda: experiments.end(session, caller, experiment_id),
        "accept": lambda: supervision.accept_disclosure(session, caller, experiment_id),
        "incident": lambda: supervision.file_report(
            session, caller, experiment_id, kind="incident", summary=text, severity=severity
        ),
        "complaint": lambda: supervision.file_report(
            session, caller, experiment_id, kind="complaint", summary=text, severity=severity
        ),
    }
    failed = _attempt(session, calls[action])
    to = f"/sandbox/experiments/{experiment_id}"
    if failed is not None:
        return redirect(page, to, flash=failed.message, kind="error")
    return redirect(page, to, flash=N_("Done."))
