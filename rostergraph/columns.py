"""Graph columns: the reference columns of a roster, from records or from a fast reader.

The lowest layer shared by the readers and the graph. Every relation is
declared once, in :data:`RELATION_SPECS`. One collector, :class:`Columns`,
makes the columns both from records (:func:`record_columns`) and from the
structs a fast reader decodes without building records, and the graph is
built from them. Ids that a reader already turned into record positions
travel as :class:`CodedRefs`.

Examples
--------
>>> from rostergraph.columns import record_columns
>>> from rostergraph.model import School
>>> pos, refs = record_columns("schools", [(0, School(id="s1", district="d1"))])["in_district"]
>>> pos.tolist(), refs
([0], ['d1'])
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import islice
from operator import attrgetter
from typing import Any, NamedTuple

import numpy as np

from .fields import FIELDS, email_without_at, name_only_last, school_unlisted
from .lazy import LazyColumns
from .model import ROLE_NAMES
from .strcols import StoredStrings, UnsupportedColumn, encode_strings

__all__ = ["COUNTED", "NEEDED_ROLE", "NODE_KINDS", "RECORDS_OF", "RELATIONS", "RELATION_SPECS",
           "ROLE_BITS", "CodedRefs", "Codes", "Columns", "ReaderColumns", "RelationSpec",
           "field_columns", "object_array", "record_columns", "school_edges",
           "without_empty_refs"]

#: role name → its bit in a user's role mask.
ROLE_BITS: dict[str, int] = {name: 1 << i for i, name in enumerate(ROLE_NAMES)}

#: The role a section's listing needs to link a user (Clever's data model: a section's
#: ``students`` are users with the student role, its ``teachers`` users with the teacher
#: role). The graph keeps every listing as an edge; the queries count one whose user
#: lacks the role as no link, as they do a user without a record (rule RG-REF-002
#: reports it).
NEEDED_ROLE: dict[str, str] = {"enrolled_in": "student", "teaches": "teacher"}

#: The graph's node kinds, and the roster's record kind of each.
NODE_KINDS: tuple[str, ...] = ("district", "school", "term", "course", "section", "user")
RECORDS_OF: dict[str, str] = {"district": "districts", "school": "schools", "term": "terms",
                              "course": "courses", "section": "sections", "user": "users"}


class RelationSpec(NamedTuple):
    """One relation of the graph, as every layer reads it.

    Edges go from a ``src`` node to a ``dst`` node and carry ``attrs``. They are
    named by the records of kind ``held_by`` (a section names its school, course,
    term, students and teachers; a user its schools, district and students), whose
    columns hold them as ``(positions, references, *attributes)``: the holding
    record's position per edge, and the id the record gives for the other end.

    Examples
    --------
    >>> RELATION_SPECS["enrolled_in"].refers_to, RELATION_SPECS["attends"].refers_to
    ('users', 'schools')
    """

    src: str
    dst: str
    attrs: tuple[str, ...]
    held_by: str

    @property
    def ref_is_src(self) -> bool:
        """Whether the reference column names the edge's source (the holder is its target)."""
        return RECORDS_OF[self.src] != self.held_by

    @property
    def refers_to(self) -> str:
        """The record kind the reference column names."""
        return RECORDS_OF[self.src if self.ref_is_src else self.dst]


#: Every relation of the graph, declared once: the readers' columns, the graph and the
#: snapshot all read this table.
RELATION_SPECS: dict[str, RelationSpec] = {
    "in_district": RelationSpec("school", "district", (), "schools"),
    "taught_at": RelationSpec("section", "school", (), "sections"),
    "of_course": RelationSpec("section", "course", (), "sections"),
    "in_term": RelationSpec("section", "term", (), "sections"),
    "enrolled_in": RelationSpec("user", "section", (), "sections"),
    "teaches": RelationSpec("user", "section", ("primary",), "sections"),
    "attends": RelationSpec("user", "school", ("primary",), "users"),
    "works_at": RelationSpec("user", "school", ("primary",), "users"),
    "administers": RelationSpec("user", "district", (), "users"),
    "contact_for": RelationSpec("user", "user", ("relationship", "type"), "users"),
}

