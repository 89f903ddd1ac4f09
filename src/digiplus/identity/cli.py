"""``digiplus org|user|apikey …``."""

from __future__ import annotations

import json
from typing import cast

import typer

from digiplus.core.context import Caller
from digiplus.core.db import get_database
from digiplus.core.errors import DigiplusError
from digiplus.core.permissions import Role
from digiplus.identity import service
from digiplus.identity.schemas import ApiKeyCreate, OrganizationCreate, UserCreate
from digiplus.identity.serializers import api_key_public

org_app = typer.Typer(help="Organisations.", no_args_is_help=True)
user_app = typer.Typer(help="Users.", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys.", no_args_is_help=True)


def fail(exc: Exception) -> None:
    message = exc.message if isinstance(exc, DigiplusError) else str(exc)
    typer.secho(f"error: {message}", err=True, fg="red")
    raise typer.Exit(1)


@org_app.command("create")
def org_create(
    name: str = typer.Option(..., help="Display name."),
    kind: str = typer.Option(
        ..., help="merchant, consumer, enterprise, agency, association, startup, creator, investor or operator."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the organisation as JSON."),
) -> None:
    """Create an organisation."""
    try:
        data = OrganizationCreate(name=name, kind=kind)  # type: ignore[arg-type]
        with get_database().session() as session:
            org = service.create_organization(session, data)
    except Exception as exc:  # pydantic or domain errors, shown plainly
        fail(exc)
    if as_json:
        typer.echo(json.dumps({"id": org.id, "object": "organization", "name": org.name, "kind": org.kind}))
    else:
        typer.echo(f"created {org.id} ({org.kind}) {org.name}")


@user_app.command("create")
def user_create(
    email: str = typer.Option(...),
    name: str = typer.Option(...),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
    org: str | None = typer.Option(None, help="Make the user a member of this org."),
    role: str = typer.Option("owner", help="Role in --org."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Create a user (and optionally a membership)."""
    try:
        with get_database().session() as session:
            user = service.create_user(session, UserCreate(email=email, name=name, password=password))
            if org:
                service.get_organization(session, org)
                service.add_member(session, None, org, user.id, cast(Role, role))
    except Exception as exc:
        fail(exc)
    if as_json:
        typer.echo(json.dumps({"id": user.id, "object": "user", "email": user.email}))
    else:
        typer.echo(f"created {user.id} {user.email}")


@apikey_app.command("create")
def apikey_create(
    org: str = typer.Option(..., help="The organisation id (org_…)."),
    mode: str = typer.Option("test", help="test or live."),
    name: str = typer.Option("CLI key"),
    role: str = typer.Option("developer"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON including the secret."),
) -> None:
    """Create an API key; the secret is printed once."""
    if mode not in ("test", "live"):
        fail(ValueError("--mode must be test or live"))
    try:
        with get_database().session() as session:
            service.get_organization(session, org)
            caller = Caller.system(org, livemode=mode == "live")
            key, secret = service.create_api_key(session, caller, ApiKeyCreate(name=name, role=role))  # type: ignore[arg-type]
    except Exception as exc:
        fail(exc)
    if as_json:
        typer.echo(json.dumps({**api_key_public(key).model_dump(), "secret": secret}))
    else:
        typer.echo(f"created {key.id}: {secret}\n(the secret is shown only this once)")


@apikey_app.command("revoke")
def apikey_revoke(
    org: str = typer.Option(...), key_id: str = typer.Argument(...), mode: str = typer.Option("test")
) -> None:
    """Revoke an API key at once."""
    try:
        with get_database().session() as session:
            service.revoke_api_key(session, Caller.system(org, livemode=mode == "live"), key_id)
    except Exception as exc:
        fail(exc)
    typer.echo(f"revoked {key_id}")


COMMANDS = {"org": org_app, "user": user_app, "apikey": apikey_app}
