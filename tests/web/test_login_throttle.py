"""Login throttling: five wrong passwords lock the account for the window, right password or not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select, update
from web_browser import Browser, Member

from digiplus.core.audit.models import AuditEntry
from digiplus.core.db import Database, utcnow
from digiplus.identity.models import LoginFailure
from digiplus.identity.throttle import email_digest, purge_login_failures


def _fail(browser: Browser, email: str, times: int) -> list[int]:
    return [browser.login(email, password="not the password").status_code for _ in range(times)]


def test_five_failures_lock_the_account_even_for_the_right_password(
    make_browser: Callable[..., Browser], owner: Member, db: Database
) -> None:
    browser = make_browser()
    assert _fail(browser, owner.email, 5) == [401] * 5
    locked = browser.login(owner.email)  # the right password
    assert locked.status_code == 429
    assert 840 <= int(locked.headers["retry-after"]) <= 900
    assert "Too many failed logins. Try again in 15 minutes." in locked.text
    with db.session() as session:
        assert session.scalar(select(func.count()).where(AuditEntry.action == "user.login_locked")) == 1
        assert session.scalar(select(func.count()).select_from(LoginFailure)) == 5  # the locked try is not counted


def test_the_lock_ends_with_the_window_and_a_success_clears_the_count(
    make_browser: Callable[..., Browser], owner: Member, db: Database
) -> None:
    browser = make_browser()
    _fail(browser, owner.email, 5)
    with db.session() as session:  # the failures are now 16 minutes old
        session.execute(update(LoginFailure).values(created=utcnow() - timedelta(minutes=16)))
    assert browser.login(owner.email).status_code == 303
    _fail(browser, owner.email, 4)
    assert make_browser().login(owner.email).status_code == 303
    with db.session() as session:
        remaining = session.scalar(select(func.count()).where(LoginFailure.email_digest == email_digest(owner.email)))
    assert remaining == 0


def test_unknown_accounts_are_throttled_too_and_old_failures_are_purged(
    make_browser: Callable[..., Browser], db: Database
) -> None:
    browser = make_browser()
    assert _fail(browser, "nobody@example.com", 6) == [401] * 5 + [429]
    with db.session() as session:
        session.execute(update(LoginFailure).values(created=utcnow() - timedelta(minutes=16)))
    assert purge_login_failures(db) == 5
