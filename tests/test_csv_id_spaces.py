"""Ids with spaces around them (a padded SIS export), in both CSV formats:

- a record's own id (``sourcedId``, ``Student_id``, ``Section_id``, ...) is kept exactly as
  given, spaces included, with no problem (ids are strings compared exactly; a padded id
  breaks nothing as long as every reference spells it the same way);
- a single-id reference cell (Clever SFTP ``School_id``, ``Section_id``, ``Student_id``,
  ``Teacher_id``; OneRoster ``classSourcedId``, ``userSourcedId``, ``schoolSourcedId``,
  ``courseSourcedId``, ``orgSourcedId``, ``schoolYearSourcedId``) that names a record only
  once spaces around ids are ignored names that record, with a problem (file, line,
  column) whose ``raw`` is the cell as given; the problems that give a row's text give it
  as it was read;
- OneRoster: a list item (``orgSourcedIds``, ``termSourcedIds``) is stripped of the spaces
  around it unless only the item as written names a known id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import rostergraph
from rostergraph.errors import FormatError
from rostergraph.io.limits import Limits
from tests.test_csv_equivalence import assert_same
from tests.test_oneroster_variants import (
    CLASSES,
    ENR_HEAD,
    ORGS,
    ROLES_12_HEADER,
    USERS,
    bundle,
    write,
)


def test_oneroster_ids_with_spaces_are_kept_and_references_match_them(
        tmp_path: Path) -> None:
    classes = CLASSES.replace("c2,active,2024-01-01,Art,04,,A-1,scheduled,,sA,",
                              "c2 ,active,2024-01-01,Art,04,,A-1,scheduled,,sA ,")
    users = USERS.replace("s2,active,2024-01-01,true,sA,", " s2,active,2024-01-01,true, sA,")
    enr = ENR_HEAD + ("e1,,,c2 ,sA, s2,student,,,\n"
                      "e2,,, c1,sA,s1,student,,,\n"
                      "e3,,,c2,sA ,s1 ,student,,,\n")
    r = assert_same("oneroster", bundle(tmp_path, classes_csv=classes, users_csv=users,
                                        enrollments_csv=enr))
    assert set(r.sections) == {"c1", "c2 "} and " s2" in r.users  # ids as given
    student = r.users[" s2"].roles.student
    assert student is not None and student.schools == ("sA",)  # a list item: stripped
    assert r.sections["c2 "].school == "sA"  # 'sA ' names the school 'sA'
    assert r.sections["c2 "].students == (" s2", "s1")  # 'c2' names 'c2 '; 's1 ', 's1'
    assert r.sections["c1"].students == ("s1",)  # ' c1' names 'c1': loaded
    said = [(p.file, p.line, p.record_id, p.field, p.raw) for p in r.problems]
    assert said == [
        ("classes.csv", 3, "c2 ", "schoolSourcedId", "sA "),
        ("enrollments.csv", 3, "c1", "classSourcedId", " c1"),
        ("enrollments.csv", 4, "c2 ", "classSourcedId", "c2"),
        ("enrollments.csv", 4, "c2 ", "userSourcedId", "s1 "),
        ("enrollments.csv", 4, "c2 ", "schoolSourcedId", "sA ")]
    assert all("once spaces around ids are ignored" in p.message for p in r.problems)
    refs = [f for f in rostergraph.validate(r).findings if f.rule == "RG-REF-001"]
    assert refs == []


def test_sftp_ids_with_spaces_are_kept_and_references_match_them(tmp_path: Path) -> None:
    files = {
        "schools.csv": "School_id,School_name\nsA,Alpha\n",
        "students.csv": "School_id,Student_id,First_name,Last_name\nsA, st1 ,Ann,Fake\n",
        "teachers.csv": "School_id,Teacher_id,First_name,Last_name\nsA,t1,Tia,Fake\n",
        "sections.csv": "School_id,Section_id,Teacher_id\nsA ,se1 ,t1\n",
        "enrollments.csv": "School_id,Section_id,Student_id\nsA,se1,st1\n",
    }
    write(tmp_path, files)
    r = assert_same("sftp", tmp_path)
    assert " st1 " in r.users and "se1 " in r.sections  # ids as given
    assert r.sections["se1 "].students == (" st1 ",) and r.sections["se1 "].school == "sA"
    said = {(p.file, p.line, p.field): p.raw for p in r.problems}
    assert said == {("sections.csv", 2, "School_id"): "sA ",
                    ("enrollments.csv", 2, "Section_id"): "se1",
                    ("enrollments.csv", 2, "Student_id"): "st1"}


def test_oneroster_enrollments_row_by_row_match_as_column_wise(tmp_path: Path) -> None:
    """A row marked tobedeleted sends enrollments.csv down the row-by-row path: the ids are
    matched, and the problems told, as on the column-wise path."""
    enr = ENR_HEAD + ("e1,,, c1,sA,s1 ,student,,,\n"
                      "e2,,, c9,sA,s1,student,,,\n"
                      "e3,,,c2,sA,t1 ,teacher,true,,\n")
    fast = assert_same("oneroster", bundle(tmp_path / "a", enrollments_csv=enr))
    slow = assert_same("oneroster", bundle(tmp_path / "b", enrollments_csv=enr
                                           + "e4,tobedeleted,,c1,sA,s2,student,,,\n"))
    for r in (fast, slow):
        assert r.sections["c1"].students == ("s1",)
        assert (r.sections["c2"].teacher, r.sections["c2"].teachers) == ("t1", ("t1",))
    got = [[(p.line, p.record_id, p.field, p.raw, p.message) for p in r.problems]
           for r in (fast, slow)]
    assert got[0] == got[1]
    assert [x[:3] for x in got[0]] == [(2, "c1", "classSourcedId"), (2, "c1", "userSourcedId"),
                                       (3, "e2", None), (4, "c2", "userSourcedId")]
    assert [x[3] for x in got[0][:2]] + [got[0][3][3]] == [" c1", "s1 ", "t1 "]
    # ' c9' names no class even without its spaces: the row is not loaded, its text kept
    assert got[0][2][4] == "enrollment in unknown class ' c9'; not loaded"
    assert json.loads(got[0][2][3] or "")["classSourcedId"] == " c9"


def test_oneroster_course_and_class_references(tmp_path: Path) -> None:
    """courses.csv ``orgSourcedId``/``schoolYearSourcedId`` and classes.csv
    ``courseSourcedId`` named only without their spaces: read so, each cell kept in its
    problem's raw."""
    sessions = ("sourcedId,status,dateLastModified,title,type,startDate,endDate,"
                "parentSourcedId,schoolYear\n"
                "y1,active,,Year,schoolYear,2024-08-01,2025-06-30,,2025\n")
    courses = ("sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,"
               "grades,orgSourcedId,subjects,subjectCodes\n"
               "k1,active,,y1 ,Math,M,,sA ,,\n")
    classes = CLASSES.replace("c1,active,2024-01-01,Math,04,,", "c1,active,2024-01-01,Math,04, k1,")
    r = assert_same("oneroster", bundle(tmp_path, academicSessions_csv=sessions,
                                        courses_csv=courses, classes_csv=classes))
    assert r.sections["c1"].course == "k1" and r.courses["k1"].district == "d1"
    said = [(p.file, p.line, p.record_id, p.field, p.raw) for p in r.problems]
    assert said == [("courses.csv", 2, "k1", "schoolYearSourcedId", "y1 "),
                    ("courses.csv", 2, "k1", "orgSourcedId", "sA "),
                    ("classes.csv", 2, "c1", "courseSourcedId", " k1")]
    assert r.courses["k1"].extra["oneroster.orgSourcedId"] == "sA"


