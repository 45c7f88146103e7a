"""The contacts of a Clever SFTP ``students.csv``: each contact group (the
``Contact_*`` cells of one row) onto its contact user, most of them with no dict per
contact.

A contact's id is ``Contact_id`` when given, else ``"sftp-contact:" + Contact_sis_id``
(so siblings share a contact), else ``"sftp-contact:<Student_id>:<k>"``. A contact named
again keeps its first values and its first relationship to each student; another value
is a problem (:func:`apply_one`, the row path).

Most contacts are named by one student, or by siblings with the same cells, and their
user's text then depends on their cells only through its *shape*: which fields the
header has and which are empty, the relationship and type (columns of the graph), and
how many students name it. So :func:`apply_contacts` runs :func:`apply_one` once per
shape on a group of placeholders, makes its user's JSON text a template, and writes each
such contact's text by filling its shape's template with its cells: no dict is made per
contact. At the end of the read, the contacts nothing changed since are handed to the
builder with their graph and rule columns repeated from their shape
(:mod:`~rostergraph.io.shaped_users`), as the column-wise students are
(:mod:`~rostergraph.io.sftp_students`): no text is decoded per contact. A contact whose
cells hold a character JSON escapes or a placeholder's (from U+E000), or a cell over the
decoder's bound, or whose id is a user's already, or that is named again with other
cells, or twice by one student, takes the row path, as every contact once did.
"""

from __future__ import annotations

import copy
import re
from itertools import chain
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from ..roster import RosterBuilder
from .csv_rowchecks import row_text
from .parked import ParkedDicts
from .scan import MAX_STRING
from .sftp_columns import CONTACT_FIELDS
from .sftp_rows import Places
from .shaped_users import UserShape

if TYPE_CHECKING:
    from .sftp_rows import RowReader

__all__ = ["SHAPED_CONTACTS", "ShapedContacts", "apply_contacts", "apply_one", "contact_id"]

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
_PLACE = re.compile("\ue000([0-9]+)\ue001")
#: What a cell must not hold to go into a template as it is: what JSON escapes, a
#: placeholder's character (private use from U+E000), a lone surrogate.
_NOT_PLAIN = re.compile('[\x00-\x1f"\\\\\ue000-\uefff\ud800-\udfff]')
#: Students naming one contact, at most, for its template (a template per count).
_MAX_NAMED = 64
#: Shapes at most (further ones take the row path).
_MAX_SHAPES = 4096
#: Contacts parked at a time.
_PARK = 65_536

Entry = tuple[str, int, str, dict[str, str], str]


def _holder(k: int) -> str:
    return f"\ue000{k}\ue001"


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
    """Each of reader ``rd``'s contact groups (``rd.contacts``, in line order) onto its
    contact user; the contacts made from templates (see the module's text), or ``None``.
    Each group is let go once applied (a million groups' dicts and cells were held to the
    end of the load: 0.5 GB at L)."""
    contacts, rd.contacts, rd.student_contacts = rd.contacts, [], None
    shaped = ShapedContacts.plan(rd, contacts) if SHAPED_CONTACTS and contacts else None
    of_entry = shaped.of_entry if shaped is not None else None
    for pos in range(len(contacts)):
        entry = contacts[pos]
        contacts[pos] = None  # type: ignore[call-overload]
        if of_entry is not None:
            c = of_entry[pos]
            if c >= 0:
                shaped.take(rd, c)  # type: ignore[union-attr]
                continue
            shaped.park(rd)  # type: ignore[union-attr]  # (in order, before this one's user)
        rd.users.settle()  # (between two contacts: no user dict is in use)
        apply_one(rd, *entry)
    if shaped is not None:
        shaped.park(rd)
        shaped.of_entry = []
    return shaped


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
    for had_rel in rels:
        if had_rel.get("student") == student:
            break
    else:
        rels.append(rel)
        return
    other = [f for f in ("relationship", "type") if f in rel and had_rel.get(f) != rel[f]]
    if other:
        rd.b.problem("other", f"contact {cid!r} again for student {student!r} with "
                     "another " + ", ".join(
                         f"{contact_column(col_k, f)} {rel[f]!r}" for f in other)
                     + ": the first relationship is kept", file="students.csv",
                     line=line, kind="users", record_id=cid,
                     field=contact_column(col_k, other[0]))


