"""Errors on web pages become pages: a login redirect, or an error page in the shell.

The API's handlers (``core.api.errors``) answer with the JSON error object; these
wrap them so that a request to a page route (a ``PageRoute``), or a browser asking
for an unknown URL outside ``/v1``, gets HTML instead. They run after the request's
transaction was rolled back, so a refused form changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from digiplus.core.errors import DigiplusError
from digiplus.web import i18n
from digiplus.web.i18n import N_
from digiplus.web.shell import resolve_locale
from digiplus.web.templating import is_htmx, render

Handler = Callable[[Request, Any], Response | Awaitable[Response]]


class LoginRequired(Exception):
    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class NoOrganization(Exception):
    """The user belongs to no organisation yet, so org pages have nothing to show."""


class PageRoute(APIRoute):
    """The route class of every web page (errors on it are answered in HTML)."""


def invalid_field(exc: ValidationError) -> str:
    """The name of the first field a form failed on ("" when the error is not about one field)."""
    errors = exc.errors()
    return str(errors[0]["loc"][0]) if errors and errors[0]["loc"] else ""


def page_router(**kwargs: Any) -> APIRouter:
    return APIRouter(route_class=PageRoute, include_in_schema=False, **kwargs)


_TITLES = {
    400: N_("That did not work"),
    401: N_("Please log in"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Not allowed"),
    409: N_("That did not work"),
    422: N_("Please check the form"),
    429: N_("Too many requests"),
}
_GENERIC = {
    403: N_("Your role in this organization does not allow this."),
    404: N_("This page does not exist, or it belongs to another organization or mode."),
    405: N_("This page cannot be used that way."),
    429: N_("Too many requests. Wait a moment and try again."),
}
_CSRF_MESSAGE = N_("This form has expired or did not come from this site. Reload the page and try again.")


def _is_page(request: Request) -> bool:
    if isinstance(request.scope.get("route"), PageRoute):
        return True
    path = request.url.path
    api_like = path.startswith(("/v1/", "/static/", "/docs", "/openapi", "/healthz", "/readyz", "/metrics"))
    return not api_like and "text/html" in request.headers.get("accept", "")


def _page_and_locale(request: Request) -> tuple[Any, str]:
    page = getattr(request.state, "page", None)
    return page, (page.locale if page is not None else resolve_locale(request))


def error_page(request: Request, status: int, message: str) -> Response:
    page, locale = _page_and_locale(request)
    title = i18n.translate(locale, _TITLES.get(status, N_("Something went wrong")))
    context = {"page": page, "status": status, "title": title, "message": message}
    if is_htmx(request):
        # Show the message in the page's message area, whatever the request meant to replace.
        return render(
            request,
            "web/_error.html",
            context,
            locale=locale,
            status_code=status,
            headers={"HX-Retarget": "#messages", "HX-Reswap": "innerHTML"},
        )
    return render(request, "web/error.html", context, locale=locale, status_code=status)


def _message_for(request: Request, exc: DigiplusError) -> str:
    _, locale = _page_and_locale(request)
    if exc.code == "csrf_failed":
        return i18n.translate(locale, _CSRF_MESSAGE)
    if exc.status_code in _GENERIC:
        return i18n.translate(locale, _GENERIC[exc.status_code])
    return i18n.translate(locale, exc.message)  # the service's own words, translated when catalogued


def install_page_error_handlers(app: FastAPI) -> None:
    """Wrap the API's exception handlers: pages get HTML, the API keeps its JSON."""
    api_domain: Handler = app.exception_handlers[DigiplusError]
    api_validation: Handler = app.exception_handlers[RequestValidationError]
    api_http: Handler = app.exception_handlers[StarletteHTTPException]

    async def _delegate(handler: Handler, request: Request, exc: Exception) -> Response:
        result = handler(request, exc)
        return await result if isinstance(result, Awaitable) else result

    async def domain(request: Request, exc: DigiplusError) -> Response:
        if not _is_page(request):
            return await _delegate(api_domain, request, exc)
        return error_page(request, exc.status_code, _message_for(request, exc))

    async def validation(request: Request, exc: RequestValidationError) -> Response:
        if not _is_page(request):
            return await _delegate(api_validation, request, exc)
        _, locale = _page_and_locale(request)
        return error_page(request, 422, i18n.translate(locale, N_("A field of the form is missing or invalid.")))

    async def http(request: Request, exc: StarletteHTTPException) -> Response:
        if not _is_page(request):
            return await _delegate(api_http, request, exc)
        _, locale = _page_and_locale(request)
        generic = _GENERIC.get(exc.status_code, N_("Something went wrong"))
        return error_page(request, exc.status_code, i18n.translate(locale, generic))

    async def login_required(request: Request, exc: LoginRequired) -> Response:
        target = "/login?" + urlencode({"next": exc.next_path}) if exc.next_path != "/" else "/login"
        if is_htmx(request):
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    async def no_organization(request: Request, exc: NoOrganization) -> Response:
        _, locale = _page_and_locale(request)
        message = N_("You are not a member of any organization yet. Ask an owner or admin to add you.")
        return error_page(request, 403, i18n.translate(locale, message))

    app.add_exception_handler(DigiplusError, domain)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, http)  # type: ignore[arg-type]
    app.add_exception_handler(LoginRequired, login_required)  # type: ignore[arg-type]
    app.add_exception_handler(NoOrganization, no_organization)  # type: ignore[arg-type]
