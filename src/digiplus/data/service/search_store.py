"""The catalogue's search index held in memory as numpy arrays (ADR 0013, amended): one
position per search document with the columns the access rule, the filters, the facets and
the sorts need, and an inverted index (token → the positions that contain it, with the
token's weighted frequency there) built from the same token strings as FTS5 / the tsvector.

A search is then a handful of vector operations: intersect the terms' posting lists,
mask by the access rule and the filters, ``bincount`` / bit counts for the facets, BM25
(FTS5's formula, titles weighing 10, the rest 1) for the matches, and a partial sort for
the page. Nothing here touches the database: ``search_memory.py`` loads and follows it.

A ``Snapshot`` is never changed once built: a change makes a new one (new documents in a
new posting segment, removed ones masked out), so searches in other threads keep using the
one they started with.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from digiplus.data.service.search_facets import BITS

TITLE_WEIGHT, BODY_WEIGHT = 10, 1  # as bm25(data_search_fts, 10.0, 1.0) on SQLite
_K1, _B = 1.2, 0.75  # FTS5's BM25 constants
_FACET_BITS = {facet: list(table.items()) for facet, table in BITS.items()}
Int = np.ndarray[Any, np.dtype[np.int64]]
Bool = np.ndarray[Any, np.dtype[np.bool_]]

# The row a snapshot is built from (search_memory.py reads it as plain driver tuples).
DocRow = tuple[int, str, str, Any, str, "str | None", str, int, int, str, Any, str, str]


@dataclass(frozen=True)
class Segment:
    """Posting lists of the documents at positions ``start``…: token → slice of ``docs``
    (sorted positions) and ``freq`` (10 × title count + body count)."""

    slices: dict[str, tuple[int, int]]
    docs: np.ndarray[Any, np.dtype[np.int32]]
    freq: np.ndarray[Any, np.dtype[np.uint16]]


class Codes:
    """A string column as small integers (publisher, licence, access, alliance)."""

    def __init__(self, values: Sequence[str] = ()) -> None:
        self.values: list[str] = list(values)
        self.index: dict[str, int] = {v: i for i, v in enumerate(self.values)}

    def encode(self, column: Sequence[str | None]) -> np.ndarray[Any, np.dtype[np.int32]]:
        out = np.empty(len(column), dtype=np.int32)
        for i, v in enumerate(column):
            if v is None:
                out[i] = -1
                continue
            code = self.index.get(v)
            if code is None:
                code = self.index[v] = len(self.values)
                self.values.append(v)
            out[i] = code
        return out

    def codes_of(self, values: Sequence[str]) -> list[int]:
        """The codes of known ``values`` (an unknown value matches nothing)."""
        return [self.index[v] for v in values if v in self.index]

    def copy(self) -> Codes:
        return Codes(self.values)


@dataclass(frozen=True)
class Visibility:
    """Who searches: the access rule's inputs (service/access.py)."""

    livemode: bool
    org_id: str | None
    alliances: tuple[str, ...]


@dataclass(frozen=True)
class StoreResult:
    total: int
    facets: dict[str, dict[str, int]]
    page: list[tuple[str, int]]  # (dataset id, format bits), in order


