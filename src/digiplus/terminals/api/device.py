"""``/v1/terminal/…``: what a paired terminal does, every request signed (``TerminalDep``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from digiplus.core.api.deps import SessionDep
from digiplus.core.api.ratelimit import check_rate_limit
from digiplus.core.db import get_database
from digiplus.core.errors import InvalidRequest
from digiplus.terminals.api.signed import RESPONSES, TerminalDep, client_ip
from digiplus.terminals.schemas import (
    ChargeCode,
    Heartbeat,
    HeartbeatAnswer,
    PairedTerminal,
    PairRequest,
    ReceiptPublic,
    SaleCreate,
    SalePublic,
    TerminalRefundCreate,
    TerminalRefundPublic,
    TerminalSelf,
    TotalsPublic,
)
from digiplus.terminals.service import access, device, fleet, receipts, refunding, selling, totals

router = APIRouter(prefix="/v1/terminal", tags=["terminal device"], responses=RESPONSES)
IntentId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_]+$", examples=["pi_01JD3Y0R6C9W4QK3F7S2N8M5TB"])]


class DeclinedSale(BaseModel):
    error: dict[str, Any]


DECLINED: dict[int | str, dict[str, Any]] = {
    402: {"model": DeclinedSale, "description": "The payment code's wallet declined; error.payment holds the payment"}
}


def _sale_response(sale: selling.Sale) -> Any:
    data = selling.sale_data(sale)
    if sale.declined is not None:
        return JSONResponse({"error": {**sale.declined.to_dict(), "payment": data}}, status_code=402)
    return data


@router.post("/pair", response_model=PairedTerminal, summary="Pair a terminal with its one-time code (no signature)")
async def pair(body: PairRequest, request: Request) -> dict[str, Any]:
    await check_rate_limit(f"terminal-pair:{client_ip(request)}")
    if request.headers.get("idempotency-key"):
        # A stored answer would hand the secret out again to whoever repeats the code and the key:
        # pairing is single use by itself (a refusal is not stored by the idempotency middleware).
        raise InvalidRequest(
            "Pair without an Idempotency-Key: a pairing code works once, and the secret is shown once.",
            param="Idempotency-Key",
            code="idempotency_key_not_allowed",
        )
    terminal, secret = await run_in_threadpool(
        lambda: access.pair(
            get_database(),
            code=body.code,
            app_version=body.app_version,
            ip=client_ip(request),
            request_id=getattr(request.state, "request_id", None),
        )
    )
    return {
        "terminal": fleet.terminal_data(terminal),
        "secret": secret,
        "signing": "DPT1-HMAC-SHA256 (docs/terminals.md)",
    }


@router.get(
    "/me", response_model=TerminalSelf, summary="This terminal, its merchant and the supervisors to choose from"
)
def me(terminal: TerminalDep, session: SessionDep) -> dict[str, Any]:
    return device.self_data(session, terminal)


@router.post("/heartbeat", response_model=HeartbeatAnswer, summary="Tell the merchant this terminal is alive")
def heartbeat(body: Heartbeat, terminal: TerminalDep, session: SessionDep, request: Request) -> dict[str, Any]:
    return device.heartbeat(session, terminal, app_version=body.app_version, ip=client_ip(request))


@router.post(
    "/payments",
    response_model=SalePublic,
    responses=DECLINED,
    summary="Take a payment: show a dynamic QR, or charge a scanned payment code (keyed by client_reference)",
)
def take_payment(body: SaleCreate, terminal: TerminalDep, session: SessionDep) -> Any:
    sale = selling.take_payment(
        session,
        terminal,
        client_reference=body.client_reference,
        amount=body.amount,
        method=body.method,
        payment_code=body.payment_code,
        description=body.description,
    )
    return _sale_response(sale)


@router.get(
    "/payments/by_reference/{client_reference}",
    response_model=SalePublic,
    summary="The payment this terminal took under a client_reference (after a lost connection)",
)
def payment_by_reference(
    client_reference: Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")],
    terminal: TerminalDep,
    session: SessionDep,
) -> dict[str, Any]:
    return selling.sale_data(selling.find_sale(session, terminal, reference=client_reference))


@router.get("/payments/{intent_id}", response_model=SalePublic, summary="One of this terminal's payments")
def get_payment(intent_id: IntentId, terminal: TerminalDep, session: SessionDep) -> dict[str, Any]:
    return selling.sale_data(selling.find_sale(session, terminal, intent_id=intent_id))


@router.get(
    "/payments/{intent_id}/qr.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}, "description": "The dynamic QR code, while the payment waits"}},
    summary="The payment's dynamic QR code as SVG (to show large)",
)
def payment_qr(intent_id: IntentId, terminal: TerminalDep, session: SessionDep) -> Response:
    svg = device.qr_svg(session, terminal, intent_id)
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


@router.post(
    "/payments/{intent_id}/payment_code",
    response_model=SalePublic,
    responses=DECLINED,
    summary="Charge a payment code on a waiting payment (after a decline, or instead of the QR)",
)
def charge_code(intent_id: IntentId, body: ChargeCode, terminal: TerminalDep, session: SessionDep) -> Any:
    return _sale_response(selling.charge_code(session, terminal, intent_id, body.payment_code))


@router.post("/payments/{intent_id}/cancel", response_model=SalePublic, summary="Cancel a waiting payment")
def cancel_payment(intent_id: IntentId, terminal: TerminalDep, session: SessionDep) -> dict[str, Any]:
    return selling.sale_data(selling.cancel_sale(session, terminal, intent_id))


@router.post(
    "/payments/{intent_id}/refunds",
    response_model=TerminalRefundPublic,
    summary="Refund all or part of a payment; a supervisor's PIN allows it",
)
def refund_payment(
    intent_id: IntentId, body: TerminalRefundCreate, terminal: TerminalDep, session: SessionDep
) -> dict[str, Any]:
    refund = refunding.refund_at_terminal(
        get_database(),
        session,
        terminal,
        intent_id,
        amount=body.amount,
        supervisor_id=body.supervisor,
        pin=body.pin,
        reason=body.reason,
    )
    return refunding.terminal_refund_data(refund, terminal.terminal_id, body.supervisor)


@router.get("/payments/{intent_id}/receipt", response_model=ReceiptPublic, summary="Print-ready receipt data")
def receipt(
    intent_id: IntentId,
    terminal: TerminalDep,
    session: SessionDep,
    width: Annotated[int, Query(ge=32, le=48, description="Printer columns: 32 (58 mm), 42 or 48 (80 mm)")] = 32,
    lang: Annotated[str, Query(pattern="^(en|zh-TW)$")] = "zh-TW",
) -> dict[str, Any]:
    return receipts.receipt(session, terminal, intent_id, width=width, language=lang)


@router.get(
    "/totals", response_model=TotalsPublic, summary="This terminal's end-of-day totals, checked against the ledger"
)
def my_totals(
    terminal: TerminalDep, session: SessionDep, day: Annotated[date | None, Query(alias="date")] = None
) -> dict[str, Any]:
    return totals.terminal_totals(session, terminal.caller, terminal.terminal_id, day)
