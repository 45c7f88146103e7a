"""A OneRoster ``demographics.csv`` ``birthDate`` that is no date in any form the readers
parse (``23/03/2008``, ``2008-02-30``, ``unknown``) is kept as given with a
problem naming file, line, user and column, as the Clever SFTP reader does for ``DOB``.
It was silent, and the writers leave such a value out of their ISO 8601 columns."""

from __future__ import annotations

from pathlib import Path

import rostergraph

FILES = {
    "manifest.csv": "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n"
                    "file.orgs,bulk\nfile.users,bulk\nfile.demographics,bulk\n",
    "orgs.csv": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
                "sA,,,School A,school,,\n",
    "users.csv": "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,"
                 "givenName,familyName\n"
                 + "".join(f"s{k},,,true,sA,student,s{k},Stu,Dent\n" for k in range(1, 6))
                 + "t1,,,true,sA,teacher,t1,Tea,Cher\n",
    "demographics.csv": "sourcedId,status,dateLastModified,birthDate,sex\n"
                        "s1,,,2008-03-23,male\n"
                        "s2,,,23/03/2008,female\n"
                        "s3,,,03/23/2008,female\n"
                        "s4,,,2008-02-30,male\n"
                        "s5,,,,male\n"
                        "t1,,,unknown,female\n",
}


def test_a_birth_date_that_is_no_date_is_kept_with_a_problem(tmp_path: Path) -> None:
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    r = rostergraph.load(tmp_path)
    assert r.users["s2"].roles.student.dob == "23/03/2008"
    assert r.users["s3"].roles.student.dob == "03/23/2008"
    assert (r.users["t1"].extra or {})["oneroster.demographics.birthDate"] == "unknown"
    assert [(p.code, p.file, p.line, p.record_id, p.field) for p in r.problems] == [
        ("other", "demographics.csv", 3, "s2", "birthDate"),
        ("other", "demographics.csv", 5, "s4", "birthDate"),
        ("other", "demographics.csv", 7, "t1", "birthDate")]
    assert all("kept as given" in p.message for p in r.problems)


def test_a_spreadsheet_birth_date_with_a_time_of_day_is_a_date(tmp_path: Path) -> None:
    """``3/23/2008 12:00:00 AM`` (a date as spreadsheets and .NET exports write it) is
    a date: no problem, kept as given, written to OneRoster as ``2008-03-23``."""
    files = dict(FILES, **{"demographics.csv": "sourcedId,status,dateLastModified,"
                           "birthDate,sex\ns1,,,3/23/2008 12:00:00 AM,male\n"
                           "s2,,,2008/03/24 00:00,female\n"})
    for name, text in files.items():
        (tmp_path / "in" / name).parent.mkdir(exist_ok=True)
        (tmp_path / "in" / name).write_text(text)
    r = rostergraph.load(tmp_path / "in")
    assert not r.problems
    assert r.users["s1"].roles.student.dob == "3/23/2008 12:00:00 AM"
    rostergraph.write_oneroster(r, tmp_path / "out", extensions=False)
    written = (tmp_path / "out" / "demographics.csv").read_text()
    assert "2008-03-23" in written and "2008-03-24" in written


def test_a_birth_date_that_is_no_date_is_in_raw_not_in_the_message(tmp_path: Path) -> None:
    """Privacy modes leave a problem's raw out; a message is only scrubbed of what looks
    like a date, so the value must not be in it."""
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    r = rostergraph.load(tmp_path)
    said = [p for p in r.problems if p.field == "birthDate"]
    assert [p.raw for p in said] == ["23/03/2008", "2008-02-30", "unknown"]
    assert not any(p.raw in p.message for p in said)
