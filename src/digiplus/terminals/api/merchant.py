"""``/v1/terminals`` and ``/v1/terminal_supervisors``: the merchant manages its terminals with an API key."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from digiplus.core.api.auth import ApiCaller, requires
from digiplus.core.api.deps import SessionDep
from digiplus.core.api.pagination import ListParamsDep, paginate
from digiplus.core.api.responses import ERROR_RESPONSES
from digiplus.core.context import Caller
from digiplus.terminals.models import Terminal, TerminalSupervisor
from digiplus.terminals.schemas import (
    PairingCodePublic,
    SupervisorCreate,
    SupervisorList,
    SupervisorPublic,
    TerminalCreate,
    TerminalList,
    TerminalPublic,
    TotalsPublic,
)
from digiplus.terminals.service import fleet, supervisors, totals

router = APIRouter(prefix="/v1", tags=["terminals"], responses=ERROR_RESPONSES)
Writer = Annotated[Caller, requires("terminals.write")]
TerminalId = Annotated[
    str, Path(max_length=64, pattern=r"^[A-Za-z0-9_]+$", examples=["term_01JD3Y0R6C9W4QK3F7S2N8M5TB"])
]
SupervisorId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_]+$")]


@router.post("/terminals", response_model=TerminalPublic, summary="Add a POS terminal (then pair it with a code)")
def create_terminal(body: TerminalCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return fleet.terminal_data(fleet.create_terminal(session, caller, name=body.name, location=body.location))


@router.get("/terminals", response_model=TerminalList, summary="List the merchant's terminals, newest first")
def list_terminals(
    session: SessionDep,
    caller: ApiCaller,
    params: ListParamsDep,
    status: Annotated[str | None, Query(pattern="^(active|disabled)$")] = None,
) -> dict[str, Any]:
    return paginate(
        session, fleet.terminals_query(caller, status), Terminal.id, params, fleet.terminal_data, "/v1/terminals"
    )


@router.get("/terminals/{terminal_id}", response_model=TerminalPublic, summary="Retrieve a terminal")
def get_terminal(terminal_id: TerminalId, session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    return fleet.terminal_data(fleet.get_terminal(session, caller, terminal_id))


@router.post(
    "/terminals/{terminal_id}/pairing_code",
    response_model=PairingCodePublic,
    summary="A one-time pairing code for the terminal (pairing again replaces its credential)",
)
def pairing_code(terminal_id: TerminalId, session: SessionDep, caller: Writer) -> dict[str, Any]:
    terminal, code = fleet.issue_pairing_code(session, caller, terminal_id)
    expires = terminal.pairing_code_expires_at
    return {"terminal": terminal.id, "code": code, "expires_at": int(expires.timestamp()) if expires else 0}


@router.post("/terminals/{terminal_id}/disable", response_model=TerminalPublic, summary="Disable a terminal at once")
def disable_terminal(terminal_id: TerminalId, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return fleet.terminal_data(fleet.disable_terminal(session, caller, terminal_id))


@router.post("/terminals/{terminal_id}/enable", response_model=TerminalPublic, summary="Enable a disabled terminal")
def enable_terminal(terminal_id: TerminalId, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return fleet.terminal_data(fleet.enable_terminal(session, caller, terminal_id))


@router.get(
    "/terminals/{terminal_id}/totals",
    response_model=TotalsPublic,
    summary="A terminal's end-of-day totals (Taipei day), checked against the ledger",
)
def terminal_totals(
    terminal_id: TerminalId,
    session: SessionDep,
    caller: ApiCaller,
    day: Annotated[date | None, Query(alias="date")] = None,
) -> dict[str, Any]:
    return totals.terminal_totals(session, caller, terminal_id, day)


@router.post(
    "/terminal_supervisors", response_model=SupervisorPublic, summary="Add a supervisor who allows refunds with a PIN"
)
def create_supervisor(body: SupervisorCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return supervisors.supervisor_data(supervisors.create_supervisor(session, caller, name=body.name, pin=body.pin))


@router.get("/terminal_supervisors", response_model=SupervisorList, summary="List the supervisors")
def list_supervisors(session: SessionDep, caller: ApiCaller, params: ListParamsDep) -> dict[str, Any]:
    stmt = supervisors.supervisors_query(caller)
    return paginate(
        session, stmt, TerminalSupervisor.id, params, supervisors.supervisor_data, "/v1/terminal_supervisors"
    )


@router.post(
    "/terminal_supervisors/{supervisor_id}/unlock", response_model=SupervisorPublic, summary="Lift a PIN lockout"
)
def unlock_supervisor(supervisor_id: SupervisorId, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return supervisors.supervisor_data(supervisors.unlock_supervisor(session, caller, supervisor_id))


@router.post(
    "/terminal_supervisors/{supervisor_id}/deactivate",
    response_model=SupervisorPublic,
    summary="Deactivate a supervisor",
)
def deactivate_supervisor(supervisor_id: SupervisorId, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return supervisors.supervisor_data(supervisors.deactivate_supervisor(session, caller, supervisor_id))
