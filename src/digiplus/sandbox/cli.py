"""``digiplus sandbox …``: list and inspect experiments, the agency's decisions, expiry, the final report."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import typer
from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.core.db import get_database
from digiplus.core.errors import DigiplusError
from digiplus.sandbox.service import experiments, supervision
from digiplus.sandbox.service.common import experiment_data, visible_experiment
from digiplus.sandbox.service.magic import magic_values

sandbox_app = typer.Typer(help="The FinTech sandbox: experiments and test mode's magic values.", no_args_is_help=True)
AGENCY = typer.Option(..., "--agency", help="The supervising operator org's id (acting as its owner).")
LIVE = typer.Option(True, "--live/--test", help="Live (default) or test mode.")


def _run(org: str, live: bool, action: Callable[[Session, Caller], Any]) -> Any:
    try:
        with get_database().session() as session:
            return action(session, Caller.system(org, live))
    except DigiplusError as e:
        typer.secho(f"error: {e.code}: {e.message}", err=True, fg="red")
        raise typer.Exit(1) from None


def _show(e: Any) -> None:
    d = experiment_data(e)
    u, lim = d["usage"], d["limits"]
    typer.echo(
        f"{d['id']}  {d['status']:<12} {d['title']}  exposure {u['exposure']}/{lim['total_exposure']}  "
        f"participants {u['participants']}/{lim['participants']}  refusals {u['refusals']}"
    )


@sandbox_app.command("magic-values")
def magic_values_command() -> None:
    """Print test mode's magic amounts and bank accounts as JSON."""
    typer.echo(json.dumps(magic_values(), indent=2, ensure_ascii=False))


@sandbox_app.command("list")
def list_command(agency: str = AGENCY, live: bool = LIVE, status: str | None = typer.Option(None)) -> None:
    """Every experiment of the mode (as the agency)."""

    def action(session: Session, caller: Caller) -> None:
        for e in session.scalars(experiments.experiments_query(session, caller, status).order_by("id")):
            _show(e)

    _run(agency, live, action)


@sandbox_app.command("show")
def show_command(experiment_id: str, agency: str = AGENCY, live: bool = LIVE) -> None:
    """One experiment as JSON."""
    data = _run(agency, live, lambda s, c: experiment_data(visible_experiment(s, c, experiment_id)))
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


@sandbox_app.command("review")
def review_command(experiment_id: str, agency: str = AGENCY, live: bool = LIVE) -> None:
    """Start reviewing a submitted application."""
    _show(_run(agency, live, lambda s, c: experiments.start_review(s, c, experiment_id)))


@sandbox_app.command("ask")
def ask_command(experiment_id: str, question: str, agency: str = AGENCY, live: bool = LIVE) -> None:
    """Ask the applicant a question."""
    _show(_run(agency, live, lambda s, c: experiments.ask_question(s, c, experiment_id, question)))


@sandbox_app.command("approve")
def approve_command(
    experiment_id: str,
    conditions: str = typer.Option("", help="Conditions of approval."),
    agency: str = AGENCY,
    live: bool = LIVE,
) -> None:
    """Approve (with conditions)."""
    _show(_run(agency, live, lambda s, c: experiments.approve(s, c, experiment_id, conditions)))


@sandbox_app.command("reject")
def reject_command(experiment_id: str, reason: str, agency: str = AGENCY, live: bool = LIVE) -> None:
    """Reject an application."""
    _show(_run(agency, live, lambda s, c: experiments.reject(s, c, experiment_id, reason)))


@sandbox_app.command("extend")
def extend_command(experiment_id: str, months: int, agency: str = AGENCY, live: bool = LIVE) -> None:
    """Extend a running experiment (once)."""
    _show(_run(agency, live, lambda s, c: experiments.extend(s, c, experiment_id, months)))


@sandbox_app.command("suspend")
def suspend_command(experiment_id: str, reason: str, agency: str = AGENCY, live: bool = LIVE) -> None:
    """Suspend a running experiment: its payments are refused from now on."""
    _show(_run(agency, live, lambda s, c: experiments.suspend(s, c, experiment_id, reason)))


@sandbox_app.command("suspend-expired")
def suspend_expired_command() -> None:
    """Suspend every running experiment whose period is over (the worker does this too)."""
    with get_database().session() as session:
        typer.echo(f"{experiments.suspend_expired(session)} experiment(s) suspended")


@sandbox_app.command("report")
def report_command(
    experiment_id: str,
    agency: str = AGENCY,
    live: bool = LIVE,
    csv: bool = typer.Option(False, "--csv", help="CSV (per day, then the totals) instead of JSON."),
) -> None:
    """The final report of an experiment."""
    report = _run(agency, live, lambda s, c: supervision.final_report(s, c, experiment_id))
    typer.echo(supervision.final_report_csv(report) if csv else json.dumps(report, indent=2, ensure_ascii=False))


COMMANDS = {"sandbox": sandbox_app}
