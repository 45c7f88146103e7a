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
