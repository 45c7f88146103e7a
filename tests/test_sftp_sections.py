"""A Clever SFTP sections.csv read column by column (rostergraph/io/sftp_sections.py)
gives exactly what the row path gives: the same sections, terms and courses in the same
order, the same problems (course problems in line order), notes, graph and rule
columns; and a file the row path would tell anything else of is left to the row path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from rostergraph.io import clever_csv, sftp_sections
from rostergraph.io.clever_csv import read_clever_csv
from rostergraph.model import record_to_dict
from tests.test_clever_csv import SECTIONS, TEACHERS, _folder
from tests.test_collect import assert_same_columns, same_either_way, same_error_either_way
from tests.test_sftp_students import generated_sftp


def _both(path: Path, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> tuple[Any, list[bool]]:
    """The upload read with sections.csv column by column and on the row path, compared;
    and whether each read of the column path took the file."""
    took: list[bool] = []
    real = sftp_sections.read_section_columns

    def spy(rd: Any, t: Any) -> bool:
        got = real(rd, t)
        took.append(got)
        return got

    monkeypatch.setattr(clever_csv, "read_section_columns", spy)
    new, old = same_either_way(lambda: read_clever_csv(path, **kw), monkeypatch,
                               sftp_sections, "COLUMN_SECTIONS")
    assert_same_columns(new, old)
    # (each record's JSON text: its keys in the same order too)
    for kind in ("sections", "terms", "courses"):
        assert [orjson.dumps(record_to_dict(r)) for r in new.records(kind).values()] == [
            orjson.dumps(record_to_dict(r)) for r in old.records(kind).values()]
    assert list(new.terms) == list(old.terms) and list(new.courses) == list(old.courses)
    return new, took[:1]


@pytest.mark.parametrize(("seed", "quirks", "extensions"), [
    (31, "high", False), (32, "default", True), (33, "high", True)])
def test_generated_districts_read_as_the_row_path_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, quirks: str,
        extensions: bool) -> None:
    new, took = _both(generated_sftp(tmp_path, seed, quirks, extensions), monkeypatch)
    assert took == [True] and len(new.sections) > 10


#: Sections whose courses and terms the row path tells of (a course named otherwise in a
#: later row, a number or description without a name, another description) and builds
#: otherwise (a term or course id given), a co-teacher whose id is a student's, a
#: Teacher_id cell empty but for a co-teacher, a school and teacher no record has, a
#: column no field takes.
_SECTIONS = (
    "Section_id,School_id,Teacher_id,Teacher_2_id,Teacher_3_id,Name,Course_name,"
    "Course_number,Course_description,Course_id,Term_name,Term_start,Term_end,Term_id,Room\n"
    "se1,sA,t1,t2,,Math 3,Math,MA3,Numbers,,Fall,2024-08-19,2024-12-20,,R1\n"
    "se2,sA,t2,,,Art,Art,AR1,,,Fall,2024-08-19,2024-12-20,,\n"
    "se3,sB,t1,,,Math 3b,Math (B),MA3,Other words,,,,,,R2\n"
    "se4,sB,,,,No teacher,,NUM-ONLY,,,,,2025-06-01,,\n"
    "se5,sB,,st2,,Desc only,,,Lonely,,,,,T9,\n"
    "se6,sZ,tZ,,,Ghosts,Art,AR1,,,Fall,2024-08-19,2024-12-20,,\n"
    "se7,sA,t1,,,Given ids,Math,MA3,,CID,Spring,,,TID,\n"
    "se8,sA,,t2,t1,Co only,Art,AR1,Words,,,,,,\n"
    "se10,sB,st3,,,A teacher with a student's id,,,,,,,,,\n"
    "se11,sB,t1,st3,,Co-teacher with a student's id,,,,,,,,,\n")
#: A teacher whose id is a student's (the reader gives it another id).
_TEACHERS = TEACHERS + "st3,sB,Sam,Three,st3t@x.org,Science\n"


def test_courses_terms_and_teachers_read_as_the_row_path_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    new, took = _both(_folder(tmp_path, **{"sections.csv": _SECTIONS,
                                           "teachers.csv": _TEACHERS}), monkeypatch)
    assert took == [True]
    assert new.sections["se10"].teacher == new.sections["se11"].teachers[1] != "st3"
    lines = [p.line for p in new.problems if p.file == "sections.csv"]
    assert lines == sorted(lines) and len(lines) >= 5
    assert new.sections["se8"].teachers == ("t2", "t1") and new.sections["se8"].teacher is None
    assert new.sections["se1"].extra["sftp.Room"] == "R1"


@pytest.mark.parametrize("sections", [
    SECTIONS,  # (the suite's own upload)
    SECTIONS.replace("Teacher_id,Teacher_2_id,Teacher_3_id,", "").replace(
        ",t1,t2,,", ",").replace(",t2,,,", ",").replace(",t1,,,", ",").replace(",,,,", ","),
    "Section_id,Name\nse1,One\nse2,\n",  # (no school, teacher, term or course columns)
])
def test_other_headers_read_as_the_row_path_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sections: str) -> None:
    _, took = _both(_folder(tmp_path, **{"sections.csv": sections}), monkeypatch)
    assert took == [True]


@pytest.mark.parametrize(("row", "told"), [
    (" se9,sA,t1,,,Spaced id,,,,,,,,,\n", False),  # (noted, for references to it)
    ('="0099",sA,t1,,,Formula id,,,,,,,,,\n', True),
    ("se1,sA,t1,,,Again,,,,,,,,,\n", True),  # (a section given twice)
    (",sA,t1,,,No id,,,,,,,,,\n", True),
    ("se9, sA,t1,,,Spaced school,,,,,,,,,\n", True),
    ("se9,sA, t1,,,Spaced teacher,,,,,,,,,\n", True),
    ("se9,sA,t1, t2,,Spaced co-teacher,,,,,,,,,\n", True),
    ("se9,sA,t1,t2,t1,A co-teacher twice,,,,,,,,,\n", True),
])
def test_rows_the_row_path_tells_of_leave_it_the_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, row: str, told: bool) -> None:
    new, took = _both(_folder(tmp_path, **{"sections.csv": _SECTIONS + row}), monkeypatch)
    assert took == [False]
    assert told == any(p.file == "sections.csv" and p.line == _SECTIONS.count("\n") + 1
                       for p in new.problems)


def test_strict_mode_raises_the_same_problem(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    path = _folder(tmp_path, **{"sections.csv": _SECTIONS})
    same_error_either_way(lambda: read_clever_csv(path, strict=True), monkeypatch,
                          sftp_sections, "COLUMN_SECTIONS")
