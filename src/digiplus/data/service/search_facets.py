"""Themes and formats as bit sets on the search documents: a dataset has several of each, and a
bit set lets one row carry them, one ``&`` filter them and one GROUP BY count them (ADR 0013).

The bit of a code is its position in the vocabulary below: append new codes at the end; a
change of order needs ``digiplus data reindex``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from digiplus.data.dcat.vocab import FILE_TYPES
from digiplus.data.vocab import FORMATS, THEMES

THEME_CODES: tuple[str, ...] = tuple(THEMES)
FORMAT_CODES: tuple[str, ...] = tuple(dict.fromkeys([*FILE_TYPES, *FORMATS]))
_THEME_BIT = {code: 1 << i for i, code in enumerate(THEME_CODES)}
_FORMAT_BIT = {code: 1 << i for i, code in enumerate(FORMAT_CODES)}
BITS = {"theme": _THEME_BIT, "format": _FORMAT_BIT}
assert len(THEME_CODES) < 63 and len(FORMAT_CODES) < 63  # noqa: S101  (a BIGINT holds them)


def bits_of(facet: str, codes: Iterable[str]) -> int:
    """The bit set of ``codes`` (a code outside the vocabulary has no bit: it matches nothing)."""
    table = BITS[facet]
    out = 0
    for code in codes:
        out |= table.get(code, 0)
    return out


def codes_of(facet: str, bits: int) -> list[str]:
    """The codes in a bit set, in vocabulary order."""
    return [code for code, bit in BITS[facet].items() if bits & bit]


def count_bits(facet: str, groups: Sequence[tuple[int, int]]) -> dict[str, int]:
    """Counts per code from (bit set, number of documents) pairs."""
    counts: dict[str, int] = {}
    for code, bit in BITS[facet].items():
        n = sum(count for bits, count in groups if bits & bit)
        if n:
            counts[code] = n
    return counts
