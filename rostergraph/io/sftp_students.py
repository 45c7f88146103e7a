"""The plain rows of a Clever SFTP ``students.csv`` read as whole columns, straight into
the text of their users.

A student read from one row of ``students.csv`` (its ``Student_id`` given once, plain,
with no space around it) is a record whose text depends on the row's strings only
through its *shape*: which of its cells are empty, and its ``School_id`` and ``Grade``
(a school reference and a grade are columns of the graph and the rules, not the user's
own strings). So the reader's own row code (``_person`` of
:mod:`rostergraph.io.clever_csv`'s reader) is run once per shape on a row of
placeholders, its user's JSON text made a template, and each row's text is its shape's
template filled with its cells by pyarrow's string kernels
(:class:`~rostergraph.io.arrow_templates.TemplateLayout`; a quote or a control character
in a name escaped first, :data:`FREE_TEXT`), parked as text
(:meth:`~rostergraph.io.parked.ParkedDicts.park_new`): no dict is made per row. The
rows' contact groups are taken from the contact columns as columns
(:class:`~rostergraph.io.contact_cells.ContactCells`), for
:mod:`~rostergraph.io.sftp_contacts`.

A student in several schools (Clever's SFTP format gives it a row per school, one id) is
read as its first row with its other rows' schools as extra cells, when its rows differ in
their school alone (:mod:`~rostergraph.io.sftp_repeats`).

What a template cannot stand for takes the row path, row by row, in line order among the
others: an id given twice otherwise, spaced or written as a formula, a school not read, a birth
date that is no date, a cell holding a quote, backslash, control character or
private-use character (from U+E000, the placeholders' own), a shape whose run on the
placeholders tells anything. The column-wise rows tell no problem, and are added to the
reader's users, places and contacts in line order before each row-path row, so the
reader's state after the file is the row path's. At the end, a run of column-wise
students no later file touched (still parked where they were put) reaches the builder
with its graph and rule columns repeated from the shape
(:mod:`~rostergraph.io.shaped_users`, in runs: :mod:`~rostergraph.io.handed_runs`): no text is decoded per user (a student with a cell
over 255 characters, or one a later file changed, goes as text, decoded, as the row
path's do).
"""

from __future__ import annotations

import copy
from bisect import bisect_left
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from ..intcodes import distinct_codes
from ..model import parse_date
from ..roster import RosterBuilder
from .arrow_np import text_buffers
from .arrow_templates import TemplateLayout, TemplateParts, placeholder, placeholder_parts
from .cell_flags import cell_sizes, distinct_rows, escaped_cells, plain_ids, template_cells
from .contact_cells import NOT_PLAIN, ContactCells
from .csv_arrow import cells_at, encoded_column, taken_by_block
from .handed_runs import Handed, unchanged_rows
from .parked import ParkedDicts
from .scan import MAX_STRING
from .sftp_repeats import repeated_students
from .sftp_rows import Places, contact_cells
from .shaped_users import UserShape

if TYPE_CHECKING:
    from .csvutil import CsvTable
    from .sftp_rows import RowReader

__all__ = ["COLUMN_STUDENTS", "ColumnStudents", "plan_students", "scratch_reader"]

#: Whether students.csv's plain rows are read column-wise (a switch for the tests that
#: compare it with the row path; never changed by the library).
COLUMN_STUDENTS = True

#: students.csv columns whose cells a student's text takes as they are: a quote, a
#: backslash or a control character in them is escaped into the text, not a reason to
#: read the row by the row path.
FREE_TEXT = frozenset({"First_name", "Middle_name", "Last_name", "Student_email",
                       "Student_number", "State_id", "Username"})

#: Rows filled at a time (their texts held until parked).
_CHUNK = 65_536


class _Template:
    """One shape's user text: its literals and cells (see arrow_templates), the text with
    placeholders (for its columns), and what the columns take from it."""

    __slots__ = ("columns", "parts", "text")

    def __init__(self, text: str, parts: TemplateParts) -> None:
        self.parts = parts
        self.text = text
        self.columns: UserShape | None = None


