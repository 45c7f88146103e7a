"""The contact groups of a Clever SFTP ``students.csv`` as columns.

A contact group is the ``Contact_*`` cells (``Contact_name``, ``Contact_2_sis_id``...) of
one row, for one contact. The row path makes each a tuple ``(student, line, k, group,
col_k)``, its cells a dict by field; the rows read column-wise
(:mod:`~rostergraph.io.sftp_students`) make them as pyarrow columns, a million groups
with no dict or ``str`` each. :class:`ContactCells` holds either, in order, as columns.

Examples
--------
>>> cells = ContactCells.of_entries([("s1", 2, "1", {"name": "Ann", "sis_id": "p1"}, "1"),
...                                  ("s2", 3, "2", {"name": "Bo"}, "2")])
>>> len(cells), cells.cells["sis_id"].to_pylist(), cells.fieldsets
(2, ['p1', None], [('name', 'sis_id'), ('name',)])
>>> cells.entries(np.array([1]))
[('s2', 3, '2', {'name': 'Bo'}, '2')]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from .arrow_np import arrow_ints, arrow_strs
from .sftp_columns import CONTACT_FIELDS

__all__ = ["FIELDS", "NOT_PLAIN", "ContactCells", "Entry", "large_strs"]

#: A contact group as the row path makes it: (student, line, its number k, its cells by
#: field, the number of its columns in the header).
Entry = tuple[str, int, str, dict[str, str], str]
#: The fields a contact group may have, in the order the header's columns are read.
FIELDS = tuple(f for f, _ in CONTACT_FIELDS)
#: What a row path's cell must not hold to be filled into a template as it is: what
#: JSON escapes, a placeholder's character (private use from U+E000), a lone surrogate.
NOT_PLAIN = re.compile('[\x00-\x1f"\\\\\ue000-\uefff\ud800-\udfff]')


def large_strs(values: Sequence[str | None]) -> Any:
    """A pyarrow ``large_string`` array of ``values`` (``None``: null), built from its
    buffers (``pa.array`` of a list would import pandas); a character UTF-8 cannot hold
    (a lone surrogate) is replaced (:data:`NOT_PLAIN` finds it in the value itself).

    >>> large_strs(["a", None, "é"]).to_pylist()
    ['a', None, 'é']
    """
    import pyarrow as pa

    valid = np.fromiter((v is not None for v in values), dtype=bool, count=len(values))
    arr = arrow_strs(["" if v is None else v for v in values], large=True,
                     errors="replace")
    bits = None if valid.all() else pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.Array.from_buffers(pa.large_string(), len(values),
                                 [bits, arr.buffers()[1], arr.buffers()[2]])


class ContactCells:
    """Contact groups as columns, in order (see the module's text): each group's
    ``students`` (a pyarrow string array); ``ks`` (its number, named in its id when it has
    no sis id) and ``col_ks`` (its columns' number in the header), as codes into
    ``labels``; ``lines``; ``fieldset``, which fields it has (an index into
    ``fieldsets``, tuples in the order the row path's dict has them); ``cells``, per
    field, a string array of the students' type (null where the group has no such
    field); and ``unplain``, the groups a cell of which no template may hold (see
    :data:`NOT_PLAIN`), where known as such."""

    __slots__ = ("cells", "col_ks", "fieldset", "fieldsets", "ks", "labels", "lines",
                 "students", "unplain")

    def __init__(self, students: Any, lines: np.ndarray, ks: np.ndarray, col_ks: np.ndarray,
                 labels: list[str], fieldset: np.ndarray, fieldsets: list[tuple[str, ...]],
                 cells: dict[str, Any], unplain: np.ndarray | None = None) -> None:
        self.students, self.lines, self.ks, self.col_ks = students, lines, ks, col_ks
        self.labels, self.fieldset, self.fieldsets, self.cells = labels, fieldset, fieldsets, cells
        self.unplain = np.zeros(len(lines), dtype=bool) if unplain is None else unplain

    def __len__(self) -> int:
        return len(self.lines)

    @classmethod
    def of_entries(cls, entries: Sequence[Entry]) -> ContactCells:
        """The row path's groups as columns."""
        n = len(entries)
        sets: dict[tuple[str, ...], int] = {}
        fieldset = np.fromiter((sets.setdefault(tuple(e[3]), len(sets)) for e in entries),
                               dtype=np.int64, count=n)
        labels: dict[str, int] = {}
        ks = np.fromiter((labels.setdefault(e[2], len(labels)) for e in entries),
                         dtype=np.int64, count=n)
        col_ks = np.fromiter((labels.setdefault(e[4], len(labels)) for e in entries),
                             dtype=np.int64, count=n)
        unplain = np.fromiter((NOT_PLAIN.search("".join((e[0], e[2], *e[3].values())))
                               is not None for e in entries), dtype=bool, count=n)
        return cls(large_strs([e[0] for e in entries]),
                   np.fromiter((e[1] for e in entries), dtype=np.int64, count=n),
                   ks, col_ks, list(labels), fieldset, list(sets),
                   {f: large_strs([e[3].get(f) for e in entries]) for f in FIELDS}, unplain)

    @classmethod
    def of_group(cls, students: Any, lines: np.ndarray, k: str, fields: tuple[str, ...],
                 columns: list[Any]) -> ContactCells:
        """Groups of one header group ``k`` (so each its number ``k``), of fields
        ``fields`` (cells ``columns``, one per field, string arrays of ``students``'
        type)."""
        import pyarrow as pa

        n = len(lines)
        by_field = dict(zip(fields, columns))
        cells = {f: by_field[f] if f in by_field else pa.nulls(n, students.type)
                 for f in FIELDS}
        zeros = np.zeros(n, dtype=np.int64)
        return cls(students, lines, zeros, zeros, [k], zeros, [fields], cells)

    @classmethod
    def joined(cls, parts: Sequence[ContactCells], order: np.ndarray | None = None
               ) -> ContactCells:
        """``parts``' groups one after another (then, with ``order``, those at ``order``:
        one copy of the cells, not two)."""
        sets: dict[tuple[str, ...], int] = {}
        labels: dict[str, int] = {}
        fieldset, ks, col_ks = [], [], []
        for p in parts:
            remap = np.array([sets.setdefault(s, len(sets)) for s in p.fieldsets] or [0],
                             dtype=np.int64)
            fieldset.append(remap[p.fieldset])
            named = np.array([labels.setdefault(k, len(labels)) for k in p.labels] or [0],
                             dtype=np.int64)
            ks.append(named[p.ks])
            col_ks.append(named[p.col_ks])

        def cat(values: list[np.ndarray]) -> np.ndarray:
            out = np.concatenate(values) if values else np.zeros(0, dtype=np.int64)
            return out if order is None else out[order]

        kind = _one_type([p.students for p in parts])
        return cls(_gathered([p.students for p in parts], order, kind),
                   cat([p.lines for p in parts]), cat(ks), cat(col_ks), list(labels),
                   cat(fieldset), list(sets),
                   {f: _gathered([p.cells[f] for p in parts], order, kind) for f in FIELDS},
                   cat([p.unplain for p in parts]).astype(bool))

    def take(self, at: np.ndarray) -> ContactCells:
        """The groups at positions ``at``, in that order."""
        idx = arrow_ints(at)
        return ContactCells(self.students.take(idx), self.lines[at], self.ks[at],
                            self.col_ks[at], self.labels, self.fieldset[at], self.fieldsets,
                            {f: c.take(idx) for f, c in self.cells.items()}, self.unplain[at])

    def entries(self, at: np.ndarray) -> list[Entry]:
        """The groups at positions ``at`` as the row path's tuples."""
        part = self.take(np.asarray(at, dtype=np.int64))
        cells = {f: c.to_pylist() for f, c in part.cells.items()}
        sets = [self.fieldsets[s] for s in part.fieldset.tolist()]
        labels = self.labels
        return [(student, line, labels[k], {f: cells[f][i] for f in fields}, labels[col_k])
                for i, (student, line, k, col_k, fields) in enumerate(zip(
                    part.students.to_pylist(), part.lines.tolist(), part.ks.tolist(),
                    part.col_ks.tolist(), sets))]


def _one_type(arrays: list[Any]) -> Any:
    """The string type all of ``arrays`` can be: theirs when they share one that holds
    them all together, else ``large_string``."""
    import pyarrow as pa

    kinds = {a.type for a in arrays if not pa.types.is_null(a.type)}
    if len(kinds) == 1:
        kind = kinds.pop()
        if kind == pa.large_string() or sum(a.nbytes for a in arrays) < 2**31 - 2**20:
            return kind
    return pa.large_string()


def _gathered(arrays: list[Any], order: np.ndarray | None, kind: Any) -> Any:
    """``arrays`` one after another, as ``kind`` (then at ``order``)."""
    import pyarrow as pa

    arrays = [a if a.type == kind else a.cast(kind) for a in arrays]
    if not arrays:
        return pa.nulls(0, kind)
    if order is None:
        return pa.concat_arrays(arrays)
    return pa.chunked_array(arrays, type=kind).take(arrow_ints(order)).combine_chunks()
