"""Web pages of webhooks: endpoints (create with the secret shown once, delete), ping, delivery log."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form
from pydantic import ValidationError
from starlette.responses import Response

from digiplus.core.api.deps import SessionDep
from digiplus.core.context import Caller
from digiplus.core.errors import ValidationFailed
from digiplus.core.events import event_types
from digiplus.core.permissions import require
from digiplus.core.webhooks import service
from digiplus.core.webhooks.schemas import WebhookEndpointCreate
from digiplus.web.deps import CallerDep, CsrfDep, PageDep
from digiplus.web.errors import invalid_field, page_router
from digiplus.web.i18n import N_
from digiplus.web.shell import NavItem, PageContext, page_response, redirect

router = page_router()
NAV = (NavItem(N_("Webhooks"), "/webhooks", "webhooks", order=20),)


def _list_page(page: PageContext, session: SessionDep, caller: Caller, **extra: object) -> Response:
    page.section = "webhooks"
    context = {
        "endpoints": service.list_endpoints(session, caller),
        "event_types": event_types(),
        "created": None,
        "secret": None,
        "error": None,
        "form": {"url": "", "description": "", "events": ["*"]},
        **extra,
    }
    return page_response(
        page,
        "webhooks/list.html",
        context,
        fragment="webhooks/_section.html",
        status_code=400 if context["error"] else 200,
    )


@router.get("/webhooks")
def webhooks(session: SessionDep, page: PageDep, caller: CallerDep) -> Response:
    return _list_page(page, session, caller)


@router.post("/webhooks")
def create_webhook(
    session: SessionDep,
    page: PageDep,
    caller: CallerDep,
    _csrf: CsrfDep,
    url: Annotated[str, Form(max_length=2048)] = "",
    description: Annotated[str, Form(max_length=500)] = "",
    enabled_events: Annotated[list[str] | None, Form(max_length=100)] = None,
) -> Response:
    require(caller.role, "webhooks.write")
    events = enabled_events or []
    form = {"url": url, "description": description, "events": events}
    try:
        data = WebhookEndpointCreate(url=url, description=description or None, enabled_events=events)
        endpoint, secret = service.create_endpoint(session, caller, data)
    except ValidationError as exc:
        return _list_page(page, session, caller, error=_validation_message(page, exc), form=form)
    except ValidationFailed as exc:  # e.g. a private address in production live mode
        return _list_page(page, session, caller, error=exc.message, form=form)
    return _list_page(page, session, caller, created=endpoint, secret=secret)


def _validation_message(page: PageContext, exc: ValidationError) -> str:
    field = invalid_field(exc)
    if field == "enabled_events":
        return page.gettext(N_("Choose at least one event, or all events."))
    if field == "url":
        return page.gettext(N_("Enter an absolute http:// or https:// URL."))
    return page.gettext(N_("Please check the field “%(field)s”."), field=field)


@router.get("/webhooks/{endpoint_id}")
def webhook_detail(endpoint_id: str, session: SessionDep, page: PageDep, caller: CallerDep) -> Response:
    page.section = "webhooks"
    endpoint = service.get_endpoint(session, caller, endpoint_id)
    deliveries = service.list_deliveries(session, caller, endpoint_id)
    return page_response(
        page,
        "webhooks/detail.html",
        {"endpoint": endpoint, "deliveries": deliveries},
        fragment="webhooks/_deliveries.html",
    )


@router.post("/webhooks/{endpoint_id}/ping")
def ping_webhook(endpoint_id: str, session: SessionDep, page: PageDep, caller: CallerDep, _csrf: CsrfDep) -> Response:
    service.ping_endpoint(session, caller, endpoint_id)
    return redirect(
        page,
        f"/webhooks/{endpoint_id}",
        flash=N_("A ping event is on its way; its delivery appears below within seconds."),
        kind="info",
    )


@router.get("/webhooks/{endpoint_id}/delete")
def confirm_delete(endpoint_id: str, session: SessionDep, page: PageDep, caller: CallerDep) -> Response:
    page.section = "webhooks"
    endpoint = service.get_endpoint(session, caller, endpoint_id)
    return page_response(page, "webhooks/delete.html", {"endpoint": endpoint})


@router.post("/webhooks/{endpoint_id}/delete")
def delete_webhook(endpoint_id: str, session: SessionDep, page: PageDep, caller: CallerDep, _csrf: CsrfDep) -> Response:
    endpoint = service.delete_endpoint(session, caller, endpoint_id)
    return redirect(page, "/webhooks", flash=N_("The endpoint %(url)s was deleted."), url=endpoint.url)
