"""Graph columns: the reference columns of a roster, from records or from a fast reader.

The lowest layer shared by the readers and the graph. A reader that never
builds records (the fast JSON Lines scan) and :func:`record_columns` (which
reads records) give the same columns, and the graph is built from them. Ids
that a reader already turned into record positions travel as
:class:`CodedRefs`.

Examples
--------
>>> from rostergraph.columns import record_columns
>>> from rostergraph.model import School
>>> record_columns("schools", [(0, School(id="s1", district="d1"))])
{'in_district': ([0], ['d1'])}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from .model import ROLE_NAMES

__all__ = ["NODE_KINDS", "RECORDS_OF", "RELATIONS", "RELATION_SPECS", "ROLE_BITS", "CodedRefs",
           "Codes", "ReaderColumns", "RelationSpec", "object_array", "record_columns",
           "school_edges"]

#: role name → its bit in a user's role mask.
ROLE_BITS: dict[str, int] = {name: 1 << i for i, name in enumerate(ROLE_NAMES)}

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
    def from_refs(cls, refs: Sequence[str], index: dict[str, int]) -> CodedRefs:
        """Code ``refs`` with ``index`` (one C-level dict lookup each)."""
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
                return True
            return False
    elif not schools:
        return False
    unlisted = primary is not None and primary not in schools
    seen = {primary}
    for s in schools:
        if s not in seen:
            seen.add(s)
            rows.append(pos)
            refs.append(s)
            prim.append(False)
    return unlisted


def record_columns(kind: str, items: Iterable[tuple[int, Any]]) -> dict[str, Any]:
    """The graph columns of some records of one kind (``schools``, ``sections``, ``users``).

    ``items`` are ``(position, record)`` pairs in roster order. Each relation
    the kind owns becomes ``(positions, references, *attributes)``: the
    position of the owning record (repeated per edge) and the referenced id;
    ``users`` also gives ``roles`` (role bits by position). Fast readers
    produce the same columns without building records.

    Examples
    --------
    >>> from rostergraph.model import Section
    >>> c = record_columns("sections", [(0, Section(id="s", teachers=("t1", "t2"),
    ...                                               students=("u1",)))])
    >>> c["teaches"], c["enrolled_in"]
    (([0, 0], ['t1', 't2'], [True, False]), ([0], ['u1']))
    """
    if kind == "schools":
        rows: list[int] = []
        refs: list[str] = []
        for pos, sc in items:
            if sc.district is not None:
                rows.append(pos)
                refs.append(sc.district)
        return {"in_district": (rows, refs)}
    if kind == "sections":
        out: dict[str, Any] = {n: ([], []) for n in ("taught_at", "of_course", "in_term",
                                                     "enrolled_in")}
        out["teaches"] = ([], [], [])
        taught, course, term = out["taught_at"], out["of_course"], out["in_term"]
        enr, tea = out["enrolled_in"], out["teaches"]
        for pos, sec in items:
            if sec.school is not None:
                taught[0].append(pos)
                taught[1].append(sec.school)
            if sec.course is not None:
                course[0].append(pos)
                course[1].append(sec.course)
            if sec.term_id is not None:
                term[0].append(pos)
                term[1].append(sec.term_id)
            if sec.students:
                enr[0].extend([pos] * len(sec.students))
                enr[1].extend(sec.students)
            teachers = sec.teachers
            if not teachers and sec.teacher is not None:
                teachers = (sec.teacher,)
            if teachers:
                tea[0].extend([pos] * len(teachers))
                tea[1].extend(teachers)
                # the primary teacher is `teacher`, else the first of `teachers`
                primary = sec.teacher if sec.teacher is not None else teachers[0]
                tea[2].extend([t == primary for t in teachers])
        return out
    if kind != "users":
        raise ValueError(f"no graph columns for {kind!r}")
    att: tuple[list[Any], ...] = ([], [], [])
    works: tuple[list[Any], ...] = ([], [], [])
    adm: tuple[list[Any], ...] = ([], [])
    con: tuple[list[Any], ...] = ([], [], [], [])
    roles_list: list[int] = []
    bits = ROLE_BITS
    for pos, u in items:
        r = u.roles
        mask = 0
        st = r.student
        if st is not None:
            mask |= bits["student"]
            school_edges(att[0], att[1], att[2], pos, st.school, st.schools)
        te, sf = r.teacher, r.staff
        if te is not None:
            mask |= bits["teacher"]
        if sf is not None:
            mask |= bits["staff"]
        if te is not None or sf is not None:
            schools = list(te.schools or ()) if te is not None else []
            if sf is not None and sf.schools:
                schools.extend(sf.schools)
            school_edges(works[0], works[1], works[2], pos,
                          te.school if te is not None else None, schools)
        if r.district_admin is not None:
            mask |= bits["district_admin"]
            if u.district is not None:
                adm[0].append(pos)
                adm[1].append(u.district)
        ct = r.contact
        if ct is not None:
            mask |= bits["contact"]
            for rel in ct.student_relationships or ():
                if rel.student is not None:
                    con[0].append(pos)
                    con[1].append(rel.student)
                    con[2].append(rel.relationship)
                    con[3].append(rel.type)
        roles_list.append(mask)
    return {"roles": roles_list, "attends": att, "works_at": works, "administers": adm,
            "contact_for": con}
