"""LazyTake columns: a Table gathering ids on first access behaves like an eager one."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rostergraph.table import LazyTake, Table

IDS = np.array([f"id{i}" for i in range(12)], dtype=object)


@st.composite
def lazy_and_eager(draw: st.DrawFn) -> tuple[Table, Table, list[int]]:
    idx = draw(st.lists(st.integers(0, len(IDS) - 1), max_size=30))
    cuts = sorted(draw(st.lists(st.integers(0, len(idx)), max_size=3)))
    parts = [np.asarray(idx[a:b], dtype=np.int32) for a, b in zip([0, *cuts], [*cuts, len(idx)])]
    n = [draw(st.integers(0, 5)) for _ in idx]
    lazy = Table({"user": LazyTake(IDS, parts), "n": n}, name="t")
    eager = Table({"user": IDS[np.asarray(idx, dtype=np.int64)], "n": n}, name="t")
    return lazy, eager, idx


@settings(max_examples=200, deadline=None)
@given(lazy_and_eager(), st.data())
def test_lazy_columns_equal_eager(tables: tuple[Table, Table, list[int]], data: st.DataObject
                                  ) -> None:
    """len, transforms and exports of a lazy table equal those of the eager table."""
    lazy, eager, idx = tables
    assert len(lazy) == len(eager) == len(idx)
    k = data.draw(st.integers(0, len(idx) + 1))
    mask = np.asarray(data.draw(st.lists(st.booleans(), min_size=len(idx),
                                          max_size=len(idx))), dtype=bool)
    assert lazy.head(k) == eager.head(k)
    assert lazy.take(mask) == eager.take(mask)
    assert lazy.select("user") == eager.select("user")
    assert lazy.sort_by("user", "n") == eager.sort_by("user", "n")
    assert lazy.to_csv() == eager.to_csv() and lazy.to_json() == eager.to_json()
    assert list(lazy) == list(eager) and lazy == eager
    assert lazy["user"].tolist() == eager["user"].tolist()
