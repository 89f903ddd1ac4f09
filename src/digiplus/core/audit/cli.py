"""``digiplus audit verify``."""

from __future__ import annotations

import typer

from digiplus.core.audit.service import verify_chains
from digiplus.core.db import get_database

audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)


@audit_app.command("verify")
def verify() -> None:
    """Recompute every audit hash chain; exit 1 naming the first broken entry of each chain."""
    with get_database().session() as session:
        report = verify_chains(session)
    for problem in report.problems:
        typer.secho(f"BROKEN {problem}", fg="red", err=True)
    status = "ok" if report.ok else "FAILED"
    typer.echo(f"audit verify {status}: {report.chains} chains, {report.entries} entries checked")
    if not report.ok:
        raise typer.Exit(1)


COMMANDS = {"audit": audit_app}
