"""Alliances (members, invitations, the data chain's use records) and the demand board
(demands, answers), with the text embeddings that suggest matches.

Imported by ``digiplus.data.models`` so that Alembic sees these tables.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from digiplus.core.db import Base, utcnow
from digiplus.core.tenancy import OrgOwned


class Alliance(OrgOwned, Base):
    """An alliance founded by the owning org (``org_id``); members share alliance-only datasets."""

    __tablename__ = "data_alliances"
    __object_name__ = "alliance"

    name_zh: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    purpose_zh: Mapped[str] = mapped_column(Text, default="")
    purpose_en: Mapped[str] = mapped_column(Text, default="")
    listing: Mapped[str] = mapped_column(String(10), default="public")  # public | private
    modified: Mapped[datetime] = mapped_column(default=utcnow)


class AllianceMember(OrgOwned, Base):
    """One org's membership (``org_id`` is the member). A member who left or was removed keeps
    its row (status ``left``/``removed``), so a later invitation re-activates the same row."""

    __tablename__ = "data_alliance_members"
    __object_name__ = "alliance_member"
    __table_args__ = (
        UniqueConstraint("alliance_id", "org_id", name="uq_data_alliance_members"),
        Index("ix_data_alliance_members_org", "org_id", "livemode", "status"),
    )

    alliance_id: Mapped[str] = mapped_column(ForeignKey("data_alliances.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # agency | association | data_supplier | data_user
    admin: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(10), default="active")  # active | left | removed
    joined: Mapped[datetime] = mapped_column(default=utcnow)
    ended: Mapped[datetime | None]


class AllianceInvitation(Base):
    """An admin's invitation of an org; the invited org accepts or declines it."""

    __tablename__ = "data_alliance_invitations"
    __table_args__ = (Index("ix_data_alliance_invitations_invitee", "invitee_org_id", "livemode", "status"),)

    id: Mapped[str] = mapped_column(primary_key=True)
    livemode: Mapped[bool] = mapped_column(default=False)
    created: Mapped[datetime] = mapped_column(default=utcnow)
    alliance_id: Mapped[str] = mapped_column(ForeignKey("data_alliances.id", ondelete="CASCADE"), index=True)
    invitee_org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    inviter_org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    role: Mapped[str] = mapped_column(String(20))
    admin: Mapped[bool] = mapped_column(default=False)
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|accepted|declined|revoked
    responded: Mapped[datetime | None]


class DatasetUse(OrgOwned, Base):
    """The data chain's "uses" edge: member ``org_id`` uses a dataset for a purpose (registered by
    that member). The "supplies" edge is the dataset's publisher."""

    __tablename__ = "data_dataset_uses"
    __object_name__ = "dataset_use"
    __table_args__ = (UniqueConstraint("alliance_id", "dataset_id", "org_id", name="uq_data_dataset_uses"),)

    alliance_id: Mapped[str] = mapped_column(ForeignKey("data_alliances.id", ondelete="CASCADE"), index=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("data_datasets.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(Text, default="")


class DataDemand(OrgOwned, Base):
    """A data demand on the board, posted by the owning org."""

    __tablename__ = "data_demands"
    __object_name__ = "data_demand"

    title_zh: Mapped[str] = mapped_column(String(500), default="")
    title_en: Mapped[str] = mapped_column(String(500), default="")
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords_zh: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords_en: Mapped[list[str]] = mapped_column(JSON, default=list)
    desired_format: Mapped[str] = mapped_column(String(20), default="")  # vocab.FORMATS code or ""
    desired_frequency: Mapped[str] = mapped_column(String(20), default="")  # vocab.FREQUENCIES code or ""
    budget_amount: Mapped[int | None] = mapped_column(BigInteger)  # minor units of budget_currency
    budget_currency: Mapped[str | None] = mapped_column(String(3))
    deadline: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | closed
    closed: Mapped[datetime | None]
    accepted_answer_id: Mapped[str | None] = mapped_column(String(40))
    modified: Mapped[datetime] = mapped_column(default=utcnow)
    # The demand's own embedding (all-MiniLM-L6-v2, float32 little-endian), made when first needed.
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    embedding_model: Mapped[str] = mapped_column(String(60), default="")
    embedding_source: Mapped[datetime | None]  # the ``modified`` it was computed from


class DemandAnswer(OrgOwned, Base):
    """A publisher's (``org_id``) answer to a demand with one of its own datasets."""

    __tablename__ = "data_demand_answers"
    __object_name__ = "demand_answer"
    __table_args__ = (UniqueConstraint("demand_id", "dataset_id", name="uq_data_demand_answers"),)

    demand_id: Mapped[str] = mapped_column(ForeignKey("data_demands.id", ondelete="CASCADE"), index=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("data_datasets.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="submitted")  # submitted | accepted | withdrawn
    accepted: Mapped[datetime | None]


class DatasetEmbedding(Base):
    """A dataset's text embedding (title, description, keywords, column names), computed by the
    worker after a publish or change (``source_modified`` < the dataset's ``modified`` = stale)."""

    __tablename__ = "data_dataset_embeddings"

    dataset_id: Mapped[str] = mapped_column(ForeignKey("data_datasets.id", ondelete="CASCADE"), primary_key=True)
    model: Mapped[str] = mapped_column(String(60))
    dimensions: Mapped[int]
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32 little-endian, L2-normalised
    source_modified: Mapped[datetime]
    updated: Mapped[datetime] = mapped_column(default=utcnow)
