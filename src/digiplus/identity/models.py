"""Organisations, users, memberships, API keys and web sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from digiplus.core.db import Base, utcnow
from digiplus.core.tenancy import OrgOwned

ORG_KINDS = (
    "merchant",
    "consumer",
    "enterprise",
    "agency",
    "association",
    "startup",
    "creator",
    "investor",
    "operator",
)


class Organization(Base):
    __tablename__ = "organizations"
    __object_name__ = "organization"

    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2), default="TW")
    default_currency: Mapped[str] = mapped_column(String(3), default="TWD")
    created: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    __tablename__ = "users"
    __object_name__ = "user"

    id: Mapped[str] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(10), default="en")
    is_active: Mapped[bool] = mapped_column(default=True)
    created: Mapped[datetime] = mapped_column(default=utcnow)


class Membership(Base):
    __tablename__ = "memberships"
    __object_name__ = "membership"
    __table_args__ = (UniqueConstraint("org_id", "user_id"),)

    id: Mapped[str] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    created: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(OrgOwned, Base):
    """A secret key of one org in one mode; only its SHA-256 digest is stored."""

    __tablename__ = "api_keys"
    __object_name__ = "api_key"

    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20), default="developer")
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last4: Mapped[str] = mapped_column(String(4))
    created_by: Mapped[str | None] = mapped_column(String(40))
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None] = mapped_column(index=True)  # api_key_cache looks up recent ones


class WebSession(Base):
    """A browser login; the cookie holds a token whose digest is stored here."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    org_id: Mapped[str | None] = mapped_column(ForeignKey("organizations.id"))
    livemode: Mapped[bool] = mapped_column(default=False)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class LoginFailure(Base):
    """One wrong password (identity/throttle.py); kept for the throttling window only."""

    __tablename__ = "login_failures"

    id: Mapped[str] = mapped_column(primary_key=True)
    email_digest: Mapped[str] = mapped_column(String(64), index=True)
    ip: Mapped[str | None] = mapped_column(String(45), index=True)
    created: Mapped[datetime] = mapped_column(default=utcnow, index=True)
