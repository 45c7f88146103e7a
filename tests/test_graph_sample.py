"""Each quirk of the embedded sample reaches the graph as rostergraph/graph.py documents (asserted by id)."""

from __future__ import annotations

import pytest

import rostergraph
from rostergraph.graph import RosterGraph

SEC_10 = "5f7a5ec00000000000000010"
SEC_11 = "5f7a5ec00000000000000018"
SEC_TEACHER_MISMATCH = "5f7a5ec00000000000000019"
SEC_NO_TEACHER = "5f7a5ec00000000000000021"
SEC_NO_STUDENTS = "5f7a5ec00000000000000020"
SEC_MISSING_COURSE = "5f7a5ec00000000000000005"
MISSING_COURSE = "5f7ac0c00000000000000099"
GHOST_SECTION, GHOST_STUDENT = "5f7a5ec00000000000000016", "5f7a57d00000000000000998"
CONTACT_GHOST, GHOST_CONTACT_STUDENT = "5f7ac0470000000000000026", "5f7a57d00000000000000999"
STAFF_NO_SCHOOLS, STAFF_SINGULAR = "5f7a57af0000000000000002", "5f7a57af0000000000000003"
ADMIN_TEACHER, TEACHER_STAFF = "5f7aad000000000000000002", "5f7a7ea00000000000000007"
STUDENT_TEACHER = "5f7a57d00000000000000053"
DISTRICT = "5f7ad1570000000000000001"


@pytest.fixture(scope="module")
def g() -> RosterGraph:
    return RosterGraph.from_roster(rostergraph.sample())


def _teaches(g: RosterGraph, section: str) -> dict[str, bool]:
    return {s: p for s, t, p in g.edges("teaches") if t == section}


def test_co_teacher_sections_have_one_primary(g: RosterGraph) -> None:
    """The 10- and 11-teacher sections have that many teaches edges, exactly one primary."""
    for sec, n in ((SEC_10, 10), (SEC_11, 11)):
        edges = _teaches(g, sec)
        assert len(edges) == n and sum(edges.values()) == 1
        assert edges[g.roster.sections[sec].teacher] is True


def test_primary_flag_follows_teacher_field(g: RosterGraph) -> None:
    """When `teacher` ≠ `teachers[0]`, the `teacher` field is the primary edge."""
    sec = g.roster.sections[SEC_TEACHER_MISMATCH]
    assert sec.teacher != sec.teachers[0]
    assert _teaches(g, SEC_TEACHER_MISMATCH) == {sec.teacher: True, sec.teachers[0]: False}


def test_sections_without_teachers_or_students_have_no_such_edges(g: RosterGraph) -> None:
    """No teacher → no teaches edge; no students → no enrolled_in edge."""
    assert _teaches(g, SEC_NO_TEACHER) == {}
    assert g.neighbors(SEC_NO_STUDENTS, "enrolled_in", reverse=True) == []


def test_dangling_references_become_stubs(g: RosterGraph) -> None:
    """Missing course, section student and contact student are stub nodes with their edges."""
    assert g.neighbors(SEC_MISSING_COURSE, "of_course") == [MISSING_COURSE]
    assert g.missing("course")[g.index_of("course", MISSING_COURSE, allow_missing=True)]
    assert GHOST_STUDENT in g.neighbors(GHOST_SECTION, "enrolled_in", reverse=True)
    assert GHOST_CONTACT_STUDENT in g.neighbors(CONTACT_GHOST, "contact_for")
    stubs = {(k, i, rel) for k, i, rel, _ in g.stubs()}
    assert ("course", MISSING_COURSE, "of_course") in stubs
    assert ("user", GHOST_STUDENT, "enrolled_in") in stubs
    assert ("user", GHOST_CONTACT_STUDENT, "contact_for") in stubs


def test_staff_school_edges(g: RosterGraph) -> None:
    """Staff with no schools has no works_at edge; a singular `school` key makes no edge."""
    assert g.neighbors(STAFF_NO_SCHOOLS, "works_at") == []
    u = g.roster.users[STAFF_SINGULAR]
    assert "school" in u.roles.staff.extra
    assert set(g.neighbors(STAFF_SINGULAR, "works_at")) == set(u.roles.staff.schools)


def test_multi_role_users_carry_every_role(g: RosterGraph) -> None:
    """Admin-teacher administers the district and teaches; teacher-staff works at both sets."""
    assert g.role_names(g.index_of("user", ADMIN_TEACHER)) == ("teacher", "district_admin")
    assert g.neighbors(ADMIN_TEACHER, "administers") == [DISTRICT]
    assert g.neighbors(ADMIN_TEACHER, "teaches")
    u = g.roster.users[TEACHER_STAFF]
    expected = {u.roles.teacher.school, *(u.roles.teacher.schools or ()),
                *(u.roles.staff.schools or ())}
    assert set(g.neighbors(TEACHER_STAFF, "works_at")) == expected
    st = g.index_of("user", STUDENT_TEACHER)
    assert g.role_names(st) == ("student", "teacher")
    assert g.neighbors(STUDENT_TEACHER, "enrolled_in") and g.neighbors(STUDENT_TEACHER, "teaches")


def test_cross_school_student_attends_edges(g: RosterGraph) -> None:
    """A student's primary school is the primary attends edge; other schools are not primary."""
    sid = "5f7a57d00000000000000026"
    u = g.roster.users[sid]
    edges = {(s, d, p) for s, d, p in g.edges("attends") if s == sid}
    assert (sid, u.roles.student.school, True) in edges
    assert {d for _, d, p in edges if not p} == set(u.roles.student.schools) - {
        u.roles.student.school}


def test_sample_has_no_direct_student_teacher_edge(g: RosterGraph) -> None:
    """Invariant on real data: user→user edges exist only for contact_for."""
    G = g.to_networkx()
    for a, b, d in G.edges(data=True):
        if G.nodes[a]["kind"] == "user" and G.nodes[b]["kind"] == "user":
            assert d["relation"] == "contact_for"
