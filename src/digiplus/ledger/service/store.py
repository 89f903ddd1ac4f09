"""Bulk reads and writes of the transfer engine, on the caller's connection and transaction.

Hot-path statements go straight to the DB-API cursor of the session's connection
(plain tuples, no per-row ORM or bind-processing work); on PostgreSQL new transfers
are written with COPY and balances with one ``UPDATE … FROM unnest(…)``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.ledger.models import LedgerAccount, LedgerTransfer
from digiplus.ledger.service.engine import AccountState, TransferState

# Every SQL string here is built from constant column lists and placeholders only (hence the S608 noqa);
# values always travel as parameters.
_CHUNK = 5_000  # SQLite host parameters per statement stay far below its limit

_ACCOUNT_COLUMNS = "seq, id, ledger, code, flags, debits_pending, debits_posted, credits_pending, credits_posted"
_TRANSFER_COLUMNS = (
    "id",
    "org_id",
    "livemode",
    "created",
    "debit_account_id",
    "credit_account_id",
    "debit_account_seq",
    "credit_account_seq",
    "amount",
    "pending_id",
    "ledger",
    "code",
    "flags",
    "timeout",
    "pending_status",
    "expires_at",
    "metadata",
    "dr_debits_pending",
    "dr_debits_posted",
    "dr_credits_pending",
    "dr_credits_posted",
    "cr_debits_pending",
    "cr_debits_posted",
    "cr_credits_pending",
    "cr_credits_posted",
)


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _cursor(session: Session) -> Any:
    return session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def load_accounts(session: Session, caller: Caller, ids: Iterable[str], *, lock: bool) -> dict[str, AccountState]:
    """The caller's accounts among ``ids``; on PostgreSQL locked FOR UPDATE in id order (no deadlocks)."""
    wanted = sorted(set(ids))
    found: dict[str, AccountState] = {}
    if not wanted:
        return found
    cur = _cursor(session)
    if is_postgresql(session):
        suffix = " ORDER BY id FOR UPDATE" if lock else ""
        cur.execute(
            f"SELECT {_ACCOUNT_COLUMNS} FROM ledger_accounts WHERE org_id = %s AND livemode = %s AND id = ANY(%s)"  # noqa: S608
            + suffix,
            (caller.org_id, caller.livemode, wanted),
        )
        rows = cur.fetchall()
    else:
        rows = []
        for part in _chunks(wanted):
            marks = ",".join("?" * len(part))
            cur.execute(
                f"SELECT {_ACCOUNT_COLUMNS} FROM ledger_accounts WHERE org_id = ? AND livemode = ? AND id IN ({marks})",  # noqa: S608
                (caller.org_id, caller.livemode, *part),
            )
            rows.extend(cur.fetchall())
    cur.close()
    for row in rows:
        found[row[1]] = AccountState(*row)
    return found


def pending_account_ids(session: Session, caller: Caller, pending_ids: Iterable[str]) -> set[str]:
    """The accounts of the referenced pending transfers (to lock them before reading their state)."""
    ids = sorted(set(pending_ids))
    if not ids:
        return set()
    stmt = select(LedgerTransfer.debit_account_id, LedgerTransfer.credit_account_id).where(
        LedgerTransfer.org_id == caller.org_id,
        LedgerTransfer.livemode == caller.livemode,
        LedgerTransfer.id.in_(ids),
    )
    return {account for row in session.execute(stmt) for account in row}


def load_transfers(session: Session, caller: Caller, ids: Iterable[str]) -> dict[str, TransferState]:
    wanted = sorted(set(ids))
    found: dict[str, TransferState] = {}
    cols = [
        LedgerTransfer.__table__.c[name]
        for name in (
            "seq",
            "id",
            "debit_account_id",
            "credit_account_id",
            "debit_account_seq",
            "credit_account_seq",
            "amount",
            "pending_id",
            "ledger",
            "code",
            "flags",
            "timeout",
            "metadata",
            "pending_status",
            "expires_at",
            "created",
            "livemode",
        )
    ]
    for part in _chunks(wanted):
        stmt = select(*cols).where(
            LedgerTransfer.org_id == caller.org_id,
            LedgerTransfer.livemode == caller.livemode,
            LedgerTransfer.id.in_(part),
        )
        for row in session.execute(stmt).mappings():
            values = dict(row)
            values["meta"] = values.pop("metadata")
            found[values["id"]] = TransferState(**values)
    return found


