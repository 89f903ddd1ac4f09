"""The demo merchant's books: four weeks of a night-market stall, kept in the ledger (test mode).

Everything goes through the ledger's public surface (``create_accounts``,
``create_transfers``) with fixed, client-chosen ids, so running the demo again answers
``exists`` for every item and duplicates nothing. Amounts depend only on the day's
index (a seeded generator), never on the calendar, so a re-run on another day asks for
exactly the same transfers. The first run dates the four weeks to end yesterday (Taipei
time); each batch carries its own time, so the balance-history chart shows a curve.

The books, all in minor units:

- customers load their wallets (``customer_funds`` → ``customer_wallets``, TWD) and pay
  the stall from them three times a night (→ ``merchant_balance``);
- the platform takes a 1.8 % fee each night (``merchant_balance`` → ``fees``) and pays
  the balance out once a week (a ``balancing_debit`` sweep to ``payouts``);
- two pre-orders are held first (two-phase): one captured in part, one cancelled;
- Japanese visitors pay in JPY: two linked transfers through the liquidity accounts;
- the stall's loyalty stamps live on their own ledger, ``POINTS:oyster``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.core.db import utcnow
from digiplus.ledger import (
    AccountFlags,
    AccountInput,
    AccountResult,
    TransferFlags,
    TransferInput,
    TransferResult,
    create_accounts,
    create_transfers,
)

TAIPEI = ZoneInfo("Asia/Taipei")
DAYS = 28
POINTS = "POINTS:oyster"
FEE_PER_MILLE = 18  # 1.8 % of the night's sales, rounded half up to the cent
JPY_TO_TWD = (2075, 10_000)  # 1 JPY = 0.2075 TWD (a fixed demo rate), rounded half up to the cent
SWEEP_CAP = 10**12  # a payout moves everything available, at most this much

# Account codes (the stall's chart of accounts) and transfer codes.
WALLETS, FUNDS, TOURIST_CARDS, MERCHANT, PAYOUTS, FEES, LIQUIDITY = 10, 11, 12, 20, 21, 30, 40
POINTS_ISSUED, POINTS_MEMBERS, POINTS_REDEEMED = 50, 51, 52
TOP_UP, SALE, FEE, PAYOUT, PRE_ORDER, FX, STAMPS_EARNED, STAMPS_REDEEMED = 1, 2, 3, 4, 5, 6, 7, 8

_NO_OVERDRAFT = int(AccountFlags.debits_must_not_exceed_credits)
ACCOUNTS: tuple[AccountInput, ...] = (
    AccountInput(id="oyster_merchant_balance", ledger="TWD", code=MERCHANT, flags=_NO_OVERDRAFT),
    AccountInput(id="oyster_customer_wallets", ledger="TWD", code=WALLETS, flags=_NO_OVERDRAFT),
    AccountInput(id="oyster_customer_funds", ledger="TWD", code=FUNDS),
    AccountInput(id="oyster_fees", ledger="TWD", code=FEES),
    AccountInput(id="oyster_payouts", ledger="TWD", code=PAYOUTS),
    AccountInput(id="oyster_liquidity_twd", ledger="TWD", code=LIQUIDITY),
    AccountInput(id="oyster_liquidity_jpy", ledger="JPY", code=LIQUIDITY),
    AccountInput(id="oyster_tourist_cards_jpy", ledger="JPY", code=TOURIST_CARDS),
    AccountInput(id="oyster_points_issued", ledger=POINTS, code=POINTS_ISSUED),
    AccountInput(id="oyster_points_members", ledger=POINTS, code=POINTS_MEMBERS, flags=_NO_OVERDRAFT),
    AccountInput(id="oyster_points_redeemed", ledger=POINTS, code=POINTS_REDEEMED),
)
MERCHANT_BALANCE = ACCOUNTS[0].id or ""

_P, _POST, _VOID = (
    int(TransferFlags.pending),
    int(TransferFlags.post_pending_transfer),
    int(TransferFlags.void_pending_transfer),
)
_LINKED, _SWEEP = int(TransferFlags.linked), int(TransferFlags.balancing_debit)


@dataclass
class DemoBooks:
    org_id: str
    accounts: int = 0
    transfers: int = 0
    batches: int = 0  # create_transfers calls, one per moment in the four weeks
    created_accounts: int = 0
    created_transfers: int = 0


def _twd(rng: random.Random, omelettes: tuple[int, int]) -> int:
    """One shift's takings: oyster omelettes at NT$75, drinks at NT$35, in cents."""
    return rng.randint(*omelettes) * 75_00 + rng.randint(5, 40) * 35_00


def _transfer(
    tid: str, debit: str, credit: str, amount: int, code: int, ledger: str = "TWD", *, flags: int = 0, timeout: int = 0
) -> TransferInput:
    return TransferInput(
        id=tid,
        debit_account_id=debit,
        credit_account_id=credit,
        amount=amount,
        ledger=ledger,
        code=code,
        flags=flags,
        timeout=timeout,
    )


def _at(day: datetime, hour: int, minute: int = 0) -> datetime:
    return day.replace(hour=hour, minute=minute)


