"""``digiplus data …``: the catalogue from the command line."""

from __future__ import annotations

import typer

from digiplus.data.cli_harvest import harvest_command

data_app = typer.Typer(help="The data catalogue: ingest, harvest, search.", no_args_is_help=True)
data_app.command("harvest")(harvest_command)

COMMANDS = {"data": data_app}
