"""Web pages of identity: API keys (create, shown once, revoke) and team members."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Form
from pydantic import ValidationError
from starlette.responses import Response

from digiplus.core.api.deps import SessionDep
from digiplus.core.context import Caller
from digiplus.core.errors import DigiplusError, PermissionDenied
from digiplus.core.permissions import ROLES, Role, require
from digiplus.identity import service
from digiplus.identity.schemas import ApiKeyCreate, MemberCreate
from digiplus.identity.serializers import api_key_public
from digiplus.web.deps import CallerDep, CsrfDep, PageDep
from digiplus.web.errors import invalid_field, page_router
from digiplus.web.i18n import N_, ROLE_LABELS
from digiplus.web.shell import NavItem, PageContext, page_response, redirect

router = page_router()
NAV = (
    NavItem(N_("API keys"), "/api-keys", "api-keys", order=10),
    NavItem(N_("Team"), "/team", "team", order=30),
)


def grantable_roles(caller: Caller) -> list[Role]:
    """The roles the caller may hand out: their own and any below it."""
    return list(ROLES[ROLES.index(caller.role) :])


def _form_error(page: PageContext, exc: ValidationError | DigiplusError) -> str:
    if isinstance(exc, DigiplusError):
        return page.gettext(exc.message)
    field = invalid_field(exc)
    return page.gettext(N_("Please check the field “%(field)s”."), field=field)


# --- API keys ------------------------------------------------------------------


def _keys_page(page: PageContext, session: SessionDep, caller: Caller, **extra: object) -> Response:
    page.section = "api-keys"
    keys = [(key, api_key_public(key)) for key in service.list_api_keys(session, caller)]
    context = {
        "keys": keys,
        "roles": grantable_roles(caller),
        "role_labels": ROLE_LABELS,
        "created": None,
        "secret": None,
        "error": None,
        "name": "",
        **extra,
    }
    status = 400 if context["error"] else 200
    return page_response(
        page, "identity/api_keys.html", context, fragment="identity/_api_keys_section.html", status_code=status
    )


@router.get("/api-keys")
def api_keys(session: SessionDep, page: PageDep, caller: CallerDep) -> Response:
    return _keys_page(page, session, caller)


@router.post("/api-keys")
def create_api_key(
    session: SessionDep,
    page: PageDep,
    caller: CallerDep,
    _csrf: CsrfDep,
    name: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=20)] = "developer",
) -> Response:
    require(caller.role, "apikeys.write")
    try:
        data = ApiKeyCreate(name=name, role=cast(Role, role))
    except ValidationError as exc:
        return _keys_page(page, session, caller, error=_form_error(page, exc), name=name)
    try:
        key, secret = service.create_api_key(session, caller, data)
    except PermissionDenied:  # a role above the caller's
        error = page.gettext(N_("You cannot give a key a role above your own."))
        return _keys_page(page, session, caller, error=error, name=name)
    return _keys_page(page, session, caller, created=api_key_public(key), secret=secret)


@router.get("/api-keys/{key_id}/revoke")
def confirm_revoke(key_id: str, session: SessionDep, page: PageDep, caller: CallerDep) -> Response:
    page.section = "api-keys"
    key = service.get_api_key(session, caller, key_id)
    return page_response(page, "identity/api_key_revoke.html", {"key": api_key_public(key)})


@router.post("/api-keys/{key_id}/revoke")
def revoke_api_key(key_id: str, session: SessionDep, page: PageDep, caller: CallerDep, _csrf: CsrfDep) -> Response:
    key = service.revoke_api_key(session, caller, key_id)
    public = api_key_public(key)
    if page.request.headers.get("hx-request") == "true":
        return page_response(
            page, "identity/_api_key_row.html", {"key": key, "public": public, "role_labels": ROLE_LABELS}
        )
    return redirect(page, "/api-keys", flash=N_("The key %(key)s was revoked."), key=public.redacted)


# --- team ------------------------------------------------------------------------


def _team_page(
    page: PageContext, session: SessionDep, caller: Caller, *, error: str | None = None, email: str = ""
) -> Response:
    page.section = "team"
    members = service.list_members(session, caller)
    context = {
        "members": members,
        "roles": grantable_roles(caller),
        "role_labels": ROLE_LABELS,
        "error": error,
        "email": email,
    }
    return page_response(page, "identity/team.html", context, status_code=400 if error else 200)


@router.get("/team")
def team(session: SessionDep, page: PageDep, caller: CallerDep) -> Response:
    return _team_page(page, session, caller)


@router.post("/team")
def add_member(
    session: SessionDep,
    page: PageDep,
    caller: CallerDep,
    _csrf: CsrfDep,
    email: Annotated[str, Form(max_length=254)] = "",
    role: Annotated[str, Form(max_length=20)] = "viewer",
) -> Response:
    require(caller.role, "members.write")  # refuse before looking at the form: no answers about emails
    try:
        data = MemberCreate(email=email, role=cast(Role, role))
    except ValidationError as exc:
        return _team_page(page, session, caller, error=_form_error(page, exc), email=email)
    try:
        service.add_member_by_email(session, caller, data.email, data.role)
    except DigiplusError as exc:
        if exc.status_code not in (404, 409):
            raise
        return _team_page(page, session, caller, error=_member_error(page, exc, data.email), email=email)
    return redirect(page, "/team", flash=N_("%(email)s was added to the team."), email=data.email.lower())


def _member_error(page: PageContext, exc: DigiplusError, email: str) -> str:
    if exc.status_code == 404:
        return page.gettext(N_("No user has the email %(email)s. They need an account first."), email=email)
    return page.gettext(N_("%(email)s is a member of this organization already."), email=email)
