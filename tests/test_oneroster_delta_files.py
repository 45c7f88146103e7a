"""A OneRoster delta's ``demographics.csv`` and 1.2 ``userProfiles.csv`` rows applied to the
base roster's users record by record (``read_oneroster(..., base=)``), as the OneRoster 1.1
and 1.2 CSV bindings' delta processing gives (each row a record that changed, keyed by its
``sourcedId``; ``status`` active or tobedeleted): a row for a user of the base applies to
it whether or not the delta's ``users.csv`` re-sends the user. Each case is checked
against the bulk load of the bundle after the change (the base's files with the delta's
rows in place of those of their ids), read column-wise, by plain rows and by the general
row path alone."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from rostergraph.io import (
    oneroster,
    oneroster_profiles,
    oneroster_roles,
    oneroster_users,
    oneroster_usertext,
)
from rostergraph.io.oneroster import read_oneroster
from rostergraph.io.oneroster_cols import DEMOGRAPHICS_PREFIX, PROFILES_KEY
from rostergraph.model import KINDS
from tests.test_oneroster_variants import write

_ORGS = ("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
         "D1,,,District,district,,\nS1,,,North,school,,D1\nS2,,,South,school,,D1\n")
_CLASSES = ("sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,"
            "classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,"
            "periods\nC1,,,Math,05,,,scheduled,,S1,,,,\n")
_ENROLLMENTS = ("sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,"
                "userSourcedId,role,primary,beginDate,endDate\n"
                "e1,,,C1,S1,T1,teacher,true,,\ne2,,,C1,S1,U1,student,,,\n"
                "e3,,,C1,S1,U2,student,,,\n")
#: 1.1: one role per users.csv row
_USERS_11 = ("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,"
             "userIds,givenName,familyName,middleName,identifier,email,sms,phone,"
             "agentSourcedIds,grades,password\n"
             "U1,,,true,S1,student,bkim,,Bo,Kim,,ID-U1,,,,,05,\n"
             "U2,,,true,S1,student,cng,,Cy,Ng,,ID-U2,,,,,05,\n"
             "U3,,,true,S1,student,doh,,Di,Oh,,ID-U3,,,,,05,\n"
             "T1,,,true,S1,teacher,alee,,Ann,Lee,,ID-T1,,,,,,\n")
#: 1.2: the roles in roles.csv
_USERS_12 = ("sourcedId,status,dateLastModified,enabledUser,username,givenName,familyName,"
             "identifier,email,grades\n"
             "U1,,,true,bkim,Bo,Kim,ID-U1,,05\nU2,,,true,cng,Cy,Ng,ID-U2,,05\n"
             "U3,,,true,doh,Di,Oh,ID-U3,,05\nT1,,,true,alee,Ann,Lee,ID-T1,,\n")
_ROLES = ("sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,"
          "orgSourcedId,userProfileSourcedId\n"
          "r1,,,U1,primary,student,,,S1,\nr2,,,U2,primary,student,,,S1,\n"
          "r3,,,U3,primary,student,,,S1,\nr4,,,T1,primary,teacher,,,S1,\n")
_DEMO = ("sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,"
         "asian,blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,"
         "demographicRaceTwoOrMoreRaces,hispanicOrLatinoEthnicity,countryOfBirthCode\n"
         "U1,,,2012-03-04,female,false,true,false,false,false,false,false,US\n"
         "U2,,,2012-05-06,male,false,false,false,false,true,false,true,\n"
         "T1,,,1980-01-02,male,,,,,,,,CA\n")
_PROFILES = ("sourcedId,status,dateLastModified,userSourcedId,profileType,vendorId,"
             "applicationId,description,credentialType,username,password\n"
             "p1,,,U1,lms,v1,app1,,,bk1,\np2,,,U1,sis,v2,app2,,,bk2,\n"
             "p3,,,T1,lms,v1,app1,,,al1,\n")
_VERSIONS = ("1.1", "1.2")


def _base_files(version: str) -> dict[str, str]:
    files = {"orgs": _ORGS, "classes": _CLASSES, "enrollments": _ENROLLMENTS,
             "users": _USERS_11 if version == "1.1" else _USERS_12, "demographics": _DEMO}
    if version == "1.2":
        files.update(roles=_ROLES, userProfiles=_PROFILES)
    return files


def _bundle(folder: Path, version: str, mode: str, files: dict[str, str]) -> Path:
    manifest = f"propertyName,value\noneroster.version,{version}\n" + "".join(
        f"file.{name},{mode}\n" for name in files)
    return write(folder, {"manifest.csv": manifest,
                          **{f"{name}.csv": text for name, text in files.items()}})


def _after(base: str, rows: str) -> str:
    """Base file text ``base`` after the delta's ``rows`` (no header), each keyed by its
    ``sourcedId``: the base's row of an id the delta gives or deletes goes, and the last
    row the delta gives of each id, when it is not a deletion, is added at the end."""
    head, *kept = base.splitlines()
    last: dict[str, str] = {}
    for row in rows.splitlines():
        last[row.split(",")[0].strip()] = row
    kept = [row for row in kept if row.split(",")[0] not in last]
    added = [row for row in last.values() if row.split(",")[1] != "tobedeleted"]
    return "\n".join([head, *kept, *added]) + "\n"


@contextmanager
def _way(way: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The readers' paths: column-wise where they may, by plain rows, or every row by the
    general row path, every user mended at the end."""
    with monkeypatch.context() as m:
        if way != "columns":
            m.setattr(oneroster_usertext, "COLUMN_USERS", False)
            m.setattr(oneroster_roles, "COLUMN_ROLES", False)
        if way == "general":
            m.setattr(oneroster_users.PlainRows, "read", lambda self, row, line: False)
            m.setattr(oneroster._Reader, "_mends", lambda self, rid, user: True)
            m.setattr(oneroster_profiles, "_student_key", lambda get, dob: object())
        yield


