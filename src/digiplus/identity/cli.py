"""``digiplus org|user|apikey …``: set-up by an operator; each change is audited as the system's."""

from __future__ import annotations

import json
from typing import Any, Literal, NoReturn

import typer
from pydantic import ValidationError

from digiplus.core.context import Caller
from digiplus.core.db import get_database
from digiplus.core.errors import DigiplusError
from digiplus.identity import service
from digiplus.identity.schemas import ApiKeyCreate, OrganizationCreate, OrgKind, RoleName, UserCreate
from digiplus.identity.serializers import api_key_public

org_app = typer.Typer(help="Organisations.", no_args_is_help=True)
user_app = typer.Typer(help="Users.", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys.", no_args_is_help=True)

Mode = Literal["test", "live"]


def _fail(exc: DigiplusError | ValidationError) -> NoReturn:
    """Say what was wrong in one line (naming the option) and exit 1."""
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        option = "--" + "-".join(str(p) for p in first["loc"]).replace("_", "-")
        message = f"{option}: {first['msg']}"
    else:
        message = exc.message
    typer.secho(f"error: {message}", err=True, fg="red")
    raise typer.Exit(1)


def _echo_json(data: dict[str, Any]) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False))


@org_app.command("create")
def org_create(
    name: str = typer.Option(..., help="Display name."),
    kind: OrgKind = typer.Option(..., help="What the organisation is."),
    country: str = typer.Option("TW", help="ISO 3166 country code."),
    currency: str = typer.Option("TWD", help="Default ISO 4217 currency."),
    as_json: bool = typer.Option(False, "--json", help="Print the organisation as JSON."),
) -> None:
    """Create an organisation."""
    try:
        data = OrganizationCreate(name=name, kind=kind, country=country, default_currency=currency)
        with get_database().session() as session:
            org = service.create_organization(session, data)
    except (DigiplusError, ValidationError) as exc:
        _fail(exc)
    if as_json:
        _echo_json(
            {
                "id": org.id,
                "object": "organization",
                "created": int(org.created.timestamp()),
                "name": org.name,
                "kind": org.kind,
                "country": org.country,
                "default_currency": org.default_currency,
            }
        )
    else:
        typer.echo(f"created {org.id} ({org.kind}) {org.name}")


@user_app.command("create")
def user_create(
    email: str = typer.Option(...),
    name: str = typer.Option(...),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="Asked for when not given."
    ),
    org: str | None = typer.Option(None, help="Make the user a member of this org (org_…)."),
    role: RoleName = typer.Option("owner", help="The user's role in --org."),
    as_json: bool = typer.Option(False, "--json", help="Print the user as JSON."),
) -> None:
    """Create a user (and, with --org, their membership)."""
    try:
        data = UserCreate(email=email, name=name, password=password)
        with get_database().session() as session:
            if org:
                service.get_organization(session, org)
            user = service.create_user(session, data)
            membership = service.add_member(session, None, org, user.id, role) if org else None
    except (DigiplusError, ValidationError) as exc:
        _fail(exc)
    if as_json:
        member = {"id": membership.id, "org_id": membership.org_id, "role": membership.role} if membership else None
        _echo_json({"id": user.id, "object": "user", "email": user.email, "name": user.name, "membership": member})
    else:
        typer.echo(f"created {user.id} {user.email}" + (f" ({role} of {org})" if org else ""))


@apikey_app.command("create")
def apikey_create(
    org: str = typer.Option(..., help="The organisation id (org_…)."),
    mode: Mode = typer.Option("test", help="sk_test_ keys see test objects, sk_live_ live ones."),
    name: str = typer.Option("CLI key"),
    role: RoleName = typer.Option("developer"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON including the secret."),
) -> None:
    """Create an API key; the secret is printed once."""
    try:
        data = ApiKeyCreate(name=name, role=role)
        with get_database().session() as session:
            service.get_organization(session, org)
            key, secret = service.create_api_key(session, Caller.system(org, livemode=mode == "live"), data)
    except (DigiplusError, ValidationError) as exc:
        _fail(exc)
    if as_json:
        _echo_json({**api_key_public(key).model_dump(), "secret": secret})
    else:
        typer.echo(f"created {key.id}: {secret}\n(the secret is shown only this once)")


@apikey_app.command("revoke")
def apikey_revoke(
    key_id: str = typer.Argument(..., help="The key id (key_…)."),
    org: str = typer.Option(..., help="The organisation id (org_…)."),
    mode: Mode = typer.Option("test"),
) -> None:
    """Revoke an API key at once."""
    try:
        with get_database().session() as session:
            service.revoke_api_key(session, Caller.system(org, livemode=mode == "live"), key_id)
    except DigiplusError as exc:
        _fail(exc)
    typer.echo(f"revoked {key_id}")


COMMANDS = {"org": org_app, "user": user_app, "apikey": apikey_app}