class ShapedContacts:
    """The contacts made from templates (see the module's text), numbered in the order
    their users are added."""

    def __init__(self) -> None:
        self.of_entry: list[int] = []  # per contact group: its shaped contact, or -1
        self.ids: list[str] = []  # per shaped contact: its id
        self.lines: list[int] = []  # ... the line that first named it
        self.group: list[dict[str, str] | None] = []  # ... its cells, until its text is made
        self.text: list[int] = []  # ... its text's template
        self.shape = np.zeros(0, np.int64)  # ... its shape
        self.count = np.zeros(0, np.int64)  # ... how many students name it
        self.first = np.zeros(1, np.int64)  # ... where its students start in students
        self.students: list[str] = []  # every shaped contact's students, in order
        self.rels: list[str | None] = []  # ... the relationship each gives
        self.types: list[str | None] = []  # ... and its type
        self.own: dict[int, list[str]] = {}  # the strings shapes take as own, per contact
        self.shapes: list[UserShape | None] = []  # per shape: its columns
        self.templates: list[tuple[str, list[int]]] = []  # per text: its format, fields
        self.places: list[int | bytes] = []  # per shaped contact, once parked
        self.pending: list[tuple[int, bytes]] = []  # texts made, to park

    @classmethod
    def plan(cls, rd: RowReader, contacts: list[Entry]) -> ShapedContacts | None:
        """Which of ``contacts`` are made from templates, and the templates."""
        district = getattr(rd, "district", None)
        if district is not None and _NOT_PLAIN.search(district):
            return None
        ids = rd.users.ids
        first: dict[str, int] = {}
        ok: list[bool] = []
        cids: list[str] = []
        lines: list[int] = []
        groups: list[dict[str, str]] = []
        named: list[list[int]] = []  # per contact: its groups (entries)
        of_entry: list[int] = []
        for pos, (student, line, k, group, _) in enumerate(contacts):
            cid = contact_id(student, k, group)
            c = first.get(cid)
            if c is None:
                c = first[cid] = len(ok)
                ok.append(cid not in ids)
                cids.append(cid)
                lines.append(line)
                groups.append(group)
                named.append([pos])
            else:
                mine = named[c]
                if ok[c]:  # (named again by another student, with the same cells)
                    g0 = groups[c]
                    if len(mine) >= _MAX_NAMED or tuple(group) != tuple(g0) or any(
                            v != g0[f] for f, v in group.items() if f not in _PER_STUDENT
                    ) or any(contacts[e][0] == student for e in mine):
                        ok[c] = False
                mine.append(pos)
            of_entry.append(c)
        del first
        sc = cls()
        keys: dict[tuple[Any, ...], int] = {}
        texts: dict[tuple[int, int], int] = {}
        made: list[tuple[tuple[Any, ...], int]] = []  # per text: its shape's key, its count
        number = [-1] * len(ok)
        shape: list[int] = []
        counts: list[int] = []
        for c, group in enumerate(groups):
            if not ok[c]:
                continue
            its = [contacts[e] for e in named[c]]
            values = [cids[c], *group.values(), *(e[0] for e in its)]
            for e in its[1:]:
                values.extend(e[3].get(f, "") for f in _PER_STUDENT)
            if max(map(len, values)) > MAX_STRING or _NOT_PLAIN.search("".join(values)):
                continue
            key = (tuple(group), tuple(map(bool, group.values())))
            s = keys.get(key)
            if s is None:
                if len(keys) >= _MAX_SHAPES:
                    continue
                s = keys[key] = len(keys)
            t = texts.get((s, len(its)))
            if t is None:
                t = texts[(s, len(its))] = len(made)
                made.append((key, len(its)))
            number[c] = len(sc.ids)
            sc.ids.append(cids[c])
            sc.lines.append(lines[c])
            sc.group.append(group)
            sc.text.append(t)
            shape.append(s)
            counts.append(len(its))
            for e in its:
                sc.students.append(e[0])
                sc.rels.append(e[3].get("relationship"))
                sc.types.append(e[3].get("type"))
        del named, groups
        if not sc.ids or not sc._templates(rd, list(keys), made):
            return None
        sc.of_entry = [number[c] for c in of_entry]
        sc.shape = np.array(shape, dtype=np.int64)
        sc.count = np.array(counts, dtype=np.int64)
        sc.first = np.zeros(len(sc.count) + 1, dtype=np.int64)
        np.cumsum(sc.count, out=sc.first[1:])
        for j, values in sc.own.items():  # (the own strings are cells: taken now)
            field = _NAMES[j]
            values.extend(g[field] if g is not None and field in g else "" for g in sc.group)
        return sc

    def _templates(self, rd: RowReader, keys: list[tuple[Any, ...]],
                   made: list[tuple[tuple[Any, ...], int]]) -> bool:
        """Each text's template and each shape's columns, from the row path run on
        placeholders (``False``: a run told something, or its text is not the template
        of its cells)."""
        struct_of = getattr(rd.b, "struct_of", None)
        if struct_of is None:  # (a builder that collects no columns)
            return False
        scratch = _scratch(rd)
        structs = []
        for key in keys:  # (each shape's columns, from its text for one student)
            text = _placeholder_text(scratch, key, 1)
            if text is None:
                return False
            structs.append(struct_of("users", text.encode()))
        holders = {_holder(k): k for k in range(_STUDENT)}
        got = iter(UserShape.of_many([s for s in structs if s is not None], holders,
                                     _holder(_STUDENT)))
        self.shapes = [None if s is None else next(got) for s in structs]
        for key, n in made:
            text = _placeholder_text(scratch, key, n)
            if text is None:
                return False
            literals, fields, at = [], [], 0
            for m in _PLACE.finditer(text):
                literals.append(text[at:m.start()].replace("%", "%%"))
                fields.append(int(m.group(1)))
                at = m.end()
            literals.append(text[at:].replace("%", "%%"))
            self.templates.append(("%s".join(literals), fields))
        self.own = {k: [] for s in self.shapes if s is not None for k in s.own.values()}
        return True

    def take(self, rd: RowReader, c: int) -> None:
        """A contact group of shaped contact ``c``: at its first, the contact's text is
        made (and parked soon after, in order); its later groups name its other students,
        counted at the plan."""
        group = self.group[c]
        if group is None:
            return
        self.group[c] = None
        fmt, fields = self.templates[self.text[c]]
        cid, at = self.ids[c], int(self.first[c])
        each = (self.students, self.rels, self.types)
        values: list[str | None] = []
        for j in fields:
            if j == 0:
                values.append(cid)
            elif j < _STUDENT:
                values.append(group[_NAMES[j]])
            else:
                i, which = divmod(j - _STUDENT, 3)
                values.append(each[which][at + i])
        self.pending.append((c, (fmt % tuple(values)).encode()))
        if len(self.pending) >= _PARK:
            self.park(rd)

    def park(self, rd: RowReader) -> None:
        """Park the texts made since, in order (before any other user is added)."""
        if not self.pending:
            return
        got, self.pending = self.pending, []
        cs = [c for c, _ in got]
        texts = [t for _, t in got]
        sizes = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        off = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(sizes, out=off[1:])
        ids = [self.ids[c] for c in cs]
        self.places.extend(rd.users.park_new(ids, off, np.frombuffer(b"".join(texts),
                                                                     np.uint8)))
        rd.user_where.update_many(ids, "students.csv", np.array([self.lines[c] for c in cs],
                                                                 dtype=np.int64))

    # -- the end ---------------------------------------------------------------------
    def ready(self, users: ParkedDicts, carry: Any) -> list[int]:
        """The shaped contacts to hand the builder by their shapes, in order: those still
        parked where they were put, with columns known and no record of the extension
        file to merge."""
        known = np.array([s is not None for s in self.shapes], dtype=bool)[self.shape]
        now = users.places(self.ids)
        ks = [k for k, (had, got) in enumerate(zip(self.places, now))
              if known[k] and had == got and isinstance(got, int)]
        if len(carry):
            ks = [k for k in ks if ("users", self.ids[k]) not in carry]
        self.places = []
        return ks

    def hand(self, b: Any, run: list[int], texts: Any) -> None:
        """Hand the builder shaped contacts ``run``, their texts ``texts``."""
        ks = np.array(run, dtype=np.int64)
        used, codes = np.unique(self.shape[ks], return_inverse=True)
        shapes = [self.shapes[s] for s in used.tolist()]
        top = max(self.own, default=-1) + 1
        strings = [[self.own[k][i] for i in run] if k in self.own else []
                   for k in range(top)]
        spans = list(zip(self.first[ks].tolist(), self.first[ks + 1].tolist()))
        students, rels, types = (list(chain.from_iterable(each[a:z] for a, z in spans))
                                 for each in (self.students, self.rels, self.types))
        b.add_shaped(texts, [self.ids[k] for k in run], [self.lines[k] for k in run],
                     shapes, codes.reshape(-1), strings, (self.count[ks], students),
                     file="students.csv", agents=(rels, types))