@dataclass(frozen=True)
class Snapshot:
    doc_ids: Int
    dataset_ids: list[str]
    org: np.ndarray[Any, np.dtype[np.int32]]
    live: Bool
    access: np.ndarray[Any, np.dtype[np.int32]]
    alliance: np.ndarray[Any, np.dtype[np.int32]]
    licence: np.ndarray[Any, np.dtype[np.int32]]
    theme_bits: Int
    format_bits: Int
    modified: Int
    title_sort: list[str]
    length: np.ndarray[Any, np.dtype[np.float64]]
    alive: Bool
    segments: tuple[Segment, ...]
    codes: dict[str, Codes] = field(repr=False)
    # Documents added since the last full load (positions delta_from…) are in the last
    # segment, rebuilt from their token strings at each catch-up: one segment, however many.
    delta_from: int = 0
    delta_text: tuple[tuple[bytes | str, ...], tuple[bytes | str, ...]] = field(default=((), ()), repr=False)

    @property
    def base_segments(self) -> tuple[Segment, ...]:
        return self.segments[:-1] if self.delta_from < self.size else self.segments

    @property
    def size(self) -> int:
        return len(self.doc_ids)

    @cached_property
    def live_docs(self) -> int:
        return int(np.count_nonzero(self.alive))

    @cached_property
    def avg_length(self) -> float:
        n = self.live_docs
        return float(self.length[self.alive].sum()) / n if n else 1.0

    @cached_property
    def title_rank(self) -> Int:
        """Each position's place in (title, doc id) order; made on the first title sort."""
        order = sorted(range(self.size), key=lambda i: (self.title_sort[i], int(self.doc_ids[i])))
        rank = np.empty(self.size, dtype=np.int64)
        rank[np.asarray(order, dtype=np.int64)] = np.arange(self.size, dtype=np.int64)
        return rank

    def postings(self, term: str) -> tuple[np.ndarray[Any, np.dtype[np.int32]], np.ndarray[Any, np.dtype[np.uint16]]]:
        parts = []
        for segment in self.segments:
            bounds = segment.slices.get(term)
            if bounds is not None:
                parts.append((segment.docs[bounds[0] : bounds[1]], segment.freq[bounds[0] : bounds[1]]))
        if not parts:
            return np.empty(0, np.int32), np.empty(0, np.uint16)
        if len(parts) == 1:
            return parts[0]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _timestamps(values: Sequence[Any]) -> Int:
    """Microseconds: SQLite gives the stored text, PostgreSQL timezone-aware datetimes."""
    if values and isinstance(values[0], datetime):
        return np.array([round(v.timestamp() * 1_000_000) for v in values], dtype=np.int64)
    return np.array(values, dtype="datetime64[us]").astype(np.int64)


def _binary(values: Sequence[bytes | str]) -> pa.Array:
    """An Arrow array of the strings as UTF-8, built from its buffers (``pa.array`` on a list
    would import pandas, a second on a first search); an empty string as null, which splits
    into no token."""
    data = [v.encode() if isinstance(v, str) else v for v in values]
    lengths = np.fromiter((len(v) for v in data), dtype=np.int64, count=len(data))
    offsets = np.zeros(len(data) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    valid = np.packbits(lengths > 0, bitorder="little")
    buffers = [pa.py_buffer(valid.tobytes()), pa.py_buffer(offsets.tobytes()), pa.py_buffer(b"".join(data))]
    return pa.LargeBinaryArray.from_buffers(pa.large_binary(), len(data), buffers)


def _ints(array: pa.Array) -> np.ndarray[Any, np.dtype[np.int64]]:
    """A null-free Arrow integer array as int64, read from its buffer (no pandas either)."""
    dtype = {pa.int32(): np.int32, pa.int64(): np.int64}[array.type]
    return np.frombuffer(
        array.buffers()[1], dtype=dtype, count=len(array), offset=array.offset * np.dtype(dtype).itemsize
    ).astype(np.int64)


def _texts(array: pa.Array) -> list[str]:
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64, count=len(array) + 1, offset=array.offset * 8).tolist()
    data = array.buffers()[2].to_pybytes() if len(array) else b""
    return [data[a:b].decode() for a, b in itertools.pairwise(offsets)]


def build_segment(
    titles: Sequence[bytes | str], bodies: Sequence[bytes | str], start: int
) -> tuple[Segment, np.ndarray[Any, Any]]:
    """Posting lists of documents ``start``, ``start + 1``… from their token strings (UTF-8
    bytes, or str), and each document's length in tokens (FTS5's column sizes summed). Split
    and hashed in Arrow, the (token, document, column) triples counted by one numpy sort."""
    n = len(titles)
    lists = [pc.split_pattern(_binary(col), b" ") for col in (titles, bodies)]
    tokens = pc.dictionary_encode(pa.concat_arrays([lst.flatten() for lst in lists]))
    token_ids = _ints(tokens.indices)
    vocab = _texts(tokens.dictionary)
    parents = [_ints(pc.list_parent_indices(lst)) for lst in lists]
    length = np.bincount(np.concatenate(parents), minlength=n).astype(np.float64) if n else np.empty(0)
    # key = token, document, column (title 0, body 1): sorted, runs are one token's count
    keys = token_ids
    keys <<= 33
    doc_bits = np.concatenate(parents)
    doc_bits <<= 1
    doc_bits[len(parents[0]) :] |= 1  # the body's tokens
    keys |= doc_bits
    del doc_bits, token_ids
    keys.sort()
    if len(keys) == 0:
        return Segment({}, np.empty(0, np.int32), np.empty(0, np.uint16)), length
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    counts = np.diff(np.r_[starts, len(keys)]).astype(np.float64)
    run_keys = keys[starts]
    weighted = counts * np.where(run_keys & 1, BODY_WEIGHT, TITLE_WEIGHT)
    pair = run_keys >> 1
    pair_starts = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])
    freq = np.minimum(np.add.reduceat(weighted, pair_starts), 65535).astype(np.uint16)
    pair_keys = pair[pair_starts]
    docs = (pair_keys & ((1 << 32) - 1)).astype(np.int32) + np.int32(start)
    token_of = pair_keys >> 32
    bounds = np.searchsorted(token_of, np.arange(len(vocab) + 1))
    slices = {tok: (int(bounds[i]), int(bounds[i + 1])) for i, tok in enumerate(vocab) if bounds[i + 1] > bounds[i]}
    return Segment(slices, docs, freq), length


