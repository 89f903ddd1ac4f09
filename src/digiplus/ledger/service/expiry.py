"""Voiding pending transfers whose ``timeout`` has passed (a worker task)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.db import Database, utcnow
from digiplus.core.events import emit
from digiplus.core.worker import task
from digiplus.ledger.codes import EXPIRED, PENDING
from digiplus.ledger.models import LedgerTransfer
from digiplus.ledger.service import store
from digiplus.ledger.service.transfers import lock_audit_chain


def expire_pending(session: Session, caller: Caller, *, now: datetime | None = None, limit: int = 1000) -> list[str]:
    """Release the reservations of the caller's expired pending transfers; returns their ids.

    The accounts are locked (PostgreSQL) before the transfers' state is read again, so a
    post racing with the expiry either comes first (then the transfer is posted, not
    expired) or finds it expired.
    """
    now = now or utcnow()
    due = session.execute(
        select(LedgerTransfer.id, LedgerTransfer.debit_account_id, LedgerTransfer.credit_account_id)
        .where(
            LedgerTransfer.org_id == caller.org_id,
            LedgerTransfer.livemode == caller.livemode,
            LedgerTransfer.expires_at.isnot(None),
            LedgerTransfer.expires_at <= now,
        )
        .order_by(LedgerTransfer.expires_at)
        .limit(limit)
    ).all()
    if not due:
        return []
    lock_audit_chain(session, caller)
    accounts = store.load_accounts(session, caller, {a for row in due for a in row[1:]}, lock=True)
    transfers = store.load_transfers(session, caller, [row[0] for row in due])
    expired = []
    for t in sorted(transfers.values(), key=lambda t: t.seq or 0):
        if t.pending_status != PENDING or t.expires_at is None or t.expires_at > now:
            continue
        dr, cr = accounts[t.debit_account_id], accounts[t.credit_account_id]
        dr.debits_pending -= t.amount
        cr.credits_pending -= t.amount
        dr.dirty = cr.dirty = True
        t.pending_status = EXPIRED
        expired.append(t)
    store.update_accounts(session, accounts.values())
    store.update_pending_status(session, expired)
    for obj in list(session.identity_map.values()):
        if isinstance(obj, LedgerTransfer):
            session.expire(obj)
    if expired:
        ids = [t.id for t in expired]
        summary = {"expired": len(ids), "transfer_ids": ids[:100], "truncated": len(ids) > 100}
        audit.record(session, caller, "ledger.transfers.expire", "ledger_transfer_batch", ids[0], after=summary)
        emit(session, caller, "ledger.transfers.expired", {"object": "ledger_transfer_batch", **summary})
    return [t.id for t in expired]


@task("ledger.expire_pending")
def expire_pending_task(db: Database) -> int:
    """One round: every org and mode with due pending transfers, each in its own transaction."""
    now = utcnow()
    with db.session() as session:
        groups = session.execute(
            select(LedgerTransfer.org_id, LedgerTransfer.livemode)
            .where(LedgerTransfer.expires_at.isnot(None), LedgerTransfer.expires_at <= now)
            .distinct()
        ).all()
    done = 0
    for org_id, livemode in groups:
        with db.session() as session:
            done += len(expire_pending(session, Caller.system(org_id, livemode), now=now))
    return done
