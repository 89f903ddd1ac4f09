"""Terminals tables. Money is not here: a terminal's sales and refunds are payments' intents and
refunds (and their ledger transfers), linked to the terminal that took them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from digiplus.core.db import Base
from digiplus.core.tenancy import OrgOwned


class Terminal(OrgOwned, Base):
    """A point-of-sale device of a merchant: a hardware terminal or the software one (``/terminal``).

    ``status``: ``active`` or ``disabled`` (every request refused at once). The credential is
    derived from the server's secret, the id and ``credential_generation`` (ADR 0018): the table
    keeps only its SHA-256, so a copy of the database signs nothing. Pairing again bumps the
    generation, which retires the old credential.
    """

    __tablename__ = "terminals"
    __object_name__ = "terminal"
    __table_args__ = (Index("ix_terminals_org_mode", "org_id", "livemode"),)

    name: Mapped[str] = mapped_column(String(80))
    location: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(10), default="active")  # active | disabled
    credential_generation: Mapped[int] = mapped_column(Integer, default=0)
    credential_hash: Mapped[str | None] = mapped_column(String(64))  # SHA-256 of the issued secret
    paired_at: Mapped[datetime | None]
    pairing_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    pairing_code_expires_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    last_seen_ip: Mapped[str | None] = mapped_column(String(45))
    app_version: Mapped[str | None] = mapped_column(String(40))
    disabled_at: Mapped[datetime | None]


class TerminalNonce(Base):
    """A signed request's nonce, kept until its timestamp leaves the window (then purged by the worker).

    The primary key refuses a second use in every server process at once (the insert is the check)."""

    __tablename__ = "terminal_nonces"
    __table_args__ = (Index("ix_terminal_nonces_expires_at", "expires_at"),)

    terminal_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime]


class TerminalPayment(OrgOwned, Base):
    """A payment a terminal took, keyed by the terminal's own ``client_reference``: asking again with the
    same reference answers the same payment, so a terminal that lost its connection never charges twice."""

    __tablename__ = "terminal_payments"
    __object_name__ = "terminal_payment"
    __table_args__ = (
        UniqueConstraint("terminal_id", "client_reference", name="uq_terminal_payments_reference"),
        Index("ix_terminal_payments_terminal_created", "terminal_id", "created"),
        Index("ix_terminal_payments_intent", "payment_intent_id"),
    )

    terminal_id: Mapped[str] = mapped_column(ForeignKey("terminals.id"))
    client_reference: Mapped[str] = mapped_column(String(64))
    payment_intent_id: Mapped[str | None] = mapped_column(ForeignKey("payments_payment_intents.id"))
    method: Mapped[str] = mapped_column(String(12))  # qr | payment_code
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))


class TerminalRefund(OrgOwned, Base):
    """A refund given at a terminal, with the supervisor whose PIN allowed it."""

    __tablename__ = "terminal_refunds"
    __object_name__ = "terminal_refund"
    __table_args__ = (Index("ix_terminal_refunds_terminal_created", "terminal_id", "created"),)

    terminal_id: Mapped[str] = mapped_column(ForeignKey("terminals.id"))
    refund_id: Mapped[str] = mapped_column(ForeignKey("payments_refunds.id"))
    payment_intent_id: Mapped[str] = mapped_column(ForeignKey("payments_payment_intents.id"))
    supervisor_id: Mapped[str] = mapped_column(ForeignKey("terminal_supervisors.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))


class TerminalSupervisor(OrgOwned, Base):
    """A person who may allow refunds at the merchant's terminals with a PIN (argon2id hash only).

    ``failed_attempts`` wrong PINs in a row lock the supervisor until ``locked_until``."""

    __tablename__ = "terminal_supervisors"
    __object_name__ = "terminal_supervisor"
    __table_args__ = (Index("ix_terminal_supervisors_org_mode", "org_id", "livemode"),)

    name: Mapped[str] = mapped_column(String(80))
    pin_hash: Mapped[str] = mapped_column(String(200))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
