"""OneRoster 1.2 ``roles.csv`` as real exports fill it: no row of a user marked
``roleType=primary`` (the ``users.csv`` ``primaryOrgSourcedId`` then says the school), a
``roleType`` that is neither ``primary`` nor ``secondary``, rows without their
``sourcedId`` or their ``role``, and a ``users.csv`` that still has 1.1's ``role`` and
``orgSourcedIds`` columns beside ``roles.csv``. Each is told at its file and line, and
what is read round-trips through the writer."""

from __future__ import annotations

from pathlib import Path

import pytest

import rostergraph
from rostergraph.io.oneroster import read_oneroster
from rostergraph.model import record_to_dict
from tests.test_oneroster_variants import ORGS, ROLES_12_HEADER, listed, write

_MANIFEST = "propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\n"
_USERS_HEAD = ("sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,"
               "familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,"
               "password,userMasterIdentifier,preferredGivenName,preferredMiddleName,"
               "preferredFamilyName,primaryOrgSourcedId,pronouns\n")


def _bundle(folder: Path, users: str, roles: str) -> Path:
    return write(folder, listed({"manifest.csv": _MANIFEST, "orgs.csv": ORGS,
                                 "users.csv": _USERS_HEAD + users,
                                 "roles.csv": ROLES_12_HEADER + roles}))


def _again(r: rostergraph.Roster, out: Path, version: str) -> rostergraph.Roster:
    rostergraph.write_oneroster(r, out, version=version)
    return read_oneroster(out)


@pytest.mark.parametrize("role_type", ["", "secondary"])
def test_the_primary_org_cell_says_the_school_when_no_role_row_is_primary(
        role_type: str, tmp_path: Path) -> None:
    """A user none of whose roles.csv rows is ``primary`` (all ``secondary``, or the cell
    left empty) has the school its ``primaryOrgSourcedId`` names, whatever the rows' order
    (the first row's org won, and the cell was kept in extra as said by no role)."""
    users = ("t1,,,true,tlee,,Tom,Lee,,T1,,,,,,,,,,,sB,\n"
             "s1,,,true,sam,,Sam,Ray,,S1,,,,,04,,,,,,sB,\n")
    roles = (f"r1,,,t1,{role_type},teacher,,,sA,\nr2,,,t1,{role_type},teacher,,,sB,\n"
             f"r3,,,s1,{role_type},student,,,sA,\nr4,,,s1,{role_type},student,,,sB,\n")
    r = read_oneroster(_bundle(tmp_path / "b", users, roles))
    for uid, role in (("t1", "teacher"), ("s1", "student")):
        got = getattr(r.users[uid].roles, role)
        assert (got.school, got.schools) == ("sB", ("sB", "sA")), uid
        assert "oneroster.primaryOrgSourcedId" not in r.users[uid].extra
    for version in ("1.2", "1.1"):
        again = _again(r, tmp_path / f"out{version}", version)
        assert record_to_dict(again.users["t1"]) == record_to_dict(r.users["t1"]), version


def test_a_role_type_neither_primary_nor_secondary_is_told_once(tmp_path: Path) -> None:
    """``roleType`` is required, ``primary`` or ``secondary``: rows with an empty or another
    value are one ``other`` problem at the first one's line, counting them and naming the
    values; they are read as secondary (``Primary`` in another case is no problem)."""
    users = "t1,,,true,tlee,,Tom,Lee,,T1,,,,,,,,,,,,\n"
    roles = ("r1,,,t1,Primary,teacher,,,sA,\nr2,,,t1,,teacher,,,sB,\n"
             "r3,,,t1,sec,aide,,,sB,\nr4,,,t1,SECONDARY,proctor,,,sA,\n")
    r = read_oneroster(_bundle(tmp_path / "b", users, roles))
    told = [p for p in r.problems if p.field == "roleType"]
    assert [(p.code, p.file, p.line) for p in told] == [("other", "roles.csv", 3)]
    assert "2 rows" in told[0].message and "'sec'" in told[0].message
    assert r.problems == told
    t1 = r.users["t1"]
    assert t1.roles.teacher is not None and t1.roles.teacher.school == "sA"
    assert t1.roles.staff is not None and t1.roles.staff.roles == ("aide", "proctor")
    with pytest.raises(rostergraph.FormatError, match="roleType"):
        read_oneroster(tmp_path / "b", strict=True)


