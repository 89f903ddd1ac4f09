"""Consumer wallets: one per currency, in a consumer org; verification level; balances from the ledger;
wallet-to-wallet transfers; history from the ledger transfers of the wallet's account."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.api.pagination import ListParams
from digiplus.core.context import Caller
from digiplus.core.errors import InvalidRequest, NotFound, ValidationFailed
from digiplus.core.events import emit, register_event_type
from digiplus.core.ids import id_for
from digiplus.core.money import check_minor, currency
from digiplus.core.tenancy import get_owned, scoped
from digiplus.identity import service as identity
from digiplus.ledger import TransferInput, TransferResult, account_transfers, create_transfers, get_account
from digiplus.payments.models import Wallet, WalletProfile, WalletTransfer
from digiplus.payments.service import books
from digiplus.payments.service.books import TransferCode
from digiplus.payments.service.errors import PaymentDeclined
from digiplus.payments.service.limits import LEVELS, check_limits

TRANSFER_SENT = register_event_type("wallet.transfer_sent", "Money left a wallet for another wallet.")
TRANSFER_RECEIVED = register_event_type("wallet.transfer_received", "Money arrived in a wallet from another wallet.")
TRANSFER_KINDS = {int(c): c.name for c in TransferCode}


@dataclass(frozen=True, slots=True)
class WalletBalance:
    available: int  # posted credits less posted and held debits: what can be spent now
    held: int  # reserved by authorised, not yet captured payments
    incoming: int  # pending credits (e.g. a top-up in flight)


def require_org_kind(session: Session, caller: Caller, kind: str) -> None:
    org = identity.get_organization(session, caller.org_id)
    if org.kind != kind:
        raise InvalidRequest(
            f"This needs an organization of kind '{kind}'; yours is '{org.kind}'.", code=f"org_not_{kind}"
        )


def create_wallet(session: Session, caller: Caller, currency_code: str) -> Wallet:
    """The consumer org's wallet in ``currency_code`` (a second call answers the same wallet)."""
    require_org_kind(session, caller, "consumer")
    code = currency(currency_code).code
    existing = session.scalars(scoped(Wallet, caller).where(Wallet.currency == code)).one_or_none()
    if existing is not None:
        return existing
    account_id = books.wallet_account(caller.org_id, code)
    ledger_books = books.platform_books(session, caller.livemode, on_behalf_of=caller)
    books.ensure_accounts(session, ledger_books, books.wallet_accounts(caller.org_id, code))
    wallet = Wallet(
        id=id_for("wallet"), org_id=caller.org_id, livemode=caller.livemode, currency=code, ledger_account_id=account_id
    )
    session.add(wallet)
    session.flush()
    audit.record(session, caller, "wallet.created", "wallet", wallet.id, after={"currency": code})
    return wallet


def get_wallet(session: Session, caller: Caller, wallet_id: str, *, lock: bool = False, param: str = "id") -> Wallet:
    return get_owned(session, Wallet, wallet_id, caller, for_update=lock, param=param)


def lock_wallet(session: Session, wallet: Wallet) -> Wallet:
    """Take the wallet's row lock (PostgreSQL) before summing its outflows and booking."""
    session.refresh(wallet, with_for_update=True)
    return wallet


def wallets_query(caller: Caller) -> Select[Wallet]:
    return scoped(Wallet, caller)


def wallet_balance(session: Session, wallet: Wallet) -> WalletBalance:
    account = get_account(session, books.platform_books(session, wallet.livemode), wallet.ledger_account_id)
    return WalletBalance(
        available=account.credits_posted - account.debits_posted - account.debits_pending,
        held=account.debits_pending,
        incoming=account.credits_pending,
    )


def get_profile(session: Session, caller: Caller) -> WalletProfile:
    profile = session.scalars(scoped(WalletProfile, caller)).one_or_none()
    if profile is None:
        profile = WalletProfile(
            id=id_for("wallet_profile"), org_id=caller.org_id, livemode=caller.livemode, verification_level=0
        )
        session.add(profile)
        session.flush()
    return profile


def set_verification_level(session: Session, caller: Caller, level: int) -> WalletProfile:
    """Record the holder's verification level. Over the API only in test mode: live levels come from KYC."""
    require_org_kind(session, caller, "consumer")
    if level not in LEVELS:
        raise ValidationFailed(f"verification_level is one of {sorted(LEVELS)}", param="verification_level")
    if caller.livemode and caller.actor_kind != "system":
        raise InvalidRequest(
            "In live mode the verification level is set by the identity check, not through the API.",
            param="verification_level",
            code="verification_requires_kyc",
        )
    profile = get_profile(session, caller)
    before = profile.verification_level
    profile.verification_level = level
    audit.record(
        session,
        caller,
        "wallet_profile.verification_level",
        "wallet_profile",
        profile.id,
        before={"verification_level": before},
        after={"verification_level": level},
    )
    return profile


