"""The platform's books: the operator org whose ledger holds every payments account.

Money between a consumer and a merchant crosses organisations, but a ledger transfer is
within one org's books, so wallets, merchant balances, fees, FX liquidity and the bank
clearing account all live in one operator org (created on first use). Account ids are
deterministic, so a service names an account without looking it up; codes are fixed per
account type and per transfer type (docs/payments.md has the table).
"""

from __future__ import annotations

import zlib
from dataclasses import replace
from enum import IntEnum

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.core.db import insert_ignore
from digiplus.identity import service as identity
from digiplus.identity.schemas import OrganizationCreate
from digiplus.ledger import AccountFlags, AccountInput, AccountResult, create_accounts
from digiplus.payments.models import PlatformBooks

BOOKS_NAME = "platform"
_NO_OVERDRAFT = int(AccountFlags.debits_must_not_exceed_credits)


class AccountCode(IntEnum):
    consumer_wallet = 1001
    merchant_pending_settlement = 2001
    merchant_available = 2002
    platform_fee_revenue = 3001
    fx_liquidity = 4001
    bank_clearing = 5001


class TransferCode(IntEnum):
    topup = 101
    withdrawal = 102
    wallet_transfer = 103
    payment = 201  # wallet → merchant pending settlement (pending, then posted or voided)
    fee = 202  # merchant pending settlement → platform fee revenue
    fx_payment_in = 211  # visitor's wallet → FX liquidity (wallet currency)
    fx_payment_out = 212  # FX liquidity → merchant pending settlement (merchant currency)
    refund = 301  # merchant → wallet (or → FX liquidity for a cross-border payment)
    fee_refund = 302  # platform fee revenue → merchant pending settlement (a refund's share of the fee)
    fx_refund = 311  # FX liquidity → visitor's wallet
    settlement = 401  # merchant pending settlement → merchant available (service/settlement.py)
    payout = 501  # merchant available → bank clearing (pending, then posted or voided; service/payouts.py)


def platform_org_id(session: Session) -> str:
    """The operator org keeping the books, created through identity on first use.

    PostgreSQL: a transaction-level advisory lock makes concurrent first uses create one org.
    """
    found = session.scalar(select(PlatformBooks.org_id).where(PlatformBooks.name == BOOKS_NAME))
    if found is not None:
        return found
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(b"digiplus.payments.books")})
        found = session.scalar(select(PlatformBooks.org_id).where(PlatformBooks.name == BOOKS_NAME))
        if found is not None:
            return found
    org = identity.create_organization(session, OrganizationCreate(name="digiplus platform books", kind="operator"))
    insert_ignore(session, PlatformBooks.__table__, {"name": BOOKS_NAME, "org_id": org.id})
    return org.id


BOOKS_ORG_ID = select(PlatformBooks.org_id).where(PlatformBooks.name == BOOKS_NAME).scalar_subquery()
"""The operator org's id as a column: a hot path reads it in a statement it makes anyway."""


def platform_books(
    session: Session, livemode: bool, *, on_behalf_of: Caller | None = None, org_id: str | None = None
) -> Caller:
    """The system caller of the platform's books in ``livemode`` (with the request id of whoever acts).

    ``org_id``: the books' org when the caller has read it already (``BOOKS_ORG_ID``)."""
    books = Caller.system(org_id or platform_org_id(session), livemode)
    if on_behalf_of is not None and on_behalf_of.request_id:
        books = replace(books, request_id=on_behalf_of.request_id)
    return books


# --- deterministic account ids ----------------------------------------------------------


def wallet_account(org_id: str, currency: str) -> str:
    return f"w_{org_id}_{currency}"


def merchant_pending_account(org_id: str, currency: str) -> str:
    return f"mp_{org_id}_{currency}"


def merchant_available_account(org_id: str, currency: str) -> str:
    return f"ma_{org_id}_{currency}"


def fee_revenue_account(currency: str) -> str:
    return f"platform_fees_{currency}"


def fx_liquidity_account(currency: str) -> str:
    return f"fx_liquidity_{currency}"


def bank_clearing_account(currency: str) -> str:
    return f"bank_clearing_{currency}"


def _account_input(account_id: str, currency: str, code: AccountCode) -> AccountInput:
    # Wallets and merchant balances cannot go below zero; the platform's own accounts (fees,
    # FX position, the bank's side) carry no limit.
    limited = code in (
        AccountCode.consumer_wallet,
        AccountCode.merchant_pending_settlement,
        AccountCode.merchant_available,
    )
    return AccountInput(id=account_id, ledger=currency, code=int(code), flags=_NO_OVERDRAFT if limited else 0)


def ensure_accounts(session: Session, books: Caller, wanted: list[tuple[str, str, AccountCode]]) -> None:
    """Create the named accounts that do not exist yet (``exists`` answers are fine)."""
    items = [_account_input(account_id, currency, code) for account_id, currency, code in wanted]
    for outcome in create_accounts(session, books, items):
        if outcome.result not in (AccountResult.ok, AccountResult.exists):
            raise RuntimeError(f"ledger account {outcome.id}: {outcome.result}")


def wallet_accounts(org_id: str, currency: str) -> list[tuple[str, str, AccountCode]]:
    return [
        (wallet_account(org_id, currency), currency, AccountCode.consumer_wallet),
        (bank_clearing_account(currency), currency, AccountCode.bank_clearing),
    ]


def merchant_accounts(org_id: str, currency: str) -> list[tuple[str, str, AccountCode]]:
    return [
        (merchant_pending_account(org_id, currency), currency, AccountCode.merchant_pending_settlement),
        (merchant_available_account(org_id, currency), currency, AccountCode.merchant_available),
        (fee_revenue_account(currency), currency, AccountCode.platform_fee_revenue),
        (bank_clearing_account(currency), currency, AccountCode.bank_clearing),
    ]


def fx_accounts(*currencies: str) -> list[tuple[str, str, AccountCode]]:
    return [(fx_liquidity_account(c), c, AccountCode.fx_liquidity) for c in currencies]
