"""Test mode's magic values: amounts, wallets' bank accounts and payout accounts that take every branch.

Only test-mode (``livemode = false``) payments look at them; live balances are never touched.
The table is served at ``GET /v1/sandbox/magic_values``, on the sandbox page and in docs/sandbox.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from digiplus.payments import PaymentContext, PaymentParked, PaymentRefused
from digiplus.settings import get_settings


@dataclass(frozen=True, slots=True)
class MagicAmount:
    outcome: str  # declined | requires_action | processing
    code: str  # the decline's code, or what the payment ends with
    description: str


# Magic amounts sit in a reserved range, 900.00–900.99 (90,000 minor units + the key), as
# Braintree's sandbox reserves its own: a rule on the last digits alone declined ~4 % of ordinary
# test payments (FX conversions, shop totals) by chance.
MAGIC_BASE = 90_000
MAGIC_AMOUNTS: dict[int, MagicAmount] = {
    2: MagicAmount("declined", "generic_decline", "The test payment is declined (a card-declined-like answer)."),
    5: MagicAmount("declined", "insufficient_funds", "The test payment is declined as if the wallet lacked the money."),
    6: MagicAmount("declined", "wallet_limit_exceeded", "The test payment is declined as if it passed a wallet limit."),
    7: MagicAmount(
        "declined",
        "experiment_exposure_limit_exceeded",
        "The test payment is refused as a sandbox experiment's limit would.",
    ),
    10: MagicAmount(
        "requires_action",
        "payer_authentication_required",
        "The payer must approve the payment in the wallet (like a 3-D Secure card); the approval succeeds.",
    ),
    11: MagicAmount(
        "requires_action",
        "payer_authentication_failed",
        "The payer must approve the payment in the wallet; the approval fails and the payment is declined.",
    ),
    20: MagicAmount(
        "processing",
        "processing",
        "The payment processes (the amount is held), then succeeds after DIGIPLUS_SANDBOX_PROCESSING_SECONDS.",
    ),
    21: MagicAmount(
        "processing",
        "processing_failed",
        "The payment processes (the amount is held), then fails: the hold is released.",
    ),
}

# The simulated bank's magic account numbers (payments/service/banks.py), any bank code.
MAGIC_BANK_ACCOUNTS: dict[str, tuple[str, str]] = {
    "9990000001": ("bank_insufficient_funds", "A top-up from this account fails; payouts to it succeed."),
    "9990000002": ("bank_account_closed", "Every top-up, withdrawal and payout with this account fails."),
    "9990000003": ("bank_unavailable", "The bank does not answer: every movement fails (a temporary failure)."),
}


def test_mode_magic(context: PaymentContext) -> None:
    """Decline, park for the payer's approval, or park in processing a test payment of a magic amount."""
    magic = MAGIC_AMOUNTS.get(context.amount - MAGIC_BASE)
    if magic is None:
        return
    if magic.outcome == "declined":
        raise PaymentRefused(f"Test mode: {magic.description}", code=magic.code, param="amount")
    if magic.outcome == "requires_action":
        if not context.payer_authenticated:
            raise PaymentParked(
                "requires_action",
                code="payer_authentication_required",
                message="Test mode: approve this payment in the wallet.",
            )
        if magic.code == "payer_authentication_failed":
            raise PaymentRefused(
                "Test mode: the payer's approval failed.", code="payer_authentication_failed", param="amount"
            )
        return
    fails = magic.code == "processing_failed"
    raise PaymentParked(
        "processing",
        code=magic.code,
        message="Test mode: the payment is processing.",
        settles_after=get_settings().sandbox_processing_seconds,
        fails_with=PaymentRefused("Test mode: the payment failed while processing.", code=magic.code)
        if fails
        else None,
    )


def magic_values() -> dict[str, Any]:
    return {
        "object": "sandbox_magic_values",
        "livemode": False,
        "amounts": [
            {
                "amount": MAGIC_BASE + k,
                "outcome": magic.outcome,
                "code": magic.code,
                "description": magic.description,
            }
            for k, magic in sorted(MAGIC_AMOUNTS.items())
        ],
        "bank_accounts": [
            {"account_number": number, "code": code, "description": text}
            for number, (code, text) in MAGIC_BANK_ACCOUNTS.items()
        ],
    }
