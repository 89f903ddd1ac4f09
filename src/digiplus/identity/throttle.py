"""Login throttling: too many wrong passwords for one account, or from one address,
lock further tries for the rest of the window.

Failures are rows in the database, not counters in memory, so the limit holds across
every server process. The account is named by a digest of its normalised email (the
table keeps no address), and a success clears that account's failures. The count is
checked before the password is, so a locked account answers the same way whether the
password is right or wrong (no oracle for a guesser).
"""

from __future__ import annotations

import hashlib
import math
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.db import Database, utcnow
from digiplus.core.errors import RateLimited
from digiplus.core.ids import id_for
from digiplus.core.worker import task
from digiplus.identity.models import LoginFailure
from digiplus.settings import get_settings


class LoginThrottled(RateLimited):
    code = "login_throttled"

    def __init__(self, retry_after_seconds: int) -> None:
        minutes = max(1, math.ceil(retry_after_seconds / 60))
        super().__init__(f"Too many failed logins. Try again in {minutes} minutes.")
        self.retry_after_seconds = retry_after_seconds
        self.minutes = minutes


def email_digest(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def check_login_allowed(session: Session, email: str, ip: str | None) -> None:
    """Raise ``LoginThrottled`` when the account or the address has failed too often lately."""
    settings = get_settings()
    window = timedelta(seconds=settings.login_failure_window_seconds)
    since = utcnow() - window
    checks = [(LoginFailure.email_digest == email_digest(email), settings.login_max_failures)]
    if ip:
        checks.append((LoginFailure.ip == ip, settings.login_max_failures_per_ip))
    for condition, limit in checks:
        count, oldest = session.execute(
            select(func.count(), func.min(LoginFailure.created)).where(condition, LoginFailure.created > since)
        ).one()
        if count >= limit and oldest is not None:
            retry = (oldest + window - utcnow()).total_seconds()
            raise LoginThrottled(max(1, math.ceil(retry)))


def record_login_failure(session: Session, email: str, ip: str | None) -> None:
    """Count a wrong password; the try that reaches the account's limit is audited."""
    digest = email_digest(email)
    session.add(LoginFailure(id=id_for("login_failure"), email_digest=digest, ip=ip, created=utcnow()))
    session.flush()
    settings = get_settings()
    since = utcnow() - timedelta(seconds=settings.login_failure_window_seconds)
    count = session.scalar(
        select(func.count()).where(LoginFailure.email_digest == digest, LoginFailure.created > since)
    )
    if count == settings.login_max_failures:
        audit.record(session, None, "user.login_locked", "login", digest[:16], after={"ip": ip, "failures": count})


def clear_login_failures(session: Session, email: str) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.email_digest == email_digest(email)))


_next_purge: dict[str, float] = {}  # per database URL


@task("purge_login_failures")
def purge_login_failures(db: Database) -> int:
    """Forget failures older than the window, at most once a minute."""
    now = utcnow().timestamp()
    if _next_purge.get(db.url, now) > now:
        return 0
    _next_purge[db.url] = now + 60
    horizon = utcnow() - timedelta(seconds=get_settings().login_failure_window_seconds)
    with db.session() as session:
        result = session.execute(delete(LoginFailure).where(LoginFailure.created <= horizon))
        return int(getattr(result, "rowcount", 0) or 0)
