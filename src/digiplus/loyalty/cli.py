"""``digiplus loyalty …``: programmes and members of a merchant, the consumer run, expiry and birthdays."""

from __future__ import annotations

import json
from datetime import date

import typer

from digiplus.core.context import Caller
from digiplus.core.db import get_database
from digiplus.core.errors import DigiplusError
from digiplus.core.events import pending_count, run_consumer
from digiplus.loyalty.models import LoyaltyMember
from digiplus.loyalty.service import expiry, members, programmes
from digiplus.loyalty.service.consumer import CONSUMER

loyalty_app = typer.Typer(help="Loyalty programmes, members, points expiry and birthday bonuses.", no_args_is_help=True)
_ORG = typer.Option(..., "--org", help="The merchant organisation (org_…).")
_MODE = typer.Option("test", "--mode", help="test or live.")
_JSON = typer.Option(False, "--json", help="Print the API's JSON object(s).")


def _caller(org: str, mode: str) -> Caller:
    if mode not in ("test", "live"):
        typer.secho("error: --mode must be test or live", err=True, fg="red")
        raise typer.Exit(2)
    return Caller.system(org, livemode=mode == "live")


def _fail(exc: DigiplusError) -> typer.Exit:
    typer.secho(f"error: {exc.message}" + (f" ({exc.param})" if exc.param else ""), err=True, fg="red")
    return typer.Exit(1)


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        typer.secho(f"error: {option} must be a date (YYYY-MM-DD)", err=True, fg="red")
        raise typer.Exit(2) from None


@loyalty_app.command("programmes")
def list_programmes(org: str = _ORG, mode: str = _MODE, as_json: bool = _JSON) -> None:
    """The merchant's programmes with their rules and member counts."""
    caller = _caller(org, mode)
    with get_database().session() as session:
        found = [
            programmes.programme_data(p, members=programmes.member_count(session, p.id))
            for p in session.scalars(programmes.programmes_query(caller))
        ]
    if as_json:
        typer.echo(json.dumps({"object": "list", "data": found}, ensure_ascii=False))
        return
    if not found:
        typer.echo("no programmes")
    for p in found:
        tiers = ", ".join(f"{t['name']}≥{t['min_spend']}×{t['multiplier_percent']}%" for t in p["tiers"]) or "no tiers"
        typer.echo(
            f"{p['id']}  {p['name']}  {p['status']}  {p['points_per_unit']} pt / {p['spend_unit']} {p['currency']} minor"
            f"  expiry {p['expiry_months'] or 'never'} mo  {tiers}  members {p['members']}"
        )


@loyalty_app.command("members")
def list_members(
    org: str = _ORG,
    mode: str = _MODE,
    programme: str | None = typer.Option(None, "--programme", help="Only this programme (lp_…)."),
    limit: int = typer.Option(20, "--limit", min=1, max=1000),
    as_json: bool = _JSON,
) -> None:
    """Members, newest first: balance, reserved points, tier, stamps."""
    caller = _caller(org, mode)
    with get_database().session() as session:
        stmt = members.members_query(caller, programme).order_by(LoyaltyMember.id.desc()).limit(limit)
        found = [members.member_data(session, m) for m in session.scalars(stmt)]
    if as_json:
        typer.echo(json.dumps({"object": "list", "data": found}, ensure_ascii=False, default=str))
        return
    if not found:
        typer.echo("no members")
    for m in found:
        tier = (m["tier"]["current"] or {}).get("name", "—")
        stamps = f"  stamps {m['stamp_card']['stamps']}/{m['stamp_card']['required']}" if m["stamp_card"] else ""
        typer.echo(f"{m['id']}  {m['balance']:>8} pt  reserved {m['reserved']}  tier {tier}{stamps}")


@loyalty_app.command("member")
def show_member(member_id: str = typer.Argument(..., help="lm_…"), org: str = _ORG, mode: str = _MODE) -> None:
    """One member as JSON: balance, FIFO lots, tier, stamp card, vouchers. Exits 1 when not found."""
    caller = _caller(org, mode)
    try:
        with get_database().session() as session:
            data = members.member_data(session, members.get_member(session, caller, member_id))
    except DigiplusError as exc:
        raise _fail(exc) from None
    typer.echo(json.dumps(data, ensure_ascii=False, default=str, indent=2))


@loyalty_app.command("sync")
def sync() -> None:
    """Earn, complete, release and claw back now from every payment event not handled yet."""
    db = get_database()
    waiting = pending_count(db, CONSUMER)
    with typer.progressbar(length=waiting, label="payment events") as bar:
        handled = run_consumer(db, CONSUMER, progress=bar.update)
    typer.echo(f"handled {handled} events")


@loyalty_app.command("expire")
def expire(
    as_of: str = typer.Option(
        ..., "--as-of", help="Expire lots whose last valid day is before this date (YYYY-MM-DD)."
    ),
    org: str | None = typer.Option(None, "--org", help="Only this merchant's programmes."),
) -> None:
    """Expire points FIFO (safe to run again: nothing expires twice)."""
    day = _day(as_of, "--as-of")
    with get_database().session() as session:
        result = expiry.expire_points(session, day, org_id=org)
    typer.echo(f"expired {result['points']} points of {result['members']} members as of {day.isoformat()}")


@loyalty_app.command("birthdays")
def birthdays(
    on: str = typer.Option(..., "--on", help="The day (YYYY-MM-DD); members born in its month get the bonus."),
) -> None:
    """Give the birthday bonus of the day's month (once a year per member)."""
    day = _day(on, "--on")
    with get_database().session() as session:
        result = expiry.grant_birthday_bonuses(session, day)
    typer.echo(f"birthday bonus to {result['members']} members")


COMMANDS = {"loyalty": loyalty_app}