def _placeholder_text(scratch: Any, key: tuple[Any, ...], n: int) -> str | None:
    """The text :func:`apply_one` makes of a contact of shape ``key`` named by ``n``
    students, its cells, students and their relationships placeholders (``None``: the
    run told something)."""
    fields, full = key
    group = {f: _holder(_FIELD[f]) if given else "" for f, given in zip(fields, full)}
    group["id"] = _holder(0)  # (the id: its own string, whatever made it)
    scratch.users, scratch.user_where = ParkedDicts(), Places()
    scratch.b.problems.clear()
    for i in range(n):
        mine = dict(group)
        for k, f in enumerate(_PER_STUDENT, 1):
            if f in mine:
                mine[f] = _holder(_STUDENT + 3 * i + k)
        apply_one(scratch, _holder(_STUDENT + 3 * i), 2 + i, "1", mine, "1")
    if scratch.b.problems or len(scratch.users) != 1:
        return None
    text = orjson.dumps(scratch.users[_holder(0)]).decode()
    if "\ue000" in _PLACE.sub("", text) or "\ue001" in _PLACE.sub("", text):
        return None
    return text


def _scratch(rd: RowReader) -> Any:
    """A copy of reader ``rd`` that holds no user and tells nothing."""
    sc = copy.copy(rd)
    sc.b = RosterBuilder(source="", format="clever-csv")
    return sc
