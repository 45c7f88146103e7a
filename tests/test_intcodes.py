"""intcodes gives what np.unique gives, by a table where the codes span little."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rostergraph.intcodes import distinct_codes, first_of_value

_codes = st.lists(st.integers(min_value=0, max_value=3000), max_size=200)
_wide = st.lists(st.integers(min_value=-(2**40), max_value=2**40), max_size=50)


@given(st.one_of(_codes, _wide), st.sampled_from([np.int64, np.int32]))
def test_distinct_codes_are_np_unique(values: list[int], dtype: type) -> None:
    arr = np.array(values, dtype=np.int64)
    if dtype is np.int32:
        arr = np.clip(arr, -(2**31), 2**31 - 1).astype(np.int32)
    distinct, inverse = distinct_codes(arr)
    want, want_inverse = np.unique(arr, return_inverse=True)
    assert distinct.tolist() == want.tolist()
    assert inverse.tolist() == want_inverse.reshape(-1).tolist()
    assert (distinct[inverse] == arr).all()


@given(st.one_of(_codes, _wide))
def test_first_of_value_is_np_unique_first_index(values: list[int]) -> None:
    arr = np.array(values, dtype=np.int64)
    got = first_of_value(arr)
    _, first, inverse = np.unique(arr, return_index=True, return_inverse=True)
    assert got.tolist() == first[inverse.reshape(-1)].tolist()


@pytest.mark.parametrize("fn", [distinct_codes, first_of_value])
def test_a_table_is_used_only_where_the_span_is_small(fn, monkeypatch) -> None:
    """Codes spanning far more than their count never get a table that large."""
    seen: list[int] = []
    real_zeros, real_full = np.zeros, np.full

    def zeros(n, *a, **k):
        seen.append(int(n))
        return real_zeros(n, *a, **k)

    def full(n, *a, **k):
        seen.append(int(n))
        return real_full(n, *a, **k)

    import rostergraph.intcodes as ic

    monkeypatch.setattr(ic.np, "zeros", zeros)
    monkeypatch.setattr(ic.np, "full", full)
    fn(np.array([0, 10**12, 5], dtype=np.int64))
    assert all(n < 10**6 for n in seen)
    fn(np.arange(2000, dtype=np.int64)[::-1])
    assert max(seen) >= 2000  # (a dense run does use the table)
