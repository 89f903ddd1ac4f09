"""Login, logout, the session cookie, redirects and CSRF on the login form."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from web_browser import Browser, Member

from digiplus.core.db import Database
from digiplus.identity.models import WebSession
from digiplus.settings import Settings
from digiplus.web.security import cookie_options, safe_next


def _sessions(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(WebSession)) or 0)


def test_pages_redirect_to_login_with_next(make_browser: Callable[..., Browser]) -> None:
    response = make_browser().get("/api-keys?x=1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fapi-keys%3Fx%3D1"


def test_login_sets_a_safe_session_cookie_and_follows_next(
    make_browser: Callable[..., Browser], owner: Member, db: Database
) -> None:
    browser = make_browser()
    response = browser.login(owner.email, next_path="/team")
    assert response.status_code == 303
    assert response.headers["location"] == "/team"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("dp_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # dev serves plain http
    assert _sessions(db) == 1
    page = browser.get("/team")
    assert page.status_code == 200
    assert owner.email in page.text


def test_session_cookie_is_secure_in_production() -> None:
    production = Settings(env="production", secret_key="s" * 40, database_url="sqlite://")
    assert cookie_options(production) == {"httponly": True, "samesite": "lax", "secure": True, "path": "/"}


def test_next_must_be_a_local_path(make_browser: Callable[..., Browser], owner: Member) -> None:
    response = make_browser().login(owner.email, next_path="//evil.example/steal")
    assert response.headers["location"] == "/"
    assert safe_next("https://evil.example/") == "/"
    assert safe_next("/\\evil.example") == "/"
    assert safe_next("/webhooks?x=1") == "/webhooks?x=1"


def test_wrong_password_is_refused(make_browser: Callable[..., Browser], owner: Member, db: Database) -> None:
    browser = make_browser()
    response = browser.login(owner.email, password="not the password")
    assert response.status_code == 401
    assert "Wrong email or password." in response.text
    assert "dp_session" not in response.cookies
    assert _sessions(db) == 0


def test_login_without_csrf_token_is_refused(make_browser: Callable[..., Browser], owner: Member, db: Database) -> None:
    browser = make_browser()
    browser.get("/login")  # sets the pre-session cookie
    response = browser.post(
        "/login",
        {"email": owner.email, "password": "correct horse battery staple", "csrf_token": "forged"},
        csrf_from=None,
    )
    assert response.status_code == 403
    assert "did not come from this site" in response.text
    assert _sessions(db) == 0


def test_login_token_is_bound_to_the_pre_session_cookie(
    make_browser: Callable[..., Browser], owner: Member, db: Database
) -> None:
    attacker, victim = make_browser(), make_browser()
    stolen = attacker.token("/login")  # valid only with the attacker's own pre-session cookie
    victim.get("/login")
    response = victim.post(
        "/login",
        {"email": owner.email, "password": "correct horse battery staple", "csrf_token": stolen},
        csrf_from=None,
    )
    assert response.status_code == 403
    assert _sessions(db) == 0


def test_logout_ends_the_session(browser: Browser, db: Database) -> None:
    assert _sessions(db) == 1
    response = browser.post("/logout")
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert _sessions(db) == 0
    assert browser.get("/", follow_redirects=False).status_code == 303
    login_page = browser.get("/login")
    assert "You are logged out." in login_page.text


def test_logout_needs_the_csrf_token(browser: Browser, db: Database) -> None:
    response = browser.post("/logout", {"csrf_token": "nope"}, csrf_from=None)
    assert response.status_code == 403
    assert _sessions(db) == 1


def test_logged_in_user_visiting_login_goes_home(browser: Browser) -> None:
    response = browser.get("/login", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_user_without_org_sees_an_explanation(make_browser: Callable[..., Browser], db: Database) -> None:
    from digiplus.identity import service
    from digiplus.identity.schemas import UserCreate

    with db.session() as session:
        service.create_user(
            session, UserCreate(email="lone@example.com", name="Lone", password="correct horse battery staple")
        )
    browser = make_browser()
    assert browser.login("lone@example.com").status_code == 303
    home = browser.get("/")
    assert home.status_code == 200
    assert "You are not a member of any organization yet." in home.text
    assert browser.get("/api-keys").status_code == 403


def test_unknown_page_is_html_and_unknown_api_url_is_json(make_browser: Callable[..., Browser]) -> None:
    browser = make_browser()
    page = browser.get("/no-such-page", headers={"accept": "text/html"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    api = browser.get("/v1/no-such-thing")
    assert api.status_code == 404
    assert api.json()["error"]["code"] == "resource_missing"