#: relation → (from kind, to kind, attribute names): :data:`RELATION_SPECS` as triples.
RELATIONS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    name: (r.src, r.dst, r.attrs) for name, r in RELATION_SPECS.items()}


def object_array(items: Sequence[Any]) -> np.ndarray:
    """A 1-d object array holding ``items`` themselves (a tuple stays one element).

    Examples
    --------
    >>> object_array([("a", "b"), None]).shape
    (2,)
    """
    # (np.fromiter stores each item as it is, without numpy's look into every item for
    # nested sequences that a slice assignment makes: several times faster)
    return np.fromiter(items, dtype=object, count=len(items))


def run_starts(step: np.ndarray) -> np.ndarray:
    """``[True, *step]``: where runs of equal values start, given
    ``step = x[1:] != x[:-1]`` of sorted values (no ``np.r_``, whose first use imports
    ``numpy.ma``).

    Examples
    --------
    >>> x = np.array([3, 3, 5, 7, 7])
    >>> run_starts(x[1:] != x[:-1]).tolist()
    [True, False, True, True, False]
    """
    out = np.empty(len(step) + 1, dtype=bool)
    out[0] = True
    out[1:] = step
    return out


class Codes(dict):  # type: ignore[type-arg]
    """Value → code: the values given start with theirs; any other value is coded when
    first looked up (``len(names)``, the value appended to ``names``). Mapping a column
    through ``__getitem__`` is one C-level pass with a Python call per new value only.

    Examples
    --------
    >>> names = []
    >>> codes = Codes({None: -1}, names)
    >>> list(map(codes.__getitem__, ["b", None, "a", "b"])), names
    ([0, -1, 1, 0], ['b', 'a'])
    """

    def __init__(self, known: dict[Any, int], names: list[Any]) -> None:
        super().__init__(known)
        self.names = names

    def __missing__(self, value: Any) -> int:
        code = self[value] = len(self.names)
        self.names.append(value)
        return code


