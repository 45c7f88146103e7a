"""A OneRoster delta applied onto a base roster (``read_oneroster(..., base=)``) agrees
with the bulk load of the same rows, for enrollments of every role."""

from __future__ import annotations

from pathlib import Path

import pytest

from rostergraph.io.oneroster import read_oneroster
from tests.test_oneroster_variants import write as _write

_ORGS = ("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
         "D1,,,District,district,,\nS1,,,North,school,,D1\n")
_USERS = ("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,"
          "givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,"
          "password\n"
          "T1,,,true,S1,teacher,,,Ann,Lee,,,,,,,,\n"
          "U1,,,true,S1,student,,,Bo,Kim,,,,,,,05,\n"
          "A1,,,true,S1,aide,,,Cy,Day,,,,,,,,\n"
          "P1,,,true,S1,proctor,,,Di,Eze,,,,,,,,\n"
          "M1,,,true,S1,administrator,,,Ed,Fox,,,,,,,,\n")
_CLASSES_HEAD = ("sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,"
                 "classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,"
                 "periods\n")
_CLASS = "C1,,,Math,05,,,scheduled,,S1,,,,\n"
_ENR_HEAD = ("sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,"
             "role,primary,beginDate,endDate\n")
_AIDE = "e3,,,C1,S1,A1,aide,,,\n"
_A = "e1,,,C1,S1,T1,teacher,true,,\ne2,,,C1,S1,U1,student,,,\n" + _AIDE
_B = ("e4,active,,C1,S1,P1,proctor,,,\ne5,active,,C1,S1,M1,Administrator,,,\n"
      "e6,active,,C1,S1,A1,aide,,,\n")
_DELTA_MANIFEST = "propertyName,value\noneroster.version,1.1\nfile.enrollments,delta\n"



def _bundle(folder: Path, enrollments: str, users: str = _USERS) -> Path:
    return _write(folder, {"orgs.csv": _ORGS, "users.csv": users,
                           "classes.csv": _CLASSES_HEAD + _CLASS,
                           "enrollments.csv": _ENR_HEAD + enrollments})


def test_delta_enrollments_of_other_roles_join_a_base_class(tmp_path: Path) -> None:
    """bulk(A + B) == base(A) + delta(B) when B enrolls aides, proctors and
    administrators in a class of the base."""
    bulk = read_oneroster(_bundle(tmp_path / "bulk", _A + _B))
    base = read_oneroster(_bundle(tmp_path / "base", _A))
    delta = _write(tmp_path / "delta", {"manifest.csv": _DELTA_MANIFEST,
                                        "enrollments.csv": _ENR_HEAD + _B})
    got = read_oneroster(delta, base=base)
    assert {k: v for k, v in bulk.sections["C1"].extra.items()
            if k != "oneroster.enrollmentIds"} == {
        "oneroster.enrollments.aide": ["A1"], "oneroster.enrollments.proctor": ["P1"],
        "oneroster.enrollments.administrator": ["M1"]}
    assert got.sections == bulk.sections
    assert got.problems == []


def test_delta_class_row_keeps_the_base_enrollments_of_other_roles(tmp_path: Path) -> None:
    """A delta that updates a class (its title) and enrolls a proctor keeps the base's aide:
    the result equals the bulk load of the updated class with every enrollment."""
    renamed = _CLASS.replace("Math", "Algebra")
    bulk = _write(tmp_path / "bulk", {"orgs.csv": _ORGS, "users.csv": _USERS,
                                      "classes.csv": _CLASSES_HEAD + renamed,
                                      "enrollments.csv": _ENR_HEAD + _A + _B})
    base = read_oneroster(_bundle(tmp_path / "base", _A))
    delta = _write(tmp_path / "delta", {"manifest.csv": _DELTA_MANIFEST + "file.classes,delta\n",
                                        "classes.csv": _CLASSES_HEAD + renamed,
                                        "enrollments.csv": _ENR_HEAD + _B})
    got = read_oneroster(delta, base=base)
    assert got.sections["C1"].name == "Algebra"
    assert got.sections == read_oneroster(bulk).sections