def debit_declined(result: TransferResult) -> PaymentDeclined | None:
    if result is TransferResult.exceeds_credits:
        return PaymentDeclined("The wallet's balance is not enough for this payment.", code="insufficient_funds")
    if result is TransferResult.debit_account_already_closed:
        return PaymentDeclined("The wallet is closed.", code="wallet_closed")
    return None


def send_to_wallet(
    session: Session, caller: Caller, wallet_id: str, *, to_wallet_id: str, amount: int, description: str | None
) -> WalletTransfer:
    """P2P: move ``amount`` to another wallet of the same currency (any consumer, same mode)."""
    check_minor(amount)
    sender = get_wallet(session, caller, wallet_id)
    recipient = session.scalars(
        select(Wallet).where(Wallet.id == to_wallet_id, Wallet.livemode == caller.livemode)
    ).one_or_none()
    if recipient is None:
        raise NotFound(f"No such wallet: '{to_wallet_id}'", param="to_wallet")
    if recipient.id == sender.id:
        raise InvalidRequest("A wallet cannot send to itself.", param="to_wallet", code="same_wallet")
    if recipient.currency != sender.currency:
        raise InvalidRequest(
            f"The receiving wallet holds {recipient.currency}, not {sender.currency}.",
            param="to_wallet",
            code="currency_mismatch",
        )
    lock_wallet(session, sender)
    check_limits(session, sender, amount)
    transfer = WalletTransfer(
        id=id_for("wallet_transfer"),
        org_id=caller.org_id,
        livemode=caller.livemode,
        from_wallet_id=sender.id,
        to_wallet_id=recipient.id,
        to_org_id=recipient.org_id,
        amount=amount,
        currency=sender.currency,
        description=description,
        transfer_id="",
    )
    transfer.transfer_id = transfer.id
    ledger_books = books.platform_books(session, caller.livemode, on_behalf_of=caller)
    [outcome] = create_transfers(
        session,
        ledger_books,
        [
            TransferInput(
                id=transfer.id,
                debit_account_id=sender.ledger_account_id,
                credit_account_id=recipient.ledger_account_id,
                amount=amount,
                ledger=sender.currency,
                code=int(TransferCode.wallet_transfer),
                metadata={"wallet_transfer": transfer.id},
            )
        ],
    )
    if outcome.result is not TransferResult.ok:
        raise debit_declined(outcome.result) or RuntimeError(f"wallet transfer: {outcome.result}")
    session.add(transfer)
    session.flush()
    data = wallet_transfer_data(transfer)
    emit(session, caller, TRANSFER_SENT, data)
    emit(session, Caller.system(recipient.org_id, caller.livemode), TRANSFER_RECEIVED, data)
    audit.record(
        session,
        caller,
        "wallet.transfer_sent",
        "wallet_transfer",
        transfer.id,
        after={"amount": amount, "currency": transfer.currency, "to_wallet": recipient.id},
    )
    return transfer


def wallet_transfer_data(t: WalletTransfer) -> dict[str, Any]:
    return {
        "id": t.id,
        "object": "wallet_transfer",
        "created": int(t.created.timestamp()),
        "livemode": t.livemode,
        "from_wallet": t.from_wallet_id,
        "to_wallet": t.to_wallet_id,
        "amount": t.amount,
        "currency": t.currency,
        "description": t.description,
    }


def history(session: Session, caller: Caller, wallet_id: str, params: ListParams) -> dict[str, Any]:
    """The wallet's movements, newest first: the ledger transfers of its account, signed from its side."""
    wallet = get_wallet(session, caller, wallet_id)
    ledger_books = books.platform_books(session, caller.livemode)

    def entry(t: Any) -> dict[str, Any]:
        outgoing = t.debit_account_id == wallet.ledger_account_id
        return {
            "id": t.id,
            "object": "wallet_entry",
            "created": int(t.created.timestamp()),
            "kind": TRANSFER_KINDS.get(t.code, "other"),
            "amount": -t.amount if outgoing else t.amount,
            "currency": t.ledger,
            "status": t.pending_status or "posted",
            "pending_id": t.pending_id,
            "metadata": t.meta or {},
        }

    page = account_transfers(session, ledger_books, wallet.ledger_account_id, params, entry)
    page["url"] = f"/v1/wallets/{wallet_id}/history"
    return page


def wallet_data(session: Session, wallet: Wallet) -> dict[str, Any]:
    from digiplus.payments.service.limits import limits_for, verification_level

    balance = wallet_balance(session, wallet)
    level = verification_level(session, wallet)
    per_payment, daily, monthly = limits_for(level)
    return {
        "id": wallet.id,
        "object": "wallet",
        "created": int(wallet.created.timestamp()),
        "livemode": wallet.livemode,
        "currency": wallet.currency,
        "available": balance.available,
        "held": balance.held,
        "incoming": balance.incoming,
        "verification_level": level,
        "limits": {"per_payment": per_payment, "daily": daily, "monthly": monthly},
    }
