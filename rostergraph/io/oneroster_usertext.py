"""The plain rows of a bulk load's ``users.csv`` (and their ``demographics.csv`` rows) read
as whole columns, straight into the text of their records.

Most rows of a district's ``users.csv`` are alike but for their own strings: a student,
teacher or contact, its id given once, its cells free of anything JSON must escape (in
free text, names say, that is escaped: :func:`~rostergraph.io.cell_flags.json_escaped`). The
record the reader makes of such a row depends on its strings only through *which* are
empty, and on a few cells of few distinct values (the role, the ``orgSourcedIds`` and
``grades`` cells; an ``orgSourcedIds`` cell naming schools only by how many and their
district, its ids being the user's own strings: :mod:`~rostergraph.io.user_orgs`): its
*shape*. So the reader's own code (:class:`PlainRows`, the cells
no role took, the demographics, the mends at the end) is run once per shape, on a row
whose strings are placeholders, and its record's JSON text becomes a template; each row's
text is its shape's template filled with its cells (``str.format``, in C). No dict is
made per row, and no text is written and read back.

What the template cannot stand for takes the reader's row path as before, row by row and
in line order: a row that is not plain (another role, an id given twice, a quote or
backslash in an id, a userId or carry cell, ...), and a user whose demographics row is
not plain (given twice, a birth date that is no date, a cell that is no boolean): that
user's dict is made from its template as the row path had it after ``users.csv``
(*demoted*) before the row path reads its demographics. The column-wise rows tell no
problem (a shape that would is left to the row path), set the reader's ``alias`` and
``contact_role`` in line order, and their records reach the builder in line order among
the others, so the roster is the row path's, record for record, text for text. Their
graph and rule columns are repeated from their shape's template too
(:mod:`~rostergraph.io.shaped_users`): no text is decoded per user.

A bulk load without ``roles.csv`` or ``userProfiles.csv`` only (those change users from
other files), of tables pyarrow parsed whole.
"""

from __future__ import annotations

import copy
import re
from bisect import bisect_left
from collections.abc import Callable, Iterator
from functools import partial
from itertools import chain, pairwise, repeat
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from ..intcodes import distinct_codes
from ..model import parse_date
from ..roster import RosterBuilder
from .arrow_np import arrow_bools, arrow_ints, arrow_texts, numpy_of, text_scalar
from .arrow_templates import TemplateLayout, fill_templates, template_parts
from .cell_flags import (
    bit_words,
    bits_of,
    cell_codes,
    cell_sizes,
    clean_cells,
    distinct_rows,
    escaped_cells,
    nonempty_cells,
    placeholder_like,
    split_plainly,
    template_cells,
)
from .collect import line_texts
from .csv_arrow import cells_at, taken_by_block
from .csv_rowchecks import is_secret_column, row_dicts_at
from .enrollcols import canonical_role, live_status
from .oneroster_cols import CARRY_COLUMN, LISTS_COLUMN, USER_ID_COLUMN, WRITER_DEFAULTS, line_array
from .oneroster_grants import CONTACT_ROLES
from .oneroster_profiles import (
    STUDENT_CELLS,
    DemographicsState,
    demographics_target,
    put_demographics,
)
from .oneroster_users import (
    PENDING,
    PLAIN_ROLES,
    PlainRows,
    keep_unplaced,
)
from .parked import ParkedDicts
from .scan import MAX_STRING
from .shaped_users import UserShape
from .text_runs import TextRuns
from .user_orgs import OrgClasses

if TYPE_CHECKING:
    from .csvutil import CsvTable
    from .oneroster import _Reader

__all__ = ["COLUMN_USERS", "ColumnUsers", "plan_demographics", "plan_users"]

#: Whether a bulk load reads plain users column-wise (a switch for the tests that compare
#: it with the row path; never changed by the library).
COLUMN_USERS = True
#: A run of fewer column-wise users (between row-path records) goes to the builder as text:
#: a call by shape costs ~150 µs however few it hands (many quoted names make many such).
SHAPED_FROM = 64

_MARK = "\ue010"  # the key standing where a demographics row's cells go
_LINE = 987_654_321_987  # the line standing in a template's pending contact links
#: users.csv columns whose value (not only whether it is empty) shapes the record
_SHAPE_COLUMNS = ("role", "orgSourcedIds", "grades")
#: users.csv columns a plain row has empty (or, for the userId column, its own id)
_EMPTY_COLUMNS = ("primaryOrgSourcedId", LISTS_COLUMN, CARRY_COLUMN)
#: A placeholder's characters as a template's (:func:`_template`): its opening a brace, each
#: closing one; the text's own braces doubled.
_AS_FIELD = str.maketrans({"{": "{{", "}": "}}", "\ue000": "{", "\ue001": "}", "\ue002": "}",
                           "\ue004": "}"})