def test_delta_deletes_an_enrollment_of_another_role(tmp_path: Path) -> None:
    """An aide's enrollment row with status=tobedeleted removes the aide from the base
    class, as the bulk load without that row has it; other roles stay."""
    base = read_oneroster(_bundle(tmp_path / "base", _A + _B))
    delta = _write(tmp_path / "delta", {
        "manifest.csv": _DELTA_MANIFEST,
        "enrollments.csv": _ENR_HEAD + "e3,tobedeleted,,C1,S1,A1,Aide,,,\n"
                                       "e2,tobedeleted,,C1,S1,U1,Student,,,\n"})
    got = read_oneroster(delta, base=base)
    without = _A.replace(_AIDE, "").replace(
        "e2,,,C1,S1,U1,student,,,\n", "")
    bulk = read_oneroster(_bundle(tmp_path / "bulk", without + _B.replace(
        "e6,active,,C1,S1,A1,aide,,,\n", "")))
    assert "oneroster.enrollments.aide" not in got.sections["C1"].extra
    assert got.sections["C1"].students is None
    assert got.sections == bulk.sections


def test_delta_aide_in_a_base_class_without_enrollments(tmp_path: Path) -> None:
    """An aide enrolled by a delta in a base class that had no enrollment at all: the
    class is as the bulk load makes it (no empty student or teacher list)."""
    base = read_oneroster(_bundle(tmp_path / "base", ""))
    delta = _write(tmp_path / "delta", {"manifest.csv": _DELTA_MANIFEST,
                                        "enrollments.csv": _ENR_HEAD + _AIDE})
    got = read_oneroster(delta, base=base)
    assert got.sections["C1"].extra["oneroster.enrollments.aide"] == ["A1"]
    assert got.sections == read_oneroster(_bundle(tmp_path / "bulk", _AIDE)).sections


_DEM_HEAD = ("sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,"
             "asian,blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,"
             "demographicRaceTwoOrMoreRaces,hispanicOrLatinoEthnicity,countryOfBirthCode\n")
_DEMOGRAPHICS = (_DEM_HEAD + "U1,,,2010-01-02,female,,true,,,true,,false,US\n"
                 "T1,,,1980-03-04,male,,,,,,,,MX\n")


def test_delta_user_rows_keep_the_base_demographics(tmp_path: Path) -> None:
    """A delta that renames a student and a teacher (users.csv rows only) keeps what the
    base's demographics.csv gave them (they lost birth date, sex, race and the other
    cells), as the bulk load of the new rows with that file; a delta that sends a
    demographics row too takes it."""
    renamed = _USERS.replace("Bo,Kim", "Bo,Kimura").replace("Ann,Lee", "Ann,Leigh")
    files = {"orgs.csv": _ORGS, "classes.csv": _CLASSES_HEAD + _CLASS,
             "enrollments.csv": _ENR_HEAD + _A}
    base = read_oneroster(_write(tmp_path / "base", {
        **files, "users.csv": _USERS, "demographics.csv": _DEMOGRAPHICS}))
    bulk = read_oneroster(_write(tmp_path / "bulk", {
        **files, "users.csv": renamed, "demographics.csv": _DEMOGRAPHICS}))
    delta = _write(tmp_path / "delta", {
        "manifest.csv": "propertyName,value\noneroster.version,1.1\nfile.users,delta\n",
        "users.csv": renamed})
    got = read_oneroster(delta, base=base)
    assert got.users["U1"].roles.student.dob == "2010-01-02"
    assert got.users["T1"].extra["oneroster.demographics.countryOfBirthCode"] == "MX"
    assert got.users == bulk.users
    newer = _DEM_HEAD + "U1,,,2010-01-02,female,,,,,true,,true,\n"
    again = read_oneroster(_write(tmp_path / "delta2", {
        "manifest.csv": "propertyName,value\noneroster.version,1.1\nfile.users,delta\n"
                        "file.demographics,delta\n",
        "users.csv": renamed, "demographics.csv": newer}), base=base)
    st = again.users["U1"].roles.student
    assert (st.race, st.hispanic_ethnicity) == ("Caucasian", "Y")
    assert "oneroster.demographics.countryOfBirthCode" not in st.extra


_USERS_12 = ("sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,"
             "familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,"
             "userMasterIdentifier,resourceSourcedIds,preferredGivenName,preferredMiddleName,"
             "preferredFamilyName,primaryOrgSourcedId,pronouns\n"
             "U1,,,true,u1,,Bo,Kim,,1001,,,,,05,,,,,,,S1,\n"
             "T1,,,true,t1,,Ann,Lee,,T-1,,,,,,,,,,,,S1,\n"
             "A1,,,true,,,Cy,Day,,A-1,,,,,,,,,,,,,\n"
             "G1,,,true,,,Di,Kim,,,,,,U1,,,,,,,,,\n")
