"""OneRoster ``demographics.csv`` (and 1.2 ``userProfiles.csv``) onto their users: what
Clever's student fields cannot say is kept, and written back."""

from __future__ import annotations

import csv
from pathlib import Path

import rostergraph
from rostergraph.io.oneroster import read_oneroster
from rostergraph.model import record_to_dict

_ORGS = ("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
         "D1,,,District,district,,\nS1,,,North,school,,D1\n")
_USERS = ("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,"
          "givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,"
          "password\n"
          "U1,,,true,S1,student,,,Ann,Lee,,,,,,,09,\nU2,,,true,S1,student,,,Bo,Kim,,,,,,,09,\n"
          "U3,,,true,S1,student,,,Cy,Day,,,,,,,09,\nT1,,,true,S1,teacher,,,Di,Eze,,,,,,,,\n")
_HEAD = ("sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,asian,"
         "blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,"
         "demographicRaceTwoOrMoreRaces,hispanicOrLatinoEthnicity,countryOfBirthCode,"
         "stateOfBirthAbbreviation,cityOfBirth,publicSchoolResidenceStatus\n")
_DEMOGRAPHICS = _HEAD + (
    # two races (in any case), 'unspecified' sex, a bulk row's status and date
    "U1,active,2024-08-01T00:00:00.000Z,2010-01-02,unspecified,FALSE,TRUE,false,,True,TRUE,"
    "TRUE,US,CA,Fresno,01652\n"
    # one race: the race says it all
    "U2,,,2010-03-04,female,,,,,TRUE,,false,,,,\n"
    # 'other' sex, an ethnicity that is no boolean
    "U3,,,2010-05-06,other,,,,,,,Unknown,,,,\n"
    # a teacher's row: no student role to hold it
    "T1,,,1980-07-08,male,,,,,true,,false,MX,,Oaxaca,\n")


def _bundle(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name, text in {"orgs.csv": _ORGS, "users.csv": _USERS,
                       "demographics.csv": _DEMOGRAPHICS}.items():
        (folder / name).write_text(text, encoding="utf-8", newline="")
    return folder


def _rows(path: Path) -> dict[str, dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return {row["sourcedId"]: row for row in csv.DictReader(fh)}


def test_demographics_clever_cannot_say_are_kept_and_written_back(tmp_path: Path) -> None:
    """Which races a student of two or more races is, ``sex=unspecified`` (Clever's ``X``
    is also ``other``), an ethnicity cell that is no boolean and a row's status and date
    are kept; written back, demographics.csv says them again and reads the same."""
    r = read_oneroster(_bundle(tmp_path / "b"))
    u1 = r.users["U1"].roles.student
    assert (u1.race, u1.gender, u1.hispanic_ethnicity) == ("Two or More Races", "X", "Y")
    assert r.users["U2"].roles.student.race == "Caucasian"
    rostergraph.write_oneroster(r, tmp_path / "out")
    written = _rows(tmp_path / "out" / "demographics.csv")
    sent = _rows(tmp_path / "b" / "demographics.csv")
    for col in ("asian", "white", "sex", "status", "dateLastModified"):
        assert written["U1"][col] == sent["U1"][col], col
    assert written["U1"]["americanIndianOrAlaskaNative"].lower() in ("", "false")
    assert written["U3"]["sex"] == "other"
    assert written["U3"]["hispanicOrLatinoEthnicity"] == "Unknown"
    again = read_oneroster(tmp_path / "out")
    for uid in ("U1", "U2", "U3"):
        assert record_to_dict(again.users[uid]) == record_to_dict(r.users[uid])


def test_demographics_are_written_to_their_columns(tmp_path: Path) -> None:
    """Every demographics cell read goes back to its own demographics.csv column, with or
    without extensions: a student's other columns (country, city of birth) and a
    teacher's row (before, the first went only into the extension JSON and the second
    into extension columns of users.csv)."""
    r = read_oneroster(_bundle(tmp_path / "b"))
    sent = _rows(tmp_path / "b" / "demographics.csv")
    for extensions in (True, False):
        out = tmp_path / f"out-{extensions}"
        rostergraph.write_oneroster(r, out, extensions=extensions)
        written = _rows(out / "demographics.csv")
        assert set(written) == {"U1", "U2", "U3", "T1"}
        for col in ("countryOfBirthCode", "stateOfBirthAbbreviation", "cityOfBirth",
                    "publicSchoolResidenceStatus"):
            assert written["U1"][col] == sent["U1"][col], col
        for col, value in sent["T1"].items():
            assert written["T1"][col] == value, col
        with open(out / "users.csv", newline="", encoding="utf-8") as fh:
            assert not [h for h in next(csv.reader(fh)) if "demographics" in h]
        again = read_oneroster(out)
        assert record_to_dict(again.users["T1"]) == record_to_dict(r.users["T1"])


def test_a_padded_user_id_finds_its_user_and_an_unknown_one_keeps_its_row(
        tmp_path: Path) -> None:
    """demographics.csv and userProfiles.csv name their user as every other OneRoster
    reference does: ``" U2 "`` is U2 once spaces around ids are ignored (read so, said),
    and a row for no user is not loaded but kept in its problem (a password left out)."""
    folder = _bundle(tmp_path / "b")
    (folder / "demographics.csv").write_text(
        _HEAD + " U2 ,,,2010-03-04,female,,,,,TRUE,,false,,,,\n"
        "U9,,,2011-01-01,male,,,,,,,,,,Reno,\n", encoding="utf-8", newline="")
    (folder / "userProfiles.csv").write_text(
        "sourcedId,status,dateLastModified,userSourcedId,profileType,vendorId,"
        "applicationId,description,credentialType,username,password\n"
        "P1,,,U1 ,lms,v1,a1,,password,ann1,hunter2\n"
        "P2,,,U8,lms,v1,a1,,password,zed,hunter3\n", encoding="utf-8", newline="")
    r = read_oneroster(folder)
    st = r.users["U2"].roles.student
    assert (st.dob, st.gender, st.race) == ("2010-03-04", "F", "Caucasian")
    assert r.users["U1"].extra["oneroster.userProfiles"][0]["username"] == "ann1"
    said = {(p.file, p.field, p.raw) for p in r.problems if "once spaces" in p.message}
    assert said == {("demographics.csv", "sourcedId", " U2 "),
                    ("userProfiles.csv", "userSourcedId", "U1 ")}
    unknown = {p.file: p for p in r.problems if "unknown user" in p.message}
    assert set(unknown) == {"demographics.csv", "userProfiles.csv"}
    assert "Reno" in (unknown["demographics.csv"].raw or "")
    assert "zed" in (unknown["userProfiles.csv"].raw or "")
    assert "hunter" not in repr(r.problems)


def test_a_profile_password_in_any_spelling_is_never_kept(tmp_path: Path) -> None:
    folder = _bundle(tmp_path / "b")
    (folder / "userProfiles.csv").write_text(
        "sourcedId,status,dateLastModified,userSourcedId,profileType,vendorId,"
        "applicationId,description,credentialType,username,Password, PASSWORD \n"
        "P1,,,U1,lms,v1,a1,,password,ann1,hunter2,hunter3\n", encoding="utf-8", newline="")
    r = read_oneroster(folder)
    assert r.users["U1"].extra["oneroster.userProfiles"][0]["username"] == "ann1"
    assert "hunter" not in repr(dict(r.users["U1"].extra))
