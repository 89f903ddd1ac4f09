"""Test mode's magic values: amounts, wallets' bank accounts and payout accounts that take every branch.

Only test-mode (``livemode = false``) payments look at them; live balances are never touched.
The table is served at ``GET /v1/sandbox/magic_values``, on the sandbox page and in docs/sandbox.md.
"""

from __future__ import annotations

from typing import Any

from digiplus.payments import PaymentContext, PaymentRefused

# Magic amounts sit in a reserved range, 900.00–900.99 (90,000 minor units + the key), as
# Braintree's sandbox reserves its own: a rule on the last digits alone declined ~4 % of ordinary
# test payments (FX conversions, shop totals) by chance.
MAGIC_BASE = 90_000
MAGIC_AMOUNTS: dict[int, tuple[str, str]] = {
    2: ("generic_decline", "The test payment is declined (a card-declined-like answer)."),
    5: ("insufficient_funds", "The test payment is declined as if the wallet lacked the money."),
    6: ("wallet_limit_exceeded", "The test payment is declined as if it passed a wallet limit."),
    7: ("experiment_exposure_limit_exceeded", "The test payment is refused as a sandbox experiment's limit would."),
}

# The simulated bank's magic account numbers (payments/service/banks.py), any bank code.
MAGIC_BANK_ACCOUNTS: dict[str, tuple[str, str]] = {
    "9990000001": ("bank_insufficient_funds", "A top-up from this account fails; payouts to it succeed."),
    "9990000002": ("bank_account_closed", "Every top-up, withdrawal and payout with this account fails."),
    "9990000003": ("bank_unavailable", "The bank does not answer: every movement fails (a temporary failure)."),
}


def test_mode_decline(context: PaymentContext) -> None:
    magic = MAGIC_AMOUNTS.get(context.amount - MAGIC_BASE)
    if magic is not None:
        raise PaymentRefused(f"Test mode: {magic[1]}", code=magic[0], param="amount")


def magic_values() -> dict[str, Any]:
    return {
        "object": "sandbox_magic_values",
        "livemode": False,
        "amounts": [
            {
                "amount": MAGIC_BASE + k,
                "outcome": "declined",
                "code": code,
                "description": text,
            }
            for k, (code, text) in sorted(MAGIC_AMOUNTS.items())
        ],
        "bank_accounts": [
            {"account_number": number, "code": code, "description": text}
            for number, (code, text) in MAGIC_BANK_ACCOUNTS.items()
        ],
    }
