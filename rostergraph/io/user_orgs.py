"""The ``orgSourcedIds`` cells of the plain ``users.csv`` rows as each user's own strings.

The column-wise users (:mod:`~rostergraph.io.oneroster_usertext`) make each row's text
from its shape's template. Were a row's ``orgSourcedIds`` cell part of its shape, a
district's users would take a shape per role, school and grade (24k of them for 2M users),
each run through the reader's own code once. But a cell naming one school (or a few
distinct schools) gives a record whose only trace of it is those ids, as the cell spells
them: where the reader puts the schools, the school, and (for a contact) the cell kept in
extra. Such cells are told apart only by how many ids they name and the district they give
the user; each of their ids is a per-user string filled into the template like a name.

A cell is taken so when the reader's own reading of it (:meth:`PlainRows.orgs_of
<rostergraph.io.oneroster_users.PlainRows.orgs_of>`) gives its ids, as written and
distinct, as its orgs and as their schools: no id that is a district, a department of a
school, spelt with spaces, or named twice. Any other cell stays part of its shape.

Examples
--------
>>> import pyarrow as pa
>>> class Reader:  # (what a PlainRows gives for these cells)
...     orgs = {"s1": (["s1"], ["s1"], "d1"), "s1,s2": (["s1", "s2"], ["s1", "s2"], "d1"),
...             "d1": (["d1"], [], "d1")}
...     def orgs_of(self, cell): return self.orgs[cell]
>>> col = pa.chunked_array([["s1", "d1", "s1,s2", "s1"]])
>>> oc = OrgClasses.of(Reader(), col, np.arange(4))
>>> oc.codes.tolist(), oc.values, oc.fields
([0, 3, 1, 0], [(1, 'd1'), (2, 'd1'), 's1', 'd1', 's1,s2'], 2)
>>> [a.to_pylist() for a in oc.arrays(col)]
[['s1', 'd1', 's1', 's1'], ['', '', 's2', '']]
>>> oc.probe(1, ["<a>", "<b>"], Reader.orgs), Reader.orgs["<a>,<b>"]
('<a>,<b>', (['<a>', '<b>'], ['<a>', '<b>'], 'd1'))
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from .arrow_np import arrow_bools, arrow_joined, arrow_strs
from .cell_flags import cell_codes
from .csv_arrow import cells_at

__all__ = ["MAX_ORGS", "OrgClasses"]

#: The most ids a cell taken as per-user strings names (each is a template field).
MAX_ORGS = 4


class _OrgsOf(Protocol):
    def orgs_of(self, cell: str | None) -> tuple[list[str], list[str], str | None]: ...


class OrgClasses:
    """Each row's ``orgSourcedIds`` part of its shape (see the module's text)."""

    __slots__ = ("codes", "fields", "values")

    def __init__(self, codes: np.ndarray, values: list[Any], fields: int) -> None:
        self.codes = codes  # per table row: its code (meaningful at the rows asked for)
        #: per code: ``(how many ids, the district)`` for the cells whose ids are the
        #: user's own strings, the cell itself for any other
        self.values = values
        self.fields = fields  # the most ids of a cell taken so (a field each)

    @classmethod
    def of(cls, reader: _OrgsOf, col: Any, rows: np.ndarray) -> OrgClasses:
        """The classes of pyarrow column ``col``'s cells at ``rows`` (``reader`` reads
        a cell as the row path reads it)."""
        codes, cells = cell_codes(col)
        used = np.unique(codes[rows]).tolist() if len(rows) else []
        classes: dict[tuple[int, str | None], int] = {}
        of_cell: dict[int, int] = {}
        for c in used:
            cell = cells[c]
            ids = cell.split(",")
            if not cell or len(ids) > MAX_ORGS or len(set(ids)) != len(ids):
                continue
            orgs, schools, dist = reader.orgs_of(cell)
            if orgs == ids and schools == ids:
                of_cell[c] = classes.setdefault((len(ids), dist), len(classes))
                # (a class's code, in first-met order)
        values: list[Any] = list(classes)
        remap = np.arange(len(cells), dtype=np.int64) + len(values)
        for c, k in of_cell.items():
            remap[c] = k
        values += cells
        fields = max((m for m, _ in classes), default=0)
        return cls(remap[codes] if len(codes) else codes, values, fields)

    def arrays(self, col: Any) -> list[Any]:
        """Per field: each row's id at that place of its cell (``""`` where it has none;
        any text in a row of no class: its template reads none)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if self.fields <= 1:
            return [col] if self.fields else []
        # (the cells of several ids are few: split in Python, put in by a mask; a regex
        # over every cell was 20 times as long)
        several = [k for k, v in enumerate(self.values) if isinstance(v, tuple) and v[0] > 1]
        mask = np.isin(self.codes, several)
        split = [cell.split(",") for cell in cells_at(col, np.flatnonzero(mask))]
        whole = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
        empty = arrow_joined(b"", np.zeros(len(whole), dtype=np.int64))
        out = []
        for j in range(self.fields):
            ids = arrow_strs([i[j] if j < len(i) else "" for i in split])
            out.append(pa.chunked_array([pc.replace_with_mask(whole if j == 0 else empty,
                                                              arrow_bools(mask), ids)]))
        return out  # (chunked, as the table's columns are)

    def probe(self, code: int, holders: list[str],
              memo: dict[str | None, tuple[list[str], list[str], str | None]]) -> str:
        """The cell a placeholder row of code ``code`` is given: for a class, its ids'
        placeholders (``holders``, a field each) joined, the reader's memo of that cell
        (``memo``) set to what it reads in any of the class's cells."""
        value = self.values[code]
        if isinstance(value, str):
            return value
        m, dist = value
        ids = holders[:m]
        cell = ",".join(ids)
        memo[cell] = (list(ids), list(ids), dist)
        return cell

