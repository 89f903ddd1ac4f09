"""Identity: organisations, users, memberships, API keys and web sessions.

Passwords are hashed with argon2id; API keys and session tokens are random
secrets of which only a SHA-256 digest is stored (they carry enough entropy that
a slow hash adds nothing but latency on every request).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace
from datetime import datetime, timedelta
from typing import cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.db import utcnow
from digiplus.core.errors import AuthenticationFailed, Conflict, NotFound, PermissionDenied
from digiplus.core.ids import id_for
from digiplus.core.permissions import ROLES, Role, require
from digiplus.core.tenancy import get_owned, scoped
from digiplus.identity import throttle
from digiplus.identity.api_key_cache import api_key_cache
from digiplus.identity.models import ApiKey, Membership, Organization, User, WebSession
from digiplus.identity.schemas import ApiKeyCreate, OrganizationCreate, UserCreate
from digiplus.settings import get_settings

_hasher = PasswordHasher()  # argon2id with the library's RFC 9106 low-memory profile
_LAST_USED_GRANULARITY = timedelta(seconds=60)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# --- organisations ---------------------------------------------------------


def create_organization(session: Session, data: OrganizationCreate, *, actor: Caller | None = None) -> Organization:
    org = Organization(id=id_for("organization"), **data.model_dump())
    session.add(org)
    session.flush()
    audit.record(
        session,
        actor,
        "organization.created",
        "organization",
        org.id,
        after={"name": org.name, "kind": org.kind},
        org_id=org.id,
    )
    return org


def get_organization(session: Session, org_id: str) -> Organization:
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound(f"No such organization: '{org_id}'", param="org")
    return org


# --- users and memberships -------------------------------------------------


def create_user(session: Session, data: UserCreate) -> User:
    email = data.email.lower()
    if session.scalars(select(User.id).where(User.email == email)).first():
        raise Conflict(f"A user with the email '{email}' exists already.", param="email", code="email_taken")
    user = User(
        id=id_for("user"), email=email, name=data.name, password_hash=_hasher.hash(data.password), locale=data.locale
    )
    session.add(user)
    session.flush()
    audit.record(session, None, "user.created", "user", user.id, after={"email": email})
    return user


def authenticate_user(session: Session, email: str, password: str, *, ip: str | None = None) -> User:
    """The user with this email and password, or ``AuthenticationFailed``; ``LoginThrottled``
    after too many failures for the account or the address (identity/throttle.py).

    A failure is recorded in the caller's transaction: commit it even though this raises."""
    throttle.check_login_allowed(session, email, ip)
    user = session.scalars(select(User).where(User.email == email.strip().lower())).one_or_none()
    if user is None or not user.is_active:
        _hasher.hash(password)  # spend the same time as a real check
        throttle.record_login_failure(session, email, ip)
        raise AuthenticationFailed("Wrong email or password.", code="invalid_login")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        throttle.record_login_failure(session, email, ip)
        raise AuthenticationFailed("Wrong email or password.", code="invalid_login") from None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    throttle.clear_login_failures(session, email)
    return user


def add_member(session: Session, actor: Caller | None, org_id: str, user_id: str, role: Role) -> Membership:
    if actor is not None:
        require(actor.role, "members.write")
        _check_may_grant(actor, role)
    exists = session.scalars(
        select(Membership).where(Membership.org_id == org_id, Membership.user_id == user_id)
    ).one_or_none()
    if exists is not None:
        raise Conflict("That user is a member of this organization already.", param="user", code="member_exists")
    membership = Membership(id=id_for("membership"), org_id=org_id, user_id=user_id, role=role)
    session.add(membership)
    session.flush()
    audit.record(
        session,
        actor,
        "membership.created",
        "membership",
        membership.id,
        after={"user_id": user_id, "role": role},
        org_id=org_id,
    )
    return membership


def add_member_by_email(session: Session, actor: Caller, email: str, role: Role) -> Membership:
    user = session.scalars(select(User).where(User.email == email.strip().lower())).one_or_none()
    if user is None:
        raise NotFound(f"No user has the email '{email}'.", param="email")
    return add_member(session, actor, actor.org_id, user.id, role)


def member_with_user(session: Session, membership: Membership) -> tuple[Membership, User]:
    user = session.get(User, membership.user_id)
    if user is None:  # the foreign key makes this impossible; said for the type checker
        raise NotFound(f"No such user: '{membership.user_id}'", param="user")
    return membership, user


def members_query(caller: Caller) -> Select[Membership, User]:
    """The caller's org's memberships with their users, for cursor pagination by membership id."""
    return select(Membership, User).join(User, User.id == Membership.user_id).where(Membership.org_id == caller.org_id)