def test_one_role_row_is_told_in_the_singular(tmp_path: Path) -> None:
    """One row without a sourcedId, one with an odd roleType: "1 row ... has", not "have"."""
    users = "t1,,,true,tlee,,Tom,Lee,,T1,,,,,,,,,,,,\n"
    roles = "r1,,,t1,primary,teacher,,,sA,\n,,,t1,sec,aide,,,sB,\n"
    r = read_oneroster(_bundle(tmp_path / "b", users, roles))
    said = sorted(p.message for p in r.problems if p.file == "roles.csv")
    assert len(said) == 2
    assert all("1 row (line 3) of roles.csv has " in m for m in said), said


def test_a_roles_file_without_the_role_type_column_is_told_on_line_1(tmp_path: Path) -> None:
    folder = write(tmp_path / "b", listed({
        "manifest.csv": _MANIFEST, "orgs.csv": ORGS,
        "users.csv": _USERS_HEAD + "t1,,,true,tlee,,Tom,Lee,,T1,,,,,,,,,,,sB,\n",
        "roles.csv": "sourcedId,userSourcedId,role,orgSourcedId\nr1,t1,teacher,sA\n"
                     "r2,t1,teacher,sB\n"}))
    r = read_oneroster(folder)
    assert [(p.file, p.line, p.field) for p in r.problems] == [("roles.csv", 1, "roleType")]
    assert r.users["t1"].roles.teacher.school == "sB"  # (the primary org cell says it)


def test_role_rows_without_a_sourced_id_are_applied_and_told(tmp_path: Path) -> None:
    """A roles.csv row with an empty ``sourcedId`` (required) still grants its role, as an
    enrollment without one still links; one problem at the first such row's line counts
    them (a file without the column: one on line 1)."""
    users = ("t1,,,true,tlee,,Tom,Lee,,T1,,,,,,,,,,,,\n"
             "s1,,,true,sam,,Sam,Ray,,S1,,,,,04,,,,,,,\n")
    roles = ("r1,,,t1,primary,teacher,,,sA,\n,,,s1,primary,student,,,sA,\n"
             ",,,t1,secondary,teacher,,,sB,\n")
    r = read_oneroster(_bundle(tmp_path / "b", users, roles))
    assert [(p.code, p.file, p.line, p.field) for p in r.problems] == [
        ("other", "roles.csv", 3, "sourcedId")]
    assert "2 rows" in r.problems[0].message
    assert r.users["s1"].roles.student.school == "sA"
    assert r.users["t1"].roles.teacher.schools == ("sA", "sB")
    no_column = write(tmp_path / "c", listed({
        "manifest.csv": _MANIFEST, "orgs.csv": ORGS,
        "users.csv": _USERS_HEAD + users,
        "roles.csv": "userSourcedId,roleType,role,orgSourcedId\nt1,primary,teacher,sA\n"}))
    r2 = read_oneroster(no_column)
    assert [(p.file, p.line, p.field) for p in r2.problems] == [("roles.csv", 1, "sourcedId")]
    assert r2.users["t1"].roles.teacher.school == "sA"