def _night(i: int, day: datetime) -> list[tuple[datetime, list[TransferInput]]]:
    """Day ``i``'s batches, each with the time it happened."""
    rng = random.Random(f"oyster-night-{i}")  # noqa: S311 -- made-up sales, not secrets
    # word of mouth: 1 % busier every night (integers only, whole dollars)
    shifts = [_twd(rng, (30, 60)) * (100 + i) // 100_00 * 100 for _ in range(3)]
    gross = sum(shifts)
    top_up = (gross // 100_000 + 3) * 100_000  # customers load round amounts, a little more than they spend
    d = f"oyster_d{i:02d}"
    batches: list[tuple[datetime, list[TransferInput]]] = [
        (
            _at(day, 17, 30),
            [_transfer(f"{d}_top_up", "oyster_customer_funds", "oyster_customer_wallets", top_up, TOP_UP)],
        )
    ]
    for n, (amount, hour) in enumerate(zip(shifts, (19, 21, 23), strict=True), start=1):
        sale = _transfer(f"{d}_sales_{n}", "oyster_customer_wallets", MERCHANT_BALANCE, amount, SALE)
        batches.append((_at(day, hour, rng.randint(0, 50)), [sale]))
    if i in (9, 17):  # pre-orders for a temple festival and a company outing: held, then captured or released
        held = 4_800_00 if i == 9 else 1_500_00
        hold = _transfer(
            f"{d}_pre_order_hold",
            "oyster_customer_wallets",
            MERCHANT_BALANCE,
            held,
            PRE_ORDER,
            flags=_P,
            timeout=3 * 3600,
        )
        resolve = (
            TransferInput(id=f"{d}_pre_order_capture", pending_id=hold.id, amount=4_500_00, flags=_POST)
            if i == 9
            else TransferInput(id=f"{d}_pre_order_cancel", pending_id=hold.id, flags=_VOID)
        )
        batches += [(_at(day, 18, 0), [hold]), (_at(day, 18, 40), [resolve])]
    if i in (11, 20):  # a tour group from Japan pays in yen: both legs or neither
        jpy = 4_800 if i == 11 else 12_600
        twd = (jpy * 100 * JPY_TO_TWD[0] + JPY_TO_TWD[1] // 2) // JPY_TO_TWD[1]
        rate = {"rate": "0.2075", "rate_source": "digiplus demo fixed rate", "jpy": jpy}
        fx = [
            TransferInput(
                id=f"{d}_fx_jpy",
                debit_account_id="oyster_tourist_cards_jpy",
                credit_account_id="oyster_liquidity_jpy",
                amount=jpy,
                ledger="JPY",
                code=FX,
                flags=_LINKED,
                metadata=rate,
            ),
            _transfer(f"{d}_fx_twd", "oyster_liquidity_twd", MERCHANT_BALANCE, twd, FX),
        ]
        batches.append((_at(day, 20, 15), fx))
    fee = (gross * FEE_PER_MILLE + 500) // 1000
    batches.append((_at(day, 23, 55), [_transfer(f"{d}_fee", MERCHANT_BALANCE, "oyster_fees", fee, FEE)]))
    stamps = gross // 100_00  # one stamp for every NT$100 spent
    points = [_transfer(f"{d}_stamps", "oyster_points_issued", "oyster_points_members", stamps, STAMPS_EARNED, POINTS)]
    if i % 7 == 3:  # every seventh night the week's balance is paid out, and members redeem stamps
        points.append(
            _transfer(
                f"{d}_stamps_redeemed",
                "oyster_points_members",
                "oyster_points_redeemed",
                10 * (i + 8),
                STAMPS_REDEEMED,
                POINTS,
            )
        )
        payout = _transfer(f"{d}_payout", MERCHANT_BALANCE, "oyster_payouts", SWEEP_CAP, PAYOUT, flags=_SWEEP)
        batches.append((_at(day, 23, 58), [payout]))
    batches.append((_at(day, 23, 59), points))
    return sorted(batches, key=lambda b: b[0])


def _check(what: str, results: list[tuple[str, str]]) -> None:
    """Every item must be new (``ok``) or already there (``exists``); anything else is a bug in the demo."""
    bad = [f"{item_id}: {result}" for item_id, result in results if result not in ("ok", "exists")]
    if bad:
        raise RuntimeError(f"The demo {what} were refused by the ledger: " + ", ".join(bad))


def build_demo_books(session: Session, org_id: str, *, today: datetime | None = None) -> DemoBooks:
    """Create whatever part of the stall's books is missing (test mode); return what they hold."""
    caller = Caller.system(org_id, livemode=False)
    books = DemoBooks(org_id)
    outcomes = create_accounts(session, caller, list(ACCOUNTS))
    _check("accounts", [(o.id, o.result.name) for o in outcomes])
    books.accounts = len(outcomes)
    books.created_accounts = sum(1 for o in outcomes if o.result is AccountResult.ok)
    local_today = (today or utcnow()).astimezone(TAIPEI).replace(hour=0, minute=0, second=0, microsecond=0)
    first = local_today - timedelta(days=DAYS)
    for i in range(DAYS):
        for when, batch in _night(i, first + timedelta(days=i)):
            results = create_transfers(session, caller, batch, now=when)
            # A re-run answers `exists` for the first leg of a linked pair and `linked_event_failed` for
            # the second (a chain fails as one); the second leg is there, stored by the first run.
            exists_chain = results[0].result is TransferResult.exists
            _check(
                "transfers",
                [
                    (
                        r.id,
                        "exists" if exists_chain and r.result is TransferResult.linked_event_failed else r.result.name,
                    )
                    for r in results
                ],
            )
            books.batches += 1
            books.transfers += len(results)
            books.created_transfers += sum(1 for r in results if r.result is TransferResult.ok)
    return books
