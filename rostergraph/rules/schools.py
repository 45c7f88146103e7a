"""School-membership rules: RG-SCH-001 (primary school not in ``schools``),
RG-SCH-002 (section at a school outside the user's ``schools``)."""

from __future__ import annotations

from collections.abc import Iterator

from ..graph import RosterGraph
from ..queries import cross_school_enrollments, cross_school_teaching
from ..roster import Roster
from .registry import RULES, Finding, rule


@rule("RG-SCH-001", "warning", "primary `school` not listed in `schools`")
def sch_primary_not_listed(roster: Roster, g: RosterGraph) -> Iterator[Finding]:
    """A student or teacher role whose ``school`` is missing from its non-empty ``schools``."""
    me = RULES["RG-SCH-001"]
    for uid, u in roster.users.items():
        for role_name in ("student", "teacher"):
            role = getattr(u.roles, role_name)
            if role is None or role.school is None or not role.schools:
                continue
            if role.school not in role.schools:
                yield me.finding(
                    "user", uid,
                    f"{role_name} {uid}: primary school {role.school} is not in "
                    f"roles.{role_name}.schools", {"role": role_name, "school": role.school,
                                                   "schools": len(role.schools)})


@rule("RG-SCH-002", "warning", "section at a school outside the user's `schools`")
def sch_section_outside_schools(roster: Roster, g: RosterGraph) -> Iterator[Finding]:
    """A cross-school (student or teacher, section) pair whose section's school is not among
    the user's schools at all: the ``in_schools == False`` rows of
    :func:`rostergraph.queries.cross_school_enrollments` and ``cross_school_teaching``."""
    me = RULES["RG-SCH-002"]
    for who, table in (("student", cross_school_enrollments(g)),
                       ("teacher", cross_school_teaching(g))):
        bad = ~table["in_schools"]
        for uid, sid, school, home in zip(table[who][bad].tolist(),
                                          table["section"][bad].tolist(),
                                          table["school"][bad].tolist(),
                                          table["primary_school"][bad].tolist()):
            verb = "is enrolled in" if who == "student" else "teaches"
            yield me.finding(
                "user", (uid, sid),
                f"{who} {uid} {verb} section {sid} at school {school}, which is not in the "
                f"{who}'s schools (primary {home})",
                {"role": who, "section": sid, "school": school, "primary_school": home})
