"""Ledger tables: accounts with their four balances, and immutable transfers.

Ids are chosen by the client (idempotency) and unique per org and mode, so each
table has an integer surrogate key ``seq``. On transfers ``seq`` is also the order
in which transfers touched an account (writers of one account are serialised by
its row lock), and each transfer stores both accounts' balances after it — the
balance as of any past transfer is one row, a balance history one query.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from digiplus.core.db import Base, utcnow
from digiplus.core.tenancy import OrgOwned

SEQ = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements only INTEGER PRIMARY KEY


class LedgerAccount(OrgOwned, Base):
    __tablename__ = "ledger_accounts"
    __object_name__ = "ledger_account"
    # Balances change in place on every transfer: on PostgreSQL half of each page is left free so that
    # the new row version fits beside the old one (a HOT update, no index entries), about 3x faster.
    __table_args__ = (
        UniqueConstraint("org_id", "livemode", "id", name="uq_ledger_accounts_org_mode_id"),
        {"postgresql_with": {"fillfactor": 50}},
    )

    seq: Mapped[int] = mapped_column(SEQ, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64))
    # The unique constraint above starts with org_id, so no separate index on it.
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    ledger: Mapped[str] = mapped_column(String(40))
    code: Mapped[int] = mapped_column(Integer)
    flags: Mapped[int] = mapped_column(Integer, default=0)
    debits_pending: Mapped[int] = mapped_column(BigInteger, default=0)
    debits_posted: Mapped[int] = mapped_column(BigInteger, default=0)
    credits_pending: Mapped[int] = mapped_column(BigInteger, default=0)
    credits_posted: Mapped[int] = mapped_column(BigInteger, default=0)
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)


class LedgerTransfer(OrgOwned, Base):
    __tablename__ = "ledger_transfers"
    __object_name__ = "ledger_transfer"
    __table_args__ = (
        UniqueConstraint("org_id", "livemode", "id", name="uq_ledger_transfers_org_mode_id"),
        Index("ix_ledger_transfers_debit_seq", "debit_account_seq", "seq"),
        Index("ix_ledger_transfers_credit_seq", "credit_account_seq", "seq"),
        Index(
            "ix_ledger_transfers_open_expiry",
            "expires_at",
            sqlite_where=mapped_column("expires_at").isnot(None),
            postgresql_where=mapped_column("expires_at").isnot(None),
        ),
    )

    seq: Mapped[int] = mapped_column(SEQ, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64))
    # No foreign key (a check per inserted row): the org is the org of both accounts, which have one,
    # and ``ledger verify`` checks that every transfer's accounts are in its org and mode.
    org_id: Mapped[str] = mapped_column(String)
    created: Mapped[datetime] = mapped_column(default=utcnow)
    debit_account_id: Mapped[str] = mapped_column(String(64))
    credit_account_id: Mapped[str] = mapped_column(String(64))
    debit_account_seq: Mapped[int] = mapped_column(BigInteger)
    credit_account_seq: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)
    pending_id: Mapped[str | None] = mapped_column(String(64))
    ledger: Mapped[str] = mapped_column(String(40))
    code: Mapped[int] = mapped_column(Integer)
    flags: Mapped[int] = mapped_column(Integer)
    timeout: Mapped[int] = mapped_column(Integer, default=0)
    # Pending transfers only: pending | posted | voided | expired; expires_at is cleared once resolved.
    pending_status: Mapped[str | None] = mapped_column(String(8))
    expires_at: Mapped[datetime | None]
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    # Both accounts' balances right after this transfer.
    dr_debits_pending: Mapped[int] = mapped_column(BigInteger)
    dr_debits_posted: Mapped[int] = mapped_column(BigInteger)
    dr_credits_pending: Mapped[int] = mapped_column(BigInteger)
    dr_credits_posted: Mapped[int] = mapped_column(BigInteger)
    cr_debits_pending: Mapped[int] = mapped_column(BigInteger)
    cr_debits_posted: Mapped[int] = mapped_column(BigInteger)
    cr_credits_pending: Mapped[int] = mapped_column(BigInteger)
    cr_credits_posted: Mapped[int] = mapped_column(BigInteger)