def list_members(session: Session, caller: Caller) -> list[tuple[Membership, User]]:
    rows = session.execute(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.org_id == caller.org_id)
        .order_by(Membership.created)
    ).all()
    return [(m, u) for m, u in rows]


def memberships_of(session: Session, user_id: str) -> list[tuple[Membership, Organization]]:
    rows = session.execute(
        select(Membership, Organization)
        .join(Organization, Organization.id == Membership.org_id)
        .where(Membership.user_id == user_id)
        .order_by(Organization.name)
    ).all()
    return [(m, o) for m, o in rows]


def membership_role(session: Session, user_id: str, org_id: str) -> Role | None:
    role = session.scalars(
        select(Membership.role).where(Membership.user_id == user_id, Membership.org_id == org_id)
    ).one_or_none()
    return cast(Role | None, role)


# --- API keys --------------------------------------------------------------


def create_api_key(session: Session, actor: Caller, data: ApiKeyCreate) -> tuple[ApiKey, str]:
    """A new key in the actor's org and mode; the secret is returned once and never stored."""
    require(actor.role, "apikeys.write")
    _check_may_grant(actor, data.role)
    mode = "live" if actor.livemode else "test"
    secret = f"sk_{mode}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        id=id_for("api_key"),
        org_id=actor.org_id,
        livemode=actor.livemode,
        name=data.name,
        role=data.role,
        secret_hash=digest(secret),
        last4=secret[-4:],
        created_by=actor.actor_id,
    )
    session.add(key)
    session.flush()
    audit.record(
        session,
        actor,
        "api_key.created",
        "api_key",
        key.id,
        after={"name": key.name, "role": key.role, "livemode": key.livemode},
    )
    return key, secret


def api_keys_query(caller: Caller) -> Select[ApiKey]:
    """The caller's keys in the caller's mode, for cursor pagination by id."""
    return scoped(ApiKey, caller)


def list_api_keys(session: Session, caller: Caller) -> list[ApiKey]:
    return list(session.scalars(scoped(ApiKey, caller).order_by(ApiKey.id.desc())))


def revoke_api_key(session: Session, actor: Caller, key_id: str) -> ApiKey:
    require(actor.role, "apikeys.write")
    key = get_owned(session, ApiKey, key_id, actor, for_update=True)
    if actor.actor_kind != "system" and _role_rank(key.role) < _role_rank(actor.role):
        raise PermissionDenied(f"A {actor.role} cannot revoke a key with the role '{key.role}'.", param="id")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        api_key_cache.forget_when_committed(session, key.secret_hash)
        audit.record(
            session, actor, "api_key.revoked", "api_key", key.id, before={"revoked": False}, after={"revoked": True}
        )
    return key


def authenticate_api_key(session: Session, secret: str, *, request_id: str | None = None) -> Caller:
    """The caller of ``secret``, read from the database; only reads (``record_api_key_use`` writes)."""
    caller, _use_due = look_up_api_key(session, secret)
    return replace(caller, request_id=request_id)


def look_up_api_key(session: Session, secret: str, *, cache_generation: int | None = None) -> tuple[Caller, bool]:
    """``(caller without request id, last_used_at is due)``; raises ``AuthenticationFailed``.

    A found key is remembered in ``api_key_cache`` when ``cache_generation``
    (``api_key_cache.generation()``, taken before the session began) is given."""
    if not secret.startswith(("sk_test_", "sk_live_")):
        raise AuthenticationFailed("Invalid API key: it must start with sk_test_ or sk_live_.")
    secret_digest = digest(secret)
    key = session.scalars(select(ApiKey).where(ApiKey.secret_hash == secret_digest)).one_or_none()
    if key is None:
        raise AuthenticationFailed(f"Invalid API key provided: sk_…{secret[-4:]}")
    if key.revoked_at is not None:
        raise AuthenticationFailed("This API key has been revoked.", code="api_key_revoked")
    caller = Caller(
        org_id=key.org_id,
        livemode=key.livemode,
        role=cast(Role, key.role),
        actor_kind="api_key",
        actor_id=key.id,
        api_key_id=key.id,
    )
    if cache_generation is not None:
        ttl = get_settings().api_key_cache_seconds
        api_key_cache.put(secret_digest, caller, key.last_used_at, ttl, cache_generation)
    return caller, _last_use_due(key.last_used_at)


def revoked_key_digests(session: Session, since: datetime) -> list[str]:
    """The secret digests of the keys revoked at or after ``since`` (for ``api_key_cache``)."""
    return list(session.scalars(select(ApiKey.secret_hash).where(ApiKey.revoked_at >= since)))


