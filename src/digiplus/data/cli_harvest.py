"""``digiplus data harvest URL``: harvest a catalogue into an org, with a progress bar."""

from __future__ import annotations

import typer

from digiplus.core.context import Caller
from digiplus.core.db import get_database, utcnow
from digiplus.core.errors import DigiplusError
from digiplus.data.dcat.harvest import HARVEST_KINDS, HttpFetcher, harvest
from digiplus.data.service import harvest_sources
from digiplus.data.service.harvest import store_run


def harvest_command(
    url: str = typer.Argument(..., help="The catalogue: a DCAT document, a CKAN portal or data.gov.tw's export."),
    org: str = typer.Option(..., help="The organisation (org_…) the datasets are harvested into."),
    kind: str | None = typer.Option(None, help="dcat | ckan | datagovtw (guessed from the URL when left out)."),
    mode: str = typer.Option("test", help="test or live."),
    rows: int = typer.Option(100, min=1, max=1000, help="CKAN: packages per page."),
) -> None:
    """Fetch, parse and upsert one source in one transaction; print the run's report."""
    if mode not in ("test", "live"):
        typer.secho("error: --mode must be test or live", err=True, fg="red")
        raise typer.Exit(2)
    if kind is not None and kind not in HARVEST_KINDS:
        typer.secho(f"error: --kind must be one of {', '.join(HARVEST_KINDS)}", err=True, fg="red")
        raise typer.Exit(2)
    caller = Caller.system(org, mode == "live")
    db = get_database()
    try:
        with db.session() as session:
            source = harvest_sources.get_or_create_source(session, caller, url, kind)
            source_id, source_kind = source.id, source.kind
    except DigiplusError as exc:
        typer.secho(f"error: {exc.message}", err=True, fg="red")
        raise typer.Exit(1) from None
    started = utcnow()
    with typer.progressbar(length=1, label=f"harvesting {source_kind}", show_pos=True) as bar:

        def progress(done: int, total: int | None) -> None:
            bar.length = max(total or done, 1)
            bar.update(done - bar.pos)

        parsed = harvest(url, source_kind, HttpFetcher(), rows=rows, progress=progress)  # type: ignore[arg-type]
    with db.session() as session:
        run = store_run(session, caller, source_id, parsed, started)
        line = (
            f"{run.id} {run.status}: created {run.created_count}, updated {run.updated_count}, "
            f"unchanged {run.unchanged_count}, failed {run.failed_count} ({run.pages} pages)"
        )
        failures, error = list(run.failures), run.error
    typer.echo(line)
    for failure in failures[:20]:
        typer.echo(f"  skipped {failure['identifier'] or '-'}: {failure['reason']}")
    if error:
        typer.secho(f"error: {error}", err=True, fg="red")
        raise typer.Exit(1)
