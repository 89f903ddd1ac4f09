"""The web shell's own pages: login, logout, the home dashboard, and the org, mode and language switches."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from starlette.responses import Response

from digiplus.core.api.deps import SessionDep
from digiplus.core.errors import AuthenticationFailed
from digiplus.identity import service as identity
from digiplus.identity.throttle import LoginThrottled
from digiplus.settings import get_settings
from digiplus.web import i18n, security
from digiplus.web.deps import (
    CallerDep,
    CsrfDep,
    OptionalPageDep,
    PageDep,
    WebSessionDep,
    anonymous_page,
)
from digiplus.web.errors import page_router
from digiplus.web.i18n import N_
from digiplus.web.service import PLATFORM_MODULES, dashboard_counts
from digiplus.web.shell import NavItem, page_response, redirect

router = page_router()
NAV = (NavItem(N_("Home"), "/", "home", order=0),)

NextField = Annotated[str, Form(alias="next", max_length=2000)]


def _login_form(
    request: Request, *, next_path: str, email: str = "", error: str | None = None, status_code: int = 200
) -> Response:
    page = anonymous_page(request)
    response = page_response(
        page, "web/login.html", {"next": next_path, "email": email, "error": error}, status_code=status_code
    )
    new_presession: str | None = request.state.new_presession
    if new_presession:
        security.set_presession_cookie(response, new_presession)
    return response


@router.get("/login")
def login_form(request: Request, page: OptionalPageDep, next: str = "/") -> Response:
    if page is not None:
        return redirect(page, security.safe_next(next))
    return _login_form(request, next_path=security.safe_next(next))


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    _csrf: CsrfDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=200)],
    next_path: NextField = "/",
) -> Response:
    target = security.safe_next(next_path)
    ip = request.client.host if request.client else None
    try:
        user = identity.authenticate_user(session, email, password, ip=ip)
    except LoginThrottled as exc:
        locale = anonymous_page(request).locale
        message = i18n.translate(locale, N_("Too many failed logins. Try again in %(minutes)s minutes."))
        response = _login_form(
            request, next_path=target, email=email, error=message % {"minutes": exc.minutes}, status_code=429
        )
        response.headers["Retry-After"] = str(exc.retry_after_seconds)
        return response
    except AuthenticationFailed:
        locale = anonymous_page(request).locale
        message = i18n.translate(locale, N_("Wrong email or password."))
        return _login_form(request, next_path=target, email=email, error=message, status_code=401)
    _, token = identity.start_web_session(session, user, max_age_seconds=get_settings().session_max_age_seconds)
    chosen = i18n.normalize(request.cookies.get(security.LANG_COOKIE))
    if chosen and chosen != user.locale:
        identity.set_user_locale(user, chosen)  # a language picked before logging in is the latest choice
    response = redirect(None, target)
    security.set_session_cookie(response, token)
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, page: PageDep, _csrf: CsrfDep) -> Response:
    identity.end_web_session(session, request.cookies.get(security.SESSION_COOKIE, ""))
    response = redirect(page, "/login", flash=N_("You are logged out."), kind="info")
    security.clear_session_cookie(response)
    return response


@router.get("/")
def dashboard(session: SessionDep, page: PageDep) -> Response:
    counts = dashboard_counts(session, page.caller) if page.caller is not None else None
    page.section = "home"
    return page_response(page, "web/dashboard.html", {"counts": counts, "modules": PLATFORM_MODULES})


@router.post("/org")
def switch_org(
    session: SessionDep,
    page: PageDep,
    web: WebSessionDep,
    _csrf: CsrfDep,
    org_id: Annotated[str, Form(max_length=40)],
) -> Response:
    identity.switch_org(session, web, org_id)
    return redirect(page, "/")


@router.post("/mode")
def switch_mode(
    page: PageDep,
    caller: CallerDep,
    web: WebSessionDep,
    _csrf: CsrfDep,
    mode: Annotated[str, Form(pattern="^(test|live)$")],
    next_path: NextField = "/",
) -> Response:
    identity.set_mode(web, mode == "live")
    message = N_("Live mode: real data.") if mode == "live" else N_("Test mode: test data only.")
    return redirect(page, _same_section(next_path), flash=message, kind="info")


@router.post("/language")
def switch_language(
    request: Request,
    page: OptionalPageDep,
    _csrf: CsrfDep,
    lang: Annotated[str, Form(max_length=10)],
    next_path: NextField = "/",
) -> Response:
    locale = i18n.normalize(lang) or i18n.DEFAULT_LOCALE
    if page is not None:
        identity.set_user_locale(request.state.user, locale)
    response = redirect(page, security.safe_next(next_path))
    security.set_lang_cookie(response, locale)
    return response


def _same_section(next_path: str) -> str:
    """After a mode switch, the list page of the same section (a detail page's object is of the other mode)."""
    path = security.safe_next(next_path).split("?", 1)[0]
    parts = [p for p in path.split("/") if p]
    return "/" + parts[0] if parts else "/"
