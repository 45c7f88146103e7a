"""students.csv read column-wise (rostergraph/io/sftp_students.py) gives exactly what the
row path gives: the same records in the same order, the same problems, notes, graph and
rule columns, on messy uploads (ids given twice, spaced or as formulas, unknown schools,
dates that are no dates, quotes and private-use characters in cells, long cells,
contacts shared by siblings, a contact or teacher id that is a student's, records of the
extension file merged into a student)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rostergraph
from rostergraph.io import clever_csv, handed_runs, parked, sftp_students
from rostergraph.io.clever_csv import read_clever_csv
from rostergraph.io.write_sftp import write_clever_csv
from rostergraph.synth import district, write_district
from tests.test_collect import (
    assert_same_roster,
    read_by_the_csv_module,
    same_either_way,
    same_error_either_way,
)


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _both(path: Path, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> tuple[Any, Any, list[Any]]:
    """The roster read with students.csv column-wise and on the row path, compared; and
    what the column-wise plan took (one entry per students.csv read)."""
    plans: list[Any] = []
    real = sftp_students.plan_students

    def spy(*args: Any) -> Any:
        got = real(*args)
        plans.append(got)
        return got

    monkeypatch.setattr(clever_csv, "plan_students", spy)
    new, old = same_either_way(lambda: read_clever_csv(path, **kw), monkeypatch,
                               sftp_students, "COLUMN_STUDENTS")
    assert new.provenance.files == old.provenance.files
    return new, old, plans


def generated_sftp(tmp_path: Path, seed: int, quirks: str, extensions: bool = False) -> Path:
    """A generated S district (``quirks`` at their rate) written as a Clever SFTP upload
    under ``tmp_path``; its folder."""
    roster = rostergraph.load(write_district(tmp_path / "jsonl", "S", seed=seed,
                                             quirks=quirks), cache=False)
    out = tmp_path / "sftp"
    write_clever_csv(roster, out, extensions=extensions)
    return out


_STUDENT_HEAD = ["School_id", "Student_id", "Last_name", "First_name", "Grade", "DOB",
                 "Student_email", "Password", "Bus", "Contact_id", "Contact_name",
                 "Contact_sis_id", "Contact_relationship", "Contact_2_name", "Contact_2_email"]


def _messy(tmp: Path, students: list[list[str]], *, records: bool = True) -> Path:
    (tmp / "schools.csv").write_text("School_id,School_name\nsch1,One\nsch2,Two\n",
                                     encoding="utf-8")
    (tmp / "students.csv").write_text(_csv([_STUDENT_HEAD, *students]), encoding="utf-8")
    (tmp / "teachers.csv").write_text(
        "School_id,Teacher_id,Teacher_email,First_name,Last_name\n"
        "sch1,t1,t1@x.org,Tea,Cher\nsch2,s12,t2@x.org,Other,Person\n", encoding="utf-8")
    (tmp / "staff.csv").write_text("School_id,Staff_id,Staff_email,Role\n"
                                   "sch1,f1,t1@x.org,Counselor\n", encoding="utf-8")
    (tmp / "sections.csv").write_text("School_id,Section_id,Teacher_id,Name\n"
                                      "sch1,sec1,t1,Math\n", encoding="utf-8")
    (tmp / "enrollments.csv").write_text(
        "School_id,Section_id,Student_id\nsch1,sec1,s1\nsch1,sec1,s2\nsch1,sec1,s4\n",
        encoding="utf-8")
    if records:
        (tmp / "rostergraph_records.csv").write_text(_csv([
            ["Kind", "Id", "Clever_json"],
            ["users", "s5", '{"name": {"middle": "Q"}, "email": "zz"}']]), encoding="utf-8")
    return tmp


_ROWS = [
    ["sch1", "s1", "Ann", "A", "3", "01/02/2012", "a@x.org", "", "b1", "", "P One", "p1",
     "Mother", "", ""],
    ["sch1", "s2", "Bo", "", "4", "2013-05-06", "", "pw", "", "", "", "", "", "Q", "q@x.org"],
    ["sch2", "s3", "Cy", "C", "5", "", "c@x.org", "", "", "", "P Two", "p2", "Father", "", ""],
    ["sch1", " s4", "Di", "D", "3", "", "d@x.org", "", "", "", "", "", "", "", ""],
    ["sch1", '="0099"', "Ed", "E", "3", "", "", "", "", "", "", "", "", "", ""],
    ["sch9", "s6", "Fy", "F", "3", "", "f@x.org", "", "", "", "", "", "", "", ""],
    ["sch1", "s7", "Gu", "G", "3", "not a date", "g@x.org", "", "", "", "", "", "", "", ""],
    ["sch1", "s8", 'Say "x"', "H", "3", "", "h@x.org", "", "", "", "", "", "", "", ""],
    ["sch1", "s9", "I\ue000", "I", "3", "", "i@x.org", "", "", "", "", "", "", "", ""],
    ["sch1", "s5", "Jo", "J", "KG", "", "j-at-x.org", "", "", "", "", "", "", "", ""],
    ["sch2", "s3", "Cy", "C", "5", "", "c@x.org", "", "", "", "P One", "p1", "Aunt", "", ""],
    ["sch1", "s10", "Ko", "K", "6", "", "k@x.org", "", "", "", "P One", "p1", "Mother", "", ""],
    ["sch1", "s11", "L" * 300, "L", "6", "", "l@x.org", "", "", "", "", "", "", "", ""],
    ["sch1", "s12", "Mo", "M", "6", "", "m@x.org", "", "", "", "", "", "", "", ""],
    ["sch1", "s13", "Ny", "N", "6", "", "n@x.org", "", "", "s2", "Sib", "", "", "", ""],
    ["sch1", "", "Oz", "O", "6", "", "o@x.org", "", "", "", "", "", "", "", ""],
    ["", "s14", "", "", "", "", "", "", "", "", "", "", "", "", ""],
    ["sch2", "s15", "Pi", "P", "12", "20120304", "p@x.org", "", "b2", "", "", "", "", "",
     ""],
]


def test_messy_upload_reads_as_the_row_path_does(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    new, _, plans = _both(_messy(tmp_path, _ROWS), monkeypatch)
    cs = plans[0]
    assert cs is not None
    # (the plain rows column-wise, s8's quoted name escaped; each quirky row, and every
    # row of s3, on the row path)
    assert sorted(cs.sids) == sorted(["s1", "s2", "s5", "s8", "s10", "s11", "s12", "s13",
                                      "s14", "s15"])
    assert len(cs.rest) == len(_ROWS) - len(cs.sids)
    codes = {p.code for p in new.problems}
    assert {"no_id", "other"} <= codes
    # (the contact whose id is a student's made that student a contact too)
    assert new.users["s2"].roles.contact is not None
    # (the extension file's record merged)
    assert (new.users["s5"].name.middle, new.users["s5"].email) == ("Q", "zz")
    assert "sftp-teacher:s12" in new.users


def test_names_with_quotes_and_control_characters_are_read_column_wise(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A quote, a backslash or a control character in a student's name, email or number
    is escaped into the text: the row is read column-wise, and the roster is the row
    path's; a private-use character (a template's placeholder) still takes the row path."""
    path = generated_sftp(tmp_path, 5, "default")
    rows = list(csv.reader(io.StringIO((path / "students.csv").read_text(encoding="utf-8"),
                                       newline="")))
    head = rows[0]
    cells = ['Say "x"', "back\\slash", "tab\tin", "bell\x07", "x\x1fy", "\x08\x0c"]
    edited = {}
    for k, row in enumerate(rows[1:40], 1):
        for j, col in enumerate(("First_name", "Last_name", "Student_email", "Student_number")):
            if col in head and (k + j) % 3 == 0:
                row[head.index(col)] = cells[(k + j) % len(cells)]
                edited[row[head.index("Student_id")]] = True
    rows[41][head.index("First_name")] += "\ue000"
    (path / "students.csv").write_text(_csv(rows), encoding="utf-8")
    new, _, plans = _both(path, monkeypatch)
    cs = plans[0]
    assert cs is not None and set(edited) <= set(cs.sids)
    assert rows[41][head.index("Student_id")] not in cs.sids
    sid = next(iter(edited))
    assert new.users[sid].name is not None