def test_a_role_row_without_a_role_is_told_and_the_other_roles_round_trip(
        tmp_path: Path) -> None:
    """An empty ``role`` cell grants nothing: an ``other`` problem at its line (the row in
    raw), and no empty ``oneroster.role`` kept (the 1.1 writer wrote it as the user's role
    and the user's teacher role was lost on reading back)."""
    users = "t1,,,true,tlee,,Tom,Lee,,T1,,,,,,,,,,,,\n"
    roles = "r1,,,t1,primary,teacher,,,sA,\nr2,,,t1,secondary,,,,sB,\n"
    r = read_oneroster(_bundle(tmp_path / "b", users, roles))
    assert [(p.code, p.file, p.line, p.field) for p in r.problems] == [
        ("other", "roles.csv", 3, "role")]
    assert r.problems[0].raw is not None and "r2" in r.problems[0].raw
    t1 = r.users["t1"]
    assert "oneroster.role" not in t1.extra
    assert t1.roles.teacher is not None and t1.roles.teacher.schools == ("sA",)
    for version in ("1.2", "1.1"):
        again = _again(r, tmp_path / f"out{version}", version)
        assert record_to_dict(again.users["t1"]) == record_to_dict(t1), version


def test_roles_csv_says_the_school_and_role_over_1_1_columns_left_in_users(
        tmp_path: Path) -> None:
    """A 1.2 ``users.csv`` that still has 1.1's ``role`` and ``orgSourcedIds`` beside
    ``roles.csv``: the ``roleType=primary`` row says the school (``orgSourcedIds``' first org
    won), and an ``administrator`` without orgs, whose ``roles.csv`` rows say what it
    administers, is not made staff besides."""
    folder = write(tmp_path / "b", listed({
        "manifest.csv": _MANIFEST, "orgs.csv": ORGS,
        "users.csv": "sourcedId,enabledUser,role,orgSourcedIds,username,givenName,"
                     "familyName,identifier\n"
                     "t1,true,teacher,\"sA,sB\",tlee,Tom,Lee,T1\n"
                     "a1,true,administrator,,ada,Ada,Ames,A1\n"
                     "c1,true,administrator,sA,cal,Cal,Cole,C1\n",
        "roles.csv": ROLES_12_HEADER + "r1,,,t1,secondary,teacher,,,sA,\n"
                                       "r2,,,t1,primary,teacher,,,sB,\n"
                                       "r3,,,a1,primary,districtAdministrator,,,d1,\n"
                                       "r4,,,c1,primary,counselor,,,sA,\n"}))
    r = read_oneroster(folder)
    assert r.problems == []
    t1, a1, c1 = r.users["t1"], r.users["a1"], r.users["c1"]
    assert (t1.roles.teacher.school, t1.roles.teacher.schools) == ("sB", ("sB", "sA"))
    assert a1.roles.names == ("district_admin",) and a1.district == "d1"
    assert c1.roles.names == ("staff",) and c1.roles.staff.roles == ("counselor",)
    assert c1.roles.staff.schools == ("sA",) and c1.roles.staff.staff_id == "C1"
    again = _again(r, tmp_path / "out", "1.2")
    for uid in ("t1", "a1", "c1"):
        assert record_to_dict(again.users[uid]) == record_to_dict(r.users[uid]), uid


@pytest.mark.parametrize("extensions", [True, False])
def test_a_kept_primary_org_cell_does_not_move_the_school_written_as_1_1(
        extensions: bool, tmp_path: Path) -> None:
    """A ``primaryOrgSourcedId`` that the user's ``roleType=primary`` row contradicts is
    kept in extra; OneRoster 1.1 has no such column, and written as one it read back as the
    primary school (sA), so it is carried (without extensions: left out, in the report)."""
    users = "t1,,,true,tlee,,Tom,Lee,,T1,,,,,,,,,,,sA,\n"
    roles = "r1,,,t1,secondary,teacher,,,sA,\nr2,,,t1,primary,teacher,,,sB,\n"
    r = read_oneroster(_bundle(tmp_path / "b", users, roles))
    t1 = r.users["t1"]
    assert (t1.roles.teacher.school, t1.extra["oneroster.primaryOrgSourcedId"]) == ("sB", "sA")
    report = rostergraph.write_oneroster(r, tmp_path / "out", extensions=extensions)
    again = read_oneroster(tmp_path / "out").users["t1"]
    assert (again.roles.teacher.school, again.roles.teacher.schools) == ("sB", ("sB", "sA"))
    if extensions:
        assert record_to_dict(again) == record_to_dict(t1)
    else:
        assert ("oneroster.primaryOrgSourcedId", "dropped") in set(
            zip(report.to_list("field"), report.to_list("how")))


