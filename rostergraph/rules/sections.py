"""Section rules: RG-SEC-001..005."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..graph import RosterGraph
from ..roster import Roster
from ._util import field_column, plural, records_at
from .registry import RULES, Finding, frozen_values, rule

#: Section grades that do not name one grade; RG-SEC-005 does not judge them.
NON_SPECIFIC_GRADES = frozenset({"", "Ungraded", "Other"})
#: "Sections can have only one primary teacher, and up to 9 additional co-teachers."
MAX_CO_TEACHERS = 9


@rule("RG-SEC-001", "error", "section with no students")
def sec_no_students(roster: Roster, g: RosterGraph) -> Iterator[Finding]:
    """A section whose ``students`` is absent or empty."""
    me = RULES["RG-SEC-001"]
    n_s = g.n_records("section")
    rel = g.relations["enrolled_in"]
    empty = np.flatnonzero(np.diff(rel.rindptr[: n_s + 1]) == 0)
    values = frozen_values(students=0)
    for sid in g.ids("section")[empty].tolist():
        yield me.finding("section", sid, f"section {sid} has no students", values)


@rule("RG-SEC-002", "error", "section with no primary teacher, or teacher ≠ teachers[0]")
def sec_primary_teacher(roster: Roster, g: RosterGraph) -> Iterator[Finding]:
    """No ``teacher`` and no ``teachers``; or ``teacher`` set but not first in ``teachers``."""
    me = RULES["RG-SEC-002"]
    n_s = g.n_records("section")
    rel = g.relations["teaches"]
    sids = g.ids("section")
    deg = np.diff(rel.rindptr[: n_s + 1])
    no_teacher = frozen_values(reason="no_teacher")
    # no `teacher` and no `teachers` is exactly a section with no teaches edge
    for sid in sids[deg == 0].tolist():
        yield me.finding("section", sid, f"section {sid} has no teacher", no_teacher)
    teacher = field_column(g, "section", "teacher")
    first = field_column(g, "section", "teachers_0")
    bad = np.flatnonzero((teacher != None) & (teacher != first))
    uids = g.ids("user")
    for i in bad.tolist():
        sid, t, t0 = sids[i], teacher[i], first[i]
        listed = t0 is not None and t in uids[rel.into(i)].tolist()
        where = f"is not teachers[0] ({t0})" if listed else "is not in teachers"
        yield me.finding("section", (sid, t), f"section {sid}: primary teacher {t} {where}",
                         {"reason": "teacher_not_first", "teacher": t, "teachers_0": t0})


@rule("RG-SEC-003", "warning", f"section with more than {MAX_CO_TEACHERS} co-teachers")
def sec_too_many_teachers(roster: Roster, g: RosterGraph) -> Iterator[Finding]:
    """More than one primary plus nine co-teachers (distinct ids)."""
    me = RULES["RG-SEC-003"]
    n_s = g.n_records("section")
    # `teachers` (or the lone `teacher`) are the section's teaches edges: only sections
    # with at least ten of them can have more than ten distinct teachers
    deg = np.diff(g.relations["teaches"].rindptr[: n_s + 1])
    for sid, sec in records_at(g, "section", np.flatnonzero(deg >= MAX_CO_TEACHERS + 1)):
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
    names = field_column(g, "section", "name")
    rel = g.relations["taught_at"]  # one edge per section with a `school`
    school_ids = g.ids("school")[rel.dst].tolist()
    sec_names = names[rel.src].tolist()
    n_pairs = Counter(zip(school_ids, sec_names))
    dup = {k for k, n in n_pairs.items() if n > 1 and k[1]}
    if not dup:
        return
    groups: dict[tuple[str, str], list[str]] = {}
    sids = g.ids("section")[rel.src].tolist()
    for sid, key in zip(sids, zip(school_ids, sec_names)):
        if key in dup:
            groups.setdefault(key, []).append(sid)
    for (school, name), members in groups.items():
        members.sort()
        yield me.finding("section", members,
                         f"{len(members)} sections of school {school} share the name "
                         f"{name!r}: {', '.join(members)}",
                         {"school": school, "name": name, "sections": len(members)})


@rule("RG-SEC-005", "info", "section grade differs from most of its students' grades")
def sec_grade_mismatch(roster: Roster, g: RosterGraph) -> Iterator[Finding]:
    """More than half of the students with a grade have a grade other than the section's."""
    me = RULES["RG-SEC-005"]
    n_s = g.n_records("section")
    sec_grades = field_column(g, "section", "grade").tolist()
    # grade codes in order of first appearance: the sections' specific grades, then
    # the students' (ties for the most common grade go to the smaller code)
    codes: dict[str, int] = {}
    for gr in dict.fromkeys(sec_grades):
        if gr is not None and gr not in NON_SPECIFIC_GRADES:
            codes[gr] = len(codes)
    if not codes:
        return
    lookup: dict[Any, int] = dict(codes)
    for gr in NON_SPECIFIC_GRADES:
        lookup[gr] = -1
    lookup[None] = -1
    sec_grade = np.fromiter(map(lookup.__getitem__, sec_grades), dtype=np.int32, count=n_s)
    stu_grades = field_column(g, "user", "student_grade").tolist()
    for gr in dict.fromkeys(stu_grades):
        if gr and gr not in codes:
            codes[gr] = len(codes)
    lookup = dict(codes)
    lookup[None] = lookup[""] = -1
    stu_grade = np.full(g.n_nodes("user"), -1, dtype=np.int32)
    stu_grade[: len(stu_grades)] = np.fromiter(map(lookup.__getitem__, stu_grades),
                                               dtype=np.int32, count=len(stu_grades))
    rel = g.relations["enrolled_in"]
    ug, sg = stu_grade[rel.src], sec_grade[rel.dst]
    known = (ug >= 0) & (sg >= 0)
    n_known = np.bincount(rel.dst[known], minlength=n_s)
    n_match = np.bincount(rel.dst[known & (ug == sg)], minlength=n_s)
    bad = np.flatnonzero((n_known - n_match) * 2 > n_known)
    if not len(bad):
        return
    names = {c: gr for gr, c in codes.items()}
    ids = g.ids("section")
    # the students' most common grade per reported section (ties: the smaller code)
    lens = rel.rindptr[bad + 1] - rel.rindptr[bad]
    which = np.repeat(np.arange(len(bad), dtype=np.int64), lens)
    pos = np.arange(int(lens.sum()), dtype=np.int64) - np.repeat(np.cumsum(lens) - lens, lens)
    grades = stu_grade[rel.rsrc[rel.rindptr[bad][which] + pos]].astype(np.int64)
    keep = grades >= 0
    key, count = np.unique(which[keep] * len(codes) + grades[keep], return_counts=True)
    b, code = key // len(codes), key % len(codes)
    first = np.lexsort((code, -count, b))
    b, code = b[first], code[first]
    top_of = code[np.r_[True, b[1:] != b[:-1]]]  # one per reported section, in order
    for i, top in zip(bad.tolist(), top_of.tolist()):
        sid = ids[i]
        grade = names[int(sec_grade[i])]
        most = (f"most common {names[top]!r}" if names[top] != grade else
                f"spread over several grades; the most common single grade is the "
                f"section's own, {grade!r}")
        yield me.finding(
            "section", sid,
            f"section {sid} has grade {grade!r} but {int(n_known[i] - n_match[i])} of "
            f"{plural(int(n_known[i]), 'student')} with a grade are in another grade "
            f"({most})",
            {"grade": grade, "students_grade": names[top],
             "students_matching": int(n_match[i]), "students_with_grade": int(n_known[i])})
