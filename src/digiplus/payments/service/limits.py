"""Wallet limits by identity-verification level: per payment, per day and per month.

Limits are in TWD (minor units); a wallet in another currency is measured at the mid rate.
Outflows are payments (what the wallet is committed for: the hold, then the captured part),
wallet-to-wallet transfers sent and withdrawals not failed, per wallet, since the start of
the day / month in Taipei. The caller holds the wallet's row lock (``SELECT … FOR UPDATE``
on PostgreSQL, the single writer on SQLite) from before the sum until the booking commits,
so two payments cannot both slip under a limit.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from digiplus.core.db import utcnow
from digiplus.core.money import format_minor
from digiplus.payments.models import BankTransfer, PaymentIntent, Wallet, WalletProfile, WalletTransfer
from digiplus.payments.service.errors import PaymentDeclined
from digiplus.payments.service.fx import twd_equivalent
from digiplus.settings import get_settings

TAIPEI = ZoneInfo("Asia/Taipei")
LEVELS = {0: "unverified", 1: "phone verified", 2: "ID verified"}
# level: (per payment, daily, monthly), TWD minor units.
DEFAULT_LIMITS: dict[int, tuple[int, int, int]] = {
    0: (1_000_00, 3_000_00, 10_000_00),
    1: (10_000_00, 30_000_00, 100_000_00),
    2: (50_000_00, 200_000_00, 500_000_00),
}


def limits_for(level: int) -> tuple[int, int, int]:
    configured = get_settings().wallet_limits or DEFAULT_LIMITS
    return configured.get(level) or DEFAULT_LIMITS[0]


def verification_level(session: Session, wallet: Wallet) -> int:
    level = session.scalar(
        select(WalletProfile.verification_level).where(
            WalletProfile.org_id == wallet.org_id, WalletProfile.livemode == wallet.livemode
        )
    )
    return level or 0


def outflow_since(session: Session, wallet: Wallet, since: datetime) -> int:
    """What left (or is held on) the wallet since ``since``, in the wallet's currency."""
    payments = session.scalar(
        select(func.coalesce(func.sum(PaymentIntent.wallet_amount), 0)).where(
            PaymentIntent.payer_wallet_id == wallet.id, PaymentIntent.confirmed_at >= since
        )
    )
    sent = session.scalar(
        select(func.coalesce(func.sum(WalletTransfer.amount), 0)).where(
            WalletTransfer.from_wallet_id == wallet.id, WalletTransfer.created >= since
        )
    )
    withdrawn = session.scalar(
        select(func.coalesce(func.sum(BankTransfer.amount), 0)).where(
            BankTransfer.wallet_id == wallet.id,
            BankTransfer.kind == "withdrawal",
            BankTransfer.status != "failed",
            BankTransfer.created >= since,
        )
    )
    return int(payments or 0) + int(sent or 0) + int(withdrawn or 0)


def check_limits(session: Session, wallet: Wallet, amount: int, *, now: datetime | None = None) -> None:
    """Refuse an outflow of ``amount`` (wallet currency) over a limit: 402 ``wallet_limit_exceeded``."""
    now = now or utcnow()
    level = verification_level(session, wallet)
    per_payment, daily, monthly = limits_for(level)
    local = now.astimezone(TAIPEI)
    day_start = datetime.combine(local.date(), time(0), TAIPEI)
    month_start = day_start.replace(day=1)
    amount_twd = twd_equivalent(amount, wallet.currency)
    if amount_twd > per_payment:
        _decline("per_payment", per_payment, level)
    month_out = outflow_since(session, wallet, month_start)
    day_out = outflow_since(session, wallet, day_start) if day_start > month_start else month_out
    if twd_equivalent(day_out + amount, wallet.currency) > daily:
        _decline("daily", daily, level)
    if twd_equivalent(month_out + amount, wallet.currency) > monthly:
        _decline("monthly", monthly, level)


def _decline(which: str, limit: int, level: int) -> None:
    raise PaymentDeclined(
        f"This would pass the wallet's {which.replace('_', '-')} limit of TWD {format_minor(limit, 'TWD')} "
        f"(verification level {level}, {LEVELS.get(level, '?')}).",
        code="wallet_limit_exceeded",
        param="amount",
        limit=which,
    )
