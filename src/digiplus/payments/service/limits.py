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
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, Select, String, bindparam, func, select
from sqlalchemy.orm import Session

from digiplus.core.db import UTCDateTime, utcnow
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


def _outflow_sums() -> Select[tuple[Any, ...]]:
    """One statement for everything a limit check reads: the holder's verification level and the
    wallet's outflows since the start of the day and of the month (payments, P2P sent, withdrawals
    not failed). Built once; executed with ``wallet``, ``org``, ``livemode``, ``day`` and ``month``."""
    wallet = bindparam("wallet", type_=String())
    day, month = bindparam("day", type_=UTCDateTime()), bindparam("month", type_=UTCDateTime())

    def sums(amount: Any, when: Any, *where: Any) -> tuple[Any, Any]:
        def total(since: Any) -> Any:
            return select(func.coalesce(func.sum(amount), 0)).where(*where, when >= since).scalar_subquery()

        return total(day), total(month)

    level = (
        select(WalletProfile.verification_level)
        .where(
            WalletProfile.org_id == bindparam("org", type_=String()),
            WalletProfile.livemode == bindparam("livemode", type_=Boolean()),
        )
        .scalar_subquery()
    )
    paid = sums(PaymentIntent.wallet_amount, PaymentIntent.confirmed_at, PaymentIntent.payer_wallet_id == wallet)
    sent = sums(WalletTransfer.amount, WalletTransfer.created, WalletTransfer.from_wallet_id == wallet)
    withdrawn = sums(
        BankTransfer.amount,
        BankTransfer.created,
        BankTransfer.wallet_id == wallet,
        BankTransfer.kind == "withdrawal",
        BankTransfer.status != "failed",
    )
    return select(level, *paid, *sent, *withdrawn)


_OUTFLOW_SUMS = _outflow_sums()


def outflows(session: Session, wallet: Wallet, day_start: datetime, month_start: datetime) -> tuple[int, int, int]:
    """(verification level, outflow since ``day_start``, outflow since ``month_start``), wallet currency."""
    row = session.execute(
        _OUTFLOW_SUMS,
        {
            "wallet": wallet.id,
            "org": wallet.org_id,
            "livemode": wallet.livemode,
            "day": day_start,
            "month": month_start,
        },
    ).one()
    level, paid_day, paid_month, sent_day, sent_month, out_day, out_month = (int(v or 0) for v in row)
    return level, paid_day + sent_day + out_day, paid_month + sent_month + out_month


def check_limits(session: Session, wallet: Wallet, amount: int, *, now: datetime | None = None) -> None:
    """Refuse an outflow of ``amount`` (wallet currency) over a limit: 402 ``wallet_limit_exceeded``."""
    now = now or utcnow()
    local = now.astimezone(TAIPEI)
    day_start = datetime.combine(local.date(), time(0), TAIPEI)
    month_start = day_start.replace(day=1)
    level, day_out, month_out = outflows(session, wallet, day_start, month_start)
    per_payment, daily, monthly = limits_for(level)
    amount_twd = twd_equivalent(amount, wallet.currency)
    if amount_twd > per_payment:
        _decline("per_payment", per_payment, level)
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