def build(
    rows: Sequence[DocRow], previous: Snapshot | None = None, removed: Sequence[int] = (), *, as_delta: bool = False
) -> Snapshot:
    """A snapshot of ``rows``, or ``previous`` with ``rows`` added and the documents
    ``removed`` masked out. Loaded rows become segments of their own (a slice each);
    ``as_delta`` rows join the delta segment, which is rebuilt with them."""
    codes = {k: c.copy() for k, c in previous.codes.items()} if previous else {k: Codes() for k in _CODED}
    start = previous.size if previous else 0
    cols: list[Sequence[Any]] = list(zip(*rows, strict=True)) if rows else [() for _ in range(13)]
    base = previous.base_segments if previous else ()
    if as_delta and previous is not None:
        delta_from = previous.delta_from
        text = (previous.delta_text[0] + tuple(cols[11]), previous.delta_text[1] + tuple(cols[12]))
        if text[0]:
            segment, lengths = build_segment(text[0], text[1], delta_from)
            segments, length = (*base, segment), lengths[start - delta_from :]
        else:  # only removals, and no delta yet
            segments, length = base, np.empty(0)
    else:
        # In slices of documents: the triples of one slice at a time (memory), a segment each.
        built = [
            build_segment(cols[11][a : a + _SLICE], cols[12][a : a + _SLICE], start + a)
            for a in range(0, len(rows), _SLICE)
        ]
        segments = (*base, *(seg for seg, _ in built))
        length = np.concatenate([n for _, n in built]) if built else np.empty(0)
        delta_from, text = start + len(rows), ((), ())
    new: dict[str, Any] = {
        "doc_ids": np.array(cols[0], dtype=np.int64),
        "dataset_ids": list(cols[1]),
        "org": codes["org"].encode(cols[2]),
        "live": np.array([bool(v) for v in cols[3]], dtype=np.bool_),
        "access": codes["access"].encode(cols[4]),
        "alliance": codes["alliance"].encode(cols[5]),
        "licence": codes["licence"].encode(cols[6]),
        "theme_bits": np.array(cols[7], dtype=np.int64),
        "format_bits": np.array(cols[8], dtype=np.int64),
        "modified": _timestamps(cols[10]),
        "title_sort": list(cols[9]),
        "length": length,
        "alive": np.ones(len(rows), dtype=np.bool_),
    }
    if previous is not None:
        for name, value in new.items():
            old = getattr(previous, name)
            new[name] = old + value if isinstance(value, list) else np.concatenate([old, value])
        if len(removed):
            new["alive"][np.isin(new["doc_ids"], np.asarray(removed, dtype=np.int64))] = False
    return Snapshot(**new, segments=segments, codes=codes, delta_from=delta_from, delta_text=text)


_CODED = ("org", "access", "alliance", "licence")
_SLICE = 25_000


def _visible(snap: Snapshot, who: Visibility) -> Bool:
    """service/access.py's rule, as a mask."""
    allowed = np.zeros(snap.size, dtype=np.bool_)
    public = snap.codes["access"].codes_of(["public"])
    if public:
        allowed |= snap.access == public[0]
    if who.org_id is not None:
        allowed |= np.isin(snap.org, snap.codes["org"].codes_of([who.org_id]))
    alliance = snap.codes["access"].codes_of(["alliance"])
    if who.alliances and alliance:
        allowed |= (snap.access == alliance[0]) & np.isin(snap.alliance, snap.codes["alliance"].codes_of(who.alliances))
    visible: Bool = allowed & (snap.live == who.livemode) & snap.alive
    return visible


