"""The demo world's terminals: several merchants, online/offline/unpaired/disabled, a week of
sales on the counters with totals that match the ledger; a second build adds nothing."""

from __future__ import annotations

from collections import Counter

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from digiplus.core.context import Caller
from digiplus.core.db import Database
from digiplus.demo.payments import build_demo_payments
from digiplus.demo.service import build_demo_world
from digiplus.demo.terminals import build_demo_terminals
from digiplus.identity import service as identity
from digiplus.payments import taipei_date
from digiplus.terminals.models import Terminal, TerminalPayment, TerminalSupervisor
from digiplus.terminals.service import fleet, totals


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(identity, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def test_demo_terminals(db: Database) -> None:
    with db.session() as session:
        world = build_demo_world(session)
        build_demo_payments(session, world.orgs, scale=0.05, days=14)
        built = build_demo_terminals(session)
    assert (built.merchants, built.terminals, built.created) == (4, 13, 4)
    assert built.linked_payments > 0
    with db.read_session() as session:
        terminals = session.scalars(select(Terminal)).all()
        assert Counter(fleet.connection(t) for t in terminals) == {
            "online": 4,
            "offline": 4,
            "unpaired": 4,
            "disabled": 1,
        }
        assert len({t.org_id for t in terminals}) == 4
        assert session.scalar(select(func.count()).select_from(TerminalSupervisor)) == 4
        link = session.scalars(select(TerminalPayment).order_by(TerminalPayment.id)).first()
        assert link is not None
        terminal = session.get(Terminal, link.terminal_id)
        assert terminal is not None
        intent_day = session.execute(
            select(func.min(TerminalPayment.created)).where(TerminalPayment.terminal_id == terminal.id)
        ).scalar()
        assert intent_day is not None
        from digiplus.payments import PaymentIntent

        captured = session.scalar(select(PaymentIntent.captured_at).where(PaymentIntent.id == link.payment_intent_id))
        assert captured is not None
        day = taipei_date(captured)
        figures = totals.terminal_totals(session, Caller.system(terminal.org_id, False), terminal.id, day)
        assert figures["currencies"][0]["count"] >= 1
        assert figures["ledger"]["matches"] is True
    with db.session() as session:
        again = build_demo_terminals(session)
    assert (again.terminals, again.created, again.linked_payments) == (13, 0, 0)