def test_oneroster_parents_with_spaces(tmp_path: Path) -> None:
    """orgs.csv and academicSessions.csv ``parentSourcedId`` named only without its spaces,
    a parent given before or after its child: read so (a school in its district, a grading
    period in its term), each cell kept in its problem's raw."""
    orgs = ("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
            "sA,active,2024-01-01,School A,school,,d1 \n"
            "d1,active,2024-01-01,District,district,,\n"
            "sB,active,2024-01-01,School B,school,,d1\n")
    sessions = ("sourcedId,status,dateLastModified,title,type,startDate,endDate,"
                "parentSourcedId,schoolYear\n"
                "g1,active,,Q1,gradingPeriod,2024-08-01,2024-10-30, t1,2025\n"
                "t1,active,,Fall,term,2024-08-01,2024-12-20,,2025\n")
    classes = CLASSES.replace("scheduled,,sA,,", "scheduled,,sA,g1,")
    r = assert_same("oneroster", bundle(tmp_path, orgs_csv=orgs, academicSessions_csv=sessions,
                                        classes_csv=classes))
    assert r.schools["sA"].district == "d1"
    assert r.terms["g1"].extra["oneroster.parentSourcedId"] == "t1"
    assert r.sections["c1"].term_id == "g1"
    said = [(p.file, p.line, p.record_id, p.field, p.raw) for p in r.problems]
    assert said == [("orgs.csv", 2, "sA", "parentSourcedId", "d1 "),
                    ("academicSessions.csv", 2, "g1", "parentSourcedId", " t1")]


