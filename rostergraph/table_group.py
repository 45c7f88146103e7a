"""Grouped aggregation for :class:`rostergraph.table.Table` (``t.group_by(...)``).

Groups are found with numpy (each key column coded to integers, the codes
combined), so grouping a million-row query result builds no Python object per
row except when coding string columns. Results are sorted by the key columns.

Examples
--------
>>> from rostergraph.table import Table
>>> t = Table({"school": ["a", "b", "a", "a"], "grade": ["1", "1", "2", "1"], "n": [1, 5, 2, 4]})
>>> t.group_by("school", "grade").agg(total=("n", "sum"), top=("n", "max")).to_dicts()
[{'school': 'a', 'grade': '1', 'total': 5, 'top': 4}, {'school': 'a', 'grade': '2', 'total': 2, 'top': 2}, {'school': 'b', 'grade': '1', 'total': 5, 'top': 5}]
>>> t.group_by("school").count().to_dicts()
[{'school': 'a', 'count': 3}, {'school': 'b', 'count': 1}]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .table import Table

__all__ = ["AGGREGATIONS", "GroupBy"]

#: The aggregation names :meth:`GroupBy.agg` accepts.
AGGREGATIONS = ("count", "sum", "mean", "min", "max", "nunique", "first", "list")


def _codes(col: np.ndarray) -> np.ndarray:
    """Integer codes of a column's values (equal values, equal codes)."""
    if col.dtype != object:
        return np.unique(col, return_inverse=True)[1].reshape(-1)
    seen: dict[Any, int] = {}
    return np.fromiter((seen.setdefault(_hashable(v), len(seen)) for v in col.tolist()),
                       dtype=np.int64, count=len(col))


def _hashable(value: Any) -> Any:
    """``value``, or for a list or dict (a findings table's ``ids`` and ``values``) a key
    equal for equal values."""
    if isinstance(value, (list, dict)):
        from .safety import json_dumps

        return (type(value).__name__, json_dumps(value, sort_keys=True))
    return value


class GroupBy:
    """The rows of a table grouped by key columns (made by ``Table.group_by``).

    Parameters
    ----------
    table:
        The table to group.
    keys:
        One or more column names.
    """

    def __init__(self, table: Table, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("group_by needs at least one key column")
        for k in keys:
            table[k]  # a missing column raises KeyError naming the columns
        self.table = table
        self.keys = tuple(keys)
        n = len(table)
        combined = np.zeros(n, dtype=np.int64)
        for k in self.keys:
            c = _codes(table[k])
            width = int(c.max()) + 1 if n else 1
            combined = combined * width + c
        _, first, inv = np.unique(combined, return_index=True, return_inverse=True)
        self._inv = inv.reshape(-1)
        self._first = first
        self.n_groups = len(first)

    def _keys_table(self) -> dict[str, np.ndarray]:
        return {k: self.table[k][self._first] for k in self.keys}

    def _finish(self, cols: dict[str, Any]) -> Table:
        # (the grouped table's own class makes the result: this module needs no import of it)
        out = type(self.table)({**self._keys_table(), **cols}, name=self.table.name)
        return out.sort_by(*self.keys) if len(out) else out

    def count(self) -> Table:
        """The key columns and ``count``, the rows in each group."""
        return self._finish({"count": np.bincount(self._inv, minlength=self.n_groups)})

    def agg(self, **named: tuple[str, str]) -> Table:
        """One row per group: the keys, then ``name=(column, how)`` for each keyword.

        ``how`` is one of ``count``, ``sum``, ``mean``, ``min``, ``max``,
        ``nunique``, ``first`` or ``list`` (the group's values as a list).
        """
        cols: dict[str, Any] = {}
        for out_name, spec in named.items():
            if not (isinstance(spec, tuple) and len(spec) == 2):
                raise ValueError(f"{out_name}=: expected (column, how), got {spec!r}")
            col_name, how = spec
            cols[out_name] = self._one(self.table[col_name], how, out_name)
        return self._finish(cols)

    def _one(self, col: np.ndarray, how: str, out_name: str) -> Any:
        inv, g = self._inv, self.n_groups
        if how == "count":
            return np.bincount(inv, minlength=g)
        if how == "first":
            return col[self._first]
        if how == "nunique":
            pairs = np.unique(np.stack([inv, _codes(col)]), axis=1)
            return np.bincount(pairs[0], minlength=g)
        if how == "list":
            order = np.argsort(inv, kind="stable")
            bounds = np.cumsum(np.bincount(inv, minlength=g))[:-1]
            return [part.tolist() for part in np.split(col[order], bounds)]
        if how in ("sum", "mean", "min", "max"):
            if col.dtype == object or col.dtype.kind not in "biuf":
                raise ValueError(f"{out_name}=: {how} needs a numeric column")
            vals = col.astype(np.int64) if col.dtype.kind == "b" else col
            if how in ("sum", "mean"):
                out = np.zeros(g, dtype=np.float64 if vals.dtype.kind == "f" else np.int64)
                np.add.at(out, inv, vals)
                if how == "mean":
                    return out / np.bincount(inv, minlength=g)
                return out
            out = vals[self._first].copy()
            (np.minimum if how == "min" else np.maximum).at(out, inv, vals)
            return out
        raise ValueError(f"{out_name}=: unknown aggregation {how!r} "
                         f"(one of {', '.join(AGGREGATIONS)})")
