"""Every documented quirk of the embedded sample gives the expected query rows (by id)."""

from __future__ import annotations

import pytest

import rostergraph
from rostergraph import queries as q
from rostergraph.graph import RosterGraph

SEC_10 = "5f7a5ec00000000000000010"
SEC_11 = "5f7a5ec00000000000000018"
ORPHAN_STUDENT = "5f7a57d00000000000000014"
ORPHAN_TEACHER = "5f7a7ea00000000000000013"
CROSS_TEACHER = "5f7a7ea00000000000000004"
CROSS_IN_SCHOOLS = "5f7a57d00000000000000026"
CROSS_CONFLICT = "5f7a57d00000000000000055"
GHOST_STUDENT = "5f7a57d00000000000000998"
GHOST_SECTION = "5f7a5ec00000000000000016"
CONTACT_GHOST = "5f7ac0470000000000000026"
CONTACT_EMPTY = "5f7ac0470000000000000027"
STAFF_NO_SCHOOLS = "5f7a57af0000000000000002"
ADMIN_TEACHER = "5f7aad000000000000000002"
STUDENT_TEACHER = "5f7a57d00000000000000053"
MIDDLE, HIGH, ALT = ("5f7a5c000000000000000002", "5f7a5c000000000000000003",
                     "5f7a5c000000000000000004")


@pytest.fixture(scope="module")
def g() -> RosterGraph:
    return RosterGraph.from_roster(rostergraph.sample())


def test_orphans_of_sample(g: RosterGraph) -> None:
    """The sample's orphans are exactly the designed ones, with their reasons."""
    assert set(q.orphaned_users(g)) == {
        (ORPHAN_STUDENT, "student", "no_section"),
        (ORPHAN_TEACHER, "teacher", "no_section"),
        (CONTACT_GHOST, "contact", "no_student"),
        (CONTACT_EMPTY, "contact", "no_student"),
        (STAFF_NO_SCHOOLS, "staff", "no_school"),
    }


def test_ten_teacher_section_links_all_its_teachers(g: RosterGraph) -> None:
    """Every one of the 10 (and 11) teachers reaches every student of their section."""
    for sec_id in (SEC_10, SEC_11):
        sec = g.roster.sections[sec_id]
        students = {s for s in sec.students if s in g.roster.users}
        for t in sec.teachers:
            assert students <= set(q.students_of(g, t).to_list("student"))
            primary_rows = q.linking_sections(g, t, next(iter(students))).to_dicts()
            assert any(r["section"] == sec_id and r["primary"] == (t == sec.teacher)
                       for r in primary_rows)


def test_cross_school_rows_of_sample(g: RosterGraph) -> None:
    """The designed cross-school pairs appear, with the in_schools conflict flag."""
    rows = {(r["student"], r["section"]): r for r in q.cross_school_enrollments(g).to_dicts()}
    assert rows[(CROSS_IN_SCHOOLS, "5f7a5ec00000000000000012")] == {
        "student": CROSS_IN_SCHOOLS, "section": "5f7a5ec00000000000000012", "school": HIGH,
        "primary_school": MIDDLE, "in_schools": True, "school_missing": False,
        "primary_school_missing": False}
    assert rows[(CROSS_CONFLICT, "5f7a5ec00000000000000014")]["in_schools"] is False
    assert [k for k, r in rows.items() if not r["in_schools"]] == [
        (CROSS_CONFLICT, "5f7a5ec00000000000000014")]
    teach = {(r["teacher"], r["section"]): r for r in q.cross_school_teaching(g).to_dicts()}
    assert teach[(CROSS_TEACHER, "5f7a5ec00000000000000012")]["in_schools"] is True
    assert teach[("5f7a7ea00000000000000014", SEC_11)]["in_schools"] is False
    flow = {(a, b): (p, n) for a, b, p, n, *_ in q.school_flow(g)}
    assert flow[(MIDDLE, HIGH)][0] >= 1 and flow[(ALT, HIGH)][1] >= 2


def test_dangling_references_take_part_in_no_answer(g: RosterGraph) -> None:
    """The section's ghost student and the contact's ghost student appear in no query row."""
    for t in g.roster.sections[GHOST_SECTION].teachers:
        assert GHOST_STUDENT not in q.students_of(g, t).to_list("student")
    assert GHOST_STUDENT not in q.reach_pairs(g).to_list("student")
    assert len(q.visible_users(g, CONTACT_GHOST)) == 0
    assert ("user", GHOST_STUDENT) in {(k, i) for k, i, _, _ in g.stubs()}


def test_multi_role_users_get_union_of_visibility(g: RosterGraph) -> None:
    """The admin-teacher sees the district (as admin) and section students (as teacher)."""
    vis = q.visible_users(g, ADMIN_TEACHER)
    roles = set(vis.to_list("granted_by"))
    assert roles == {"district_admin", "teacher"}
    n_users = len(g.roster.users)
    assert len(set(vis.to_list("user"))) == n_users - 1  # everyone but themself
    # the illegal student+teacher user still gets both views (the rule reports it)
    assert {"student", "teacher"} <= set(q.visible_users(g, STUDENT_TEACHER).to_list("granted_by"))


def test_contact_sees_only_existing_related_students(g: RosterGraph) -> None:
    """A contact's visible users are its related students that exist, via the relationship."""
    c = g.roster.users["5f7ac0470000000000000011"]
    rels = c.roles.contact.student_relationships
    vis = q.visible_users(g, c.id)
    assert set(vis.to_list("role")) == {"student"}  # the listed users' own roles
    assert set(vis[["user", "granted_by", "via"]]) == {(r.student, "contact", r.relationship)
                                              for r in rels}


def test_staff_visibility_via_schools(g: RosterGraph) -> None:
    """A staff member sees users of their schools; staff with no schools sees no one."""
    assert len(q.visible_users(g, STAFF_NO_SCHOOLS)) == 0
    staff = next(u for u in g.roster.users.values()
                 if u.roles.staff is not None and u.roles.staff.schools
                 and u.roles.teacher is None)
    vis = q.visible_users(g, staff.id)
    assert set(vis.to_list("via")) <= set(staff.roles.staff.schools)
    assert len(vis) > 0
