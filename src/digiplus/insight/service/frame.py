"""What every analysis starts from: the caller's facts (one merchant, one mode, one currency, up to
a day), each payment's amount net of its refunds, and the business time zone.

Rules every figure follows (docs/insight.md):

- **Scope.** A merchant sees only rows whose ``merchant_id`` is its org and whose ``livemode`` is
  its key's mode; amounts of one currency at a time (the merchant's usual currency by default).
- **Time.** Days, hours and months are Asia/Taipei's. Taipei has kept UTC+8 without daylight
  saving since 1979, so local time is ``paid_at + 8 h`` on both engines (whose sessions run in UTC).
- **Refunds.** A payment's ``net`` is its amount less the refunds made on it up to the ``as_of``
  day. A payment refunded in full is not a purchase: customer figures (RFM, cohorts, CLV, new vs
  returning) count only payments with ``net > 0`` and sum ``net``. Sales over time show gross on
  the payment's day and refunds on the refund's day, as the books do.
- **Customers.** ``customer_ref`` is a pseudonym per merchant; anonymous payments (no reference)
  count in sales but in no customer figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import ibis
import ibis.expr.datatypes as dt

from digiplus.core.errors import InvalidRequest
from digiplus.lake.analytics import connect, fact_table
from digiplus.lake.store import Lake

TAIPEI_OFFSET_HOURS = 8


def taipei_start(day: date) -> datetime:
    """00:00 of ``day`` in Taipei, as a UTC instant."""
    return datetime.combine(day, time(0), tzinfo=UTC) - timedelta(hours=TAIPEI_OFFSET_HOURS)


def taipei_today() -> date:
    return (datetime.now(UTC) + timedelta(hours=TAIPEI_OFFSET_HOURS)).date()


@dataclass(frozen=True)
class Scope:
    """Whose facts, in which mode and currency, up to which Taipei day (inclusive).

    ``merchant_id=None`` means every merchant (the benchmark and the operator): every figure is
    then computed per merchant, never across them."""

    merchant_id: str | None
    livemode: bool
    as_of: date = field(default_factory=taipei_today)
    currency: str | None = None
    since: date | None = None  # first Taipei day of period figures (sales, mix, …); None: a year before as_of

    @property
    def first_day(self) -> date:
        return self.since or (self.as_of - timedelta(days=364))


@dataclass
class Facts:
    """An open connection and the two fact tables on it."""

    con: Any
    payments: Any
    refunds: Any

    @property
    def backend(self) -> str:
        return str(self.con.name)


def open_facts(backend: str | None = None, lake: Lake | None = None, *, threads: int | None = None) -> Facts:
    con = connect(backend, threads=threads)
    return Facts(con, fact_table(con, "payments", lake), fact_table(con, "refunds", lake))


def local_time(ts: Any) -> Any:
    """A UTC timestamp column as Taipei wall-clock time."""
    return ts + ibis.interval(hours=TAIPEI_OFFSET_HOURS)


def _mine(table: Any, scope: Scope) -> Any:
    cond = [table.livemode == scope.livemode]
    if scope.merchant_id is not None:
        cond.append(table.merchant_id == scope.merchant_id)
    if scope.currency is not None:
        cond.append(table.currency == scope.currency)
    return table.filter(*cond)


@ibis.udf.scalar.builtin(name="epoch_us")  # type: ignore[untyped-decorator]
def _duckdb_epoch_us(ts: dt.Timestamp(timezone="UTC")) -> dt.int64:  # type: ignore[valid-type]
    """DuckDB's microseconds since the epoch of a TIMESTAMPTZ (no time-zone conversion)."""


@ibis.udf.scalar.builtin(name="unix_micros")  # type: ignore[untyped-decorator]
def _spark_unix_micros(ts: dt.Timestamp(timezone="UTC")) -> dt.int64:  # type: ignore[valid-type]
    """Spark's microseconds since the epoch of a timestamp."""


_MICROS_PER_DAY = 86_400_000_000


