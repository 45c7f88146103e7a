"""Who reaches whom through sections: ``students_of``, ``teachers_of``, ``can_reach``,
``linking_sections`` and ``reach_pairs`` (with its array kernels)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..graph import RosterGraph
from ..table import LazyTake, Table
from ._common import (
    _cache,
    _expand,
    _ids,
    _n_threads,
    _ranges,
    _section_csr,
    _section_filter,
    _starts_mask,
    _students_by_section,
    _teacher_sections,
    _user_csr,
    need_graph,
)


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
    need_graph(g, "students_of")
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
    need_graph(g, "teachers_of")
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
    need_graph(g, "can_reach")
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
    need_graph(g, "linking_sections")
    secs, prim = _linking(g, teacher_id, student_id)
    ids = _ids(g, "section", secs).tolist()
    recs = [g.roster.sections[i] for i in ids]
    # (an empty id names nothing: no place, and none missing)
    schools = [r.school or None for r in recs]
    terms = [r.term_id or None for r in recs]
    courses = [r.course or None for r in recs]
    return Table({
        "section": ids,
        "name": [r.name for r in recs],
        "school": schools,
        "term": terms,
        "course": courses,
        "primary": prim.astype(bool),
        "school_missing": [x is not None and x not in g.roster.schools for x in schools],
        "term_missing": [x is not None and x not in g.roster.terms for x in terms],
        "course_missing": [x is not None and x not in g.roster.courses for x in courses],
    }, name=f"sections linking {teacher_id} and {student_id}")




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


def reach_pair_indices(g: RosterGraph) -> tuple[np.ndarray, np.ndarray]:
    """The rows of :func:`reach_pairs` as graph user indices: ``(teachers, students)``, in
    the same order (``g.ids("user")[teachers]`` is its ``teacher`` column). For callers that
    work on indices: no id string is gathered. The arrays are read-only (the students may
    be the graph's own, kept for the next reach query).

    Examples
    --------
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> t, s = reach_pair_indices(g)
    >>> g.ids("user")[t].tolist() == reach_pairs(g).to_list("teacher")
    True
    """
    teachers, pairs, students, _ = _reach_idx(g, None)
    t = np.repeat(teachers, pairs)
    s = students[0].view() if len(students) == 1 else np.concatenate(students)
    t.flags.writeable = s.flags.writeable = False  # (``s`` may share the graph's kept array)
    return t, s


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
    need_graph(g, "reach_pairs")
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
