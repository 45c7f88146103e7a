"""Helpers shared by the queries: per-graph derived arrays, CSR expansion, id columns."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from ..columns import NEEDED_ROLE
from ..columns import run_starts as _starts_mask
from ..graph import RosterGraph


def need_graph(g: Any, name: str) -> None:
    """Raise ``TypeError`` unless ``g`` is a :class:`RosterGraph` (a Roster given in its
    place failed deep inside, on an attribute only the graph has)."""
    if not isinstance(g, RosterGraph):
        raise TypeError(f"{name}() takes a RosterGraph, not {type(g).__name__}: "
                        "rostergraph.RosterGraph.from_roster(roster) builds it")


def _cache(g: RosterGraph) -> dict[str, Any]:
    """Arrays derived from ``g`` once and kept with it (a graph never changes)."""
    return g._derived


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


def role_holders(g: RosterGraph, relation: str) -> np.ndarray | None:
    """Over the users with records: whether each holds the role ``relation``
    (``enrolled_in`` or ``teaches``) needs, or ``None`` when every user it lists does
    (the usual case: nothing to leave out).

    Examples
    --------
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> role_holders(g, "enrolled_in") is None
    True
    """
    c = _cache(g)
    key = "holders:" + relation
    if key not in c:
        n_u = g.n_records("user")
        holds = g.has_role(NEEDED_ROLE[relation])[:n_u]
        listed = np.diff(g.relations[relation].indptr[: n_u + 1]) > 0
        c[key] = None if bool(holds[listed].all()) else holds
    return c[key]


def _pairs(g: RosterGraph, relation: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (user, section) edges of ``enrolled_in``/``teaches`` between records, of
    users holding the role the relation needs.

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
    holders = role_holders(g, relation)
    if holders is not None:
        ok[ok] = holders[rel.src[ok]]
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
            if not len(down) and bool((secs < g.n_records("section")).all()) and (
                    role_holders(g, relation) is None):
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


def _n_threads(n: int) -> int:
    """How many threads share ``n`` entries of work (numpy releases the GIL)."""
    return max(1, min(os.cpu_count() or 1, 4, n // _PARALLEL_MIN))


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
    positions) marks the entries that do not count: users without a record (stubs) or
    without the student role, and repeated listings. The rows are the ``enrolled_in``
    reverse CSR, already ascending when the forward CSR is sorted by user and the reverse
    order stable (as :class:`RosterGraph` builds them); rows that are not get sorted here
    (a copy).
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
    holders = role_holders(g, "enrolled_in")
    if holders is not None:
        rec = np.flatnonzero(studs < n_u)
        drop = np.union1d(drop, rec[~holders[studs[rec]]]).astype(np.int64)
    out = (indptr, studs, drop)
    c["studs_by_sec"] = out
    return out


def _teacher_sections(g: RosterGraph, keep: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (teacher, section) edges between records, of users holding the teacher
    role, ordered by teacher then section.

    Returns ``(teacher, section)`` index arrays; ``keep`` (a mask over sections) filters.
    """
    rel = g.relations["teaches"]
    n_u, n_s = g.n_records("user"), g.n_records("section")
    hi = int(rel.indptr[n_u]) if len(rel.indptr) > n_u else len(rel.src)
    t, s = rel.src[:hi], rel.dst[:hi]  # the forward CSR is sorted by teacher; stubs come last
    ok = s < n_s
    holders = role_holders(g, "teaches")
    if holders is not None:
        ok &= holders[t]
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


ROLE_NAMES_ORDER = {"student": 0, "teacher": 1, "staff": 2, "district_admin": 3, "contact": 4}
