"""``digiplus lake sync | compact | import | status``."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import typer
from rich.progress import BarColumn, DownloadColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from digiplus.core.db import get_database
from digiplus.core.errors import DigiplusError
from digiplus.lake import imports
from digiplus.lake.compaction import compact
from digiplus.lake.facts import FACT_TABLES
from digiplus.lake.models import HistoryImport
from digiplus.lake.serializers import import_public
from digiplus.lake.store import get_lake
from digiplus.lake.sync import DEFAULT_BATCH, pending_events, sync_lake

lake_app = typer.Typer(help="The lake: fact tables synced from the outbox, compaction, history imports.")


@lake_app.command("sync")
def sync_command(
    batch_size: int = typer.Option(DEFAULT_BATCH, min=1, max=100_000, help="Events per batch (one file per day each)."),
) -> None:
    """Catch the fact tables up with the outbox (safe to re-run: no duplicates, no gaps)."""
    db = get_database()
    pending = pending_events(db)
    started = time.perf_counter()
    with Progress(TextColumn("[bold]lake sync"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()) as bar:
        task = bar.add_task("events", total=pending)
        done = sync_lake(db, batch_size=batch_size, progress=lambda n: bar.advance(task, n))
    seconds = time.perf_counter() - started
    typer.echo(
        f"synced {done:,} events in {seconds:.2f} s ({done / max(seconds, 1e-9):,.0f} events/s); lake {get_lake().url}"
    )


@lake_app.command("compact")
def compact_command(
    table: list[str] = typer.Option([], "--table", help="Only these fact tables (repeatable)."),
    since: str | None = typer.Option(None, help="First day (YYYY-MM-DD)."),
    until: str | None = typer.Option(None, help="Last day (YYYY-MM-DD)."),
) -> None:
    """Merge each day's small files into one per source (no duplicate ids kept)."""
    unknown = [t for t in table if t not in FACT_TABLES]
    if unknown:
        typer.secho(f"error: unknown table {unknown[0]!r}; tables: {', '.join(FACT_TABLES)}", err=True, fg="red")
        raise typer.Exit(2)
    days = None
    if since or until:
        try:
            days = (date.fromisoformat(since or "1970-01-01"), date.fromisoformat(until or "9999-12-31"))
        except ValueError:
            typer.secho("error: --since and --until are dates, YYYY-MM-DD", err=True, fg="red")
            raise typer.Exit(2) from None
    started = time.perf_counter()
    with Progress(TextColumn("[bold]lake compact"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()) as bar:
        task = bar.add_task("partitions", total=None)
        report = compact(
            get_database(),
            get_lake(),
            tables=table or None,
            days=days,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    typer.echo(
        f"compacted {report.merged_partitions:,} of {report.partitions:,} partitions: {report.files_in:,} files → "
        f"{report.files_out:,}, {report.rows_in:,} rows → {report.rows_out:,} "
        f"({report.skipped_files} files of uncommitted batches left) in {time.perf_counter() - started:.2f} s"
    )


@lake_app.command("import")
def import_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="The old POS's CSV export."),
    merchant: str = typer.Option(..., "--merchant", help="The merchant's org id (org_…)."),
    live: bool = typer.Option(False, "--live", help="Import into live mode (default: test mode)."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Import a merchant's past sales into the lake with a progress bar; exits 1 if rows were rejected."""
    db = get_database()
    try:
        with db.session() as session, file.open("rb") as stream:
            caller = imports.server_caller(session, merchant, live)
            job = imports.stage_import(session, caller, stream, file.name)
    except DigiplusError as exc:
        typer.secho(f"error: {exc.message}", err=True, fg="red")
        raise typer.Exit(2) from None
    started = time.perf_counter()
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[rows]:,} rows, {task.fields[rejected]:,} rejected"),
        TimeElapsedColumn(),
        disable=as_json,
    ) as bar:
        task = bar.add_task(file.name, total=job.bytes_total, rows=0, rejected=0)

        def on_progress(current: HistoryImport) -> None:
            bar.update(task, completed=current.bytes_read, rows=current.rows_read, rejected=current.rows_rejected)

        imports.run_import(db, job.id, progress=on_progress)
    with db.session() as session:
        done = imports.get_import(session, caller, job.id)
        report = import_public(done)
    if as_json:
        typer.echo(json.dumps(report))
    elif done.status == "succeeded":
        typer.echo(
            f"{done.id}: {done.rows_read:,} rows read, {done.rows_imported:,} imported, "
            f"{done.rows_already_imported:,} already in the lake, {done.rows_rejected:,} rejected; "
            f"{done.files_written} files, {done.first_day} to {done.last_day}, in {time.perf_counter() - started:.2f} s"
        )
        for e in done.errors[:20]:
            typer.secho(f"  row {e['row']}, {e['column']}: {e['reason']} ({e['code']})", err=True)
        if len(done.errors) > 20:
            typer.secho(f"  … {done.rows_rejected - 20:,} more rejected rows (see --json)", err=True)
    else:
        typer.secho(f"{done.id} failed: {done.failure}", err=True, fg="red")
    if done.status != "succeeded":
        raise typer.Exit(1)
    if done.rows_rejected:
        raise typer.Exit(1)


@lake_app.command("status")
def status_command() -> None:
    """Events waiting for the sync, and the files and rows of each fact table."""
    lake = get_lake()
    typer.echo(f"lake {lake.url}; {pending_events(get_database()):,} events waiting for `digiplus lake sync`")
    for name, fact in FACT_TABLES.items():
        keys = [k for k in lake.keys(fact.prefix) if k.endswith(".parquet")]
        rows = sum(lake.metadata(k).num_rows for k in keys)
        days = {k[len(fact.prefix) :].split("/", 1)[0] for k in keys}
        typer.echo(f"  {name} v{fact.version}: {rows:,} rows in {len(keys):,} files over {len(days):,} days")


COMMANDS = {"lake": lake_app}
