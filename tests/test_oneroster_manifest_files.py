"""A bundle's roster files against its ``manifest.csv``: the OneRoster CSV specs (IMS
"OneRoster v1.1 CSV Tables", 1EdTech "OneRoster 1.2 CSV Binding") give the manifest a
``file.<name>`` row (``absent``, ``bulk`` or ``delta``) for every file. A file the bundle
holds that its manifest has no row for is read all the same and told once, on
``manifest.csv``; the writer lists every file it writes."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import rostergraph
from rostergraph.errors import FormatError
from rostergraph.io.oneroster import read_oneroster
from rostergraph.io.write_oneroster import write_oneroster
from tests.test_oneroster_variants import (
    CLASSES,
    ENR_HEAD,
    ORGS,
    ROLES_12_HEADER,
    USERS,
    write,
)

_ENROLLMENTS = ENR_HEAD + ("e1,active,2024-01-01,c1,sA,t1,teacher,true,,\n"
                           "e2,active,2024-01-01,c1,sA,s1,student,false,,\n")
_HEAD = "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n"


def _manifest_problems(r: rostergraph.Roster) -> list[tuple[str, str | None, str | None]]:
    return [(p.code, p.field, p.message) for p in r.problems if p.file == "manifest.csv"]


def test_a_file_the_manifest_does_not_list_is_read_and_told_once(tmp_path: Path) -> None:
    """users.csv and enrollments.csv are there, the manifest lists only orgs and classes:
    both are read (every row loads) and each is one problem naming the row it lacks."""
    src = write(tmp_path / "b", {
        "manifest.csv": _HEAD + "file.orgs,bulk\nfile.classes,bulk\n",
        "orgs.csv": ORGS, "classes.csv": CLASSES, "users.csv": USERS,
        "enrollments.csv": _ENROLLMENTS})
    r = read_oneroster(src)
    assert _manifest_problems(r) == [
        ("other", "file.users", "manifest.csv has no file.users row; users.csv was read as bulk"),
        ("other", "file.enrollments",
         "manifest.csv has no file.enrollments row; enrollments.csv was read as bulk")]
    assert set(r.users) == {"t1", "s1", "s2"}
    assert r.sections["c1"].students == ("s1",) and r.sections["c1"].teacher == "t1"
    with pytest.raises(FormatError, match=r"manifest\.csv.*file\.users"):
        read_oneroster(src, strict=True)


def test_a_manifest_without_file_rows_tells_each_file(tmp_path: Path) -> None:
    """A manifest that gives only its versions: every roster file is told, in reading
    order, and read."""
    src = write(tmp_path / "b", {"manifest.csv": _HEAD, "orgs.csv": ORGS,
                                 "classes.csv": CLASSES, "users.csv": USERS})
    r = read_oneroster(src)
    assert [f for _, f, _ in _manifest_problems(r)] == ["file.orgs", "file.classes",
                                                        "file.users"]
    assert len(r.users) == 3 and set(r.sections) == {"c1", "c2"}


def test_a_listed_bundle_and_one_without_a_manifest_tell_nothing(tmp_path: Path) -> None:
    """Every file listed (``absent`` files not there): no problem. No manifest at all: a
    note only (the version is taken from the columns), as before."""
    listed = write(tmp_path / "listed", {
        "manifest.csv": _HEAD + "file.orgs,bulk\nfile.classes,bulk\nfile.users,bulk\n"
                                "file.enrollments,absent\nfile.demographics,absent\n",
        "orgs.csv": ORGS, "classes.csv": CLASSES, "users.csv": USERS})
    assert not read_oneroster(listed).problems
    bare = write(tmp_path / "bare", {"orgs.csv": ORGS, "classes.csv": CLASSES,
                                     "users.csv": USERS})
    r = read_oneroster(bare)
    assert not r.problems
    assert "no manifest.csv: version taken from the columns" in r.provenance.notes


def test_a_file_named_in_another_case_is_told_by_its_oneroster_name(tmp_path: Path) -> None:
    """``Users.csv`` (read as users.csv) with no ``file.users`` row: told as users.csv."""
    src = write(tmp_path / "b", {
        "manifest.csv": _HEAD + "file.orgs,bulk\nfile.classes,bulk\n",
        "orgs.csv": ORGS, "classes.csv": CLASSES, "Users.csv": USERS})
    r = read_oneroster(src)
    assert [m for _, _, m in _manifest_problems(r)] == [
        "manifest.csv has no file.users row; users.csv was read as bulk"]
    assert len(r.users) == 3


def test_an_unlisted_file_of_a_delta_says_it_was_applied_to_the_base(tmp_path: Path) -> None:
    """Read with a base, every file of the bundle is applied to it as a delta, whatever
    its manifest row says: an unlisted one is told so."""
    base = read_oneroster(write(tmp_path / "base", {
        "manifest.csv": _HEAD + "file.orgs,bulk\nfile.classes,bulk\nfile.users,bulk\n",
        "orgs.csv": ORGS, "classes.csv": CLASSES, "users.csv": USERS}))
    delta = write(tmp_path / "delta", {
        "manifest.csv": _HEAD + "file.users,delta\n",
        "users.csv": USERS.splitlines(keepends=True)[0]
        + "s3,active,2024-02-01,true,sA,student,s3,,New,One,,S3,,,,,04,\n",
        "enrollments.csv": ENR_HEAD + "e9,active,2024-02-01,c2,sA,s3,student,,,\n"})
    r = read_oneroster(delta, base=base)
    assert [m for _, _, m in _manifest_problems(r)] == [
        ("manifest.csv has no file.enrollments row; enrollments.csv was applied to the "
         "base as a delta")]
    assert set(r.users) == {"t1", "s1", "s2", "s3"}
    assert r.sections["c2"].students == ("s3",)


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_the_writer_lists_every_file_it_writes(tmp_path: Path, version: str) -> None:
    """``write_oneroster`` gives every file it writes a ``file.<name>`` row (and every
    file of the version's list one, ``absent`` when not written): its bundles read back
    with no manifest problem."""
    out = tmp_path / "or"
    write_oneroster(rostergraph.sample(), out, version=version)
    with open(out / "manifest.csv", encoding="utf-8", newline="") as fh:
        rows = {row["propertyName"]: row["value"] for row in csv.DictReader(fh)}
    written = {p.name[:-4] for p in out.iterdir() if p.name != "manifest.csv"}
    assert written and all(rows.get(f"file.{f}") == "bulk" for f in written)
    assert all(v == "absent" for k, v in rows.items()
               if k.startswith("file.") and k[5:] not in written)
    assert not [p for p in read_oneroster(out).problems if p.file == "manifest.csv"]


# --- 1.2 files under a 1.1 manifest ------------------------------------------------------

_USERS_12 = ("sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,"
             "familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,"
             "password,userMasterIdentifier,preferredGivenName,preferredMiddleName,"
             "preferredFamilyName,primaryOrgSourcedId,pronouns\n"
             "t1,,,true,t1,,Tea,Cher,,T1,,,,,,,,,,,sA,\n"
             "s1,,,true,s1,,Stu,Dent,,S1,,,,,04,,,,,,sA,\n")
_ROLES = ROLES_12_HEADER + "r1,,,t1,primary,teacher,,,sA,\nr2,,,s1,primary,student,,,sA,\n"
_PROFILES = ("sourcedId,status,dateLastModified,userSourcedId,profileType,vendorId,"
             "applicationId,description,credentialType,username,password\n"
             "p1,,,s1,lms,v1,a1,,password,s1-lms,\n")


def _files_12(version: str, rows: str = "") -> dict[str, str | bytes]:
    return {"manifest.csv": f"propertyName,value\nmanifest.version,1.0\noneroster.version,"
                            f"{version}\nfile.orgs,bulk\nfile.users,bulk\n{rows}",
            "orgs.csv": ORGS, "users.csv": _USERS_12, "roles.csv": _ROLES}


@pytest.mark.parametrize("row", ["", "file.roles,bulk\n"])
def test_roles_csv_under_a_11_manifest_is_read_and_told(tmp_path: Path, row: str) -> None:
    """roles.csv is a 1.2 file: under ``oneroster.version,1.1`` it is read all the same
    (the users are those of the same files under a 1.2 manifest) and told once, at the
    manifest's version line, whether or not the manifest has a ``file.roles`` row (a 1.1
    manifest has no such key: no "no file.roles row" problem besides)."""
    want = read_oneroster(write(tmp_path / "v12", _files_12("1.2", "file.roles,bulk\n")))
    assert not want.problems
    r = read_oneroster(write(tmp_path / "v11", _files_12("1.1", row)))
    assert [(p.code, p.file, p.line, p.field) for p in r.problems] == [
        ("other", "manifest.csv", 3, "oneroster.version")]
    assert r.problems[0].message == (
        "roles.csv is a OneRoster 1.2 file, but manifest.csv says oneroster.version='1.1': "
        "it was read all the same")
    assert r.provenance.version == "1.1"
    assert r.users == want.users
    assert r.users["t1"].roles.teacher.school == "sA"
    with pytest.raises(FormatError, match=r"manifest\.csv:3.*roles\.csv"):
        read_oneroster(write(tmp_path / "strict", _files_12("1.1", row)), strict=True)


def test_user_profiles_under_a_11_manifest_are_read_and_told(tmp_path: Path) -> None:
    """userProfiles.csv, the other 1.2 file the reader reads: the same, one problem per
    file."""
    files = {**_files_12("1.1", "file.userProfiles,bulk\n"), "userProfiles.csv": _PROFILES}
    r = read_oneroster(write(tmp_path / "b", files))
    assert [p.message.split(" ", 1)[0] for p in r.problems] == ["roles.csv",
                                                                "userProfiles.csv"]
    assert "oneroster.userProfiles" in r.users["s1"].extra


def test_a_version_of_a_long_run_of_digits_is_no_error(tmp_path: Path) -> None:
    """``oneroster.version`` of 5000 digits (past the 4300 digits ``int()`` takes) beside
    roles.csv: compared as no version (nothing told about 1.2 files), no ValueError."""
    src = write(tmp_path / "b", {
        "manifest.csv": ("propertyName,value\noneroster.version," + "1" * 5000
                         + ".1\nfile.orgs,bulk\nfile.users,bulk\nfile.classes,bulk\n"
                         "file.enrollments,bulk\nfile.roles,bulk\n"),
        "orgs.csv": ORGS, "users.csv": USERS, "classes.csv": CLASSES,
        "enrollments.csv": _ENROLLMENTS, "roles.csv": ROLES_12_HEADER})
    r = read_oneroster(src)
    assert not [p for p in r.problems if "1.2 file" in p.message]


def test_a_bulk_file_of_a_delta_says_which_base_records_it_left(tmp_path: Path) -> None:
    """A delta bundle's manifest says ``file.classes,bulk`` (the file holds every class)
    but classes.csv holds only c1: applied to the base as a delta, c2 stays, and one
    problem at the manifest's row says so, naming c2 (strict: an error there). A bulk
    file holding every base record is no problem."""
    base = read_oneroster(write(tmp_path / "base", {
        "manifest.csv": _HEAD + "file.orgs,bulk\nfile.classes,bulk\nfile.users,bulk\n",
        "orgs.csv": ORGS, "classes.csv": CLASSES, "users.csv": USERS}))
    delta = write(tmp_path / "delta", {
        "manifest.csv": _HEAD + "file.classes,bulk\nfile.users,delta\nfile.orgs,bulk\n",
        "classes.csv": CLASSES.replace("c2,", "c9,"), "orgs.csv": ORGS,
        "users.csv": USERS.splitlines(keepends=True)[0]})
    r = read_oneroster(delta, base=base)
    assert set(r.sections) == {"c1", "c2", "c9"}
    said = [(p.file, p.line, p.field, p.kind) for p in r.problems]
    assert said == [("manifest.csv", 4, "file.classes", "sections")]
    assert "c2" in r.problems[0].message and "c1" not in r.problems[0].message
    assert "bulk" in r.problems[0].message and "kept" in r.problems[0].message
    with pytest.raises(FormatError, match=r"manifest\.csv:4"):
        read_oneroster(delta, base=base, strict=True)
