"""What a roster change does to people: reach gained and lost, schools, orphans.

Both graphs are put in one id space first: an old user or section id that
was re-identified (or merged away) is replaced by its new id, so a teacher
who got a new Clever id keeps their students instead of losing them all and
gaining them again. Everything is computed on numpy arrays over the CSR
relations (no Python object per edge).

Examples
--------
>>> import rostergraph
>>> r = rostergraph.sample()
>>> reach_changes(rostergraph.diff(r, r)).columns
['teacher', 'student', 'change', 'sections', 'causes']
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from ..columns import NEEDED_ROLE
from ..table import Table

__all__ = ["orphan_changes", "primary_school_changes", "reach_changes", "removed_enrollments"]


class _Universe(dict):  # type: ignore[type-arg]
    """id → code; the new graph's records come first, unseen ids get the next code."""

    def __missing__(self, key: str) -> int:
        i = len(self)
        self[key] = i
        return i


def _code(universe: _Universe, ids: Any, translate: dict[str, str] | None = None) -> np.ndarray:
    ids = ids.tolist() if isinstance(ids, np.ndarray) else list(ids)
    if translate:
        get = translate.get
        ids = [get(i, i) for i in ids]
    return np.fromiter(map(universe.__getitem__, ids), dtype=np.int64, count=len(ids))


def _uniq(a: np.ndarray) -> np.ndarray:
    """Sorted distinct values (sort-based: far faster than ``np.unique`` on int64 here)."""
    a = np.sort(a)
    return a[np.r_[True, a[1:] != a[:-1]]] if len(a) else a


def _isin(a: np.ndarray, sorted_b: np.ndarray) -> np.ndarray:
    """``np.isin(a, b)`` for ``b`` sorted and distinct, by binary search."""
    if not len(sorted_b):
        return np.zeros(len(a), dtype=bool)
    i = np.searchsorted(sorted_b, a)
    i[i == len(sorted_b)] = 0
    return sorted_b[i] == a


def _distinct_pairs(g: Any, relation: str, by_role: bool = True
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (user index, section index) edges between records, sorted by section, of
    users holding the role the relation needs (as reach counts them; ``by_role=False``:
    every user the sections list)."""
    rel = g.relations[relation]
    n_u, n_s = g.n_records("user"), g.n_records("section")
    ok = (rel.src < n_u) & (rel.dst < n_s)
    if by_role:
        ok[ok] = g.has_role(NEEDED_ROLE[relation])[rel.src[ok]]
    k = _uniq(rel.dst[ok].astype(np.int64) * max(n_u, 1) + rel.src[ok])
    return k % max(n_u, 1), k // max(n_u, 1)


class _Side:
    """One graph translated into the shared id space."""

    def __init__(self, g: Any, users: _Universe, sections: _Universe,
                 tr_users: dict[str, str] | None, tr_sections: dict[str, str] | None) -> None:
        self.g = g
        self.ucode = _code(users, g.ids("user")[: g.n_records("user")], tr_users)
        self.scode = _code(sections, g.ids("section")[: g.n_records("section")], tr_sections)
        self.tr_users = tr_users
        self.enr_u, self.enr_s = _distinct_pairs(g, "enrolled_in")
        self.tea_u, self.tea_s = _distinct_pairs(g, "teaches")
        self._edge_keys: dict[tuple[str, int], np.ndarray] = {}

    def role_codes(self, role: str, n: int) -> np.ndarray:
        """Over the ``n`` shared user codes: whether the user holds ``role`` here."""
        n_u = self.g.n_records("user")
        out = np.zeros(n, dtype=bool)
        out[self.ucode[self.g.has_role(role)[:n_u]]] = True
        return out

    def triples(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(teacher, student, section) graph indices for every linking section."""
        n_s = self.g.n_records("section")
        indptr = np.zeros(n_s + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.enr_s, minlength=n_s), out=indptr[1:])
        rows = self.tea_s
        starts = indptr[rows]
        lens = indptr[rows + 1] - starts
        which = np.repeat(np.arange(len(rows), dtype=np.int64), lens)
        offsets = np.cumsum(lens) - lens
        pos = np.arange(int(lens.sum()), dtype=np.int64) - np.repeat(offsets, lens) + starts[which]
        return self.tea_u[which], self.enr_u[pos], rows[which]

    def pair_keys(self, users: _Universe, n: int) -> np.ndarray:
        """Distinct reach pair keys ``teacher * n + student`` from ``queries.reach_pairs``."""
        from ..queries.reach import reach_pair_indices

        t, s = reach_pair_indices(self.g)
        return _uniq(self._user_codes(users, t) * n + self._user_codes(users, s))

    def _user_codes(self, users: _Universe, idx: np.ndarray) -> np.ndarray:
        """Shared codes of graph user indices: a record's from ``ucode``; a stub's given
        now, in order of appearance (what coding the ids one by one gives)."""
        n_rec = len(self.ucode)
        rec = idx < n_rec
        if rec.all():
            return self.ucode[idx]
        out = np.empty(len(idx), dtype=np.int64)
        out[rec] = self.ucode[idx[rec]]
        out[~rec] = _code(users, self.g.ids("user")[idx[~rec]], self.tr_users)
        return out

    def edge_keys(self, relation: str, n_sec: int) -> np.ndarray:
        """Sorted keys ``user * n_sec + section`` (shared codes) of a membership relation:
        every listing of a user with a record, whatever the user's roles."""
        key = (relation, n_sec)
        if key not in self._edge_keys:
            u, s = _distinct_pairs(self.g, relation, by_role=False)
            self._edge_keys[key] = _uniq(self.ucode[u] * n_sec + self.scode[s])
        return self._edge_keys[key]


