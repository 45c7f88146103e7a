"""Hypothesis strategies shared by the test suite.

Valid records and rosters first (small, with the association quirks that
matter: co-teachers, multi-school and multi-role users, references to ids
without records); corruption strategies for the fuzz tests after them.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from rostergraph.model import (
    ContactRole,
    DistrictAdminRole,
    Roles,
    School,
    Section,
    StaffRole,
    StudentRelationship,
    StudentRole,
    TeacherRole,
    User,
)
from rostergraph.roster import Roster

# Small id pools so that references collide often; ids outside the record
# sets become stub nodes.
SCHOOL_IDS = [f"sc{i}" for i in range(4)]
SECTION_IDS = [f"se{i}" for i in range(7)]
USER_IDS = [f"u{i}" for i in range(10)]


def _subset(pool: list[str], max_size: int = 4) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(st.sampled_from(pool), max_size=max_size).map(tuple)


@st.composite
def rosters(draw: Any) -> Roster:
    """A small random Roster exercising every relation of the graph."""
    school_ids = draw(st.lists(st.sampled_from(SCHOOL_IDS), unique=True, max_size=3))
    schools = [School(id=s, district="d1", name=f"School {s}") for s in school_ids]
    user_ids = draw(st.lists(st.sampled_from(USER_IDS), unique=True, max_size=8))
    users = []
    for uid in user_ids:
        roles: dict[str, Any] = {}
        if draw(st.booleans()):
            roles["student"] = StudentRole(
                school=draw(st.none() | st.sampled_from(SCHOOL_IDS)),
                schools=draw(st.none() | _subset(SCHOOL_IDS, 3)))
        if draw(st.booleans()):
            roles["teacher"] = TeacherRole(
                school=draw(st.none() | st.sampled_from(SCHOOL_IDS)),
                schools=draw(st.none() | _subset(SCHOOL_IDS, 3)))
        if draw(st.integers(0, 3)) == 0:
            roles["staff"] = StaffRole(schools=draw(st.none() | _subset(SCHOOL_IDS, 3)))
        if draw(st.integers(0, 4)) == 0:
            roles["district_admin"] = DistrictAdminRole()
        if draw(st.integers(0, 2)) == 0:
            rels = draw(st.lists(st.sampled_from(USER_IDS), max_size=3))
            roles["contact"] = ContactRole(student_relationships=tuple(
                StudentRelationship(student=s, relationship=draw(
                    st.sampled_from(["Parent", "Grandparent", "Other", ""])), type="Family")
                for s in rels))
        users.append(User(id=uid, district=draw(st.sampled_from(["d1", "d1", None])),
                          roles=Roles(**roles)))
    section_ids = draw(st.lists(st.sampled_from(SECTION_IDS), unique=True, max_size=6))
    sections = []
    for sid in section_ids:
        teachers = draw(_subset(USER_IDS, 4))
        teacher = draw(st.sampled_from(["first", "none", "other"]))
        primary = (teachers[0] if teachers else None) if teacher == "first" else (
            None if teacher == "none" else draw(st.sampled_from(USER_IDS)))
        sections.append(Section(
            id=sid, district="d1", school=draw(st.none() | st.sampled_from(SCHOOL_IDS)),
            teacher=primary, teachers=teachers, students=draw(_subset(USER_IDS, 6)),
            name=draw(st.sampled_from(["Math", "Art", "Math"]))))
    return Roster(schools=schools, sections=sections, users=users)
