"""``create_transfers``: one batch, one transaction (the caller's), all-or-nothing per item or chain.

1. (PostgreSQL) lock the org's audit chain head first, so every writer of the org takes
   its locks in one order: audit head, then accounts by id;
2. read the accounts of the referenced pending transfers, then lock every account of
   the batch ``ORDER BY id FOR UPDATE`` (SQLite: the write lock is already held);
3. read the existing transfers with the batch's ids and the referenced pending ones;
4. run the engine on those rows in memory;
5. COPY/INSERT the new transfers, UPDATE the changed balances and pending states;
6. one audit entry and one outbox event for the batch — unless the caller records the batch in
   its own audit entry and event (``audit_action=None``: a payment's entry names its transfers),
   in which case the org's audit chain head is neither locked nor moved (step 1 is skipped too).
"""

from __future__ import annotations

import gc
from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.audit.models import AuditChainHead
from digiplus.core.audit.service import GENESIS
from digiplus.core.context import Caller
from digiplus.core.db import insert_ignore, utcnow
from digiplus.core.errors import InvalidRequest
from digiplus.core.events import emit
from digiplus.ledger.codes import BATCH_MAX, TransferFlags, TransferResult
from digiplus.ledger.models import LedgerAccount, LedgerTransfer
from digiplus.ledger.service import store
from digiplus.ledger.service.engine import ROW_COLUMNS, TransferEngine, TransferInput, TransferState

_POST_OR_VOID = int(TransferFlags.post_pending_transfer | TransferFlags.void_pending_transfer)
_ATTEMPTS = 5
_LEDGER, _AMOUNT = ROW_COLUMNS.index("ledger"), ROW_COLUMNS.index("amount")


class TransferOutcome:
    """One item's result; ``transfer`` is the created transfer when ``result`` is ``ok`` (built on
    first use, since a batch of 8,190 rarely needs all of them as objects)."""

    __slots__ = ("_engine", "_row", "id", "index", "result")

    def __init__(
        self, index: int, id: str, result: TransferResult, engine: TransferEngine | None = None, row: int = -1
    ) -> None:
        self.index, self.id, self.result = index, id, result
        self._engine, self._row = engine, row

    @property
    def transfer(self) -> TransferState | None:
        return None if self._engine is None or self._row < 0 else self._engine.state(self._row)

    def __repr__(self) -> str:
        return f"TransferOutcome(index={self.index}, id={self.id!r}, result={self.result!s})"


class _Retry(Exception):
    """Run the batch again, looking up every id: a pending transfer appeared between reading it and
    locking, or an id assumed new is stored."""


def lock_audit_chain(session: Session, caller: Caller) -> None:
    """PostgreSQL: lock the org's audit chain head (created first if the org has no entry yet)."""
    if store.is_postgresql(session) and not store.lock_chain_head(session, caller.org_id):
        insert_ignore(session, AuditChainHead.__table__, {"chain": caller.org_id, "seq": 0, "hash": GENESIS})
        store.lock_chain_head(session, caller.org_id)


def create_transfers(
    session: Session,
    caller: Caller,
    items: list[TransferInput],
    *,
    now: datetime | None = None,
    audit_action: str | None = "ledger.transfers.create",
) -> list[TransferOutcome]:
    """Apply a batch of up to 8,190 transfers; every item gets a result code (``ok`` or why not).

    ``audit_action=None``: no audit entry and no ``ledger.transfers.created`` event for the batch,
    because the caller's own audit entry and event, in the same transaction, name its transfers."""
    if len(items) > BATCH_MAX:
        raise InvalidRequest(f"A batch holds at most {BATCH_MAX} transfers; got {len(items)}.", param="transfers")
    if not items:
        return []
    now = now or utcnow()
    session.flush()
    if audit_action is not None:
        lock_audit_chain(session, caller)
    # A batch allocates tens of thousands of short-lived objects, enough to set off full cyclic
    # collections of the whole process heap (tens of ms each) although it makes next to no cycles:
    # the collector waits until the batch is done. Whoever paused it resumes it.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _create(session, caller, items, now, audit_action)
    finally:
        if collecting:
            gc.enable()


