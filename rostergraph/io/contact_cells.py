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
    ``students``, ``ks`` (its number, named in its id when it has no sis id) and
    ``col_ks`` (its columns' number in the header), pyarrow ``large_string`` arrays;
    ``lines``; ``fieldset``, which fields it has (an index into ``fieldsets``, tuples in
    the order the row path's dict has them); ``cells``, per field, a ``large_string``
    array (null where the group has no such field); and ``unplain``, the groups a cell of
    which no template may hold (see :data:`NOT_PLAIN`), where known as such."""

    __slots__ = ("cells", "col_ks", "fieldset", "fieldsets", "ks", "lines", "students",
                 "unplain")

    def __init__(self, students: Any, lines: np.ndarray, ks: Any, col_ks: Any,
                 fieldset: np.ndarray, fieldsets: list[tuple[str, ...]],
                 cells: dict[str, Any], unplain: np.ndarray | None = None) -> None:
        self.students, self.lines, self.ks, self.col_ks = students, lines, ks, col_ks
        self.fieldset, self.fieldsets, self.cells = fieldset, fieldsets, cells
        self.unplain = np.zeros(len(lines), dtype=bool) if unplain is None else unplain

    def __len__(self) -> int:
        return len(self.lines)

    @classmethod
    def of_entries(cls, entries: Sequence[Entry]) -> ContactCells:
        """The row path's groups as columns."""
        sets: dict[tuple[str, ...], int] = {}
        fieldset = np.fromiter((sets.setdefault(tuple(e[3]), len(sets)) for e in entries),
                               dtype=np.int64, count=len(entries))
        unplain = np.fromiter((NOT_PLAIN.search("".join((e[0], e[2], *e[3].values())))
                               is not None for e in entries), dtype=bool, count=len(entries))
        return cls(large_strs([e[0] for e in entries]),
                   np.fromiter((e[1] for e in entries), dtype=np.int64, count=len(entries)),
                   large_strs([e[2] for e in entries]), large_strs([e[4] for e in entries]),
                   fieldset, list(sets),
                   {f: large_strs([e[3].get(f) for e in entries]) for f in FIELDS}, unplain)

    @classmethod
    def of_group(cls, students: Any, lines: np.ndarray, k: str, fields: tuple[str, ...],
                 columns: list[Any]) -> ContactCells:
        """Groups of one header group ``k`` (so each its number ``k``), of fields
        ``fields`` (cells ``columns``, one per field)."""
        import pyarrow as pa

        n = len(lines)
        same = arrow_ints(np.zeros(n, dtype=np.int64))
        label = large_strs([k]).take(same)
        by_field = dict(zip(fields, columns))
        cells = {f: _large(by_field[f]) if f in by_field else pa.nulls(n, pa.large_string())
                 for f in FIELDS}
        return cls(_large(students), lines, label, label, np.zeros(n, dtype=np.int64),
                   [fields], cells)

    @classmethod
    def joined(cls, parts: Sequence[ContactCells]) -> ContactCells:
        """``parts``' groups one after another."""
        import pyarrow as pa

        sets: dict[tuple[str, ...], int] = {}
        fieldset = []
        for p in parts:
            remap = np.array([sets.setdefault(s, len(sets)) for s in p.fieldsets],
                             dtype=np.int64)
            fieldset.append(remap[p.fieldset] if len(remap) else p.fieldset)

        def cat(arrays: list[Any]) -> Any:
            return pa.concat_arrays(arrays) if arrays else pa.nulls(0, pa.large_string())

        return cls(cat([p.students for p in parts]),
                   np.concatenate([p.lines for p in parts]) if parts else np.zeros(0, np.int64),
                   cat([p.ks for p in parts]), cat([p.col_ks for p in parts]),
                   np.concatenate(fieldset) if fieldset else np.zeros(0, np.int64), list(sets),
                   {f: cat([p.cells[f] for p in parts]) for f in FIELDS},
                   np.concatenate([p.unplain for p in parts]) if parts else None)

    def take(self, at: np.ndarray) -> ContactCells:
        """The groups at positions ``at``, in that order."""
        idx = arrow_ints(at)
        return ContactCells(self.students.take(idx), self.lines[at], self.ks.take(idx),
                            self.col_ks.take(idx), self.fieldset[at], self.fieldsets,
                            {f: c.take(idx) for f, c in self.cells.items()}, self.unplain[at])

    def entries(self, at: np.ndarray) -> list[Entry]:
        """The groups at positions ``at`` as the row path's tuples."""
        part = self.take(np.asarray(at, dtype=np.int64))
        cells = {f: c.to_pylist() for f, c in part.cells.items()}
        sets = [self.fieldsets[s] for s in part.fieldset.tolist()]
        return [(student, line, k, {f: cells[f][i] for f in fields}, col_k)
                for i, (student, line, k, col_k, fields) in enumerate(zip(
                    part.students.to_pylist(), part.lines.tolist(), part.ks.to_pylist(),
                    part.col_ks.to_pylist(), sets))]


def _large(col: Any) -> Any:
    import pyarrow as pa

    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
    return col if col.type == pa.large_string() else col.cast(pa.large_string())

