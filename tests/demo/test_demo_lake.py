"""The demo world, the lake part: every demo merchant's year (and the wallets' top-ups) reaches the fact
tables through the sync."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from digiplus.core.db import Database
from digiplus.core.events import Event
from digiplus.demo.lake import build_demo_lake
from digiplus.demo.payments import build_demo_payments
from digiplus.demo.payments_cast import SHOPS
from digiplus.demo.service import build_demo_world
from digiplus.identity import service as identity
from digiplus.lake import Lake, get_lake
from digiplus.lake.fact_writer import business_day
from digiplus.payments.models import BankTransfer, MerchantProfile, Refund
from digiplus.settings import get_settings


@pytest.fixture
def lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Lake]:
    monkeypatch.setenv("DIGIPLUS_LAKE_URL", str(tmp_path / "lake"))
    monkeypatch.setenv("DIGIPLUS_CONSUMER_LAG_SECONDS", "0")
    monkeypatch.setattr(identity, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    get_settings.cache_clear()
    yield get_lake()
    get_settings.cache_clear()


def _facts(lake: Lake, table: str) -> pa.Table:
    return pa.concat_tables([lake.read_table(k) for k in lake.keys(f"facts/{table}/")])


def test_every_demo_merchant_has_its_year_in_the_lake(db: Database, lake: Lake) -> None:
    with db.session() as session:
        world = build_demo_world(session)
        built = build_demo_payments(session, world.orgs, scale=0.05, days=28)
    with db.session() as session:
        undispatched = session.scalar(
            select(func.count()).where(Event.type == "payment_intent.succeeded", Event.dispatched_at.is_(None))
        )
        merchants = set(session.scalars(select(MerchantProfile.org_id)))
        refunded = session.scalar(select(func.count()).where(Refund.status == "succeeded"))
        topups = session.scalar(select(func.count()).where(BankTransfer.kind == "topup"))
    assert undispatched == 0  # a past year sends no webhooks

    first = build_demo_lake(db)
    payments = _facts(lake, "payments")
    assert payments.num_rows == built.payments
    assert set(payments["merchant_id"].to_pylist()) == merchants and len(merchants) == len(SHOPS)
    assert _facts(lake, "refunds").num_rows == refunded
    days = {business_day(t) for t in payments["paid_at"].to_pylist()}
    assert min(days) == built.first_day and max(days) <= built.last_day
    # compacted: one file per table and day
    per_day = Counter(k.rsplit("/", 1)[0] for k in lake.keys("facts/"))
    assert set(per_day.values()) == {1}
    assert _facts(lake, "wallet_movements").num_rows == topups == built.topups
    assert first.rows == payments.num_rows + refunded + topups and first.files == len(per_day)

    again = build_demo_lake(db)
    assert (again.events, again.files, again.rows) == (0, first.files, first.rows)
