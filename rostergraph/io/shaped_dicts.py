"""Row dicts made from columns, the rows that give the same keys together.

A reader that reads a file column by column still hands the builder one dict per row,
holding the keys the row gives in the row path's order. Testing each value for each row
costs a Python step per cell; instead the rows are grouped by the set of keys they give
(their *shape*: most files have a handful) and each group's dicts made by one
``dict(zip(...))`` per row over its columns' values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import repeat
from typing import Any

import numpy as np

from ..intcodes import distinct_codes

__all__ = ["dicts_by_shape"]

#: Keys that may be left out, at most (one bit of a row's shape each).
_MOST_OPTIONAL = 62


def dicts_by_shape(keys: Sequence[str], given: Sequence[np.ndarray | None],
                   cells: Callable[[int, np.ndarray], Iterable[Any]], n: int,
                   max_shapes: int | None = None) -> list[dict[str, Any]] | None:
    """Each of ``n`` rows' dict of the keys it gives, in the order of ``keys``.

    ``given[k]``: per row, whether it gives key ``k`` (``None``: every row does);
    ``cells(k, rows)``: key ``k``'s values at ``rows`` (ascending row numbers), in order.
    ``None`` when the rows take more than ``max_shapes`` sets of keys, or more than 62
    keys may be left out: the caller then tests each value.

    Examples
    --------
    >>> cols = [["a", "b", "c"], ["x", "", "z"]]
    >>> dicts_by_shape(["id", "name"], [None, np.array([True, False, True])],
    ...                lambda k, rows: [cols[k][i] for i in rows.tolist()], 3)
    [{'id': 'a', 'name': 'x'}, {'id': 'b'}, {'id': 'c', 'name': 'z'}]
    """
    some = [k for k, g in enumerate(given) if g is not None]
    if len(some) > _MOST_OPTIONAL:
        return None
    shape = np.zeros(n, dtype=np.int64)
    for bit, k in enumerate(some):
        shape |= given[k].astype(np.int64) << bit  # type: ignore[union-attr]
    shapes, of_row = distinct_codes(shape)
    if max_shapes is not None and len(shapes) > max_shapes:
        return None

    def made_of(bits: int, rows: np.ndarray) -> Iterable[dict[str, Any]]:
        have = [k for k in range(len(keys)) if given[k] is None or bits >> some.index(k) & 1]
        if not have:  # (rows that give no key)
            return ({} for _ in range(len(rows)))
        return map(dict, map(zip, repeat([keys[k] for k in have]),
                             zip(*[cells(k, rows) for k in have])))

    if len(shapes) == 1:
        return list(made_of(int(shapes[0]), np.arange(n)))
    made: list[Any] = [None] * n
    order = np.argsort(of_row, kind="stable")
    bounds = np.cumsum(np.bincount(of_row, minlength=len(shapes))).tolist()
    for s, (a, z) in enumerate(zip([0, *bounds[:-1]], bounds)):
        rows = order[a:z]
        for i, d in zip(rows.tolist(), made_of(int(shapes[s]), rows)):
            made[i] = d
    return made
