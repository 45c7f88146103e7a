"""Reference rules: RG-REF-001 (id with no record), RG-REF-002 (user of the wrong role)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import repeat
from typing import Any

import numpy as np

from ..graph import NODE_KINDS, RELATIONS, ROLE_BITS, ROLE_NAMES, RosterGraph
from ..queries import _expand
from ..roster import Roster
from ._util import field_column, ids_given, role_mask
from .findings import FindingBlock, dense_codes
from .registry import RULES, rule

#: relation → (side holding the field: "src" or "dst", the field it comes from)
REFERRING_FIELD: dict[str, tuple[str, str]] = {
    "in_district": ("src", "district"),
    "taught_at": ("src", "school"),
    "of_course": ("src", "course"),
    "in_term": ("src", "term_id"),
    "enrolled_in": ("dst", "students"),
    "teaches": ("dst", "teachers"),
    "attends": ("src", "roles.student.school/schools"),
    "works_at": ("src", "roles.teacher.school/schools, roles.staff.schools"),
    "administers": ("src", "district"),
    "contact_for": ("src", "roles.contact.student_relationships[].student"),
}


def _pairs(ref: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (ref, other) index pairs."""
    n = int(other.max()) + 1 if len(other) else 1
    code = dense_codes(ref.astype(np.int64) * n + other)[0]
    return code // n, code % n


def _lookup(g: RosterGraph, kind: str, keys: list[str]) -> np.ndarray:
    """The node index of each of ``keys`` among ``kind``'s nodes (-1: none). A kind whose
    id dict a warm load has not made yet is searched in its records' hashed ids and its
    stubs, without making it (for two million users that dict takes over a second)."""
    lazy = g._pending(kind)
    if lazy is not None:
        at = lazy[0].rows(keys)
        for i in np.flatnonzero(at < 0).tolist():
            at[i] = lazy[1].get(keys[i], -1)
        return at
    return np.fromiter(map(g._index[kind].get, keys, repeat(-1)), dtype=np.int64,
                       count=len(keys))


def _found_as(g: RosterGraph, ids: np.ndarray, kind: str) -> np.ndarray:
    """The first other kind holding each id as a record (else ``None``). An id that another
    kind only references without a record (a stub) is not "found as" that kind: it has no
    record anywhere."""
    records = np.full(len(ids), None, dtype=object)
    keys = ids.tolist()
    for k in NODE_KINDS:
        if k == kind:
            continue
        at = _lookup(g, k, keys)
        records[(at >= 0) & (at < g.n_records(k)) & (records == None)] = k
    return records


_WORKS_AT_FIELDS = ((ROLE_BITS["teacher"], "roles.teacher.school/schools"),
                    (ROLE_BITS["staff"], "roles.staff.schools"))


def _rows(values: dict[str, Any], mask: np.ndarray) -> dict[str, Any]:
    """``values`` with each column cut to the rows of ``mask`` (constants kept)."""
    return {k: (v[mask] if isinstance(v, np.ndarray) else v) for k, v in values.items()}


@rule("RG-REF-001", "error", "reference to an id with no record (per relation)")
def ref_missing(roster: Roster, g: RosterGraph) -> Iterator[FindingBlock]:
    """One finding per (relation, referring record, missing id)."""
    deleted = tobedeleted_ids(roster)
    for name, rel in g.relations.items():
        sk, dk = rel.src_kind, rel.dst_kind
        holder, field = REFERRING_FIELD.get(name, ("src", name))
        if holder == "src":
            bad = np.flatnonzero(rel.dst >= g.n_records(dk))
            refs, miss, rkind, mkind = rel.src[bad], rel.dst[bad], sk, dk
        else:
            bad = np.flatnonzero(rel.src >= g.n_records(sk))
            refs, miss, rkind, mkind = rel.dst[bad], rel.src[bad], dk, sk
        if not len(bad):
            continue
        refs, miss = _pairs(refs, miss)
        ref_ids, missing = g.ids(rkind)[refs], g.ids(mkind)[miss]
        found = _found_as(g, missing, mkind)
        values: dict[str, Any] = {"relation": name, "field": field, "missing_kind": mkind}
        if name == "works_at":  # name only the roles the user holds
            masks = g.roles[refs]
            teacher = (masks & _WORKS_AT_FIELDS[0][0]) != 0
            staff = (masks & _WORKS_AT_FIELDS[1][0]) != 0
            named = np.full(len(refs), field, dtype=object)
            named[teacher & ~staff] = _WORKS_AT_FIELDS[0][1]
            named[staff & ~teacher] = _WORKS_AT_FIELDS[1][1]
            named[teacher & staff] = f"{_WORKS_AT_FIELDS[0][1]}, {_WORKS_AT_FIELDS[1][1]}"
            values["field"] = named
        yield from _missing_blocks(rkind, mkind, ref_ids, missing, found, values, deleted)
    # a section's `teacher` that is none of its `teachers` has no teaches edge, but it
    # still refers to a user
    at, teacher, users = _unlisted_teachers(g)
    miss = (users < 0) | (users >= g.n_records("user"))
    if miss.any():
        yield from _missing_blocks("section", "user", g.ids("section")[at[miss]], teacher[miss],
                                   _found_as(g, teacher[miss], "user"),
                                   {"relation": "teaches", "field": "teacher",
                                    "missing_kind": "user"}, deleted)


