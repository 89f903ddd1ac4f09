"""Property tests for public ids: prefixed, unique, and ordered like their creation times."""

from __future__ import annotations

import re
from itertools import pairwise
from types import SimpleNamespace
from unittest import mock

from hypothesis import given
from hypothesis import strategies as st

from digiplus.core import ids

BODY = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")  # Crockford base32: no I, L, O, U
MAX_MS = 2**48 - 1
prefixes = st.from_regex(r"^[a-z]{1,6}$", fullmatch=True)


def _ids_at(milliseconds: list[int], prefix: str = "x") -> list[str]:
    """New ids made while the clock reads each of ``milliseconds`` in turn."""
    clock = iter(milliseconds)
    fake_time = SimpleNamespace(time=lambda: (next(clock) + 0.5) / 1000)  # mid-millisecond: no float rounding down
    with mock.patch.object(ids, "time", fake_time):
        return [ids.new_id(prefix) for _ in milliseconds]


@given(prefixes)
def test_an_id_is_its_prefix_and_26_crockford_characters(prefix: str) -> None:
    value = ids.new_id(prefix)
    head, _, body = value.partition("_")
    assert head == prefix
    assert BODY.match(body), value


@given(st.sampled_from(sorted(ids.PREFIXES)))
def test_id_for_uses_the_objects_prefix(object_name: str) -> None:
    assert ids.id_for(object_name).startswith(ids.PREFIXES[object_name] + "_")


def test_prefixes_are_distinct() -> None:
    assert len(set(ids.PREFIXES.values())) == len(ids.PREFIXES)


@given(st.integers(min_value=1, max_value=500))
def test_ids_are_unique(count: int) -> None:
    made = [ids.new_id("evt") for _ in range(count)]
    assert len(set(made)) == count


@given(st.lists(st.integers(min_value=0, max_value=MAX_MS), min_size=2, max_size=50))
def test_ids_sort_by_the_time_they_were_made(milliseconds: list[int]) -> None:
    made = _ids_at(milliseconds)
    for (t1, a), (t2, b) in pairwise(zip(milliseconds, made, strict=True)):
        if t1 < t2:
            assert a < b
        elif t1 > t2:
            assert a > b


@given(st.integers(min_value=0, max_value=MAX_MS), st.integers(min_value=2, max_value=200))
def test_ids_made_in_one_millisecond_keep_their_order(millisecond: int, count: int) -> None:
    made = _ids_at([millisecond] * count)
    assert made == sorted(made)
    assert len(set(made)) == count


@given(st.integers(min_value=0, max_value=MAX_MS))
def test_the_time_is_readable_from_the_id(millisecond: int) -> None:
    (made,) = _ids_at([millisecond])
    value = 0
    for char in made.partition("_")[2]:
        value = value * 32 + ids._ALPHABET.index(char)
    assert value >> 80 == millisecond
