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
from digiplus.data.cli_harvest import harvest_command
from digiplus.data.models import IngestJob
from digiplus.data.models_alliances import Alliance, DataDemand
from digiplus.data.service import datasets, ingest
from digiplus.data.service.search import SearchQuery, reindex_all, search_sql

data_app = typer.Typer(help="The data catalogue: ingest, search, reindex, harvest.", no_args_is_help=True)
data_app.command("harvest")(harvest_command)


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
        # One search in a short-lived process: the SQL engine, not a load of the whole in-memory index.
        outcome = search_sql(session, caller, SearchQuery(q=q, limit=limit))
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


# --- alliances, the demand board and their embeddings (data module part 2) ----------------

alliances_app = typer.Typer(
    help="Alliances: list, found, invite, accept, members, the data chain.", no_args_is_help=True
)
demands_app = typer.Typer(help="The demand board: list, show, suggested matches.", no_args_is_help=True)
data_app.add_typer(alliances_app, name="alliances")
data_app.add_typer(demands_app, name="demands")


def _as_org(org: str | None, mode: str) -> Caller | None:
    """The operator acts as ``org`` (trusted, on the server) or, without one, as an anonymous visitor."""
    if mode not in ("live", "test"):
        typer.secho("error: --mode must be live or test", err=True, fg="red")
        raise typer.Exit(2)
    if org is None and mode == "test":
        typer.secho("error: anonymous visitors see live mode; give --org for test mode", err=True, fg="red")
        raise typer.Exit(2)
    return Caller.system(org, mode == "live") if org else None


def _need(caller: Caller | None) -> Caller:
    if caller is None:
        typer.secho("error: this needs --org (the org that acts)", err=True, fg="red")
        raise typer.Exit(2)
    return caller


def _fail(exc: DigiplusError) -> typer.Exit:
    typer.secho(f"error: {exc.message}" + (f" ({exc.param})" if exc.param else ""), err=True, fg="red")
    return typer.Exit(1)


def _echo_json(value: object) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, default=str))


ORG = typer.Option(None, "--org", help="Act as this org (org_…).")
MODE = typer.Option("live", "--mode", help="live or test.")


@alliances_app.command("list")
def alliances_list(
    org: str | None = ORG, mode: str = MODE, mine: bool = False, as_json: bool = typer.Option(False, "--json")
) -> None:
    """Alliances the org (or an anonymous visitor) may see."""
    from digiplus.data.service import alliances

    caller = _as_org(org, mode)
    with get_database().session() as session:
        found = list(
            session.scalars(alliances.alliances_query(session, caller, mine=mine).order_by(Alliance.id.desc()))
        )
        counts = alliances.member_counts(session, [a.id for a in found])
        rows = [(a.id, a.name_zh, a.name_en, a.listing, counts[a.id]) for a in found]
    if as_json:
        _echo_json([dict(zip(("id", "name_zh", "name_en", "listing", "members"), r, strict=True)) for r in rows])
        return
    for alliance_id, zh, en, listing, members in rows:
        typer.echo(f"{alliance_id}  {zh or en}  ({listing}, {members} member(s))")


@alliances_app.command("create")
def alliances_create(
    org: str = typer.Option(..., "--org", help="The founding org; it becomes the first admin."),
    name_zh: str = typer.Option("", "--name-zh"),
    name_en: str = typer.Option("", "--name-en"),
    purpose_en: str = typer.Option("", "--purpose-en"),
    purpose_zh: str = typer.Option("", "--purpose-zh"),
    private: bool = typer.Option(False, "--private", help="Listed to members only."),
    role: str = typer.Option("data_supplier", help="agency, association, data_supplier or data_user."),
    mode: str = MODE,
) -> None:
    from pydantic import ValidationError

    from digiplus.data.schemas_alliances import AllianceCreate
    from digiplus.data.service import alliances

    caller = _need(_as_org(org, mode))
    try:
        body = AllianceCreate(
            name_zh=name_zh,
            name_en=name_en,
            purpose_zh=purpose_zh,
            purpose_en=purpose_en,
            listing="private" if private else "public",
            role=role,  # type: ignore[arg-type]
        )
    except ValidationError as exc:
        typer.secho(f"error: {exc.errors()[0]['msg']}", err=True, fg="red")
        raise typer.Exit(1) from None
    try:
        with get_database().session() as session:
            alliance_id = alliances.create_alliance(session, caller, body).id
    except DigiplusError as exc:
        raise _fail(exc) from None
    typer.echo(alliance_id)


@alliances_app.command("invite")
def alliances_invite(
    alliance: str = typer.Argument(..., help="all_…"),
    invitee: str = typer.Argument(..., help="The invited org (org_…)."),
    org: str = typer.Option(..., "--org", help="An admin org of the alliance."),
    role: str = typer.Option(..., help="agency, association, data_supplier or data_user."),
    admin: bool = typer.Option(False, "--admin"),
    mode: str = MODE,
) -> None:
    from pydantic import ValidationError

    from digiplus.data.schemas_alliances import InvitationCreate
    from digiplus.data.service import alliances

    caller = _need(_as_org(org, mode))
    try:
        body = InvitationCreate(org=invitee, role=role, admin=admin)  # type: ignore[arg-type]
    except ValidationError as exc:
        typer.secho(f"error: {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}", err=True, fg="red")
        raise typer.Exit(1) from None
    try:
        with get_database().session() as session:
            invitation_id = alliances.invite(session, caller, alliance, body).id
    except DigiplusError as exc:
        raise _fail(exc) from None
    typer.echo(invitation_id)