class ReaderColumns:
    """What a reader (or a warm snapshot) extracted besides the records, kept with a roster.

    Per kind, two optional parts: the **graph columns** (relation name →
    ``(positions, references, *attributes)`` as :func:`record_columns` gives them,
    plus ``roles`` for users) and the rules' **field columns** (name → one value per
    record). And, from a snapshot, a **stored graph** (the arrays of
    :meth:`RosterGraph.to_arrays <rostergraph.graph.RosterGraph.to_arrays>`).

    Each part describes one mapping of records and is handed out only while the
    roster still holds that very mapping (checked by identity): a roster whose kind
    was replaced (``Roster.replace``, :func:`~rostergraph.clever.events.apply_events`)
    falls back to its records. Graph columns whose references are record positions
    (:class:`CodedRefs`) also name the mappings those positions point into
    (``refers_to``), and are handed out only while the roster holds each of those too.

    Examples
    --------
    >>> users, schools = {"u1": object()}, {"s1": object()}
    >>> cols = ReaderColumns()
    >>> cols.put("users", users, fields={"email": ["a@x.org"]})
    >>> cols.fields("users", users), cols.fields("users", {"u1": object()}), cols.graph("users", users)
    ({'email': ['a@x.org']}, None, None)
    >>> cols.put("users", users, graph={"attends": ()}, refers_to={"schools": schools})
    >>> cols.graph("users", users, {"schools": schools}), cols.graph("users", users, {"schools": {}})
    ({'attends': ()}, None)
    """

    __slots__ = ("_kinds", "_stored")

    def __init__(self) -> None:
        self._kinds: dict[str, tuple[Any, dict[str, Any] | None, Mapping[str, Any] | None,
                                     dict[str, Any] | None]] = {}
        self._stored: tuple[dict[str, Any], dict[str, Any]] | None = None

    def put(self, kind: str, records: Any, *, graph: dict[str, Any] | None = None,
            fields: Mapping[str, Any] | None = None,
            refers_to: Mapping[str, Any] | None = None) -> None:
        """Keep ``graph`` and/or ``fields`` columns describing ``records`` (a kind's mapping);
        ``refers_to`` (kind → mapping): the mappings whose record positions ``graph``'s
        coded references are."""
        self._kinds[kind] = (records, graph, fields, dict(refers_to) if refers_to else None)

    def graph(self, kind: str, records: Any,
              roster_records: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        """The graph columns of ``kind``, if kept and still describing ``records``, and
        (``roster_records``: the roster's kind → mapping) every mapping their coded
        references point into is still the roster's."""
        got = self._kinds.get(kind)
        if got is None or got[0] is not records:
            return None
        refers = got[3]
        if refers and (roster_records is None or any(
                roster_records.get(k) is not m for k, m in refers.items())):
            return None
        return got[1]

    def fields(self, kind: str, records: Any) -> Mapping[str, Any] | None:
        """The field columns of ``kind``, if kept and still describing ``records``."""
        got = self._kinds.get(kind)
        return got[2] if got is not None and got[0] is records else None

    def put_stored_graph(self, records: dict[str, Any], stored: dict[str, Any]) -> None:
        """Keep a stored graph (``{"arrays": ..., "strings": ...}``) built from ``records``
        (kind → mapping)."""
        self._stored = (dict(records), stored)

    def stored_graph(self, records: Mapping[str, Any]) -> dict[str, Any] | None:
        """The stored graph, if every kind's mapping is still the one it was built from."""
        if self._stored is None:
            return None
        built_from, stored = self._stored
        if all(records.get(k) is m for k, m in built_from.items()):
            return stored
        return None

    def to_arrays(self, records: Mapping[str, Any]) -> tuple[dict[str, np.ndarray],
                                                               dict[str, Any]]:
        """The field columns kept for ``records`` (kind → the roster's mapping) as flat
        arrays named ``<kind>.fields.<name>`` plus their description (plain JSON): what
        :meth:`from_arrays` reads back. Boolean columns are kept as they are, text
        columns through :func:`~rostergraph.strcols.encode_strings`; other columns
        (hashes of this process, values that are not text) are left out, and the rules
        compute them from the records again.

        Examples
        --------
        >>> users = {"u1": object(), "u2": object()}
        >>> cols = ReaderColumns()
        >>> cols.put("users", users, fields={"email": np.array(["a@x.org", None], dtype=object),
        ...                                  "no_at": np.array([False, True])})
        >>> arrays, desc = cols.to_arrays({"users": users})
        >>> desc["fields"], sorted(arrays)  # doctest: +NORMALIZE_WHITESPACE
        ({'users': ['email', 'no_at']},
         ['users.fields.email.codes', 'users.fields.email.text', 'users.fields.no_at'])
        >>> back = ReaderColumns.from_arrays({"users": users}, arrays, desc)
        >>> back.fields("users", users)["email"].tolist()
        ['a@x.org', None]
        """
        arrays: dict[str, np.ndarray] = {}
        names: dict[str, list[str]] = {}
        described: dict[str, Any] = {}
        for kind, recs in records.items():
            got = self.fields(kind, recs)
            if got is None:
                continue
            kept = names[kind] = []
            for name, col in got.items():
                key = f"{kind}.fields.{name}"
                dtype = col.dtype if isinstance(col, np.ndarray) else None
                if dtype == bool:
                    arrays[key] = col
                elif dtype is not None and dtype.kind in "iuf":  # this process's hashes
                    continue
                else:  # (a list, or an object array, of str and None)
                    try:
                        described[key] = encode_strings(col, key, arrays)
                    except UnsupportedColumn:
                        continue
                kept.append(name)
        return arrays, {"fields": names, "columns": described}

    @classmethod
    def from_arrays(cls, records: Mapping[str, Any], arrays: Mapping[str, np.ndarray],
                    desc: Mapping[str, Any]) -> ReaderColumns:
        """Field columns for ``records`` rebuilt from :meth:`to_arrays`' parts, each text
        column made when first read. The parts may come from disk: every one is checked
        against the records' counts first.

        Raises
        ------
        ValueError
            When a part is missing, of the wrong type or length, or a field the rules read
            (:data:`~rostergraph.fields.FIELDS`, ``text_suspect``) is not of the type they
            read it as (KeyError and TypeError are raised as ValueError too).
        """
        try:
            return cls._from_arrays(records, arrays, desc)
        except (KeyError, TypeError, AttributeError) as e:
            raise ValueError(f"field columns do not fit: {e!r}") from None

    @classmethod
    def _from_arrays(cls, records: Mapping[str, Any], arrays: Mapping[str, np.ndarray],
                     desc: Mapping[str, Any]) -> ReaderColumns:
        names, described = desc["fields"], desc["columns"]
        if not isinstance(names, dict) or not isinstance(described, dict):
            raise ValueError("field columns: bad description")  # noqa: TRY004 - one error type
        new = cls()
        for kind, kind_names in names.items():
            if kind not in records or not isinstance(kind_names, list) or not all(
                    isinstance(n, str) for n in kind_names):
                raise ValueError(f"{kind!r}: bad field names")
            n = len(records[kind])
            done: dict[str, Any] = {}
            pending: dict[str, Any] = {}
            for name in kind_names:
                key = f"{kind}.fields.{name}"
                # a field the rules know is read as the type they read it as (a column
                # of another type would crash them or be taken for other values)
                typ = "bool" if name == "text_suspect" else FIELDS.get(kind, {}).get(name)
                if typ == "hash" or (typ is not None and (key in arrays) != (typ == "bool")):
                    raise ValueError(f"{key}: not a column of {typ} values")
                if key in arrays:
                    arr = arrays[key]
                    if not isinstance(arr, np.ndarray) or arr.dtype != bool or arr.shape != (n,):
                        raise ValueError(f"{key}: not {n} booleans")
                    done[name] = arr
                else:
                    stored = StoredStrings(described[key], arrays, key)
                    if stored.n != n:
                        raise ValueError(f"{key}: not {n} values")
                    pending[name] = stored.column
            new.put(kind, records[kind], fields=LazyColumns(done, pending))
        return new

    def copy(self) -> ReaderColumns:
        """A shallow copy (the columns themselves are shared: they are never changed)."""
        new = ReaderColumns()
        new._kinds = dict(self._kinds)
        new._stored = self._stored
        return new


class CodedRefs:
    """References a fast reader already turned into record positions.

    ``codes[i]`` is the position of the referenced record, or -1 for an id
    with no record; ``missing`` holds those ids, in order. The graph gives
    them stub indices in that order, as it would for plain id references.

    Examples
    --------
    >>> c = CodedRefs.from_refs(["a", "x", "b"], {"a": 0, "b": 1})
    >>> c.codes.tolist(), c.missing, c.take([2, 1]).missing
    ([0, -1, 1], ['x'], ['x'])
    """

    __slots__ = ("codes", "missing")

    def __init__(self, codes: Any, missing: list[str]) -> None:
        self.codes = np.asarray(codes, dtype=np.int64)
        self.missing = missing

    @classmethod
    def from_refs(cls, refs: Sequence[str],
                  index: dict[str, int] | Callable[[Sequence[str]], np.ndarray]) -> CodedRefs:
        """Code ``refs`` with ``index``: id → position (one C-level dict lookup each), or
        a function giving all their positions at once (-1 for an unknown id)."""
        if callable(index):
            codes = np.asarray(index(refs), dtype=np.int64)
        else:
            codes = np.fromiter(map(index.get, refs, [-1] * len(refs)), dtype=np.int64,
                                count=len(refs))
        return cls(codes, [refs[i] for i in np.flatnonzero(codes < 0).tolist()])

    @classmethod
    def concat(cls, parts: Sequence[CodedRefs]) -> CodedRefs:
        codes = np.concatenate([p.codes for p in parts]) if parts else np.zeros(0, np.int64)
        return cls(codes, [m for p in parts for m in p.missing])

    def __len__(self) -> int:
        return len(self.codes)

    def take(self, idx: Any) -> CodedRefs:
        """The references at positions ``idx`` (in that order)."""
        codes = self.codes[idx]
        if not self.missing:
            return CodedRefs(codes, [])
        full = np.full(len(self.codes), None, dtype=object)
        for i, ref in zip(np.flatnonzero(self.codes < 0).tolist(), self.missing):
            full[i] = ref
        return CodedRefs(codes, full[idx][codes < 0].tolist())


def without_empty_refs(col: tuple[Any, ...]) -> tuple[Any, ...]:
    """A relation's column ``(positions, references, *attributes)`` without the rows whose
    reference is the empty string: an empty id names no record (it is an SIS's empty
    cell, as the CSV readers read one), so it makes no edge and no stub. The record keeps
    the ``""`` it was given.

    Examples
    --------
    >>> pos, refs, primary = without_empty_refs(([0, 1, 1], ["A", "", "B"], [True, True, False]))
    >>> pos.tolist(), refs, primary
    ([0, 1], ['A', 'B'], [True, False])
    >>> without_empty_refs(([0, 1], CodedRefs([-1, 3], [""])))[1].codes.tolist()
    [3]
    """
    pos, refs, *attrs = col
    if isinstance(refs, CodedRefs):
        if "" not in refs.missing:
            return col
        keep = np.ones(len(refs.codes), dtype=bool)
        keep[np.flatnonzero(refs.codes < 0)[np.array([m == "" for m in refs.missing],
                                                     dtype=bool)]] = False
        kept: Any = CodedRefs(refs.codes[keep], [m for m in refs.missing if m != ""])
    else:
        if "" not in refs:  # (one C-level pass: the usual case)
            return col
        keep = np.array([r != "" for r in refs], dtype=bool)
        kept = [r for r in refs if r != ""]
    return (np.asarray(pos, dtype=np.int64)[keep], kept,
            *([v for v, k in zip(a, keep.tolist()) if k] for a in attrs))


def school_edges(rows: Any, refs: list[str], prim: list[bool], pos: int,
                  primary: str | None, schools: Sequence[str] | None) -> bool:
    """User→school edges: the primary school, then every other listed school, once each.
    Returns whether the primary school is missing from a non-empty list (what RG-SCH-001
    reports; the edges cannot tell).

    ``rows`` is a list or an ``array``; the usual shapes (no list, or one school) skip
    the set. Fast readers call this too, so their columns equal :func:`record_columns`'.
    """
    if primary is not None:
        rows.append(pos)
        refs.append(primary)
        prim.append(True)
        if not schools:
            return False
        if len(schools) == 1:
            if schools[0] != primary:
                rows.append(pos)
                refs.append(schools[0])
                prim.append(False)
                return bool(primary) and bool(schools[0])  # (an empty id names no school)
            return False
    elif not schools:
        return False
    # (an empty id names no school: "" is no primary school, and lists no school)
    unlisted = bool(primary) and primary not in schools and any(schools)
    seen = {primary}
    for s in schools:
        if s not in seen:
            seen.add(s)
            rows.append(pos)
            refs.append(s)
            prim.append(False)
    return unlisted


# --- columns from batches of records or decoded structs ---------------------------

_ID = attrgetter("id")
_ROLES = attrgetter("roles")
_NAME = attrgetter("name")
_EMAIL = attrgetter("email")
_DISTRICT = attrgetter("district")
_TEACHERS = attrgetter("teachers")


def _first_given(ids: Sequence[Any] | None) -> Any:
    """The first of ``ids`` that is not the empty string (an empty id names no record:
    ``teachers: ["", "t1"]`` has ``t1`` first); ``None`` when there is none.

    >>> _first_given(["", "t1", "t2"]), _first_given([""]), _first_given(None)
    ('t1', None, None)
    """
    return next((x for x in ids or () if x != ""), None)
_TEACHER = attrgetter("teacher")
_GRADE = attrgetter("grade")
_STUDENT_BIT, _TEACHER_BIT, _STAFF_BIT, _ADMIN_BIT, _CONTACT_BIT = (
    ROLE_BITS[r] for r in ("student", "teacher", "staff", "district_admin", "contact"))


def _refs(vals: list[Any], base: int, rows: array, refs: list[Any]) -> None:
    """Rows and values of the non-null ``vals`` (row = ``base`` + position)."""
    if None not in vals:
        rows.extend(range(base, base + len(vals)))
        refs.extend(vals)
        return
    for i, v in enumerate(vals, base):
        if v is not None:
            rows.append(i)
            refs.append(v)


#: Relations whose first column counts the references of each row (not a row per
#: reference) while a :class:`Columns` collects them.
COUNTED = ("enrolled_in", "teaches")


class Columns:
    """Graph columns (and, with ``fields``, the field columns the rules read) of one
    kind, collected a batch at a time: :meth:`add` takes records, or structs a fast
    reader decoded with the records' attribute names. Rows count from 0 across
    batches; :attr:`cols` holds ``(rows, references, *attributes)`` per relation
    (rows as per-row counts for :data:`COUNTED` ones) and ``roles`` for users.

    Examples
    --------
    >>> from rostergraph.model import Section
    >>> acc = Columns("sections")
    >>> acc.add([Section(id="c1", school="s1", students=("u1", "u2"))])
    >>> acc.ids, list(acc.cols["enrolled_in"][0]), acc.cols["enrolled_in"][1]
    (['c1'], [2], ['u1', 'u2'])
    """

    def __init__(self, kind: str, fields: bool = True) -> None:
        self.kind = kind
        self.with_fields = fields
        self.ids: list[str] = []
        self.cols: dict[str, Any] = {}
        self.fields: dict[str, Any] = {}
        # one object per distinct value of the few-valued columns (grades, relationships):
        # millions of rows then point at a handful of strings, which later passes over the
        # column find in cache, and the copies are freed right away
        self.canon: dict[Any, Any] = {}
        if kind == "schools":
            self.cols = {"in_district": (array("q"), [])}
        elif kind == "sections":
            self.cols = {"taught_at": (array("q"), []), "of_course": (array("q"), []),
                         "in_term": (array("q"), []), "enrolled_in": (array("q"), []),
                         "teaches": (array("q"), [], [])}
        elif kind == "users":
            self.cols = {"roles": array("B"), "attends": (array("q"), [], []),
                         "works_at": (array("q"), [], []), "administers": (array("q"), []),
                         "contact_for": (array("q"), [], [], [])}
        if fields:
            self.fields = {name: [] if t == "str" else array("B" if t == "bool" else "q")
                           for name, t in FIELDS.get(kind, {}).items()}

    def add(self, objs: list[Any]) -> None:
        base = len(self.ids)
        self.ids.extend(map(_ID, objs))
        if self.kind == "sections":
            self._sections(objs, base)
        elif self.kind == "users":
            self._users(objs, base)
        elif self.kind == "schools":
            _refs(list(map(_DISTRICT, objs)), base, *self.cols["in_district"])

    def at_positions(self, positions: np.ndarray) -> dict[str, Any]:
        """The graph columns with row ``i`` at ``positions[i]``: ``(positions, references,
        *attributes)`` per relation, a row per reference (the counted ones too)."""
        out: dict[str, Any] = {}
        for name, col in self.cols.items():
            if name == "roles":
                out[name] = np.frombuffer(col, dtype=np.uint8).copy()
                continue
            rows = _int64(col[0])
            if name in COUNTED:
                rows = np.repeat(np.arange(len(rows), dtype=np.int64), rows)
            out[name] = (positions[rows], *col[1:])
        return out

    def _sections(self, objs: list[Any], base: int) -> None:
        c = self.cols
        (sc_rows, sc_refs), (co_rows, co_refs), (te_rows, te_refs) = (
            c["taught_at"], c["of_course"], c["in_term"])
        cnt, refs = c["enrolled_in"]
        t_cnt, t_refs, t_prim = c["teaches"]
        for i, sec in enumerate(objs, base):  # (one pass per object, as for users)
            if sec.school is not None:
                sc_rows.append(i)
                sc_refs.append(sec.school)
            if sec.course is not None:
                co_rows.append(i)
                co_refs.append(sec.course)
            if sec.term_id is not None:
                te_rows.append(i)
                te_refs.append(sec.term_id)
            students = sec.students
            if students:
                cnt.append(len(students))
                refs.extend(students)
            else:
                cnt.append(0)
            teachers, t = sec.teachers, sec.teacher
            if not teachers:
                if t is None:
                    t_cnt.append(0)
                    continue
                teachers = (t,)
            t_refs.extend(teachers)
            t_cnt.append(len(teachers))
            # the primary teacher is `teacher`, else the first of `teachers` (an empty id
            # names no teacher: the first one given)
            p = t if t else _first_given(teachers)
            t_prim.extend([x == p for x in teachers])
        if not self.with_fields:
            return
        f = self.fields
        names = list(map(_NAME, objs))
        f["name"].extend(names)
        f["name_hash"].extend(map(hash, names))  # RG-SEC-004 groups names by hash
        grades = list(map(_GRADE, objs))
        f["grade"].extend(map(self.canon.setdefault, grades, grades))
        f["teacher"].extend(map(_TEACHER, objs))
        f["teachers_0"].extend(map(_first_given, map(_TEACHERS, objs)))

    def _users(self, objs: list[Any], base: int) -> None:
        c, f = self.cols, self.fields
        (a_rows, a_refs, a_prim), (w_rows, w_refs, w_prim) = c["attends"], c["works_at"]
        adm_rows, adm_refs = c["administers"]
        con_rows, con_refs, rel_col, type_col = c["contact_for"]
        canon = self.canon.setdefault
        n = len(objs)
        masks = bytearray(n)
        # RG-SCH-001's rows (a primary school missing from the role's list), marked here
        # where the lists are at hand: the rule then reads those records only
        unlisted_st, unlisted_te = bytearray(n), bytearray(n)
        # one pass per object: several times faster than a C-level map per attribute,
        # which builds a list per attribute and walks the batch once each
        for k, u in enumerate(objs):
            r = u.roles
            if r is None:
                continue
            i = base + k
            mask = 0
            st = r.student
            if st is not None:
                mask = _STUDENT_BIT
                if school_edges(a_rows, a_refs, a_prim, i, st.school, st.schools):
                    unlisted_st[k] = 1
            te, sf = r.teacher, r.staff
            if te is not None or sf is not None:
                if te is not None:
                    mask |= _TEACHER_BIT
                    if school_unlisted(te):
                        unlisted_te[k] = 1
                    schools = list(te.schools or ())
                else:
                    schools = []
                if sf is not None:
                    mask |= _STAFF_BIT
                    if sf.schools:
                        schools.extend(sf.schools)
                school_edges(w_rows, w_refs, w_prim, i, te.school if te is not None else None,
                             schools)
            if r.district_admin is not None:
                mask |= _ADMIN_BIT
                if u.district is not None:
                    adm_rows.append(i)
                    adm_refs.append(u.district)
            ct = r.contact
            if ct is not None:
                mask |= _CONTACT_BIT
                for rel in ct.student_relationships or ():
                    if rel.student is not None:  # one edge per relationship naming a student
                        con_rows.append(i)
                        con_refs.append(rel.student)
                        rel_col.append(canon(rel.relationship, rel.relationship))
                        type_col.append(canon(rel.type, rel.type))
            masks[k] = mask
        c["roles"].frombytes(masks)
        if not self.with_fields:
            return
        f["student_school_unlisted"].frombytes(unlisted_st)
        f["teacher_school_unlisted"].frombytes(unlisted_te)
        # RG-USR-001's test, made while the strings are fresh in cache (a later pass over
        # millions of them reads each from memory again)
        students = [r.student if r is not None else None for r in map(_ROLES, objs)]
        emails = list(map(_EMAIL, objs))
        f["email"].extend(emails)
        f["email_no_at"].extend(map(email_without_at, emails))
        f["email_hash"].extend(map(hash, emails))  # RG-USR-002/003 group emails by hash
        emails = [s.email if s is not None else None for s in students]
        f["student_email"].extend(emails)
        f["student_email_no_at"].extend(map(email_without_at, emails))
        grades = [s.grade if s is not None else None for s in students]
        f["student_grade"].extend(map(self.canon.setdefault, grades, grades))
        f["name_only_last"].extend(map(name_only_last, map(_NAME, objs)))



def record_columns(kind: str, items: Iterable[tuple[int, Any]]) -> dict[str, Any]:
    """The graph columns of some records of one kind (``schools``, ``sections``, ``users``).

    ``items`` are ``(position, record)`` pairs in roster order. Each relation
    the kind holds becomes ``(positions, references, *attributes)``: the
    position of the holding record (repeated per edge, an ``int64`` array) and the
    referenced id; ``users`` also gives ``roles`` (role bits, one per item). Fast
    readers collect the same columns with the same :class:`Columns` from the structs
    they decode, without building records.

    Examples
    --------
    >>> from rostergraph.model import Section
    >>> c = record_columns("sections", [(4, Section(id="s", teachers=("t1", "t2"),
    ...                                               students=("u1",)))])
    >>> pos, refs, primary = c["teaches"]
    >>> pos.tolist(), refs, primary, c["enrolled_in"][0].tolist()
    ([4, 4], ['t1', 't2'], [True, False], [4])
    """
    if kind not in ("schools", "sections", "users"):
        raise ValueError(f"no graph columns for {kind!r}")
    acc = Columns(kind, fields=False)
    positions = array("q")
    rest = iter(items)
    while batch := list(islice(rest, _RECORD_BATCH)):
        positions.extend([pos for pos, _ in batch])
        acc.add([rec for _, rec in batch])
    return acc.at_positions(_int64(positions))


#: Records taken into :class:`Columns` at a time by :func:`record_columns`.
_RECORD_BATCH = 4096


def field_columns(kind: str, records: Sequence[Any]) -> dict[str, np.ndarray]:
    """The field columns the rules read (:data:`rostergraph.fields.FIELDS`) of some
    records of one kind, one value per record: booleans, ``int64`` hashes (of this
    process only), or objects (``str`` or ``None``). The fast readers collect the same
    columns with the same :class:`Columns`.

    Examples
    --------
    >>> from rostergraph.model import Name, User
    >>> cols = field_columns("users", [User(id="u", name=Name(last="Lee"), email="x")])
    >>> cols["name_only_last"].tolist(), cols["email_no_at"].tolist(), cols["email"].tolist()
    ([True], [True], ['x'])
    """
    acc = Columns(kind)
    for b in range(0, len(records), _RECORD_BATCH):
        acc.add(list(records[b:b + _RECORD_BATCH]))
    out: dict[str, np.ndarray] = {}
    for name, col in acc.fields.items():
        if isinstance(col, array):
            arr = np.frombuffer(col, dtype=np.uint8 if col.typecode == "B" else np.int64)
            out[name] = arr.astype(bool) if col.typecode == "B" else arr.copy()
        else:
            out[name] = object_array(col)
    return out


def _int64(values: array) -> np.ndarray:
    """An ``array("q")`` as a numpy array of its own (the ``array`` stays resizable)."""
    return np.frombuffer(values, dtype=np.int64).copy() if len(values) else np.zeros(
        0, np.int64)
