"""The contacts of a Clever SFTP ``students.csv``: each contact group (the
``Contact_*`` cells of one row) onto its contact user, most of them with no dict per
contact.

A contact's id is ``Contact_id`` when given, else ``"sftp-contact:" + Contact_sis_id``
(so siblings share a contact), else ``"sftp-contact:<Student_id>:<k>"``. A contact named
again keeps its first values and its first relationship to each student; another value
is a problem (:func:`apply_one`, the row path).

Most contacts are named by one student, or by siblings with the same cells (each its
own relationship and type), and their user's text then depends on their cells only
through its *shape*: which fields the header has and which are empty, and how many
students name it. So :func:`apply_contacts` runs :func:`apply_one` once per
shape on a group of placeholders, makes its user's JSON text a template, and writes each
such contact's text by filling its shape's template with its cells, pyarrow's string
kernels over the groups as columns (:mod:`~rostergraph.io.contact_cells`, which the
column-wise students make with no dict or ``str`` per group): no dict is made per
contact. At the end of the read, the contacts nothing changed since are handed to the
builder with their graph and rule columns repeated from their shape
(:mod:`~rostergraph.io.shaped_users`), as the column-wise students are
(:mod:`~rostergraph.io.sftp_students`): no text is decoded per contact.

A contact takes the row path, as every contact once did, when one of its cells holds a
character JSON escapes, a private-use character from U+E000 to U+EFFF (the placeholders'
own) or more bytes than the decoder's bound on a string's characters, when its id is a
user's already, when it is named again with other cells or twice by one student, or
when more than 64 students name it. Every contact does when no row of ``students.csv``
is read column-wise, when the upload's district id is not plain, or when its contacts
come in more than 4,096 shapes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from ..intcodes import distinct_codes
from .arrow_np import (
    arrow_bools,
    arrow_ints,
    arrow_strs,
    ints_or,
    numpy_of,
    text_buffers,
    text_scalar,
)
from .arrow_templates import TemplateLayout, TemplateParts, placeholder, placeholder_parts
from .cell_flags import cell_sizes, clean_cells, distinct_rows
from .contact_cells import FIELDS, NOT_PLAIN, ContactCells, Entry
from .csv_rowchecks import row_text
from .handed_runs import Handed, unchanged_rows
from .parked import ParkedDicts
from .scan import MAX_STRING
from .sftp_columns import CONTACT_FIELDS
from .sftp_rows import Places
from .sftp_students import scratch_reader
from .shaped_users import UserShape, spans

if TYPE_CHECKING:
    from .sftp_rows import RowReader

__all__ = ["SHAPED_CONTACTS", "ShapedContacts", "apply_contacts", "apply_one", "contact_column",
           "contact_id"]

#: Whether contacts are made from per-shape templates (a switch for the tests that
#: compare it with the row path; never changed by the library).
SHAPED_CONTACTS = True

_REL, _ROLE = "rel", "role"
#: contact field → where a new contact keeps it: (_REL, key) on the relationship, (_ROLE,
#: key) on the contact role, ("name", "last") or ("email", "") on the user; None: the id
_CONTACT_PLACES: dict[str, tuple[str, str] | None] = {
    f: None if path is None else (_REL, path[4:]) if path[:4] == "rel." else (
        (_ROLE, path[14:]) if path[:14] == "roles.contact." else (
            ("name", "last") if path == "name.last" else ("email", "")))
    for f, path in CONTACT_FIELDS}
#: The contact fields a contact named again takes, in CONTACT_FIELDS order, with their
#: places (the key of ``("email", "")`` is the user's ``email``)
_AGAIN_PLACES = [(f, (w[0], w[1] or w[0])) for f, w in _CONTACT_PLACES.items() if w is not None]
_ABSENT: Any = object()

#: A template's per-contact strings: its id (0), each field's cell (1 + its index in
#: CONTACT_FIELDS), and for the ``i``-th student naming it, the student (_STUDENT + 3i),
#: its relationship (+ 1) and type (+ 2).
_STUDENT = 16
#: The fields each student naming a contact gives its own of (the others are the
#: contact's, the same from every student).
_PER_STUDENT = ("relationship", "type")
_FIELD = {f: 1 + k for k, (f, _) in enumerate(CONTACT_FIELDS)}
_NAMES = {k: f for f, k in _FIELD.items()}
#: Students naming one contact, at most, for its template (a template per count).
_MAX_NAMED = 64
#: Relationships of one contact read one by one for a student's; from this many on, a
#: dict of them (a sis id that an SIS gives every student was a scan per row: minutes).
_SCAN_NAMED = 32
#: Shapes at most (further ones take the row path).
_MAX_SHAPES = 4096
#: Contacts parked at a time.
_PARK = 65_536


def contact_column(k: str, field: str) -> str:
    """The students.csv column of contact group ``k``'s ``field``.

    >>> contact_column("1", "name"), contact_column("2", "sis_id")
    ('Contact_name', 'Contact_2_sis_id')
    """
    return f"Contact_{field}" if k == "1" else f"Contact_{k}_{field}"


def contact_id(student: str, k: str, group: dict[str, str]) -> str:
    """The id of contact group ``group`` (number ``k`` of ``student``'s row).

    >>> contact_id("s1", "2", {"sis_id": "p9"}), contact_id("s1", "2", {"name": "Ann"})
    ('sftp-contact:p9', 'sftp-contact:s1:2')
    """
    return group.get("id") or (f"sftp-contact:{group['sis_id']}" if group.get("sis_id")
                               else f"sftp-contact:{student}:{k}")


def apply_contacts(rd: RowReader) -> ShapedContacts | None:
    """Each of reader ``rd``'s contact groups (``rd.contacts``, in line order: the row
    path's tuples, and ranges of the column-wise rows' groups) onto its contact user; the
    contacts made from templates (see the module's text), or ``None``. A row path's group
    is let go once applied, and the groups' columns once every group is (a million
    groups' dicts and cells were held to the end of the load: 0.5 GB at L)."""
    contacts, rd.contacts, rd.student_contacts = rd.contacts, [], None
    cs = getattr(rd, "column_students", None)
    columns: ContactCells | None = None
    if cs is not None:
        columns, cs.contacts = cs.contacts, None
    if not contacts:
        return None
    if not SHAPED_CONTACTS or columns is None:
        # (no column-wise rows, students.csv read row by row: their groups' tuples made
        # into columns were no faster, and held 0.2 GB more at 1M students)
        for entry in _in_order(contacts, columns):
            rd.users.settle()  # (between two contacts: no user dict is in use)
            apply_one(rd, *entry)
        return None
    cells, tuples = _as_columns(contacts, columns)
    del contacts, columns
    shaped = ShapedContacts.plan(rd, cells)
    row_path = shaped.row_path if shaped is not None else np.arange(len(cells))
    for lo in range(0, len(row_path), _PARK):
        part = row_path[lo:lo + _PARK]
        for p, entry in zip(part.tolist(), _entries(cells, part, tuples)):
            if shaped is not None:
                shaped.reserve_before(rd, p)  # (in order: those named before this group)
            rd.users.settle()
            apply_one(rd, *entry)
    if shaped is not None:
        shaped.reserve_before(rd, len(cells))
        shaped.park(rd)  # (their texts written now, a large chunk at a time)
    return shaped


def _entries(cells: ContactCells, at: np.ndarray, tuples: dict[int, Entry]) -> list[Entry]:
    """The groups at ``at`` as the row path's tuples: its own as it made them (each
    taken out of ``tuples``: let go once applied)."""
    if not tuples:
        return cells.entries(at)
    made = iter(cells.entries(np.array([p for p in at.tolist() if p not in tuples],
                                       dtype=np.int64)))
    return [tuples.pop(p) if p in tuples else next(made) for p in at.tolist()]


def _in_order(contacts: list[Any], columns: ContactCells | None) -> Iterator[Entry]:
    """The groups of ``contacts`` (tuples, and ranges of ``columns``) as tuples, in
    order, each let go of here once given."""
    for pos in range(len(contacts)):
        item = contacts[pos]
        contacts[pos] = None
        if isinstance(item, range):
            assert columns is not None
            for lo in range(item.start, item.stop, _PARK):
                yield from columns.entries(np.arange(lo, min(item.stop, lo + _PARK)))
        else:
            yield item


def _as_columns(contacts: list[Any], columns: ContactCells
                ) -> tuple[ContactCells, dict[int, Entry]]:
    """The groups of ``contacts`` (tuples, and ranges of ``columns``) as columns, in
    order; and the tuples by their place among them (the row path takes those as they
    are)."""
    tuples = {}
    n = 0
    for c in contacts:
        if isinstance(c, range):
            n += len(c)
        else:
            tuples[n] = c
            n += 1
    if not tuples and n == len(columns):
        return columns, tuples  # (only the column-wise rows' groups: ranges in order)
    at = np.empty(n, dtype=np.int64)
    j, k = 0, len(columns)
    for c in contacts:
        if isinstance(c, range):
            at[j:j + len(c)] = np.arange(c.start, c.stop, dtype=np.int64)
            j += len(c)
        else:
            at[j] = k
            j += 1
            k += 1
    parts = [columns, ContactCells.of_entries(list(tuples.values()))] if tuples else [columns]
    return ContactCells.joined(parts, at), tuples


def apply_one(rd: RowReader, student: str, line: int, k: str, group: dict[str, str],
              col_k: str) -> None:
    """Contact group ``group`` (group ``k`` of ``student``'s row at ``line``, read from
    the ``col_k`` columns) onto its contact user. A contact named again (siblings' rows
    share one by ``Contact_sis_id``) keeps its first values and relationship to a
    student; another value is a problem at the row's line, naming the columns."""
    cid = contact_id(student, k, group)
    new = cid not in rd.users.ids
    u = rd.users.get(cid)
    if u is None:
        u = rd._new_user(cid, "students.csv", line)  # type: ignore[attr-defined]
    r = u["roles"].setdefault("contact", {})
    rel: dict[str, Any] = {"student": student}
    if new:  # (most contacts: every cell set as the loop below would, in its order)
        for f, v in group.items():  # (the group's fields are in CONTACT_FIELDS order)
            where = _CONTACT_PLACES[f]
            if where is None:
                continue
            if where[0] == _REL:
                rel[where[1]] = v
            elif where[0] == _ROLE:
                r[where[1]] = v
            else:
                u[where[0]] = {"last": v} if where[1] else v
        r["student_relationships"] = [rel]
        return
    differ: list[str] = []
    for f, (place, key) in _AGAIN_PLACES:  # (in CONTACT_FIELDS order)
        v = group.get(f, _ABSENT)
        if v is _ABSENT:  # (a field the header lacks)
            continue
        if place == _REL:
            rel[key] = v
            continue
        if place == "name":  # the first name given stays
            name = u.get("name")
            if not name:
                if not isinstance(name, dict):
                    name = u["name"] = {}
                name["last"] = v
                continue
            if not isinstance(name, dict) or "last" not in name:
                continue
            had, put = name["last"], name.__setitem__
            key = "last"
        elif place == "email":
            if "email" not in u:
                u["email"] = v
                continue
            had, put = u["email"], u.__setitem__
        elif key not in r:  # roles.contact.<key>, and r is u's contact role
            r[key] = v
            continue
        else:
            had, put = r[key], r.__setitem__
        if had == "" and v:  # an empty cell gave nothing: a later row's value fills it
            put(key, v)
        elif v and had != v:  # (a later empty cell gives nothing either)
            differ.append(contact_column(col_k, f))
    if differ:
        at = rd.user_where[cid]
        rd.b.problem("other", f"contact {cid!r} again (first read at {at[0]} line "
                     f"{at[1]}) with other values in {', '.join(differ)}: the first "
                     "values are kept (this row's contact cells are in raw)",
                     file="students.csv", line=line, kind="users", record_id=cid,
                     field=differ[0], raw=row_text(
                         {contact_column(col_k, f): v for f, v in group.items()}))
    rels = r.setdefault("student_relationships", [])
    if len(rels) < _SCAN_NAMED:
        for had_rel in rels:
            if had_rel.get("student") == student:
                break
        else:
            rels.append(rel)
            return
    else:  # (a contact many students name: each student's first relationship by a dict)
        named = rd.named_by.get(cid)  # type: ignore[attr-defined]
        if named is None:
            named = rd.named_by[cid] = {}  # type: ignore[attr-defined]
            for had in rels:
                named.setdefault(had.get("student"), had)
        had_rel = named.get(student)
        if had_rel is None:
            rels.append(rel)
            named[student] = rel
            return
    other = [f for f in _PER_STUDENT if f in rel and had_rel.get(f) != rel[f]]
    if other:
        rd.b.problem("other", f"contact {cid!r} again for student {student!r} with "
                     "another " + ", ".join(
                         f"{contact_column(col_k, f)} {rel[f]!r}" for f in other)
                     + ": the first relationship is kept", file="students.csv",
                     line=line, kind="users", record_id=cid,
                     field=contact_column(col_k, other[0]))


class ShapedContacts:
    """The contacts made from templates (see the module's text), numbered in the order
    their users are added; made by :meth:`plan` from all contact groups as columns."""

    def __init__(self, cells: ContactCells) -> None:
        self.cells: ContactCells | None = cells  # every contact group (until all are parked)
        self.ids: list[str] = []  # per shaped contact: its id
        self.lines = np.zeros(0, np.int64)  # ... the line that first named it
        self.lead = np.zeros(0, np.int64)  # ... the group that first named it
        self.shape = np.zeros(0, np.int64)  # ... its shape
        self.text = np.zeros(0, np.int64)  # ... its text's template
        self.count = np.zeros(0, np.int64)  # ... how many students name it
        self.edges = np.zeros(1, np.int64)  # ... where its students start in `students`
        self.groups = np.zeros(0, np.int64)  # the groups naming each, contact by contact
        self.students: Any = None  # those groups' students (pyarrow)
        #: those groups' relationship and type: codes (-1: none) and the values they are
        self.agents: list[tuple[np.ndarray, list[str]]] = []
        self.own: dict[int, Any] = {}  # the cells shapes take as own, per contact (pyarrow)
        self.shapes: list[UserShape | None] = []  # per shape: its columns
        self.layout: TemplateLayout | None = None  # the texts' templates
        self.used: set[int] = set()  # the per-contact strings the templates hold
        self.cid: Any = None  # per shaped contact: its id (pyarrow)
        self.row_path = np.zeros(0, np.int64)  # the groups the row path applies, in order
        self.places: list[int | bytes] = []  # per shaped contact, once parked
        self.reserved = 0  # the contacts added to the reader's users so far
        self.parked = 0  # ... and given their texts

    @classmethod
    def plan(cls, rd: RowReader, cells: ContactCells) -> ShapedContacts | None:
        """Which contacts of groups ``cells`` (all of them, in order) are made from
        templates, and the templates; ``None``: none is."""
        import pyarrow.compute as pc

        district = getattr(rd, "district", None)
        if not len(cells) or (district is not None and NOT_PLAIN.search(district)):
            return None
        c = cells.cells
        size = {f: cell_sizes(col) for f, col in c.items()}  # (a null cell's is 0)
        kind = cells.students.type
        pre, empty = text_scalar("sftp-contact:").cast(kind), text_scalar("").cast(kind)
        cid = pc.if_else(arrow_bools(size["id"] > 0), c["id"],
                         pc.binary_join_element_wise(pre, c["sis_id"], empty))
        own = (size["id"] == 0) & (size["sis_id"] == 0)
        if own.any():  # ("sftp-contact:<student>:<k>": the group's own contact)
            at = arrow_ints(np.flatnonzero(own))
            label = arrow_strs(cells.labels).cast(kind).take(arrow_ints(cells.ks[own]))
            cid = pc.replace_with_mask(cid, arrow_bools(own), pc.binary_join_element_wise(
                pre, cells.students.take(at), text_scalar(":").cast(kind), label, empty))
        enc = cid.dictionary_encode()  # (codes in the order ids are first named)
        codes = numpy_of(enc.indices).astype(np.int64)
        names = enc.dictionary.to_pylist()
        m = len(names)
        count = np.bincount(codes, minlength=m)
        users = rd.users.ids
        ok = np.fromiter((i not in users for i in names), dtype=bool, count=m)
        ok &= count <= _MAX_NAMED
        # (a group any cell of which no template may hold: its contact takes the row path)
        bad = cells.unplain | ~clean_cells(cells.students) | (
            cell_sizes(cells.students) > MAX_STRING) | (cell_sizes(cid) > MAX_STRING)
        for f in FIELDS:
            bad |= ~clean_cells(c[f]) | (size[f] > MAX_STRING)
        ok[codes[bad]] = False
        order = np.argsort(codes, kind="stable")  # (each contact's groups, in order)
        start = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(count, out=start[1:])
        lead = order[start[:-1]]
        rep = np.flatnonzero(count[codes] > 1)
        if len(rep):
            ok[_named_again_otherwise(cells, codes, lead, rep)] = False
        kept = np.flatnonzero(ok)
        if not len(kept):
            return None
        sc = cls(cells)
        sc.lead = lead[kept]
        fs = cells.fieldset[sc.lead]
        kinds, sc.shape = distinct_rows([fs] + [(size[f][sc.lead] > 0).astype(np.int64)
                                               for f in FIELDS])
        if len(kinds) > _MAX_SHAPES:
            return None
        keys = [(cells.fieldsets[k[0]], tuple(bool(k[1 + FIELDS.index(f)])
                                              for f in cells.fieldsets[k[0]])) for k in kinds]
        sc.count = count[kept]
        texts, sc.text = distinct_rows([sc.shape, sc.count])
        if not sc._templates(rd, keys, [(keys[t[0]], t[1]) for t in texts]):
            return None
        sc.ids = [names[k] for k in kept.tolist()]
        sc.cid = enc.dictionary.take(arrow_ints(kept))
        sc.lines = cells.lines[sc.lead]
        sc.edges = np.zeros(len(kept) + 1, dtype=np.int64)
        np.cumsum(sc.count, out=sc.edges[1:])
        sc.groups = order[spans(start[kept], sc.count)]
        at = arrow_ints(sc.groups)
        sc.students = cells.students.take(at)
        for f in _PER_STUDENT:
            said = c[f].take(at).dictionary_encode()
            sc.agents.append((ints_or(said.indices, -1), said.dictionary.to_pylist()))
        sc.own = {j: c[_NAMES[j]].take(arrow_ints(sc.lead)) for j in sc.own}
        sc.row_path = np.flatnonzero(~ok[codes])
        return sc

    def _templates(self, rd: RowReader, keys: list[tuple[Any, ...]],
                   made: list[tuple[tuple[Any, ...], int]]) -> bool:
        """Each text's template and each shape's columns, from the row path run on
        placeholders (``False``: a run told something, or no layout holds them all)."""
        struct_of = getattr(rd.b, "struct_of", None)
        if struct_of is None:  # (a builder that collects no columns)
            return False
        scratch = scratch_reader(rd)
        structs = []
        for key in keys:  # (each shape's columns, from its text for one student)
            made_one = _placeholder_text(scratch, key, 1)
            if made_one is None:
                return False
            structs.append(struct_of("users", made_one[0].encode()))
        holders = {placeholder(k): k for k in range(_STUDENT)}
        got = iter(UserShape.of_many([s for s in structs if s is not None], holders,
                                     placeholder(_STUDENT)))
        self.shapes = [None if s is None else next(got) for s in structs]
        parts = []
        for key, n in made:
            made_n = _placeholder_text(scratch, key, n)
            if made_n is None:
                return False
            parts.append(made_n[1])
            self.used.update(made_n[1][1])
        self.layout = TemplateLayout.of(parts)
        self.own = {k: None for s in self.shapes if s is not None for k in s.own.values()}
        return self.layout is not None

    def reserve_before(self, rd: RowReader, upto: int) -> None:
        """Add the contacts first named before group ``upto`` (all: ``len`` of the
        groups) to the reader's users, in order, their texts to come (:meth:`park`): the
        row path's contacts between them keep their places, and the texts are still
        written a large chunk at a time (one call per few contacts cost more than the
        work where the row path's contacts are many)."""
        hi = int(np.searchsorted(self.lead, upto))
        if self.reserved < hi:
            rd.users.reserve(self.ids[self.reserved:hi])
            self.reserved = hi

    def park(self, rd: RowReader) -> None:
        """Write and park the texts of the contacts reserved, in order, a chunk at a
        time."""
        import pyarrow as pa

        hi = self.reserved
        cells = self.cells
        while self.parked < hi:
            assert cells is not None and self.layout is not None
            lo = self.parked
            top = min(hi, lo + _PARK)
            lead = arrow_ints(self.lead[lo:top])
            cols: list[Any] = [None] * (max(self.used) + 1)
            small = pa.string()
            empty = text_scalar("")
            for j in self.used:
                if j == 0:
                    col = self.cid.slice(lo, top - lo)
                elif j < _STUDENT:
                    col = cells.cells[_NAMES[j]].take(lead)
                else:  # (the i-th student naming each; the first where it has fewer)
                    i, which = divmod(j - _STUDENT, 3)
                    at = self.edges[lo:top] + np.minimum(i, self.count[lo:top] - 1)
                    groups = arrow_ints(self.groups[at])
                    col = (cells.students if which == 0 else
                           cells.cells[_PER_STUDENT[which - 1]]).take(groups)
                cols[j] = _fill_nulls(col.cast(small), empty)
            texts = self.layout.fill(self.text[lo:top], cols)
            off, data = text_buffers(texts)
            ids = self.ids[lo:top]
            self.places.extend(rd.users.park_reserved(ids, off - off[0],
                                                      data[off[0]:off[-1]]))
            rd.user_where.update_many(ids, "students.csv", self.lines[lo:top])
            self.parked = top
        if self.parked == len(self.ids):  # (all parked: what only parking needs let go)
            self.cells = self.cid = self.layout = None
            self.lead = self.text = self.groups = np.zeros(0, np.int64)

    # -- the end ---------------------------------------------------------------------
    def handed(self, users: ParkedDicts, carry: Any) -> Handed:
        """The shaped contacts to hand the builder by their shapes, in order (those still
        parked where they were put, with columns known and no record of the extension
        file to merge), as :func:`~rostergraph.io.handed_runs.hand_in_order` hands
        them."""
        known = np.array([s is not None for s in self.shapes], dtype=bool)[self.shape]
        ks = unchanged_rows(users, self.ids, self.places, known, carry)
        self.places = []
        return self.ids, ks, self.hand, self.where

    def where(self, k: int) -> tuple[str, int]:
        """Where shaped contact ``k`` was first named: its file and line."""
        return "students.csv", int(self.lines[k])

    def hand(self, b: Any, run: list[int], texts: Any) -> None:
        """Hand the builder shaped contacts ``run``, their texts ``texts``."""
        ks = np.array(run, dtype=np.int64)
        used, codes = distinct_codes(self.shape[ks])
        shapes = [self.shapes[s] for s in used.tolist()]
        at = arrow_ints(ks)
        top = max(self.own, default=-1) + 1
        strings = [self.own[k].take(at).to_pylist() if k in self.own else []
                   for k in range(top)]
        edges = spans(self.edges[ks], self.count[ks])
        agents = tuple([values[i] if i >= 0 else None for i in said[edges].tolist()]
                       for said, values in self.agents)
        b.add_shaped(texts, [self.ids[k] for k in run], self.lines[ks].tolist(), shapes,
                     codes.reshape(-1), strings,
                     (self.count[ks], self.students.take(arrow_ints(edges))),
                     file="students.csv", agents=agents)


def _named_again_otherwise(cells: ContactCells, codes: np.ndarray, lead: np.ndarray,
                           rep: np.ndarray) -> np.ndarray:
    """The contacts (of ``codes``, each first named by group ``lead``) a later group of
    which (of ``rep``, the groups of contacts named more than once) names with other
    fields or cells (but for each student's own relationship and type), or a student
    names twice."""
    import pyarrow.compute as pc

    later = rep[rep != lead[codes[rep]]]
    first = lead[codes[later]]
    same = cells.fieldset[later] == cells.fieldset[first]
    a, z = arrow_ints(later), arrow_ints(first)
    for f in FIELDS:
        if f in _PER_STUDENT:
            continue
        eq = pc.equal(cells.cells[f].take(a), cells.cells[f].take(z))
        same &= numpy_of(pc.or_kleene(eq, pc.is_null(eq)))  # (null: the field absent in both)
    bad = [codes[later[~same]]]
    named = numpy_of(cells.students.take(arrow_ints(rep)).dictionary_encode().indices
                     ).astype(np.int64)
    pair = np.sort(codes[rep] * (int(named.max()) + 1) + named)
    twice = pair[1:][pair[1:] == pair[:-1]]
    bad.append(twice // (int(named.max()) + 1))
    return np.concatenate(bad)


def _fill_nulls(col: Any, empty: Any) -> Any:
    """``col`` with its nulls as ``empty``."""
    import pyarrow.compute as pc

    return pc.coalesce(col, empty) if col.null_count else col


def _placeholder_text(scratch: Any, key: tuple[Any, ...], n: int
                      ) -> tuple[str, TemplateParts] | None:
    """The text :func:`apply_one` makes of a contact of shape ``key`` named by ``n``
    students, its cells, students and their relationships placeholders, and its parts
    (``None``: the run told something, or the text is no template)."""
    fields, full = key
    group = {f: placeholder(_FIELD[f]) if given else "" for f, given in zip(fields, full)}
    group["id"] = placeholder(0)  # (the id: its own string, whatever made it)
    scratch.users, scratch.user_where, scratch.named_by = ParkedDicts(), Places(), {}
    scratch.b.problems.clear()
    for i in range(n):
        mine = dict(group)
        for k, f in enumerate(_PER_STUDENT, 1):
            if f in mine:
                mine[f] = placeholder(_STUDENT + 3 * i + k)
        apply_one(scratch, placeholder(_STUDENT + 3 * i), 2 + i, "1", mine, "1")
    if scratch.b.problems or len(scratch.users) != 1:
        return None
    text = orjson.dumps(scratch.users[placeholder(0)]).decode()
    parts = placeholder_parts(text)
    return None if parts is None else (text, parts)
