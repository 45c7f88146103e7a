"""Students of several schools in a Clever SFTP ``students.csv``, read column-wise.

Clever's SFTP format gives a student enrolled in several schools one row per school, all
with the same ``Student_id``. The row path merges such rows: the first makes the student;
each later one adds its ``School_id`` to the student's schools, fills what the first left
empty, tells a problem for a cell that differs, and adds a contact group unless the
student has one equal to it. So when a repeated id's later rows equal its first row in
every cell but ``School_id`` (each contact group equal to the first row's, or empty), and
its rows name different schools, none empty, the student is the first row's user with
more schools, and nothing is told. Such a student is read column-wise as its first row,
its other rows' schools as extra cells of that row: extra column ``j`` holds, at a first
row, the school of its id's row ``j + 1`` (in line order), and an empty cell elsewhere.
A repeated id that is not so goes the row path, every row of it.

Examples
--------
>>> import numpy as np, pyarrow as pa
>>> cols = {"Student_id": pa.array(["s1", "s2", "s1", "s3", "s3"]),
...         "School_id": pa.array(["a", "a", "b", "a", "b"]),
...         "Name": pa.array(["Al", "Bo", "Al", "Cy", "Cyd"])}
>>> rep = repeated_students(cols, "School_id", ["Student_id", "Name"], [],
...                         np.array([0, 1, 0, 2, 2]), np.ones(5, dtype=bool))
>>> rep.ok.tolist(), rep.merged.tolist()
([True, True, False, False, False], [False, False, True, False, False])
>>> [x.tolist() for x in rep.extra], [a.to_pylist() for a in rep.extra_cells(cols["School_id"])]
([[2, -1, -1, -1, -1]], [['b', '', '', '', '']])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..columns import run_starts
from .arrow_np import arrow_joined, numpy_of, text_buffers
from .cell_flags import cell_sizes
from .csv_arrow import encoded_column, taken_by_block
from .enrollcols import first_rows

__all__ = ["MOST_ROWS", "Repeats", "repeated_students"]

#: The most rows (schools) of one id read column-wise: each extra school is a column of
#: the whole table, so a student in 300 schools would make 299 (the row path reads such
#: an id, every row of it).
MOST_ROWS = 5


class Repeats:
    """What :func:`repeated_students` found: per row of the table, whether it is read
    column-wise (``ok``) or merged into its id's first row (``merged``); and per extra
    school column, the row whose school each first row takes there (``-1``: none)."""

    __slots__ = ("extra", "merged", "ok")

    def __init__(self, ok: np.ndarray, merged: np.ndarray, extra: list[np.ndarray]) -> None:
        self.ok, self.merged, self.extra = ok, merged, extra

    def extra_cells(self, school: Any) -> list[Any]:
        """The extra school columns as pyarrow string arrays, one cell per row of the
        table (empty where the row takes no school there)."""
        out = []
        for rows in self.extra:  # (from buffers: pyarrow's own conversions import pandas)
            at = rows >= 0
            off, data = text_buffers(taken_by_block(school, rows[at]))
            sizes = np.zeros(len(rows), dtype=np.int64)
            sizes[at] = np.diff(off)
            out.append(arrow_joined(data[off[0]:off[-1]].tobytes(), sizes))
        return out

    def let_go(self, firsts: np.ndarray) -> None:
        """First rows ``firsts`` are not read column-wise after all: their ids' other rows
        go the row path with them."""
        for rows in self.extra:
            taken = rows[firsts]
            self.merged[taken[taken >= 0]] = False
            rows[firsts] = -1


def repeated_students(arrays: dict[str, Any], school: str, compared: list[str],
                      contact_groups: list[list[str]], codes: np.ndarray, ok: np.ndarray
                      ) -> Repeats:
    """Which rows of a ``students.csv`` table are read column-wise, given ``codes`` (each
    row's ``Student_id`` as a code) and ``ok`` (each row plain enough on its own): a row
    of an id given once as ``ok`` says; of an id given more than once, its first row, when
    all of the id's rows are ``ok`` and merge as the module's text says. ``compared``: the
    columns a later row must equal its first row in (every column but the school and the
    contact groups' ``contact_groups``)."""
    n = len(codes)
    counts = np.bincount(codes, minlength=1) if n else np.zeros(1, dtype=np.int64)
    once = counts[codes] == 1
    rep = np.flatnonzero(~once)
    merged = np.zeros(n, dtype=bool)
    if not len(rep) or school not in arrays:
        return Repeats(ok & once, merged, [])
    rc = codes[rep]
    order = np.lexsort((rep, rc))  # (an id's rows together, in line order)
    rep, rc = rep[order], rc[order]
    start = run_starts(rc[1:] != rc[:-1])
    starts = np.flatnonzero(start)
    group = np.cumsum(start) - 1
    first = rep[starts][group]  # (each row's id's first row)
    rank = np.arange(len(rep)) - starts[group]
    later = ~start
    good = ok[rep].copy()
    good &= cell_sizes(arrays[school])[rep] > 0
    # (a school given twice for one id: the row path's)
    good &= first_rows(group, encoded_column(taken_by_block(arrays[school], rep))[0])
    lr, lf = rep[later], first[later]
    same = np.ones(len(lr), dtype=bool)
    for c in compared:
        same &= _equal(arrays[c], lr, lf)
    for cols in contact_groups:  # (a later group empty, or equal to the first row's)
        empty = np.ones(len(lr), dtype=bool)
        equal = np.ones(len(lr), dtype=bool)
        for c in cols:
            empty &= cell_sizes(arrays[c])[lr] == 0
            equal &= _equal(arrays[c], lr, lf)
        same &= empty | equal
    good[later] &= same
    good &= (np.bincount(group, minlength=len(starts)) <= MOST_ROWS)[group]
    whole = (np.bincount(group, weights=~good, minlength=len(starts)) == 0)[group]
    out = ok & once
    out[rep[start & whole]] = True
    merged[rep[later & whole]] = True
    extra = []
    for j in range(1, int(rank[whole].max(initial=0)) + 1):
        rows = np.full(n, -1, dtype=np.int64)
        at = whole & (rank == j)
        rows[first[at]] = rep[at]
        extra.append(rows)
    return Repeats(out, merged, extra)


def _equal(col: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether the cells of pyarrow string column ``col`` at rows ``a`` equal those at
    rows ``b``, pair by pair."""
    import pyarrow.compute as pc

    if not len(a):
        return np.zeros(0, dtype=bool)
    return numpy_of(pc.equal(taken_by_block(col, a), taken_by_block(col, b)))