def _filtered(snap: Snapshot, filters: dict[str, list[str]]) -> Bool:
    keep = np.ones(snap.size, dtype=np.bool_)
    for facet, values in filters.items():
        if not values:
            continue
        if facet in ("theme", "format"):
            table = BITS[facet]
            mask = 0
            for code in values:
                mask |= table.get(code, 0)
            bits = snap.theme_bits if facet == "theme" else snap.format_bits
            keep &= (bits & mask) != 0
        elif facet in ("publisher", "licence", "access"):
            name = "org" if facet == "publisher" else facet
            keep &= np.isin(getattr(snap, name), snap.codes[name].codes_of(values))
    return keep


def _match(snap: Snapshot, terms: list[str], allowed: Bool) -> tuple[Any, Any]:
    """Positions holding every term that ``allowed`` keeps, and their BM25 scores (negated:
    lower ranks first, as FTS5's ``bm25()``)."""
    lists = [snap.postings(t) for t in terms]
    if any(len(docs) == 0 for docs, _ in lists):
        return np.empty(0, np.int64), np.empty(0)
    shortest = min(range(len(lists)), key=lambda i: len(lists[i][0]))
    found = lists[shortest][0].astype(np.int64)
    found = found[allowed[found]]
    for docs, _ in lists:
        if len(found) == 0:
            break
        at = np.minimum(np.searchsorted(docs, found), len(docs) - 1)
        found = found[docs[at] == found]
    score = np.zeros(len(found))
    if len(found) == 0:
        return found, score
    rows, avg = snap.live_docs, snap.avg_length
    norm = _K1 * (1 - _B + _B * snap.length[found] / avg)
    for docs, freq in lists:  # in the query's term order, as FTS5 adds its phrases up
        hits = int(np.count_nonzero(snap.alive[docs]))
        idf = math.log((rows - hits + 0.5) / (hits + 0.5))
        f = freq[np.searchsorted(docs, found)].astype(np.float64)
        score += (idf if idf > 0 else 1e-6) * (f * (_K1 + 1.0)) / (f + norm)
    return found, -score


def _top(keys: Sequence[Any], positions: Any, k: int) -> Any:
    """The first ``k`` of ``positions`` ordered by ``keys`` (first key first), without
    sorting them all: a partition on the first key, then a sort of what ties at the cut."""
    if k < len(positions):
        cut = np.partition(keys[0], k - 1)[k - 1]
        keep = keys[0] <= cut
        positions, keys = positions[keep], [key[keep] for key in keys]
    order = np.lexsort(tuple(reversed(keys)))
    return positions[order[:k]]


def _facets(snap: Snapshot, found: Any) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for facet, name in (("publisher", "org"), ("licence", "licence"), ("access", "access")):
        counts = np.bincount(getattr(snap, name)[found], minlength=len(snap.codes[name].values))
        values, present = snap.codes[name].values, np.flatnonzero(counts)
        out[facet] = dict(zip([values[i] for i in present.tolist()], counts[present].tolist(), strict=True))
    for facet, bits in (("theme", snap.theme_bits[found]), ("format", snap.format_bits[found])):
        seen = int(np.bitwise_or.reduce(bits)) if len(bits) else 0  # count only the bits some match has
        out[facet] = {code: int(np.count_nonzero(bits & bit)) for code, bit in _FACET_BITS[facet] if seen & bit}
    return out


def search_snapshot(
    snap: Snapshot,
    terms: list[str],
    who: Visibility,
    filters: dict[str, list[str]],
    sort: str,
    offset: int,
    limit: int,
) -> StoreResult:
    """The same answer as the SQL search (search_sql.py): matches the caller may see under
    the filters, facet counts over all of them, one page in the requested order."""
    allowed = _visible(snap, who) & _filtered(snap, filters)
    if terms:
        found, score = _match(snap, terms, allowed)
    else:
        found, score = np.flatnonzero(allowed), None
    k = offset + limit
    if sort == "title":
        rank = snap.title_rank[found]
        keys: list[Any] = [rank]
    elif sort == "modified" or score is None:
        keys = [-snap.modified[found], -snap.doc_ids[found]]
    else:
        keys = [score, -snap.modified[found], -snap.doc_ids[found]]
    page = _top(keys, found, k)[offset:k] if k > offset and len(found) else found[:0]
    return StoreResult(
        total=len(found),
        facets=_facets(snap, found),
        page=[(snap.dataset_ids[i], int(snap.format_bits[i])) for i in page],
    )
