"""Where rosters cross schools: ``cross_school_enrollments``, ``cross_school_teaching``,
``school_flow``."""

from __future__ import annotations

import numpy as np

from ..graph import RosterGraph
from ..table import LazyTake, Table
from ._common import _cache, _ranges, _split_range, _starts_mask, need_graph

_BLOCK = 1 << 18  # edges compared per step of the cross-school pass


def _school_dtype(g: RosterGraph) -> type:
    return np.int16 if g.n_nodes("school") < 2**15 else np.int32


def _section_schools(g: RosterGraph) -> np.ndarray:
    """School index per section node (first ``taught_at`` edge), -1 if none.

    A school without a record (a stub) is a place known by its id: its index is kept.
    """
    c = _cache(g)
    if "sec_school" not in c:
        rel = g.relations["taught_at"]
        out: np.ndarray = np.full(g.n_nodes("section"), -1, dtype=_school_dtype(g))
        out[rel.src[::-1]] = rel.dst[::-1]  # the first edge wins
        c["sec_school"] = out
    return c["sec_school"]


def _home_schools(g: RosterGraph, relation: str) -> np.ndarray:
    """Primary school index per user node (``attends``/``works_at``), -1 if none.

    A primary school without a record (a stub) keeps its index, as in
    :func:`_section_schools`.
    """
    c = _cache(g)
    key = "home:" + relation
    if key not in c:
        rel = g.relations[relation]
        out: np.ndarray = np.full(g.n_nodes("user"), -1, dtype=_school_dtype(g))
        ok = np.flatnonzero(rel.attrs["primary"])[::-1]
        out[rel.src[ok]] = rel.dst[ok]  # the first primary edge wins
        c[key] = out
    return c[key]


def _cross_idx(g: RosterGraph, relation: str, school_rel: str) -> tuple[np.ndarray, ...]:
    """(user, section, section school, primary school, in_schools) index arrays.

    One pass over the user-sorted forward edges compares each section's school with the
    user's primary school; only the (few) differing edges are looked at further.
    """
    c = _cache(g)
    key = "cross:" + relation
    if key in c:
        return c[key]
    rel = g.relations[relation]
    n_u, n_s = g.n_records("user"), g.n_records("section")
    hi = int(rel.indptr[n_u]) if len(rel.indptr) > n_u else len(rel.src)
    users, secs = rel.src[:hi], rel.dst[:hi]  # sorted by user; stub users come last
    sec_school = _section_schools(g)
    home = _home_schools(g, school_rel)

    def differ(a: int, b: int) -> np.ndarray:
        # in cache-sized blocks into reused buffers: whole-range temporaries of millions of
        # edges cost more in fresh pages than the comparisons themselves
        size = min(_BLOCK, b - a)
        if size <= 0:
            return np.empty(0, dtype=np.int64)
        here, there = np.empty(size, sec_school.dtype), np.empty(size, home.dtype)
        ne = np.empty(size, dtype=bool)
        found = []
        for lo in range(a, b, size):
            n = min(size, b - lo)
            np.take(sec_school, secs[lo:lo + n], out=here[:n])
            np.take(home, users[lo:lo + n], out=there[:n])
            np.not_equal(here[:n], there[:n], out=ne[:n])
            if ne[:n].any():
                found.append(np.flatnonzero(ne[:n]) + lo)
        return np.concatenate(found) if found else np.empty(0, dtype=np.int64)

    cand = _split_range(differ, len(users))
    u, s = users[cand].astype(np.int64), secs[cand].astype(np.int64)
    sch, hm = sec_school[s].astype(np.int64), home[u].astype(np.int64)
    ok = (sch >= 0) & (hm >= 0) & (s < n_s)
    if not ok.all():
        u, s, sch, hm = u[ok], s[ok], sch[ok], hm[ok]
    # by user then section, each pair once (a section may list a user twice)
    k = (u << 32) | s
    if len(k) > 1 and bool((k[1:] < k[:-1]).any()):
        order = np.argsort(k, kind="stable")
        u, s, sch, hm, k = u[order], s[order], sch[order], hm[order], k[order]
    if len(k) > 1:
        first = _starts_mask(k[1:] != k[:-1])
        if not first.all():
            u, s, sch, hm = u[first], s[first], sch[first], hm[first]
    # in_schools: is the section's school among the user's schools (any edge, stubs too)?
    srel = g.relations[school_rel]
    lo = srel.indptr[u]
    which, pos = _ranges(lo, srel.indptr[u + 1] - lo)
    in_schools = np.zeros(len(u), dtype=bool)
    in_schools[which[srel.dst[pos] == sch[which]]] = True
    out = (u, s, sch, hm, in_schools)
    c[key] = out
    return out