class ColumnStudents:
    """The students.csv rows read column-wise (see the module's text)."""

    def __init__(self, t: CsvTable, file: str, keep: list[str], pos: np.ndarray,
                 rest: np.ndarray) -> None:
        self.file = file
        self.keep = keep  # the row dict's columns (template cell k is keep[k]; the cells
        # after them, extra schools of a student in several: see plan_students)
        self.arrays = [t.arrow(c) for c in keep]
        self.pos = pos  # table positions of the column-wise rows
        self.rest = rest  # table positions of the rows left to the row path
        self.lines = np.asarray(t.lines)[pos] if len(pos) else np.zeros(0, np.int64)
        self.sids: list[str] = []
        self.shape = np.zeros(len(pos), np.int64)
        self.templates: list[_Template] = []
        self.layout: TemplateLayout | None = None
        self.fits = np.ones(len(pos), dtype=bool)  # every cell short enough for a struct
        self.places: list[int | bytes] = []  # each row's place, once parked
        #: the rows' contact groups, in line order: each one's row, and their cells
        self.contact_rows: list[int] = []
        self.contacts: ContactCells | None = None
        self.passwords = 0
        self.registered = 0
        self._texts: tuple[int, Any] | None = None  # (the chunk filled: its first row)
        self.own: dict[int, list[str]] = {}  # (the cells shapes take as own strings)
        #: by template cell, the rows (table positions) whose cell is escaped first
        self.escape: dict[int, np.ndarray] = {}

    # -- students.csv, in line order among the row path's rows -------------------------
    def register(self, rd: RowReader, line: int | None) -> None:
        """Add the column-wise rows above ``line`` (``None``: all) to the reader's users,
        places and contacts, as the row path would have."""
        upto = len(self.sids) if line is None else int(np.searchsorted(self.lines, line))
        while self.registered < upto:
            lo = self.registered
            first, texts = self._chunk(lo)
            hi = min(upto, first + len(texts))
            off, data = text_buffers(texts.slice(lo - first, hi - lo))
            self.places.extend(rd.users.park_new(self.sids[lo:hi], off, data))
            rd.user_where.update_many(self.sids[lo:hi], self.file, self.lines[lo:hi])
            a, z = bisect_left(self.contact_rows, lo), bisect_left(self.contact_rows, hi)
            if a < z:  # (their groups, as a range of the columns: see sftp_contacts)
                rd.contacts.append(range(a, z))
            self.registered = hi
        if line is None:  # (only the columns the end reads are held until then)
            self._texts = None
            own = {k for tm in self.templates if tm.columns is not None
                   for k in (*tm.columns.own.values(), *tm.columns.ref_cells)}
            self.arrays = [a if k in own else None for k, a in enumerate(self.arrays)]

    def _chunk(self, lo: int) -> tuple[int, Any]:
        """The filled texts of the chunk holding row ``lo`` (filled when first asked)."""
        got = self._texts
        if got is not None and got[0] <= lo < got[0] + len(got[1]):
            return got
        hi = min(len(self.sids), lo + _CHUNK)
        rows = self.pos[lo:hi]
        # (a quote or control character in a name escaped)
        arrays = escaped_cells([taken_by_block(a, rows) for a in self.arrays], self.escape, rows)
        assert self.layout is not None
        self._texts = (lo, self.layout.fill(self.shape[lo:hi], arrays))
        return self._texts

    # -- the end ---------------------------------------------------------------------
    def handed(self, users: ParkedDicts, carry: Any) -> Handed:
        """The column-wise rows whose users nothing changed since (still parked where
        they were put, no record of the extension file to merge, every cell short enough
        for a struct, a shape whose columns are known), in order, as
        :func:`~rostergraph.io.handed_runs.hand_in_order` hands them by their shapes."""
        shaped = np.array([tm.columns is not None for tm in self.templates], dtype=bool)
        ks = unchanged_rows(users, self.sids, self.places, self.fits & shaped[self.shape],
                            carry)
        self.places = []
        return self.sids, ks, self.hand, self.where

    def where(self, k: int) -> tuple[str, int]:
        """Where column-wise row ``k`` was read: its file and line."""
        return self.file, int(self.lines[k])

    def hand(self, b: Any, run: list[int], texts: Any) -> None:
        """Hand the builder column-wise rows ``run``, their texts ``texts``."""
        ks = np.array(run, dtype=np.int64)
        ids = [self.sids[k] for k in run]
        used, codes = distinct_codes(self.shape[ks])
        shapes = [self.templates[c].columns for c in used.tolist()]
        own = {k for s in shapes for k in s.own.values()}  # type: ignore[union-attr]
        for k in own - self.own.keys():  # (each own column made str objects once)
            self.own[k] = cells_at(self.arrays[k], self.pos)
        # (the cells a shape takes as the user's own references: its school)
        refs_own = {k for s in shapes for k in s.ref_cells}  # type: ignore[union-attr]
        strings = [[self.own[k][i] for i in run] if k in own else
                   cells_at(self.arrays[k], self.pos[ks]) if k in refs_own else []
                   for k in range(len(self.arrays))]
        b.add_shaped(texts, ids, self.lines[ks].tolist(), shapes, codes.reshape(-1), strings,
                     [], file=self.file)


