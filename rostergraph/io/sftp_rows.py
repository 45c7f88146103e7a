"""Reading one Clever SFTP CSV file's rows: the table with Clever's column names
(a header in another case renamed, with a problem), ids matched ignoring spaces around
them, a row's references and mapped cells, required ids and dates. The records are
built by :mod:`rostergraph.io.clever_csv`, whose reader extends :class:`RowReader`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from functools import partial
from operator import itemgetter
from typing import Any

import numpy as np

from ..model import parse_date
from ..roster import RosterBuilder
from .bundle import Renamed
from .csv_rowchecks import row_text, rows_at
from .csvutil import Bundle, CsvTable, bundle_table
from .enrollcols import padded_message
from .limits import Limits
from .parked import ParkedDicts
from .sftp_columns import (
    OTHER_FILE_NAMES,
    REQUIRED,
    SFTP_PREFIX,
    ColumnPlan,
    column_plan,
    contact_clash_message,
    contact_columns,
    header_renames,
    lacking_message,
    near_misses,
    squash,
    unprefixed,
    visible,
)
from .spaced_ids import each_matched

__all__ = ["RowReader", "case_only_email", "contact_cells", "folded_email",
           "formula_message", "not_a_date"]

#: Each file's columns that name records of other files: (column, kind).
_REFERENCES: dict[str, tuple[tuple[str, str], ...]] = {
    **{f: (("School_id", "schools"),) for f in (
        "students.csv", "teachers.csv", "staff.csv", "admins.csv")},
    "sections.csv": (("School_id", "schools"), ("Teacher_id", "users"))}


class Places(Mapping[str, tuple[str, int]]):
    """Where each id was first read: ``places[id] = (file, line)``, kept as one ``int``
    per id (the line and the file's number) rather than a tuple: a million users' pairs
    were a million tuples among the reader's short-lived objects.

    Examples
    --------
    >>> at = Places()
    >>> at["u1"] = ("students.csv", 7)
    >>> at["u1"], "u1" in at, "u2" in at, len(at)
    (('students.csv', 7), True, False, 1)
    """

    __slots__ = ("_at", "_codes", "_files")

    def __init__(self) -> None:
        self._at: dict[str, int] = {}
        self._files: list[str] = []
        self._codes: dict[str, int] = {}

    def __setitem__(self, key: str, place: tuple[str, int]) -> None:
        file, line = place
        self._at[key] = line << 16 | self._code(file)  # (a read has a handful of files)

    def update_many(self, keys: list[str], file: str, lines: np.ndarray) -> None:
        """``self[key] = (file, line)`` for each of ``keys`` and ``lines``."""
        code = self._code(file)
        # (Python ints: numpy's steps cost more for the few keys of most calls)
        self._at.update(zip(keys, [line << 16 | code for line in lines.tolist()]))

    def _code(self, file: str) -> int:
        """``file``'s number (a new one for a file not seen yet)."""
        code = self._codes.get(file)
        if code is None:
            code = self._codes[file] = len(self._files)
            self._files.append(file)
        return code

    def __getitem__(self, key: str) -> tuple[str, int]:
        v = self._at[key]
        return self._files[v & 0xFFFF], v >> 16

    def __contains__(self, key: object) -> bool:
        return key in self._at

    def __iter__(self) -> Iterator[str]:
        return iter(self._at)

    def __len__(self) -> int:
        return len(self._at)


def case_only_email(staff: str, teacher: str) -> str:
    """The message for a staff row whose email is a teacher's only in another case or in
    spaces around it (no email in it: messages name ids only)."""
    return (f"the email of staff {staff!r} is that of teacher {teacher!r} only in another "
            "case or in spaces around it: not merged (Clever merges employees by email and "
            "keeps emails as the SIS sent them; if they are one person, give both rows one "
            "spelling)")


def folded_email(email: str) -> str:
    """``email`` as a near miss is compared: case-folded, without spaces around it.

    Examples
    --------
    >>> folded_email(" Ann@X.org ")
    'ann@x.org'
    """
    return email.strip().casefold()


def not_a_date(col: str, value: str) -> str:
    """The problem of a date cell in no form Clever's SFTP spec allows (never the value: a
    birth date is the student's); a whole number of 4 or 5 digits is named as what it
    likely is, a spreadsheet's day count (a date cell saved unformatted).

    Examples
    --------
    >>> "day count" in not_a_date("DOB", "42005"), "42005" in not_a_date("DOB", "42005")
    (True, False)
    """
    why = (" (a whole number: a spreadsheet's day count, as a date cell saved unformatted "
           "is written?)") if value.isascii() and value.isdigit() and 4 <= len(value) <= 5 else ""
    return (f"{col} is not a date{why} (Clever's SFTP dates: MM/DD/YYYY, M/D/YY, YYYY-MM-DD "
            "or YYYYMMDD); kept as given (the cell is in raw), left out of ISO 8601 outputs")


def formula_message(col: str, file: str) -> str:
    """The problem of the first id of a file written as a spreadsheet formula (``="00100"``),
    told once per file (no id in it: ``record_id`` names the record)."""
    return (f"the {col} cells of {file} are spreadsheet formulas (=\"...\", as a spreadsheet "
            "export keeps an id's leading zeros; this line is the first): each id is read as "
            "given, = and quotes included, so it names only ids written the same way; export "
            "the plain values")


def _getter(keys: list[Any]) -> Callable[[Any], tuple[str, ...]]:
    """``itemgetter`` of ``keys`` giving a tuple however many they are."""
    if not keys:
        return lambda row: ()
    get = itemgetter(*keys)
    return get if len(keys) > 1 else lambda row: (get(row),)


#: A students.csv's contact cells: (their columns, the group each is of, [(group's number in
#: the header, its fields, its first cell, after its last)]).
ContactCells = tuple[list[str], tuple[int, ...], list[tuple[str, tuple[str, ...], int, int]]]


def contact_cells(plan: ColumnPlan) -> ContactCells:
    """The contact groups of a students.csv :func:`column_plan` as one run of columns, so
    that a row's non-empty groups are found from one read of its contact cells.

    Examples
    --------
    >>> contact_cells(column_plan(
    ...     "students.csv", ["Student_id", "Contact_name", "Contact_2_name", "Contact_2_type"]))
    (['Contact_name', 'Contact_2_name', 'Contact_2_type'], (0, 1, 1), [('1', ('name',), 0, 1), ('2', ('name', 'type'), 1, 3)])
    """
    cols: list[str] = []
    owner: list[int] = []
    groups = []
    for g, (k, fields, names) in enumerate(plan[2]):
        groups.append((k, fields, len(cols), len(cols) + len(names)))
        cols.extend(names)
        owner.extend([g] * len(names))
    return cols, tuple(owner), groups


class RowReader:
    """The state of one SFTP read and the row-level steps every file shares."""

    def __init__(self, bundle: Bundle | Renamed, b: RosterBuilder, limits: Limits) -> None:
        self.bundle, self.b, self.limits = bundle, b, limits
        self.plans: dict[str, ColumnPlan] = {}  # file → its column_plan
        #: students.csv's contact cells: (their getter, the group of each, the groups)
        self.contact_plan: tuple[Callable[[Any], tuple[str, ...]], tuple[int, ...],
                                 list[tuple[str, tuple[str, ...], int, int]]] = (
                                     _getter([]), (), [])
        #: students.csv's columns and their getter, for a whole row's text (cell_rows)
        self.whole_row: tuple[list[str], Callable[[Any], tuple[str, ...]]] = ([], _getter([]))
        # (most kept as text between rows: every user is held until the last file)
        self.users = ParkedDicts()
        self.user_where = Places()
        self.emails: dict[str, str] = {}  # teacher email → user id
        self.folded_emails: dict[str, str] = {}  # the same, by folded_email()
        self.aliases: dict[tuple[str, str], str] = {}  # (role, SFTP id) → another user id
        self.sections: dict[str, dict[str, Any]] = {}
        self.section_where = Places()
        #: the sections' students as the enrollments' codes (listed_sections), if read
        #: column-wise
        self.student_lists: Any = None
        self.terms: dict[str, dict[str, Any]] = {}
        self.courses: dict[str, dict[str, Any]] = {}
        self.made: dict[Any, str] = {}  # the term and course ids constructed, by values
        #: (student, line, contact number, group, the group's number in the header), or a
        #: range of the column-wise rows' groups (sftp_students), in line order
        self.contacts: list[tuple[str, int, str, dict[str, str], str] | range] = []
        self.student_contacts: dict[str, list[int]] | None = None  # student → contacts
        #: contact → each student's first relationship, for a contact many students name
        self.named_by: dict[str, dict[str, dict[str, Any]]] = {}
        #: students.csv's rows read column-wise (a sftp_students.ColumnStudents), if any
        self.column_students: Any = None
        #: the contacts made from templates (a sftp_contacts.ShapedContacts), if any
        self.shaped_contacts: Any = None
        self.district: str | None = None
        #: kind → {id without spaces: id} of the ids with spaces around them
        self.padded: dict[str, dict[str, str]] = {"schools": {}, "users": {}, "sections": {}}
        self.formulas: set[str] = set()  # the files whose ids as formulas were told
        self.dates: dict[str, bool] = {}  # date cell → whether it is a date (read once)
        #: file → (column, kind, that kind's table) of its reference columns
        self.references: dict[tuple[str, bool], list[tuple[str, str, Collection[str]]]] = {}

    def rows(self, name: str, kind: str | None, t: CsvTable | None = None
             ) -> Iterator[tuple[int, dict[str, str]]]:
        """``(line, row dict)`` of the file's rows (``t``: its table, read already)."""
        t = self.table(name, kind) if t is None else t
        if t is None:
            return
        settle = self.users.settle  # (between two rows no user dict is in use)
        for line_row in t.dicts(consume=True):  # (the table is this generator's alone)
            settle()
            yield line_row

    def cell_rows(self, name: str, t: CsvTable, positions: np.ndarray | None = None
                  ) -> Iterator[tuple[int, dict[str, str], Sequence[str] | None]]:
        """:meth:`rows` of table ``t`` (of file ``name``; ``positions``: only the rows
        there, of a clean table, ascending), each with the row's cells; for a students.csv
        with contact columns the dict leaves those out (:attr:`contact_plan` reads them
        from the cells, and :meth:`row_text` gives the whole row): dicts of a hundred
        columns per row, most of them contact cells, were a fifth of the time to read the
        file."""
        settle = self.users.settle  # (between two rows no user dict is in use)
        plan = self.plans[name]
        if positions is not None:
            source: Iterator[tuple[int, Sequence[str]]] = rows_at(t, positions)
        else:
            source = t.rows(consume=True)  # (the table is this generator's alone)
        if not plan[2]:
            header, unique = t.header, t.unique
            for line, values in source:
                settle()
                yield line, (dict(zip(header, values)) if unique
                             else t.as_dict(list(values))), None
            return
        cols, owner, groups = contact_cells(plan)
        at = t.index  # (a column named twice: its first, as the dicts keep it)
        every = list(at)
        taken = set(cols)
        keep = [c for c in every if c not in taken]
        self.contact_plan = (_getter([at[c] for c in cols]), owner, groups)
        self.whole_row = (every, _getter([at[c] for c in every]))
        get = _getter([at[c] for c in keep])
        for line, cells in source:
            settle()
            yield line, dict(zip(keep, get(cells))), cells

    def row_text(self, row: dict[str, str], cells: Sequence[str] | None) -> str:
        """:func:`row_text` of a :meth:`cell_rows` row (with its cells left out of the dict,
        in the header's order; the dict's values, changed by :meth:`_references`, win)."""
        if cells is None:
            return row_text(row)
        every, get = self.whole_row
        whole = dict(zip(every, get(cells)))
        whole.update(row)
        return row_text(whole)

    def table(self, name: str, kind: str | None,
              coded: Callable[[str], bool] | None = None) -> CsvTable | None:
        """The file with Clever's column names, or None when it is absent or cannot load
        (``coded``: the columns to parse dictionary-encoded, see ``read_table``)."""
        if name not in self.bundle:
            return None
        t = bundle_table(self.bundle, name, self.b, kind=kind, limits=self.limits,
                         coded=coded)
        header = t.header
        renames = header_renames(name, header)
        for got, want in renames.items():
            why = ("Clever's SFTP column names are matched ignoring case, spaces, "
                   "underscores, dots and hyphens") if squash(got) == squash(want) else (
                   f"{name} names it {want}; {got} is "
                   f"{'staff.csv' if name == 'admins.csv' else 'admins.csv'}'s name"
                   ) if squash(got) in OTHER_FILE_NAMES.get(name, {}) else (
                   "Clever writes a teacher's number before id: Teacher_2_id, the first "
                   "Teacher_id") if squash(got)[-1:].isdigit() else (
                   "Clever numbers the second teacher or contact 2; the first has no number")
            if visible(got) != got:
                why += "; the name holds invisible characters or full-width letters"
            self.b.problem("other", f"column {got!r} read as {want!r} ({why})",
                           file=name, line=1, kind=kind, field=want)
        if renames:
            header = [renames.get(h, h) for h in header]
            t.rename(header)
        missing = [c for c in REQUIRED.get(name, ()) if c not in header]
        if header and missing:
            self.b.problem("other", lacking_message(header, missing), file=name, line=1,
                           kind=kind)
            return None
        self.plans[name] = plan = column_plan(name, list(dict.fromkeys(header)))
        for read, other in contact_columns(list(dict.fromkeys(header)))[1] if (
                name == "students.csv") else ():
            self.b.problem("other", contact_clash_message(read, other), file=name, line=1,
                           kind=kind, field=read)
        for col, want in near_misses(name, header, (c for c, _ in plan[1])):
            self.b.problem("other", f"column {col!r} is no Clever SFTP column of {name}; its "
                           f"cells are kept in extra as {SFTP_PREFIX + col!r} (is it "
                           f"{want!r}, misspelt? {want} is not in the header)",
                           file=name, line=1, kind=kind, field=col)
        for col, want in unprefixed(name, header, (c for c, _ in plan[1])):
            self.b.problem("other", f"column {col!r} is no Clever SFTP column of {name}; its "
                           f"cells are kept in extra as {SFTP_PREFIX + col!r} (is it "
                           f"{want!r}, without its prefix? {want} is not in the header)",
                           file=name, line=1, kind=kind, field=col)
        return t

    def match(self, kind: str, value: str) -> str:
        """The id of the ``kind`` record that ``value`` names: itself, or else the record
        whose id equals it once spaces around either are ignored (Clever matches ids so:
        ``" 123"`` in ``enrollments.csv`` is the student ``123``); ``value`` when none."""
        table = self._table(kind)
        if not value or value in table:
            return value
        got = value.strip()
        if got not in table:
            got = self.padded[kind].get(got, value)
        return got

    def matched(self, kind: str, values: list[str]) -> list[str]:
        """:meth:`match` of each of ``values`` (``values`` itself when each is an id read)."""
        table = self._table(kind)
        return each_matched(values, table, partial(self.match, kind))

    def _table(self, kind: str) -> Collection[str]:
        """The ids of the records (or record dicts) of ``kind`` read so far."""
        return self.b.kinds["schools"] if kind == "schools" else (
            self.users.ids if kind == "users" else self.sections)

    def _references(self, row: dict[str, str], file: str, line: int, kind: str,
                    rid: str, co_teachers: bool = True) -> None:
        """The row's references (:data:`_REFERENCES`, and ``Teacher_<n>_id`` unless
        ``co_teachers`` is false: all of the row's are empty) to the records they name,
        ignoring spaces around ids (:meth:`match`); each cell read so is a problem that
        keeps it as given (``raw``)."""
        refs = self.references.get((file, co_teachers))
        if refs is None:
            refs = self.references[(file, co_teachers)] = [
                (col, to, self._table(to)) for col, to in (
                    *_REFERENCES.get(file, ()),
                    *((c, "users") for c in (self.plans[file][3] if co_teachers else ())))]
        for col, to, table in refs:
            v = row.get(col)
            if v and v not in table:
                got = self.match(to, v)
                if got != v:
                    row[col] = got
                    self.b.problem("other", padded_message(col, v, got), file=file,
                                   line=line, kind=kind, record_id=rid, field=col, raw=v)

    def _padded_id(self, kind: str, rid: str) -> None:
        """Note a record id with spaces around it, for :meth:`match`."""
        if rid != rid.strip():
            self.padded[kind].setdefault(rid.strip(), rid)

    def _fill(self, d: dict[str, Any], row: dict[str, str], file: str) -> list[str]:
        """Put the row's cells on ``d``; a value already there (from an earlier row of the
        same user) stays, but an empty one (no value given) takes the row's. Returns the
        columns whose cell differs from the value kept."""
        fields, extra, _, _ = self.plans[file]
        differ = []
        for parents, run in fields:  # (in the table's order: keys keep it)
            cur: Any = d
            for part in parents:  # made (or a non-dict replaced) as set_path does
                nxt = cur.get(part)
                if not isinstance(nxt, dict):
                    nxt = cur[part] = {}
                cur = nxt
            for col, key in run:
                v = row[col]
                if cur.get(key, "") == "":  # (absent, or an empty cell of an earlier row)
                    if key not in cur or v:
                        cur[key] = v
                elif cur[key] != v:
                    differ.append(col)
        for col, key in extra:
            v = row[col]
            if d.get(key, "") == "":
                if key not in d or v:
                    d[key] = v
            elif d[key] != v:
                differ.append(col)
        return differ

    def _fill_new(self, d: dict[str, Any], row: dict[str, str], file: str) -> None:
        """:meth:`_fill` of a dict that holds none of the file's field and ``extra`` keys
        yet (a new record): the same keys set in the same order, with nothing to compare."""
        fields, extra, _, _ = self.plans[file]
        for parents, run in fields:
            cur: Any = d
            for part in parents:  # made (or a non-dict replaced) as _fill does
                nxt = cur.get(part)
                if not isinstance(nxt, dict):
                    nxt = cur[part] = {}
                cur = nxt
            for col, key in run:
                cur[key] = row[col]
        for col, key in extra:
            d[key] = row[col]

    def _need(self, row: dict[str, str], col: str, file: str, line: int,
              kind: str, cells: Sequence[str] | None = None) -> str | None:
        v = row.get(col)
        if not v:
            self.b.problem("no_id", f"row without {col}; not loaded", file=file, line=line,
                           kind=kind, raw=self.row_text(row, cells))
            return None
        if v[:2] == '="' and v[-1:] == '"' and len(v) > 3 and file not in self.formulas:
            self.formulas.add(file)
            self.b.problem("other", formula_message(col, file), file=file, line=line,
                           kind=kind, record_id=v, field=col)
        return v

    def _check_date(self, row: dict[str, str], col: str, file: str, line: int, kind: str,
                    rid: str | None) -> None:
        """A date in no form Clever's SFTP spec allows is kept as given, with a problem."""
        v = row.get(col)
        if not v:
            return
        ok = self.dates.get(v)
        if ok is None:  # (a district's birth dates repeat: each distinct one parsed once)
            ok = self.dates[v] = parse_date(v) is not None
        if not ok:
            # (the value in raw, not the message: a birth date is the student's, and raw
            # is what privacy modes leave out)
            self.b.problem("other", not_a_date(col, v), file=file, line=line,
                           kind=kind, record_id=rid, field=col, raw=v)
