"""The ledger's shapes at the edges (API, CLI, pages), and the serializers into them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from digiplus.core.api.inputs import StrictInput as CoreStrictInput
from digiplus.ledger.codes import AccountFlags, AccountResult, TransferFlags, TransferResult, flag_names
from digiplus.ledger.service.reads import Balance

ID_PATTERN = r"^[A-Za-z0-9_]+$"  # the same alphabet as the API's cursors
LEDGER_PATTERN = r"^[A-Za-z0-9_:.\-]*$"
AccountFlagName = Literal["linked", "debits_must_not_exceed_credits", "credits_must_not_exceed_debits"]
TransferFlagName = Literal[
    "linked", "pending", "post_pending_transfer", "void_pending_transfer", "balancing_debit", "balancing_credit"
]
Metadata = dict[str, str]


def _check_metadata(value: Metadata | None) -> Metadata | None:
    if value is None:
        return None
    if len(value) > 50:
        raise ValueError("metadata holds at most 50 keys")
    for key, item in value.items():
        if not 1 <= len(key) <= 40 or len(item) > 500:
            raise ValueError("metadata keys are 1–40 characters and values at most 500")
    return value


class StrictInput(CoreStrictInput):
    model_config = ConfigDict(extra="forbid")


class AccountCreate(StrictInput):
    id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        pattern=ID_PATTERN,
        description="Your id for the account (idempotent); generated (`lacc_…`) when left out.",
        examples=["wallet_alice"],
    )
    ledger: str = Field(
        max_length=40,
        pattern=LEDGER_PATTERN,
        examples=["TWD"],
        description="The asset: an ISO 4217 code or a unit such as `POINTS:coffee`.",
    )
    code: int = Field(ge=0, le=65_535, examples=[1], description="Your account type, 1–65535.")
    flags: list[AccountFlagName] = Field(default_factory=list, examples=[["debits_must_not_exceed_credits"]])
    metadata: Metadata | None = Field(default=None, examples=[{"owner": "alice"}])

    _meta = field_validator("metadata")(_check_metadata)


class AccountsCreate(StrictInput):
    accounts: list[AccountCreate] = Field(min_length=1, max_length=8190)


class BalancePublic(BaseModel):
    debits_pending: int
    debits_posted: int
    credits_pending: int
    credits_posted: int


class AccountPublic(BalancePublic):
    id: str = Field(examples=["wallet_alice"])
    object: Literal["ledger_account"] = "ledger_account"
    created: int
    livemode: bool
    ledger: str = Field(examples=["TWD"])
    code: int
    flags: list[str] = Field(examples=[["debits_must_not_exceed_credits"]])
    metadata: Metadata | None


class AccountResultPublic(BaseModel):
    index: int
    id: str
    result: AccountResult = Field(examples=["ok"])
    account: AccountPublic | None = Field(description="The created account when `result` is `ok`.")


class AccountBatchPublic(BaseModel):
    object: Literal["ledger_account_batch"] = "ledger_account_batch"
    created: int = Field(description="How many accounts were created.")
    failed: int
    results: list[AccountResultPublic]


class AccountList(BaseModel):
    object: Literal["list"] = "list"
    data: list[AccountPublic]
    has_more: bool
    url: str


class TransferCreate(StrictInput):
    id: str = Field(
        min_length=1,
        max_length=64,
        pattern=ID_PATTERN,
        examples=["order_1042_capture"],
        description="Your id for the transfer: sending it again answers `exists`, never a second transfer.",
    )
    debit_account_id: str | None = Field(default=None, max_length=64, pattern=ID_PATTERN, examples=["wallet_alice"])
    credit_account_id: str | None = Field(default=None, max_length=64, pattern=ID_PATTERN, examples=["merchant_shop"])
    amount: int | None = Field(
        default=None,
        examples=[12_000],
        description=(
            "Minor units. Out-of-range values get a result code (`amount_must_not_be_negative`, `overflows_*`). "
            "For a post, leave it out to post the whole pending amount."
        ),
    )
    pending_id: str | None = Field(
        default=None, max_length=64, pattern=ID_PATTERN, description="The pending transfer to post or void."
    )
    ledger: str | None = Field(default=None, max_length=40, pattern=LEDGER_PATTERN, examples=["TWD"])
    code: int | None = Field(default=None, ge=0, le=65_535, examples=[1])
    flags: list[TransferFlagName] = Field(default_factory=list, examples=[["pending"]])
    timeout: int = Field(default=0, ge=0, le=2**31 - 1, description="Seconds a pending transfer may stay pending.")
    metadata: Metadata | None = None

    _meta = field_validator("metadata")(_check_metadata)


class TransfersCreate(StrictInput):
    transfers: list[TransferCreate] = Field(min_length=1, max_length=8190)


class TransferPublic(BaseModel):
    id: str = Field(examples=["order_1042_capture"])
    object: Literal["ledger_transfer"] = "ledger_transfer"
    created: int
    livemode: bool
    debit_account_id: str
    credit_account_id: str
    amount: int
    pending_id: str | None
    ledger: str
    code: int
    flags: list[str]
    timeout: int
    pending_status: Literal["pending", "posted", "voided", "expired"] | None = Field(
        description="For a pending transfer: what became of it."
    )
    expires_at: int | None
    metadata: Metadata | None
    debit_account_balance: BalancePublic = Field(description="The debit account's balance right after this transfer.")
    credit_account_balance: BalancePublic = Field(description="The credit account's balance right after it.")


class TransferResultPublic(BaseModel):
    index: int
    id: str
    result: TransferResult = Field(examples=["ok"])
    transfer: TransferPublic | None = Field(description="The created transfer when `result` is `ok`.")


class TransferBatchPublic(BaseModel):
    object: Literal["ledger_transfer_batch"] = "ledger_transfer_batch"
    created: int
    failed: int
    results: list[TransferResultPublic]


class TransferList(BaseModel):
    object: Literal["list"] = "list"
    data: list[TransferPublic]
    has_more: bool
    url: str


class BalanceAt(BalancePublic):
    object: Literal["ledger_balance"] = "ledger_balance"
    account_id: str
    at_transfer: str | None = Field(description="The transfer this balance is as of; null for the current one.")


def account_public(a: Any) -> AccountPublic:
    return AccountPublic(
        id=a.id,
        created=int(a.created.timestamp()),
        livemode=a.livemode,
        ledger=a.ledger,
        code=a.code,
        flags=flag_names(AccountFlags, a.flags),
        metadata=a.meta,
        debits_pending=a.debits_pending,
        debits_posted=a.debits_posted,
        credits_pending=a.credits_pending,
        credits_posted=a.credits_posted,
    )


def transfer_public(t: Any) -> TransferPublic:
    """From a stored ``LedgerTransfer`` or the engine's ``TransferState`` (same attribute names)."""
    return TransferPublic(
        id=t.id,
        created=int(t.created.timestamp()),
        livemode=t.livemode,
        debit_account_id=t.debit_account_id,
        credit_account_id=t.credit_account_id,
        amount=t.amount,
        pending_id=t.pending_id,
        ledger=t.ledger,
        code=t.code,
        flags=flag_names(TransferFlags, t.flags),
        timeout=t.timeout,
        pending_status=t.pending_status,
        expires_at=int(t.expires_at.timestamp()) if t.expires_at and t.pending_status == "pending" else None,
        metadata=t.meta,
        debit_account_balance=BalancePublic(
            debits_pending=t.dr_debits_pending,
            debits_posted=t.dr_debits_posted,
            credits_pending=t.dr_credits_pending,
            credits_posted=t.dr_credits_posted,
        ),
        credit_account_balance=BalancePublic(
            debits_pending=t.cr_debits_pending,
            debits_posted=t.cr_debits_posted,
            credits_pending=t.cr_credits_pending,
            credits_posted=t.cr_credits_posted,
        ),
    )


def balance_public(account_id: str, b: Balance, at_transfer: str | None) -> BalanceAt:
    return BalanceAt(
        account_id=account_id,
        at_transfer=at_transfer,
        debits_pending=b.debits_pending,
        debits_posted=b.debits_posted,
        credits_pending=b.credits_pending,
        credits_posted=b.credits_posted,
    )
