"""What every page knows about its viewer, and how a page answers (full page, fragment, redirect).

``PageContext`` holds plain values only (names, ids, the CSRF token), so an error page
can still draw the shell after the request's transaction was rolled back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from digiplus.core.context import Caller
from digiplus.registry import parts
from digiplus.web import i18n, security
from digiplus.web.templating import is_htmx, render


@dataclass(frozen=True)
class OrgChoice:
    id: str
    name: str
    role: str
    kind: str = ""  # merchant | consumer | … (some sections are for one kind of org)


@dataclass(frozen=True)
class NavItem:
    """An entry of the side navigation; a module lists its own in ``NAV`` of its ``pages.py``."""

    label: str  # msgid
    href: str
    section: str
    permission: str | None = None
    order: int = 50
    org_kinds: tuple[str, ...] = ()  # shown only to orgs of these kinds (empty: every org)


@lru_cache(maxsize=1)
def nav_items() -> tuple[NavItem, ...]:
    items: list[NavItem] = []
    for module in parts("pages"):
        items.extend(getattr(module, "NAV", ()))
    return tuple(sorted(items, key=lambda item: (item.order, item.href)))


@dataclass(frozen=True)
class Flash:
    kind: str  # success | error | info
    message: str  # already translated


@dataclass
class PageContext:
    request: Request
    locale: str
    csrf_token: str
    user_id: str | None = None
    user_name: str = ""
    user_email: str = ""
    caller: Caller | None = None
    orgs: list[OrgChoice] = field(default_factory=list)
    flash: Flash | None = None
    section: str = ""

    @property
    def logged_in(self) -> bool:
        return self.user_id is not None

    @property
    def livemode(self) -> bool:
        return bool(self.caller and self.caller.livemode)

    @property
    def org(self) -> OrgChoice | None:
        if self.caller is None:
            return None
        return next((o for o in self.orgs if o.id == self.caller.org_id), None)

    @property
    def current_path(self) -> str:
        url = self.request.url
        return url.path + (f"?{url.query}" if url.query else "")

    @property
    def nav(self) -> list[NavItem]:
        kind = self.org.kind if self.org else None
        return [
            item
            for item in nav_items()
            if (item.permission is None or self.can(item.permission)) and (not item.org_kinds or kind in item.org_kinds)
        ]

    def can(self, permission: str) -> bool:
        return bool(self.caller and self.caller.can(permission))

    def gettext(self, message: str, **params: str) -> str:
        text = i18n.translate(self.locale, message)
        return text % params if params else text


def resolve_locale(request: Request, user_locale: str | None = None) -> str:
    """The visitor's choice (cookie), else their account's, else the browser's Accept-Language."""
    chosen = i18n.normalize(request.cookies.get(security.LANG_COOKIE))
    if chosen:
        return chosen
    if user_locale in i18n.LOCALES:
        return str(user_locale)
    return i18n.negotiate(request.headers.get("accept-language"))


def take_flash(request: Request, locale: str) -> Flash | None:
    found = security.read_flash(request)
    if found is None:
        return None
    kind, message, params = found
    text = i18n.translate(locale, message)
    try:
        text = text % params if params else text
    except (KeyError, ValueError):
        text = message
    return Flash(kind=kind if kind in ("success", "error", "info") else "info", message=text)


def page_response(
    page: PageContext,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    fragment: str | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The page, or only ``fragment`` when HTMX asks for a part of it."""
    name = fragment if fragment and is_htmx(page.request) else template
    response = render(
        page.request,
        name,
        {"page": page, **(context or {})},
        locale=page.locale,
        status_code=status_code,
        headers=headers,
    )
    if page.flash is not None:
        security.clear_flash(response)
    return response


def redirect(
    page: PageContext | None, to: str, *, flash: str | None = None, kind: str = "success", **params: str
) -> Response:
    """303 to ``to`` (or ``HX-Redirect`` for HTMX), with an optional one-time message (a msgid)."""
    if page is not None and is_htmx(page.request):
        response: Response = Response(status_code=204, headers={"HX-Redirect": to})
    else:
        response = RedirectResponse(to, status_code=303)
    if flash:
        security.set_flash(response, flash, kind, **params)
    return response
