"""The demo's two sandbox experiments: one active with a participant, payments and refusals; one under review."""

from __future__ import annotations

from sqlalchemy import select

from digiplus.core.db import Database
from digiplus.demo.sandbox import build_demo_sandbox
from digiplus.demo.service import build_demo_world
from digiplus.ledger import verify_ledger
from digiplus.sandbox.models import Experiment, ExperimentReport


def test_demo_sandbox(db: Database) -> None:
    with db.session() as session:
        world = build_demo_world(session)
        made = build_demo_sandbox(session, world.orgs)
        assert (made.created, made.refused) == (True, 3)
        assert build_demo_sandbox(session, world.orgs).created is False
    with db.session() as session:
        rows = {e.status: e for e in session.scalars(select(Experiment))}
        assert sorted(rows) == ["active", "questions"] or sorted(rows) == ["active", "under_review"]
        active = rows["active"]
        assert (active.exposure_used, active.payments_count, active.refusals, active.participants_used) == (
            1_590_00,
            3,
            3,
            1,
        )
        kinds = sorted(session.scalars(select(ExperimentReport.kind)))
        assert kinds == ["complaint", "incident"]
        assert verify_ledger(session).ok
