"""The OneRoster 1.2 writer: the 1.2 CSV binding's files and columns, read back equal.

The files are checked with the standard ``csv`` module (not rostergraph's
reader), against counts taken from the source records.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

import rostergraph
from rostergraph.io.write_oneroster import write_oneroster
from rostergraph.model import record_to_dict

from .test_roundtrip import graph_facts, same_records

ROOT = Path(__file__).parent.parent
USERS_12 = ["sourcedId", "status", "dateLastModified", "enabledUser", "username", "userIds",
            "givenName", "familyName", "middleName", "identifier", "email", "sms", "phone",
            "agentSourcedIds", "grades", "password", "userMasterIdentifier",
            "preferredGivenName", "preferredMiddleName", "preferredFamilyName",
            "primaryOrgSourcedId", "pronouns"]
ROLES_12 = ["sourcedId", "status", "dateLastModified", "userSourcedId", "roleType", "role",
            "beginDate", "endDate", "orgSourcedId", "userProfileSourcedId"]


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _manifest(folder: Path) -> dict[str, str]:
    return {r["propertyName"]: r["value"] for r in _rows(folder / "manifest.csv")[1]}


def test_manifest_and_files_are_those_of_1_2(tmp_path: Path) -> None:
    """oneroster.version 1.2, roles bulk, every 1.2 file key listed, no file marked bulk
    that is not there."""
    out = tmp_path / "or12"
    write_oneroster(rostergraph.sample(), out, version="1.2")
    man = _manifest(out)
    assert man["oneroster.version"] == "1.2"
    for key in ("roles", "userProfiles", "userResources", "scoreScales", "users", "orgs"):
        assert f"file.{key}" in man, key
    assert man["file.roles"] == "bulk" and man["file.userProfiles"] == "absent"
    on_disk = {p.name for p in out.iterdir()}
    for key, mode in man.items():
        if key.startswith("file."):
            assert (f"{key[5:]}.csv" in on_disk) == (mode == "bulk"), key


@pytest.mark.parametrize("extensions", [True, False])
def test_users_are_one_row_each_with_the_1_2_columns(tmp_path: Path, extensions: bool) -> None:
    """users.csv has the 1.2 columns (no role, no orgSourcedIds) and one row per user,
    multi-role users included; without extensions there is no extension column at all."""
    src = rostergraph.sample()
    out = tmp_path / "or12"
    write_oneroster(src, out, version="1.2", extensions=extensions)
    header, rows = _rows(out / "users.csv")
    assert header[:len(USERS_12)] == USERS_12
    assert "role" not in header and "orgSourcedIds" not in header
    assert sorted(r["sourcedId"] for r in rows) == sorted(src.users)
    if not extensions:
        assert header == USERS_12


def test_roles_csv_has_a_row_per_user_role_and_org(tmp_path: Path) -> None:
    """Each user's roles.csv rows: one per role and school, exactly one primary (the first
    role at its primary school), the 1.2 role values."""
    src = rostergraph.sample()
    out = tmp_path / "or12"
    write_oneroster(src, out, version="1.2")
    header, rows = _rows(out / "roles.csv")
    assert header == ROLES_12
    by_user: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_user.setdefault(r["userSourcedId"], []).append(r)
    assert set(by_user) == {u.id for u in src.users.values() if u.roles.names}
    allowed = {"aide", "counselor", "districtAdministrator", "guardian", "parent", "principal",
               "proctor", "relative", "siteAdministrator", "student", "systemAdministrator",
               "teacher"}
    for uid, urows in by_user.items():
        u = src.users[uid]
        assert [r["roleType"] for r in urows].count("primary") == 1
        assert urows[0]["roleType"] == "primary"
        assert {r["role"] for r in urows} <= allowed
        for role in ("student", "teacher"):
            r = getattr(u.roles, role)
            if r is not None:
                want = list(dict.fromkeys([*([r.school] if r.school else []),
                                           *(r.schools or ())]))
                assert [x["orgSourcedId"] for x in urows if x["role"] == role] == (
                    want or [""])
        if u.roles.names[0] in ("student", "teacher"):
            assert urows[0]["orgSourcedId"] == getattr(u.roles, u.roles.names[0]).school
    multi = [u for u in src.users.values() if len(u.roles.names) > 1]
    assert len(multi) >= 3
    for u in multi:
        assert len({r["role"] for r in by_user[u.id]}) == len(u.roles.names)


def test_sample_round_trip_keeps_multi_role_users_without_extensions(tmp_path: Path) -> None:
    """Without extensions, 1.2 keeps every multi-role user one user with all its roles
    (1.1 splits them), and enrollments and reach survive."""
    src = rostergraph.sample()
    write_oneroster(src, tmp_path / "or12", version="1.2", extensions=False)
    back = rostergraph.load(tmp_path / "or12")
    assert back.provenance.version == "1.2"
    assert sorted(back.users) == sorted(src.users)
    for uid, u in src.users.items():
        assert back.users[uid].roles.names == u.roles.names, uid
    a, b = graph_facts(src), graph_facts(back)
    for key in ("edges:enrolled_in", "edges:teaches", "reach", "roles"):
        assert a[key] == b[key], key
    write_oneroster(src, tmp_path / "or11", extensions=False)
    assert len(rostergraph.load(tmp_path / "or11").users) > len(src.users)


def test_sample_round_trip_with_extensions_is_record_exact(tmp_path: Path) -> None:
    """With extensions the 1.2 bundle reads back field for field, with no problem."""
    src = rostergraph.sample()
    report = write_oneroster(src, tmp_path / "or12.zip", version="1.2")
    assert set(report.to_list("how")) <= {"extension"}
    back = rostergraph.load(tmp_path / "or12.zip")
    assert back.problems == []
    same_records(src, back)


def test_demographics_and_sessions_columns(tmp_path: Path) -> None:
    """demographics.csv has a row per student with data (1.2 sex values), and every
    academic session a 4-digit schoolYear (required in 1.2)."""
    src = rostergraph.sample()
    out = tmp_path / "or12"
    write_oneroster(src, out, version="1.2")
    header, rows = _rows(out / "demographics.csv")
    assert header[:5] == ["sourcedId", "status", "dateLastModified", "birthDate", "sex"]
    students = {u.id for u in src.users.values() if u.roles.student is not None and (
        u.roles.student.dob or u.roles.student.gender or u.roles.student.race
        or u.roles.student.hispanic_ethnicity)}
    assert {r["sourcedId"] for r in rows} == students
    assert {r["sex"] for r in rows} <= {"male", "female", "other", "unspecified", ""}
    _, sessions = _rows(out / "academicSessions.csv")
    with_end = [t for t in src.terms.values() if t.end_date]
    assert len(sessions) == len(src.terms) and with_end
    for s in sessions:
        if s["endDate"]:
            assert s["schoolYear"] == s["endDate"][:4]


def _bundle_with_profiles(folder: Path) -> Path:
    """A small OneRoster 1.2 bundle of our own with userProfiles.csv (one with a password)."""
    folder.mkdir()
    files = {
        "manifest.csv": "propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\n"
                        "file.orgs,bulk\nfile.users,bulk\nfile.roles,bulk\n"
                        "file.userProfiles,bulk\n",
        "orgs.csv": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
                    "d1,,,District,district,,\nsc1,,,North,school,,d1\n",
        "users.csv": "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,"
                     "familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,"
                     "password,userMasterIdentifier,preferredGivenName,preferredMiddleName,"
                     "preferredFamilyName,primaryOrgSourcedId,pronouns\n"
                     "t1,,,true,tlee,,Tom,Lee,,T-1,t@example.org,,,,,,M-1,Tommy,,,sc1,he/him\n",
        "roles.csv": ",".join(ROLES_12) + "\n"
                     "r1,,,t1,primary,teacher,,,sc1,\nr2,,,t1,secondary,principal,,,sc1,\n",
        "userProfiles.csv": "sourcedId,status,dateLastModified,userSourcedId,profileType,vendorId,"
                            "applicationId,description,credentialType,username,password\n"
                            "p1,,,t1,lms,v1,app1,LMS login,password,tlee,secret\n"
                            "p2,,,t1,sis,v2,,,,tlee2,\n",
    }
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def test_a_1_2_source_comes_back_with_profiles_roles_and_new_columns(tmp_path: Path) -> None:
    """1.2 → rostergraph → 1.2: userProfiles.csv (no password), both roles, preferred name,
    pronouns and userMasterIdentifier are written back; the roster reads back equal."""
    first = rostergraph.load(_bundle_with_profiles(tmp_path / "src"))
    report = write_oneroster(first, tmp_path / "out", version="1.2", extensions=False)
    assert report.to_dicts() == []
    _, users = _rows(tmp_path / "out" / "users.csv")
    assert [(u["preferredGivenName"], u["pronouns"], u["userMasterIdentifier"],
             u["primaryOrgSourcedId"], u["identifier"]) for u in users] == [
        ("Tommy", "he/him", "M-1", "sc1", "T-1")]
    _, roles = _rows(tmp_path / "out" / "roles.csv")
    assert [(r["roleType"], r["role"], r["orgSourcedId"]) for r in roles] == [
        ("primary", "teacher", "sc1"), ("secondary", "principal", "sc1")]
    _, profiles = _rows(tmp_path / "out" / "userProfiles.csv")
    assert [(p["sourcedId"], p["userSourcedId"], p["vendorId"], p["password"])
            for p in profiles] == [("p1", "t1", "v1", ""), ("p2", "t1", "v2", "")]
    assert _manifest(tmp_path / "out")["file.userProfiles"] == "bulk"
    again = rostergraph.load(tmp_path / "out")
    assert record_to_dict(again.users["t1"]) == record_to_dict(first.users["t1"])


def test_identifiers_that_differ_per_role_are_carried(tmp_path: Path) -> None:
    """One users.csv row has one identifier and username: a second role's own (or absent)
    ones come back from the extension column, and are reported."""
    src = rostergraph.sample()
    u = next(u for u in src.users.values() if u.roles.names == ("teacher", "staff"))
    report = write_oneroster(src, tmp_path / "or12", version="1.2")
    back = rostergraph.load(tmp_path / "or12")
    assert record_to_dict(back.users[u.id]) == record_to_dict(u)
    fields = Counter(r["field"] for r in report.to_dicts())
    assert fields["roles.staff.roles"] >= 1


def test_unknown_version_is_refused(tmp_path: Path) -> None:
    """A version the writer does not know is a ValueError naming the known ones."""
    with pytest.raises(ValueError, match="1.1, 1.2"):
        write_oneroster(rostergraph.sample(), tmp_path / "x", version="1.3")
    assert not (tmp_path / "x").exists()


def test_cli_convert_writes_1_2(tmp_path: Path) -> None:
    """`convert --to oneroster --oneroster-version 1.2` writes a 1.2 bundle."""
    out = tmp_path / "or12"
    res = subprocess.run([sys.executable, "-m", "rostergraph", "convert", "--sample", str(out),
                          "--to", "oneroster", "--oneroster-version", "1.2", "--quiet"],
                         capture_output=True, text=True, cwd=ROOT, timeout=300, check=False,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert res.returncode == 0, res.stderr
    assert _manifest(out)["oneroster.version"] == "1.2"
    assert (out / "roles.csv").is_file()
