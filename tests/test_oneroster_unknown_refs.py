"""OneRoster references the spec defines that no record field holds, kept only in
``extra`` as given: a course's ``orgSourcedId`` and ``schoolYearSourcedId``, an academic
session's ``parentSourcedId``, the ``agentSourcedIds`` of a user that is no contact (a
contact's are its student relationships, which RG-REF-001 checks). One naming no record
was told by nothing; now each file and column is one problem summing its rows (how many,
the first line, up to five ids), not one per row, and the value is kept as given."""

from __future__ import annotations

from pathlib import Path

import pytest

import rostergraph
from rostergraph.errors import FormatError
from rostergraph.io.oneroster import read_oneroster
from tests.test_oneroster_variants import USERS, bundle

_COURSES_HEAD = ("sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,"
                 "grades,orgSourcedId,subjects,subjectCodes\n")
_SESSIONS_HEAD = ("sourcedId,status,dateLastModified,title,type,startDate,endDate,"
                  "parentSourcedId,schoolYear\n")
_SESSIONS = (_SESSIONS_HEAD + "T1,,,Fall,term,2024-08-01,2024-12-20,SY,2025\n"
             "SY,,,Year,schoolYear,2024-08-01,2025-06-30,,2025\n")


def _told(r: rostergraph.Roster, file: str) -> list[rostergraph.Problem]:
    return [p for p in r.problems if p.file == file]


def test_unknown_course_orgs_and_school_years_are_one_problem_per_column(
        tmp_path: Path) -> None:
    """Seven courses name orgs that are not in orgs.csv (``o1`` twice), two a school year
    that is no session: one problem per column, at the first row's line, showing five
    distinct ids; the cells stay in extra; the course naming a school and a session is
    fine."""
    rows = "".join(f"k{i},,,T1,Math,M{i},,o{min(i, 6)},,\n" for i in range(1, 8))
    courses = (_COURSES_HEAD + "k0,,,T1,Art,A0,,sA,,\n"
               + rows.replace("k6,,,T1", "k6,,,Y9").replace("k7,,,T1", "k7,,,Y8"))
    r = read_oneroster(bundle(tmp_path / "b", courses_csv=courses,
                              academicSessions_csv=_SESSIONS))
    told = _told(r, "courses.csv")
    assert [(p.code, p.line, p.field, p.record_id) for p in told] == [
        ("other", 3, "orgSourcedId", "k1"), ("other", 8, "schoolYearSourcedId", "k6")]
    org, year = told
    assert org.message.startswith("7 rows of courses.csv (line 3 and 6 more) name in "
                                  "orgSourcedId no org")
    assert "'o1', 'o2', 'o3', 'o4', 'o5', ..." in org.message and "'o6'" not in org.message
    assert "'Y9', 'Y8'" in year.message and "2 rows" in year.message
    assert r.courses["k7"].extra["oneroster.orgSourcedId"] == "o6"
    assert r.courses["k7"].extra["oneroster.schoolYearSourcedId"] == "Y8"
    assert "oneroster.orgSourcedId" in r.courses["k0"].extra  # (a school: kept, known)
    with pytest.raises(FormatError, match=r"courses\.csv:3"):
        read_oneroster(bundle(tmp_path / "s", courses_csv=courses,
                              academicSessions_csv=_SESSIONS), strict=True)


def test_an_unknown_session_parent_is_one_problem(tmp_path: Path) -> None:
    """``GP1`` names parent ``T9``, which no session is (``GP2``'s ``T1``, given after it in
    the file, is one): one problem at GP1's line; the cell stays in extra."""
    sessions = (_SESSIONS_HEAD + "GP1,,,Q1,gradingPeriod,2024-08-01,2024-10-01,T9,2025\n"
                "GP2,,,Q2,gradingPeriod,2024-10-02,2024-12-20,T1,2025\n" +
                _SESSIONS.split("\n", 1)[1])
    r = read_oneroster(bundle(tmp_path / "b", academicSessions_csv=sessions))
    told = _told(r, "academicSessions.csv")
    assert [(p.line, p.field, p.record_id, p.kind) for p in told] == [
        (2, "parentSourcedId", "GP1", "terms")]
    assert "'T9'" in told[0].message and "1 row of academicSessions.csv" in told[0].message
    assert r.terms["GP1"].extra["oneroster.parentSourcedId"] == "T9"


