"""``create_accounts`` (a batch with result codes, like transfers) and ``close_account``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.db import utcnow
from digiplus.core.errors import InvalidRequest
from digiplus.core.events import emit
from digiplus.core.ids import new_id
from digiplus.core.tenancy import get_owned
from digiplus.ledger.codes import BATCH_MAX, CODE_MAX, AccountFlags, AccountResult
from digiplus.ledger.models import LedgerAccount
from digiplus.ledger.service import store
from digiplus.ledger.service.transfers import lock_audit_chain

_LINKED = int(AccountFlags.linked)
_BOTH_LIMITS = int(AccountFlags.debits_must_not_exceed_credits | AccountFlags.credits_must_not_exceed_debits)
_CLOSED = int(AccountFlags.closed)


@dataclass(frozen=True, slots=True)
class AccountInput:
    ledger: str
    code: int
    flags: int = 0
    id: str | None = None  # generated (``lacc_…``) when not given
    metadata: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class AccountOutcome:
    index: int
    id: str
    result: AccountResult
    account: LedgerAccount | None


def _check(a: AccountInput, account_id: str, existing: LedgerAccount | None) -> AccountResult:
    if not account_id:
        return AccountResult.id_must_not_be_zero
    if a.flags & _BOTH_LIMITS == _BOTH_LIMITS or a.flags & _CLOSED:
        return AccountResult.flags_are_mutually_exclusive
    if not a.ledger:
        return AccountResult.ledger_must_not_be_zero
    if not 1 <= a.code <= CODE_MAX:
        return AccountResult.code_must_not_be_zero
    if existing is not None:
        if a.flags != existing.flags & ~_CLOSED:
            return AccountResult.exists_with_different_flags
        if (a.metadata or None) != (existing.meta or None):
            return AccountResult.exists_with_different_metadata
        if a.ledger != existing.ledger:
            return AccountResult.exists_with_different_ledger
        if a.code != existing.code:
            return AccountResult.exists_with_different_code
        return AccountResult.exists
    return AccountResult.ok


def create_accounts(session: Session, caller: Caller, items: list[AccountInput]) -> list[AccountOutcome]:
    """Create up to 8,190 accounts; each item gets a result code; linked items succeed or fail together."""
    if len(items) > BATCH_MAX:
        raise InvalidRequest(f"A batch holds at most {BATCH_MAX} accounts; got {len(items)}.", param="accounts")
    if not items:
        return []
    lock_audit_chain(session, caller)
    ids = [a.id if a.id is not None else new_id("lacc") for a in items]
    existing = store.account_ids_of(session, caller, [i for i in ids if i])
    now = utcnow()
    results = [AccountResult.ok] * len(items)
    new: dict[str, dict[str, Any]] = {}
    chain_start, broken = -1, False
    chain_keys: list[str] = []
    last = len(items) - 1
    for i, (a, account_id) in enumerate(zip(items, ids, strict=True)):
        linked = bool(a.flags & _LINKED)
        if linked and chain_start < 0:
            chain_start, chain_keys, broken = i, [], False
        if broken:
            results[i] = AccountResult.linked_event_failed
        else:
            if linked and i == last:
                code = AccountResult.linked_event_chain_open
            else:
                prior = new.get(account_id)
                code = _check(a, account_id, existing.get(account_id) or (_as_row(prior) if prior else None))
            if code is AccountResult.ok:
                new[account_id] = {
                    "seq_order": i,
                    "id": account_id,
                    "org_id": caller.org_id,
                    "livemode": caller.livemode,
                    "created": now,
                    "ledger": a.ledger,
                    "code": a.code,
                    "flags": a.flags,
                    "meta": a.metadata,
                    "debits_pending": 0,
                    "debits_posted": 0,
                    "credits_pending": 0,
                    "credits_posted": 0,
                }
                if chain_start >= 0:
                    chain_keys.append(account_id)
            else:
                results[i] = code
                if chain_start >= 0:
                    broken = True
                    for key in chain_keys:
                        del new[key]
                    for j in range(chain_start, i):
                        results[j] = AccountResult.linked_event_failed
        if chain_start >= 0 and not linked:
            chain_start, broken = -1, False
    rows = [{k: v for k, v in row.items() if k != "seq_order"} for row in new.values()]
    if rows:
        session.execute(insert(LedgerAccount), rows)
        audit.record(
            session,
            caller,
            "ledger.accounts.create",
            "ledger_account_batch",
            rows[0]["id"],
            after={"submitted": len(items), "created": len(rows), "first_id": rows[0]["id"], "last_id": rows[-1]["id"]},
        )
        emit(
            session,
            caller,
            "ledger.accounts.created",
            {
                "object": "ledger_account_batch",
                "created": len(rows),
                "first_id": rows[0]["id"],
                "last_id": rows[-1]["id"],
            },
        )
    created = store.account_ids_of(session, caller, list(new)) if new else {}
    return [
        AccountOutcome(i, account_id, code, created.get(account_id) if code is AccountResult.ok else None)
        for i, (account_id, code) in enumerate(zip(ids, results, strict=True))
    ]


def _as_row(values: dict[str, Any]) -> LedgerAccount:
    return LedgerAccount(
        id=values["id"], ledger=values["ledger"], code=values["code"], flags=values["flags"], meta=values["meta"]
    )


def close_account(session: Session, caller: Caller, account_id: str) -> LedgerAccount:
    """Close an account: later transfers to or from it fail with ``*_account_already_closed``;
    voiding a pending transfer on it still works, so no reservation is stranded."""
    lock_audit_chain(session, caller)
    account = get_owned(session, LedgerAccount, account_id, caller, for_update=True)
    if not account.flags & _CLOSED:
        before = {"flags": account.flags}
        account.flags = account.flags | _CLOSED
        session.flush()
        audit.record(
            session,
            caller,
            "ledger.account.close",
            "ledger_account",
            account.id,
            before=before,
            after={"flags": account.flags},
        )
    return account


def get_account(session: Session, caller: Caller, account_id: str) -> LedgerAccount:
    return get_owned(session, LedgerAccount, account_id, caller)
