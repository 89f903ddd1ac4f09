"""The audit trail: every identity change is an entry, the API lists them, ``audit verify`` catches tampering."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update
from typer.testing import CliRunner

from digiplus.cli import app as cli_app
from digiplus.core import audit
from digiplus.core.audit.models import AuditChainHead, AuditEntry
from digiplus.core.context import Caller
from digiplus.core.db import Database
from digiplus.identity import service
from digiplus.identity.schemas import UserCreate

runner = CliRunner()


def entries(db: Database, chain: str) -> list[AuditEntry]:
    with db.session() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.chain == chain).order_by(AuditEntry.seq)))


def verify() -> Any:
    return runner.invoke(cli_app, ["audit", "verify"])


@pytest.fixture
def org_with_history(api_for: Any, make_org: Any, db: Database) -> tuple[str, Any]:
    """An org whose owner key made a key, added a member and revoked the key: 5 entries in its chain."""
    org = make_org("Audited", "enterprise")
    owner = api_for(org, role="owner")
    with db.session() as session:
        service.create_user(session, UserCreate(email="eve@example.com", name="Eve", password="x" * 12))
    made = owner.post("/v1/api_keys", json={"name": "ci", "role": "analyst"})
    assert made.status_code == 200
    assert owner.post("/v1/members", json={"email": "eve@example.com", "role": "viewer"}).status_code == 200
    assert owner.post(f"/v1/api_keys/{made.json()['id']}/revoke").status_code == 200
    return org, owner


def test_every_identity_change_is_recorded(org_with_history: tuple[str, Any], db: Database) -> None:
    org, _owner = org_with_history
    chain = entries(db, org)
    assert [e.action for e in chain] == [
        "organization.created",
        "api_key.created",  # the owner key, made by the system
        "api_key.created",
        "membership.created",
        "api_key.revoked",
    ]
    assert [e.seq for e in chain] == [1, 2, 3, 4, 5]
    owner_key_id = chain[1].target_id
    assert (chain[0].actor_kind, chain[0].after) == ("system", {"name": "Audited", "kind": "enterprise"})
    assert (chain[2].actor_kind, chain[2].actor_id) == ("api_key", owner_key_id)
    assert chain[2].after == {"name": "ci", "role": "analyst", "livemode": False}
    assert chain[3].after is not None
    assert chain[3].after["role"] == "viewer"
    assert (chain[4].before, chain[4].after) == ({"revoked": False}, {"revoked": True})
    assert chain[4].request_id is not None
    assert chain[4].request_id.startswith("req_")
    users = entries(db, "platform")
    assert [(e.action, e.after) for e in users] == [("user.created", {"email": "eve@example.com"})]


def test_audit_entries_api_lists_the_orgs_chain(org_with_history: tuple[str, Any], db: Database) -> None:
    org, owner = org_with_history
    response = owner.get("/v1/audit_entries", params={"limit": 100})
    assert response.status_code == 200
    body = response.json()
    assert (body["object"], body["url"], body["has_more"]) == ("list", "/v1/audit_entries", False)
    stored = entries(db, org)
    assert [e["id"] for e in body["data"]] == sorted((e.id for e in stored), reverse=True)
    revoked = next(e for e in body["data"] if e["action"] == "api_key.revoked")
    row = next(e for e in stored if e.action == "api_key.revoked")
    assert revoked == {
        "id": row.id,
        "object": "audit_entry",
        "created": int(row.created.timestamp()),
        "livemode": False,
        "seq": 5,
        "actor_kind": "api_key",
        "actor_id": row.actor_id,
        "action": "api_key.revoked",
        "target_type": "api_key",
        "target_id": row.target_id,
        "before": {"revoked": False},
        "after": {"revoked": True},
        "request_id": row.request_id,
        "hash": row.hash,
    }


def test_audit_entries_are_paged(org_with_history: tuple[str, Any]) -> None:
    _, owner = org_with_history
    every = [e["id"] for e in owner.get("/v1/audit_entries").json()["data"]]
    first = owner.get("/v1/audit_entries", params={"limit": 2}).json()
    second = owner.get("/v1/audit_entries", params={"limit": 2, "starting_after": first["data"][-1]["id"]}).json()
    third = owner.get("/v1/audit_entries", params={"limit": 2, "starting_after": second["data"][-1]["id"]}).json()
    assert [e["id"] for e in first["data"] + second["data"] + third["data"]] == every
    assert [first["has_more"], second["has_more"], third["has_more"]] == [True, True, False]


def test_audit_entries_need_audit_read_and_stay_in_the_org(org_with_history: tuple[str, Any], api_for: Any) -> None:
    org, _ = org_with_history
    developer = api_for(org)
    denied = developer.get("/v1/audit_entries")
    assert denied.status_code == 403
    assert denied.json()["error"]["type"] == "permission_error"
    admin = api_for(org, role="admin")
    assert len(admin.get("/v1/audit_entries", params={"limit": 100}).json()["data"]) == 7  # + the two new keys
    stranger = api_for(role="owner")
    theirs = stranger.get("/v1/audit_entries").json()["data"]
    assert [e["action"] for e in theirs] == ["api_key.created", "organization.created"]


# --- digiplus audit verify ------------------------------------------------------------


def test_verify_passes_on_an_untouched_trail(org_with_history: tuple[str, Any]) -> None:
    result = verify()
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "audit verify ok: 2 chains, 6 entries checked"


@pytest.mark.parametrize(
    ("column", "value"),
    [("action", "api_key.rotated"), ("after", {"name": "ci", "role": "owner", "livemode": False})],
)
def test_verify_fails_naming_an_edited_entry(
    org_with_history: tuple[str, Any], db: Database, column: str, value: Any
) -> None:
    org, _ = org_with_history
    victim = entries(db, org)[2]
    with db.engine.begin() as conn:  # an UPDATE straight on the table, as an intruder with SQL access would
        conn.execute(update(AuditEntry).where(AuditEntry.id == victim.id).values({column: value}))
    result = verify()
    assert result.exit_code == 1
    assert f"BROKEN chain {org}: entry {victim.id} (seq 3) was altered" in result.stderr
    assert "audit verify FAILED: 2 chains" in result.stdout


def test_verify_fails_when_the_newest_entry_is_removed(org_with_history: tuple[str, Any], db: Database) -> None:
    org, _ = org_with_history
    with db.engine.begin() as conn:
        conn.execute(delete(AuditEntry).where(AuditEntry.chain == org, AuditEntry.seq == 5))
    result = verify()
    assert result.exit_code == 1
    assert f"BROKEN chain {org}: ends at seq 4 but its head says seq 5 (entries removed)" in result.stderr


def test_verify_fails_when_a_middle_entry_is_removed(org_with_history: tuple[str, Any], db: Database) -> None:
    org, _ = org_with_history
    after_gap = entries(db, org)[3]
    with db.engine.begin() as conn:
        conn.execute(delete(AuditEntry).where(AuditEntry.chain == org, AuditEntry.seq == 3))
    result = verify()
    assert result.exit_code == 1
    assert f"BROKEN chain {org}: entry seq 3 is missing (next is {after_gap.id}, seq 4)" in result.stderr


def test_verify_fails_when_an_entry_is_moved_between_orgs(
    org_with_history: tuple[str, Any], make_org: Any, db: Database
) -> None:
    org, _ = org_with_history
    other = make_org("Other")
    victim = entries(db, org)[1]
    with db.engine.begin() as conn:
        conn.execute(update(AuditEntry).where(AuditEntry.id == victim.id).values(org_id=other))
    result = verify()
    assert result.exit_code == 1
    assert f"entry {victim.id} (seq 2) was altered" in result.stderr


# --- concurrency ------------------------------------------------------------------


def test_concurrent_appends_get_consecutive_seqs(make_org: Any, db: Database) -> None:
    """Threads appending to one org's chain at once: no seq twice, none skipped, the chain verifies.

    SQLite serialises the writers with BEGIN IMMEDIATE; PostgreSQL with the head row's lock.
    """
    org = make_org()
    threads, per_thread = 6, 5
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def append(worker: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                with db.session() as session:
                    audit.record(session, Caller.system(org, False), "test.appended", "thing", f"t{worker}-{i}")
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    workers = [threading.Thread(target=append, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    chain = entries(db, org)
    assert [e.seq for e in chain] == list(range(1, threads * per_thread + 2))
    assert len({e.target_id for e in chain[1:]}) == threads * per_thread
    with db.session() as session:
        head = session.get(AuditChainHead, org)
        assert head is not None
        assert (head.seq, head.hash) == (chain[-1].seq, chain[-1].hash)
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.chain == org)) == 31
        report = audit.verify_chains(session)
    assert report.ok, report.problems
