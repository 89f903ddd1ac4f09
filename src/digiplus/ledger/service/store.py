"""Bulk reads and writes of the transfer engine, on the caller's connection and transaction.

Hot-path statements go straight to the DB-API cursor of the session's connection
(plain tuples, no per-row ORM or bind-processing work); on PostgreSQL new transfers
are written with binary COPY and balances with one ``UPDATE … FROM unnest(…)``.

PostgreSQL statements that take an array of ids run unprepared (``prepare=False``): psycopg
prepares a statement after its fifth run, and the generic plan made after batches of one
transfer took seconds per 8,190 batch once the table had ~100,000 rows (custom plans: ms).
Small batches (``SMALL`` ids or rows at most: a payment's two or three transfers, an HTTP
batch of one) use statements of their own instead, with one placeholder per value and
prepared by psycopg like any other: their plan never meets a large batch, and parsing and
planning were a good part of the server's work for them. A COPY costs more to set up than
it saves on a few rows, so those are inserted with one multi-row ``INSERT``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from psycopg.types.json import Json
from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.ledger.models import LedgerAccount, LedgerTransfer
from digiplus.ledger.service.engine import (
    BALANCE_COLUMNS,
    ROW_COLUMNS,
    STATE_COLUMNS,
    AccountState,
    RowFormat,
    TransferState,
)

# Every SQL string here is built from constant column lists and placeholders only (hence the S608 noqa);
# values always travel as parameters.
_CHUNK = 5_000  # SQLite host parameters per statement stay far below its limit
SMALL = 4  # PostgreSQL: at most this many ids or rows take the prepared small-batch statements

_ACCOUNT_COLUMNS = "seq, id, ledger, code, flags, debits_pending, debits_posted, credits_pending, credits_posted"
_INSERT_COLUMNS = ", ".join(ROW_COLUMNS)
_STATE_COLUMNS = ", ".join(STATE_COLUMNS)
_META, _EXPIRES, _CREATED, _LIVEMODE = (
    STATE_COLUMNS.index(c) for c in ("metadata", "expires_at", "created", "livemode")
)
# Binary COPY needs each column's exact type.
_PG_TYPES = {"livemode": "bool", "created": "timestamptz", "expires_at": "timestamptz", "metadata": "json"}
_PG_TYPES |= dict.fromkeys(("debit_account_seq", "credit_account_seq", "amount", *BALANCE_COLUMNS), "int8")
_PG_TYPES |= dict.fromkeys(("code", "flags", "timeout"), "int4")
_PG_ROW_TYPES = [_PG_TYPES.get(name, "varchar") for name in ROW_COLUMNS]


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _cursor(session: Session) -> Any:
    return session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]


def text_array(values: Iterable[str]) -> str:
    """A PostgreSQL array literal of strings, every element quoted (``{"a","b\\"c"}``): psycopg's own
    list adaptation runs a regular expression per element, ~6x slower for the 16,000 ids of a batch."""
    return "{" + ",".join(['"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values]) + "}"


def int_array(values: Iterable[int]) -> str:
    """A PostgreSQL array literal of integers (``{1,2,3}``)."""
    return "{" + ",".join(map(str, values)) + "}"


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def lock_chain_head(session: Session, chain: str) -> bool:
    """PostgreSQL: lock the audit chain head ``chain`` (a prepared statement on the raw cursor, as
    every batch of one takes it first); False when the chain has no head yet."""
    cur = _cursor(session)
    cur.execute("SELECT seq FROM audit_chain_heads WHERE chain = %s FOR UPDATE", (chain,))
    found = cur.fetchone() is not None
    cur.close()
    return found


def load_accounts(session: Session, caller: Caller, ids: Iterable[str], *, lock: bool) -> dict[str, AccountState]:
    """The caller's accounts among ``ids``; on PostgreSQL locked FOR UPDATE in id order (no deadlocks)."""
    wanted = sorted(set(ids))
    found: dict[str, AccountState] = {}
    if not wanted:
        return found
    cur = _cursor(session)
    if is_postgresql(session) and len(wanted) <= SMALL:
        marks = ", ".join(["%s"] * len(wanted))
        cur.execute(
            f"SELECT {_ACCOUNT_COLUMNS}{', ctid' if lock else ''} FROM ledger_accounts "  # noqa: S608
            f"WHERE org_id = %s AND livemode = %s AND id IN ({marks})" + (" ORDER BY id FOR UPDATE" if lock else ""),
            (caller.org_id, caller.livemode, *wanted),
        )
        rows = cur.fetchall()
    elif is_postgresql(session):
        suffix = " ORDER BY id FOR UPDATE" if lock else ""
        cur.execute(
            f"SELECT {_ACCOUNT_COLUMNS}{', ctid' if lock else ''} FROM ledger_accounts "  # noqa: S608
            "WHERE org_id = %s AND livemode = %s AND id = ANY(%s::varchar[])" + suffix,
            (caller.org_id, caller.livemode, text_array(wanted)),
            prepare=False,
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
    cur = _cursor(session)
    cur.execute(
        "SELECT debit_account_id, credit_account_id FROM ledger_transfers "
        "WHERE org_id = %s AND livemode = %s AND id = ANY(%s::varchar[])",
        (caller.org_id, caller.livemode, text_array(ids)),
        prepare=False,
    )
    found = {account for row in cur.fetchall() for account in row}
    cur.close()
    return found


def load_transfers(session: Session, caller: Caller, ids: Iterable[str]) -> dict[str, TransferState]:
    """The caller's stored transfers among ``ids`` (most ids of a batch are new, so few rows)."""
    wanted = sorted(set(ids))
    found: dict[str, TransferState] = {}
    if not wanted:
        return found
    cur = _cursor(session)
    rows: list[tuple[Any, ...]] = []
    if is_postgresql(session):
        cur.execute(
            f"SELECT {_STATE_COLUMNS} FROM ledger_transfers "  # noqa: S608
            "WHERE org_id = %s AND livemode = %s AND id = ANY(%s::varchar[])",
            (caller.org_id, caller.livemode, text_array(wanted)),
            prepare=False,
        )
        rows = cur.fetchall()
        cur.close()
        for row in rows:
            values = list(row)
            values[_EXPIRES] = None if row[_EXPIRES] is None else row[_EXPIRES].astimezone(UTC)
            values[_CREATED] = row[_CREATED].astimezone(UTC)
            found[row[1]] = TransferState(*values)
        return found
    for part in _chunks(wanted):
        marks = ",".join("?" * len(part))
        cur.execute(
            f"SELECT {_STATE_COLUMNS} FROM ledger_transfers WHERE org_id = ? AND livemode = ? AND id IN ({marks})",  # noqa: S608
            (caller.org_id, caller.livemode, *part),
        )
        rows.extend(cur.fetchall())
    cur.close()
    parse = _parse(session.get_bind().dialect)
    for row in rows:
        values = list(row)
        values[_META] = None if row[_META] is None else json.loads(row[_META])
        values[_EXPIRES], values[_CREATED] = parse(row[_EXPIRES]), parse(row[_CREATED])
        values[_LIVEMODE] = bool(row[_LIVEMODE])
        found[row[1]] = TransferState(*values)
    return found


def row_format(session: Session, caller: Caller, now: datetime) -> RowFormat:
    """Values as the driver takes them: on SQLite datetimes as the text SQLAlchemy itself stores
    (so ORM reads and comparisons see the same format) and metadata as JSON text; psycopg's
    binary COPY takes datetimes and dicts as they are."""
    if is_postgresql(session):
        return RowFormat(caller.org_id, now, _same, _same)
    stamp = _stamp(session.get_bind().dialect)
    return RowFormat(caller.org_id, stamp(now), stamp, json.dumps)


@functools.cache
def _stamp(dialect: Any) -> Callable[[datetime], Any]:
    return LedgerTransfer.__table__.c.created.type.dialect_impl(dialect).bind_processor(dialect) or _same


@functools.cache
def _parse(dialect: Any) -> Callable[[Any], Any]:
    return LedgerTransfer.__table__.c.created.type.dialect_impl(dialect).result_processor(dialect, None) or _same


def _same(value: Any) -> Any:
    return value


def insert_transfers(session: Session, rows: Sequence[tuple[Any, ...]]) -> None:
    """New transfers, each a tuple in ``ROW_COLUMNS`` order as the engine built it with ``row_format``."""
    if not rows:
        return
    cur = _cursor(session)
    if is_postgresql(session) and len(rows) <= SMALL:
        marks = "(" + ", ".join(["%s"] * len(ROW_COLUMNS)) + ")"
        cur.execute(
            f"INSERT INTO ledger_transfers ({_INSERT_COLUMNS}) VALUES {', '.join([marks] * len(rows))}",  # noqa: S608
            [_pg_value(v) for row in rows for v in row],
        )
    elif is_postgresql(session):
        with cur.copy(f"COPY ledger_transfers ({_INSERT_COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(_PG_ROW_TYPES)
            for row in rows:
                copy.write_row(row)
    else:
        marks = ",".join("?" * len(ROW_COLUMNS))
        cur.executemany(f"INSERT INTO ledger_transfers ({_INSERT_COLUMNS}) VALUES ({marks})", rows)  # noqa: S608
    cur.close()


def _pg_value(value: Any) -> Any:
    """A value of an insert row as psycopg's text parameters take it (COPY takes dicts as they are)."""
    return Json(value) if isinstance(value, dict) else value


_SET_BALANCES = "UPDATE ledger_accounts SET debits_pending = %s, debits_posted = %s, credits_pending = %s, "
_UPDATE_BY_CTID = _SET_BALANCES + "credits_posted = %s WHERE ctid = %s::tid"
_UPDATE_BY_SEQ = _SET_BALANCES + "credits_posted = %s WHERE seq = %s"


def update_accounts(session: Session, accounts: Iterable[AccountState]) -> None:
    changed = [a for a in accounts if a.dirty]
    if not changed:
        return
    cur = _cursor(session)
    if is_postgresql(session) and len(changed) <= SMALL:
        by_ctid = all(a.ctid is not None for a in changed)
        cur.executemany(  # one statement per account, pipelined by psycopg (one round trip)
            _UPDATE_BY_CTID if by_ctid else _UPDATE_BY_SEQ,
            [
                (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted, a.ctid if by_ctid else a.seq)
                for a in changed
            ],
        )
    elif is_postgresql(session):
        # Rows locked by this transaction are found by their ctid (a TID scan, no index probe).
        by_ctid = all(a.ctid is not None for a in changed)
        key, kind = ("ctid", "tid") if by_ctid else ("seq", "bigint")
        cur.execute(
            "UPDATE ledger_accounts AS a SET debits_pending = v.dp, debits_posted = v.dpo, "  # noqa: S608
            "credits_pending = v.cp, credits_posted = v.cpo "
            f"FROM unnest(%s::{kind}[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[]) AS v(k, dp, dpo, cp, cpo) "
            f"WHERE a.{key} = v.k",
            (
                text_array([str(a.ctid) for a in changed]) if by_ctid else int_array([a.seq for a in changed]),
                int_array([a.debits_pending for a in changed]),
                int_array([a.debits_posted for a in changed]),
                int_array([a.credits_pending for a in changed]),
                int_array([a.credits_posted for a in changed]),
            ),
            prepare=False,
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
        account.ctid = None  # the updated row is a new version elsewhere


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
