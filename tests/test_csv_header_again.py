"""Two exports joined into one CSV file (``cat a.csv b.csv``) hold the header again as a
row. That row is no record: it is a problem naming its line, and is not loaded (it was
loaded as a user or a section named after the id column), whichever parser reads the
file; the rows around it load."""

from __future__ import annotations

import unittest.mock
from pathlib import Path

import pytest

import rostergraph
from rostergraph.io import csvutil
from tests.test_oneroster_variants import write

_SFTP = {
    "schools.csv": "School_id,School_name\nsA,Alpha\n",
    "students.csv": "Student_id,School_id,First_name,Last_name\nst1,sA,Ann,Fake\n"
                    "\ufeffStudent_id,School_id,First_name,Last_name\nst2,sA,Bo,Fake\n",
    "teachers.csv": "Teacher_id,School_id,First_name,Last_name\nt1,sA,Tia,Fake\n",
    "sections.csv": "Section_id,School_id,Teacher_id,Name\nse1,sA,t1,Math\n"
                    "Section_id,School_id,Teacher_id,Name,\nse2,sA,t1,Art\n",
    "enrollments.csv": "School_id,Section_id,Student_id\nsA,se1,st1\nsA,se2,st2\n",
}
_ONEROSTER = {
    "manifest.csv": "propertyName,value\noneroster.version,1.1\nfile.orgs,bulk\n"
                    "file.users,bulk\nfile.enrollments,bulk\nfile.classes,bulk\n",
    "orgs.csv": "sourcedId,name,type\nsA,Alpha,school\n",
    "users.csv": "sourcedId,role,orgSourcedIds,givenName\nu1,student,sA,Ann\n"
                 "sourcedId,role,orgSourcedIds,givenName\nu2,teacher,sA,Tia\n",
    "enrollments.csv": "sourcedId,classSourcedId,userSourcedId,role\ne1,c1,u1,student\n"
                       "sourcedId,classSourcedId,userSourcedId,role\n",
    "classes.csv": "sourcedId,title,schoolSourcedId\nc1,Math,sA\n",
}


@pytest.mark.parametrize("parser", ["pyarrow", "csv module"])
@pytest.mark.parametrize("fmt", ["sftp", "oneroster"])
def test_a_header_given_again_is_a_problem_not_a_record(tmp_path: Path, fmt: str,
                                                        parser: str) -> None:
    files = _SFTP if fmt == "sftp" else _ONEROSTER
    write(tmp_path, files)
    off = unittest.mock.patch.object(csvutil, "_arrow_columns", lambda *a: None)
    with off if parser == "csv module" else unittest.mock.patch.dict({}):
        r = rostergraph.load(tmp_path, cache=False)
    again = [(p.file, p.line) for p in r.problems if "header again" in p.message]
    if fmt == "sftp":
        assert sorted(r.users) == ["st1", "st2", "t1"]
        assert sorted(r.sections) == ["se1", "se2"]
        assert again == [("students.csv", 3), ("sections.csv", 3)]
        assert r.sections["se2"].students == ("st2",)
    else:
        assert sorted(r.users) == ["u1", "u2"]
        assert again == [("users.csv", 3), ("enrollments.csv", 3)]
        assert r.sections["c1"].students == ("u1",)
    with pytest.raises(rostergraph.FormatError, match="header again"), \
            off if parser == "csv module" else unittest.mock.patch.dict({}):
        rostergraph.load(tmp_path, cache=False, strict=True)


def test_a_header_ending_in_a_blank_name_given_again_is_a_problem(tmp_path: Path) -> None:
    """A header whose last name is blank (a space: ignored as an empty one is) given again
    is the header again too, not a user named ``sourcedId``."""
    files = dict(_ONEROSTER, **{
        "users.csv": "sourcedId,role,orgSourcedIds, \nu1,student,sA,\n"
                     "sourcedId,role,orgSourcedIds, \nu2,teacher,sA,\n"})
    write(tmp_path, files)
    r = rostergraph.load(tmp_path, cache=False)
    assert sorted(r.users) == ["u1", "u2"]
    assert [(p.file, p.line) for p in r.problems if "header again" in p.message
            ] == [("users.csv", 3), ("enrollments.csv", 3)]


def test_a_header_given_again_in_another_case_is_a_problem(tmp_path: Path) -> None:
    """The readers match header names ignoring case and spaces around them: a second
    export joined in with its header in another case is the header again too."""
    files = dict(_SFTP, **{
        "students.csv": "Student_id,School_id,First_name,Last_name\nst1,sA,Ann,Fake\n"
                        "student_id, SCHOOL_ID ,first_name,last_name\nst2,sA,Bo,Fake\n"})
    write(tmp_path, files)
    r = rostergraph.load(tmp_path, cache=False)
    assert sorted(r.users) == ["st1", "st2", "t1"]
    assert ("students.csv", 3) in [(p.file, p.line) for p in r.problems
                                   if "header again" in p.message]


@pytest.mark.parametrize("parser", ["pyarrow", "csv module"])
def test_a_header_with_a_blank_first_name_given_again_is_told(tmp_path: Path,
                                                              parser: str) -> None:
    """A header whose first name is blank, given again as a row: told whichever parser
    would read the file (pyarrow's column check looked for the first name only)."""
    files = dict(_ONEROSTER, **{
        "users.csv": ",sourcedId,role,orgSourcedIds\nx,u1,student,sA\n"
                     ",sourcedId,role,orgSourcedIds\ny,u2,teacher,sA\n"})
    write(tmp_path, files)
    off = unittest.mock.patch.object(csvutil, "_arrow_columns", lambda *a: None)
    with off if parser == "csv module" else unittest.mock.patch.dict({}):
        r = rostergraph.load(tmp_path, cache=False)
    assert sorted(r.users) == ["u1", "u2"]
    assert [(p.file, p.line) for p in r.problems if "header again" in p.message
            ] == [("users.csv", 3), ("enrollments.csv", 3)]


@pytest.mark.parametrize("name", ["\xa0Student_id", "\x0bStudent_id", "\ufeff\u3000Student_id",
                                  "\x1cstudent_ID\x85", "Student_id\u2028"])
def test_a_header_again_with_spaces_that_are_no_ascii_ones_is_told_either_way(
        tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A first name with white space around it that Python's ``strip()`` takes off but
    a regular expression's ``\\s`` does not match (a no-break space, a vertical tab, an
    ideographic space, U+001C, U+0085, a line separator) is the header again, whichever
    parser reads the file: pyarrow's reading leaves such a file to the csv module."""
    from rostergraph.io.clever_csv import read_clever_csv
    from tests.test_collect import assert_same_roster, read_by_the_csv_module

    files = dict(_SFTP)
    files["students.csv"] = ("Student_id,School_id,First_name,Last_name\nst1,sA,Ann,Fake\n"
                             f"{name},School_id,First_name,Last_name\nst2,sA,Bo,Fake\n")
    write(tmp_path, files)
    new = read_clever_csv(tmp_path)
    careful = read_by_the_csv_module(lambda: read_clever_csv(tmp_path), monkeypatch)
    assert_same_roster(new, careful)
    assert new.provenance.notes == careful.provenance.notes
    assert sorted(new.users) == ["st1", "st2", "t1"]
    assert [(p.file, p.line) for p in new.problems if "header again" in p.message] == [
        ("students.csv", 3), ("sections.csv", 3)]
