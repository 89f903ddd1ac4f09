"""Appending to and verifying the audit hash chains.

Each entry's hash covers its own fields and the previous entry's hash, so editing
or removing any row breaks every later link; the chain head (last seq and hash)
catches removal of the newest rows too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from digiplus.core.audit.models import AuditChainHead, AuditEntry
from digiplus.core.context import Caller
from digiplus.core.db import insert_ignore, utcnow
from digiplus.core.ids import id_for
from digiplus.core.permissions import require

GENESIS = "0" * 64
PLATFORM_CHAIN = "platform"


def _entry_hash(entry: AuditEntry | dict[str, Any]) -> str:
    """The hash of an entry (a stored row, or the column values of one about to be written)."""
    get = entry.__getitem__ if isinstance(entry, dict) else entry.__getattribute__
    body = {name: get(name) for name in _HASHED}
    body["created"] = body["created"].isoformat()
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


_HASHED = (
    "id",
    "chain",
    "seq",
    "org_id",
    "livemode",
    "actor_kind",
    "actor_id",
    "action",
    "target_type",
    "target_id",
    "before",
    "after",
    "request_id",
    "created",
    "prev_hash",
)
_ENTRIES = cast(Table, AuditEntry.__table__)
_HEADS = cast(Table, AuditChainHead.__table__)
# Built once: constructing a statement costs more than running it.
_LOCK_HEAD = select(_HEADS.c.seq, _HEADS.c.hash).where(_HEADS.c.chain == bindparam("chain")).with_for_update()
_INSERT_ENTRY = insert(_ENTRIES)
_MOVE_HEAD = (
    update(_HEADS).where(_HEADS.c.chain == bindparam("head")).values(seq=bindparam("to_seq"), hash=bindparam("to_hash"))
)


def record(
    session: Session,
    caller: Caller | None,
    action: str,
    target_type: str,
    target_id: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    org_id: str | None = None,
) -> None:
    """Append one entry in the caller's transaction (the change and its audit row commit together).

    Written with Core statements (lock the head, insert the entry, move the head): no ORM unit of
    work on this path, which every state change takes, and no ORM object built for the caller
    (nobody used it; it cost as much as one of the statements)."""
    org = org_id if org_id is not None else (caller.org_id if caller else None)
    chain = org or PLATFORM_CHAIN
    head = session.execute(_LOCK_HEAD, {"chain": chain}).first()
    if head is None:  # the chain's first entry (the insert is skipped otherwise: one statement less per entry)
        insert_ignore(session, _HEADS, {"chain": chain, "seq": 0, "hash": GENESIS})
        head = session.execute(_LOCK_HEAD, {"chain": chain}).one()
    values: dict[str, Any] = {
        "id": id_for("audit_entry"),
        "chain": chain,
        "seq": head.seq + 1,
        "org_id": org,
        "livemode": caller.livemode if caller else False,
        "actor_kind": caller.actor_kind if caller else "system",
        "actor_id": caller.actor_id if caller else "system",
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "before": before,
        "after": after,
        "request_id": caller.request_id if caller else None,
        "created": utcnow(),
        "prev_hash": head.hash,
    }
    values["hash"] = _entry_hash(values)
    session.execute(_INSERT_ENTRY, values)
    session.execute(_MOVE_HEAD, {"head": chain, "to_seq": values["seq"], "to_hash": values["hash"]})
    # A head loaded as an ORM object earlier in this session is stale now.
    cached = session.identity_map.get(Session.identity_key(AuditChainHead, chain))
    if cached is not None:
        session.expire(cached)


@dataclass
class VerifyReport:
    chains: int = 0
    entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _check_link(entry: AuditEntry, expected_seq: int, prev_hash: str) -> str | None:
    if entry.seq != expected_seq:
        return f"entry seq {expected_seq} is missing (next is {entry.id}, seq {entry.seq})"
    if entry.prev_hash != prev_hash:
        return f"entry {entry.id} (seq {entry.seq}) does not link to the entry before it"
    if _entry_hash(entry) != entry.hash:
        return f"entry {entry.id} (seq {entry.seq}) was altered"
    return None


def verify_chains(session: Session, *, batch: int = 5000) -> VerifyReport:
    """Recompute every chain; report the first broken entry of each broken chain."""
    report = VerifyReport()
    heads = session.scalars(select(AuditChainHead).order_by(AuditChainHead.chain)).all()
    for head in heads:
        report.chains += 1
        prev_hash, expected_seq, broken = GENESIS, 1, False
        last_seq = 0
        while not broken:
            rows = session.scalars(
                select(AuditEntry)
                .where(AuditEntry.chain == head.chain, AuditEntry.seq > last_seq)
                .order_by(AuditEntry.seq)
                .limit(batch)
            ).all()
            if not rows:
                break
            for entry in rows:
                report.entries += 1
                problem = _check_link(entry, expected_seq, prev_hash)
                if problem:
                    report.problems.append(f"chain {head.chain}: {problem}")
                    broken = True
                    break
                prev_hash, expected_seq, last_seq = entry.hash, entry.seq + 1, entry.seq
        if not broken and (head.seq != last_seq or head.hash != prev_hash):
            report.problems.append(
                f"chain {head.chain}: ends at seq {last_seq} but its head says seq {head.seq} (entries removed)"
            )
    return report


@dataclass
class AuditPage:
    entries: list[AuditEntry]
    older_before: int | None  # ``before_seq`` of the next older page, None on the oldest
    newer_before: int | None  # ``before_seq`` of the next newer page (0: the newest page), None on the newest


def list_entries(session: Session, caller: Caller, *, limit: int = 50, before_seq: int | None = None) -> AuditPage:
    """One page of the caller's org's entries (both modes), newest first, older than ``before_seq``."""
    require(caller.role, "audit.read")
    org_chain = entries_query(caller)
    stmt = org_chain if before_seq is None else org_chain.where(AuditEntry.seq < before_seq)
    rows = list(session.scalars(stmt.order_by(AuditEntry.seq.desc()).limit(limit + 1)))
    entries = rows[:limit]
    older = entries[-1].seq if len(rows) > limit else None
    newer: int | None = None
    if before_seq is not None:
        newer_rows = list(
            session.scalars(org_chain.where(AuditEntry.seq >= before_seq).order_by(AuditEntry.seq).limit(limit + 1))
        )
        if newer_rows:
            newer = newer_rows[limit - 1].seq + 1 if len(newer_rows) > limit else 0
    return AuditPage(entries=entries, older_before=older, newer_before=newer)


def count_entries_since(session: Session, caller: Caller, since: datetime) -> int:
    require(caller.role, "audit.read")
    stmt = select(func.count()).where(AuditEntry.chain == caller.org_id, AuditEntry.created >= since)
    return int(session.scalar(stmt) or 0)


def entries_query(caller: Caller) -> Select[AuditEntry]:
    """The caller's org's chain (changes made in either mode), for cursor pagination by id."""
    return select(AuditEntry).where(AuditEntry.chain == caller.org_id)
