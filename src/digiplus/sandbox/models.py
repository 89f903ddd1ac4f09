"""Sandbox experiments (the regulatory sandbox) and their supervision records.

An experiment row carries its own counters (``exposure_used``, ``participants_used``,
``payments_count``, ``refusals``): the payment guard moves them with conditional
``UPDATE … WHERE used + amount <= limit`` in the transaction that books the payment, so two
payments cannot both slip under a limit (ADR 0022).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from digiplus.core.db import Base, utcnow
from digiplus.core.tenancy import OrgOwned


class Experiment(OrgOwned, Base):
    """One applicant's experiment (``org_id`` is the applicant; its merchant payments are covered)."""

    __tablename__ = "sandbox_experiments"
    __object_name__ = "experiment"
    __table_args__ = (Index("ix_sandbox_experiments_live", "org_id", "livemode", "status"),)

    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    period_months: Mapped[int] = mapped_column(Integer)
    extension_months: Mapped[int] = mapped_column(Integer, default=0)
    limit_per_transaction: Mapped[int] = mapped_column(BigInteger)  # TWD minor units
    limit_per_participant: Mapped[int] = mapped_column(BigInteger)
    limit_total_exposure: Mapped[int] = mapped_column(BigInteger)
    limit_participants: Mapped[int] = mapped_column(Integer)
    risk_controls: Mapped[str] = mapped_column(Text)
    disclosure_text: Mapped[str] = mapped_column(Text)
    conditions: Mapped[str | None] = mapped_column(Text)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    reviewer_org_id: Mapped[str | None] = mapped_column(String(40))
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    exposure_used: Mapped[int] = mapped_column(BigInteger, default=0)
    participants_used: Mapped[int] = mapped_column(Integer, default=0)
    payments_count: Mapped[int] = mapped_column(Integer, default=0)
    refusals: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[datetime] = mapped_column(default=utcnow)


class Participant(Base):
    """A consumer org that accepted an experiment's disclosure; ``used`` counts what it paid (TWD)."""

    __tablename__ = "sandbox_participants"
    __table_args__ = (UniqueConstraint("experiment_id", "org_id", name="uq_sandbox_participants_org"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    experiment_id: Mapped[str] = mapped_column(ForeignKey("sandbox_experiments.id"), index=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    livemode: Mapped[bool] = mapped_column(Boolean, default=False)
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)
    counted: Mapped[bool] = mapped_column(Boolean, default=False)  # counted against limit_participants
    used: Mapped[int] = mapped_column(BigInteger, default=0)
    created: Mapped[datetime] = mapped_column(default=utcnow)


class ExperimentMessage(Base):
    """The review thread: the agency's questions and the applicant's answers."""

    __tablename__ = "sandbox_messages"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    experiment_id: Mapped[str] = mapped_column(ForeignKey("sandbox_experiments.id"), index=True)
    author_org_id: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(20))  # agency | applicant
    body: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(default=utcnow)


class ExperimentReport(Base):
    """An incident (filed by the applicant) or a complaint (filed by a participant)."""

    __tablename__ = "sandbox_reports"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    experiment_id: Mapped[str] = mapped_column(ForeignKey("sandbox_experiments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # incident | complaint
    reporter_org_id: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10), default="low")
    summary: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(default=utcnow)


class ExperimentPayment(Base):
    """Each live payment the guard saw under an experiment: accepted (booked) or refused (why)."""

    __tablename__ = "sandbox_payments"
    __table_args__ = (Index("ix_sandbox_payments_exp_created", "experiment_id", "created"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    experiment_id: Mapped[str] = mapped_column(ForeignKey("sandbox_experiments.id"))
    payment_intent_id: Mapped[str] = mapped_column(String(40))
    participant_org_id: Mapped[str] = mapped_column(String(40))
    amount_twd: Mapped[int] = mapped_column(BigInteger)
    outcome: Mapped[str] = mapped_column(String(10))  # accepted | refused
    code: Mapped[str | None] = mapped_column(String(60))
    created: Mapped[datetime] = mapped_column(default=utcnow)