def test_a_second_contact_role_of_a_user_is_kept(tmp_path: Path) -> None:
    """A user who is ``guardian`` and ``parent`` (roles.csv rows with nothing else a Clever
    role cannot hold) is one contact; the role that contact does not say is kept with its
    row in ``extra["oneroster.roles"]`` and written back (it was lost)."""
    users = ("s1,,,true,sam,,Sam,Ray,,S1,,,,,04,,,,,,,\n"
             "p1,,,true,pat,,Pat,Ray,,P1,,,,s1,,,,,,,,\n")
    roles = ("s1:role:1,,,s1,primary,student,,,sA,\np1:role:1,,,p1,primary,guardian,,,sA,\n"
             "p1:role:2,,,p1,secondary,parent,,,sA,\n")
    r = read_oneroster(_bundle(tmp_path / "b", users, roles))
    assert r.problems == []
    p1 = r.users["p1"]
    assert [k["role"] for k in p1.extra.get("oneroster.roles", [])] == ["parent"]
    again = _again(r, tmp_path / "out", "1.2")
    assert record_to_dict(again.users["p1"]) == record_to_dict(p1)


def test_a_made_up_role_id_never_repeats_a_kept_one(tmp_path: Path) -> None:
    """A kept roles.csv row whose own ``sourcedId`` looks like one the writer makes up
    (``t1:role:2``) written first: the writer's id for the user's second row is another,
    not that one again (the repeat was a ``duplicate_id`` and the role was lost)."""
    users = "t1,,,true,tlee,,Tom,Lee,,T1,,,,,,,,,,,,\n"
    roles = "t1:role:2,,,t1,primary,teacher,2024-08-01,,sA,\nt1:role:5,,,t1,secondary,aide,,,sB,\n"
    r = read_oneroster(_bundle(tmp_path / "b", users, roles))
    assert r.problems == []
    again = _again(r, tmp_path / "out", "1.2")
    assert again.problems == []
    assert record_to_dict(again.users["t1"]) == record_to_dict(r.users["t1"])


def test_a_contacts_kept_orgs_stay_off_another_roles_row_in_1_1(tmp_path: Path) -> None:
    """A teacher of the district (no school) who is a parent at a school: the parent
    role's org, kept in extra (a contact has no schools), is written on the contact's 1.1
    row, not on the teacher's, which made the teacher one of that school."""
    users = ("t1,,,true,tlee,,Tom,Lee,,T1,,,,s1,,,,,,,,\n"
             "s1,,,true,sam,,Sam,Ray,,S1,,,,,04,,,,,,,\n")
    roles = ("r1,,,t1,primary,teacher,,,d1,\nr2,,,t1,secondary,parent,,,sA,\n"
             "r3,,,s1,primary,student,,,sA,\n")
    r = read_oneroster(_bundle(tmp_path / "b", users, roles))
    t1 = r.users["t1"]
    assert t1.roles.teacher is not None and not t1.roles.teacher.schools
    assert t1.extra["oneroster.orgSourcedIds"] == "sA"
    again = _again(r, tmp_path / "out", "1.1")
    assert record_to_dict(again.users["t1"]) == record_to_dict(t1)


def test_orgs_kept_for_a_role_clever_lacks_stay_off_a_teachers_row_in_1_1(
        tmp_path: Path) -> None:
    """The same for the org of a role Clever has no place for (``ext:coach``) beside a
    teacher role without a school: carried, the teacher still of no school."""
    users = "t1,,,true,tlee,,Tom,Lee,,T1,,,,,,,,,,,,\n"
    roles = "r1,,,t1,primary,teacher,,,d1,\nr2,,,t1,secondary,ext:coach,,,sA,\n"
    r = read_oneroster(_bundle(tmp_path / "b", users, roles))
    t1 = r.users["t1"]
    assert t1.extra["oneroster.orgSourcedIds"] == "sA" and not t1.roles.teacher.schools
    again = _again(r, tmp_path / "out", "1.1")
    assert record_to_dict(again.users["t1"]) == record_to_dict(t1)