_ROLES_12 = ("sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,"
             "orgSourcedId,userProfileSourcedId\n"
             "R1,,,U1,primary,student,,,S1,\nR2,,,T1,primary,teacher,,,S1,\n"
             "R3,,,A1,primary,aide,,,S1,\nR4,,,G1,primary,guardian,,,S1,\n")


def test_delta_of_1_2_user_rows_keeps_the_base_roles(tmp_path: Path) -> None:
    """A 1.2 delta that only updates users.csv rows (a new name, a new username) keeps
    the roles the base's roles.csv gave them (the users had no role and no district
    left), with the new rows' cells: the bulk load of the new rows with that roles.csv."""
    man = "propertyName,value\noneroster.version,1.2\n"
    new_rows = _USERS_12.replace("Bo,Kim", "Bo,Kimura").replace("u1,", "u1new,").replace(
        "Ann,Lee,,T-1", "Ann,Lee,,T-2")
    base = read_oneroster(_write(tmp_path / "base", {
        "manifest.csv": man, "orgs.csv": _ORGS, "users.csv": _USERS_12,
        "roles.csv": _ROLES_12}))
    bulk = read_oneroster(_write(tmp_path / "bulk", {
        "manifest.csv": man, "orgs.csv": _ORGS, "users.csv": new_rows, "roles.csv": _ROLES_12}))
    got = read_oneroster(_write(tmp_path / "delta", {
        "manifest.csv": man + "file.users,delta\n", "users.csv": new_rows}), base=base)
    assert got.problems == []
    assert got.users["U1"].roles.student.credentials.district_username == "u1new"
    assert got.users["T1"].roles.teacher.sis_id == "T-2"
    assert got.users == bulk.users


_FAMILY = (_USERS.split("\n", 1)[0] + "\n"
           "G1,,,true,S1,guardian,,,Di,Kim,,,,,,,,\n"
           "U1,,,true,S1,student,,,Bo,Kim,,,,,,G1,05,\n"
           "U2,,,true,S1,student,,,Al,Kim,,,,,,G1,04,\n")


def test_delta_contact_row_keeps_the_links_its_students_rows_give(tmp_path: Path) -> None:
    """The students' rows name their guardian (agentSourcedIds), the guardian's row names
    no one: a delta that updates the guardian's row keeps both links, as the bulk load of
    the new row with the students' rows has them."""
    renamed = _FAMILY.replace("Di,Kim", "Di,Kimura")
    base = read_oneroster(_write(tmp_path / "base", {"orgs.csv": _ORGS, "users.csv": _FAMILY}))
    bulk = read_oneroster(_write(tmp_path / "bulk", {"orgs.csv": _ORGS, "users.csv": renamed}))
    guardian_row = "".join(line + "\n" for line in renamed.splitlines()[:2])
    got = read_oneroster(_write(tmp_path / "delta", {
        "manifest.csv": "propertyName,value\noneroster.version,1.1\nfile.users,delta\n",
        "users.csv": guardian_row}), base=base)
    rels = bulk.users["G1"].roles.contact.student_relationships
    assert [r.student for r in rels] == ["U1", "U2"]
    assert got.problems == []
    assert got.users == bulk.users


def test_delta_student_row_links_a_base_contact(tmp_path: Path) -> None:
    """A delta that adds a student whose row names a guardian of the base (not in the
    delta) links the guardian to it, and one that updates a student's row (still naming
    the guardian) keeps the link: both as the bulk load of the final rows."""
    base_rows = "\n".join(_FAMILY.splitlines()[:3]) + "\n"  # G1, U1
    base = read_oneroster(_write(tmp_path / "base", {"orgs.csv": _ORGS, "users.csv": base_rows}))
    final = _FAMILY.replace("Bo,Kim", "Bo,Kimura")
    bulk = read_oneroster(_write(tmp_path / "bulk", {"orgs.csv": _ORGS, "users.csv": final}))
    head = _FAMILY.split("\n", 1)[0] + "\n"
    got = read_oneroster(_write(tmp_path / "delta", {
        "manifest.csv": "propertyName,value\noneroster.version,1.1\nfile.users,delta\n",
        "users.csv": head + "\n".join(final.splitlines()[2:]) + "\n"}), base=base)
    assert [r.student for r in got.users["G1"].roles.contact.student_relationships] == [
        "U1", "U2"]
    assert got.problems == []
    assert got.users == bulk.users


_DEPT_ORGS = _ORGS + "DEP1,,,Science,department,,S1\n"