def test_cells_holding_line_breaks_keep_students_csv_column_wise(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Quoted cells holding a line break in students' names and contacts and in
    sections.csv: the students are still read column-wise, and the roster (problems and
    their lines included) is the csv module's reading of the files."""
    path = generated_sftp(tmp_path, 5, "default")
    for name, columns in (("students.csv", ("First_name", "Last_name", "Contact_name")),
                          ("sections.csv", ("Name", "Course_description"))):
        rows = list(csv.reader(io.StringIO((path / name).read_text(encoding="utf-8"),
                                           newline="")))
        head = rows[0]
        for k, row in enumerate(rows[1:60], 1):
            for j, col in enumerate(columns):
                if col in head and (k + j) % 4 == 0:
                    # (students.csv: cells of one break, which the parse as read from
                    # disk takes; sections.csv: one of two, which it leaves to the other)
                    cells = ["An\nn", "a\r\nb", "x\n\ny"][:2 if name == "students.csv" else 3]
                    row[head.index(col)] = cells[(k + j) % len(cells)]
        if name == "students.csv":
            rows[70][head.index("Grade")] = "Wizard"  # (a problem after them: its line)
        (path / name).write_text(_csv(rows), encoding="utf-8")
    new, _, plans = _both(path, monkeypatch)
    assert plans[0] is not None and len(plans[0].sids) > 50
    careful = read_by_the_csv_module(lambda: read_clever_csv(path), monkeypatch)
    assert_same_roster(new, careful)
    assert any(p.file == "students.csv" and p.line is not None and p.line > 71
               for p in new.problems)


def test_strict_and_no_contact_columns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A students.csv without contact columns, and strict mode (the first problem raised
    from the same row)."""
    path = _messy(tmp_path, _ROWS, records=False)
    head = _STUDENT_HEAD.index("Contact_id")
    (path / "students.csv").write_text(
        _csv([_STUDENT_HEAD[:head], *(r[:head] for r in _ROWS)]), encoding="utf-8")
    _, _, plans = _both(path, monkeypatch)
    assert plans[0] is not None and len(plans[0].sids) > 5
    same_error_either_way(lambda: read_clever_csv(path, strict=True), monkeypatch,
                          sftp_students, "COLUMN_STUDENTS")


@pytest.mark.parametrize(("seed", "quirks", "extensions", "shelf"), [
    (3, "high", False, None), (4, "high", True, None), (5, "default", False, None),
    (6, "high", False, 1 << 14), (7, "default", False, 1 << 14)])
def test_generated_districts_read_as_the_row_path_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, quirks: str,
        extensions: bool, shelf: int | None) -> None:
    """``shelf``: shelves that hold a student's text, as a large district's do (the
    tests' own, of 256 bytes, hold none: every student then goes to the builder as
    text, none by its shape)."""
    if shelf is not None:
        monkeypatch.setattr(parked, "SHELF", shelf)
    by_shape: list[int] = []
    real = sftp_students.ColumnStudents.hand

    def spy(self: Any, b: Any, run: list[int], texts: Any) -> None:
        by_shape.append(len(run))
        real(self, b, run, texts)

    monkeypatch.setattr(sftp_students.ColumnStudents, "hand", spy)
    new, _, plans = _both(generated_sftp(tmp_path, seed, quirks, extensions), monkeypatch)
    assert plans[0] is not None and len(plans[0].sids) > len(new.users) // 4
    if shelf is not None:
        assert sum(by_shape) > len(plans[0].sids) // 3


_CELL = st.sampled_from(["", "x", " s1", "s1", "s2", '="7"', 'a"b', "a\\b", "K", "3",
                         "01/02/2012", "no date", "sch1", "sch2", "sch9", "\ue001",
                         "p1", "m@x.org", "{0}", "y" * 260])


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=st.lists(st.lists(_CELL, min_size=len(_STUDENT_HEAD),
                              max_size=len(_STUDENT_HEAD)), min_size=1, max_size=12))
def test_random_students_read_as_the_row_path_does(rows: list[list[str]]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d, pytest.MonkeyPatch.context() as mp:
        _both(_messy(Path(d), rows), mp)


@pytest.mark.parametrize("run", [1, 2, 3])
def test_texts_taken_a_chunk_at_a_time_read_as_the_row_path_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: int) -> None:
    """The column-wise rows' texts are taken a chunk of ``_RUN`` rows at a time: runs
    parted by the row path's rows, and runs a chunk ends in, hand each row its own text."""
    monkeypatch.setattr(handed_runs, "_RUN", run)
    new, _, plans = _both(generated_sftp(tmp_path, 6, "high"), monkeypatch)
    assert plans[0] is not None and len(plans[0].sids) > len(new.users) // 4
    (tmp_path / "messy").mkdir()
    _both(_messy(tmp_path / "messy", _ROWS), monkeypatch)


def test_a_school_is_a_cell_of_the_template_not_a_template_of_its_own(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Students of many schools take a handful of templates, not one per school and grade
    (20,000 schools of 100k students made 56,617, each a run of the row path's code), and
    read as the row path reads them, by shape as well as by text."""
    monkeypatch.setattr(parked, "SHELF", 1 << 14)  # (shelves that hold a student's text)
    district(None, students=400, seed=8, counts={"schools": 120}).write(tmp_path / "jsonl")
    roster = rostergraph.load(tmp_path / "jsonl", cache=False)
    write_clever_csv(roster, tmp_path / "sftp")
    new, _, plans = _both(tmp_path / "sftp", monkeypatch)
    schools = {u.roles.student.school for u in new.users.values()
               if u.roles.student is not None}
    assert len(schools) > 60 and plans[0] is not None
    assert len(plans[0].sids) > len(new.users) // 4
    assert len(plans[0].templates) < 30


def test_a_student_in_several_schools_is_read_column_wise(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Clever's SFTP format gives a student of several schools a row per school: rows
    equal but for their school are read column-wise as one student of those schools (at
    100k students, half of them in two schools, the row path took them one by one), and
    read as the row path reads them, by shape as well as by text."""
    monkeypatch.setattr(parked, "SHELF", 1 << 14)  # (shelves that hold a student's text)
    district(None, students=400, seed=9, counts={"schools": 6}, rates={
        "cross_school_students": 0.5, "second_school_students": 0.5}).write(tmp_path / "j")
    roster = rostergraph.load(tmp_path / "j", cache=False)
    write_clever_csv(roster, tmp_path / "sftp")
    new, _, plans = _both(tmp_path / "sftp", monkeypatch)
    several = [u for u in new.users.values()
               if u.roles.student is not None and len(u.roles.student.schools or ()) > 1]
    assert len(several) > 50 and plans[0] is not None
    read = set(plans[0].sids)
    assert sum(u.id in read for u in several) > len(several) * 3 // 4
    assert len(plans[0].rest) < len(several) // 4


_SCHOOLED = ["School_id", "Student_id", "First_name", "Grade", "Contact_name",
             "Contact_sis_id", "Contact_2_name"]


_CHANGES = ["", "", "", "", "", "no contact", "other contact", "other name",
            "second contact", "school again", "no school", "unknown school"]


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=st.lists(st.tuples(st.sampled_from(["s1", "s2", "s3"]),
                               st.sampled_from(_CHANGES)), min_size=1, max_size=9))
def test_students_given_a_row_per_school_read_as_the_row_path_does(
        rows: list[tuple[str, str]]) -> None:
    """Rows of one id, each naming the next school, that differ in their school only, in
    a contact group (emptied, or another one), in a cell, or name a school again, none or
    one not read: the column-wise read is the row path's, whatever the mix."""
    import tempfile

    table = [_SCHOOLED]
    given: dict[str, int] = {}
    for sid, change in rows:
        k = given[sid] = given.get(sid, 0) + (change != "school again")
        school = {"no school": "", "unknown school": "sch99"}.get(change, f"sch{max(k, 1)}")
        contact = "" if change == "no contact" else "Q" if change == "other contact" else "P"
        table.append([school, sid, "Bo" if change == "other name" else "Ann" + sid, "3",
                      contact, contact and "p" + contact,
                      "Z" if change == "second contact" else ""])
    with tempfile.TemporaryDirectory() as d, pytest.MonkeyPatch.context() as mp:
        path = _messy(Path(d), [], records=False)
        (path / "schools.csv").write_text(
            "School_id,School_name\n" + "".join(f"sch{k},S{k}\n" for k in range(1, 10)),
            encoding="utf-8")
        (path / "students.csv").write_text(_csv(table), encoding="utf-8")
        _both(path, mp)


def test_a_student_in_more_schools_than_read_column_wise_takes_the_row_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A student in more schools than ``MOST_ROWS`` (a demo student listed at every
    school) goes the row path, every row of it (each extra school would be a column of the
    whole table); one in as many is read column-wise; both as the row path reads them."""
    from rostergraph.io.sftp_repeats import MOST_ROWS

    many = MOST_ROWS + 1
    rows = [[f"sch{k}", "demo", "Demo", "D", "3", "", "", "", "", "", "", "", "", "", ""]
            for k in range(1, many + 1)]
    rows += [[f"sch{k}", "s1", "Ann", "A", "3", "", "", "", "", "", "", "", "", "", ""]
             for k in range(1, MOST_ROWS + 1)]
    path = _messy(tmp_path, rows, records=False)
    (path / "schools.csv").write_text("School_id,School_name\n" + "".join(
        f"sch{k},S{k}\n" for k in range(1, many + 1)), encoding="utf-8")
    new, _, plans = _both(path, monkeypatch)
    assert plans[0] is not None and plans[0].sids == ["s1"] and len(plans[0].rest) == many
    assert len(new.users["demo"].roles.student.schools) == many
    assert len(new.users["s1"].roles.student.schools) == MOST_ROWS