def _create(
    session: Session, caller: Caller, items: list[TransferInput], now: datetime, audit_action: str | None
) -> list[TransferOutcome]:
    engine, results = _apply(session, caller, items, now)
    _expire_cached(session)
    if engine.rows and audit_action is not None:
        _record_batch(session, caller, items, results, engine.rows, audit_action)
    out = []
    row = 0
    ok = TransferResult.ok
    for i, (t, code) in enumerate(zip(items, results, strict=True)):
        if code is ok:
            out.append(TransferOutcome(i, t.id, code, engine, row))
            row += 1
        else:
            out.append(TransferOutcome(i, t.id, code))
    return out


def _apply(
    session: Session, caller: Caller, items: list[TransferInput], now: datetime
) -> tuple[TransferEngine, list[TransferResult]]:
    # First try: assume no id of the batch is stored yet (the usual case), which spares looking up
    # every id. The unique index refuses a stored id of a created transfer, and the ids of the
    # failed items are looked up after the engine ran; either way the savepoint is rolled back and
    # the batch runs again with every id looked up, so the results are the same as if it had been.
    pg = store.is_postgresql(session)
    attempts = _ATTEMPTS if pg else 2  # SQLite: one writer at a time, nothing can appear in between
    # The rows are written on the driver's cursor, so its own IntegrityError arrives unwrapped.
    retry = (_Retry, IntegrityError, session.get_bind().dialect.loaded_dbapi.IntegrityError)
    for attempt in range(attempts):
        try:
            with session.begin_nested():
                return _run(session, caller, items, now, pg, optimistic=attempt == 0)
        except retry:
            # A stored id (or, on PostgreSQL, a concurrent batch inserted one of our ids or a pending
            # transfer we reference): the savepoint is rolled back and the next attempt sees those rows.
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def _run(
    session: Session, caller: Caller, items: list[TransferInput], now: datetime, pg: bool, *, optimistic: bool
) -> tuple[TransferEngine, list[TransferResult]]:
    pending_ids = {t.pending_id for t in items if t.flags & _POST_OR_VOID and t.pending_id}
    account_ids = {a for t in items for a in (t.debit_account_id, t.credit_account_id) if a}
    lookup = pending_ids if optimistic else {t.id for t in items} | pending_ids
    if pg:
        account_ids |= store.pending_account_ids(session, caller, pending_ids)
        accounts = store.load_accounts(session, caller, account_ids, lock=True)
        transfers = store.load_transfers(session, caller, lookup)
        for p in transfers.values():
            if p.id in pending_ids and not {p.debit_account_id, p.credit_account_id} <= account_ids:
                raise _Retry
    else:
        transfers = store.load_transfers(session, caller, lookup)
        for p in transfers.values():
            if p.id in pending_ids:
                account_ids |= {p.debit_account_id, p.credit_account_id}
        accounts = store.load_accounts(session, caller, account_ids, lock=False)
    engine = TransferEngine(accounts, transfers, now, caller.livemode, store.row_format(session, caller, now))
    results = engine.run(items)
    if optimistic:
        ok = TransferResult.ok
        failed = {t.id for t, code in zip(items, results, strict=True) if code is not ok and t.id}
        if failed - transfers.keys() and store.load_transfers(session, caller, failed - transfers.keys()):
            raise _Retry  # a failed item's id is stored: its answer may be exists_*, and that changes a chain
    store.insert_transfers(session, engine.rows)
    store.update_accounts(session, accounts.values())
    store.update_pending_status(session, engine.resolved)
    return engine, results


def _expire_cached(session: Session) -> None:
    """Balances were written around the ORM; drop any stale copies it holds."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, LedgerAccount | LedgerTransfer):
            session.expire(obj)


def _record_batch(
    session: Session,
    caller: Caller,
    items: list[TransferInput],
    results: list[TransferResult],
    rows: list[tuple[Any, ...]],
    action: str,
) -> None:
    failed = Counter(str(r) for r in results if r is not TransferResult.ok)
    moved: Counter[str] = Counter()
    for row in rows:
        moved[row[_LEDGER]] += row[_AMOUNT]
    summary = {
        "submitted": len(items),
        "created": len(rows),
        "failed": sum(failed.values()),
        "failures": dict(sorted(failed.items())),
        "amount_by_ledger": dict(sorted(moved.items())),
        "first_id": rows[0][0],
        "last_id": rows[-1][0],
    }
    audit.record(session, caller, action, "ledger_transfer_batch", rows[0][0], after=summary)
    emit(session, caller, "ledger.transfers.created", {"object": "ledger_transfer_batch", **summary})
