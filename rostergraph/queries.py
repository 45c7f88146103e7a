"""Association queries over a :class:`~rostergraph.graph.RosterGraph`.

Plain functions ``f(graph, ...) -> Table`` (or ``bool``) working on the CSR
arrays only (never on the networkx view). The definitions are DESIGN §5, the
contract, quoted in each docstring's Notes.

Common ground for every query:

- Stub nodes (ids referenced but without a record) take part in no answer.
- A section links the users it lists; duplicated entries in a section's
  ``students`` or ``teachers`` count once.
- Rows come out in a deterministic order (the roster's record order).

Examples
--------
>>> import rostergraph
>>> from rostergraph.queries import reach_pairs, orphaned_users
>>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
>>> pairs = reach_pairs(g)
>>> pairs.columns
['teacher', 'student', 'sections']
>>> sorted(set(orphaned_users(g).column("reason")))
['no_school', 'no_section', 'no_student']
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from .graph import ROLE_BITS, RosterGraph
from .table import Table

__all__ = [
    "can_reach",
    "cross_school_enrollments",
    "cross_school_teaching",
    "linking_sections",
    "orphaned_users",
    "reach_pairs",
    "school_flow",
    "students_of",
    "summary",
    "teachers_of",
    "visible_users",
]

# Derived arrays computed once per graph (graphs are immutable).
_CACHE: weakref.WeakKeyDictionary[RosterGraph, dict[str, Any]] = weakref.WeakKeyDictionary()


def _cache(g: RosterGraph) -> dict[str, Any]:
    c = _CACHE.get(g)
    if c is None:
        c = {}
        _CACHE[g] = c
    return c


def _expand(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For CSR ``indptr`` and some rows: (position in ``rows``, data position) of every entry."""
    rows = np.asarray(rows, dtype=np.int64)
    starts = indptr[rows]
    lens = indptr[rows + 1] - starts
    total = int(lens.sum())
    which = np.repeat(np.arange(len(rows), dtype=np.int64), lens)
    offsets = np.cumsum(lens) - lens
    pos = np.arange(total, dtype=np.int64) - np.repeat(offsets, lens) + starts[which]
    return which, pos


