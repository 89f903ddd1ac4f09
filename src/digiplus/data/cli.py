"""``digiplus data ingest FILE --dataset ID``, ``digiplus data reindex``, ``digiplus data search Q``."""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn, TransferSpeedColumn

from digiplus.core.context import Caller
from digiplus.core.db import get_database
from digiplus.core.errors import DigiplusError
from digiplus.data.models import IngestJob
from digiplus.data.service import datasets, ingest
from digiplus.data.service.search import SearchQuery, reindex_all, search

data_app = typer.Typer(help="The data catalogue: ingest, search, reindex.", no_args_is_help=True)


@data_app.command("ingest")
def ingest_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="CSV, .xlsx or .parquet"),
    dataset: str = typer.Option(..., "--dataset", help="The dataset (ds_…) that gets a new revision."),
    encoding: str | None = typer.Option(None, help="utf-8, utf-8-sig, cp950, big5…; detected when left out."),
    delimiter: str | None = typer.Option(None, help="',', ';', '|' or '\\t'; detected when left out."),
    version: str = typer.Option("", help="The new revision's version (default: the next number)."),
    note: str = typer.Option("", "--note", help="Change note of the revision."),
    as_json: bool = typer.Option(False, "--json", help="Print the finished job as JSON."),
) -> None:
    """Stage FILE in the lake and ingest it with a progress bar; exits 1 with the error report
    when validation fails (nothing is published then)."""
    db = get_database()
    try:
        with db.session() as session, file.open("rb") as stream:
            caller = datasets.operator_caller(session, dataset)
            job = ingest.stage_upload(
                session,
                caller,
                dataset,
                stream,
                file.name,
                encoding=encoding,
                delimiter="\t" if delimiter == "\\t" else delimiter,
                version=version,
                change_note=note,
            )
    except DigiplusError as exc:
        typer.secho(f"error: {exc.message}", err=True, fg="red")
        raise typer.Exit(1) from None
    started = time.perf_counter()
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TextColumn("{task.fields[rows]:,} rows"),
        TimeElapsedColumn(),
        disable=as_json,
    ) as bar:
        task = bar.add_task(file.name, total=job.bytes_total, rows=0)

        def on_progress(current: IngestJob) -> None:
            bar.update(task, completed=current.bytes_read, rows=current.rows_read)

        done = ingest.run_ingest_job(db, job.id, on_progress)
        bar.update(task, completed=done.bytes_read, rows=done.rows_read)
    seconds = time.perf_counter() - started
    if as_json:
        from digiplus.data.serializers import job_public

        typer.echo(json.dumps(job_public(done).model_dump()))
    if done.status == "succeeded":
        if not as_json:
            typer.echo(
                f"{done.id}: {done.rows_read:,} rows in {seconds:.2f} s ({done.rows_read / max(seconds, 1e-9):,.0f} rows/s); "
                f"revision {done.revision_id} of {dataset}"
            )
        return
    if not as_json:
        typer.secho(f"{done.id} failed: {done.failure}", err=True, fg="red")
        for e in done.errors[:20]:
            where = f"row {e['row']}" if e["row"] is not None else "file"
            typer.secho(f"  {where}{', ' + e['field'] if e['field'] else ''}: {e['code']}: {e['message']}", err=True)
    raise typer.Exit(1)


@data_app.command("reindex")
def reindex() -> None:
    """Rebuild the search documents of every dataset (one transaction)."""
    started = time.perf_counter()
    with get_database().session() as session:
        count = reindex_all(session)
    typer.echo(f"reindexed {count:,} datasets in {time.perf_counter() - started:.2f} s")


@data_app.command("search")
def search_command(
    q: str = typer.Argument("", help="Words in Chinese or English."),
    org: str | None = typer.Option(None, help="Search as this org (sees its own restricted data)."),
    mode: str = typer.Option("live", help="live or test."),
    limit: int = typer.Option(10, min=1, max=100),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Search the catalogue as an anonymous visitor (default) or as an org."""
    if mode not in ("live", "test"):
        typer.secho("error: --mode must be live or test", err=True, fg="red")
        raise typer.Exit(2)
    caller = Caller.system(org, mode == "live") if org else None
    if caller is None and mode == "test":
        typer.secho("error: anonymous search sees the live catalogue; give --org for test mode", err=True, fg="red")
        raise typer.Exit(2)
    with get_database().read_session() as session:
        outcome = search(session, caller, SearchQuery(q=q, limit=limit))
        rows = [(d.id, d.title_zh, d.title_en, ",".join(d.themes), d.access_rights) for d in outcome.datasets]
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "total": outcome.total,
                    "data": [
                        dict(zip(("id", "title_zh", "title_en", "themes", "access"), r, strict=True)) for r in rows
                    ],
                },
                ensure_ascii=False,
            )
        )
        return
    typer.echo(f"{outcome.total:,} dataset(s) match {q!r}")
    for dataset_id, zh, en, themes, access in rows:
        typer.echo(f"  {dataset_id}  {zh or en}  [{themes}] {access}" + (f"\n      {en}" if zh and en else ""))


COMMANDS = {"data": data_app}