#: What RG-REF-001 adds when the missing id is the text NULL (any case): SQL exports write
#: an empty value so, and a CSV reader cannot tell it from an id.
NULL_TEXT_HINT = " (the id is the text {id1}: an SQL export's empty value?)"


#: What RG-REF-001 adds when the missing id is one a OneRoster bulk file gave in a row with
#: status ``tobedeleted`` (not loaded): the id is known, its record left out on purpose.
TOBEDELETED_HINT = " ({tobedeleted_in} has it as a row with status tobedeleted, which is not loaded)"

#: The OneRoster reader's note naming the ids of a file's rows with status tobedeleted
#: (``<file without .csv>: <n> rows with status tobedeleted not loaded: <id>, <id>, ...``,
#: the first 20, then ``…``).
_TOBEDELETED_NOTE = re.compile(r"(\w+): \d+ rows with status tobedeleted not loaded: (.*)")

#: The kind of a missing record → the OneRoster file whose rows are records of it.
_FILE_OF_KIND = {"user": "users", "section": "classes", "course": "courses",
                 "school": "orgs", "district": "orgs", "term": "academicSessions"}


def tobedeleted_ids(roster: Roster) -> dict[str, frozenset[str]]:
    """The ids each OneRoster file (``users``, ``classes``, ...: its name without
    ``.csv``) gave in rows with status ``tobedeleted``, as the reader's notes name them
    (a note names a file's first 20 only).

    Examples
    --------
    >>> from rostergraph.roster import Provenance
    >>> r = Roster(provenance=Provenance(source="b", format="oneroster", notes=(
    ...     "users: 2 rows with status tobedeleted not loaded: u1, u2",)))
    >>> sorted(tobedeleted_ids(r)["users"])
    ['u1', 'u2']
    """
    out: dict[str, set[str]] = {}
    for note in roster.provenance.notes:
        m = _TOBEDELETED_NOTE.fullmatch(note)
        if m is not None:
            out.setdefault(m.group(1), set()).update(m.group(2).removesuffix(" …").split(", "))
    return {f: frozenset(ids) for f, ids in out.items()}


def _missing_blocks(rkind: str, mkind: str, ref_ids: np.ndarray, missing: np.ndarray,
                    found: np.ndarray, values: dict[str, Any],
                    deleted: dict[str, frozenset[str]]) -> Iterator[FindingBlock]:
    """RG-REF-001's findings for (referring id, missing id) pairs: plain (with
    :data:`NULL_TEXT_HINT` when the id is the text NULL, :data:`TOBEDELETED_HINT` when
    its file gave it in a row with status tobedeleted: ``deleted``, from
    :func:`tobedeleted_ids`), and naming the kind of the records that hold the id
    (``found``, else ``None``)."""
    me = RULES["RG-REF-001"]
    head = f"{rkind} {{id0}}: {{field}} refers to {mkind} {{id1}}, which has no record"
    plain = found == None
    null = np.fromiter((isinstance(m, str) and m.lower() == "null" for m in missing.tolist()),
                       dtype=bool, count=len(missing))
    file = _FILE_OF_KIND.get(mkind, "")
    gone = deleted.get(file)
    left_out = (np.fromiter((m in gone for m in missing.tolist()), dtype=bool,
                            count=len(missing)) & plain & ~null
                if gone else np.zeros(len(missing), dtype=bool))
    for at, tail in ((plain & ~null & ~left_out, ""), (plain & null, NULL_TEXT_HINT)):
        if tail and not at.any():
            continue
        yield FindingBlock(me, rkind, ids=(ref_ids[at], missing[at]), message=head + tail,
                           values={**_rows(values, at), "missing": missing[at]})
    if left_out.any():
        yield FindingBlock(me, rkind, ids=(ref_ids[left_out], missing[left_out]),
                           message=head + TOBEDELETED_HINT,
                           values={**_rows(values, left_out), "missing": missing[left_out],
                                   "tobedeleted_in": f"{file}.csv"})
    yield FindingBlock(me, rkind, ids=(ref_ids[~plain], missing[~plain]),
                       message=head + " (the id is a {found_as})",
                       values={**_rows(values, ~plain), "missing": missing[~plain],
                               "found_as": found[~plain]})


