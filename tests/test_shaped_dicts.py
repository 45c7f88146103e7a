"""dicts_by_shape makes each row's dict of the keys it gives, as a row-by-row loop does."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from rostergraph.io.shaped_dicts import dicts_by_shape


@st.composite
def _columns(draw):
    n = draw(st.integers(0, 30))
    n_keys = draw(st.integers(1, 6))
    optional = [draw(st.booleans()) for _ in range(n_keys)]
    values = [[draw(st.sampled_from(["", "a", "b", "c"])) for _ in range(n)]
              for _ in range(n_keys)]
    for k, opt in enumerate(optional):
        if not opt:  # (a key every row gives)
            values[k] = [v or "z" for v in values[k]]
    return n, [f"k{k}" for k in range(n_keys)], values, optional


@given(_columns())
def test_each_row_gets_its_given_keys_in_order(cols) -> None:
    n, keys, values, optional = cols
    given = [np.array([bool(v) for v in col], dtype=bool) if opt else None
             for col, opt in zip(values, optional)]
    made = dicts_by_shape(keys, given, lambda k, rows: [values[k][i] for i in rows.tolist()],
                          n)
    want = [{key: col[i] for key, col, g in zip(keys, values, given) if g is None or g[i]}
            for i in range(n)]
    assert made == want
    assert all(list(d) == [k for k in keys if k in d] for d in made or [])


def test_too_many_shapes_or_optional_keys_leave_it_to_the_caller() -> None:
    flags = np.array([True, False, True, False])
    other = np.array([True, True, False, False])
    cells = lambda k, rows: ["v"] * len(rows)
    assert dicts_by_shape(["a", "b"], [flags, other], cells, 4, max_shapes=3) is None
    assert dicts_by_shape(["a", "b"], [flags, other], cells, 4, max_shapes=4) is not None
    many = [np.ones(2, dtype=bool)] * 63
    assert dicts_by_shape([f"k{i}" for i in range(63)], many, cells, 2) is None