def _sides(d: Any, follow_reid: bool) -> tuple[_Side, _Side, _Universe, _Universe]:
    key = f"sides:{follow_reid}"
    if key not in d._cache:
        g_old, g_new = d.graphs()
        users, sections = _Universe(), _Universe()
        new = _Side(g_new, users, sections, None, None)
        old = _Side(g_old, users, sections, d.id_map("users") if follow_reid else None,
                    d.id_map("sections") if follow_reid else None)
        d._cache[key] = (old, new, users, sections)
    return d._cache[key]


def reach_changes(d: Any, *, follow_reid: bool = True) -> Table:
    """Teacher–student pairs gained and lost between the old and the new roster.

    Parameters
    ----------
    d:
        A :class:`~rostergraph.diff.RosterDiff`.
    follow_reid:
        Put re-identified and merged users and sections under their new ids
        first (default), so an id change alone gains or loses nothing.

    Returns
    -------
    Table
        ``teacher``, ``student`` (new ids when re-identified), ``change``
        (``gained`` / ``lost``), ``sections``: the linking sections (ids of
        the new roster for a gained pair, of the old one for a lost pair),
        ``causes``: per section why the link appeared or went —
        ``section_added`` / ``section_removed``, ``student_enrolled`` /
        ``student_unenrolled``, ``student_added`` / ``student_removed``,
        ``teacher_assigned`` / ``teacher_unassigned``, ``teacher_added`` /
        ``teacher_removed``, ``student_role_gained`` / ``student_role_lost`` and
        ``teacher_role_gained`` / ``teacher_role_lost`` (listed on both sides, holding
        the role the listing needs on one only). One cause per section; when several
        apply, the section's comes first, then the student's, then the teacher's.
        Sorted by change, teacher, student.

    Notes
    -----
    The pairs are ``queries.reach_pairs`` of both graphs (reach as ``docs/queries.md`` defines it),
    compared as integer keys; only the changed pairs are explained.

    Examples
    --------
    >>> import rostergraph
    >>> r = rostergraph.sample()
    >>> len(reach_changes(rostergraph.diff(r, r)))
    0
    """
    old, new, users, sections = _sides(d, follow_reid)
    ok_, nk_ = old.pair_keys(users, 1 << 31), new.pair_keys(users, 1 << 31)
    n_u, n_sec = len(users), len(sections)
    n_new_u, n_new_sec = new.g.n_records("user"), new.g.n_records("section")
    old_sec_codes = np.zeros(n_sec, dtype=bool)
    old_sec_codes[old.scode] = True
    old_u_codes = np.zeros(n_u, dtype=bool)
    old_u_codes[old.ucode] = True
    lost = ok_[~_isin(ok_, nk_)]
    gained = nk_[~_isin(nk_, ok_)]
    out: dict[str, list[Any]] = {c: [] for c in ("teacher", "student", "change", "sections",
                                                 "causes")}
    uid = np.empty(n_u, dtype=object)
    uid[:] = list(users.keys())
    for change, keys, side, other in (("gained", gained, new, old), ("lost", lost, old, new)):
        if not len(keys):
            continue
        t, s, sec = side.triples()
        tc, sc, secc = side.ucode[t], side.ucode[s], side.scode[sec]
        k = tc * (1 << 31) + sc
        m = _isin(k, keys)
        k, tc, sc, sec, secc = k[m], tc[m], sc[m], sec[m], secc[m]
        # why each linking section is in one graph and not the other
        if change == "lost":
            sec_there = secc < n_new_sec
            t_there, s_there = tc < n_new_u, sc < n_new_u
        else:
            sec_there = old_sec_codes[secc]
            t_there, s_there = old_u_codes[tc], old_u_codes[sc]
        enr_there = _isin(sc * n_sec + secc, other.edge_keys("enrolled_in", n_sec))
        tea_there = _isin(tc * n_sec + secc, other.edge_keys("teaches", n_sec))
        gone = ("removed", "unenrolled", "unassigned") if change == "lost" else (
            "added", "enrolled", "assigned")
        cause = np.full(len(k), "other", dtype=object)
        cause[~tea_there & t_there] = f"teacher_{gone[2]}"
        cause[~tea_there & ~t_there] = f"teacher_{gone[0]}"
        cause[~enr_there & s_there] = f"student_{gone[1]}"
        cause[~enr_there & ~s_there] = f"student_{gone[0]}"
        # (listed on both sides, but holding the role the listing needs on one only)
        role = "lost" if change == "lost" else "gained"
        cause[tea_there & t_there & ~other.role_codes("teacher", n_u)[tc]] = f"teacher_role_{role}"
        cause[enr_there & s_there & ~other.role_codes("student", n_u)[sc]] = f"student_role_{role}"
        cause[~sec_there] = f"section_{gone[0]}"
        order = np.lexsort((side.g.ids("section")[sec].astype(str), k))
        k, sec, cause = k[order], sec[order], cause[order]
        starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]]) if len(k) else np.zeros(0, int)
        sec_ids = side.g.ids("section")[sec].tolist()
        causes = cause.tolist()
        bounds = np.r_[starts, len(k)].tolist()
        for lo, hi in itertools.pairwise(bounds):
            out["sections"].append(tuple(sec_ids[lo:hi]))
            out["causes"].append(tuple(causes[lo:hi]))
        pk = k[starts]
        out["teacher"] += uid[pk // (1 << 31)].tolist()
        out["student"] += uid[pk % (1 << 31)].tolist()
        out["change"] += [change] * len(pk)
    tab = Table(out, name="reach changes")
    return tab.sort_by("change", "teacher", "student") if len(tab) else tab


def removed_enrollments(d: Any, *, follow_reid: bool = True) -> Table:
    """(student, section) enrollments of the old roster that the new one no longer has
    (as reach counts them: users with the student role; one the new roster still lists
    is not gone, whatever its roles there).

    Returns
    -------
    Table
        ``student``, ``section`` (old ids), sorted.

    Examples
    --------
    >>> import rostergraph
    >>> r = rostergraph.sample()
    >>> len(removed_enrollments(rostergraph.diff(r, r)))
    0
    """
    old, new, _, sections = _sides(d, follow_reid)
    n_sec = len(sections)
    gone = ~_isin(old.ucode[old.enr_u] * n_sec + old.scode[old.enr_s],
                  new.edge_keys("enrolled_in", n_sec))
    tab = Table({"student": old.g.ids("user")[old.enr_u[gone]],
                 "section": old.g.ids("section")[old.enr_s[gone]]}, name="removed enrollments")
    return tab.sort_by("student", "section") if len(tab) else tab


def enrollment_count(d: Any) -> int:
    """Distinct (student, section) enrollments between records of the old roster."""
    old, _, _, _ = _sides(d, True)
    return len(old.enr_u)


def primary_school_changes(d: Any) -> Table:
    """Students (in both rosters) whose primary school (``roles.student.school``) changed.

    Returns
    -------
    Table
        ``student`` (new id), ``old_id`` (differs when re-identified),
        ``old_school``, ``new_school`` (``None`` when absent or empty), sorted by student.

    Examples
    --------
    >>> import rostergraph
    >>> r = rostergraph.sample()
    >>> len(primary_school_changes(rostergraph.diff(r, r)))
    0
    """
    back = {n: o for o, n in d.id_map("users").items()}
    old_users, new_users, rows = d.old.users, d.new.users, []
    # a student whose school changed is a changed or re-identified user: only those are
    # looked at (the others' records are not built)
    changed = {c.new_id for c in d.changes
               if c.kind == "users" and c.change in ("changed", "reidentified")}
    for uid in changed | back.keys():
        u = new_users.get(uid)
        if u is None:
            continue
        st = u.roles.student
        if st is None:
            continue
        oid = uid if uid in old_users else back.get(uid)
        prev = old_users.get(oid) if oid is not None else None
        if prev is None or prev.roles.student is None:
            continue
        # (an empty id names no school: "" and absent are the same)
        was, now = prev.roles.student.school or None, st.school or None
        if was != now:
            rows.append((uid, oid, was, now))
    rows.sort()
    cols = ("student", "old_id", "old_school", "new_school")
    return Table({c: [r[i] for r in rows] for i, c in enumerate(cols)},
                 name="primary school changes")


def orphan_changes(d: Any) -> Table:
    """(user, role) pairs that became orphaned or stopped being orphaned.

    A row ``orphaned`` is a (user, role) orphaned in the new roster and not
    in the old one (new users included); ``unorphaned`` one orphaned before
    whose user still holds the role and is linked now. Orphans are
    ``queries.orphaned_users``.

    Returns
    -------
    Table
        ``user`` (new id), ``role``, ``change``, ``reason`` (the orphan reason
        of the side where it is orphaned), sorted by user and role.

    Examples
    --------
    >>> import rostergraph
    >>> r = rostergraph.sample()
    >>> len(orphan_changes(rostergraph.diff(r, r)))
    0
    """
    from ..queries import orphaned_users

    g_old, g_new = d.graphs()
    tr = d.id_map("users")
    o, n = orphaned_users(g_old), orphaned_users(g_new)
    before = {(tr.get(u, u), r): why for u, r, why in o}
    after = {(u, r): why for u, r, why in n}
    rows = [(u, r, "orphaned", why) for (u, r), why in after.items() if (u, r) not in before]
    new_users = d.new.users
    for (u, r), why in before.items():
        if (u, r) in after:
            continue
        rec = new_users.get(u)
        if rec is not None and getattr(rec.roles, r) is not None:
            rows.append((u, r, "unorphaned", why))
    rows.sort()
    cols = ("user", "role", "change", "reason")
    return Table({c: [row[i] for row in rows] for i, c in enumerate(cols)}, name="orphan changes")