def insert_transfers(session: Session, caller: Caller, transfers: Sequence[TransferState], now: datetime) -> None:
    if not transfers:
        return
    pg = is_postgresql(session)
    if pg:
        created: Any = now

        def stamp(value: datetime | None) -> Any:
            return value
    else:
        dialect = session.get_bind().dialect
        stamp = LedgerTransfer.__table__.c.created.type.bind_processor(dialect)  # type: ignore[assignment]
        created = stamp(now)
    org, mode = caller.org_id, caller.livemode
    dumps = json.dumps
    rows = [
        (
            t.id,
            org,
            mode,
            created,
            t.debit_account_id,
            t.credit_account_id,
            t.debit_account_seq,
            t.credit_account_seq,
            t.amount,
            t.pending_id,
            t.ledger,
            t.code,
            t.flags,
            t.timeout,
            t.pending_status,
            None if t.expires_at is None or t.pending_status != "pending" else stamp(t.expires_at),
            None if t.meta is None else dumps(t.meta),
            t.dr_debits_pending,
            t.dr_debits_posted,
            t.dr_credits_pending,
            t.dr_credits_posted,
            t.cr_debits_pending,
            t.cr_debits_posted,
            t.cr_credits_pending,
            t.cr_credits_posted,
        )
        for t in transfers
    ]
    cur = _cursor(session)
    if pg:
        with cur.copy(f"COPY ledger_transfers ({', '.join(_TRANSFER_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ",".join("?" * len(_TRANSFER_COLUMNS))
        sql = f"INSERT INTO ledger_transfers ({', '.join(_TRANSFER_COLUMNS)}) VALUES ({marks})"  # noqa: S608
        cur.executemany(sql, rows)
    cur.close()


def update_accounts(session: Session, accounts: Iterable[AccountState]) -> None:
    changed = [a for a in accounts if a.dirty]
    if not changed:
        return
    cur = _cursor(session)
    if is_postgresql(session):
        cur.execute(
            "UPDATE ledger_accounts AS a SET debits_pending = v.dp, debits_posted = v.dpo, "
            "credits_pending = v.cp, credits_posted = v.cpo "
            "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[]) AS v(seq, dp, dpo, cp, cpo) "
            "WHERE a.seq = v.seq",
            (
                [a.seq for a in changed],
                [a.debits_pending for a in changed],
                [a.debits_posted for a in changed],
                [a.credits_pending for a in changed],
                [a.credits_posted for a in changed],
            ),
        )
    else:
        cur.executemany(
            "UPDATE ledger_accounts SET debits_pending = ?, debits_posted = ?, credits_pending = ?, "
            "credits_posted = ? WHERE seq = ?",
            [(a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted, a.seq) for a in changed],
        )
    cur.close()
    for account in changed:
        account.dirty = False


def update_pending_status(session: Session, transfers: Sequence[TransferState]) -> None:
    """A stored pending transfer was posted, voided or expired: record it and clear its expiry."""
    if not transfers:
        return
    mark = "%s" if is_postgresql(session) else "?"
    cur = _cursor(session)
    cur.executemany(
        f"UPDATE ledger_transfers SET pending_status = {mark}, expires_at = NULL WHERE seq = {mark}",  # noqa: S608
        [(t.pending_status, t.seq) for t in transfers],
    )
    cur.close()


def account_ids_of(session: Session, caller: Caller, ids: Iterable[str]) -> dict[str, LedgerAccount]:
    wanted = sorted(set(ids))
    out: dict[str, LedgerAccount] = {}
    for part in _chunks(wanted):
        stmt = select(LedgerAccount).where(
            LedgerAccount.org_id == caller.org_id,
            LedgerAccount.livemode == caller.livemode,
            LedgerAccount.id.in_(part),
        )
        out.update({a.id: a for a in session.scalars(stmt)})
    return out
