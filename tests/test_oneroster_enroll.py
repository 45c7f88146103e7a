"""What the OneRoster reader says of ``enrollments.csv`` rows, whichever way the file is
read (a clean file a column at a time, one with deleted rows or a bad row row by row) and
as the row-by-row oracle reads it.

An enrollment whose ``classSourcedId`` names no class of ``classes.csv`` but names one
once case or leading zeros are ignored: ids are matched as given (a OneRoster
``sourcedId`` is a string), so the row is not loaded, as before; its problem names the
class it may mean, which "enrollment in unknown class" alone did not (GUIDs written in
upper case in one file and lower case in another, numeric ids whose leading zeros a
spreadsheet dropped).

An enrollment whose ``userSourcedId`` names no user of ``users.csv`` but names one once
case, leading zeros or a spreadsheet formula's ``="..."`` are ignored loads as given (the
section names the id; a reference to no record), and was told only as that: one problem
per file counts such enrollments and names the users they may mean.

A user enrolled again in a class in the same role (a second row with the same class,
user and role): a section holds one enrollment of a user per role, so the first row is
kept, and the later rows' ids and cells were dropped without a word."""

from __future__ import annotations

from pathlib import Path

import pytest

from rostergraph.io.oneroster import read_oneroster
from tests.test_csv_equivalence import assert_same
from tests.test_oneroster_variants import CLASSES, ENR_HEAD, USERS, bundle

GUID = "5f3c6d46-7837-4a63-8f3d-038c0ffee001"
_CLASSES = CLASSES.replace("\nc2,", f"\n{GUID},").replace("\nc1,", "\n00451,")
_SHAPES = {"clean": "", "with-deletions": "e9,tobedeleted,,c9,sA,s2,student,,,\n",
           "row-by-row": "e8,,,c9,sA,s2\n"}  # (a short row: a syntax problem)


@pytest.mark.parametrize("shape", sorted(_SHAPES))
def test_an_unknown_class_names_the_class_it_may_mean(shape: str, tmp_path: Path) -> None:
    rows = (f"e1,,,{GUID.upper()},sA,s1,student,,,\n"
            "e2,,,451,sA,s1,student,,,\n"
            "e3,,,00451,sA,s2,student,,,\n"
            "e4,,,nope,sA,s2,student,,,\n")
    r = read_oneroster(bundle(tmp_path / shape, classes_csv=_CLASSES,
                              enrollments_csv=ENR_HEAD + rows + _SHAPES[shape]))
    assert r.sections["00451"].students == ("s2",)
    told = {p.line: p.message for p in r.problems
            if p.file == "enrollments.csv" and "unknown class" in p.message}
    assert told[2] == (f"enrollment in unknown class {GUID.upper()!r} (class {GUID!r} has "
                       "this id in another case: ids are matched as given); not loaded")
    assert told[3] == ("enrollment in unknown class '451' (class '00451' has this id with "
                       "leading zeros, which a spreadsheet drops: ids are matched as given); "
                       "not loaded")
    assert told[5] == "enrollment in unknown class 'nope'; not loaded"


@pytest.mark.parametrize("shape", sorted(_SHAPES))
def test_a_user_enrolled_again_in_a_class_is_one_problem(shape: str, tmp_path: Path) -> None:
    """Every later row of an enrollment (same class, user and role) is counted in one
    problem at the first such row's line, naming the rows' sourcedIds (no user's name or
    email) and the columns whose values were not kept; the first row's id and cells stay."""
    rows = ("e1,,,c1,sA,s1,student,,2024-08-19,2024-12-20\n"
            "e2,,,c1,sA,s2,student,,2025-01-06,\n"
            "e3,,,c1,sA,t1,teacher,true,,\n"
            "e4,,,c1,sA,s1,student,,2025-01-06,2024-12-20\n"  # a second id, another begin
            "e5,,,c1,sA,t1,teacher,false,,\n"                 # a second id only
            ",,,c1,sA,s2,student,,2025-01-06,\n"              # no id, the same cells
            "e6,,,c2,sA,s1,student,,,\n"                      # another class: no repeat
            "e7,,,c1,sA,x9,aide,,,\n"
            "e8,,,c1,sA,x9,aide,,,2025-06-01\n")              # a second id, an end date
    r = assert_same("oneroster", bundle(tmp_path / shape, enrollments_csv=ENR_HEAD + rows
                                        + _SHAPES[shape]))
    assert r.sections["c1"].students == ("s1", "s2") and r.sections["c1"].teacher == "t1"
    extra = r.sections["c1"].extra
    assert extra["oneroster.enrollmentIds"] == {"student": {"s1": "e1", "s2": "e2"},
                                                "teacher": {"t1": "e3"}, "aide": {"x9": "e7"}}
    assert extra["oneroster.enrollmentCells"]["beginDate"]["student"] == {
        "2024-08-19": ["s1"], "2025-01-06": ["s2"]}
    (told,) = [p for p in r.problems if "again" in p.message]
    assert (told.code, told.file, told.line, told.kind, told.record_id) == (
        "other", "enrollments.csv", 5, "sections", "c1")
    assert told.message == (
        "4 rows of enrollments.csv (line 5 and 3 more) enroll a user again in a class in "
        "the same role (the classSourcedId, userSourcedId and role of an earlier row; "
        "sourcedId 'e4', 'e5', 'e8'): the first row of each enrollment is kept; the later "
        "rows' sourcedId, beginDate, endDate are not kept (a section holds one enrollment "
        "of a user per role)")