#: A placeholder of a shape's final text (a cell's, the contact's links) or the
#: demographics' place (:func:`_parts`).
_PLACE = re.compile("\ue000([0-9]+)[\ue001\ue002]|\ue003")
#: A field of a template (more than its fields when a cell of the shape holds "{0}": no
#: harm, that column is only read for nothing).
_FIELD = re.compile(r"\{([0-9]+)\}")
#: A contact's students in a template struct (each user's own, split from its cell).
_AGENTS = "\ue000A\ue001"
_UNSET: Any = object()
#: Rows filled and handed to the builder at a time.
_CHUNK = 16_384
#: More distinct shapes than this share of the rows (a template each) is no gain.
_SHAPES_PER_ROW = 0.05


def _holder(k: int, close: str = "\ue001") -> str:
    return f"\ue000{k}{close}"


def _template(text: str, specials: dict[str, str] | None = None) -> str:
    """``text`` as a ``str.format`` template: its braces doubled, each placeholder
    (:func:`_holder`) field ``{k}``, and each of ``specials`` (text → field) replaced. A
    template's text holds no private-use character but its placeholders' (a row whose
    cells hold one is left to the row path), so one table translates it.

    >>> _template('{"a":"\ue0001\ue001","b":[\ue003]}', {"\ue003": "{5}"})
    '{{"a":"{1}","b":[{5}]}}'
    """
    out = text.translate(_AS_FIELD)
    for got, field in (specials or {}).items():
        out = out.replace(got, field)
    return out


def _parts(text: str, n: int) -> tuple[list[str], list[int]]:
    """:func:`~rostergraph.io.arrow_templates.template_parts` of a shape's final text
    as :func:`_template` makes it (``n`` cells: the demographics' place field ``n + 1``),
    read from the placeholders themselves.

    >>> from rostergraph.io.arrow_templates import template_parts
    >>> text = '{"a":"\ue0001\ue001","b":[\ue0002\ue002]\ue003}'
    >>> _parts(text, 2) == template_parts(_template(text, {"\ue003": "{3}"}))
    True
    """
    literals, fields, at = [], [], 0
    for m in _PLACE.finditer(text):
        literals.append(text[at:m.start()])
        fields.append(int(m.group(1)) if m.group(1) is not None else n + 1)
        at = m.end()
    literals.append(text[at:])
    return literals, fields


def _scratch(rd: _Reader, sc: Any = None) -> Any:
    """A copy of reader ``rd`` that knows its orgs but no user, and tells nothing: the
    reader's code runs on it for one placeholder row. Given a copy made before (``sc``),
    that copy is emptied of the users it read, rather than a new one made."""
    if sc is None:
        sc = copy.copy(rd)
    sc.b = RosterBuilder(source="", format="oneroster")
    sc.alias, sc.users, sc.user_lines, sc.contact_role = {}, ParkedDicts(), {}, {}
    sc.agents, sc.role_cells, sc.column_users = {}, {}, None
    return sc


class _Shape:
    """The templates of one users.csv shape: the record's final text, and the user's dict
    after users.csv (for a user demoted to the row path)."""

    __slots__ = ("after", "columns", "contact", "demo_case", "fields", "final", "mid", "parts",
                 "role", "student")

    def __init__(self, sc: Any, reader: PlainRows, row: dict[str, str], opaque: list[str],
                 agents: int | None) -> None:
        """The templates of ``row``'s shape, read by ``reader`` on scratch reader ``sc``
        (:func:`_scratch`, emptied before)."""
        sid = row["sourcedId"]
        self.final = self.after = self.mid = ""  # (no final text: the row path's shape)
        self.parts: Any = ([""], [])  # (the final text's literals and fields)
        self.columns: Any = _UNSET  # (see ColumnUsers._columns_of)
        self.fields: frozenset[int] = frozenset()  # the cells its texts are filled with
        self.role: str | None = None
        self.contact = self.student = False
        self.demo_case = 0
        if not reader.read(row, _LINE):
            return
        keep_unplaced(sc)
        u = sc.users[sid]
        self.role = sc.contact_role.get(sid)
        self.contact = self.role is not None
        self.student = "student" in u.get("roles", {})
        n = len(opaque)
        after = orjson.dumps(u).decode()
        if after.count(str(_LINE)) != (PENDING in u):
            return  # (the stand-in line's digits elsewhere, a cell or an org id: not plain)
        self.after = _template(after, {str(_LINE): f"{{{n + 2}}}"})
        demographics_target(u)[_MARK] = 0
        d = sc._mended(sid, u) if sc._mends(sid, u) else u
        if sc.b.problems or sc.b.notes or sc.agents:
            return
        final = orjson.dumps(d).decode()
        if agents is not None and _holder(agents) in final:
            # a contact's links: one object per id of its agentSourcedIds cell, the cell's
            # commas made the text between two objects
            at = final.index(_holder(agents))
            start, end = final.rindex("{", 0, at), final.index("}", at) + 1
            obj = final[start:end]
            pre, post = obj.split(_holder(agents))
            self.mid = post + "," + pre
            final = final.replace(_holder(agents), _holder(n, "\ue002"))
        mark = orjson.dumps({_MARK: 0}).decode()[1:-1]
        at = final.index(mark)
        if final[at - 1] == ",":
            self.demo_case, final = 0, final.replace("," + mark, "\ue003", 1)
        elif final[at + len(mark)] == ",":
            self.demo_case, final = 2, final.replace(mark + ",", "\ue003", 1)
        else:
            self.demo_case, final = 1, final.replace(mark, "\ue003", 1)
        self.final = _template(final, {"\ue003": f"{{{n + 1}}}"})
        self.parts = _parts(final, n)  # (filled by pyarrow's kernels)
        self.fields = frozenset(map(int, _FIELD.findall(self.final + self.after)))
        if agents is not None and self.mid:  # (its cell also splits into the students)
            self.fields |= {agents}


