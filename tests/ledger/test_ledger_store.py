"""The batch path writes rows around the ORM: what it stores must read and compare as ORM rows do."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

from ledger_helpers import T0, Book
from sqlalchemy import select, text

from digiplus.ledger import TransferFlags, TransferInput, create_transfers, expire_pending
from digiplus.ledger.models import LedgerTransfer

P = int(TransferFlags.pending)
POST = int(TransferFlags.post_pending_transfer)


def test_stored_times_compare_exactly_with_orm_values(book: Book) -> None:
    book.accounts(("alice", 0), ("fees", 0))
    now = T0.replace(microsecond=500_000)
    due = now + timedelta(seconds=30)
    with book.db.session() as s:
        [out] = create_transfers(
            s,
            book.caller,
            [
                TransferInput(
                    id="h",
                    debit_account_id="alice",
                    credit_account_id="fees",
                    amount=7,
                    ledger="TWD",
                    code=1,
                    flags=P,
                    timeout=30,
                    metadata={"order": "o-1"},
                )
            ],
            now=now,
        )
        assert out.transfer is not None
        assert (out.transfer.created, out.transfer.expires_at, out.transfer.pending_status) == (now, due, "pending")
    with book.db.session() as s:
        stored = s.scalars(
            select(LedgerTransfer).where(LedgerTransfer.created == now, LedgerTransfer.expires_at == due)
        ).one()
        assert (stored.id, stored.meta, stored.created, stored.expires_at) == ("h", {"order": "o-1"}, now, due)
        if s.get_bind().dialect.name == "sqlite":
            raw = s.execute(text("SELECT created, expires_at FROM ledger_transfers")).one()
            assert tuple(raw) == ("2026-01-01 12:00:00.500000", "2026-01-01 12:00:30.500000")
    with book.db.session() as s:
        assert expire_pending(s, book.caller, now=due - timedelta(microseconds=1)) == []
    with book.db.session() as s:
        assert expire_pending(s, book.caller, now=due) == ["h"]  # due at exactly its expiry instant


def test_pending_posted_in_its_own_batch_is_stored_posted(book: Book) -> None:
    book.accounts(("alice", 0), ("fees", 0))
    with book.db.session() as s:
        out = create_transfers(
            s,
            book.caller,
            [
                TransferInput(
                    id="h",
                    debit_account_id="alice",
                    credit_account_id="fees",
                    amount=9,
                    ledger="TWD",
                    code=1,
                    flags=P,
                    timeout=60,
                ),
                TransferInput(
                    id="h",
                    debit_account_id="alice",
                    credit_account_id="fees",
                    amount=9,
                    ledger="TWD",
                    code=1,
                    flags=P,
                    timeout=60,
                ),
                TransferInput(id="c", pending_id="h", amount=4, flags=POST),
            ],
            now=T0,
        )
    assert [str(o.result) for o in out] == ["ok", "exists", "ok"]
    assert out[1].transfer is None
    hold, capture = out[0].transfer, out[2].transfer
    assert hold is not None and capture is not None
    assert (hold.pending_status, hold.dr_debits_pending, hold.cr_credits_pending) == ("posted", 9, 9)
    assert (capture.amount, capture.dr_debits_pending, capture.dr_debits_posted, capture.cr_credits_posted) == (
        4,
        0,
        4,
        4,
    )
    with book.db.session() as s:
        rows = s.execute(
            select(LedgerTransfer.id, LedgerTransfer.pending_status, LedgerTransfer.expires_at).order_by(
                LedgerTransfer.seq
            )
        ).all()
    assert [tuple(r) for r in rows] == [("h", "posted", None), ("c", None, None)]
    assert book.balance("alice") == (0, 4, 0, 0)


def test_ids_with_quotes_and_separators_round_trip(book: Book) -> None:
    """On PostgreSQL the id lists travel as array literals built by the store: every character must survive."""
    odd = ['a"b', "c\\d", "e,f{g}", "NULL", "sp ace", "ü\u00e9"]
    book.accounts(*((i, 0) for i in odd))
    items = [
        {"id": f'{a}->{b}"', "debit_account_id": a, "credit_account_id": b, "amount": n + 1}
        for n, (a, b) in enumerate(pairwise(odd))
    ]
    assert book.batch(items) == ["ok"] * len(items)
    assert book.batch(items[:2]) == ["exists", "exists"]
    assert book.balance('a"b') == (0, 1, 0, 0)
    assert book.balance("c\\d") == (0, 2, 0, 1)
    assert book.balance("ü\u00e9") == (0, 0, 0, 5)


def test_a_batch_its_caller_audits_itself_writes_no_entry_nor_event(book: Book) -> None:
    """``audit_action=None``: the caller's own audit entry and event name the transfers (a payment's do),
    so the batch adds none in the books' chain and does not move (or lock) that chain's head."""
    from digiplus.core.audit.models import AuditChainHead, AuditEntry
    from digiplus.core.events.models import Event

    book.accounts(("alice", 0), ("fees", 0))
    with book.db.session() as s:
        heads = s.scalars(select(AuditChainHead.seq).where(AuditChainHead.chain == book.caller.org_id)).all()
        entries = len(s.scalars(select(AuditEntry.id)).all())
        events = len(s.scalars(select(Event.id)).all())
        [out] = create_transfers(
            s,
            book.caller,
            [
                TransferInput(
                    id="quiet", debit_account_id="alice", credit_account_id="fees", amount=5, ledger="TWD", code=1
                )
            ],
            audit_action=None,
        )
        assert out.result.name == "ok"
    with book.db.session() as s:
        assert s.scalars(select(AuditChainHead.seq).where(AuditChainHead.chain == book.caller.org_id)).all() == heads
        assert len(s.scalars(select(AuditEntry.id)).all()) == entries
        assert len(s.scalars(select(Event.id)).all()) == events
        assert s.scalar(select(LedgerTransfer.amount).where(LedgerTransfer.id == "quiet")) == 5
        [loud] = create_transfers(
            s,
            book.caller,
            [
                TransferInput(
                    id="loud", debit_account_id="alice", credit_account_id="fees", amount=5, ledger="TWD", code=1
                )
            ],
        )
        assert loud.result.name == "ok"
    with book.db.session() as s:
        assert len(s.scalars(select(AuditEntry.id)).all()) == entries + 1
        assert len(s.scalars(select(Event.id)).all()) == events + 1