def local_day_number(facts: Facts, ts: Any) -> Any:
    """Days since 1970-01-01 of the Taipei day of a UTC timestamp, in integer arithmetic on the
    timestamp's microseconds (each engine's own function: Ibis's ``epoch_seconds`` goes through
    DuckDB's time-zone library, several times slower over millions of rows)."""
    micros = _spark_unix_micros(ts) if facts.backend == "pyspark" else _duckdb_epoch_us(ts)
    return (micros + TAIPEI_OFFSET_HOURS * 3_600_000_000) // _MICROS_PER_DAY


def day_number(day: date) -> int:
    return (day - date(1970, 1, 1)).days


def until_end(ts: Any, scope: Scope) -> Any:
    return ts < ibis.literal(taipei_start(scope.as_of + timedelta(days=1)))


def scoped_refunds(facts: Facts, scope: Scope) -> Any:
    """The scope's refunds up to the end of ``as_of``, with their Taipei ``local_ts`` and ``local_date``."""
    r = _mine(facts.refunds, scope)
    r = r.filter(until_end(r.refunded_at, scope))
    local = local_time(r.refunded_at)
    return r.mutate(local_ts=local, local_date=local.date())


def scoped_payments(facts: Facts, scope: Scope) -> Any:
    """The scope's payments up to the end of ``as_of``: every fact column, plus ``refunded`` (refunds
    on it so far), ``net`` (amount − refunded, never below 0), ``local_ts`` and ``local_date``."""
    p = _mine(facts.payments, scope)
    p = p.filter(until_end(p.paid_at, scope))
    r = scoped_refunds(facts, scope)
    per_payment = r.group_by(r.payment_id.name("refunded_payment_id")).agg(refunded=r.amount.sum())
    joined = p.left_join(per_payment, p.payment_id == per_payment.refunded_payment_id)
    refunded = joined.refunded.fill_null(0)
    net = ibis.greatest(joined.amount - refunded, 0)
    local = local_time(joined.paid_at)
    return joined.select(
        *[joined[c] for c in p.columns],
        refunded=refunded,
        net=net,
        local_ts=local,
        local_date=local.date(),
        local_day=local_day_number(facts, joined.paid_at),
    )


def purchases(facts: Facts, scope: Scope) -> Any:
    """Payments that count for customer figures: a known customer and something left after refunds."""
    p = scoped_payments(facts, scope)
    return p.filter(p.customer_ref.notnull(), p.net > 0)


def in_period(table: Any, scope: Scope) -> Any:
    return table.filter(table.local_date >= scope.first_day)


def rows(expr: Any) -> list[dict[str, Any]]:
    """Run an expression; its rows as dicts (Arrow's Python values: int, str, date, None)."""
    result: list[dict[str, Any]] = expr.to_pyarrow().to_pylist()
    return result


def default_currency(facts: Facts, scope: Scope) -> str | None:
    """The currency most of the scope's payments are in (ties: alphabetical), or None without payments."""
    p = _mine(facts.payments, replace(scope, currency=None))
    found = rows(p.group_by("currency").agg(n=p.count()).order_by([ibis.desc("n"), "currency"]).limit(1))
    return str(found[0]["currency"]) if found else None


def with_currency(facts: Facts, scope: Scope) -> Scope:
    """``scope`` with its currency chosen (the merchant's usual one when not given)."""
    if scope.currency is not None:
        return scope
    return replace(scope, currency=default_currency(facts, scope) or "TWD")


GRAINS = {"day": "D", "week": "W", "month": "M"}


def period_start(local_ts: Any, grain: str) -> Any:
    """The first Taipei day of the day, ISO week (Monday) or month holding ``local_ts``."""
    if grain not in GRAINS:
        raise InvalidRequest("grain must be day, week or month.", param="grain")
    return local_ts.truncate(GRAINS[grain]).date()


def month_index(local_date: Any) -> Any:
    """Months since year 0: consecutive months differ by one on both engines."""
    return local_date.year() * 12 + local_date.month() - 1


def month_index_of_day(day: Any) -> Any:
    """``month_index`` of the date ``day`` days after 1970-01-01 (a day number, see
    ``local_day_number``): date arithmetic, no time zone involved."""
    return month_index(ibis.date(1970, 1, 1) + day.as_interval("D"))


def month_of_index(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)