def cached_api_key_caller(secret: str, *, request_id: str | None = None) -> tuple[Caller, bool] | None:
    """``(caller, last_used_at is due)`` from the cache, or None; no database work."""
    entry = api_key_cache.get(digest(secret))
    if entry is None:
        return None
    return replace(entry.caller, request_id=request_id), _last_use_due(entry.last_used_at)


def _last_use_due(last_used_at: datetime | None) -> bool:
    return last_used_at is None or utcnow() - last_used_at > _LAST_USED_GRANULARITY


def record_api_key_use(session: Session, secret: str, key_id: str) -> None:
    """Move ``last_used_at`` to now, at most once a minute (coarse, so that requests rarely write)."""
    now = utcnow()
    session.execute(
        update(ApiKey)
        .where(
            ApiKey.id == key_id,
            or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - _LAST_USED_GRANULARITY),
        )
        .values(last_used_at=now)
    )
    entry = api_key_cache.get(digest(secret))
    if entry is not None:
        entry.last_used_at = now


def _role_rank(role: str) -> int:
    """0 for owner, growing as the role grants less."""
    return ROLES.index(cast(Role, role))


def _check_may_grant(actor: Caller, role: str) -> None:
    """Nobody but the system hands out a role above their own (no escalation through keys or invites)."""
    if actor.actor_kind != "system" and _role_rank(role) < _role_rank(actor.role):
        raise PermissionDenied(f"A {actor.role} cannot grant the role '{role}'.", param="role")


# --- web sessions ----------------------------------------------------------


def start_web_session(session: Session, user: User, *, max_age_seconds: int) -> tuple[WebSession, str]:
    """A login: returns the row and the cookie token (only its digest is stored)."""
    token = secrets.token_urlsafe(32)
    first = memberships_of(session, user.id)
    web = WebSession(
        id=id_for("session"),
        token_hash=digest(token),
        user_id=user.id,
        org_id=first[0][1].id if first else None,
        livemode=False,
        csrf_token=secrets.token_urlsafe(32),
        expires_at=utcnow() + timedelta(seconds=max_age_seconds),
    )
    session.add(web)
    session.flush()
    return web, token


def load_web_session(session: Session, token: str) -> tuple[WebSession, User] | None:
    row = session.execute(
        select(WebSession, User).join(User, User.id == WebSession.user_id).where(WebSession.token_hash == digest(token))
    ).one_or_none()
    if row is None:
        return None
    web, user = row
    if web.expires_at <= utcnow() or not user.is_active:
        return None
    return web, user


def end_web_session(session: Session, token: str) -> None:
    web = session.scalars(select(WebSession).where(WebSession.token_hash == digest(token))).one_or_none()
    if web is not None:
        session.delete(web)


def switch_org(session: Session, web: WebSession, org_id: str) -> None:
    if membership_role(session, web.user_id, org_id) is None:
        raise NotFound(f"No such organization: '{org_id}'", param="org")
    web.org_id = org_id


def set_mode(web: WebSession, livemode: bool) -> None:
    web.livemode = livemode


def caller_for_session(session: Session, web: WebSession, *, request_id: str | None = None) -> Caller | None:
    if web.org_id is None:
        return None
    role = membership_role(session, web.user_id, web.org_id)
    if role is None:
        return None
    return Caller(
        org_id=web.org_id,
        livemode=web.livemode,
        role=role,
        actor_kind="user",
        actor_id=web.user_id,
        user_id=web.user_id,
        request_id=request_id,
    )


def expires_within(web: WebSession) -> datetime:
    return web.expires_at


# --- for the web pages -----------------------------------------------------


def set_user_locale(user: User, locale: str) -> None:
    """Remember the user's page language, one of web.i18n.LOCALES (a preference, like the session's mode: not audited)."""
    user.locale = locale


def get_api_key(session: Session, caller: Caller, key_id: str) -> ApiKey:
    return get_owned(session, ApiKey, key_id, caller)


def actor_labels(session: Session, org_id: str, actor_ids: set[str]) -> dict[str, str]:
    """Readable names of users and of this org's API keys among ``actor_ids`` (for the audit log)."""
    labels: dict[str, str] = {}
    user_ids = {a for a in actor_ids if a.startswith("usr_")}
    key_ids = {a for a in actor_ids if a.startswith("key_")}
    if user_ids:
        for user in session.scalars(select(User).where(User.id.in_(user_ids))):
            labels[user.id] = user.email
    if key_ids:
        keys = session.scalars(select(ApiKey).where(ApiKey.id.in_(key_ids), ApiKey.org_id == org_id))
        for key in keys:
            labels[key.id] = f"{key.name} (sk_{'live' if key.livemode else 'test'}_…{key.last4})"
    return labels