def _unlisted_teachers(g: RosterGraph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sections whose ``teacher`` is set and none of their teaches edges (not in
    ``teachers``): their indices, the ``teacher`` ids and those ids' user node index (-1:
    no node). A section with no ``teachers`` has its ``teacher`` as its edge; an empty
    ``teacher`` names no one."""
    teacher = field_column(g, "section", "teacher")
    cand = np.flatnonzero(ids_given(teacher) & (teacher != field_column(g, "section",
                                                                         "teachers_0")))
    rel = g.relations["teaches"]
    which, pos = _expand(rel.rindptr, cand)  # each candidate's teaches edges
    same = g.ids("user")[rel.rsrc[pos]] == teacher[cand][which]
    at = cand[np.bincount(which[same], minlength=len(cand)) == 0]
    ids = teacher[at]
    return at, ids, _lookup(g, "user", ids.tolist())


#: relation → (side that must hold the role, role, the field)
_ROLE_REFS: tuple[tuple[str, str, str, str], ...] = (
    ("enrolled_in", "src", "student", "students"),
    ("teaches", "src", "teacher", "teachers"),
    ("contact_for", "dst", "student", "roles.contact.student_relationships[].student"),
)


@rule("RG-REF-002", "error", "section or contact refers to a user without the needed role")
def ref_wrong_role(roster: Roster, g: RosterGraph) -> Iterator[FindingBlock]:
    """``students``/``student_relationships`` naming a non-student, ``teachers`` a non-teacher."""
    n_u = g.n_records("user")
    for name, side, role, field in _ROLE_REFS:
        rel = g.relations[name]
        users = rel.src if side == "src" else rel.dst
        others = rel.dst if side == "src" else rel.src
        bad = np.flatnonzero((users < n_u) & ~role_mask(g, role)[users])
        if not len(bad):
            continue
        okind = RELATIONS[name][1] if side == "src" else RELATIONS[name][0]
        refs, users_at = _pairs(others[bad], users[bad])
        yield from _wrong_role_blocks(g, okind, g.ids(okind)[refs], users_at, name, role, field)
    # a section's `teacher` missing from its `teachers` (no teaches edge) names a user too
    at, _, users_at = _unlisted_teachers(g)
    rec = (users_at >= 0) & (users_at < n_u)
    rec[rec] = ~role_mask(g, "teacher")[users_at[rec]]
    yield from _wrong_role_blocks(g, "section", g.ids("section")[at[rec]], users_at[rec],
                                  "teaches", "teacher", "teacher")


def _wrong_role_blocks(g: RosterGraph, okind: str, refs: np.ndarray, users_at: np.ndarray,
                       relation: str, role: str, field: str) -> Iterator[FindingBlock]:
    """RG-REF-002's findings for (referring id, user index) pairs, one block per role
    combination of the users."""
    me = RULES["RG-REF-002"]
    uids = g.ids("user")
    masks = g.roles[users_at]
    for mask in sorted(set(masks.tolist())):
        have = tuple(r for r in ROLE_NAMES if mask & ROLE_BITS[r])
        at = masks == mask
        uid = uids[users_at[at]]
        yield FindingBlock(
            me, okind, ids=(refs[at], uid),
            message=(f"{okind} {{id0}}: {field} lists user {{id1}}, who has no {role} role "
                     f"(roles: {', '.join(have) if have else 'none'})"),
            values={"relation": relation, "field": field, "user": uid, "expected_role": role,
                    "roles": have})