_WAYS = ("columns", "rows", "general")


def _apply(tmp_path: Path, version: str, delta: dict[str, str], way: str,
           monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    """(base + the delta of ``delta``'s rows, the bulk load after the change), both read
    ``way``."""
    files = _base_files(version)
    heads = {name: text.splitlines()[0] + "\n" for name, text in files.items()}
    with _way(way, monkeypatch):
        base = read_oneroster(_bundle(tmp_path / "base", version, "bulk", files))
        got = read_oneroster(_bundle(tmp_path / "delta", version, "delta", {
            name: heads[name] + rows for name, rows in delta.items()}), base=base)
        after = read_oneroster(_bundle(tmp_path / "after", version, "bulk", {
            **files, **{name: _after(files[name], rows) for name, rows in delta.items()}}))
    return got, after


def _records(r: Any) -> dict[str, dict[str, Any]]:
    return {k: dict(r.records(k)) for k in KINDS}


def _said(r: Any) -> list[tuple[str | None, int | None, str | None]]:
    return [(p.file, p.line, p.record_id) for p in r.problems]


def _demographics(u: Any) -> dict[str, Any]:
    st = u.roles.student
    out = {k: v for k, v in u.extra.items() if k.startswith(DEMOGRAPHICS_PREFIX)}
    if st is not None:
        out.update({k: v for k, v in st.extra.items() if k.startswith(DEMOGRAPHICS_PREFIX)})
        out.update({f: getattr(st, f) for f in ("dob", "gender", "race", "hispanic_ethnicity")
                    if getattr(st, f) is not None})
    return out


def _profile_ids(u: Any) -> list[str]:
    return [p["sourcedId"] for p in u.extra.get(PROFILES_KEY) or ()]


#: U1's and T1's demographics changed (U1's race and country of birth no longer given),
#: U3's given for the first time; U2's untouched
_DEMO_ROWS = ("U1,,,2011-01-01,female,false,false,false,false,true,false,true,\n"
              "T1,active,,1981-02-03,,,,,,,,,\n"
              "U3,,,2012-07-08,male,,,,,,,,MX\n")
#: p1 changed, p4 added to U2, p5 to T1; p2 and p3 untouched
_PROFILE_ROWS = ("p1,,,U1,lms,v1,app1,,,bk1-new,\np4,,,U2,lms,v1,app1,,,cn1,\n"
                 "p5,active,,T1,sis,v2,app2,,,al2,secret\n")


@pytest.mark.parametrize("way", _WAYS)
@pytest.mark.parametrize("version", _VERSIONS)
@pytest.mark.parametrize("resent", [False, True])
def test_rows_for_base_users_apply_as_a_bulk_load_after_the_change(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str, resent: bool,
        way: str) -> None:
    """Demographics (and, 1.2, profile) rows for users of the base, their users.csv rows
    left out of the delta (their records did not change) or re-sent (U1 renamed): each
    row updates its record, the others stay, as the bulk load after the change reads."""
    delta = {"demographics": _DEMO_ROWS}
    if version == "1.2":
        delta["userProfiles"] = _PROFILE_ROWS
    if resent:
        users = _base_files(version)["users"]
        delta["users"] = next(row for row in users.splitlines()
                              if row.startswith("U1,")).replace(",Kim,", ",Kimm,") + "\n"
    got, after = _apply(tmp_path, version, delta, way, monkeypatch)
    assert got.problems == []
    assert _records(got) == _records(after)
    u1 = got.users["U1"]
    assert _demographics(u1) == {"dob": "2011-01-01", "gender": "F", "race": "Caucasian",
                                 "hispanic_ethnicity": "Y"}
    assert _demographics(got.users["U3"])[DEMOGRAPHICS_PREFIX + "countryOfBirthCode"] == "MX"
    assert _demographics(got.users["U2"])["dob"] == "2012-05-06"  # (untouched: the base's)
    assert u1.name.last == ("Kimm" if resent else "Kim")
    if version == "1.2":
        assert _profile_ids(u1) == ["p2", "p1"]  # (the base's, then the delta's)
        assert u1.extra[PROFILES_KEY][1]["username"] == "bk1-new"
        assert _profile_ids(got.users["T1"]) == ["p3", "p5"]
        assert "password" not in got.users["T1"].extra[PROFILES_KEY][1]


@pytest.mark.parametrize("way", _WAYS)
@pytest.mark.parametrize("version", _VERSIONS)
def test_tobedeleted_rows_for_base_users_remove_their_records(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str, way: str) -> None:
    """U2's demographics and U1's profile p2 deleted, U1's demographics updated: the rest
    of each user stays, as the bulk load after the change reads."""
    delta = {"demographics": "U2,tobedeleted,,,,,,,,,,,\n"
                             "U1,,,2011-01-01,female,,,,,,,,\n"}
    if version == "1.2":
        delta["userProfiles"] = "p2,tobedeleted,,,,,,,,,\n"
    got, after = _apply(tmp_path, version, delta, way, monkeypatch)
    assert got.problems == []
    assert _records(got) == _records(after)
    assert _demographics(got.users["U2"]) == {}
    assert got.users["U2"].roles.student.school == "S1"
    assert _demographics(got.users["U1"]) == {"dob": "2011-01-01", "gender": "F"}
    if version == "1.2":
        assert _profile_ids(got.users["U1"]) == ["p1"]


@pytest.mark.parametrize("version", _VERSIONS)
@pytest.mark.parametrize("given_last", [False, True])
def test_a_row_given_and_deleted_in_one_file_follows_file_order(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str,
        given_last: bool) -> None:
    """U1's demographics row (and, 1.2, profile p1) given and deleted in one file: the last
    row wins; a deletion followed by a row giving the record again is not applied, with a
    problem at its line naming the later one."""
    give, drop = "U1,,,2011-01-01,male,,,,,,,,\n", "U1,tobedeleted,,,,,,,,,,,\n"
    delta = {"demographics": drop + give if given_last else give + drop}
    if version == "1.2":
        give, drop = "p1,,,U1,lms,v9,app9,,,bk9,\n", "p1,tobedeleted,,,,,,,,,\n"
        delta["userProfiles"] = drop + give if given_last else give + drop
    got, after = _apply(tmp_path, version, delta, "rows", monkeypatch)
    assert _records(got) == _records(after)
    u1 = got.users["U1"]
    assert _demographics(u1) == ({"dob": "2011-01-01", "gender": "M"} if given_last else {})
    if given_last:
        told = [("demographics.csv", 2, "U1")] + (  # (a bare profile row: its id)
            [("userProfiles.csv", 2, "p1")] if version == "1.2" else [])
        assert sorted(_said(got)) == told
        assert all("given again by a later row of this delta (line 3)" in p.message
                   for p in got.problems)
    else:
        assert got.problems == []
    if version == "1.2":
        assert _profile_ids(u1) == (["p2", "p1"] if given_last else ["p2"])


@pytest.mark.parametrize("version", _VERSIONS)
def test_a_row_for_a_user_neither_roster_holds_is_an_unknown_user(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str) -> None:
    """A row naming no user of the base or of the delta, or a user the delta's users.csv
    deletes (with its enrollment and role row), is "unknown user" at its file and line
    (the row in raw, no password), as in the bulk load after the change; the other rows
    apply."""
    users = _base_files(version)["users"]
    u2 = next(row for row in users.splitlines() if row.startswith("U2,"))
    delta = {"users": u2.replace("U2,,", "U2,tobedeleted,", 1) + "\n",
             "enrollments": "e3,tobedeleted,,,,,,,,\n",
             "demographics": "ZZ,,,2011-01-01,male,,,,,,,,\nU2,,,2011-01-01,male,,,,,,,,\n"
                             "U3,,,2012-07-08,male,,,,,,,,\n"}
    if version == "1.2":
        delta["userProfiles"] = "p8,,,ZZ,lms,v1,app1,,,zz1,pw\np4,,,U3,lms,v1,app1,,,do1,\n"
        delta["roles"] = "r2,tobedeleted,,,,,,,,\n"  # (U2's role row, as the user's)
    got, after = _apply(tmp_path, version, delta, "rows", monkeypatch)
    unknown = [(p.file, p.line, p.record_id) for p in got.problems
               if "for unknown user" in p.message]
    assert unknown == [("demographics.csv", 2, "ZZ"), ("demographics.csv", 3, "U2")] + (
        [("userProfiles.csv", 2, "ZZ")] if version == "1.2" else [])
    assert all(p.raw and "pw" not in p.raw for p in got.problems if p.record_id == "ZZ")
    assert [(p.file, p.record_id) for p in after.problems if "for unknown user" in p.message
            ] == [(f, rid) for f, _, rid in unknown]
    assert "U2" not in got.users and _records(got) == _records(after)
    assert _demographics(got.users["U3"]) == {"dob": "2012-07-08", "gender": "M"}
    if version == "1.2":
        assert _profile_ids(got.users["U3"]) == ["p4"]


def test_a_profile_given_again_for_another_user_is_that_users(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A profile row of a base profile's ``sourcedId`` naming another user: the record is
    that user's now (the base user keeps its other profiles), as in a bulk load."""
    got, after = _apply(tmp_path, "1.2", {"userProfiles": "p2,,,U2,sis,v2,app2,,,cn2,\n"},
                        "rows", monkeypatch)
    assert got.problems == [] and _records(got) == _records(after)
    assert _profile_ids(got.users["U1"]) == ["p1"]
    assert _profile_ids(got.users["U2"]) == ["p2"]


def test_a_spaced_id_names_the_base_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    """``' U1 '`` names base user U1 once the spaces are ignored: the row applies to it,
    with a problem keeping the cell given."""
    got, _ = _apply(tmp_path, "1.1", {"demographics": " U1 ,,,2011-01-01,male,,,,,,,,\n"},
                    "rows", monkeypatch)
    assert _said(got) == [("demographics.csv", 2, "U1")] and got.problems[0].raw == " U1 "
    assert _demographics(got.users["U1"]) == {"dob": "2011-01-01", "gender": "M"}


@pytest.mark.parametrize("way", _WAYS)
def test_a_role_row_and_a_demographics_row_for_a_user_the_delta_does_not_send(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, way: str) -> None:
    """1.2: U1 gets a second school (roles.csv) and new demographics, U2 new demographics
    only; neither re-sent: each as the bulk load after the change reads it."""
    got, after = _apply(tmp_path, "1.2", {
        "roles": "r1b,,,U1,secondary,student,,,S2,\n",
        "demographics": "U1,,,2011-01-01,male,,,,,,,,\nU2,,,2011-02-02,,,,,,,,,\n"},
        way, monkeypatch)
    assert got.problems == [] and _records(got) == _records(after)
    assert got.users["U1"].roles.student.schools == ("S1", "S2")
    assert _demographics(got.users["U1"]) == {"dob": "2011-01-01", "gender": "M"}
    assert _profile_ids(got.users["U1"]) == ["p1", "p2"]


_T1_STUDENT = {  # (the delta's rows making teacher T1 a student too, or instead)
    "1.1": {"users": "T1,,,true,S1,student,alee,,Ann,Lee,,ID-T1,,,,,05,\n"},
    "1.2": {"roles": "r4b,,,T1,secondary,student,,,S1,\n"},
    "1.2 re-sent": {"roles": "r4b,,,T1,secondary,student,,,S1,\n",
                    "users": "T1,,,true,alee,Ann,Lee,ID-T1,,05\n"},
}


@pytest.mark.parametrize("case", list(_T1_STUDENT))
def test_a_user_the_delta_makes_a_student_keeps_its_demographics_on_the_role(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    """The delta gives no demographics row for T1 (a teacher in the base, its demographics
    in extra) but makes it a student: the base's row is read as a student's, as the bulk
    load after the change reads it (not left in extra, nor lost)."""
    got, after = _apply(tmp_path, case[:3], _T1_STUDENT[case], "rows", monkeypatch)
    assert got.problems == [] and _records(got) == _records(after)
    assert _demographics(got.users["T1"]) == {
        "dob": "1980-01-02", "gender": "M", DEMOGRAPHICS_PREFIX + "countryOfBirthCode": "CA"}
    assert not any(k.startswith(DEMOGRAPHICS_PREFIX) for k in got.users["T1"].extra)


def _random_delta(version: str, seed: int) -> dict[str, str]:
    """A delta of random rows: per user (the base's four and a new one, N1), its users.csv
    row re-sent or not and its demographics row given, deleted, both (in either order) or
    left out; per profile id (the base's three and three new), the same, the row given
    naming any user; the rows of different records in random order."""
    rng = random.Random(seed)
    users = _base_files(version)["users"].splitlines()[1:]
    new_user = ("N1,,,true,S1,student,nn,,Ned,No,,ID-N1,,,,,05,\n" if version == "1.1"
                else "N1,,,true,nn,Ned,No,ID-N1,,05\n")
    sent = [row.replace(",Kim,", ",Kimm,") + "\n" for row in users if rng.random() < 0.5]
    out = {"users": "".join(sent) + new_user}
    if version == "1.2":
        out["roles"] = "r9,,,N1,primary,student,,,S1,\n"

    def rows_of(give: str, drop: str) -> list[str]:
        how = rng.choice(["", "give", "drop", "give drop", "drop give"])
        return [give if step == "give" else drop for step in how.split()]

    demo: list[list[str]] = []
    for uid in ("U1", "U2", "U3", "T1", "N1"):
        sex, white, country = (rng.choice(["male", "female", ""]), rng.choice(["true", ""]),
                               rng.choice(["", "US"]))
        give = (f"{uid},,,201{rng.randint(0, 9)}-01-0{rng.randint(1, 9)},{sex},,,,,{white},,,"
                f"{country}\n")
        demo.append(rows_of(give, f"{uid},tobedeleted,,,,,,,,,,,\n"))
    rng.shuffle(demo)
    out["demographics"] = "".join(row for rows in demo for row in rows)
    if version == "1.2":
        prof: list[list[str]] = []
        for pid in ("p1", "p2", "p3", "p7", "p8", "p9"):
            uid = rng.choice(["U1", "U2", "T1", "N1"])
            give = f"{pid},,,{uid},lms,v{rng.randint(1, 9)},app,,,{pid}-{uid},\n"
            prof.append(rows_of(give, f"{pid},tobedeleted,,,,,,,,,\n"))
        rng.shuffle(prof)
        out["userProfiles"] = "".join(row for rows in prof for row in rows)
    return out


@pytest.mark.parametrize("version", _VERSIONS)
@pytest.mark.parametrize("seed", range(12))
def test_random_deltas_give_what_a_bulk_load_after_the_change_gives(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str, seed: int) -> None:
    """Random demographics (and profile) rows, given, deleted or both, for users the delta
    re-sends or not: the records are the bulk load's after the change, and no row is
    "unknown user" (each names a user of the base or of the delta)."""
    got, after = _apply(tmp_path, version, _random_delta(version, seed), "rows", monkeypatch)
    assert _records(got) == _records(after)
    assert not any("unknown user" in p.message for p in got.problems)
