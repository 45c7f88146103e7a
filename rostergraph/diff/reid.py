"""Re-id detection: removed and added records that are the same thing under a new id.

Natural keys (Clever re-creates terms and courses, and gives a user
a new id, or splits a merged user, after an email change):

==========  ===============================================================
kind        key (tried in this order)
==========  ===============================================================
terms       ``name+dates``: (name, start_date, end_date), at least one set
courses     ``number``: course number; else ``name``
sections    ``sis_id+school``
users       ``sis_id+role`` (student/teacher/contact ``sis_id``, staff
            ``staff_id``); else ``email+name`` (email trimmed and
            case-folded, first + last name case-folded) within employees,
            students or contacts, unless an ``sis_id`` of the same role says
            the two are different people
==========  ===============================================================

A key shared by exactly one removed and one added record is a
re-identification. A key shared by more is **ambiguous** and reported as
such, never guessed, except two documented Clever behaviours:

- **employee merges and splits** (users): one teacher and one staff user
  (any employee roles: teacher, staff, district admin) becoming one user
  holding both roles, or the reverse. The merged user may be new or keep one
  of the old ids (a *survivor* whose roles grew or shrank).
- **course merges**: several courses with the same course number merged
  into one.

Examples
--------
>>> from rostergraph.model import Term
>>> old = {"t1": Term(id="t1", name="Fall", start_date="2025-08-15")}
>>> new = {"t7": Term(id="t7", name="Fall", start_date="2025-08-15")}
>>> match_records("terms", old, new).pairs
[('t1', 't7', 'name+dates')]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

import attrs

__all__ = [
    "EMPLOYEE_ROLES",
    "AmbiguousMatch",
    "Matches",
    "Merge",
    "match_records",
    "match_users",
]

#: Roles Clever merges users across (v3.0 "Users").
EMPLOYEE_ROLES: frozenset[str] = frozenset({"teacher", "staff", "district_admin"})
_ROLES = ("student", "teacher", "staff", "district_admin", "contact")
_GROUP_CAP = 25  # key groups larger than this are ambiguous without pairwise checks


@attrs.frozen(slots=True)
class Merge:
    """Several records that became one (``merged``) or one that became several (``split``).

    ``old_ids`` are the ids in the old roster, ``new_ids`` in the new one; a
    survivor id (kept by the merged or split user) appears in both.
    """

    kind: str
    change: str
    old_ids: tuple[str, ...]
    new_ids: tuple[str, ...]
    key: str


@attrs.frozen(slots=True)
class AmbiguousMatch:
    """Removed and added records sharing a natural key without a unique match.

    They stay reported as removed and added; nothing is guessed.
    """

    kind: str
    key: str
    old_ids: tuple[str, ...]
    new_ids: tuple[str, ...]


@attrs.frozen(slots=True)
class Matches:
    """What matching found for one kind."""

    pairs: list[tuple[str, str, str]] = attrs.field(factory=list)
    merges: list[Merge] = attrs.field(factory=list)
    ambiguous: list[AmbiguousMatch] = attrs.field(factory=list)


def _term_key(t: Any) -> Any:
    if t.name is None and t.start_date is None and t.end_date is None:
        return None
    return (t.name, t.start_date, t.end_date)


_KEYS: dict[str, list[tuple[str, Callable[[Any], Any]]]] = {
    "terms": [("name+dates", _term_key)],
    "courses": [("number", lambda c: c.number or None), ("name", lambda c: c.name or None)],
    "sections": [("sis_id+school", lambda s: (s.sis_id, s.school) if s.sis_id else None)],
}


def match_records(kind: str, removed: Mapping[str, Any], added: Mapping[str, Any]) -> Matches:
    """Match removed to added records of a non-user kind by natural key.

    Parameters
    ----------
    kind:
        ``"terms"``, ``"courses"`` or ``"sections"`` (other kinds match nothing).
    removed, added:
        id → record of the records only in the old / only in the new roster.

    Returns
    -------
    Matches
        ``pairs`` ``(old_id, new_id, key)``, course ``merges``, ``ambiguous``.

    Examples
    --------
    >>> from rostergraph.model import Course
    >>> old = {"c1": Course(id="c1", number="MA1"), "c2": Course(id="c2", number="MA1")}
    >>> new = {"c9": Course(id="c9", number="MA1", name="Math")}
    >>> match_records("courses", old, new).merges[0].old_ids
    ('c1', 'c2')
    """
    out = Matches()
    left_old, left_new = dict(removed), dict(added)
    for key_name, key_of in _KEYS.get(kind, []):
        if not left_old or not left_new:
            break
        groups: dict[Any, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
        for side, recs in ((0, left_old), (1, left_new)):
            for rid, rec in recs.items():
                k = key_of(rec)
                if k is not None:
                    groups[k][side].append(rid)
        for olds, news in groups.values():
            if not olds or not news:
                continue
            olds.sort()
            news.sort()
            if len(olds) == 1 and len(news) == 1:
                out.pairs.append((olds[0], news[0], key_name))
            elif kind == "courses" and key_name == "number" and len(news) == 1:
                out.merges.append(Merge(kind, "merged", tuple(olds), tuple(news), key_name))
            else:
                out.ambiguous.append(AmbiguousMatch(kind, key_name, tuple(olds), tuple(news)))
            for rid in olds:
                del left_old[rid]
            for rid in news:
                del left_new[rid]
    out.pairs.sort()
    return out


# --- users -------------------------------------------------------------------------


def roles_of(user: Any) -> frozenset[str]:
    """The role names a user holds."""
    r = user.roles
    return frozenset(name for name in _ROLES if getattr(r, name) is not None)


def _sis_keys(user: Any) -> dict[str, str]:
    r = user.roles
    out: dict[str, str] = {}
    for role in ("student", "teacher", "contact"):
        obj = getattr(r, role)
        if obj is not None and obj.sis_id:
            out[role] = obj.sis_id
    if r.staff is not None and r.staff.staff_id:
        out["staff"] = r.staff.staff_id
    return out


def _email_key(user: Any) -> tuple[str, str, str] | None:
    email = (user.email or "").strip().casefold()
    if not email:
        return None
    roles = roles_of(user)
    cls = "employee" if roles & EMPLOYEE_ROLES else ("student" if "student" in roles
                                                     else "contact")
    n = user.name
    name = " ".join(" ".join(p for p in (n.first, n.last) if p).split()).casefold() if n else ""
    return (cls, email, name)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[Any, Any] = {}

    def find(self, x: Any) -> Any:
        p = self.parent.setdefault(x, x)
        while p != x:
            self.parent[x] = self.parent.setdefault(p, p)
            x, p = p, self.parent[p]
        return x

    def union(self, a: Any, b: Any) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def match_users(removed: Mapping[str, Any], added: Mapping[str, Any],
                kept_old: Mapping[str, Any] | None = None,
                kept_new: Mapping[str, Any] | None = None) -> Matches:
    """Match removed to added users: re-identifications, employee merges and splits.

    Parameters
    ----------
    removed, added:
        id → user only in the old / only in the new roster.
    kept_old, kept_new:
        Users in both rosters whose employee roles changed (old and new
        record): candidate survivors of a merge or split.

    Returns
    -------
    Matches
        ``pairs`` (one removed ↔ one added), ``merges`` (``merged`` /
        ``split``), ``ambiguous`` (anything else sharing a key).

    Examples
    --------
    >>> from rostergraph.model import User, Roles, TeacherRole, StaffRole
    >>> t = User(id="t1", email="a@x.org", roles=Roles(teacher=TeacherRole(sis_id="T1")))
    >>> s = User(id="u2", email="a@x.org", roles=Roles(staff=StaffRole(staff_id="S1")))
    >>> m = User(id="m9", email="a@x.org",
    ...          roles=Roles(teacher=TeacherRole(sis_id="T1"), staff=StaffRole(staff_id="S1")))
    >>> match_users({"t1": t, "u2": s}, {"m9": m}).merges[0]
    Merge(kind='users', change='merged', old_ids=('t1', 'u2'), new_ids=('m9',), key='email+name, sis_id+role')
    """
    kept_old = kept_old or {}
    kept_new = kept_new or {}
    # nodes: ("o", id) removed, ("n", id) added, ("k", id) kept (on both sides)
    old_side: list[tuple[tuple[str, str], Any]] = [(("o", i), u) for i, u in removed.items()]
    old_side += [(("k", i), u) for i, u in kept_old.items()]
    new_side: list[tuple[tuple[str, str], Any]] = [(("n", i), u) for i, u in added.items()]
    new_side += [(("k", i), u) for i, u in kept_new.items()]
    if not (removed or kept_old) or not (added or kept_new):
        return Matches()
    sis: dict[tuple[str, str], dict[str, str]] = {}
    for node, u in old_side + new_side:
        sis.setdefault(node, {}).update(_sis_keys(u))
    uf = _UnionFind()
    used: dict[Any, set[str]] = defaultdict(set)
    by_sis: set[tuple[str, str]] = set()  # nodes sis_id+role matched: email+name is their else

    def link(a: tuple[str, str], b: tuple[str, str], key: str) -> None:
        if a != b:
            uf.union(a, b)
            used[(a, b)].add(key)
            if key == "sis_id+role":
                by_sis.update((a, b))

    for key_name, key_of in (("sis_id+role", _sis_items), ("email+name", _email_items)):
        groups: dict[Any, tuple[list[Any], list[Any]]] = defaultdict(lambda: ([], []))
        for side, nodes in ((0, old_side), (1, new_side)):
            for node, u in nodes:
                for k in key_of(u):
                    groups[k][side].append(node)
        for gk, (olds, news) in groups.items():
            if not olds or not news:
                continue
            # email+name is sis_id+role's else: it ties a user sis_id+role matched to no one
            # else, but an employee's match to another employee (a merge or a split)
            emp = key_name == "email+name" and gk[1] == "employee"
            if key_name == "email+name" and len(olds) * len(news) > _GROUP_CAP:
                olds = [a for a in olds if a not in by_sis]
                news = [b for b in news if b not in by_sis]
                if not olds or not news:
                    continue
            if len(olds) * len(news) > _GROUP_CAP:
                # a crowded key: one component (ambiguous), no pairwise checks
                for node in olds[1:] + news:
                    link(olds[0], node, key_name)
                continue
            for a in olds:
                for b in news:
                    if key_name == "sis_id+role":
                        link(a, b, key_name)
                    elif a in by_sis and b in by_sis or not emp and (a in by_sis or b in by_sis):
                        if uf.find(a) == uf.find(b):  # (it only names the key then)
                            used[(a, b)].add(key_name)
                    elif not _conflict(sis[a], sis[b]):
                        link(a, b, key_name)
    comps: dict[Any, list[tuple[str, str]]] = defaultdict(list)
    for node in list(uf.parent):
        comps[uf.find(node)].append(node)
    keys_of: dict[Any, set[str]] = defaultdict(set)
    for (first, _), ks in used.items():
        keys_of[uf.find(first)] |= ks
    out = Matches()
    for root, members in comps.items():
        r_ids = sorted(i for t, i in members if t == "o")
        a_ids = sorted(i for t, i in members if t == "n")
        k_ids = sorted(i for t, i in members if t == "k")
        key = ", ".join(sorted(keys_of[root]))
        _classify(out, r_ids, a_ids, k_ids, key, removed, added, kept_old, kept_new)
    out.pairs.sort()
    out.merges.sort(key=lambda m: (m.old_ids, m.new_ids))
    out.ambiguous.sort(key=lambda m: (m.old_ids, m.new_ids))
    return out


def _sis_items(u: Any) -> list[Any]:
    return [("sis", role, v) for role, v in _sis_keys(u).items()]


def _email_items(u: Any) -> list[Any]:
    k = _email_key(u)
    return [] if k is None else [("email",) + k]


def _conflict(a: dict[str, str], b: dict[str, str]) -> bool:
    """Two users whose sis_ids for the same role differ are different people."""
    return any(role in b and b[role] != v for role, v in a.items())


def _classify(out: Matches, r: list[str], a: list[str], k: list[str], key: str,
              removed: Mapping[str, Any], added: Mapping[str, Any],
              kept_old: Mapping[str, Any], kept_new: Mapping[str, Any]) -> None:
    emp = EMPLOYEE_ROLES

    def roles(ids: list[str], recs: Mapping[str, Any]) -> frozenset[str]:
        acc: frozenset[str] = frozenset()
        for i in ids:
            acc |= roles_of(recs[i])
        return acc

    def employees(ids: list[str], recs: Mapping[str, Any]) -> bool:
        return all(roles_of(recs[i]) and roles_of(recs[i]) <= emp for i in ids)

    if not k:
        if len(r) == 1 and len(a) == 1:
            out.pairs.append((r[0], a[0], key))
            return
        if len(a) == 1 and len(r) > 1 and employees(r, removed) and \
                roles(r, removed) <= roles_of(added[a[0]]) <= emp:
            out.merges.append(Merge("users", "merged", tuple(r), tuple(a), key))
            return
        if len(r) == 1 and len(a) > 1 and employees(a, added) and \
                roles(a, added) <= roles_of(removed[r[0]]) <= emp:
            out.merges.append(Merge("users", "split", tuple(r), tuple(a), key))
            return
    elif len(k) == 1 and (r or a):
        s = k[0]
        before, after = roles_of(kept_old[s]), roles_of(kept_new[s])
        if r and not a and employees(r, removed) and after <= emp and \
                before | roles(r, removed) <= after and after != before:
            out.merges.append(Merge("users", "merged", tuple(sorted([s] + r)), (s,), key))
            return
        if a and not r and employees(a, added) and before <= emp and \
                after | roles(a, added) <= before and after != before:
            out.merges.append(Merge("users", "split", (s,), tuple(sorted([s] + a)), key))
            return
    if r or a:
        out.ambiguous.append(AmbiguousMatch("users", key or "sis_id+role", tuple(sorted(r + k)),
                                            tuple(sorted(a + k))))