@alliances_app.command("respond")
def alliances_respond(
    invitation: str = typer.Argument(..., help="alli_…"),
    answer: str = typer.Argument(..., help="accept or decline"),
    org: str = typer.Option(..., "--org", help="The invited org."),
    mode: str = MODE,
) -> None:
    """Accept or decline an invitation as the invited org."""
    from digiplus.data.service import alliances

    if answer not in ("accept", "decline"):
        typer.secho("error: answer is accept or decline", err=True, fg="red")
        raise typer.Exit(2)
    caller = _need(_as_org(org, mode))
    try:
        with get_database().session() as session:
            if answer == "accept":
                alliances.accept_invitation(session, caller, invitation)
            else:
                alliances.decline_invitation(session, caller, invitation)
    except DigiplusError as exc:
        raise _fail(exc) from None
    typer.echo(f"{invitation}: {answer}ed")


@alliances_app.command("members")
def alliances_members(alliance: str = typer.Argument(...), org: str | None = ORG, mode: str = MODE) -> None:
    from digiplus.data.service import alliances

    caller = _as_org(org, mode)
    try:
        with get_database().session() as session:
            rows = [
                (m.org_id, name, m.role, m.admin)
                for m, name in session.execute(alliances.members_query(session, caller, alliance)).all()
            ]
    except DigiplusError as exc:
        raise _fail(exc) from None
    for org_id, name, role, is_admin in rows:
        typer.echo(f"{org_id}  {name}  {role}{'  admin' if is_admin else ''}")


@alliances_app.command("chain")
def alliances_chain(
    alliance: str = typer.Argument(...),
    org: str | None = ORG,
    mode: str = MODE,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The data chain: who supplies and who uses which dataset (as the org would see it)."""
    from digiplus.data.service import alliances

    caller = _as_org(org, mode)
    try:
        with get_database().session() as session:
            chain = alliances.data_chain(session, caller, alliance)
    except DigiplusError as exc:
        raise _fail(exc) from None
    if as_json:
        _echo_json(chain)
        return
    labels = {n["id"]: n["label"]["zh-TW"] or n["label"]["en"] for n in chain["nodes"]}
    for e in chain["edges"]:
        verb = "supplies" if e["kind"] == "supplies" else "is used by"
        purpose = f"  ({e['purpose']})" if e.get("purpose") else ""
        typer.echo(f"{labels[e['source']]} {verb} {labels[e['target']]}{purpose}")


@demands_app.command("list")
def demands_list(
    status: str | None = typer.Option(None, help="open or closed"), org: str | None = ORG, mode: str = MODE
) -> None:
    from digiplus.data.service import demands

    caller = _as_org(org, mode)
    with get_database().session() as session:
        found = list(
            session.scalars(demands.demands_query(caller, status=status).order_by(DataDemand.id.desc()).limit(100))
        )
        counts = demands.answer_counts(session, [d.id for d in found])
        rows = [(d.id, d.title_zh or d.title_en, d.status, counts[d.id]) for d in found]
    for demand_id, title, state, answers in rows:
        typer.echo(f"{demand_id}  {title}  [{state}, {answers} answer(s)]")


@demands_app.command("suggest")
def demands_suggest(
    demand: str = typer.Argument(..., help="dmd_…"),
    limit: int = typer.Option(10, min=1, max=50),
    mode: str = MODE,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Suggested datasets for a demand, as its demander sees them."""
    from digiplus.data.service import demands, matching

    if mode not in ("live", "test"):
        typer.secho("error: --mode must be live or test", err=True, fg="red")
        raise typer.Exit(2)
    with get_database().session() as session:
        try:
            owner = demands.get_demand(session, Caller.system("operator", mode == "live"), demand)
        except DigiplusError as exc:
            raise _fail(exc) from None
        found = matching.suggest(session, Caller.system(owner.org_id, owner.livemode), demand, limit=limit)
        rows = [(s.dataset.id, s.dataset.title_zh or s.dataset.title_en, s.score, s.semantic, s.lexical) for s in found]
    if as_json:
        _echo_json([dict(zip(("dataset", "title", "score", "semantic", "lexical"), r, strict=True)) for r in rows])
        return
    for dataset_id, title, score, semantic, lexical in rows:
        typer.echo(
            f"{score:.3f}  {dataset_id}  {title}  (semantic {semantic if semantic is not None else '–'}, lexical {lexical})"
        )


@data_app.command("embeddings")
def embeddings_command(
    all_: bool = typer.Option(False, "--all", help="Recompute every dataset's embedding, not only stale ones."),
) -> None:
    """(Re)compute dataset embeddings for suggested matches, with a progress bar."""
    from digiplus.data.service.matching import refresh_embeddings

    started = time.perf_counter()
    with Progress(
        TextColumn("[bold]embeddings"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeElapsedColumn(),
    ) as bar:
        task = bar.add_task("embeddings", total=0)

        def on_progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        count = refresh_embeddings(get_database(), force=all_, on_progress=on_progress)
    typer.echo(f"embedded {count:,} datasets in {time.perf_counter() - started:.2f} s")
