"""Aggregates used by reports: ``summary``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..graph import ROLE_BITS, RosterGraph
from ..table import Table
from ._common import _students_by_section, _teacher_sections, need_graph
from .reach import _reach_idx

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
    need_graph(g, "summary")
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