def _pairs(g: RosterGraph, relation: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (user, section) edges of ``enrolled_in``/``teaches`` between records.

    Returns ``(user, section, primary)`` sorted by section then user;
    ``primary`` is the teacher's flag (any of its duplicates) or all False.
    """
    c = _cache(g)
    key = "pairs:" + relation
    if key in c:
        return c[key]
    rel = g.relations[relation]
    n_u, n_s = g.n_records("user"), g.n_records("section")
    ok = (rel.src < n_u) & (rel.dst < n_s)
    u = rel.src[ok].astype(np.int64)
    s = rel.dst[ok].astype(np.int64)
    prim = rel.attrs["primary"][ok] if "primary" in rel.attrs else np.zeros(len(u), bool)
    k = s * max(n_u, 1) + u
    order = np.argsort(k, kind="stable")
    k, prim = k[order], prim[order]
    first = np.ones(len(k), dtype=bool)
    first[1:] = k[1:] != k[:-1]
    if not first.all():
        # a duplicated listing: keep one edge, primary if any duplicate is
        prim = np.logical_or.reduceat(prim, np.flatnonzero(first))
        k = k[first]
    else:
        prim = prim.copy()
    out = (k % max(n_u, 1), k // max(n_u, 1), prim.astype(bool))
    c[key] = out
    return out


def _section_csr(g: RosterGraph, relation: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR by section over distinct pairs: ``(indptr, users, primary)``."""
    c = _cache(g)
    key = "bysec:" + relation
    if key not in c:
        u, s, p = _pairs(g, relation)
        n_s = g.n_records("section")
        indptr = np.zeros(n_s + 1, dtype=np.int64)
        np.cumsum(np.bincount(s, minlength=n_s), out=indptr[1:])
        c[key] = (indptr, u, p)
    return c[key]


def _user_csr(g: RosterGraph, relation: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR by user over distinct pairs: ``(indptr, sections, primary)``."""
    c = _cache(g)
    key = "byuser:" + relation
    if key not in c:
        u, s, p = _pairs(g, relation)
        n_u = g.n_records("user")
        order = np.argsort(u, kind="stable")
        indptr = np.zeros(n_u + 1, dtype=np.int64)
        np.cumsum(np.bincount(u, minlength=n_u), out=indptr[1:])
        c[key] = (indptr, s[order], p[order])
    return c[key]


def _ids(g: RosterGraph, kind: str, idx: np.ndarray) -> np.ndarray:
    return g.ids(kind)[np.asarray(idx, dtype=np.int64)]


def _single_target(g: RosterGraph, relation: str, kind: str,
                   include_stubs: bool = False) -> np.ndarray:
    """For ``taught_at``-like relations: target index per source, -1 if none (or a stub)."""
    rel = g.relations[relation]
    n_src = g.n_nodes(rel.src_kind)
    out = np.full(n_src, -1, dtype=np.int64)
    ok = np.ones(len(rel.dst), bool) if include_stubs else rel.dst < g.n_records(kind)
    # first edge per source wins (a section has one school)
    src, dst = rel.src[ok][::-1], rel.dst[ok][::-1]
    out[src] = dst
    return out


def _primary_school(g: RosterGraph, relation: str) -> np.ndarray:
    """Primary school index per user (from ``attends``/``works_at``), -1 if none or a stub."""
    c = _cache(g)
    key = "prim:" + relation
    if key not in c:
        rel = g.relations[relation]
        out = np.full(g.n_nodes("user"), -1, dtype=np.int64)
        ok = rel.attrs["primary"] & (rel.dst < g.n_records("school"))
        out[rel.src[ok][::-1]] = rel.dst[ok][::-1]
        c[key] = out
    return c[key]


# --- reach -------------------------------------------------------------------


def students_of(g: RosterGraph, teacher_id: str, *, primary_only: bool = False) -> Table:
    """The students a teacher reaches, with the number of linking sections.

    Parameters
    ----------
    g:
        The roster graph.
    teacher_id:
        A user id holding the teacher role.
    primary_only:
        Count only sections where the teacher is the primary teacher.

    Returns
    -------
    Table
        ``student``, ``sections`` (distinct linking sections), ``primary``
        (the teacher is primary in at least one of them).

    Raises
    ------
    UnknownIdError
        The id names no user. ``WrongKindError`` if it is not a teacher.

    Notes
    -----
    DESIGN §5: "**reach(teacher)**: students enrolled in at least one section
    whose `teachers` list contains the teacher (primary or co-teacher)."

    Examples
    --------
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> t = reach_pairs(g).column("teacher")[0]
    >>> students_of(g, t).columns
    ['student', 'sections', 'primary']
    """
    t = g.index_of("user", teacher_id, role="teacher")
    indptr, secs, prim = _user_csr(g, "teaches")
    my_secs, my_prim = secs[indptr[t]:indptr[t + 1]], prim[indptr[t]:indptr[t + 1]]
    if primary_only:
        my_secs, my_prim = my_secs[my_prim], my_prim[my_prim]
    sindptr, studs, _ = _section_csr(g, "enrolled_in")
    which, pos = _expand(sindptr, my_secs)
    s = studs[pos]
    p = my_prim[which]
    uniq, inv, counts = np.unique(s, return_inverse=True, return_counts=True)
    anyp = np.zeros(len(uniq), dtype=bool)
    np.logical_or.at(anyp, inv, p)
    return Table({"student": _ids(g, "user", uniq), "sections": counts.astype(np.int64),
                  "primary": anyp}, name=f"students of {teacher_id}")


def teachers_of(g: RosterGraph, student_id: str) -> Table:
    """The teachers of a student's sections, with the number of shared sections.

    Returns
    -------
    Table
        ``teacher``, ``sections``, ``primary`` (primary teacher of at least
        one shared section).

    Raises
    ------
    UnknownIdError
        The id names no user. ``WrongKindError`` if it is not a student.

    Notes
    -----
    The reverse of reach (DESIGN §5): a teacher of the student is a user in
    the ``teachers`` list of a section whose ``students`` list the student.

    Examples
    --------
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> s = reach_pairs(g).column("student")[0]
    >>> len(teachers_of(g, s)) >= 1
    True
    """
    s = g.index_of("user", student_id, role="student")
    indptr, secs, _ = _user_csr(g, "enrolled_in")
    my_secs = secs[indptr[s]:indptr[s + 1]]
    tindptr, teachers, tprim = _section_csr(g, "teaches")
    _, pos = _expand(tindptr, my_secs)
    t, p = teachers[pos], tprim[pos]
    uniq, inv, counts = np.unique(t, return_inverse=True, return_counts=True)
    anyp = np.zeros(len(uniq), dtype=bool)
    np.logical_or.at(anyp, inv, p)
    return Table({"teacher": _ids(g, "user", uniq), "sections": counts.astype(np.int64),
                  "primary": anyp}, name=f"teachers of {student_id}")


def _linking(g: RosterGraph, teacher_id: str, student_id: str) -> tuple[np.ndarray, np.ndarray]:
    t = g.index_of("user", teacher_id, role="teacher")
    s = g.index_of("user", student_id, role="student")
    tin, tsec, tprim = _user_csr(g, "teaches")
    sin, ssec, _ = _user_csr(g, "enrolled_in")
    a, ap = tsec[tin[t]:tin[t + 1]], tprim[tin[t]:tin[t + 1]]
    b = ssec[sin[s]:sin[s + 1]]
    keep = np.isin(a, b)
    order = np.argsort(a[keep], kind="stable")
    return a[keep][order], ap[keep][order]


def can_reach(g: RosterGraph, teacher_id: str, student_id: str) -> bool:
    """Whether the teacher reaches the student through at least one section.

    Notes
    -----
    DESIGN §5: reach(teacher) is the "students enrolled in at least one
    section whose `teachers` list contains the teacher (primary or
    co-teacher)". Sections are the only student–teacher link.

    Examples
    --------
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> t, s, _ = next(iter(reach_pairs(g)))
    >>> can_reach(g, t, s)
    True
    """
    return bool(len(_linking(g, teacher_id, student_id)[0]))


def linking_sections(g: RosterGraph, teacher_id: str, student_id: str) -> Table:
    """Why a teacher reaches a student: the sections that link them.

    Returns
    -------
    Table
        ``section``, ``name``, ``school``, ``term``, ``course``, ``primary``
        (the teacher is that section's primary teacher). Empty when the
        teacher does not reach the student.

    Notes
    -----
    DESIGN §5: "`linking_sections(teacher, student)` (the explanation: which
    sections, with the teacher's primary flag)".

    Examples
    --------
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> t, s, n = next(iter(reach_pairs(g)))
    >>> len(linking_sections(g, t, s)) == n
    True
    """
    secs, prim = _linking(g, teacher_id, student_id)
    ids = _ids(g, "section", secs).tolist()
    recs = [g.roster.sections[i] for i in ids]
    return Table({
        "section": ids,
        "name": [r.name for r in recs],
        "school": [r.school for r in recs],
        "term": [r.term_id for r in recs],
        "course": [r.course for r in recs],
        "primary": prim.astype(bool),
    }, name=f"sections linking {teacher_id} and {student_id}")


def _section_filter(g: RosterGraph, school: str | None, term: str | None) -> np.ndarray | None:
    n_s = g.n_records("section")
    if school is None and term is None:
        return None
    keep = np.ones(n_s, dtype=bool)
    if school is not None:
        # a referenced id without a record is still a valid filter
        sc = g.index_of("school", school, allow_missing=True)
        keep &= _single_target(g, "taught_at", "school", True)[:n_s] == sc
    if term is not None:
        tm = g.index_of("term", term, allow_missing=True)
        keep &= _single_target(g, "in_term", "term", True)[:n_s] == tm
    return keep


def _reach_codes(g: RosterGraph, keep: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Distinct pair codes ``teacher * n_users + student`` and their section counts."""
    c = _cache(g)
    if keep is None and "reach" in c:
        return c["reach"]
    n_u = max(g.n_records("user"), 1)
    tu, ts, _ = _pairs(g, "teaches")            # sorted by section
    sindptr, studs, _ = _section_csr(g, "enrolled_in")
    if keep is not None:
        sel = keep[ts]
        tu, ts = tu[sel], ts[sel]
    which, pos = _expand(sindptr, ts)           # one entry per (teacher edge, student)
    codes = tu[which] * n_u + studs[pos]
    # each (teacher, section, student) is distinct, so counting codes counts sections
    codes.sort()
    if len(codes):
        starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
        counts = np.diff(np.r_[starts, len(codes)])
        uniq = codes[starts]
    else:
        uniq, counts = codes, np.zeros(0, dtype=np.int64)
    out = (uniq, counts.astype(np.int64))
    if keep is None:
        c["reach"] = out
    return out


def reach_pairs(g: RosterGraph, *, school: str | None = None, term: str | None = None) -> Table:
    """Every distinct (teacher, student) pair linked by a section, with the link count.

    Parameters
    ----------
    school, term:
        Count only sections taught at this school / in this term.

    Returns
    -------
    Table
        ``teacher``, ``student``, ``sections`` (number of linking sections),
        ordered by teacher then student (roster order).

    Notes
    -----
    DESIGN §5: "**reach(teacher)**: students enrolled in at least one
    section whose `teachers` list contains the teacher (primary or
    co-teacher)." Computed for all teachers at once over the CSR arrays:
    each (teacher, section) edge expands to the section's students and the
    pair codes are counted after one sort.

    Examples
    --------
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> p = reach_pairs(g)
    >>> int(p["sections"].min()) >= 1
    True
    """
    keep = _section_filter(g, school, term)
    codes, counts = _reach_codes(g, keep)
    n_u = max(g.n_records("user"), 1)
    return Table({"teacher": _ids(g, "user", codes // n_u),
                  "student": _ids(g, "user", codes % n_u),
                  "sections": counts}, name="reach pairs")


# --- visibility ----------------------------------------------------------------


def _staff_schools(g: RosterGraph, user_id: str) -> tuple[str, ...]:
    staff = g.roster.users[user_id].roles.staff
    return staff.schools or () if staff is not None else ()


def visible_users(g: RosterGraph, user_id: str) -> Table:
    """What a user may see under their roles, and through what.

    Returns
    -------
    Table
        ``user`` (a visible user), ``role`` (the viewer's role that grants
        it), ``via`` (section id, school id, district id or the contact's
        relationship). One row per distinct (user, role, via); the viewer is
        never listed.

    Notes
    -----
    DESIGN §5: "**visible_users(user)**, by role, the union over a
    multi-role user's roles: teacher → students in their sections (plus
    those sections' other teachers); staff → users whose schools (primary or
    not) intersect the staff member's `schools`; district_admin → every user
    of the district; contact → the students in `student_relationships` that
    exist; student → the teachers of their sections."

    Examples
    --------
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> t = reach_pairs(g).column("teacher")[0]
    >>> set(students_of(g, t).column("student")) <= set(visible_users(g, t).column("user"))
    True
    """
    u = g.index_of("user", user_id)
    n_u = g.n_records("user")
    mask = int(g.roles[u])
    parts: list[tuple[np.ndarray, str, np.ndarray]] = []  # (user idx, role, via ids)
    sec_ids = g.ids("section")
    if mask & ROLE_BITS["teacher"]:
        tin, tsec, _ = _user_csr(g, "teaches")
        my = tsec[tin[u]:tin[u + 1]]
        sindptr, studs, _ = _section_csr(g, "enrolled_in")
        w, pos = _expand(sindptr, my)
        parts.append((studs[pos], "teacher", sec_ids[my[w]]))
        tindptr, teachers, _ = _section_csr(g, "teaches")
        w, pos = _expand(tindptr, my)
        parts.append((teachers[pos], "teacher", sec_ids[my[w]]))
    if mask & ROLE_BITS["student"]:
        sin, ssec, _ = _user_csr(g, "enrolled_in")
        my = ssec[sin[u]:sin[u + 1]]
        tindptr, teachers, _ = _section_csr(g, "teaches")
        w, pos = _expand(tindptr, my)
        parts.append((teachers[pos], "student", sec_ids[my[w]]))
    if mask & ROLE_BITS["staff"]:
        found = [g.index_of("school", s, allow_missing=True) for s in _staff_schools(g, user_id)]
        school_idx = np.array([i for i in found if i < g.n_records("school")], dtype=np.int64)
        for rel_name in ("attends", "works_at"):
            rel = g.relations[rel_name]
            w, pos = _expand(rel.rindptr, school_idx)
            who = rel.rsrc[pos]
            parts.append((who, "staff", g.ids("school")[school_idx[w]]))
    if mask & ROLE_BITS["district_admin"]:
        district = g.roster.users[user_id].district
        same = np.fromiter((v.district == district for v in g.roster.users.values()),
                           dtype=bool, count=n_u)
        who = np.flatnonzero(same)
        via = np.empty(len(who), dtype=object)
        via[:] = district if district is not None else ""
        parts.append((who, "district_admin", via))
    if mask & ROLE_BITS["contact"]:
        rel = g.relations["contact_for"]
        lo, hi = rel.indptr[u], rel.indptr[u + 1]
        who = rel.dst[lo:hi]
        rels = rel.attrs["relationship"][lo:hi]
        ok = (who < n_u) & g.has_role("student")[who]
        via = np.array(["" if r is None else r for r in rels[ok].tolist()] or [], dtype=object)
        parts.append((who[ok], "contact", via))
    rows = {(int(w), role, v) for who, role, via in parts
            for w, v in zip(who.tolist(), via.tolist()) if w < n_u and w != u}
    rows_sorted = sorted(rows, key=lambda r: (r[0], r[1], r[2]))
    users = g.ids("user")
    return Table({"user": [users[r[0]] for r in rows_sorted],
                  "role": [r[1] for r in rows_sorted],
                  "via": [r[2] for r in rows_sorted]}, name=f"visible to {user_id}")


# --- cross-school ---------------------------------------------------------------


def _cross_idx(g: RosterGraph, relation: str, school_rel: str) -> tuple[np.ndarray, ...]:
    """(user, section, section school, primary school, in_schools) index arrays."""
    c = _cache(g)
    key = "cross:" + relation
    if key in c:
        return c[key]
    u, s, _ = _pairs(g, relation)
    sec_school = _single_target(g, "taught_at", "school")[: g.n_records("section")]
    prim = _primary_school(g, school_rel)
    sch = sec_school[s]
    home = prim[u]
    ok = (sch >= 0) & (home >= 0) & (sch != home)
    u, s, sch, home = u[ok], s[ok], sch[ok], home[ok]
    rel = g.relations[school_rel]
    n_sc = max(g.n_nodes("school"), 1)
    # membership by binary search in the sorted (user, school) codes (np.unique/np.isin
    # were the slow part at L)
    member = np.sort(rel.src.astype(np.int64) * n_sc + rel.dst)
    want = u * n_sc + sch
    pos = np.minimum(np.searchsorted(member, want), max(len(member) - 1, 0))
    in_schools = member[pos] == want if len(member) else np.zeros(len(want), dtype=bool)
    order = np.lexsort((s, u))
    out = (u[order], s[order], sch[order], home[order], in_schools[order])
    c[key] = out
    return out


def _cross(g: RosterGraph, relation: str, school_rel: str, who: str) -> Table:
    u, s, sch, home, in_schools = _cross_idx(g, relation, school_rel)
    school_ids = g.ids("school")
    return Table({
        who: _ids(g, "user", u),
        "section": _ids(g, "section", s),
        "school": school_ids[sch],
        "primary_school": school_ids[home],
        "in_schools": in_schools,
    }, name=f"cross-school {'enrollments' if who == 'student' else 'teaching'}")


def cross_school_enrollments(g: RosterGraph) -> Table:
    """(student, section) pairs whose section is not at the student's primary school.

    Returns
    -------
    Table
        ``student``, ``section``, ``school`` (the section's school),
        ``primary_school`` (the student's), ``in_schools`` (whether the
        section's school is in the student's ``schools`` at all; ``False``
        is a data conflict).

    Notes
    -----
    DESIGN §5: "**cross-school enrollment**: a (student, section) pair where
    the section's school is not the student's primary school; a student is
    *cross-school* if they have at least one such pair. Also reported: pairs
    where the section's school is not in the student's `schools` at all (a
    data conflict)". Pairs where either school is unknown (no primary
    school, or a school without a record) are left to the rules.

    Examples
    --------
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> t = cross_school_enrollments(g)
    >>> all(row[2] != row[3] for row in t)
    True
    """
    return _cross(g, "enrolled_in", "attends", "student")


def cross_school_teaching(g: RosterGraph) -> Table:
    """(teacher, section) pairs whose section is not at the teacher's primary school.

    Returns
    -------
    Table
        ``teacher``, ``section``, ``school``, ``primary_school``,
        ``in_schools`` (the section's school is among the teacher's schools,
        from the teacher and staff roles).

    Notes
    -----
    DESIGN §5: cross-school enrollment, "the same for teachers
    (`cross_school_teaching`)".

    Examples
    --------
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> len(cross_school_teaching(g)) >= 1
    True
    """
    return _cross(g, "teaches", "works_at", "teacher")


def school_flow(g: RosterGraph) -> Table:
    """The home school → section school matrix of cross-school enrollments (long form).

    Returns
    -------
    Table
        ``primary_school``, ``school``, ``pairs`` ((student, section)
        pairs), ``students`` (distinct students); one row per non-empty
        cell, ordered by primary school then school.

    Examples
    --------
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> f = school_flow(g)
    >>> int(f["pairs"].sum()) == len(cross_school_enrollments(g))
    True
    """
    u, _, sch, home, _ = _cross_idx(g, "enrolled_in", "attends")
    n_sc = max(g.n_nodes("school"), 1)
    n_u = max(g.n_records("user"), 1)
    cell = home * n_sc + sch
    ucell, pairs = np.unique(cell, return_counts=True)
    # distinct students per cell: count distinct (cell, student) codes
    cs = np.unique(cell * n_u + u)
    students = np.bincount(np.searchsorted(ucell, cs // n_u), minlength=len(ucell))
    school_ids = g.ids("school")
    return Table({"primary_school": school_ids[ucell // n_sc], "school": school_ids[ucell % n_sc],
                  "pairs": pairs.astype(np.int64), "students": students.astype(np.int64)},
                 name="school flow")


# --- orphans --------------------------------------------------------------------


def orphaned_users(g: RosterGraph) -> Table:
    """Every (user, role) whose role links the user to no one.

    Returns
    -------
    Table
        ``user``, ``role``, ``reason`` (``no_section``, ``no_student``,
        ``no_school``), ordered by user (roster order) then role.

    Notes
    -----
    DESIGN §5: "**orphaned users**: one row per (user, role) where that role
    links the user to no one — student role in no section (`no_section`);
    teacher role in no section (`no_section`); contact role with no
    relationship to an existing student (`no_student`); staff role with no
    school (`no_school`). A multi-role user appears once per orphaned role.
    A district admin is never orphaned. References to missing records are
    not orphans: they are findings of RG-REF-001." Only existing sections,
    students and schools link; the missing records themselves are never
    listed.

    Examples
    --------
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> orphaned_users(g).columns
    ['user', 'role', 'reason']
    """
    n_u = g.n_records("user")
    roles = g.roles[:n_u]
    found: list[tuple[np.ndarray, int, str, str]] = []
    for role, relation in (("student", "enrolled_in"), ("teacher", "teaches")):
        indptr, _, _ = _user_csr(g, relation)
        none = (np.diff(indptr) == 0) & ((roles & ROLE_BITS[role]) != 0)
        found.append((np.flatnonzero(none), ROLE_NAMES_ORDER[role], role, "no_section"))
    # contact: a relationship to an existing user holding the student role
    rel = g.relations["contact_for"]
    is_student = np.zeros(g.n_nodes("user"), dtype=bool)
    is_student[:n_u] = (roles & ROLE_BITS["student"]) != 0
    linked = np.zeros(n_u, dtype=bool)
    good = is_student[rel.dst] & (rel.src < n_u)
    linked[rel.src[good]] = True
    none = ~linked & ((roles & ROLE_BITS["contact"]) != 0)
    found.append((np.flatnonzero(none), ROLE_NAMES_ORDER["contact"], "contact", "no_student"))
    # staff: the staff role's own `schools`, counting schools that exist
    schools = g.roster.schools
    staff_idx = np.flatnonzero((roles & ROLE_BITS["staff"]) != 0)
    users = g.ids("user")
    no_school = [i for i in staff_idx.tolist()
                 if not any(s in schools for s in _staff_schools(g, users[i]))]
    found.append((np.asarray(no_school, dtype=np.int64), ROLE_NAMES_ORDER["staff"], "staff",
                  "no_school"))
    idx = np.concatenate([f[0] for f in found]).astype(np.int64)
    order_key = np.concatenate([np.full(len(f[0]), f[1]) for f in found])
    role_col = np.concatenate([np.full(len(f[0]), f[2], dtype=object) for f in found])
    reason_col = np.concatenate([np.full(len(f[0]), f[3], dtype=object) for f in found])
    order = np.lexsort((order_key, idx))
    return Table({"user": _ids(g, "user", idx[order]), "role": role_col[order],
                  "reason": reason_col[order]}, name="orphaned users")


ROLE_NAMES_ORDER = {"student": 0, "teacher": 1, "staff": 2, "district_admin": 3, "contact": 4}


# --- aggregates --------------------------------------------------------------------


def _histogram(values: np.ndarray, value_name: str, count_name: str) -> Table:
    if not len(values):
        return Table({value_name: np.zeros(0, np.int64), count_name: np.zeros(0, np.int64)})
    uniq, counts = np.unique(values, return_counts=True)
    return Table({value_name: uniq.astype(np.int64), count_name: counts.astype(np.int64)})


def summary(g: RosterGraph) -> dict[str, Table]:
    """The aggregates reports use, each a Table.

    Returns
    -------
    dict
        ``counts`` (``kind``, ``records``, ``missing``), ``roles`` (``role``,
        ``users``), ``section_sizes`` (``students``, ``sections``),
        ``teachers_per_section`` (``teachers``, ``sections``),
        ``schools_per_user`` (``role``, ``schools``, ``users``),
        ``reach_set_sizes`` (``students``, ``teachers``: how many teachers
        reach that many distinct students).

    Examples
    --------
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> s = summary(g)
    >>> int(s["section_sizes"]["sections"].sum()) == g.counts()["section"]
    True
    """
    counts, stubs = g.counts(), g.stub_counts()
    n_u = g.n_records("user")
    roles = g.roles[:n_u]
    sindptr, _, _ = _section_csr(g, "enrolled_in")
    tindptr, _, _ = _section_csr(g, "teaches")
    per_user: dict[str, list[Any]] = {"role": [], "schools": [], "users": []}
    for role in ("student", "teacher", "staff"):
        rels = ("attends",) if role == "student" else ("works_at",)
        n_schools = np.zeros(g.n_nodes("user"), dtype=np.int64)
        for rname in rels:
            rel = g.relations[rname]
            ok = rel.dst < g.n_records("school")
            n_schools += np.bincount(rel.src[ok], minlength=g.n_nodes("user"))
        has = (roles & ROLE_BITS[role]) != 0
        h = _histogram(n_schools[:n_u][has], "schools", "users")
        per_user["role"] += [role] * len(h)
        per_user["schools"] += h.column("schools")
        per_user["users"] += h.column("users")
    codes, _ = _reach_codes(g, None)
    teachers = np.flatnonzero((roles & ROLE_BITS["teacher"]) != 0)
    reach_size = np.bincount(codes // max(n_u, 1), minlength=n_u)[teachers] if n_u else codes
    return {
        "counts": Table({"kind": list(counts), "records": list(counts.values()),
                         "missing": [stubs[k] for k in counts]}, name="records"),
        "roles": Table({"role": list(g.role_counts()),
                        "users": list(g.role_counts().values())}, name="users by role"),
        "section_sizes": _histogram(np.diff(sindptr), "students", "sections"),
        "teachers_per_section": _histogram(np.diff(tindptr), "teachers", "sections"),
        "schools_per_user": Table(per_user, name="schools per user"),
        "reach_set_sizes": _histogram(reach_size, "students", "teachers"),
    }