def test_oneroster_parent_problems_in_line_order(tmp_path: Path) -> None:
    """A file read in two passes (its ids first, for parents given later) still lists its
    problems in line order: the padded parent on line 3 after the unknown org type on
    line 2, before the district-and-school org on line 5."""
    orgs = ("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
            "x1,active,2024-01-01,Region,region,,\n"
            "sA,active,2024-01-01,School A,school,,d1 \n"
            "d1,active,2024-01-01,District,district,,\n"
            "d1,active,2024-01-01,District again,school,,\n")
    r = rostergraph.load(bundle(tmp_path, orgs_csv=orgs))
    lines = [p.line for p in r.problems if p.file == "orgs.csv"]
    assert len(lines) >= 3 and lines == sorted(lines)


def test_oneroster_parent_problems_in_line_order_at_the_cap_and_in_strict_mode(
        tmp_path: Path) -> None:
    """At ``Limits.max_problems`` the problems kept from a file read in two passes are its
    first in line order, and strict mode raises the first of them (the roster's first
    problem), not the one its first pass told."""
    orgs = ("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
            "x1,active,2024-01-01,Region,region,,\n"
            "d1,active,2024-01-01,District,district,,\n"
            "d1,active,2024-01-01,District again,school,,\n")
    path = bundle(tmp_path, orgs_csv=orgs)
    first = next((p.file, p.line, p.message) for p in rostergraph.load(path).problems)
    assert first[:2] == ("orgs.csv", 2)
    capped = rostergraph.load(path, limits=Limits(max_problems=1)).problems
    assert next((p.file, p.line, p.message) for p in capped) == first
    with pytest.raises(FormatError) as raised:
        rostergraph.load(path, strict=True)
    assert raised.value.line == 2
    assert str(raised.value).startswith(f"orgs.csv:2: {first[2]}")


def test_oneroster_session_problems_in_line_order_at_the_cap(tmp_path: Path) -> None:
    """The same for ``academicSessions.csv``: a padded parent (told between the passes)
    after a problem of an earlier row."""
    sessions = ("sourcedId,status,dateLastModified,title,type,startDate,endDate,"
                "parentSourcedId,schoolYear\n"
                ",active,2024-01-01,No id,term,2024-01-01,2024-06-01,,2024\n"
                "g1,active,2024-01-01,Q1,gradingPeriod,2024-01-01,2024-03-01,t1 ,2024\n"
                "t1,active,2024-01-01,Spring,term,2024-01-01,2024-06-01,,2024\n")
    path = bundle(tmp_path, academicSessions_csv=sessions)
    first = next((p.file, p.line, p.message) for p in rostergraph.load(path).problems
             if p.file == "academicSessions.csv")
    assert first[1] == 2
    capped = rostergraph.load(path, limits=Limits(max_problems=1)).problems
    assert next((p.file, p.line, p.message) for p in capped) == first


def test_oneroster_12_user_and_role_references(tmp_path: Path) -> None:
    """1.2 ``users.csv`` ``primaryOrgSourcedId`` and ``roles.csv`` ``userSourcedId`` /
    ``orgSourcedId`` named only without their spaces: read so (the role is the user's,
    at its school), each cell kept in its problem's raw."""
    users = ("sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,"
             "familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,"
             "password,userMasterIdentifier,preferredGivenName,preferredMiddleName,"
             "preferredFamilyName,primaryOrgSourcedId,pronouns\n"
             "t1,,,true,tlee,,Tom,Lee,,T1,,,,,,,,,,,sB ,\n")
    roles = ROLES_12_HEADER + "r1,,, t1,primary,teacher,,,sB ,\n"
    src = write(tmp_path, {"manifest.csv": "propertyName,value\noneroster.version,1.2\n"
                                           "file.orgs,bulk\nfile.users,bulk\nfile.roles,bulk\n",
                           "orgs.csv": ORGS, "users.csv": users, "roles.csv": roles})
    r = assert_same("oneroster", src)
    teacher = r.users["t1"].roles.teacher
    assert teacher is not None and teacher.school == "sB"
    assert "oneroster.primaryOrgSourcedId" not in r.users["t1"].extra  # the role says it
    said = [(p.file, p.line, p.record_id, p.field, p.raw) for p in r.problems]
    assert said == [("users.csv", 2, "t1", "primaryOrgSourcedId", "sB "),
                    ("roles.csv", 2, "r1", "userSourcedId", " t1"),
                    ("roles.csv", 2, "r1", "orgSourcedId", "sB ")]