@pytest.mark.parametrize("shape", sorted(_SHAPES))
def test_a_repeated_row_that_loses_nothing_says_so(shape: str, tmp_path: Path) -> None:
    """A repeat whose cells are the first row's and that has no id of its own (or the
    first row had none: its id is then the enrollment's) loses nothing: the problem says
    so."""
    rows = ("e1,,,c1,sA,s1,student,,2024-08-19,\n"
            ",,,c1,sA,s1,student,,2024-08-19,\n"
            ",,,c1,sA,s2,student,,,\n"
            "e4,,,c1,sA,s2,student,,,\n")
    r = assert_same("oneroster", bundle(tmp_path / shape, enrollments_csv=ENR_HEAD + rows
                                        + _SHAPES[shape]))
    assert r.sections["c1"].extra["oneroster.enrollmentIds"] == {
        "student": {"s1": "e1", "s2": "e4"}}
    (told,) = [p for p in r.problems if "again" in p.message]
    assert told.line == 3 and told.message.endswith(
        "(line 3 and 1 more) enroll a user again in a class in the same role (the "
        "classSourcedId, userSourcedId and role of an earlier row; sourcedId 'e4'): the "
        "first row of each enrollment is kept; nothing else of the later rows is lost")


@pytest.mark.parametrize("shape", sorted(_SHAPES))
def test_a_class_id_as_a_spreadsheet_formula_names_the_class(shape: str,
                                                             tmp_path: Path) -> None:
    """A class id a spreadsheet wrote as a formula (``="00451"``, to keep its leading
    zeros) names the class it is once the formula is left out."""
    rows = '1,,,"=""00451""",sA,s1,student,,,\n'
    r = assert_same("oneroster", bundle(tmp_path / shape, classes_csv=_CLASSES,
                                        enrollments_csv=ENR_HEAD + rows + _SHAPES[shape]))
    (told,) = [p for p in r.problems if p.line == 2 and p.file == "enrollments.csv"]
    assert told.message == (
        "enrollment in unknown class '=\"00451\"' (class '00451' has this id once the "
        "spreadsheet formula =\"...\" around one of them is left out: ids are matched as "
        "given); not loaded")


_USERS = USERS + ("0042,active,2024-01-01,true,sA,student,s42,,Stu,Four,,S4,,,,,04,\n"
                  "AB-7,active,2024-01-01,true,sA,teacher,t7,,Tea,Seven,,T7,,,,,,\n")


@pytest.mark.parametrize("shape", sorted(_SHAPES))
def test_an_unknown_user_names_the_user_it_may_mean(shape: str, tmp_path: Path) -> None:
    """Enrollments naming a user id that differs from one of ``users.csv`` only by leading
    zeros, case or a spreadsheet formula load as given (ids are matched as given), and
    one problem at the first one's line counts them and names the users they may mean;
    an id near no user's is no part of it."""
    rows = ("e1,,,c1,sA,s1,student,,,\n"
            "e2,,,c1,sA,42,student,,,\n"
            'e3,,,c2,sA,"=""0042""",student,,,\n'
            "e4,,,c2,sA,ab-7,teacher,true,,\n"
            "e5,,,c2,sA,nobody,student,,,\n"
            "e6,,,c1,sA,42,aide,,,\n"
            "e7,,,c1,sA,42,student,,,\n")  # (the same enrollment again: counted once)
    r = assert_same("oneroster", bundle(tmp_path / shape, users_csv=_USERS,
                                        enrollments_csv=ENR_HEAD + rows + _SHAPES[shape]))
    assert r.sections["c1"].students == ("s1", "42")
    assert r.sections["c2"].students == ('="0042"', "nobody")
    (told,) = [p for p in r.problems if p.field == "userSourcedId"]
    assert (told.code, told.file, told.line, told.kind, told.record_id, told.field) == (
        "other", "enrollments.csv", 3, "sections", "c1", "userSourcedId")
    assert told.message == (
        "4 enrollments of enrollments.csv (line 3 and 3 more) name a userSourcedId that is no "
        "user's id but is one once case, leading zeros or a spreadsheet formula =\"...\" are "
        "ignored: '42' (user '0042' has this id with leading zeros, which a spreadsheet "
        "drops: ids are matched as given); '=\"0042\"' (user '0042' has this id once the "
        "spreadsheet formula =\"...\" around one of them is left out: ids are matched as "
        "given); 'ab-7' (user 'AB-7' has this id in another case: ids are matched as given). "
        "The enrollments are kept as given (each a reference to a user with no record)")
