"""``/terminals``: the merchant's fleet (status, last seen, today's totals), adding and pairing
terminals, disabling them, supervisors and their PINs; ``/terminals/{id}``: a terminal's day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Form, Path, Query
from sqlalchemy.orm import Session
from starlette.responses import Response

from digiplus.core.api.deps import SessionDep
from digiplus.core.context import Caller
from digiplus.core.errors import DigiplusError, InvalidRequest
from digiplus.core.money import display_amount
from digiplus.core.permissions import require
from digiplus.terminals.service import fleet, overview, supervisors
from digiplus.web import i18n
from digiplus.web.deps import CallerDep, CsrfDep, PageDep
from digiplus.web.errors import page_router
from digiplus.web.i18n import N_
from digiplus.web.shell import NavItem, PageContext, page_response, redirect

T = TypeVar("T")
router = page_router()
NAV = (
    NavItem(N_("Terminals"), "/terminals", "terminals", permission="terminals.read", order=36, org_kinds=("merchant",)),
)
TerminalId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_]+$")]
CONNECTION_LABELS = {
    "online": N_("Online"),
    "offline": N_("Offline"),
    "unpaired": N_("Not paired"),
    "disabled": N_("Disabled"),
}
CONNECTION_BADGES = {"online": "badge-ok", "offline": "badge-bad", "disabled": "badge-bad", "unpaired": "badge-neutral"}
METHOD_LABELS = {"qr": N_("QR code"), "payment_code": N_("Payment code"), "wallet": N_("Wallet (QR)")}


def merchant(page: PageDep, caller: CallerDep) -> Caller:
    require(caller.role, "terminals.read")
    if page.org is None or page.org.kind != "merchant":
        raise InvalidRequest(
            N_("These pages are for merchant organizations. Switch to a merchant organization."),
            code="org_not_merchant",
        )
    page.section = "terminals"
    return caller


MerchantDep = Annotated[Caller, Depends(merchant)]


def _helpers(page: PageContext) -> dict[str, Any]:
    return {
        "amount": partial(display_amount, locale=page.locale),
        "when": lambda value: i18n.format_time(value, page.locale),
        "connection_label": lambda c: page.gettext(CONNECTION_LABELS[c]) if c in CONNECTION_LABELS else c,
        "connection_badge": lambda c: CONNECTION_BADGES.get(c, "badge-neutral"),
        "method_label": lambda m: page.gettext(METHOD_LABELS[m]) if m in METHOD_LABELS else m,
    }


def _attempt(session: Session, call: Callable[[], T]) -> tuple[T | None, DigiplusError | None]:
    """One service call in a savepoint: a domain error undoes it and is shown on the page."""
    try:
        with session.begin_nested():
            return call(), None
    except DigiplusError as exc:
        return None, exc


def _fleet(session: Session, page: PageContext, caller: Caller, *, status_code: int = 200, **extra: Any) -> Response:
    context: dict[str, Any] = {
        "fleet": overview.fleet_overview(session, caller),
        "error": None,
        "form": {},
        "supervisor_error": None,
        "supervisor_form": {},
    }
    context |= {**_helpers(page), **extra}
    return page_response(
        page, "terminals/fleet.html", context, fragment="terminals/_fleet_table.html", status_code=status_code
    )


@router.get("/terminals")
def fleet_page(session: SessionDep, page: PageDep, caller: MerchantDep) -> Response:
    return _fleet(session, page, caller)


@router.post("/terminals")
def add_terminal(
    session: SessionDep,
    page: PageDep,
    caller: MerchantDep,
    _csrf: CsrfDep,
    name: Annotated[str, Form(max_length=80)] = "",
    location: Annotated[str, Form(max_length=120)] = "",
) -> Response:
    require(caller.role, "terminals.write")
    made, error = _attempt(session, lambda: fleet.create_terminal(session, caller, name=name, location=location))
    if error is not None or made is None:
        message = (
            page.gettext(N_("Name: Fill in this field.")) if error is None or error.param == "name" else error.message
        )
        return _fleet(session, page, caller, status_code=400, error=message, form={"name": name, "location": location})
    return redirect(page, f"/terminals/{made.id}", flash=N_("The terminal was added. Pair it with a code."))


def _terminal(
    session: Session, page: PageContext, caller: Caller, terminal_id: str, day: date | None, **extra: Any
) -> Response:
    context = {
        **overview.terminal_page_data(session, caller, terminal_id, day),
        "code": None,
        **_helpers(page),
        **extra,
    }
    return page_response(page, "terminals/terminal.html", context)


@router.get("/terminals/{terminal_id}")
def terminal_page(
    terminal_id: TerminalId,
    session: SessionDep,
    page: PageDep,
    caller: MerchantDep,
    day: Annotated[date | None, Query(alias="date")] = None,
) -> Response:
    return _terminal(session, page, caller, terminal_id, day)


@router.post("/terminals/{terminal_id}/pairing-code")
def pairing_code(
    terminal_id: TerminalId, session: SessionDep, page: PageDep, caller: MerchantDep, _csrf: CsrfDep
) -> Response:
    """The code is shown once, on this answer (not after a redirect: it is never stored readable)."""
    require(caller.role, "terminals.write")
    terminal, code = fleet.issue_pairing_code(session, caller, terminal_id)
    return _terminal(session, page, caller, terminal.id, None, code=code)


@router.post("/terminals/{terminal_id}/disable")
def disable(
    terminal_id: TerminalId, session: SessionDep, page: PageDep, caller: MerchantDep, _csrf: CsrfDep
) -> Response:
    require(caller.role, "terminals.write")
    fleet.disable_terminal(session, caller, terminal_id)
    return redirect(page, f"/terminals/{terminal_id}", flash=N_("The terminal is disabled: its requests are refused."))


@router.post("/terminals/{terminal_id}/enable")
def enable(
    terminal_id: TerminalId, session: SessionDep, page: PageDep, caller: MerchantDep, _csrf: CsrfDep
) -> Response:
    require(caller.role, "terminals.write")
    fleet.enable_terminal(session, caller, terminal_id)
    return redirect(page, f"/terminals/{terminal_id}", flash=N_("The terminal is enabled again."))


@router.post("/terminals/supervisors")
def add_supervisor(
    session: SessionDep,
    page: PageDep,
    caller: MerchantDep,
    _csrf: CsrfDep,
    name: Annotated[str, Form(max_length=80)] = "",
    pin: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    require(caller.role, "terminals.write")
    _, error = _attempt(session, lambda: supervisors.create_supervisor(session, caller, name=name, pin=pin))
    if error is not None:
        message = (
            page.gettext(N_("PIN: 4 to 8 digits."))
            if error.param == "pin"
            else page.gettext(N_("Name: Fill in this field."))
        )
        return _fleet(session, page, caller, status_code=400, supervisor_error=message, supervisor_form={"name": name})
    return redirect(page, "/terminals", flash=N_("The supervisor was added."))


@router.post("/terminals/supervisors/{supervisor_id}/unlock")
def unlock_supervisor(
    supervisor_id: TerminalId, session: SessionDep, page: PageDep, caller: MerchantDep, _csrf: CsrfDep
) -> Response:
    require(caller.role, "terminals.write")
    supervisors.unlock_supervisor(session, caller, supervisor_id)
    return redirect(page, "/terminals", flash=N_("The supervisor's lockout was lifted."))
