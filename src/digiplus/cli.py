"""The ``digiplus`` command: serve, worker, db, demo, and every module's sub-commands."""

from __future__ import annotations

import contextlib

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
) -> None:
    """Serve the web pages and the API (with the worker in a thread, by default)."""
    from digiplus.app import create_app

    migrate.upgrade()
    uvicorn.run(create_app(run_worker=worker), host=host, port=port, log_config=None)


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