def test_unknown_agents_of_users_that_are_no_contacts_are_one_problem(
        tmp_path: Path) -> None:
    """Students naming ``g9`` and ``zz`` (no user) in agentSourcedIds, one naming ``g1`` (a
    guardian): one problem for the two rows naming no user, the cells kept. A guardian
    naming an unknown student is told by RG-REF-001 (its relationships hold it), not
    here."""
    users = (USERS.replace("Stu,Dent,,S1,,,,,04", "Stu,Dent,,S1,,,,\"g9,g1\",04")
             .replace("Stu,Two,,S2,,,,,04", "Stu,Two,,S2,,,,\"zz, g9\",04")
             + "g1,active,2024-01-01,true,sA,guardian,g1,,Gu,Ard,,G1,,,,\"s1,s7\",,\n")
    r = read_oneroster(bundle(tmp_path / "b", users_csv=users))
    told = _told(r, "users.csv")
    assert [(p.line, p.field, p.record_id) for p in told] == [(3, "agentSourcedIds", "s1")]
    msg = told[0].message
    assert "2 rows of users.csv" in msg and "'g9', 'zz'" in msg and "'g1'" not in msg
    assert "Stu" not in msg and "Dent" not in msg
    assert r.users["s2"].extra["oneroster.agentSourcedIds"] == "zz, g9"  # (as given)
    refs = [f for f in rostergraph.validate(r).findings if f.rule == "RG-REF-001"]
    assert [f.ids for f in refs] == [("g1", "s7")]
    # the cell survives a OneRoster write and a read again, byte for byte
    rostergraph.write_oneroster(r, tmp_path / "again")
    again = read_oneroster(tmp_path / "again")
    assert again.users["s2"].extra["oneroster.agentSourcedIds"] == "zz, g9"


def test_a_delta_may_name_the_base_roster_records(tmp_path: Path) -> None:
    """Read with ``base=``, a course naming the base's school and session, a session whose
    parent is the base's, and a student naming a base user are no problem."""
    users = USERS + "g1,active,2024-01-01,true,sA,guardian,g1,,Gu,Ard,,G1,,,,s1,,\n"
    base = read_oneroster(bundle(tmp_path / "base", users_csv=users,
                                 academicSessions_csv=_SESSIONS))
    delta = bundle(tmp_path / "delta",
                   courses_csv=_COURSES_HEAD + "k1,,,T1,Math,M1,,sA,,\n",
                   academicSessions_csv=_SESSIONS_HEAD
                   + "GP1,,,Q1,gradingPeriod,2024-08-01,2024-10-01,T1,2025\n",
                   users_csv=USERS.split("\n", 1)[0]
                   + "\ns3,,,true,sA,student,s3,,Stu,Three,,S3,,,,g1,04,\n")
    r = read_oneroster(delta, base=base)
    assert not [p for p in r.problems if p.field in (
        "orgSourcedId", "schoolYearSourcedId", "parentSourcedId", "agentSourcedIds")]


def test_the_oracle_tells_them_the_same(tmp_path: Path) -> None:
    """The row-by-row oracle of the equivalence tests gives the same records and problems
    for a bundle with every such reference naming nothing."""
    from tests.test_csv_equivalence import assert_same

    courses = _COURSES_HEAD + "k1,,,Y9,Math,M1,,o9,,\nk2,,,T1,Art,A1,,sA,,\n"
    sessions = _SESSIONS + "GP1,,,Q1,gradingPeriod,2024-08-01,2024-10-01,T9,2025\n"
    users = USERS.replace("Stu,Dent,,S1,,,,,04", "Stu,Dent,,S1,,,,\"g9,g1\",04") + (
        "g1,active,2024-01-01,true,sA,guardian,g1,,Gu,Ard,,G1,,,,\"s1,s7\",,\n")
    r = assert_same("oneroster", bundle(tmp_path / "b", courses_csv=courses,
                                        academicSessions_csv=sessions, users_csv=users))
    assert {p.field for p in r.problems} >= {"orgSourcedId", "schoolYearSourcedId",
                                             "parentSourcedId", "agentSourcedIds"}
