"""The ``digiplus`` command: serve, worker, db, demo, and every module's sub-commands."""

from __future__ import annotations

import contextlib
import os

import typer
import uvicorn

from digiplus.core import migrate
from digiplus.core.worker import Worker
from digiplus.registry import parts
from digiplus.settings import get_settings

app = typer.Typer(help="digiplus: the DIGI+ digital-economy platform.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    worker: bool = typer.Option(True, help="Run the background worker as a thread of the server."),
    workers: int = typer.Option(1, min=1, help="Server processes (one per core); they share the port."),
) -> None:
    """Serve the web pages and the API (with the worker in a thread, by default).

    With ``--workers N`` uvicorn starts N processes of the app; the background worker
    then runs once, as a thread of the parent process, not in each of them (or turn it
    off with ``--no-worker`` and run ``digiplus worker`` on its own).
    """
    from digiplus.app import create_app
    from digiplus.core.logging import configure_logging

    migrate.upgrade()
    if workers == 1:
        uvicorn.run(create_app(run_worker=worker), host=host, port=port, log_config=None)
        return
    os.environ["DIGIPLUS_WORKER_ENABLED"] = "false"  # read by create_app() in every child process
    get_settings.cache_clear()
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    background = Worker() if worker else None
    if background:
        background.start_thread()
    try:
        uvicorn.run(
            "digiplus.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=None,
            timeout_worker_healthcheck=30,  # a child importing the app on a busy machine answers late
        )
    finally:
        if background:
            background.stop()


@app.command("worker")
def worker_command() -> None:
    """Run the background worker on its own (outbox, webhooks, clean-up)."""
    from digiplus.core.logging import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    import digiplus.app  # noqa: F401  (registers every module's worker tasks)

    with contextlib.suppress(KeyboardInterrupt):
        Worker().run_forever()


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply the migrations up to REVISION (default: the newest)."""
    migrate.upgrade(revision=revision)
    typer.echo(f"database at {revision}: {get_settings().database_url}")


for _module in parts("cli"):
    for _name, _sub in _module.COMMANDS.items():
        if isinstance(_sub, typer.Typer):
            app.add_typer(_sub, name=_name)
        else:
            app.command(_name)(_sub)