@pytest.mark.parametrize("base_class", [
    "C1,,,Math,05,,,scheduled,,DEP1,,,,\n",  # a base class names the department too
    _CLASS,                                   # none does: only orgs.csv said where it is
])
def test_delta_class_of_a_base_department_is_at_its_school(tmp_path: Path,
                                                           base_class: str) -> None:
    """A delta class naming a department org of the base (type department, parent a
    school) is placed at that school, the department kept as its oneroster_org, as the
    bulk load of the base's orgs with both classes places it."""
    new = "C2,,,Biology,05,,,scheduled,,DEP1,,,,\n"
    files = {"orgs.csv": _DEPT_ORGS, "users.csv": _USERS}
    base = read_oneroster(_write(tmp_path / "base", {
        **files, "classes.csv": _CLASSES_HEAD + base_class}))
    bulk = read_oneroster(_write(tmp_path / "bulk", {
        **files, "classes.csv": _CLASSES_HEAD + base_class + new}))
    got = read_oneroster(_write(tmp_path / "delta", {
        "manifest.csv": "propertyName,value\noneroster.version,1.1\nfile.classes,delta\n",
        "classes.csv": _CLASSES_HEAD + new}), base=base)
    assert (bulk.sections["C2"].school, bulk.sections["C2"].extra["oneroster_org"]) == (
        "S1", "DEP1")
    assert got.sections == bulk.sections


def test_delta_primary_teacher_of_a_base_class_comes_first(tmp_path: Path) -> None:
    """A delta enrolling a class's primary teacher after the base's co-teacher gives what
    the bulk load gives: the primary teacher first in ``teachers`` (OneRoster rows have no
    order; Clever lists the primary first)."""
    users = _USERS + "T2,,,true,S1,teacher,,,Fay,Gil,,,,,,,,\n"
    base_rows = "e1,,,C1,S1,T2,teacher,false,,\ne2,,,C1,S1,U1,student,,,\n"
    delta_rows = "e9,active,,C1,S1,T1,teacher,true,,\n"

    def bundle(folder: Path, rows: str) -> Path:
        return _write(folder, {"orgs.csv": _ORGS, "users.csv": users,
                               "classes.csv": _CLASSES_HEAD + _CLASS,
                               "enrollments.csv": _ENR_HEAD + rows})

    bulk = read_oneroster(bundle(tmp_path / "bulk", base_rows + delta_rows))
    base = read_oneroster(bundle(tmp_path / "base", base_rows))
    delta = _write(tmp_path / "delta", {"manifest.csv": _DELTA_MANIFEST,
                                        "enrollments.csv": _ENR_HEAD + delta_rows})
    got = read_oneroster(delta, base=base)
    assert (got.sections["C1"].teacher, got.sections["C1"].teachers) == ("T1", ("T1", "T2"))
    assert got.sections == bulk.sections


@pytest.mark.parametrize("class_row", [False, True])
def test_delta_row_of_the_primary_teacher_saying_false_demotes_it(tmp_path: Path,
                                                                  class_row: bool) -> None:
    """The delta gives T1's enrollment again with ``primary`` false (the SIS took the
    flag away): as the bulk load of the base's rows with that row in place, C1 has no
    primary teacher left (with or without its class row re-sent)."""
    users = _USERS + "T2,,,true,S1,teacher,,,Fay,Gil,,,,,,,,\n"
    base_rows = ("e1,,,C1,S1,T1,teacher,true,,\ne2,,,C1,S1,U1,student,,,\n"
                 "e0,,,C1,S1,T2,teacher,false,,\n")
    new_row = "e1,active,,C1,S1,T1,teacher,false,,\n"
    bulk = read_oneroster(_bundle(tmp_path / "bulk", base_rows.replace(
        "e1,,,C1,S1,T1,teacher,true,,\n", new_row), users))
    base = read_oneroster(_bundle(tmp_path / "base", base_rows, users))
    assert base.sections["C1"].teacher == "T1"
    files = {"manifest.csv": _DELTA_MANIFEST + ("file.classes,delta\n" if class_row else ""),
             "enrollments.csv": _ENR_HEAD + new_row}
    if class_row:
        files["classes.csv"] = _CLASSES_HEAD + _CLASS
    got = read_oneroster(_write(tmp_path / "delta", files), base=base)
    assert (got.sections["C1"].teacher, got.sections["C1"].teachers) == (None, ("T1", "T2"))
    assert got.sections == bulk.sections and got.problems == []
