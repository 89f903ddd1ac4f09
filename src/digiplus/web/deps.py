"""FastAPI dependencies of the web pages: who is looking, in which org and mode, and CSRF.

``PageDep`` requires a login (else a redirect to ``/login?next=…``); ``CallerDep`` also
requires a current organisation; ``CsrfDep`` refuses a POST whose token is not this
session's (403, before anything runs).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from digiplus.core.api.deps import SessionDep
from digiplus.core.context import Caller
from digiplus.core.errors import PermissionDenied
from digiplus.identity import service as identity
from digiplus.identity.models import User, WebSession
from digiplus.web import security
from digiplus.web.errors import LoginRequired, NoOrganization
from digiplus.web.shell import OrgChoice, PageContext, resolve_locale, take_flash


def _logged_in(request: Request, session: Session) -> tuple[WebSession, User] | None:
    token = request.cookies.get(security.SESSION_COOKIE)
    if not token or len(token) > 128:
        return None
    return identity.load_web_session(session, token)


def anonymous_page(request: Request) -> PageContext:
    """The context of a page seen before login (its forms carry the pre-session token)."""
    presession = security.presession_id(request) or security.new_presession_id()
    request.state.new_presession = presession if presession != security.presession_id(request) else None
    locale = resolve_locale(request)
    page = PageContext(
        request=request,
        locale=locale,
        csrf_token=security.presession_csrf(presession),
        flash=take_flash(request, locale),
    )
    request.state.page = page
    return page


def get_optional_page(request: Request, session: SessionDep) -> PageContext | None:
    found = _logged_in(request, session)
    if found is None:
        return None
    web, user = found
    request.state.web_session = web
    request.state.user = user
    locale = resolve_locale(request, user.locale)
    orgs = [
        OrgChoice(id=org.id, name=org.name, role=m.role, kind=org.kind)
        for m, org in identity.memberships_of(session, user.id)
    ]
    caller = identity.caller_for_session(session, web, request_id=getattr(request.state, "request_id", None))
    page = PageContext(
        request=request,
        locale=locale,
        csrf_token=web.csrf_token,
        user_id=user.id,
        user_name=user.name,
        user_email=user.email,
        caller=caller,
        orgs=orgs,
        flash=take_flash(request, locale),
    )
    request.state.page = page  # read by the error pages to draw the shell
    return page


OptionalPageDep = Annotated[PageContext | None, Depends(get_optional_page)]


def get_page(request: Request, page: OptionalPageDep) -> PageContext:
    if page is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(security.safe_next(here) if request.method == "GET" else "/")
    return page


PageDep = Annotated[PageContext, Depends(get_page)]


def get_caller(page: PageDep) -> Caller:
    if page.caller is None:
        raise NoOrganization()
    return page.caller


CallerDep = Annotated[Caller, Depends(get_caller)]


def web_session_row(request: Request, page: PageDep) -> WebSession:
    """The login row of this request (to change its org or mode)."""
    web: WebSession = request.state.web_session
    return web


WebSessionDep = Annotated[WebSession, Depends(web_session_row)]


def current_user(request: Request, page: PageDep) -> User:
    user: User = request.state.user
    return user


UserDep = Annotated[User, Depends(current_user)]


async def check_csrf(request: Request, page: OptionalPageDep) -> None:
    """Refuse a state-changing request whose token is not the session's (or pre-session's)."""
    form = await request.form()
    given = form.get(security.CSRF_FIELD)
    token = given if isinstance(given, str) else request.headers.get(security.CSRF_HEADER)
    presession = security.presession_id(request)
    # The pre-session token is as unforgeable as the session's: it is bound to a cookie other sites cannot read.
    expected = [page.csrf_token if page else None, security.presession_csrf(presession) if presession else None]
    if not any(security.tokens_match(token, candidate) for candidate in expected):
        raise PermissionDenied(
            "This form has expired or did not come from this site. Reload the page and try again.",
            code="csrf_failed",
        )


CsrfDep = Annotated[None, Depends(check_csrf)]
