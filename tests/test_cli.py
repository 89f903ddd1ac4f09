"""The ``digiplus`` command: org, user and apikey set-up, and ``db upgrade`` on a fresh database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, select, text
from typer.testing import CliRunner

from digiplus.cli import app as cli_app
from digiplus.core.audit.models import AuditEntry
from digiplus.core.db import Database
from digiplus.identity.models import Membership, User

runner = CliRunner()
DIGIPLUS = Path(sys.executable).parent / "digiplus"


def run(*args: str, input: str | None = None) -> Any:
    return runner.invoke(cli_app, list(args), input=input)


def test_org_create_prints_json(db: Database) -> None:
    result = run("org", "create", "--name", "Lin's Dumplings", "--kind", "merchant", "--json")
    assert result.exit_code == 0, result.output
    org = json.loads(result.stdout)
    assert org["id"].startswith("org_")
    assert (org["object"], org["name"], org["kind"], org["country"], org["default_currency"]) == (
        "organization",
        "Lin's Dumplings",
        "merchant",
        "TW",
        "TWD",
    )
    with db.session() as session:
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.chain == org["id"])).all()
    assert actions == ["organization.created"]


def test_org_create_without_json_says_what_it_made(db: Database) -> None:
    result = run("org", "create", "--name", "Acme", "--kind", "startup")
    assert result.exit_code == 0
    assert result.stdout.startswith("created org_")
    assert result.stdout.rstrip().endswith("(startup) Acme")


def test_org_create_with_a_bad_kind_fails_clearly(db: Database) -> None:
    result = run("org", "create", "--name", "X", "--kind", "shop", "--json")
    assert result.exit_code == 2
    assert "Invalid value for '--kind'" in result.stderr
    assert "'shop' is not one of 'merchant'" in result.stderr
    assert result.stdout == ""


def test_org_create_with_a_bad_country_names_the_option(db: Database) -> None:
    result = run("org", "create", "--name", "X", "--kind", "merchant", "--country", "Taiwan")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: --country: String should match pattern")


def test_apikey_create_prints_a_secret_that_works(db: Database, client: Any) -> None:
    org = json.loads(run("org", "create", "--name", "Keyed", "--kind", "creator", "--json").stdout)
    result = run("apikey", "create", "--org", org["id"], "--mode", "test", "--json")
    assert result.exit_code == 0, result.output
    key = json.loads(result.stdout)
    assert key["secret"].startswith("sk_test_")
    assert (key["object"], key["livemode"], key["role"], key["name"], key["revoked"]) == (
        "api_key",
        False,
        "developer",
        "CLI key",
        False,
    )
    account = client.get("/v1/account", headers={"Authorization": f"Bearer {key['secret']}"})
    assert account.status_code == 200
    assert (account.json()["object"], account.json()["id"], account.json()["livemode"]) == (
        "organization",
        org["id"],
        False,
    )


def test_apikey_create_live_and_revoke(db: Database, client: Any) -> None:
    org = json.loads(run("org", "create", "--name", "Live", "--kind", "operator", "--json").stdout)
    key = json.loads(run("apikey", "create", "--org", org["id"], "--mode", "live", "--role", "owner", "--json").stdout)
    assert key["secret"].startswith("sk_live_")
    assert (key["livemode"], key["role"]) == (True, "owner")
    wrong_mode = run("apikey", "revoke", key["id"], "--org", org["id"], "--mode", "test")
    assert wrong_mode.exit_code == 1
    assert wrong_mode.stderr == f"error: No such api_key: '{key['id']}'\n"
    revoked = run("apikey", "revoke", key["id"], "--org", org["id"], "--mode", "live")
    assert revoked.exit_code == 0
    assert revoked.stdout == f"revoked {key['id']}\n"
    refused = client.get("/v1/account", headers={"Authorization": f"Bearer {key['secret']}"})
    assert refused.json()["error"]["code"] == "api_key_revoked"


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (["--org", "org_nope"], 1, "error: No such organization: 'org_nope'"),
        (["--org", "ORG", "--mode", "prod"], 2, "Invalid value for '--mode'"),
        (["--org", "ORG", "--role", "root"], 2, "Invalid value for '--role'"),
    ],
)
def test_apikey_create_refuses_bad_options(db: Database, args: list[str], exit_code: int, message: str) -> None:
    org = json.loads(run("org", "create", "--name", "O", "--kind", "agency", "--json").stdout)["id"]
    result = run("apikey", "create", *[org if a == "ORG" else a for a in args], "--json")
    assert result.exit_code == exit_code
    assert message in result.stderr
    assert result.stdout == ""


def test_user_create_with_password_on_the_command_line(db: Database) -> None:
    org = json.loads(run("org", "create", "--name", "Team", "--kind", "enterprise", "--json").stdout)["id"]
    result = run(
        "user", "create", "--email", "Mei@Example.com", "--name", "Mei", "--password", "correct horse",
        "--org", org, "--role", "admin", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = json.loads(result.stdout)
    assert (user["object"], user["email"], user["name"]) == ("user", "mei@example.com", "Mei")
    assert (user["membership"]["org_id"], user["membership"]["role"]) == (org, "admin")
    with db.session() as session:
        assert session.scalars(select(Membership.role).where(Membership.user_id == user["id"])).all() == ["admin"]
        password_hash = session.scalars(select(User.password_hash).where(User.id == user["id"])).one()
    assert password_hash.startswith("$argon2id$")


def test_user_create_asks_for_the_password_when_not_given(db: Database) -> None:
    result = run(
        "user", "create", "--email", "kai@example.com", "--name", "Kai", input="long enough pw\nlong enough pw\n"
    )
    assert result.exit_code == 0, result.output
    assert "created usr_" in result.stdout


@pytest.mark.parametrize(
    ("extra", "exit_code", "message"),
    [
        (["--password", "short"], 1, "error: --password: String should have at least 10 characters"),
        (["--password", "long enough", "--org", "org_nope"], 1, "error: No such organization: 'org_nope'"),
        (["--password", "long enough", "--org", "ORG", "--role", "boss"], 2, "Invalid value for '--role'"),
    ],
)
def test_user_create_refuses_bad_input_and_writes_nothing(
    db: Database, extra: list[str], exit_code: int, message: str
) -> None:
    org = json.loads(run("org", "create", "--name", "T", "--kind", "investor", "--json").stdout)["id"]
    result = run(
        "user", "create", "--email", "x@example.com", "--name", "X", *[org if a == "ORG" else a for a in extra]
    )
    assert result.exit_code == exit_code
    assert message in result.stderr
    with db.session() as session:
        assert session.scalars(select(User)).all() == []


def test_user_create_twice_is_refused(db: Database) -> None:
    args = ("user", "create", "--email", "dup@example.com", "--name", "D", "--password", "long enough")
    assert run(*args).exit_code == 0
    again = run(*args)
    assert again.exit_code == 1
    assert again.stderr == "error: A user with the email 'dup@example.com' exists already.\n"


def test_db_upgrade_then_set_up_on_a_fresh_sqlite_file(tmp_path: Path) -> None:
    """Real processes on a new database file: upgrade, create an org and a key, verify the audit trail."""
    url = f"sqlite:///{tmp_path}/fresh.db"
    env = {**os.environ, "DIGIPLUS_DATABASE_URL": url, "DIGIPLUS_DATA_DIR": str(tmp_path)}

    def digiplus(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(DIGIPLUS), *args], env=env, capture_output=True, text=True, timeout=120)

    upgraded = digiplus("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.strip() == f"database at head: {url}"
    engine = create_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert {"organizations", "users", "memberships", "api_keys", "audit_entries", "idempotency_keys"} <= tables
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    finally:
        engine.dispose()

    org = json.loads(digiplus("org", "create", "--name", "Fresh", "--kind", "association", "--json").stdout)
    key = json.loads(digiplus("apikey", "create", "--org", org["id"], "--mode", "test", "--json").stdout)
    assert key["secret"].startswith("sk_test_")
    verified = digiplus("audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.strip() == "audit verify ok: 1 chains, 2 entries checked"
