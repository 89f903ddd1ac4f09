"""Terminals' shapes at the edges: inputs (unknown fields refused) and the objects answered."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from digiplus.core.api.inputs import StrictInput as CoreStrictInput
from digiplus.core.api.pagination import ListResponse

Reference = Field(
    min_length=1,
    max_length=64,
    pattern=r"^[A-Za-z0-9_.:-]+$",
    description="The terminal's own key for this sale, chosen before sending: the same reference "
    "always answers the same payment (no second charge after a lost connection).",
    examples=["counter1-20261201-0042"],
)
Pin = Field(min_length=4, max_length=8, pattern=r"^[0-9]+$", examples=["2580"])


class StrictInput(CoreStrictInput):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- the merchant's side (API keys) ------------------------------------------------------


class TerminalCreate(StrictInput):
    name: str = Field(min_length=1, max_length=80, examples=["Counter 1"])
    location: str = Field(default="", max_length=120, examples=["Front counter, Shilin night market stall 12"])


class TerminalPublic(BaseModel):
    object: Literal["terminal"] = "terminal"
    id: str
    created: int
    livemode: bool
    name: str
    location: str
    status: Literal["active", "disabled"]
    connection: Literal["online", "offline", "unpaired", "disabled"] = Field(
        description="online: seen within DIGIPLUS_TERMINAL_OFFLINE_AFTER_SECONDS; offline after that silence."
    )
    paired: bool
    paired_at: int | None
    last_seen_at: int | None
    app_version: str | None
    pairing_code_expires_at: int | None
    disabled_at: int | None


class TerminalList(ListResponse[TerminalPublic]):
    pass


class PairingCodePublic(BaseModel):
    object: Literal["terminal_pairing_code"] = "terminal_pairing_code"
    terminal: str
    code: str = Field(description="8 characters (shown ABCD-EFGH); shown once, single use.", examples=["7KQ2-M9XD"])
    expires_at: int


class SupervisorCreate(StrictInput):
    name: str = Field(min_length=1, max_length=80, examples=["Manager Lin"])
    pin: str = Pin


class SupervisorPublic(BaseModel):
    object: Literal["terminal_supervisor"] = "terminal_supervisor"
    id: str
    created: int
    livemode: bool
    name: str
    active: bool
    locked_until: int | None


class SupervisorList(ListResponse[SupervisorPublic]):
    pass


class TotalsCurrency(BaseModel):
    currency: str
    count: int
    gross: int
    fees: int
    refund_count: int
    refunds: int
    net: int | None = None


class TotalsMethod(BaseModel):
    method: str
    count: int
    amount: int


class VisitorWallets(BaseModel):
    currency: str
    amount: int


class LedgerCheck(BaseModel):
    matches: bool
    currencies: list[TotalsCurrency]
    mismatches: list[dict[str, Any]]


class TotalsPublic(BaseModel):
    object: Literal["terminal_totals"] = "terminal_totals"
    terminal: str
    terminal_name: str
    date: str = Field(examples=["2026-12-01"])
    timezone: str
    livemode: bool
    currencies: list[TotalsCurrency]
    by_method: list[TotalsMethod]
    visitor_wallets: list[VisitorWallets]
    ledger: LedgerCheck


# --- the terminal's side (signed requests) -----------------------------------------------


class PairRequest(StrictInput):
    code: str = Field(min_length=8, max_length=12, examples=["7KQ2-M9XD"])
    app_version: str | None = Field(default=None, max_length=40, examples=["digiplus-soft-terminal/1"])


class PairedTerminal(BaseModel):
    object: Literal["terminal_credential"] = "terminal_credential"
    terminal: TerminalPublic
    secret: str = Field(description="The terminal's signing secret, shown once: keep it on the device.")
    signing: str = Field(description="How to sign a request (the scheme's name and a link to the docs).")


class Heartbeat(StrictInput):
    app_version: str | None = Field(default=None, max_length=40)


class HeartbeatAnswer(BaseModel):
    object: Literal["terminal_heartbeat"] = "terminal_heartbeat"
    terminal: TerminalPublic
    server_time: int
    offline_after_seconds: int


class SaleCreate(StrictInput):
    client_reference: str = Reference
    amount: int = Field(ge=1, le=10**15, description="Minor units of the merchant's currency.", examples=[8500])
    method: Literal["qr", "payment_code"] = Field(
        default="qr",
        description="qr: show a dynamic QR for the consumer to scan; payment_code: charge the code scanned.",
    )
    payment_code: str | None = Field(default=None, max_length=32, description="The consumer's 18-digit code.")
    description: str | None = Field(default=None, max_length=200)


class ChargeCode(StrictInput):
    payment_code: str = Field(max_length=32, examples=["123456789012345678"])


class TerminalRefundCreate(StrictInput):
    amount: int | None = Field(default=None, ge=1, le=10**15, description="Omit for all that is left.")
    supervisor: str = Field(max_length=64, pattern=r"^[A-Za-z0-9_]+$", examples=["tsup_01JD3Y0R6C9W4QK3F7S2N8M5TB"])
    pin: str = Pin
    reason: Literal["duplicate", "fraudulent", "requested_by_customer"] | None = None


class SalePublic(BaseModel):
    object: Literal["terminal_payment"] = "terminal_payment"
    id: str = Field(description="The payment intent's id (pi_…).")
    terminal_payment: str
    created: int
    livemode: bool
    terminal: str
    client_reference: str
    method: str
    amount: int
    currency: str
    status: str
    qr_payload: str | None = Field(description="The dynamic QR's text while the payment waits for the payer.")
    amount_received: int
    amount_refunded: int
    wallet_amount: int | None
    wallet_currency: str | None
    last_payment_error: dict[str, Any] | None
    captured_at: int | None
    canceled_at: int | None
    replayed: bool = Field(description="True when the client_reference was known: nothing new was done.")


class TerminalRefundPublic(BaseModel):
    object: Literal["refund"] = "refund"
    id: str
    created: int
    livemode: bool
    payment_intent: str
    amount: int
    currency: str
    status: str
    reason: str | None
    failure_reason: str | None
    wallet_amount: int
    from_pending_settlement: int
    from_available: int
    terminal: str
    supervisor: str


class ReceiptPublic(BaseModel):
    object: Literal["terminal_receipt"] = "terminal_receipt"
    payment_intent: str
    status: str
    language: str
    width: int
    merchant: dict[str, str]
    terminal: dict[str, str] | None
    paid_at: int
    paid_at_local: str | None
    method: str | None
    amount: int
    currency: str
    amount_refunded: int
    wallet_amount: int | None
    wallet_currency: str | None
    fx: dict[str, Any] | None
    refunds: list[dict[str, Any]]
    lines: list[str] = Field(description="The receipt as printer lines, `width` columns each (CJK counts two).")


class SupervisorChoice(BaseModel):
    id: str
    name: str


class TerminalSelf(BaseModel):
    object: Literal["terminal_self"] = "terminal_self"
    terminal: TerminalPublic
    merchant_name: str
    currency: str
    currency_exponent: int = Field(description="Decimals of the currency (TWD 2, JPY 0): how to show keyed amounts.")
    supervisors: list[SupervisorChoice]
