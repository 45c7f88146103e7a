"""Section rules: RG-SEC-001..005."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..graph import RosterGraph
from ..roster import Roster
from ._util import plural
from .registry import RULES, Finding, rule

#: Section grades that do not name one grade; RG-SEC-005 does not judge them.
NON_SPECIFIC_GRADES = frozenset({"", "Ungraded", "Other"})
#: "Sections can have only one primary teacher, and up to 9 additional co-teachers."
MAX_CO_TEACHERS = 9


@rule("RG-SEC-001", "error", "section with no students")
def sec_no_students(roster: Roster, g: RosterGraph) -> Iterator[Finding]:
    """A section whose ``students`` is absent or empty."""
    me = RULES["RG-SEC-001"]
    for sid, sec in roster.sections.items():
        if not sec.students:
            yield me.finding("section", sid, f"section {sid} has no students",
                             {"students": 0})


@rule("RG-SEC-002", "error", "section with no primary teacher, or teacher ≠ teachers[0]")
def sec_primary_teacher(roster: Roster, g: RosterGraph) -> Iterator[Finding]:
    """No ``teacher`` and no ``teachers``; or ``teacher`` set but not first in ``teachers``."""
    me = RULES["RG-SEC-002"]
    for sid, sec in roster.sections.items():
        teacher, teachers = sec.teacher, sec.teachers or ()
        if teacher is None and not teachers:
            yield me.finding("section", sid, f"section {sid} has no teacher",
                             {"reason": "no_teacher"})
        elif teacher is not None and (not teachers or teachers[0] != teacher):
            first = teachers[0] if teachers else None
            where = ("is not in teachers" if teacher not in teachers else
                     f"is not teachers[0] ({first})")
            yield me.finding("section", (sid, teacher),
                             f"section {sid}: primary teacher {teacher} {where}",
                             {"reason": "teacher_not_first", "teacher": teacher,
                              "teachers_0": first})


@rule("RG-SEC-003", "warning", f"section with more than {MAX_CO_TEACHERS} co-teachers")
def sec_too_many_teachers(roster: Roster, g: RosterGraph) -> Iterator[Finding]:
    """More than one primary plus nine co-teachers (distinct ids)."""
    me = RULES["RG-SEC-003"]
    for sid, sec in roster.sections.items():
        teachers = sec.teachers
        if teachers and len(teachers) >= MAX_CO_TEACHERS + 1:
            n = len(set(teachers) | ({sec.teacher} if sec.teacher else set()))
            if n > MAX_CO_TEACHERS + 1:
                yield me.finding("section", sid,
                                 f"section {sid} has {n} teachers ({n - 1} co-teachers; "
                                 f"at most {MAX_CO_TEACHERS})",
                                 {"teachers": n, "co_teachers": n - 1})


@rule("RG-SEC-004", "info", "duplicate section names within a school")
def sec_duplicate_names(roster: Roster, g: RosterGraph) -> Iterator[Finding]:
    """Two or more sections of one school with the same (exact) name; one finding per name."""
    me = RULES["RG-SEC-004"]
    groups: dict[tuple[str, str], list[str]] = {}
    for sid, sec in roster.sections.items():
        if sec.name and sec.school is not None:
            groups.setdefault((sec.school, sec.name), []).append(sid)
    for (school, name), sids in groups.items():
        if len(sids) > 1:
            sids.sort()
            yield me.finding("section", sids,
                             f"{len(sids)} sections of school {school} share the name "
                             f"{name!r}: {', '.join(sids)}",
                             {"school": school, "name": name, "sections": len(sids)})


@rule("RG-SEC-005", "info", "section grade differs from most of its students' grades")
def sec_grade_mismatch(roster: Roster, g: RosterGraph) -> Iterator[Finding]:
    """More than half of the students with a grade have a grade other than the section's."""
    me = RULES["RG-SEC-005"]
    codes: dict[str, int] = {}
    n_s = g.n_records("section")
    sec_grade = np.fromiter(
        (-1 if (gr := s.grade) is None or gr in NON_SPECIFIC_GRADES
         else codes.setdefault(gr, len(codes)) for s in roster.sections.values()),
        dtype=np.int32, count=n_s)
    if not (sec_grade >= 0).any():
        return
    n_u = g.n_records("user")

    def grade_of(u: Any) -> int:
        st = u.roles.student
        if st is None or not st.grade:
            return -1
        return codes.setdefault(st.grade, len(codes))

    stu_grade = np.full(g.n_nodes("user"), -1, dtype=np.int32)
    stu_grade[:n_u] = np.fromiter(map(grade_of, roster.users.values()), dtype=np.int32,
                                  count=n_u)
    rel = g.relations["enrolled_in"]
    ug, sg = stu_grade[rel.src], sec_grade[rel.dst]
    known = (ug >= 0) & (sg >= 0)
    n_known = np.bincount(rel.dst[known], minlength=n_s)
    n_match = np.bincount(rel.dst[known & (ug == sg)], minlength=n_s)
    bad = np.flatnonzero((n_known - n_match) * 2 > n_known)
    names = {c: gr for gr, c in codes.items()}
    ids = g.ids("section")
    for i in bad.tolist():
        sid = ids[i]
        members = rel.into(i)
        counts = Counter(int(c) for c in stu_grade[members] if c >= 0)
        top, _ = max(counts.items(), key=lambda kv: (kv[1], -kv[0]))
        grade = names[int(sec_grade[i])]
        yield me.finding(
            "section", sid,
            f"section {sid} has grade {grade!r} but {int(n_known[i] - n_match[i])} of "
            f"{plural(int(n_known[i]), 'student')} with a grade are in another grade "
            f"(most common {names[top]!r})",
            {"grade": grade, "students_grade": names[top],
             "students_matching": int(n_match[i]), "students_with_grade": int(n_known[i])})