def plan_students(rd: RowReader, t: CsvTable, file: str) -> ColumnStudents | None:
    """The rows of students.csv table ``t`` read column-wise (``None``: none is, and
    every row takes the row path)."""
    if not COLUMN_STUDENTS or not t.clean or not t.unique or len(rd.users) or not len(
            t.lines) or "Student_id" not in t.index:
        return None
    plan = rd.plans[file]
    taken = set(contact_cells(plan)[0])
    keep = [c for c in t.header if c not in taken]
    arrays = {c: t.arrow(c) for c in t.header}
    if any(a is None for a in arrays.values()):
        return None
    if rd.district is not None and NOT_PLAIN.search(rd.district):
        return None
    n = len(t.lines)
    ok = np.ones(n, dtype=bool)
    # (each cell goes into the text as it is, but free text escaped: see ColumnStudents)
    fine, escape = template_cells({c: arrays[c] for c in keep}, FREE_TEXT)
    ok &= fine
    sizes = [cell_sizes(arrays[c]) for c in keep]
    ok &= plain_ids(arrays["Student_id"])
    if "School_id" in arrays:  # (a school read, or none: a cell of the template)
        cc, vals = encoded_column(arrays["School_id"])
        known = rd.b.kinds["schools"]
        ok &= np.array([not v or v in known for v in vals], dtype=bool)[cc]
    # (the grade is part of the template: its code is the first of a row's shape)
    grade = encoded_column(arrays["Grade"]) if "Grade" in arrays else None
    parts = [grade[0]] if grade is not None else []
    if "DOB" in arrays:  # (a birth date that is no date: the row path tells it)
        cc, vals = encoded_column(arrays["DOB"])
        ok &= np.array([not v or parse_date(v) is not None for v in vals], dtype=bool)[cc]
    # (an id given once; or the rows of a student in several schools, as its first row)
    cols, _, groups = contact_cells(plan)
    rep = repeated_students(arrays, "School_id", [c for c in keep if c != "School_id"],
                            [cols[a:z] for _, _, a, z in groups],
                            encoded_column(arrays["Student_id"])[0], ok)
    ok = rep.ok
    extra = rep.extra_cells(arrays["School_id"]) if rep.extra else []
    sizes += [cell_sizes(a) for a in extra]
    rows = np.flatnonzero(ok)
    if not len(rows):
        return None
    nonempty = [(s[rows] > 0).astype(np.int64) for s in sizes]
    kinds, shape = distinct_rows([p[rows] for p in parts] + nonempty)
    cs = ColumnStudents(t, file, keep, rows, np.zeros(0, np.int64))
    cs.arrays += extra  # (cell len(keep) + j: a student's school of its row j + 2)
    cs.escape = {k: escape[c] for k, c in enumerate(keep) if c in escape}
    cs.fits = np.logical_and.reduce([s[rows] <= MAX_STRING for s in sizes])
    sc = scratch_reader(rd)
    good = []
    for k, key in enumerate(kinds):
        row = {}
        for j, c in enumerate(keep):
            if c == "Grade" and grade is not None:
                row[c] = grade[1][key[0]]
            else:
                row[c] = placeholder(j) if key[len(parts) + j] else ""
        more = [placeholder(len(keep) + j) for j in range(len(extra))
                if key[len(parts) + len(keep) + j]]
        tmpl = _template(sc, row, file, more)
        good.append(tmpl is not None)
        cs.templates.append(tmpl if tmpl is not None else _Template("", ([""], [])))
    layout = TemplateLayout.of([tm.parts for tm in cs.templates]) if any(good) else None
    if layout is None:
        return None
    fine = np.array(good, dtype=bool)[shape]
    if not fine.all():  # (a shape the row path tells something of: its rows go there)
        ok[rows[~fine]] = False
        rep.let_go(rows[~fine])
        rows, shape, cs.fits = rows[fine], shape[fine], cs.fits[fine]
        cs.pos = rows
        cs.lines = np.asarray(t.lines)[rows]
    cs.shape, cs.layout = shape, layout
    cs.rest = np.flatnonzero(~ok & ~rep.merged)
    cs.sids = cells_at(arrays["Student_id"], rows)
    if "Password" in arrays:  # (counted per row, as the row path counts them)
        given = sizes[keep.index("Password")] > 0
        cs.passwords = int(np.count_nonzero(given[rows]) + np.count_nonzero(given[rep.merged]))
    _contacts(cs, rd, t, arrays)
    _shape_columns(cs, rd.b)
    return cs


