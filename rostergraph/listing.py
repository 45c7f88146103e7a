"""List the records of a roster: the ids a query needs, with their names.

:func:`list_records` answers "which teachers, students, sections or schools
are there?" from the graph's arrays (no record is built for the counts), so
an id for ``rostergraph query`` never has to be dug out of raw JSON. The
command line is ``rostergraph list teachers|students|sections|schools``.

Examples
--------
>>> import rostergraph
>>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
>>> t = list_records(g, "schools")
>>> t.columns
['school', 'name', 'students', 'teachers', 'sections']
>>> list_records(g, "sections", name="algebra").shape[0] >= 1
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .graph import ROLE_BITS
from .labels import _labels, label_of
from .queries import _section_csr
from .table import Table

if TYPE_CHECKING:
    from .graph import RosterGraph

__all__ = ["KINDS", "list_records"]

#: What ``list_records`` lists.
KINDS = ("teachers", "students", "sections", "schools")

def _primary_school(g: RosterGraph, relation: str, n_users: int) -> np.ndarray:
    """Per user, the node index of the primary school in ``relation`` (-1: none)."""
    rel = g.relations[relation]
    out = np.full(n_users, -1, dtype=np.int64)
    ok = rel.attrs["primary"].astype(bool) & (rel.src < n_users)
    out[rel.src[ok]] = rel.dst[ok]
    return out


def _ids_or_none(ids: np.ndarray, idx: np.ndarray) -> np.ndarray:
    out = np.empty(len(idx), dtype=object)
    has = idx >= 0
    out[has] = ids[idx[has]]
    return out


def _school_filter(g: RosterGraph, school: str | None, relation: str) -> np.ndarray | None:
    """Node indices of the sources linked to ``school`` by ``relation`` (None: no filter)."""
    if school is None:
        return None
    s = g.index_of("school", school, allow_missing=True)  # (a place is known by its id)
    rel = g.relations[relation]
    return np.unique(rel.src[rel.dst == s])


def list_records(g: RosterGraph, kind: str, *, school: str | None = None,
                 name: str | None = None) -> Table:
    """The teachers, students, sections or schools of a roster, with names and counts.

    Parameters
    ----------
    g:
        The graph.
    kind:
        ``"teachers"``, ``"students"``, ``"sections"`` or ``"schools"``.
    school:
        Only records of this school id: users linked to it (primary or not),
        sections taught at it, or that school.
    name:
        Only records whose name contains this text (case-insensitive); for
        people, their first and last name.

    Returns
    -------
    Table
        teachers/students: ``user``, ``user_name``, ``school`` (primary),
        ``sections`` (sections they teach / are enrolled in) and, for students,
        ``grade``; sections: ``section``, ``name``, ``school``, ``term``,
        ``course``, ``students``, ``teachers``; schools: ``school``, ``name``,
        ``students`` and ``teachers`` (at their primary school), ``sections``, the
        schools referenced without a record last (no ``name``).
        Rows in the roster's order. ``user_name`` is personal data: apply a
        :class:`~rostergraph.privacy.PrivacyPolicy` before sharing (the CLI does).

    Raises
    ------
    ValueError
        For an unknown ``kind``.
    UnknownIdError
        For a ``school`` id that is not in the roster (a school id referenced without a
        record is a school: its records are listed).

    Examples
    --------
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> t = list_records(g, "teachers")
    >>> t.columns
    ['user', 'user_name', 'school', 'sections']
    >>> bool(len(rostergraph.students_of(g, t.to_list("user")[0])) >= 0)
    True
    """
    if kind not in KINDS:
        import difflib

        near = next(iter(difflib.get_close_matches(kind, KINDS, n=1)), None)
        raise ValueError(f"cannot list {kind!r}; expected one of {', '.join(KINDS)}"
                         + (f" (did you mean {near!r}?)" if near else ""))
    roster = g.roster
    n_u, n_sec = g.n_records("user"), g.n_records("section")
    if kind in ("teachers", "students"):
        role = kind[:-1]
        sec_rel, school_rel = (("teaches", "works_at") if role == "teacher"
                               else ("enrolled_in", "attends"))
        idx = np.flatnonzero((g.roles[:n_u] & ROLE_BITS[role]) != 0)
        linked = _school_filter(g, school, school_rel)
        if linked is not None:
            idx = idx[np.isin(idx, linked)]
        users = g.ids("user")[idx]
        cols: dict[str, Any] = {"user": users}
        cols["user_name"] = _labels(users, roster.users, "user")
        prim = _primary_school(g, school_rel, n_u)[idx]
        cols["school"] = _ids_or_none(g.ids("school"), prim)
        cols["sections"] = np.bincount(g.relations[sec_rel].src, minlength=n_u)[idx]
        if role == "student":
            cols["grade"] = [_grade(roster.users, u) for u in users.tolist()]
        t = Table(cols, name=kind)
        if name:
            t = _name_filter(t, "user_name", name)
        return t
    if kind == "sections":
        idx = np.arange(n_sec)
        if school is not None:
            s = g.index_of("school", school, allow_missing=True)
            at = g.relations["taught_at"]
            idx = np.unique(at.src[(at.dst == s) & (at.src < n_sec)])
        secs = g.ids("section")[idx]
        cols = {"section": secs}
        cols["name"] = [label_of(roster.sections.get(x), "section") for x in secs.tolist()]
        for rel_name, col in (("taught_at", "school"), ("in_term", "term"),
                              ("of_course", "course")):
            rel = g.relations[rel_name]
            target = np.full(n_sec, -1, dtype=np.int64)
            ok = rel.src < n_sec
            target[rel.src[ok]] = rel.dst[ok]
            cols[col] = _ids_or_none(g.ids(rel.dst_kind), target[idx])
        # (as the queries count them: distinct users with records and the role the
        # listing needs, as summary()'s section sizes)
        for col, rel_name in (("students", "enrolled_in"), ("teachers", "teaches")):
            cols[col] = np.diff(_section_csr(g, rel_name)[0])[idx]
        t = Table(cols, name=kind)
        return _name_filter(t, "name", name) if name else t
    # every school: the records, then those the sections and users name without a record
    # (a dump without schools.json names its schools by id only)
    n_all = g.n_nodes("school")
    idx = np.arange(n_all)
    if school is not None:  # (a school known only by id too)
        idx = np.array([g.index_of("school", school, allow_missing=True)], dtype=np.int64)
    schools = g.ids("school")[idx]
    roles = g.roles

    def primary_count(relation: str, role: str) -> np.ndarray:
        rel = g.relations[relation]
        ok = rel.attrs["primary"].astype(bool) & (rel.src < n_u) & (rel.dst < n_all)
        ok[ok] = (roles[rel.src[ok]] & ROLE_BITS[role]) != 0
        return np.bincount(rel.dst[ok], minlength=n_all)

    at = g.relations["taught_at"]
    ok = (at.src < n_sec) & (at.dst < n_all)
    t = Table({"school": schools,
               "name": [label_of(roster.schools.get(x), "school") for x in schools.tolist()],
               "students": primary_count("attends", "student")[idx],
               "teachers": primary_count("works_at", "teacher")[idx],
               "sections": np.bincount(at.dst[ok], minlength=n_all)[idx]}, name=kind)
    return _name_filter(t, "name", name) if name else t


def _grade(users: Any, user_id: str) -> str | None:
    """A student's grade, read without building the record when the records are lazy."""
    if hasattr(users, "peek"):
        roles = users.peek(user_id, "roles")
        if isinstance(roles, dict):
            student = roles.get("student")
            grade = student.get("grade") if isinstance(student, dict) else None
            return grade if isinstance(grade, str) else None
        if roles is None:
            return None
    rec = users.get(user_id)
    student = getattr(getattr(rec, "roles", None), "student", None)
    return getattr(student, "grade", None)


def _name_filter(t: Table, column: str, text: str) -> Table:
    needle = text.casefold()
    keep = np.fromiter((isinstance(v, str) and needle in v.casefold()
                        for v in t[column].tolist()), dtype=bool, count=len(t))
    return t[keep]
