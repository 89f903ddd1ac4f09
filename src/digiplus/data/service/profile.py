"""A per-column profile built while the batches stream past: nulls, distinct values,
min/max, mean of numbers and the most frequent values.

Distinct values are counted exactly up to ``DISTINCT_CAP`` per column; past it the count
is a lower bound (``distinct_exact`` false) and the top values are those seen until then.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

DISTINCT_CAP = 50_000
TOP = 5


class ColumnProfile:
    def __init__(self, name: str, kind: str) -> None:
        self.name, self.kind = name, kind
        self.count = 0
        self.nulls = 0
        self.counts: Counter[Any] = Counter()
        self.capped = False
        self.distinct_floor = 0
        self.min: Any = None
        self.max: Any = None
        self.total = 0.0

    def add(self, column: pa.Array) -> None:
        self.count += len(column)
        self.nulls += column.null_count
        if column.null_count == len(column):
            return
        if self.kind in ("integer", "number", "date", "datetime", "string"):
            mm = pc.min_max(column)
            lo, hi = mm["min"].as_py(), mm["max"].as_py()
            if lo is not None:
                self.min = lo if self.min is None else min(self.min, lo)
                self.max = hi if self.max is None else max(self.max, hi)
        if self.kind in ("integer", "number"):
            self.total += float(pc.sum(column, min_count=1).as_py() or 0)
        if not self.capped:
            counted = pc.value_counts(pc.drop_null(column))
            if len(self.counts) + len(counted) > DISTINCT_CAP:
                # Too many values to count in Python: keep this batch's most frequent ones
                # (picked in Arrow) and a lower bound of the distinct count.
                self.capped = True
                self.distinct_floor = max(len(self.counts), len(counted))
                pairs = pa.table([counted.field("values"), counted.field("counts")], names=["v", "c"])
                top = pc.take(pairs, pc.select_k_unstable(pairs, TOP, [("c", "descending")]))
                values, frequencies = top.column("v").to_pylist(), top.column("c").to_pylist()
            else:
                values, frequencies = counted.field(0).to_pylist(), counted.field(1).to_pylist()
            self.counts.update(dict(zip(values, frequencies, strict=True)))

    def as_dict(self) -> dict[str, Any]:
        present = self.count - self.nulls
        return {
            "name": self.name,
            "type": self.kind,
            "count": self.count,
            "nulls": self.nulls,
            "distinct": self.distinct_floor if self.capped else len(self.counts),
            "distinct_exact": not self.capped,
            "min": _plain(self.min),
            "max": _plain(self.max) if self.kind != "string" or self.max is None else _plain(self.max)[:200],
            "mean": (self.total / present) if self.kind in ("integer", "number") and present else None,
            "top_values": [{"value": _plain(v), "count": c} for v, c in self.counts.most_common(TOP)],
        }


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, str) and len(value) > 200:
        return value[:200] + "…"
    return value


class TableProfile:
    def __init__(self, descriptor: dict[str, Any]) -> None:
        self.columns = [ColumnProfile(f["name"], f["type"]) for f in descriptor["fields"]]
        self.rows = 0

    def add(self, batch: pa.RecordBatch) -> None:
        self.rows += batch.num_rows
        for profile, column in zip(self.columns, batch.columns, strict=True):
            profile.add(column)

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "columns": [c.as_dict() for c in self.columns]}