def scratch_reader(rd: RowReader) -> Any:
    """A copy of reader ``rd`` that knows its schools but no user, and tells nothing: for
    running the row path's own code on a row of placeholders."""
    sc = copy.copy(rd)
    sc.b = RosterBuilder(source="", format="clever-csv")
    sc.b.kinds["schools"] = rd.b.kinds["schools"]
    sc.users, sc.user_where, sc.contacts = ParkedDicts(), Places(), []
    sc.aliases, sc.emails, sc.folded_emails = {}, {}, {}
    sc.padded = {k: dict(v) for k, v in rd.padded.items()}
    sc.formulas = set(rd.formulas)
    sc.student_contacts, sc.references, sc.named_by = None, {}, {}
    return sc


def _template(sc: Any, row: dict[str, str], file: str, more: list[str]) -> _Template | None:
    """The template of placeholder row ``row``, followed by a row equal to it but for its
    school, each of ``more`` (``None``: their run tells something, or its user is not one
    text of its cells)."""
    sc.users, sc.user_where, sc.contacts = ParkedDicts(), Places(), []
    sc.b.problems.clear()
    sc.b.notes.clear()
    sc.dates = {row.get("DOB", ""): True}
    sc._person(2, row, None, file, "student", "Student_id")
    for k, school in enumerate(more):
        sc._person(3 + k, {**row, "School_id": school}, None, file, "student", "Student_id")
    if sc.b.problems or sc.b.notes or len(sc.users) != 1 or sc.aliases or sc.contacts:
        return None
    u = next(iter(sc.users.values()))
    text = orjson.dumps(u).decode()
    parts = placeholder_parts(text)
    return None if parts is None else _Template(text, parts)


def _contacts(cs: ColumnStudents, rd: RowReader, t: CsvTable, arrays: dict[str, Any]
              ) -> None:
    """Each column-wise row's non-empty contact groups, in line order, as columns (a
    student read once: each group keeps its number)."""
    cols, _, groups = contact_cells(rd.plans[cs.file])
    if not cols:
        return
    rows = cs.pos
    found_rows: list[np.ndarray] = []
    found_groups: list[np.ndarray] = []
    made: list[ContactCells] = []
    for g, (col_k, fields, start, end) in enumerate(groups):
        said = np.zeros(len(rows), dtype=bool)
        for c in cols[start:end]:
            said |= cell_sizes(arrays[c])[rows] > 0
        at = np.flatnonzero(said)
        if not len(at):
            continue
        made.append(ContactCells.of_group(
            taken_by_block(arrays["Student_id"], rows[at]), cs.lines[at], col_k, fields,
            [taken_by_block(arrays[c], rows[at]) for c in cols[start:end]]))
        found_rows.append(at)
        found_groups.append(np.full(len(at), g, dtype=np.int64))
    if not made:
        return
    at_row, group = np.concatenate(found_rows), np.concatenate(found_groups)
    order = np.lexsort((group, at_row))
    cs.contact_rows = at_row[order].tolist()
    cs.contacts = ContactCells.joined(made, order)


def _shape_columns(cs: ColumnStudents, b: Any) -> None:
    """What the graph and rule columns take from each shape's users (``None``: their
    texts are decoded at the end instead)."""
    holders = {placeholder(k): k for k in range(len(cs.arrays))}  # (extra schools too)
    todo = [(tm, b.struct_of("users", tm.text.encode())) for tm in cs.templates if tm.text]
    made = iter(UserShape.of_many([s for _, s in todo if s is not None], holders, None))
    for tm, struct in todo:
        tm.columns = None if struct is None else next(made)
