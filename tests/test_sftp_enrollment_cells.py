"""Clever SFTP ``enrollments.csv`` columns beyond the spec's (``School_id``,
``Section_id``, ``Student_id``) keep their cells on the enrollment's section, as the
OneRoster reader keeps an ``enrollments.csv`` row's other cells
(``extra["oneroster.enrollmentCells"]``, grouped by value), the same whichever path reads
the file; the SFTP writer writes them back, so a roundtrip loses nothing. They were told
as a problem and lost."""

from __future__ import annotations

from pathlib import Path

import pytest

import rostergraph
from rostergraph.io.clever_csv import read_clever_csv
from rostergraph.io.enrollcells import ENROLLMENT_CELLS_KEY
from rostergraph.io.write_oneroster import write_oneroster
from rostergraph.io.write_sftp import write_clever_csv
from rostergraph.model import Section
from tests.test_clever_csv import _folder

_HEAD = "School_id,Section_id,Student_id,Start_date,Seat\n"
_ROWS = ("sA,se1,st1,2024-08-01,\n"
         "sA,se1,st2,2024-08-01,B2\n"
         "sA,se2,st1,,\n"
         "sA,nope,st3,2024-09-09,Z9\n"     # an unknown section: not loaded, not kept
         "sA,se1,st1,2099-01-01,\n")       # the same enrollment again: the first kept
_WANT = {"Start_date": {"student": {"2024-08-01": ["st1", "st2"]}},
         "Seat": {"student": {"B2": ["st2"]}}}
_SHAPES = {"clean": "", "row-by-row": "sB,se3\n"}  # (a short row: a syntax problem)


@pytest.mark.parametrize("shape", sorted(_SHAPES))
def test_cells_are_kept_noted_and_not_a_problem(shape: str, tmp_path: Path) -> None:
    r = read_clever_csv(_folder(tmp_path / shape,
                                **{"enrollments.csv": _HEAD + _ROWS + _SHAPES[shape]}))
    assert r.sections["se1"].students == ("st1", "st2")
    assert r.sections["se1"].extra[ENROLLMENT_CELLS_KEY] == _WANT
    assert ENROLLMENT_CELLS_KEY not in r.sections["se2"].extra
    assert not [p for p in r.problems if p.file == "enrollments.csv" and p.line == 1]
    note = next(n for n in r.provenance.notes if ENROLLMENT_CELLS_KEY in n)
    assert note.startswith("enrollments.csv: Start_date (2 rows), Seat (1 rows) kept")


def test_a_credential_column_is_still_told_and_never_kept(tmp_path: Path) -> None:
    r = read_clever_csv(_folder(tmp_path, **{"enrollments.csv": (
        "School_id,Section_id,Student_id,Start_date,Password\nsA,se1,st1,2024-08-01,hunter2\n")}))
    assert r.sections["se1"].extra[ENROLLMENT_CELLS_KEY] == {
        "Start_date": {"student": {"2024-08-01": ["st1"]}}}
    told = [p for p in r.problems if p.file == "enrollments.csv" and p.line == 1]
    assert len(told) == 1 and told[0].field == "Password"
    assert "hunter2" not in repr(r.problems) + repr(r.sections["se1"])


def test_cells_are_written_back_by_both_writers(tmp_path: Path) -> None:
    r = read_clever_csv(_folder(tmp_path, **{"enrollments.csv": _HEAD + _ROWS}))
    write_clever_csv(r, tmp_path / "sftp-out")
    head = (tmp_path / "sftp-out" / "enrollments.csv").read_text().splitlines()[0]
    assert head.endswith(",Start_date,Seat")
    back = read_clever_csv(tmp_path / "sftp-out")
    assert back.sections["se1"].extra[ENROLLMENT_CELLS_KEY] == _WANT
    assert not rostergraph.diff(r, back).records(change="changed")
    write_oneroster(r, tmp_path / "or-out")
    assert rostergraph.load(tmp_path / "or-out").sections["se1"].extra[
        ENROLLMENT_CELLS_KEY] == _WANT


def test_cells_no_student_row_holds_are_carried_or_told(tmp_path: Path) -> None:
    """A teacher's cells (a OneRoster roster's), or a student's no longer enrolled, have
    no SFTP row: carried in rostergraph_records.csv (read back the same), counted in the
    report; without extensions counted as dropped."""
    cells = {"beginDate": {"student": {"2024-08-19": ["s1", "s9"]},
                           "teacher": {"2024-08-19": ["t1"]}}}
    r = rostergraph.Roster(sections=[Section(id="c1", school="sA", students=("s1",),
                                             teachers=("t1",), teacher="t1",
                                             extra={ENROLLMENT_CELLS_KEY: cells})])
    report = write_clever_csv(r, tmp_path / "out")
    told = [row for row in report.to_dicts() if "enrollmentCells" in row["field"]]
    assert told and {row["how"] for row in told} == {"extension"}
    assert read_clever_csv(tmp_path / "out").sections["c1"].extra[ENROLLMENT_CELLS_KEY] == cells
    report = write_clever_csv(r, tmp_path / "bare", extensions=False)
    assert {row["how"] for row in report.to_dicts()
            if "enrollmentCells" in row["field"]} == {"dropped"}
    assert read_clever_csv(tmp_path / "bare").sections["c1"].extra[ENROLLMENT_CELLS_KEY] == {
        "beginDate": {"student": {"2024-08-19": ["s1"]}}}


@pytest.mark.parametrize("shape", sorted(_SHAPES))
def test_the_row_by_row_oracle_keeps_the_same_cells(shape: str, tmp_path: Path) -> None:
    """The column-wise reader and the row-by-row oracle (tests/csv_oracle) agree on the
    kept cells, the note and the problems, a credential's column too."""
    from tests.test_csv_equivalence import assert_same

    head = _HEAD.replace("Seat", "Seat,Password")
    rows = "".join(line[:-1] + ",pw\n" for line in _ROWS.splitlines(keepends=True))
    r = assert_same("sftp", _folder(tmp_path / shape,
                                    **{"enrollments.csv": head + rows + _SHAPES[shape]}))
    assert r.sections["se1"].extra[ENROLLMENT_CELLS_KEY] == _WANT
    assert [p.field for p in r.problems if p.line == 1] == ["Password"]


@pytest.mark.parametrize("shape", sorted(_SHAPES))
def test_a_nameless_column_groups_are_sorted_too(shape: str, tmp_path: Path) -> None:
    """A column without a name (a header cell left blank) keeps its cells like any other,
    each group's users sorted (a group is a set), whichever path reads the file."""
    head = ",Section_id,Student_id\n"
    rows = "X,se1,st2\nX,se1,st1\n"
    r = read_clever_csv(_folder(tmp_path / shape, **{"enrollments.csv": head + rows + (
        "se3\n" if _SHAPES[shape] else "")}))
    assert r.sections["se1"].extra[ENROLLMENT_CELLS_KEY] == {
        "": {"student": {"X": ["st1", "st2"]}}}
