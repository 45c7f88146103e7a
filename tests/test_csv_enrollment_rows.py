"""``enrollments.csv`` rows that are problems, in both CSV formats: each problem names its
file, line and record and carries the row's text (a password cell left out), as the
problems about the other files' rows do, whichever way the file is read (a clean file a
column at a time, any other row by row) and as the row-by-row oracle reads it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import rostergraph
from tests.test_csv_equivalence import assert_same
from tests.test_oneroster_variants import ENR_HEAD, bundle, write

#: A row the readers cannot read (too few cells): the file is then read row by row.
_RAGGED = {"oneroster": "e99,,,c1\n", "sftp": "sA\n"}

_SFTP = {
    "schools.csv": "School_id,School_name\nsA,Alpha\nsB,Beta\n",
    "students.csv": "School_id,Student_id,First_name,Last_name\nsA,st1,Ann,Fake\n"
                    "sA,st2,Bo,Fake\n",
    "teachers.csv": "School_id,Teacher_id,First_name,Last_name\nsA,t1,Tia,Fake\n",
    "sections.csv": "School_id,Section_id,Teacher_id,Name\nsA,se1,t1,Math\n",
}


def _sftp(folder: Path, enrollments: str) -> Path:
    return write(folder, {**_SFTP, "enrollments.csv": enrollments})


def _raws(r: rostergraph.Roster) -> dict[int, dict[str, str]]:
    return {p.line: json.loads(p.raw) for p in r.problems  # type: ignore[misc]
            if p.file == "enrollments.csv" and p.code != "syntax" and p.line != 1}


@pytest.mark.parametrize("ragged", [False, True], ids=["column-wise", "row-by-row"])
def test_oneroster_enrollment_problems_carry_the_row_text(tmp_path: Path,
                                                          ragged: bool) -> None:
    """Every row of ``enrollments.csv`` that is a problem (unknown class, no user, no role,
    a repeated id, a second primary teacher) has the row's cells in ``raw``."""
    head = ENR_HEAD.rstrip("\n") + ",password\n"
    enr = head + ("e1,,,c1,sA,s1,student,,,,\n"
                  "e2,,,cX,sA,s1,student,,,,pw2\n"
                  "e3,,,c1,sA,,student,,,,\n"
                  "e4,,,c1,sA,s2,,,,,\n"
                  "e1,,,c2,sA,s2,student,,,,\n"
                  "e6,,,c1,sA,t1,teacher,true,,,\n"
                  "e7,,,c1,sA,s2,teacher,true,,,pw7\n")
    if ragged:
        enr += _RAGGED["oneroster"]
    r = assert_same("oneroster", bundle(tmp_path, enrollments_csv=enr))
    raws = _raws(r)
    assert sorted(raws) == [3, 4, 5, 6, 8]
    assert raws[3]["classSourcedId"] == "cX" and raws[6]["classSourcedId"] == "c2"
    assert raws[8]["userSourcedId"] == "s2" and raws[8]["primary"] == "true"
    assert all("password" not in raw for raw in raws.values())


@pytest.mark.parametrize("ragged", [False, True], ids=["column-wise", "row-by-row"])
def test_sftp_enrollment_problems_carry_the_row_text(tmp_path: Path, ragged: bool) -> None:
    """Every SFTP enrollment row that is a problem (unknown section, no student, a pair
    given twice, a ``School_id`` that is not the section's) has the row's cells in ``raw``
    (a ``Password`` column, which Clever's enrollments do not have, left out all the same);
    an id read once spaces around it are ignored keeps the cell as given."""
    enr = ("School_id,Section_id,Student_id,Password\n"
           "sA,se1,st1,\n"
           "sA,seX,st1,pw\n"
           "sA,se1,,\n"
           "sA,se1,st1,\n"
           "sB,se1,st2,pw\n"
           "sA,se1, st2,\n")
    if ragged:
        enr += _RAGGED["sftp"]
    r = assert_same("sftp", _sftp(tmp_path / "sftp", enr))
    said = {(p.line, p.field): p.raw for p in r.problems
            if p.file == "enrollments.csv" and p.code != "syntax"}
    rows = {line: json.loads(raw) for (line, field), raw in said.items()
            if raw and field != "Student_id" and line != 1}
    assert sorted(rows) == [3, 4, 5, 6, 7]  # (7: st2 given twice once read as st2)
    assert rows[3]["Section_id"] == "seX" and rows[6]["School_id"] == "sB"
    assert all("Password" not in row for row in rows.values())
    assert said[(7, "Student_id")] == " st2"  # (the cell as given)


