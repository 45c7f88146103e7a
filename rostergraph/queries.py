"""Association queries over a :class:`~rostergraph.graph.RosterGraph`.

Plain functions ``f(graph, ...) -> Table`` (or ``bool``) working on the CSR
arrays only (never on the networkx view). The definitions are those of ``docs/queries.md``, the
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
>>> sorted(set(orphaned_users(g).to_list("reason")))
['no_school', 'no_section', 'no_student']
"""

from __future__ import annotations

import os
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from ._collector import collector_paused
from .errors import RosterError
from .graph import ROLE_BITS, RosterGraph
from .table import LazyTake, Table

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


def _without(indptr: np.ndarray, values: np.ndarray, drop: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
    """The CSR ``(indptr, values)`` with the entries at the (ascending) ``drop`` removed."""
    if not len(drop):
        return indptr, values
    keep = np.ones(len(values), dtype=bool)
    keep[drop] = False
    lost = np.bincount(np.searchsorted(indptr, drop, side="right") - 1,
                       minlength=len(indptr) - 1)
    return indptr - np.concatenate([[0], np.cumsum(lost)]), values[keep]


def _section_csr(g: RosterGraph, relation: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR by section over distinct pairs: ``(indptr, users, primary)``."""
    c = _cache(g)
    key = "bysec:" + relation
    if key not in c:
        if relation == "enrolled_in":
            indptr, studs, drop = _students_by_section(g)
            indptr, studs = _without(indptr, studs, drop)
            c[key] = (indptr, studs, np.zeros(len(studs), dtype=bool))
            return c[key]
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
        n_u = g.n_records("user")
        if relation == "enrolled_in":
            # the forward CSR: by user, each user's sections normally ascending already
            rel = g.relations[relation]
            indptr = rel.indptr[: n_u + 1]
            secs = rel.dst[: int(indptr[-1])]
            down, same = _not_above(secs, indptr)
            if not len(down) and bool((secs < g.n_records("section")).all()):
                indptr, secs = _without(indptr, secs, same)
                c[key] = (indptr, secs, np.zeros(len(secs), dtype=bool))
                return c[key]
        u, s, p = _pairs(g, relation)
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
    ``docs/queries.md``: "**reach(teacher)**: students enrolled in at least one section
    whose `teachers` list contains the teacher (primary or co-teacher)."

    Examples
    --------
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> t = reach_pairs(g).to_list("teacher")[0]
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
    The reverse of reach (``docs/queries.md``): a teacher of the student is a user in
    the ``teachers`` list of a section whose ``students`` list the student.

    Examples
    --------
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> s = reach_pairs(g).to_list("student")[0]
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
    ``docs/queries.md``: reach(teacher) is the "students enrolled in at least one
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
        (the teacher is that section's primary teacher), ``school_missing``,
        ``term_missing``, ``course_missing`` (the section names that place
        by an id that has no record). Empty when the teacher does not reach
        the student.

    Notes
    -----
    ``docs/queries.md``: "`linking_sections(teacher, student)` (the explanation: which
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
        "school_missing": [r.school is not None and r.school not in g.roster.schools
                           for r in recs],
        "term_missing": [r.term_id is not None and r.term_id not in g.roster.terms
                         for r in recs],
        "course_missing": [r.course is not None and r.course not in g.roster.courses
                           for r in recs],
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


def _ranges(starts: np.ndarray, lens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(range number, position) of every position in the ranges ``[starts, starts + lens)``."""
    starts = np.asarray(starts, dtype=np.int64)
    lens = np.asarray(lens, dtype=np.int64)
    which = np.repeat(np.arange(len(starts), dtype=np.int64), lens)
    offsets = np.cumsum(lens) - lens
    pos = np.arange(len(which), dtype=np.int64) - offsets[which] + starts[which]
    return which, pos


#: below this many (teacher, section, student) entries reach runs on one thread
_PARALLEL_MIN = 1 << 18
#: about this many entries per block of reach: blocks keep its temporaries small (arrays
#: for a whole large district would be fresh memory, slow to fault in on the reference
#: machine) and are what its threads share out
_BLOCK = 1 << 18
#: narrowest rows reach sorts (a block's rows are the next power of two holding its
#: biggest teacher, if wider): numpy sorts rows of up to 512 32-bit keys with sorting
#: networks
_ROW = 256
#: reach's padding key, above every pair key
_PAD = np.uint32(0xFFFFFFFF)


def _n_threads(n: int) -> int:
    """How many threads share ``n`` entries of work (numpy releases the GIL)."""
    return max(1, min(os.cpu_count() or 1, 4, n // _PARALLEL_MIN))


def _starts_mask(step: np.ndarray) -> np.ndarray:
    """``[True, *step]``: where runs start, given ``step = x[1:] != x[:-1]`` (no ``np.r_``,
    whose first use imports ``numpy.ma``)."""
    out = np.empty(len(step) + 1, dtype=bool)
    out[0] = True
    out[1:] = step
    return out


def _split_range(fn: Any, n: int) -> np.ndarray:
    """``fn(a, b)`` over consecutive parts of ``range(n)`` on a few threads, concatenated."""
    parts = _n_threads(n)
    if parts == 1:
        return fn(0, n)
    cuts = [n * k // parts for k in range(parts + 1)]
    with ThreadPoolExecutor(max_workers=parts) as pool:
        got = list(pool.map(fn, cuts[:-1], cuts[1:]))
    return np.concatenate(got)


def _not_above(values: np.ndarray, indptr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions in CSR rows below their predecessor (the row is not ascending) and
    equal to it (a repeat): two ascending position arrays."""
    le = values[1:] <= values[:-1]
    inner = indptr[(indptr > 0) & (indptr < len(values))] - 1  # comparisons across row starts
    le[inner] = False
    sus = np.flatnonzero(le) + 1
    if not len(sus):
        return sus, sus
    below = values[sus] < values[sus - 1]
    return sus[below], sus[~below]


def _students_by_section(g: RosterGraph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each section's students, ascending: ``(indptr, students, drop)`` over ``enrolled_in``.

    ``students[indptr[s]:indptr[s + 1]]`` is section ``s``'s row; ``drop`` (ascending
    positions) marks the entries that do not count: users without a record (stubs) and
    repeated listings. The rows are the ``enrolled_in`` reverse CSR, already ascending
    when the forward CSR is sorted by user and the reverse order stable (as
    :class:`RosterGraph` builds them); rows that are not get sorted here (a copy).
    """
    c = _cache(g)
    if "studs_by_sec" in c:
        return c["studs_by_sec"]
    rel = g.relations["enrolled_in"]
    n_u, n_s = g.n_records("user"), g.n_records("section")
    indptr = rel.rindptr[: n_s + 1]
    studs = rel.rsrc[: int(indptr[-1])]
    down, sus = _not_above(studs, indptr)
    if len(down):
        row = np.repeat(np.arange(n_s, dtype=np.int64), np.diff(indptr))
        studs = studs[np.lexsort((studs, row))]
        _, sus = _not_above(studs, indptr)
    # in ascending rows the stubs (index >= n_u) come last: look only at rows ending in one
    full = np.flatnonzero(indptr[1:] > indptr[:-1])
    bad = full[studs[indptr[full + 1] - 1] >= n_u]
    if len(bad):
        _, pos = _ranges(indptr[bad], indptr[bad + 1] - indptr[bad])
        drop = np.sort(np.concatenate([sus, pos[studs[pos] >= n_u]])).astype(np.int64)
        drop = drop[_starts_mask(drop[1:] != drop[:-1])]  # a repeated stub is in both
    else:
        drop = sus.astype(np.int64)
    out = (indptr, studs, drop)
    c["studs_by_sec"] = out
    return out


def _teacher_sections(g: RosterGraph, keep: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (teacher, section) edges between records, ordered by teacher then section.

    Returns ``(teacher, section)`` index arrays; ``keep`` (a mask over sections) filters.
    """
    rel = g.relations["teaches"]
    n_u, n_s = g.n_records("user"), g.n_records("section")
    hi = int(rel.indptr[n_u]) if len(rel.indptr) > n_u else len(rel.src)
    t, s = rel.src[:hi], rel.dst[:hi]  # the forward CSR is sorted by teacher; stubs come last
    ok = s < n_s
    if keep is not None and len(s):
        ok &= keep[np.where(ok, s, 0)]
    if not ok.all():
        t, s = t[ok], s[ok]
    if len(t) > 1:
        key = (t.astype(np.int64) << 32) | s
        changed = bool((key[1:] < key[:-1]).any())
        if changed:
            key = np.sort(key)
        step = key[1:] != key[:-1]
        if not step.all():
            key = key[_starts_mask(step)]
            changed = True
        if changed:
            t, s = key >> 32, key & 0xFFFFFFFF
    return t, s


def _edge_rows(indptr: np.ndarray, drop: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, ...]:
    """Where each edge's section row lies in the students array, stepping over drops.

    Returns ``(first, last, lens, skip_edge, skip_at)``: each edge's first and last
    counted position and number of counted entries; for every dropped entry inside a
    row, the edge and the number of counted entries before it (where the walk jumps).
    """
    first = indptr[s]
    last = indptr[s + 1] - 1
    lens = last + 1 - first
    none = np.zeros(0, dtype=np.int64)
    if not len(drop):
        return first, last, lens, none, none
    row = np.searchsorted(indptr, drop, side="right") - 1
    rank = np.arange(len(drop), dtype=np.int64)
    before = (drop - indptr[row]) - (rank - np.searchsorted(row, row, side="left"))
    losing = np.zeros(len(indptr) - 1, dtype=bool)
    losing[row] = True
    hit = np.flatnonzero(losing[s])  # edges whose row loses entries
    lo = np.searchsorted(row, s[hit], side="left")
    n_drop = np.searchsorted(row, s[hit], side="right") - lo
    which, k = _ranges(lo, n_drop)
    e, at = hit[which], before[k]
    lens = lens.copy()
    lens[hit] -= n_drop
    first, last = first.copy(), last.copy()
    lead, trail = at == 0, at == lens[e]
    np.add.at(first, e[lead], 1)
    np.subtract.at(last, e[trail], 1)
    inner = ~lead & ~trail
    return first, last, lens, e[inner], at[inner]


def _pack_rows(size: np.ndarray, width: int, cap: int) -> np.ndarray:
    """Consecutive teachers with ``size`` entries each (at most ``width``) packed greedily
    into rows of ``width`` slots, at most ``cap`` teachers a row: each row's first
    teacher, then the number of teachers.

    One Python step per row (a few thousand per million entries), not per teacher.
    """
    end = np.cumsum(size)
    n = len(size)
    # the row opened by teacher i ends before the first teacher that would overflow it
    nxt = np.minimum(np.searchsorted(end, end - size + width, side="right"),
                     np.arange(cap, n + cap)).tolist()
    rows, i = [], 0
    while i < n:
        rows.append(i)
        i = nxt[i]
    rows.append(n)
    return np.array(rows, dtype=np.int64)


def _reach_block(studs: np.ndarray, first: np.ndarray, last: np.ndarray, lens: np.ndarray,
                 skip_edge: np.ndarray, skip_at: np.ndarray, tsize: np.ndarray,
                 tedges: np.ndarray, shift: int, ctype: type
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One block of consecutive teachers: their distinct students, each pair's number of
    linking sections (as ``ctype``), and each teacher's number of pairs.

    Edge ``i`` (edges ordered by teacher; teacher ``k`` has ``tedges[k]`` edges and
    ``tsize[k]`` entries) walks positions ``first[i]..last[i]`` of ``studs``, ``lens[i] > 0``
    of them counted, stepping over one dropped entry after ``skip_at[j]`` counted ones of
    edge ``skip_edge[j]``.

    The teachers are packed into rows of a power-of-two width (:func:`_pack_rows`); a
    teacher's entries become 32-bit keys ``rank in row << shift | student`` (the slots left
    over at a row's end hold ``_PAD``, above every key), and each row is sorted on its
    own: numpy sorts short rows of 32-bit keys with sorting networks, about ten times
    faster per key than a timsort of the block's 64-bit keys. Runs of equal keys are the
    pairs, their lengths the numbers of linking sections (each (teacher, section,
    student) is distinct).
    """
    n_t = len(tsize)
    width = max(_ROW, 1 << (int(tsize.max()) - 1).bit_length())
    rows = _pack_rows(tsize, width, min(width, (1 << (32 - shift)) - 1))
    n_rows = len(rows) - 1
    tend = np.cumsum(tsize)
    tbeg = tend - tsize
    trow = np.repeat(np.arange(n_rows), np.diff(rows))
    rbeg = tbeg[rows[:-1]]
    tslot = trow * width + (tbeg - rbeg[trow])  # each teacher's first slot
    fill = tend[rows[1:] - 1] - rbeg  # entries in each row
    size = n_rows * width
    # positions into studs, slot by slot: a running sum of steps, the padding slots
    # stepping on by one (their students are overwritten)
    eslot = np.repeat(tslot - tbeg, tedges) + (np.cumsum(lens) - lens)
    pos = np.ones(size, dtype=np.int64)  # intp: np.take would convert narrower indices
    jump = first.copy()
    jump[1:] -= last[:-1] + (eslot[1:] - eslot[:-1] - lens[:-1])
    pos[eslot] = jump
    if len(skip_edge):
        np.add.at(pos, eslot[skip_edge] + skip_at, 1)
    np.cumsum(pos, out=pos)
    # the students ("wrap" is the cheapest check; only padding slots point past the end)
    keys = np.take(studs, pos, mode="wrap")
    keys = keys.view(np.uint32) if keys.dtype == np.int32 else keys.astype(np.uint32)
    del pos
    # or in each teacher's rank bits, and all bits over the padding: segments teacher
    # by teacher with each row's padding after its last teacher
    seg = np.empty(n_t + n_rows, dtype=np.uint32)
    seg_len = np.empty(n_t + n_rows, dtype=np.int64)
    at_t = np.arange(n_t) + trow
    at_pad = rows[1:] + np.arange(n_rows)
    seg[at_t] = (np.arange(n_t) - rows[trow]).astype(np.uint32) << np.uint32(shift)
    seg_len[at_t] = tsize
    seg[at_pad] = _PAD
    seg_len[at_pad] = width - fill
    keys |= np.repeat(seg, seg_len)
    keys.reshape(n_rows, width).sort(axis=1)
    starts = np.empty(size, dtype=bool)
    starts[0] = True
    np.not_equal(keys[1:], keys[:-1], out=starts[1:])
    starts[::width] = True  # a row's first key starts a pair even if the last row ended alike
    padded = np.flatnonzero(fill < width)
    starts[padded * width + fill[padded]] = False  # the padding runs on its row's last pair
    at = np.flatnonzero(starts)
    counts: np.ndarray = np.empty(len(at), dtype=ctype)
    np.subtract(at[1:], at[:-1], out=counts[:-1], casting="unsafe")
    counts[-1] = size - at[-1]
    # less the padding: modulo the type's range, exact as the true count fits
    last_pair = np.searchsorted(at, (padded + 1) * width) - 1
    counts[last_pair] -= (width - fill[padded]).astype(ctype)
    pairs = np.diff(np.searchsorted(at, tslot), append=len(at))
    students = np.take(keys, at)
    np.bitwise_and(students, np.uint32((1 << shift) - 1), out=students)
    return students.view(np.int32), counts, pairs


def _student_bits(n_users: int) -> int:
    """Bits of a student index in reach's keys (the rest number a row's teachers)."""
    return max(1, (n_users - 1).bit_length())


def _count_type(most: int) -> type:
    """The smallest type for counts of at most ``most`` (a pair's number of linking
    sections is at most its teacher's number of sections)."""
    return np.uint8 if most < 2**8 else np.uint16 if most < 2**16 else np.int64


def _reach_idx(g: RosterGraph, keep: np.ndarray | None
               ) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """Distinct (teacher, student) pairs and their section counts, ordered by teacher, student.

    Each (teacher, section) edge walks its section's ascending students (stepping over
    stubs and repeats). The entries are cut at teacher boundaries into blocks of about
    ``_BLOCK``, each sorted and de-duplicated on its own (:func:`_reach_block`) with
    temporaries small enough to be recycled by the allocator, where arrays for a whole
    large district are fresh memory, slow to fault in on the reference machine. The
    blocks are handed to a few threads one by one (numpy releases the GIL).

    Returns ``(teachers, pairs, students, sections)``: the teachers with a pair
    (ascending index) and their numbers of pairs -- the teacher column is their
    repetition -- then the student indices (int32) and the section counts as lists of
    parts, one per block (concatenated, they are the columns), the counts in the
    smallest unsigned type that holds them.
    """
    c = _cache(g)
    if keep is None and "reach" in c:
        return c["reach"]
    indptr, studs, drop = _students_by_section(g)
    t, s = _teacher_sections(g, keep)
    first, last, lens, skip_edge, skip_at = _edge_rows(indptr, drop, s)
    nz = lens > 0
    if not nz.all():
        skip_edge = (np.cumsum(nz) - 1)[skip_edge]  # inner drops leave their edge non-empty
        t, first, last, lens = t[nz], first[nz], last[nz], lens[nz]
    total = int(lens.sum())
    if total == 0:
        z = np.zeros(0, dtype=np.int64)
        return z, z, [np.zeros(0, dtype=np.int32)], [np.zeros(0, dtype=np.uint8)]
    by_edge = np.argsort(skip_edge, kind="stable")
    skip_edge, skip_at = skip_edge[by_edge], skip_at[by_edge]
    n_e = len(t)
    tstart = np.append(np.flatnonzero(_starts_mask(t[1:] != t[:-1])), n_e)  # + the end
    n_t = len(tstart) - 1
    offs = np.append(np.cumsum(lens) - lens, total)  # each edge's first entry, + the end
    tofs = offs[tstart]
    ctype = _count_type(int(np.diff(tstart).max()))
    tcuts = np.unique(np.concatenate(
        [[0, n_t], np.searchsorted(tofs[:-1], np.arange(_BLOCK, total, _BLOCK))])).tolist()
    tsize = np.diff(tofs)
    tedges = np.diff(tstart)
    shift = _student_bits(g.n_records("user"))
    pairs = np.empty(n_t, dtype=np.int64)

    def block(b: int) -> tuple[np.ndarray, np.ndarray]:
        """Block ``b``'s students and counts (and its teachers' numbers of pairs)."""
        t0, t1 = tcuts[b], tcuts[b + 1]
        e0, e1 = int(tstart[t0]), int(tstart[t1])
        lo, hi = np.searchsorted(skip_edge, e0), np.searchsorted(skip_edge, e1)
        studs_b, counts, pairs[t0:t1] = _reach_block(
            studs, first[e0:e1], last[e0:e1], lens[e0:e1], skip_edge[lo:hi] - e0,
            skip_at[lo:hi], tsize[t0:t1], tedges[t0:t1], shift, ctype)
        return studs_b, counts

    n_b = len(tcuts) - 1
    threads = min(_n_threads(total), n_b)
    if threads > 1:  # blocks handed out one by one: a slow thread holds up no fixed share
        with ThreadPoolExecutor(max_workers=threads) as pool:
            got = list(pool.map(block, range(n_b)))
    else:
        got = [block(b) for b in range(n_b)]
    out = (t[tstart[:-1]].astype(np.int64), pairs, [x for x, _ in got], [y for _, y in got])
    if keep is None:
        c["reach"] = out
    return out


class _Repeated(LazyTake):
    """A lazy column ``values[np.repeat(rows, times)]`` (reach's teacher column): one
    entry per teacher until read, where the repeated index of a large district is tens
    of MB of fresh memory that ``len()`` does not need."""

    __slots__ = ("_n", "_rows", "_times")

    def __init__(self, values: np.ndarray, rows: np.ndarray, times: np.ndarray) -> None:
        super().__init__(values, [])
        self._rows, self._times = rows, times
        self._n = int(times.sum())

    @property
    def index(self) -> np.ndarray:
        if len(self._parts) != 1:
            self._parts = [np.repeat(self._rows, self._times)]
        return self._parts[0]

    def __len__(self) -> int:
        return self._n

    def materialize(self) -> np.ndarray:
        return np.repeat(np.take(self.values, self._rows), self._times)


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
        ordered by teacher then student (roster order). The id columns are
        gathered on first access (:class:`~rostergraph.table.LazyTake`):
        ``len()`` and ``sections`` cost no id strings.

    Notes
    -----
    ``docs/queries.md``: "**reach(teacher)**: students enrolled in at least one
    section whose `teachers` list contains the teacher (primary or
    co-teacher)." Computed for all teachers at once over the CSR arrays:
    each (teacher, section) edge, teacher by teacher, expands to the
    section's students; teachers are packed into short rows of 32-bit
    keys, each row sorted on its own, and runs of equal keys count the
    linking sections.

    Examples
    --------
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> p = reach_pairs(g)
    >>> int(p["sections"].min()) >= 1
    True
    """
    keep = _section_filter(g, school, term)
    teachers, pairs, students, counts = _reach_idx(g, keep)
    users = g.ids("user")
    sections: np.ndarray | LazyTake
    if counts[0].dtype == np.int64:
        sections = np.concatenate(counts)
    else:
        sections = LazyTake(np.arange(np.iinfo(counts[0].dtype).max + 1, dtype=np.int64), counts)
    return Table({"teacher": _Repeated(users, teachers, pairs),
                  "student": LazyTake(users, students), "sections": sections},
                 name="reach pairs")


# --- visibility ----------------------------------------------------------------


def _staff_schools(g: RosterGraph, user_id: str) -> tuple[str, ...]:
    staff = g.roster.users[user_id].roles.staff
    return staff.schools or () if staff is not None else ()


def visible_users(g: RosterGraph, user_id: str) -> Table:
    """What a user may see under their roles, and through what.

    Returns
    -------
    Table
        ``user`` (a visible user), ``role`` (that user's own roles,
        space-separated, e.g. ``"student"``), ``granted_by`` (the viewer's
        role that grants it), ``via`` (section id, school id, district id or
        the contact's relationship). One row per distinct (user, granted_by,
        via); the viewer is never listed.

    Notes
    -----
    ``docs/queries.md``: "**visible_users(user)**, by role, the union over a
    multi-role user's roles: teacher → students in their sections (plus
    those sections' other teachers); staff → users whose schools (primary or
    not) intersect the staff member's `schools`; district_admin → every user
    of the district; contact → the students in `student_relationships` that
    exist; student → the teachers of their sections."

    Examples
    --------
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> t = reach_pairs(g).to_list("teacher")[0]
    >>> set(students_of(g, t).to_list("student")) <= set(visible_users(g, t).to_list("user"))
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
        # schools are places known by id: one without a record still groups its users
        found = set()
        for s in _staff_schools(g, user_id):
            try:
                found.add(g.index_of("school", s, allow_missing=True))
            except RosterError:  # an id that is no school node at all
                continue
        school_idx = np.array(sorted(found), dtype=np.int64)
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
    their_roles = {w: " ".join(g.role_names(w)) for w in {r[0] for r in rows_sorted}}
    return Table({"user": [users[r[0]] for r in rows_sorted],
                  "role": [their_roles[r[0]] for r in rows_sorted],
                  "granted_by": [r[1] for r in rows_sorted],
                  "via": [r[2] for r in rows_sorted]}, name=f"visible to {user_id}")


# --- cross-school ---------------------------------------------------------------


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
        return np.flatnonzero(sec_school[secs[a:b]] != home[users[a:b]]) + a

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
    return Table({
        who: _ids(g, "user", u),
        "section": _ids(g, "section", s),
        "school": school_ids[sch],
        "primary_school": school_ids[home],
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


def orphaned_users(g: RosterGraph) -> Table:
    """Every (user, role) whose role links the user to no one.

    Returns
    -------
    Table
        ``user``, ``role``, ``reason`` (``no_section``, ``no_student``,
        ``no_school``), ordered by user (roster order) then role.

    Notes
    -----
    ``docs/queries.md``: "**orphaned users**: one row per (user, role) where that role
    links the user to no one — student role in no section (`no_section`);
    teacher role in no section (`no_section`); contact role with no
    relationship to an existing student (`no_student`); staff role with no
    school (`no_school`). A multi-role user appears once per orphaned role.
    A district admin is never orphaned. References to missing records are
    not orphans: they are findings of RG-REF-001." Only existing sections
    and students link (a section or user without a record is no one), but a
    school is a place known by its id: a staff member whose ``schools`` name
    only schools without a record is not ``no_school``. The missing records
    themselves are never listed.

    Examples
    --------
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> orphaned_users(g).columns
    ['user', 'role', 'reason']
    """
    n_u = g.n_records("user")
    roles = g.roles[:n_u]
    found: list[tuple[np.ndarray, str, str]] = []
    mask = np.empty(n_u, dtype=bool)  # scratch, reused (fresh memory is slow to fault in)
    bits = np.empty(n_u, dtype=np.uint8)
    for role, relation in (("student", "enrolled_in"), ("teacher", "teaches")):
        # every edge of these relations ends at an existing section (the section lists it)
        indptr = g.relations[relation].indptr
        np.equal(indptr[1:n_u + 1], indptr[:n_u], out=mask)
        np.bitwise_and(roles, ROLE_BITS[role], out=bits)
        np.logical_and(mask, bits, out=mask)
        found.append((np.flatnonzero(mask), role, "no_section"))
    # contact: a relationship to an existing user holding the student role (stubs have
    # no role bits)
    rel = g.relations["contact_for"]
    to_student = (g.roles[rel.dst] & ROLE_BITS["student"]) != 0
    to_student &= rel.src < n_u  # sources are the contacts' records
    mask.fill(False)
    mask[rel.src[to_student]] = True  # linked
    np.bitwise_and(roles, ROLE_BITS["contact"], out=bits)
    np.logical_and(np.logical_not(mask, out=mask), bits, out=mask)
    found.append((np.flatnonzero(mask), "contact", "no_student"))
    # staff: the staff role's own `schools`, empty or not. A school id without a record is
    # still a school (a place known by its id; the missing record is RG-REF-001's). For a
    # user who is not also a teacher, `works_at` holds exactly those; otherwise read the
    # record.
    staff = np.flatnonzero((roles & ROLE_BITS["staff"]) != 0)
    works = g.relations["works_at"]
    has_school = np.zeros(n_u, dtype=bool)
    has_school[works.src[works.src < n_u]] = True
    also_teacher = (roles[staff] & ROLE_BITS["teacher"]) != 0
    no_school = staff[~also_teacher & ~has_school[staff]]
    mixed = staff[also_teacher]
    mixed_none = mixed[~has_school[mixed]]  # no school at all: the staff role has none either
    mixed = mixed[has_school[mixed]]
    if len(mixed) or len(mixed_none):
        users = g.ids("user")
        with collector_paused():  # building records: collections would cost more than reads
            read = [i for i in mixed.tolist() if not _staff_schools(g, users[i])]
        no_school = np.sort(np.concatenate([no_school, mixed_none,
                                            np.asarray(read, dtype=np.int64)]))
    found.append((no_school, "staff", "no_school"))
    idx = np.concatenate([f[0] for f in found]).astype(np.int64)
    rank = np.concatenate([np.full(len(f[0]), ROLE_NAMES_ORDER[f[1]], dtype=np.int64)
                           for f in found])
    order = np.argsort((idx << 3) | rank, kind="stable")
    which = np.repeat(np.arange(len(found)), [len(f[0]) for f in found])[order]
    roles_of = np.array([role for _, role, _ in found], dtype=object)
    reasons_of = np.array([reason for _, _, reason in found], dtype=object)
    return Table({"user": _ids(g, "user", idx[order]), "role": roles_of[which],
                  "reason": reasons_of[which]}, name="orphaned users")


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
    n_s = g.n_records("section")
    sptr, _, drop = _students_by_section(g)
    section_sizes = np.diff(sptr) - np.bincount(
        np.searchsorted(sptr, drop, side="right") - 1, minlength=n_s)[:n_s]
    _, sec = _teacher_sections(g, None)
    teachers_per_section = np.bincount(sec, minlength=n_s)[:n_s]
    per_user: dict[str, list[Any]] = {"role": [], "schools": [], "users": []}
    for role in ("student", "teacher", "staff"):
        rels = ("attends",) if role == "student" else ("works_at",)
        n_schools = np.zeros(g.n_nodes("user"), dtype=np.int64)
        for rname in rels:
            rel = g.relations[rname]  # school ids count whether or not they have a record
            n_schools += np.bincount(rel.src, minlength=g.n_nodes("user"))
        has = (roles & ROLE_BITS[role]) != 0
        h = _histogram(n_schools[:n_u][has], "schools", "users")
        per_user["role"] += [role] * len(h)
        per_user["schools"] += h.to_list("schools")
        per_user["users"] += h.to_list("users")
    with_pairs, n_pairs, _, _ = _reach_idx(g, None)
    reach_size = np.zeros(n_u, dtype=np.int64)
    reach_size[with_pairs] = n_pairs
    reach_size = reach_size[(roles[:n_u] & ROLE_BITS["teacher"]) != 0]
    return {
        "counts": Table({"kind": list(counts), "records": list(counts.values()),
                         "missing": [stubs[k] for k in counts]}, name="records"),
        "roles": Table({"role": list(g.role_counts()),
                        "users": list(g.role_counts().values())}, name="users by role"),
        "section_sizes": _histogram(section_sizes, "students", "sections"),
        "teachers_per_section": _histogram(teachers_per_section, "teachers", "sections"),
        "schools_per_user": Table(per_user, name="schools per user"),
        "reach_set_sizes": _histogram(reach_size, "students", "teachers"),
    }
