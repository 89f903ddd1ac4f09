"""The demo world, part 3: POS terminals at four of the demo merchants (test mode).

Each gets a front counter (paired, seen just now: online), a second counter (paired, silent
for two hours: offline) and a tablet added but not paired yet; the second merchant's spare
counter is disabled. Every merchant has a supervisor, 店長 Manager, PIN 2580. The last week of
each merchant's demo payments is shared between its two counters, so a counter's page shows
end-of-day totals that match the ledger. Safe to re-run: a merchant that has terminals is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.core.db import utcnow
from digiplus.core.ids import id_for
from digiplus.payments.models import MerchantProfile, PaymentIntent
from digiplus.terminals.models import Terminal, TerminalPayment
from digiplus.terminals.service import credentials, fleet, supervisors

MERCHANTS = 4
SUPERVISOR_PIN = "2580"
HISTORY_DAYS = 7


@dataclass
class DemoTerminals:
    merchants: int = 0
    terminals: int = 0
    linked_payments: int = 0
    created: int = 0


def _paired(terminal: Terminal, seen_ago: timedelta) -> None:
    terminal.credential_generation = 1
    terminal.credential_hash = credentials.secret_digest(credentials.derive_secret(terminal))
    terminal.paired_at = utcnow() - timedelta(days=30)
    terminal.last_seen_at = utcnow() - seen_ago
    terminal.app_version = "digiplus-soft-terminal/1"


def build_demo_terminals(session: Session) -> DemoTerminals:
    result = DemoTerminals()
    profiles = list(
        session.scalars(
            select(MerchantProfile)
            .where(MerchantProfile.livemode.is_(False))
            .order_by(MerchantProfile.created, MerchantProfile.id)
            .limit(MERCHANTS)
        )
    )
    for n, profile in enumerate(profiles):
        result.merchants += 1
        shop = Caller.system(profile.org_id, False)
        existing = session.scalars(select(Terminal.id).where(Terminal.org_id == profile.org_id)).all()
        if existing:
            result.terminals += len(existing)
            continue
        front = fleet.create_terminal(session, shop, name="Counter 1 櫃檯一", location=f"{profile.display_name} front")
        back = fleet.create_terminal(session, shop, name="Counter 2 櫃檯二", location=f"{profile.display_name} side")
        fleet.create_terminal(session, shop, name="Tablet 平板", location="Not paired yet")
        _paired(front, timedelta(seconds=5))
        _paired(back, timedelta(hours=2))
        session.flush()
        if n == 1:
            spare = fleet.create_terminal(session, shop, name="Spare 備用", location="Lost in the night market")
            _paired(spare, timedelta(days=3))
            session.flush()
            fleet.disable_terminal(session, shop, spare.id)
            result.terminals += 1
        supervisors.create_supervisor(session, shop, name="店長 Manager", pin=SUPERVISOR_PIN)
        result.terminals += 3
        result.created += 1
        since = utcnow() - timedelta(days=HISTORY_DAYS)
        recent = session.execute(
            select(PaymentIntent.id, PaymentIntent.amount, PaymentIntent.currency, PaymentIntent.payment_method_type)
            .where(
                PaymentIntent.org_id == profile.org_id,
                PaymentIntent.livemode.is_(False),
                PaymentIntent.status == "succeeded",
                PaymentIntent.captured_at >= since,
            )
            .order_by(PaymentIntent.id)
        ).all()
        rows = [
            {
                "id": id_for("terminal_payment"),
                "org_id": profile.org_id,
                "livemode": False,
                "created": utcnow(),
                "terminal_id": (front if i % 3 else back).id,
                "client_reference": f"demo-{intent_id}",
                "payment_intent_id": intent_id,
                "method": "payment_code" if method == "payment_code" else "qr",
                "amount": amount,
                "currency": currency,
            }
            for i, (intent_id, amount, currency, method) in enumerate(recent)
        ]
        if rows:
            session.execute(insert(TerminalPayment), rows)
        result.linked_payments += len(rows)
    return result
