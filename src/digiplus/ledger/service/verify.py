"""``verify_ledger``: recompute every balance from the transfers and check the books.

Checks (each problem names the account): stored balances equal the sums of the
account's transfers; per ledger (and org and mode), total debits equal total credits,
posted and pending; no balance is negative; no account breaks its
``*_must_not_exceed_*`` flag; every transfer's accounts exist in its org and mode and
are on its ledger.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, aliased

from digiplus.ledger.codes import PENDING, AccountFlags, TransferFlags
from digiplus.ledger.models import LedgerAccount, LedgerTransfer

_NOT_POSTED = int(TransferFlags.pending | TransferFlags.void_pending_transfer)


@dataclass
class LedgerTotals:
    accounts: int = 0
    debits_posted: int = 0
    credits_posted: int = 0
    debits_pending: int = 0
    credits_pending: int = 0


@dataclass
class LedgerVerifyReport:
    accounts: int = 0
    transfers: int = 0
    ledgers: dict[tuple[str, bool, str], LedgerTotals] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _sums(session: Session, side: str) -> dict[int, tuple[int, int]]:
    """Per account (by seq): (posted, pending) amounts on one side, recomputed from transfers."""
    account_col = getattr(LedgerTransfer, f"{side}_account_seq")
    posted = func.sum(case((LedgerTransfer.flags.op("&")(_NOT_POSTED) != 0, 0), else_=LedgerTransfer.amount))
    pending = func.sum(case((LedgerTransfer.pending_status == PENDING, LedgerTransfer.amount), else_=0))
    rows = session.execute(select(account_col, posted, pending).group_by(account_col))
    return {int(seq): (int(p or 0), int(q or 0)) for seq, p, q in rows}


def verify_ledger(session: Session) -> LedgerVerifyReport:
    report = LedgerVerifyReport()
    report.transfers = int(session.scalar(select(func.count()).select_from(LedgerTransfer)) or 0)
    debit_sums, credit_sums = _sums(session, "debit"), _sums(session, "credit")
    dmnec, cmned = int(AccountFlags.debits_must_not_exceed_credits), int(AccountFlags.credits_must_not_exceed_debits)
    for a in session.scalars(
        select(LedgerAccount).order_by(LedgerAccount.org_id, LedgerAccount.livemode, LedgerAccount.id)
    ):
        report.accounts += 1
        name = f"account {a.id} (org {a.org_id}, {'live' if a.livemode else 'test'}, ledger {a.ledger})"
        dpo, dp = debit_sums.get(a.seq, (0, 0))
        cpo, cp = credit_sums.get(a.seq, (0, 0))
        stored = (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)
        if stored != (dp, dpo, cp, cpo):
            report.problems.append(
                f"{name}: stored balances (debits_pending, debits_posted, credits_pending, credits_posted) = "
                f"{stored} but its transfers sum to {(dp, dpo, cp, cpo)}"
            )
        if min(stored) < 0:
            report.problems.append(f"{name}: a balance is negative: {stored}")
        if a.flags & dmnec and a.debits_pending + a.debits_posted > a.credits_posted:
            report.problems.append(
                f"{name}: debits {a.debits_pending + a.debits_posted} exceed credits "
                f"{a.credits_posted} (flag debits_must_not_exceed_credits)"
            )
        if a.flags & cmned and a.credits_pending + a.credits_posted > a.debits_posted:
            report.problems.append(
                f"{name}: credits {a.credits_pending + a.credits_posted} exceed debits "
                f"{a.debits_posted} (flag credits_must_not_exceed_debits)"
            )
        totals = report.ledgers.setdefault((a.org_id, a.livemode, a.ledger), LedgerTotals())
        totals.accounts += 1
        totals.debits_posted += a.debits_posted
        totals.credits_posted += a.credits_posted
        totals.debits_pending += a.debits_pending
        totals.credits_pending += a.credits_pending
    for (org, live, ledger), t in sorted(report.ledgers.items()):
        where = f"ledger {ledger} (org {org}, {'live' if live else 'test'})"
        if t.debits_posted != t.credits_posted:
            report.problems.append(f"{where}: posted debits {t.debits_posted} != posted credits {t.credits_posted}")
        if t.debits_pending != t.credits_pending:
            report.problems.append(f"{where}: pending debits {t.debits_pending} != pending credits {t.credits_pending}")
    _check_references(session, report)
    return report


def _check_references(session: Session, report: LedgerVerifyReport) -> None:
    by_side: dict[str, list[str]] = defaultdict(list)
    for side in ("debit", "credit"):
        acct = aliased(LedgerAccount)
        seq_col = getattr(LedgerTransfer, f"{side}_account_seq")
        id_col = getattr(LedgerTransfer, f"{side}_account_id")
        stmt = (
            select(LedgerTransfer.id, LedgerTransfer.org_id)
            .outerjoin(acct, acct.seq == seq_col)
            .where(
                or_(
                    acct.seq.is_(None),
                    acct.org_id != LedgerTransfer.org_id,
                    acct.livemode != LedgerTransfer.livemode,
                    acct.ledger != LedgerTransfer.ledger,
                    acct.id != id_col,
                )
            )
            .limit(20)
        )
        for transfer_id, org in session.execute(stmt):
            by_side[side].append(
                f"transfer {transfer_id} (org {org}): its {side} account is missing, "
                f"in another org or mode, or on another ledger"
            )
    for lines in by_side.values():
        report.problems.extend(lines)
