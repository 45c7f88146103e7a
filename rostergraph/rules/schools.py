"""School-membership rules: RG-SCH-001 (primary school not in ``schools``),
RG-SCH-002 (section at a school outside the user's ``schools``), RG-SCH-003 (a student or
teacher at no school)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..fields import school_unlisted
from ..graph import ROLE_BITS, RosterGraph
from ..lazy import LazyRecords
from ..queries import cross_school_enrollments, cross_school_teaching
from ..roster import Roster
from ._util import reader_column, records_at, without_edges
from .findings import FindingBlock
from .registry import RULES, rule


@rule("RG-SCH-001", "warning", "primary `school` not listed in `schools`")
def sch_primary_not_listed(roster: Roster, g: RosterGraph) -> Iterator[FindingBlock]:
    """A student or teacher role whose ``school`` is missing from its non-empty ``schools``."""
    me = RULES["RG-SCH-001"]
    found: dict[str, list[tuple[str, str, int]]] = {"student": [], "teacher": []}
    cand = _candidates(g)
    recs = g.roster.records("users")
    if len(cand) and isinstance(recs, LazyRecords):
        # records a fast load has not built are read from their decoded JSON (plain: every
        # key a field with its JSON type), not built
        objs = recs.decoded(cand.tolist())
        for uid, obj in zip(g.ids("user")[cand].tolist(), objs):
            if obj is None:
                continue
            jroles: dict[str, Any] = obj.get("roles") or {}
            for role_name in ("student", "teacher"):
                jr = jroles.get(role_name)
                # (an empty id names no school: "" is no primary, and lists none)
                if not jr or not jr.get("school") or not any(jr.get("schools") or ()):
                    continue
                if jr["school"] not in jr["schools"]:
                    found[role_name].append((uid, jr["school"], len(jr["schools"])))
        cand = cand[np.fromiter((o is None for o in objs), dtype=bool, count=len(objs))]
    for uid, u in records_at(g, "user", cand.tolist()):
        for role_name in ("student", "teacher"):
            role = getattr(u.roles, role_name)
            if school_unlisted(role):
                found[role_name].append((uid, role.school, len(role.schools)))
    for role_name, rows in found.items():
        cols = list(zip(*rows)) or [(), (), ()]
        yield FindingBlock(
            me, "user", ids=(np.array(cols[0], dtype=object),),
            message=(f"{role_name} {{id0}}: primary school {{school}} is not in "
                     f"roles.{role_name}.schools"),
            values={"role": role_name, "school": np.array(cols[1], dtype=object),
                    "schools": np.array(cols[2], dtype=np.int64)})


def _candidates(g: RosterGraph) -> np.ndarray:
    """Users RG-SCH-001 must look at: those a fast reader marked while it made their school
    edges; without its marks, every user whose edges allow a finding."""
    marks = [reader_column(g.roster, "users", f"{role}_school_unlisted")
             for role in ("student", "teacher")]
    if marks[0] is not None and marks[1] is not None:
        return np.flatnonzero(marks[0] | marks[1])
    # A role's school edges are its primary school then every other listed school, once
    # each: a primary school missing from a non-empty list gives at least two edges, one
    # of them primary (so does a primary school listed with others: those are read too).
    n_u = g.n_records("user")
    maybe = np.zeros(n_u, dtype=bool)
    for name, role in (("attends", "student"), ("works_at", "teacher")):
        rel = g.relations[name]
        deg = np.diff(rel.indptr[: n_u + 1])
        has_primary = np.bincount(rel.src[rel.attrs["primary"]], minlength=n_u)[:n_u] > 0
        maybe |= (deg >= 2) & has_primary & ((g.roles[:n_u] & ROLE_BITS[role]) != 0)
    return np.flatnonzero(maybe)


@rule("RG-SCH-002", "warning", "section at a school outside the user's `schools`")
def sch_section_outside_schools(roster: Roster, g: RosterGraph) -> Iterator[FindingBlock]:
    """A cross-school (student or teacher, section) pair whose section's school is not among
    the user's schools at all: the ``in_schools == False`` rows of
    :func:`rostergraph.queries.cross_school_enrollments` and ``cross_school_teaching``."""
    me = RULES["RG-SCH-002"]
    for who, table in (("student", cross_school_enrollments(g)),
                       ("teacher", cross_school_teaching(g))):
        bad = ~np.asarray(table["in_schools"], dtype=bool)
        col = {c: np.asarray(table[c], dtype=object)[bad]
               for c in (who, "section", "school", "primary_school")}
        verb = "is enrolled in" if who == "student" else "teaches"
        yield FindingBlock(
            me, "user", ids=(col[who], col["section"]),
            message=(f"{who} {{id0}} {verb} section {{id1}} at school {{school}}, which is "
                     f"not in the {who}'s schools (primary {{primary_school}})"),
            values={"role": who, "section": col["section"], "school": col["school"],
                    "primary_school": col["primary_school"]})



@rule("RG-SCH-003", "warning", "student or teacher at no school")
def sch_user_at_no_school(roster: Roster, g: RosterGraph) -> Iterator[FindingBlock]:
    """A student role with neither ``school`` nor ``schools``; a teacher with neither and no
    school through a staff role either (a school id without a record still counts: its
    missing record is RG-REF-001's)."""
    me = RULES["RG-SCH-003"]
    uids = g.ids("user")
    for role, name in (("student", "attends"), ("teacher", "works_at")):
        none = without_edges(g, "user", name)
        at = none[(g.roles[none] & ROLE_BITS[role]) != 0]
        yield FindingBlock(me, "user", ids=(uids[at],),
                           message=f"{role} {{id0}} is at no school (no school, no schools)",
                           values={"role": role, "reason": "no_school"})
