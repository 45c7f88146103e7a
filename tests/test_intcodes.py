"""intcodes gives what np.unique gives, by a table where the codes span little."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from rostergraph.intcodes import _small, distinct_codes, first_of_value

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


def test_a_table_is_used_only_where_the_span_is_small() -> None:
    """Codes spanning far more than their count (or negative) are sorted, never given a
    table that large; a dense run of codes is given one."""
    assert _small(np.array([0, 10**12, 5], dtype=np.int64)) is None
    assert _small(np.array([-1, 3], dtype=np.int64)) is None
    assert _small(np.arange(2000, dtype=np.int64)[::-1]) == 2000
