"""The bank side: linked bank accounts and the ``BankConnector`` that moves money in and out.

``SimulatedBank`` (``DIGIPLUS_BANK_CONNECTOR=simulated``) is a real implementation with
no network: every call succeeds except for the magic account numbers below, which let
tests and the sandbox see each failure a real bank gives.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Select
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.errors import ValidationFailed
from digiplus.core.ids import id_for
from digiplus.core.money import currency
from digiplus.core.tenancy import get_owned, scoped
from digiplus.payments.models import BankAccount
from digiplus.settings import get_settings

# Magic account numbers of the simulated bank (any bank code).
INSUFFICIENT_FUNDS = "9990000001"  # a pull (top-up) fails: the customer's bank account lacks the money
ACCOUNT_CLOSED = "9990000002"  # every call fails: the account is closed
BANK_UNAVAILABLE = "9990000003"  # every call fails: the bank did not answer (temporary)
_FAILURES = {
    INSUFFICIENT_FUNDS: ("bank_insufficient_funds", "The bank account does not hold enough money."),
    ACCOUNT_CLOSED: ("bank_account_closed", "The bank account is closed."),
    BANK_UNAVAILABLE: ("bank_unavailable", "The bank did not answer; try again later."),
}


@dataclass(frozen=True, slots=True)
class BankResult:
    ok: bool
    reference: str | None = None  # the bank's own id for the movement
    failure_code: str | None = None
    failure_message: str | None = None


class BankConnector(Protocol):
    """Moves money between a customer's bank account and the platform's account at that bank."""

    name: str

    def pull(self, account: BankAccount, amount: int, currency: str, reference: str) -> BankResult:
        """Debit the customer's bank account (a top-up)."""
        ...

    def push(self, account: BankAccount, amount: int, currency: str, reference: str) -> BankResult:
        """Credit the customer's bank account (a withdrawal or a payout)."""
        ...


class SimulatedBank:
    name = "simulated"

    def _answer(self, account: BankAccount, reference: str, *, pulling: bool) -> BankResult:
        failure = _FAILURES.get(account.account_number)
        if failure is not None and (pulling or account.account_number != INSUFFICIENT_FUNDS):
            return BankResult(False, failure_code=failure[0], failure_message=failure[1])
        digest = hashlib.sha256(f"{account.id}:{reference}".encode()).hexdigest()[:16].upper()
        return BankResult(True, reference=f"SIM{digest}")

    def pull(self, account: BankAccount, amount: int, currency: str, reference: str) -> BankResult:
        return self._answer(account, reference, pulling=True)

    def push(self, account: BankAccount, amount: int, currency: str, reference: str) -> BankResult:
        return self._answer(account, reference, pulling=False)


def bank_connector() -> BankConnector:
    name = get_settings().bank_connector
    if name == "simulated":
        return SimulatedBank()
    raise RuntimeError(f"unknown DIGIPLUS_BANK_CONNECTOR {name!r}")


def mask(account_number: str) -> str:
    return "*" * max(0, len(account_number) - 4) + account_number[-4:]


def create_bank_account(
    session: Session, caller: Caller, *, bank_code: str, account_number: str, holder_name: str, currency_code: str
) -> BankAccount:
    if not (len(bank_code) == 3 and bank_code.isdigit()):
        raise ValidationFailed("bank_code is the bank's 3-digit code (e.g. 004 for Bank of Taiwan)", param="bank_code")
    if not (6 <= len(account_number) <= 16 and account_number.isdigit()):
        raise ValidationFailed("account_number is 6 to 16 digits", param="account_number")
    account = BankAccount(
        id=id_for("bank_account"),
        org_id=caller.org_id,
        livemode=caller.livemode,
        bank_code=bank_code,
        account_number=account_number,
        holder_name=holder_name,
        currency=currency(currency_code).code,
    )
    session.add(account)
    session.flush()
    audit.record(
        session,
        caller,
        "bank_account.created",
        "bank_account",
        account.id,
        after={"bank_code": bank_code, "account_number": mask(account_number)},
    )
    return account


def get_bank_account(session: Session, caller: Caller, account_id: str, *, param: str = "id") -> BankAccount:
    return get_owned(session, BankAccount, account_id, caller, param=param)


def bank_accounts_query(caller: Caller) -> Select[BankAccount]:
    return scoped(BankAccount, caller)
