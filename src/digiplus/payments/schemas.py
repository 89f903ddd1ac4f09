"""Payments' shapes at the edges: ``XCreate`` inputs (unknown fields refused) and ``XPublic`` outputs."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from digiplus.core.api.inputs import StrictInput as CoreStrictInput
from digiplus.core.api.pagination import ListResponse

Currency = Field(pattern=r"^[A-Za-z]{3}$", examples=["TWD"])
Amount = Field(ge=1, le=10**15, description="Minor units (TWD cents, JPY yen).", examples=[12000])
Id = Field(max_length=64, pattern=r"^[A-Za-z0-9_]+$")


class StrictInput(CoreStrictInput):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Object(BaseModel):
    id: str
    created: int
    livemode: bool


# --- wallets ----------------------------------------------------------------------------


class WalletCreate(StrictInput):
    currency: str = Currency


class WalletPublic(Object):
    object: Literal["wallet"] = "wallet"
    currency: str
    available: int = Field(description="What can be spent now (minor units).")
    held: int = Field(description="Held by authorised payments not yet captured.")
    incoming: int
    verification_level: int
    limits: dict[str, int] = Field(description="per_payment, daily, monthly in TWD minor units.")


class WalletList(ListResponse[WalletPublic]):
    pass


class VerificationUpdate(StrictInput):
    verification_level: int = Field(ge=0, le=2, description="0 unverified, 1 phone, 2 ID verified.")


class WalletProfilePublic(BaseModel):
    object: Literal["wallet_profile"] = "wallet_profile"
    id: str
    verification_level: int
    limits: dict[str, int]


class BankMovementCreate(StrictInput):
    bank_account: str = Id
    amount: int = Amount


class BankMovementPublic(Object):
    object: Literal["topup", "withdrawal"]
    wallet: str
    bank_account: str
    amount: int
    currency: str
    status: Literal["pending", "succeeded", "failed"]
    failure_code: str | None
    failure_message: str | None


class BankMovementList(ListResponse[BankMovementPublic]):
    pass


class WalletTransferCreate(StrictInput):
    to_wallet: str = Id
    amount: int = Amount
    description: str | None = Field(default=None, max_length=200)


class WalletTransferPublic(Object):
    object: Literal["wallet_transfer"] = "wallet_transfer"
    from_wallet: str
    to_wallet: str
    amount: int
    currency: str
    description: str | None


class WalletEntry(BaseModel):
    id: str
    object: Literal["wallet_entry"] = "wallet_entry"
    created: int
    kind: str
    amount: int = Field(description="Signed from the wallet's side: negative when money left it.")
    currency: str
    status: str
    pending_id: str | None
    metadata: dict[str, Any]


class WalletHistory(ListResponse[WalletEntry]):
    pass


class PaymentCodeCreate(StrictInput):
    wallet: str = Id


class PaymentCodePublic(Object):
    object: Literal["payment_code"] = "payment_code"
    wallet: str
    code: str = Field(description="18 digits, shown once; valid until expires_at, single use.")
    expires_at: int


class WalletPay(StrictInput):
    qr_payload: str | None = Field(default=None, max_length=512)
    payment_intent: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_]+$")
    amount: int | None = Field(default=None, ge=1, le=10**15, description="For a static QR code without amount.")
    fx_quote: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_]+$")


class WalletScan(StrictInput):
    qr_payload: str | None = Field(default=None, max_length=512)
    payment_intent: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_]+$")


class PaymentPreview(BaseModel):
    object: Literal["payment_preview"] = "payment_preview"
    payment_intent: str | None
    merchant_name: str
    merchant_city: str
    scenario: str
    amount: int | None
    currency: str
    status: str
    wallet_currency: str
    needs_fx_quote: bool


class FxReceipt(BaseModel):
    quote: str
    rate: str
    mid_rate: str
    spread_bps: int
    source: str
    rate_as_of: int


class WalletPayment(BaseModel):
    object: Literal["wallet_payment"] = "wallet_payment"
    payment_intent: str
    status: str
    merchant_name: str
    scenario: str
    amount: int
    currency: str
    wallet: str | None
    wallet_amount: int
    wallet_currency: str | None
    next_action: dict[str, Any] | None = Field(
        default=None,
        description="While status is requires_action: {'type': 'payer_authentication', …} — approve it with "
        "POST /v1/wallets/{wallet}/payments/{payment_intent}/approve",
    )
    fx: FxReceipt | None


# --- bank accounts, merchant profile, FX quotes -----------------------------------------


class BankAccountCreate(StrictInput):
    bank_code: str = Field(pattern=r"^[0-9]{3}$", examples=["004"])
    account_number: str = Field(pattern=r"^[0-9]{6,16}$", examples=["123456789012"])
    holder_name: str = Field(min_length=1, max_length=100)
    currency: str = Field(default="TWD", pattern=r"^[A-Za-z]{3}$")


class BankAccountPublic(Object):
    object: Literal["bank_account"] = "bank_account"
    bank_code: str
    account_number: str = Field(description="Masked: only the last four digits.")
    holder_name: str
    currency: str


class BankAccountList(ListResponse[BankAccountPublic]):
    pass


class MerchantProfileUpdate(StrictInput):
    display_name: str = Field(min_length=1, max_length=100, examples=["阿明蚵仔煎"])
    city: str = Field(min_length=1, max_length=60, examples=["Taipei"])
    mcc: str = Field(pattern=r"^[0-9]{4}$", examples=["5812"])
    settlement_currency: str = Field(default="TWD", pattern=r"^[A-Za-z]{3}$")
    bank_account: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_]+$")


class MerchantProfilePublic(Object):
    object: Literal["merchant_profile"] = "merchant_profile"
    display_name: str
    city: str
    mcc: str
    scenario: str
    settlement_currency: str
    fee_plan: str
    bank_account: str | None


class FxQuoteCreate(StrictInput):
    sell_currency: str = Field(pattern=r"^[A-Za-z]{3}$", examples=["JPY"], description="The wallet's currency.")
    buy_currency: str = Field(default="TWD", pattern=r"^[A-Za-z]{3}$")
    buy_amount: int = Amount


class FxQuotePublic(Object):
    object: Literal["fx_quote"] = "fx_quote"
    sell_currency: str
    sell_amount: int
    buy_currency: str
    buy_amount: int
    rate: str = Field(description="buy_currency per sell_currency, after the spread.")
    mid_rate: str
    spread_bps: int
    source: str
    rate_as_of: int
    expires_at: int
    payment_intent: str | None


# --- payment intents and refunds --------------------------------------------------------


class PaymentIntentCreate(StrictInput):
    amount: int = Amount
    currency: str = Field(default="TWD", pattern=r"^[A-Za-z]{3}$")
    capture_method: Literal["automatic", "manual"] = "automatic"
    description: str | None = Field(default=None, max_length=500)
    metadata: dict[str, str] | None = Field(default=None, max_length=50)


class PaymentMethodInput(StrictInput):
    type: Literal["qr", "payment_code"]
    code: str | None = Field(default=None, max_length=32, description="The consumer's 18-digit payment code.")


class PaymentIntentConfirm(StrictInput):
    payment_method: PaymentMethodInput


class PaymentIntentCapture(StrictInput):
    amount_to_capture: int | None = Field(default=None, ge=1, le=10**15)


class PaymentIntentCancel(StrictInput):
    cancellation_reason: Literal["duplicate", "fraudulent", "requested_by_customer", "abandoned"] | None = None


class PaymentIntentPublic(Object):
    object: Literal["payment_intent"] = "payment_intent"
    amount: int
    currency: str
    status: Literal[
        "requires_payment_method",
        "requires_confirmation",
        "requires_action",
        "processing",
        "requires_capture",
        "succeeded",
        "canceled",
    ]
    capture_method: str
    description: str | None
    metadata: dict[str, str]
    mcc: str
    scenario: str
    amount_capturable: int
    amount_received: int
    amount_refunded: int
    fee_amount: int
    payment_method_type: str | None
    wallet_currency: str | None
    wallet_amount: int | None
    fx_quote: str | None
    last_payment_error: dict[str, Any] | None
    next_action: dict[str, Any] | None
    cancellation_reason: str | None
    canceled_at: int | None
    captured_at: int | None
    ledger_transfers: dict[str, str]
    discount_amount: int = Field(0, description="Taken off by a loyalty reward before payment; amount is what is left.")


class PaymentIntentList(ListResponse[PaymentIntentPublic]):
    pass


class RefundCreate(StrictInput):
    payment_intent: str = Id
    amount: int | None = Field(default=None, ge=1, le=10**15, description="Leave out to refund all that is left.")
    reason: Literal["duplicate", "fraudulent", "requested_by_customer"] | None = None


class RefundPublic(Object):
    object: Literal["refund"] = "refund"
    payment_intent: str
    amount: int
    currency: str
    status: Literal["pending", "succeeded", "failed"]
    reason: str | None
    failure_reason: str | None
    wallet_amount: int
    from_pending_settlement: int
    from_available: int
    fee_refunded: int = Field(
        description="The payment's fee given back to the merchant for this refund: its share of the refunded amount"
    )


class RefundList(ListResponse[RefundPublic]):
    pass


class DeclineDetail(BaseModel):
    type: str = Field(examples=["payment_error"])
    code: str = Field(examples=["insufficient_funds"])
    message: str
    param: str | None = None
    limit: str | None = Field(default=None, description="For wallet_limit_exceeded: per_payment, daily or monthly.")
    payment_intent: PaymentIntentPublic | None = None


class DeclineObject(BaseModel):
    error: DeclineDetail


DECLINE_RESPONSE: dict[int | str, dict[str, Any]] = {
    402: {"model": DeclineObject, "description": "Declined (balance, limit); the intent records last_payment_error"}
}
