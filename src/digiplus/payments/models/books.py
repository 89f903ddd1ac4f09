"""Which organisation keeps the platform's books (every payments ledger account lives there)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from digiplus.core.db import Base


class PlatformBooks(Base):
    """One row per well-known name (``"platform"``): the operator org created on first use."""

    __tablename__ = "payments_platform_books"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