def _cross(g: RosterGraph, relation: str, school_rel: str, who: str) -> Table:
    u, s, sch, home, in_schools = _cross_idx(g, relation, school_rel)
    school_ids = g.ids("school")
    n_sc = g.n_records("school")
    # id columns are gathered when first read (a caller counting pairs never needs them)
    return Table({
        who: LazyTake(g.ids("user"), u),
        "section": LazyTake(g.ids("section"), s),
        "school": LazyTake(school_ids, sch),
        "primary_school": LazyTake(school_ids, home),
        "in_schools": in_schools,
        "school_missing": sch >= n_sc,
        "primary_school_missing": home >= n_sc,
    }, name=f"cross-school {'enrollments' if who == 'student' else 'teaching'}")


def cross_school_enrollments(g: RosterGraph) -> Table:
    """(student, section) pairs whose section is not at the student's primary school.

    Returns
    -------
    Table
        ``student``, ``section``, ``school`` (the section's school),
        ``primary_school`` (the student's), ``in_schools`` (whether the
        section's school is in the student's ``schools`` at all; ``False``
        is a data conflict), ``school_missing`` and
        ``primary_school_missing`` (that school was referenced but has no
        record: it is known only by its id).

    Notes
    -----
    ``docs/queries.md``: "**cross-school enrollment**: a (student, section) pair where
    the section's school is not the student's primary school; a student is
    *cross-school* if they have at least one such pair. Also reported: pairs
    where the section's school is not in the student's `schools` at all (a
    data conflict)". Schools are compared by id whether or not their
    record was delivered: many real dumps omit ``schools``, and the ids in
    sections and users still say where each one is. Only a pair whose
    student has no primary school at all, or whose section has no school,
    is left out; :func:`rostergraph.coverage` says when that leaves a
    question unanswerable.

    Examples
    --------
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> t = cross_school_enrollments(g)
    >>> all(row[2] != row[3] for row in t)
    True
    """
    need_graph(g, "cross_school_enrollments")
    return _cross(g, "enrolled_in", "attends", "student")


def cross_school_teaching(g: RosterGraph) -> Table:
    """(teacher, section) pairs whose section is not at the teacher's primary school.

    Returns
    -------
    Table
        ``teacher``, ``section``, ``school``, ``primary_school``,
        ``in_schools`` (the section's school is among the teacher's schools,
        from the teacher and staff roles), ``school_missing``,
        ``primary_school_missing`` (as in :func:`cross_school_enrollments`:
        schools are compared by id, delivered or not).

    Notes
    -----
    ``docs/queries.md``: cross-school enrollment, "the same for teachers
    (`cross_school_teaching`)".

    Examples
    --------
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> len(cross_school_teaching(g)) >= 1
    True
    """
    need_graph(g, "cross_school_teaching")
    return _cross(g, "teaches", "works_at", "teacher")


def school_flow(g: RosterGraph) -> Table:
    """The home school → section school matrix of cross-school enrollments (long form).

    Returns
    -------
    Table
        ``primary_school``, ``school``, ``pairs`` ((student, section)
        pairs), ``students`` (distinct students), ``primary_school_missing``
        and ``school_missing`` (the school has no record and is known only
        by its id); one row per non-empty cell, ordered by primary school
        then school.

    Examples
    --------
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> f = school_flow(g)
    >>> int(f["pairs"].sum()) == len(cross_school_enrollments(g))
    True
    """
    need_graph(g, "school_flow")
    u, _, sch, home, _ = _cross_idx(g, "enrolled_in", "attends")
    n_sc = max(g.n_nodes("school"), 1)
    n_u = max(g.n_records("user"), 1)
    cell = home * n_sc + sch
    ucell, pairs = np.unique(cell, return_counts=True)
    # distinct students per cell: count distinct (cell, student) codes
    cs = np.unique(cell * n_u + u)
    students = np.bincount(np.searchsorted(ucell, cs // n_u), minlength=len(ucell))
    school_ids = g.ids("school")
    home_idx, sch_idx = ucell // n_sc, ucell % n_sc
    n_rec = g.n_records("school")
    return Table({"primary_school": school_ids[home_idx], "school": school_ids[sch_idx],
                  "pairs": pairs.astype(np.int64), "students": students.astype(np.int64),
                  "primary_school_missing": home_idx >= n_rec,
                  "school_missing": sch_idx >= n_rec},
                 name="school flow")


# --- orphans --------------------------------------------------------------------