#: A row path's user, as :meth:`TextRuns.add` takes it: its text or dict, and its mend.
Held = tuple[bytes | dict[str, Any], Callable[[dict[str, Any]], dict[str, Any]] | None]


class ColumnUsers:
    """The users.csv rows a bulk load reads column-wise (see the module's text)."""

    def __init__(self, t: CsvTable, rows: np.ndarray, rest: np.ndarray) -> None:
        self.header = t.header
        self.rest = rest  # table positions of the rows left to the row path
        self.pos = rows  # table positions of the column-wise rows
        self.lines = line_array(t.lines)[rows]
        self.opaque: list[str] = []  # the columns filled into templates, in field order
        self.arrays: list[Any] = []
        self.escape: dict[int, np.ndarray] = {}  # (cells to escape, by table position)
        self.sids: list[str] = []
        self.sid_array: Any = None  # (the same ids as pyarrow holds them)
        #: each row's shape; the contacts' rows (ascending) and roles: see take_shapes
        self.take_shapes([], np.zeros(0, np.int64))
        self.alive = np.ones(len(rows), dtype=bool)
        #: whether every own string of the row is short enough to need no check
        self.fits = np.ones(len(rows), dtype=bool)
        self.demoted = 0
        self.passwords = 0
        self.any_role = bool(len(rows))
        self.agents: int | None = None  # the field of the agentSourcedIds column
        self.registered = 0
        self.added = 0
        self.held: list[tuple[int, Held]] = []  # (see add_at)
        # demographics: each row's demographics row (-1: none), its fragment template
        self.demo_row = np.full(len(rows), -1, dtype=np.int64)
        self.demo_shape = np.zeros(len(rows), dtype=np.int64)
        self.demo_fmts: list[str] = []
        self._demo_layout: Any = _UNSET  # (demo_fmts laid out once, see arrow_templates)
        self._layout: Any = _UNSET  # (the shapes' final texts laid out once)
        self._demo_cases: np.ndarray | None = None  # (each shape's demo_case)
        self.demo_arrays: list[Any] = []

    def take_shapes(self, shapes: list[_Shape], inverse: np.ndarray) -> None:
        """Shapes ``shapes``, the rows' shape ``inverse[k]``; the contacts among them."""
        self.shape, self.shapes = inverse.astype(np.int64), shapes
        self._shape_objects = np.empty(len(shapes), dtype=object)  # (taken by numpy)
        self._shape_objects[:] = shapes
        roles = np.empty(len(shapes), dtype=object)
        roles[:] = [sh.role for sh in shapes]
        self.contacts = np.flatnonzero(np.array([sh.contact for sh in shapes], bool)[inverse])
        self.contact_roles: list[str] = roles[inverse[self.contacts]].tolist()

    # -- users.csv, in line order among the row path's rows ----------------------------
    def rest_rows(self, rd: _Reader, t: CsvTable) -> Iterator[tuple[int, dict[str, str]]]:
        """The rows left to the row path, as ``(line, row)``; before each, the column-wise
        rows above it set the reader's ids as the row path would have."""
        for line, row in row_dicts_at(t, self.rest):
            self.register(rd, line)
            yield line, row
        self.register(rd, None)

    def register(self, rd: _Reader, line: int | None) -> None:
        """Set ``alias`` and ``contact_role`` of the column-wise rows above ``line``
        (``None``: all)."""
        upto = len(self.sids) if line is None else int(np.searchsorted(self.lines, line))
        if upto <= self.registered:
            return
        sids = self.sids[self.registered:upto]
        rd.alias.update(zip(sids, sids))
        lo, hi = np.searchsorted(self.contacts, [self.registered, upto]).tolist()
        named = list(map(self.sids.__getitem__, self.contacts[lo:hi].tolist()))
        roles = self.contact_roles[lo:hi]
        if rd.contact_role.keys().isdisjoint(named):  # (the usual case: all at once)
            rd.contact_role.update(zip(named, roles))
        else:
            for sid, role in zip(named, roles):
                rd.contact_role.setdefault(sid, role)
        self.registered = upto

    # -- demotion and the end --------------------------------------------------------
    def demote(self, rd: _Reader, ks: Any) -> None:
        """Column-wise rows ``ks``' users handed to the row path: their dicts as the row
        path had them after users.csv, among the reader's users (their cells taken
        together: a whole table's users may go)."""
        ks = np.unique(np.asarray(ks, dtype=np.int64))
        ks = ks[self.alive[ks]]
        if not len(ks):
            return
        pos = self.pos[ks]  # (the cells as the templates take them)
        cols = [a.to_pylist() for a in escaped_cells(
            [taken_by_block(a, pos) for a in self.arrays], self.escape, pos)]
        afters = [sh.after for sh in self._shape_objects[self.shape[ks]].tolist()]
        lines = self.lines[ks].tolist()
        blank = repeat("")
        for k, text, line in zip(ks.tolist(), map(str.format, afters, *cols, blank, blank,
                                                   lines), lines):
            rd.users[self.sids[k]] = orjson.loads(text)
            rd.user_lines[self.sids[k]] = line
        self.alive[ks] = False
        self.demoted += len(ks)

    def add_at(self, b: Any, line: int, add: Held) -> None:
        """Hand the builder a row path's record (:data:`Held`) at ``line``, in line order
        among the column-wise rows: held until a batch of rows is due, so that the rows
        between two such records are not each a batch of their own (admins among users)."""
        self.held.append((line, add))
        upto = int(np.searchsorted(self.lines, line))
        if upto - self.added >= _CHUNK or len(self.held) >= _CHUNK:
            self._hand(b, upto)

    def add_before(self, b: Any, line: int | None) -> None:
        """Hand the builder the records of the column-wise rows above ``line`` (``None``:
        all) not handed yet, and those held, in line order."""
        self._hand(b, len(self.sids) if line is None else int(np.searchsorted(self.lines,
                                                                              line)))

    def _hand(self, b: Any, upto: int) -> None:
        """Rows up to ``upto`` (and every record held: each is above row ``upto``)."""
        while self.added < upto:
            end = min(upto, self.added + _CHUNK)
            ks = np.arange(self.added, end)[self.alive[self.added:end]]
            last = int(self.lines[end]) if end < len(self.lines) else None
            k = len(self.held) if end == upto else bisect_left(
                self.held, last, key=lambda h: h[0])
            held, self.held = self.held[:k], self.held[k:]
            self.added = end
            self._add(b, ks, held)
        held, self.held = self.held, []
        self._add(b, np.zeros(0, np.int64), held)

    def _add(self, b: Any, ks: np.ndarray, held: list[tuple[int, Held]]) -> None:
        """Hand the builder rows ``ks`` and the records ``held`` (``(line, add)``), in line
        order."""
        import pyarrow.compute as pc

        due = TextRuns(b, "users")  # (texts with the rows' about them: a call each cost 35 µs)
        if not len(ks):
            for line, (value, mend) in held:
                due.add(value, mend, file="users.csv", line=line)
            return due.flush()
        pos = self.pos[ks]
        first, size = int(pos[0]), int(pos[-1]) - int(pos[0]) + 1
        shapes = self._shape_objects[self.shape[ks]].tolist()
        # (a column no template of these rows fills, an empty one say, is not read)
        filled = set().union(*(sh.fields for sh in set(shapes)))
        run = size == len(pos)  # (a run of rows: sliced, no copy taken)
        arrays = [None if k not in filled else a.slice(first, size) if run
                  else taken_by_block(a, pos) for k, a in enumerate(self.arrays)]
        codes = self.shape[ks]
        used = np.unique(codes)
        local = np.full(len(self.shapes), -1, dtype=np.int64)
        local[used] = np.arange(len(used))
        codes = local[codes]
        chosen = [self.shapes[c] for c in used.tolist()]
        agents = (arrays[self.agents] if self.agents is not None else None)
        columns = [*escaped_cells(arrays, self.escape, pos),
                   self._rendered(agents, chosen, codes), self._fragments(ks)]
        if self._layout is _UNSET:  # (laid out once for every shape: see arrow_templates)
            self._layout = TemplateLayout.of([sh.parts for sh in self.shapes], tail="\n")
        texts = (self._layout.fill(self.shape[ks], columns) if self._layout is not None
                 else fill_templates([sh.parts for sh in chosen], codes, columns, tail="\n"))
        if texts is None:  # (templates ordering their cells in ways no one order keeps)
            py = [c.to_pylist() if c is not None else [""] * len(ks) for c in columns]
            texts = arrow_texts([(sh.final.format(*cells) + "\n").encode()
                                 for sh, cells in zip(shapes, zip(*py))])
        lines = self.lines[ks].tolist()
        # (a run of users whose columns their shapes give: no text decoded, see
        # shaped_users; the others' texts decoded for their columns)
        of = self._columns(b, chosen)
        user_shapes = [sc if sc is not None else UserShape() for sc in of]
        usable = np.array([sc is not None for sc in of], dtype=bool)[codes] & self.fits[ks]
        lo, hi = int(ks[0]), int(ks[-1]) + 1
        ids = self.sids[lo:hi] if hi - lo == len(ks) else [self.sids[k] for k in ks.tolist()]
        # (the cells a shape takes as the user's own strings, as str: emails, say)
        own = {k for sc in of if sc is not None for k in sc.own.values()}
        # (and those a shape takes as the user's own references, as pyarrow: its schools)
        refs_own = {k for sc in of if sc is not None for k in sc.ref_cells}
        strings = [a.to_pylist() if k in own and a is not None else
                   a if k in refs_own and a is not None else [] for k, a in enumerate(arrays)]
        # (whether each is a non-empty string without "@", in C: RG-USR-001's column)
        no_at = {k: (numpy_of(pc.binary_length(a)) > 0)
                 & ~numpy_of(pc.match_substring(a, pattern="@"))
                 for k, a in enumerate(arrays) if k in own and a is not None}
        # (the contacts' cells only, each split into its students once)
        said = (numpy_of(pc.binary_length(agents)) > 0 if agents is not None
                else np.zeros(len(ks), dtype=bool))
        linked = np.flatnonzero(said)
        named = np.zeros(len(ks), dtype=np.int64)
        refs: Any = []
        if agents is not None and len(linked):  # (split at its commas, no str made)
            split = pc.split_pattern(agents.filter(arrow_bools(said)), pattern=",")
            named[linked] = numpy_of(pc.list_value_length(split))
            refs = pc.list_flatten(split)
        at_ref = np.concatenate([[0], np.cumsum(named)])
        # (each held record before the first row below it)
        at = np.searchsorted(lines, [line for line, _ in held]).tolist()
        cuts = sorted({0, *(np.flatnonzero(np.diff(usable.view(np.int8))) + 1).tolist(),
                       *at, len(ks)})
        calls = iter(zip(at, held))
        call = next(calls, None)
        for start, end in pairwise(cuts):
            while call is not None and call[0] == start:
                due.add(*call[1][1], file="users.csv", line=call[1][0])
                call = next(calls, None)
            if usable[start] and end - start >= SHAPED_FROM:
                due.flush()
                lo, hi = int(at_ref[start]), int(at_ref[end])
                students = (named[start:end], refs[lo:hi])
                # (the run's own shapes only: a shape's columns are worked out per call)
                here, run_codes = distinct_codes(codes[start:end])
                b.add_shaped(texts.slice(start, end - start), ids[start:end],
                             lines[start:end], [user_shapes[c] for c in here.tolist()],
                             run_codes, [c[start:end] for c in strings], students,
                             file="users.csv",
                             no_at={k: v[start:end] for k, v in no_at.items()})
            else:
                due.extend(line_texts(texts.slice(start, end - start)), lines[start:end],
                           file="users.csv")
        while call is not None:  # (those below the last row)
            due.add(*call[1][1], file="users.csv", line=call[1][0])
            call = next(calls, None)
        due.flush()

    def _rendered(self, agents: Any, chosen: list[_Shape], codes: np.ndarray) -> Any:
        """Each row's contact links: its ``agentSourcedIds`` cell with its commas made the
        text between two links of its shape (``None``: no row has any)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if agents is None:
            return None
        mids = [sh.mid for sh in chosen]
        if not any(mids):
            return None
        # (a cell of one id is its own links in any shape, and a shape without links has
        # no such field: only the few cells naming several students are rewritten)
        listed = numpy_of(pc.match_substring(agents, pattern=","))
        out = agents
        for mid in dict.fromkeys(m for m in mids if m):
            mask = listed & np.array([m == mid for m in mids], dtype=bool)[codes]
            if mask.any():
                links = pc.replace_substring(agents.filter(arrow_bools(mask)), pattern=",",
                                             replacement=mid)
                if isinstance(links, pa.ChunkedArray):
                    links = links.combine_chunks()
                out = pc.replace_with_mask(out, arrow_bools(mask), links)
        return out

    def _columns(self, b: Any, chosen: list[_Shape]) -> list[UserShape | None]:
        """What the columns take from each user of each shape of ``chosen`` (worked out
        once per shape, from its template's struct, those not known yet together;
        ``None``: its users' texts are decoded instead)."""
        todo = [sh for sh in chosen if sh.columns is _UNSET]
        if todo:
            holders = [_holder(k) for k in range(len(self.opaque))]
            structs = [b.struct_of("users", sh.final.format(*holders, _AGENTS, "").encode())
                       for sh in todo]
            made = iter(UserShape.of_many([s for s in structs if s is not None],
                                          {h: k for k, h in enumerate(holders)}, _AGENTS))
            for sh, struct in zip(todo, structs):
                sh.columns = None if struct is None else next(made)
        return [sh.columns for sh in chosen]

    def _fragments(self, ks: np.ndarray) -> Any:
        """Each row's demographics cells as text, with the comma its template wants
        (``None``: no row has any)."""
        import pyarrow as pa

        rows = self.demo_row[ks]
        have = np.flatnonzero(rows >= 0)
        if not len(have):
            return None
        cols = [taken_by_block(a, rows[have]) for a in self.demo_arrays]
        if self._demo_cases is None:
            self._demo_cases = np.array([sh.demo_case for sh in self.shapes], dtype=np.int64)
        # (each fragment template thrice: the comma before it, none, after it, as the
        # user's shape wants; an empty one without)
        fmts = [("," + f, f, f + ",")[case] if f else "" for f in self.demo_fmts
                for case in range(3)]
        codes = self.demo_shape[ks[have]] * 3 + self._demo_cases[self.shape[ks[have]]]
        if self._demo_layout is _UNSET:
            self._demo_layout = TemplateLayout.of([template_parts(f) for f in fmts])
        frag = (self._demo_layout.fill(codes, cols) if self._demo_layout is not None
                else fill_templates([template_parts(f) for f in fmts], codes, cols))
        if frag is None:
            frag = arrow_texts([fmts[c].format(*cells).encode() for c, cells in
                                zip(codes.tolist(), zip(*(c.to_pylist() for c in cols)))])
        back = np.full(len(ks), len(have), dtype=np.int64)
        back[have] = np.arange(len(have))
        return pa.concat_arrays([frag, arrow_texts([b""])]).take(arrow_ints(back))


def _arrow_columns(t: CsvTable) -> dict[str, Any] | None:
    """A clean table's columns as pyarrow arrays (``None``: not parsed so, or repeated names)."""
    if not t.clean or not t.unique:
        return None
    cols = {name: t.arrow(name) for name in t.header}
    return None if any(col is None for col in cols.values()) else cols


def plan_users(rd: _Reader) -> None:
    """Parse ``users.csv`` and work out which of its rows the reader reads column-wise
    (see the module's text): ``rd.column_users`` then holds them, and the reader's
    ``rows()`` gives the others."""
    import pyarrow.compute as pc

    name = "users.csv"
    if not COLUMN_USERS or rd.base is not None or "roles.csv" in rd.bundle or (
            "userProfiles.csv" in rd.bundle) or name not in rd.bundle:
        return
    t = rd.table(name, "users")
    rd.parsed[name] = t
    cols = _arrow_columns(t) if t is not None else None
    if t is None or cols is None or "sourcedId" not in cols or live_status(t) or (
            placeholder_like(chain(t.header, rd.orgs, rd.org_school.values()))):
        return
    sid = cols["sourcedId"]
    ok = nonempty_cells(sid)
    if not t.distinct("sourcedId"):
        codes, _ = cell_codes(sid)
        ok &= np.bincount(codes)[codes] == 1
    for col in _EMPTY_COLUMNS:
        if col in cols:
            ok &= ~nonempty_cells(cols[col])
    alias_is_id = True
    if USER_ID_COLUMN in cols:
        joined = nonempty_cells(cols[USER_ID_COLUMN]) & numpy_of(
            pc.not_equal(cols[USER_ID_COLUMN], sid))
        ok &= ~joined
        if joined.any():  # (a user other rows join: theirs to merge, on the row path)
            alias_is_id = False
            named = pc.unique(cols[USER_ID_COLUMN].filter(arrow_bools(joined)))
            ok &= ~numpy_of(pc.is_in(sid, value_set=named))
    if "role" not in cols:
        return
    role_codes, role_cells = cell_codes(cols["role"])
    canon = [canonical_role(v) for v in role_cells]
    ok &= np.array([r in PLAIN_ROLES for r in canon], dtype=bool)[role_codes]
    contact = np.array([r in CONTACT_ROLES for r in canon], dtype=bool)[role_codes]
    agents = cols.get("agentSourcedIds")
    if agents is not None:
        named = nonempty_cells(agents)
        if (named & ~contact).any():  # (links from other rows: contacts on the row path)
            ok &= ~contact
        ok &= ~(named & ~contact)
        if not alias_is_id:
            ok &= ~(named & contact)
    fine, escape = template_cells({c: a for c, a in cols.items() if not is_secret_column(c)})
    ok &= fine
    if agents is not None:  # (a cell whose ids split as the row path splits them)
        ok &= split_plainly(agents)
    rows = np.flatnonzero(ok)
    if not len(rows):
        return
    # each row's shape: its role, orgs and grades cells, which of its other cells say
    # something (not empty, not the value the writer fills in)
    opaque = [c for c in t.header if c not in _SHAPE_COLUMNS and not is_secret_column(c)
              and c not in _EMPTY_COLUMNS and c != USER_ID_COLUMN]
    plans: dict[bool, Any] = {}
    sc = _scratch(rd)
    reader = PlainRows(sc, plans)  # (one reader for every shape: its memos hold across them)
    # (an orgSourcedIds cell naming schools: its ids the user's own strings, see user_orgs)
    orgs = OrgClasses.of(reader, cols["orgSourcedIds"], rows) if "orgSourcedIds" in cols else (
        OrgClasses(np.zeros(len(ok), np.int64), [""], 0))
    org_fields = list(range(len(opaque), len(opaque) + orgs.fields))
    parts = [role_codes[rows], orgs.codes[rows]]
    shape_values: list[list[Any]] = [role_cells, orgs.values]
    if "grades" in cols:
        c, v = cell_codes(cols["grades"])
        parts.append(c[rows])
        shape_values.append(v)
    else:
        parts.append(np.zeros(len(rows), np.int64))
        shape_values.append([""])
    says = np.empty((len(rows), len(opaque)), dtype=bool)
    for k, col in enumerate(opaque):
        said = nonempty_cells(cols[col])
        default = WRITER_DEFAULTS.get(col)
        if default is not None:
            said &= numpy_of(pc.not_equal(cols[col], text_scalar(default)))
        says[:, k] = said[rows]
    parts += bit_words(says)
    keys, inverse = distinct_rows(parts)
    keys = [key[:len(_SHAPE_COLUMNS)] + bits_of(key[len(_SHAPE_COLUMNS):], len(opaque))
            for key in keys]
    if len(keys) > max(64, _SHAPES_PER_ROW * len(rows)):
        return
    fields = {col: k for k, col in enumerate(opaque)}
    org_holders = [_holder(k) for k in org_fields]
    every = [*opaque, *(f"orgSourcedIds.{k}" for k in range(orgs.fields))]  # (the fields)
    shapes = []
    for key in keys:
        row = {}
        for col in t.header:
            if col == "orgSourcedIds":
                row[col] = orgs.probe(key[1], org_holders, reader.orgs)
            elif col in _SHAPE_COLUMNS:
                i = _SHAPE_COLUMNS.index(col)
                row[col] = shape_values[i][key[i]]
            elif col in fields:
                row[col] = _holder(fields[col]) if key[len(_SHAPE_COLUMNS) + fields[col]] else ""
            else:
                row[col] = ""
        sc = _scratch(rd, sc)
        shapes.append(_Shape(sc, reader, row, every, fields.get("agentSourcedIds")))
    good = np.array([bool(sh.final) for sh in shapes], dtype=bool)
    keep = good[inverse]
    if not keep.all():  # (a shape whose row would tell something: the row path's)
        rows, inverse = rows[keep], inverse[keep]
        ok[:] = False
        ok[rows] = True
    cu = ColumnUsers(t, rows, np.flatnonzero(~ok))
    cu.opaque = every
    cu.arrays = [cols[c] for c in opaque] + orgs.arrays(cols.get("orgSourcedIds"))
    cu.escape = {k: escape[c] for k, c in enumerate(opaque) if c in escape}
    for a in cu.arrays:  # (a cell over the typed decoder's bound in bytes: its row decoded)
        cu.fits &= cell_sizes(a)[rows] <= MAX_STRING
    cu.agents = fields.get("agentSourcedIds")
    chosen = np.zeros(len(ok), dtype=bool)
    chosen[rows] = True
    cu.sid_array = sid.filter(arrow_bools(chosen))  # (a filter: no chunks joined)
    cu.sids = cu.sid_array.to_pylist()
    cu.take_shapes(shapes, inverse)
    if "password" in cols:
        cu.passwords = int(nonempty_cells(cols["password"])[rows].sum())
    rd.column_users = cu
    rd.cuts[name] = partial(cu.rest_rows, rd)


def plan_demographics(rd: _Reader) -> None:
    """Parse ``demographics.csv`` and work out which of its rows go onto column-wise users
    without the row path; a column-wise user one of the others names is demoted (see the
    module's text)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cu: ColumnUsers | None = rd.column_users
    name = "demographics.csv"
    if cu is None or name not in rd.bundle or not cu.alive.any():
        return
    t = rd.table(name, "users")
    rd.parsed[name] = t
    if t is None:
        return
    cols = _arrow_columns(t)
    if cols is None or live_status(t) or placeholder_like(t.header):
        # (every row on the row path: their users too)
        cu.demote(rd, np.arange(len(cu.sids)))
        return
    n = len(t.lines)
    empty = arrow_texts([b""] * n)
    sid = cols.get("sourcedId", empty)
    key = pc.if_else(arrow_bools(nonempty_cells(sid)), sid, cols.get("userSourcedId", empty))
    known = cu.sid_array.combine_chunks()
    cu.sid_array = None  # (needed no more: its copy of the ids let go)
    found = pc.cast(pc.index_in(key, value_set=known), pa.int64())
    # (no fill_null with a Python value: converting one brings pandas in, half a second)
    user = numpy_of(pc.if_else(pc.is_valid(found), found, arrow_ints(np.full(n, -1))))
    ok = (user >= 0) & nonempty_cells(key)
    if n:
        codes, _ = cell_codes(key)
        ok &= np.bincount(codes)[codes] == 1
    ok[ok] &= cu.alive[user[ok]]
    for arr in cols.values():
        ok &= clean_cells(arr)
    dob_col = "birthDate" if "birthDate" in cols else "birthdate" if "birthdate" in cols else None
    if dob_col is not None:
        codes, values = cell_codes(cols[dob_col])
        if values:  # (a birth date that is no date: told by the row path)
            ok &= ~np.array([bool(v) and parse_date(v) is None for v in values])[codes]
    opaque = [c for c in t.header if c not in STUDENT_CELLS]
    student = np.array([sh.student for sh in cu.shapes], dtype=bool)[cu.shape[user.clip(0)]]
    parts = [student.astype(np.int64)]
    values_of: list[list[str]] = []
    for col in STUDENT_CELLS:
        if col in cols:
            c, v = cell_codes(cols[col])
        else:
            c, v = np.zeros(n, np.int64), [""]
        parts.append(c)
        values_of.append(v)
    for col in opaque:
        parts.append(nonempty_cells(cols[col]).astype(np.int64))
    at = np.flatnonzero(ok)
    keys, inverse = distinct_rows([p[at] for p in parts])
    fields = {col: k for k, col in enumerate(opaque)}
    fmts, good = [], []
    for shape_key in keys:
        row = {}
        for col in t.header:
            if col in STUDENT_CELLS:
                i = STUDENT_CELLS.index(col)
                row[col] = values_of[i][shape_key[1 + i]]
            else:
                says = shape_key[1 + len(STUDENT_CELLS) + fields[col]]
                row[col] = _holder(fields[col], "\ue004") if says else ""
        fmt = _fragment(rd, row, bool(shape_key[0]), dob_col)
        fmts.append(fmt or "")
        good.append(fmt is not None)
    good_rows = np.array(good, dtype=bool)[inverse] if len(at) else np.zeros(0, bool)
    taken = at[good_rows]
    rest = _others(n, taken)
    # the users the row path's rows name (as given, or with spaces around their ids):
    # demoted, so that it finds them
    named = user[rest]
    spaced: list[int] = []
    index = None
    for got in cells_at(key, rest):
        if got and got not in rd.alias:
            other = rd.match("users", got)
            if other != got:
                if index is None:
                    index = dict(zip(cu.sids, range(len(cu.sids))))
                at_user = index.get(rd.alias.get(other, other))
                if at_user is not None:
                    spaced.append(at_user)
    cu.demote(rd, np.concatenate([named[named >= 0], np.array(spaced, dtype=np.int64)]))
    # a plain row whose user those demoted goes the row path's way too (after a row naming
    # the user with spaces around its id, say: both rows apply, in line order)
    still = cu.alive[user[taken]]
    taken, shape_of = taken[still], inverse[good_rows][still]
    rest = _others(n, taken)
    ks = user[taken]
    cu.demo_row[ks] = taken
    cu.demo_shape[ks] = shape_of
    cu.demo_fmts = fmts
    cu.demo_arrays = [cols[c] for c in opaque]
    rd.cuts[name] = lambda t: row_dicts_at(t, rest)


def _others(n: int, taken: np.ndarray) -> np.ndarray:
    """The positions below ``n`` not in ``taken``, ascending (a mask: a set difference
    sorts both, 2.4 s beside a 1M-student district's demographics).

    >>> _others(5, np.array([3, 0])).tolist()
    [1, 2, 4]
    """
    left = np.ones(n, dtype=bool)
    left[taken] = False
    return np.flatnonzero(left)


def _fragment(rd: _Reader, row: dict[str, str], student: bool, dob_col: str | None
              ) -> str | None:
    """The demographics cells a row of this shape puts on a user as a template (the text
    between the braces of the dict they go to); ``None`` when the row tells something."""
    sc = _scratch(rd)
    u: dict[str, Any] = {"roles": {"student": {}}} if student else {}
    state = DemographicsState()
    if dob_col is not None and row[dob_col]:
        state.bad_date[row[dob_col]] = False  # (each row's own date is checked apart)
    put_demographics(sc, u, row, 2, "", state)
    if sc.b.problems or state.odd:
        return None
    target = demographics_target(u)
    text = orjson.dumps(target).decode()[1:-1]
    return _template(text)