def test_a_roles_csv_of_no_rows_leaving_every_user_without_a_role_is_told(
        tmp_path: Path) -> None:
    """A 1.2 bundle whose ``roles.csv`` is its header alone (an export cut short, a roles
    query that returned nothing) gives users without a role: one ``other`` problem names
    ``roles.csv``, as a ``users.csv`` without roles and no ``roles.csv`` is told (it was
    silent: no load problem at all). A ``roles.csv`` with rows is no such problem."""
    users = ("t1,,,true,tlee,,Tom,Lee,,T1,,,,,,,,,,,sA,\n"
             "s1,,,true,sam,,Sam,Ray,,S1,,,,,04,,,,,,sA,\n")
    r = read_oneroster(_bundle(tmp_path / "none", users, ""))
    assert not any(r.users[u].roles.student or r.users[u].roles.teacher for u in r.users)
    told = [p for p in r.problems if p.file == "roles.csv"]
    assert [(p.code, p.line) for p in told] == [("other", None)]
    assert "no user has a role: roles.csv grants none" in told[0].message
    r = read_oneroster(_bundle(tmp_path / "some", users, "r1,,,t1,primary,teacher,,,sA,\n"))
    assert not any("no user has a role" in p.message for p in r.problems)
    # (1.1's role column kept in a 1.2 users.csv gives the roles: no such problem either)
    (tmp_path / "none" / "users.csv").write_text(
        "sourcedId,role,orgSourcedIds,givenName\nt1,teacher,sA,Tom\n", encoding="utf-8")
    r = read_oneroster(tmp_path / "none")
    assert r.users["t1"].roles.teacher is not None
    assert not any("no user has a role" in p.message for p in r.problems)


def test_users_without_a_role_and_no_roles_csv_are_told_once(tmp_path: Path) -> None:
    """A 1.1 bundle whose ``users.csv`` lost its role column (no ``roles.csv`` at all): one
    problem names ``users.csv``; none names a ``roles.csv`` that is not there."""
    from rostergraph.io.write_oneroster import write_oneroster

    d = tmp_path / "b"
    write_oneroster(rostergraph.sample(), d)
    lines = (d / "users.csv").read_text(encoding="utf-8").split("\n")
    lines[0] = lines[0].replace(",role,", ",,", 1)
    (d / "users.csv").write_text("\n".join(lines), encoding="utf-8")
    told = [p for p in read_oneroster(d).problems if "no user has a role" in p.message]
    assert [p.file for p in told] == ["users.csv"]


def test_a_user_marked_primary_at_two_orgs_is_told(tmp_path: Path) -> None:
    """A user has one primary role: roles.csv rows marking it ``primary`` at two orgs are
    one problem naming the file and both lines; the first primary row's org stays the
    role's school and every row's role and org are kept (one org marked twice is none)."""
    users = ("s1,,,true,sam,,Sam,Ray,,S1,,,,,04,,,,,,,\n"
             "t1,,,true,tlee,,Tom,Lee,,T1,,,,,,,,,,,,\n")
    roles = ("r1,,,s1,secondary,student,,,sA,\nr2,,,s1,primary,student,,,sB,\n"
             "r3,,,s1,primary,student,,,sA,\n"
             "r4,,,t1,primary,teacher,,,sA,\nr5,,,t1,Primary,teacher,,,sA,\n")
    r = read_oneroster(_bundle(tmp_path / "b", users, roles))
    told = [p for p in r.problems if "primary" in p.message and p.file == "roles.csv"]
    assert [(p.line, p.record_id, p.field) for p in told] == [(4, "s1", "roleType")]
    assert "line 3" in told[0].message and "'sA'" in told[0].message
    assert "'sB'" in told[0].message
    st = r.users["s1"].roles.student
    assert (st.school, st.schools) == ("sB", ("sB", "sA"))
    assert r.users["t1"].roles.teacher.school == "sA"