@pytest.mark.parametrize("ragged", [False, True], ids=["column-wise", "row-by-row"])
def test_oneroster_enrollment_without_its_id_loads_and_is_said(tmp_path: Path,
                                                               ragged: bool) -> None:
    """An enrollment row with an empty ``sourcedId`` (OneRoster requires one) states a whole
    link (class, user, role): the student is on the class (dropping it would orphan them),
    and a problem names file, line, class and column, with the row's text."""
    enr = ENR_HEAD + ("e1,,,c1,sA,s1,student,,,\n"
                      ",,,c1,sA,s2,student,,,\n"
                      ",,,c2,sA,s2,aide,,,\n")
    if ragged:
        enr += _RAGGED["oneroster"]
    r = assert_same("oneroster", bundle(tmp_path, enrollments_csv=enr))
    assert r.sections["c1"].students == ("s1", "s2")
    assert r.sections["c2"].extra["oneroster.enrollments.aide"] == ["s2"]
    said = [p for p in r.problems if p.field == "sourcedId"]
    assert [(p.file, p.line, p.record_id, p.code) for p in said] == [
        ("enrollments.csv", 3, "c1", "other"), ("enrollments.csv", 4, "c2", "other")]
    assert json.loads(said[0].raw or "")["userSourcedId"] == "s2"


@pytest.mark.parametrize("ragged", [False, True], ids=["column-wise", "row-by-row"])
def test_oneroster_enrollments_without_an_id_column_load_and_are_said_once(
        tmp_path: Path, ragged: bool) -> None:
    """An ``enrollments.csv`` with no ``sourcedId`` column at all: every enrollment loads,
    and one problem on line 1 says so (not one per row)."""
    enr = "classSourcedId,schoolSourcedId,userSourcedId,role\nc1,sA,s1,student\nc1,sA,s2,student\n"
    if ragged:
        enr += "c1\n"
    r = assert_same("oneroster", bundle(tmp_path, enrollments_csv=enr))
    assert r.sections["c1"].students == ("s1", "s2")
    said = [(p.line, p.code) for p in r.problems if p.field == "sourcedId"]
    assert said == [(1, "other")]


@pytest.mark.parametrize("ragged", [False, True], ids=["column-wise", "row-by-row"])
def test_oneroster_enrollment_at_another_school_is_kept_and_said(tmp_path: Path,
                                                                 ragged: bool) -> None:
    """An enrollment whose ``schoolSourcedId`` is not its class's (OneRoster: they should be
    equal) is kept (the class names the school) and is a problem naming both schools, the
    class's line, the column and the row's text, as SFTP's ``School_id`` check does."""
    enr = ENR_HEAD + ("e1,,,c1,sA,s1,student,,,\n"
                      "e2,,,c1,sB,t1,teacher,true,,\n"
                      "e3,,,c2,,s2,student,,,\n")
    if ragged:
        enr += _RAGGED["oneroster"]
    r = assert_same("oneroster", bundle(tmp_path, enrollments_csv=enr))
    assert r.sections["c1"].teachers == ("t1",) and r.sections["c1"].school == "sA"
    said = [p for p in r.problems if p.field == "schoolSourcedId"]
    assert [(p.file, p.line, p.record_id) for p in said] == [("enrollments.csv", 3, "c1")]
    assert "'sB'" in said[0].message and "'sA', classes.csv line 2" in said[0].message
    assert json.loads(said[0].raw or "")["sourcedId"] == "e2"
