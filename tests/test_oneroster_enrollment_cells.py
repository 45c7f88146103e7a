"""The cells of an ``enrollments.csv`` row that no Clever field holds (``beginDate``,
``endDate``, a vendor's column) are kept on the enrollment's section
(``extra["oneroster.enrollmentCells"]``, grouped by value), the same whichever path reads
the file, written back by the OneRoster writer, and kept up to date by a delta."""

from __future__ import annotations

from pathlib import Path

import pytest

import rostergraph
from rostergraph.io.enrollcells import ENROLLMENT_CELLS_KEY, by_enrollment
from rostergraph.io.oneroster import read_oneroster
from rostergraph.io.write import write_clever_json
from rostergraph.io.write_oneroster import write_oneroster
from rostergraph.model import Section
from tests.oneroster_delta_bundles import ENR_HEAD as DELTA_ENR_HEAD
from tests.oneroster_delta_bundles import base, delta
from tests.test_oneroster_variants import bundle

_HEAD = ("sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,"
         "role,primary,beginDate,endDate,metadata.sis.seat\n")
_ROWS = ("e1,,,c1,sA,s1,student,,2024-08-19,2024-12-20,\n"
         "e2,,,c1,sA,s2,student,,2025-01-06,,\n"
         "e3,,,c1,sA,t1,teacher,true,,,A4\n"
         "e4,,,c1,sA,s1,student,,2099-01-01,,\n"     # the same enrollment again: first kept
         "e5,,,c1,sA,x9,aide,,2024-08-19,,\n")       # a role Clever has no place for
_WANT = {"beginDate": {"student": {"2024-08-19": ["s1"], "2025-01-06": ["s2"]},
                       "aide": {"2024-08-19": ["x9"]}},
         "endDate": {"student": {"2024-12-20": ["s1"]}},
         "metadata.sis.seat": {"teacher": {"A4": ["t1"]}}}
_SHAPES = {"clean": "", "with-deletions": "e9,tobedeleted,,c2,sA,s2,student,,,,\n",
           "row-by-row": "e8,,,c2,sA,s2\n"}  # (a short row: a syntax problem)


def _rows_of(folder: Path) -> dict[str, dict[str, str]]:
    """enrollments.csv's rows by sourcedId, empty cells left out."""
    lines = (folder / "enrollments.csv").read_text().splitlines()
    head = lines[0].split(",")
    return {row[0]: {k: v for k, v in zip(head, row) if v}
            for row in (line.split(",") for line in lines[1:])}


@pytest.mark.parametrize("shape", sorted(_SHAPES))
def test_cells_are_kept_and_written_back(shape: str, tmp_path: Path) -> None:
    r = read_oneroster(bundle(tmp_path / shape, enrollments_csv=_HEAD + _ROWS + _SHAPES[shape]))
    assert r.sections["c1"].extra[ENROLLMENT_CELLS_KEY] == _WANT
    assert not [p for p in r.problems if p.line == 1 and p.file == "enrollments.csv"]
    note = next(n for n in r.provenance.notes if ENROLLMENT_CELLS_KEY in n)
    # (e4, the same enrollment again, keeps no cell: not counted)
    assert note.startswith("enrollments.csv: beginDate (3 rows), endDate (1 rows), "
                           "metadata.sis.seat (1 rows) kept")
    write_oneroster(r, tmp_path / "out")
    rows = _rows_of(tmp_path / "out")
    assert rows["e1"]["beginDate"] == "2024-08-19" and rows["e1"]["endDate"] == "2024-12-20"
    assert rows["e2"]["beginDate"] == "2025-01-06" and "endDate" not in rows["e2"]
    assert rows["e3"]["metadata.sis.seat"] == "A4" and rows["e5"]["beginDate"] == "2024-08-19"
    again = read_oneroster(tmp_path / "out")
    assert again.sections["c1"].extra[ENROLLMENT_CELLS_KEY] == _WANT
    # through Clever JSON and back: the section keeps them as any extra
    write_clever_json(r, tmp_path / "json")
    back = rostergraph.load(tmp_path / "json")
    assert back.sections["c1"].extra[ENROLLMENT_CELLS_KEY] == _WANT
    write_oneroster(back, tmp_path / "out2")
    assert _rows_of(tmp_path / "out2")["e1"] == rows["e1"]


@pytest.mark.parametrize("shape", sorted(_SHAPES))
def test_a_roundtrip_gives_the_same_cells_whatever_the_row_order(shape: str,
                                                                 tmp_path: Path) -> None:
    """A group's users do not follow the rows' order: the writer writes the primary
    teacher first, so a class whose primary teacher came second read back with its
    teachers' group reordered, a change for ``rostergraph diff``."""
    rows = ("e1,,,c1,sA,t1,teacher,false,2024-08-19,,\n"
            "e2,,,c1,sA,s2,student,,2024-08-19,,\n"
            "e3,,,c1,sA,t2,teacher,true,2024-08-19,,\n"
            "e4,,,c1,sA,s1,student,,2024-08-19,,\n")
    r = read_oneroster(bundle(tmp_path / shape, enrollments_csv=_HEAD + rows + _SHAPES[shape]))
    assert r.sections["c1"].extra[ENROLLMENT_CELLS_KEY] == {"beginDate": {
        "teacher": {"2024-08-19": ["t1", "t2"]}, "student": {"2024-08-19": ["s1", "s2"]}}}
    write_oneroster(r, tmp_path / "out")
    again = read_oneroster(tmp_path / "out")
    assert again.sections["c1"].extra[ENROLLMENT_CELLS_KEY] == r.sections["c1"].extra[
        ENROLLMENT_CELLS_KEY]
    assert not rostergraph.diff(r, again).records(change="changed")


def test_a_credential_column_is_never_kept(tmp_path: Path) -> None:
    head = _HEAD.rstrip("\n") + ",password\n"
    r = read_oneroster(bundle(tmp_path / "b", enrollments_csv=head + (
        "e1,,,c1,sA,s1,student,,2024-08-19,,,hunter2\n")))
    assert r.sections["c1"].extra[ENROLLMENT_CELLS_KEY] == {
        "beginDate": {"student": {"2024-08-19": ["s1"]}}}
    told = [p for p in r.problems if p.file == "enrollments.csv" and p.line == 1]
    assert len(told) == 1 and told[0].field == "password"
    assert "hunter2" not in repr(r.problems) + repr(r.sections["c1"])


def test_a_cell_of_another_shape_is_carried_not_written_as_a_column(tmp_path: Path) -> None:
    """A section whose extra holds the key with a value the reader never writes (here a
    cell for the enrollment's own sourcedId) does not change what the writer fills in."""
    bad = {"sourcedId": {"student": {"forged": ["s1"]}}}
    assert by_enrollment(bad) is None and by_enrollment([1]) is None
    assert by_enrollment({"beginDate": {"student": {"d": ["s1", 5]}}}) is None
    r = rostergraph.Roster(sections=[Section(id="c1", school="sA", students=("s1",),
                                             extra={ENROLLMENT_CELLS_KEY: bad})])
    write_oneroster(r, tmp_path / "out")
    assert _rows_of(tmp_path / "out")["c1:1"]["sourcedId"] == "c1:1"


@pytest.mark.parametrize(("column", "own"), [("Status", "status"), (" role", "role"),
                                             ("SOURCEDID", "sourcedId"),
                                             ("BeginDate", "beginDate")])
def test_a_column_named_as_the_writers_own_in_another_case_is_carried(
        column: str, own: str, tmp_path: Path) -> None:
    """A cell column spelt as one the writer fills itself, but in another case or with
    spaces (``Status`` holding ``tobedeleted``), is not written as a second such column
    (an importer matching column names ignoring case, as this reader does when the
    exact name is missing, would read it as the writer's); it is carried whole."""
    forged = {column: {"student": {"tobedeleted": ["s1"]}}}
    r = rostergraph.Roster(sections=[Section(id="c1", school="sA", students=("s1",),
                                             extra={ENROLLMENT_CELLS_KEY: forged})])
    write_oneroster(r, tmp_path / "out")
    head = (tmp_path / "out" / "enrollments.csv").read_text().splitlines()[0].split(",")
    assert [c for c in head if c.strip().lower() == own.lower()] == [own]
    assert read_oneroster(tmp_path / "out").sections["c1"].extra[ENROLLMENT_CELLS_KEY] == forged


def test_cells_of_too_many_columns_are_carried_not_widening_every_row(tmp_path: Path) -> None:
    """A section (a hand-made Clever JSON) keeping cells of hundreds of columns, one user
    each, made each a column of every enrollments.csv row (60k rows x 1,000 columns: 61 MB
    from a 40 KB extra); past ``MAX_CELL_COLUMNS`` such a section's cells are carried in
    its class's JSON, and read back the same."""
    wide = {f"metadata.c{i}": {"student": {"x": ["s1"]}} for i in range(200)}
    dated = {"beginDate": {"student": {"2024-08-19": ["s2"]}}, "metadata.seat": {
        "student": {"A4": ["s2"]}}}
    r = rostergraph.Roster(sections=[
        Section(id="c1", school="sA", students=("s1",), extra={ENROLLMENT_CELLS_KEY: wide}),
        Section(id="c2", school="sA", students=("s2",), extra={ENROLLMENT_CELLS_KEY: dated})])
    write_oneroster(r, tmp_path / "out")
    head = (tmp_path / "out" / "enrollments.csv").read_text().splitlines()[0].split(",")
    assert len(head) == 11 and head[-1] == "metadata.seat"
    assert _rows_of(tmp_path / "out")["c2:1"]["beginDate"] == "2024-08-19"
    back = read_oneroster(tmp_path / "out")
    assert back.sections["c1"].extra[ENROLLMENT_CELLS_KEY] == wide
    assert back.sections["c2"].extra[ENROLLMENT_CELLS_KEY] == dated


_USERS = ("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username\n"
          "u1,,,true,S1,student,\nu2,,,true,S1,student,\nu3,,,true,S1,student,\n"
          "t1,,,true,S1,teacher,\n")
_BASE_ENR = (DELTA_ENR_HEAD + "e1,,,C1,S1,u1,student,,2024-08-19,\n"
             "e2,,,C1,S1,u2,student,,2024-08-19,\ne3,,,C1,S1,t1,teacher,true,2024-08-19,\n"
             "e4,,,C2,S1,u1,student,,2024-08-19,2025-06-01\n")


def test_a_delta_replaces_the_cells_it_sends_and_drops_removed_ones(tmp_path: Path) -> None:
    b = base(tmp_path, _USERS, _BASE_ENR)
    r = read_oneroster(delta(tmp_path / "d", enrollments_csv=DELTA_ENR_HEAD + (
        "e1,active,,C1,S1,u1,student,,2024-08-19,2025-01-31\n"   # u1 leaves mid-year
        "e2,tobedeleted,,C1,S1,u2,student,,,\n"
        "e7,active,,C1,S1,u3,student,,2025-02-01,\n")), base=b)
    assert r.sections["C1"].students == ("u1", "u3")
    assert r.sections["C1"].extra[ENROLLMENT_CELLS_KEY] == {
        "beginDate": {"student": {"2024-08-19": ["u1"], "2025-02-01": ["u3"]},
                      "teacher": {"2024-08-19": ["t1"]}},
        "endDate": {"student": {"2025-01-31": ["u1"]}}}
    assert r.sections["C2"].extra == b.sections["C2"].extra  # (untouched)
    # a user deleted: its enrollments and their cells go with it
    gone = read_oneroster(delta(tmp_path / "d2", users_csv=(
        "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username\n"
        "u1,tobedeleted,,,,,\n")), base=b)
    assert gone.sections["C1"].extra[ENROLLMENT_CELLS_KEY] == {
        "beginDate": {"student": {"2024-08-19": ["u2"]}, "teacher": {"2024-08-19": ["t1"]}}}
    assert ENROLLMENT_CELLS_KEY not in gone.sections["C2"].extra


def test_a_class_sent_again_keeps_its_cells_and_takes_its_rows_new_ones(tmp_path: Path) -> None:
    """A delta's class row carries no enrollment: the base's cells stay, and the cells of
    the class's enrollment rows the delta sends replace theirs."""
    from tests.oneroster_delta_bundles import CLASSES_HEAD

    b = base(tmp_path, _USERS, _BASE_ENR)
    r = read_oneroster(delta(
        tmp_path / "d", classes_csv=CLASSES_HEAD + "C1,active,,Math II,05,,,scheduled,,S1,,,,\n",
        enrollments_csv=DELTA_ENR_HEAD + "e2,active,,C1,S1,u2,student,,2024-08-19,2025-03-01\n"),
        base=b)
    assert r.sections["C1"].name == "Math II"
    assert r.sections["C1"].extra[ENROLLMENT_CELLS_KEY] == {
        "beginDate": {"student": {"2024-08-19": ["u1", "u2"]}, "teacher": {"2024-08-19": ["t1"]}},
        "endDate": {"student": {"2025-03-01": ["u2"]}}}


@pytest.mark.parametrize("class_too", [False, True])
def test_an_enrollment_sent_again_with_empty_cells_loses_the_old_ones(class_too: bool,
                                                                      tmp_path: Path) -> None:
    """A row sent again is the row as it is now: its empty endDate clears the base's
    (it did only when another of the row's cells held a value), for a class the delta
    sends again too."""
    from tests.oneroster_delta_bundles import CLASSES_HEAD

    b = base(tmp_path, _USERS, _BASE_ENR)
    classes = {"classes_csv": CLASSES_HEAD + "C2,active,,Art,05,,,scheduled,,S1,,,,\n"
               } if class_too else {}
    r = read_oneroster(delta(tmp_path / "d", enrollments_csv=DELTA_ENR_HEAD + (
        "e4,active,,C2,S1,u1,student,,,\n"), **classes), base=b)
    assert r.sections["C2"].students == ("u1",)
    assert ENROLLMENT_CELLS_KEY not in r.sections["C2"].extra
    # (the endDate alone cleared: the beginDate given again stays)
    r = read_oneroster(delta(tmp_path / "d2", enrollments_csv=DELTA_ENR_HEAD + (
        "e4,active,,C2,S1,u1,student,,2024-08-19,\n"), **classes), base=b)
    assert r.sections["C2"].extra[ENROLLMENT_CELLS_KEY] == {
        "beginDate": {"student": {"2024-08-19": ["u1"]}}}


@pytest.mark.parametrize("shape", sorted(_SHAPES))
def test_a_column_without_a_name_is_kept_and_carried_back(shape: str, tmp_path: Path) -> None:
    """An enrollments.csv column whose header cell is empty (in the middle of the header)
    keeps its cells, as users.csv keeps such a column in extra; the writer carries them in
    the class's JSON (a column written without a name at the header's end would be read
    without it), so they read back the same. They were dropped without a word."""
    head = _HEAD.replace("beginDate,", ",beginDate,")
    rows = "".join(line.replace(",student,,", ",student,,seat 4,", 1)
                   if "student" in line else line.replace("true,", "true,,", 1).replace(
                       "aide,,", "aide,,,", 1) for line in _ROWS.splitlines(keepends=True))
    extra_row = _SHAPES[shape].replace("student,,,,", "student,,,,,")
    r = read_oneroster(bundle(tmp_path / shape, enrollments_csv=head + rows + extra_row))
    cells = r.sections["c1"].extra[ENROLLMENT_CELLS_KEY]
    assert cells[""] == {"student": {"seat 4": ["s1", "s2"]}}
    assert cells["beginDate"] == _WANT["beginDate"]
    write_oneroster(r, tmp_path / "out")
    again = read_oneroster(tmp_path / "out")
    assert again.sections["c1"].extra[ENROLLMENT_CELLS_KEY] == cells


def test_a_delta_without_a_column_keeps_the_base_cells_of_that_column(tmp_path: Path) -> None:
    """A column the delta's enrollments.csv header does not have says nothing about its
    cells: an enrollment sent again keeps the base's cells of that column, and takes the
    delta's (an empty cell clearing) for the columns the header has."""
    b = base(tmp_path, _USERS, _BASE_ENR)
    head = DELTA_ENR_HEAD.replace(",beginDate,endDate", ",endDate")  # (no beginDate)
    r = read_oneroster(delta(tmp_path / "d", enrollments_csv=head + (
        "e1,active,,C1,S1,u1,student,,2025-01-31\n"
        "e4,active,,C2,S1,u1,student,,\n")), base=b)
    assert r.sections["C1"].extra[ENROLLMENT_CELLS_KEY] == {
        "beginDate": {"student": {"2024-08-19": ["u1", "u2"]}, "teacher": {"2024-08-19": ["t1"]}},
        "endDate": {"student": {"2025-01-31": ["u1"]}}}
    assert r.sections["C2"].extra[ENROLLMENT_CELLS_KEY] == {
        "beginDate": {"student": {"2024-08-19": ["u1"]}}}
    # a delta's header of no kept column at all leaves every cell as it was
    bare = DELTA_ENR_HEAD.replace(",beginDate,endDate", "")
    r = read_oneroster(delta(tmp_path / "d2", enrollments_csv=bare + (
        "e4,active,,C2,S1,u1,student,\n")), base=b)
    assert r.sections["C2"].extra[ENROLLMENT_CELLS_KEY] == b.sections["C2"].extra[
        ENROLLMENT_CELLS_KEY]


@pytest.mark.parametrize("extensions", [True, False])
def test_cells_of_an_enrollment_not_written_are_carried_or_told(extensions: bool,
                                                                tmp_path: Path) -> None:
    """Cells a section keeps for an enrollment it no longer has (a user not enrolled any
    more) have no row to go on: they are carried in the class's JSON (read back the same,
    a group shared with a written enrollment too) and counted in the report, or, without
    extensions, counted as dropped. They were dropped without a word."""
    cells = {"beginDate": {"student": {"2024-08-19": ["s1", "s9"], "2025-01-06": ["s9"]}},
             # (a hand-made second value of one column for one enrollment: no row holds it)
             "endDate": {"student": {"2025-06-01": ["s1"], "2025-07-01": ["s1"]}}}
    r = rostergraph.Roster(sections=[Section(id="c1", school="sA", students=("s1",),
                                             extra={ENROLLMENT_CELLS_KEY: cells})])
    report = write_oneroster(r, tmp_path / "out", extensions=extensions)
    told = [row for row in report.to_dicts() if "enrollmentCells" in row["field"]]
    assert told and {row["how"] for row in told} == {"extension" if extensions else "dropped"}
    assert _rows_of(tmp_path / "out")["c1:1"]["beginDate"] == "2024-08-19"
    back = read_oneroster(tmp_path / "out").sections["c1"].extra[ENROLLMENT_CELLS_KEY]
    assert back == (cells if extensions else {
        "beginDate": {"student": {"2024-08-19": ["s1"]}},
        "endDate": {"student": {"2025-06-01": ["s1"]}}})


@pytest.mark.parametrize("shape", sorted(_SHAPES))
def test_the_note_counts_only_the_cells_kept(shape: str, tmp_path: Path) -> None:
    """The note's count of each column is of the rows whose cells were kept: a row not
    loaded (a class no classes.csv row gives, no role) or the same enrollment again (the
    first row kept) holds a cell no section keeps, and is not counted."""
    rows = _ROWS + ("e6,,,c404,sA,s1,student,,2024-08-19,,\n"   # an unknown class
                    "e7,,,c1,sA,s2,,,2024-08-19,2025-06-01,\n")  # no role
    r = read_oneroster(bundle(tmp_path / shape, enrollments_csv=_HEAD + rows + _SHAPES[shape]))
    assert r.sections["c1"].extra[ENROLLMENT_CELLS_KEY] == _WANT
    note = next(n for n in r.provenance.notes if ENROLLMENT_CELLS_KEY in n)
    assert note.startswith("enrollments.csv: beginDate (3 rows), endDate (1 rows), "
                           "metadata.sis.seat (1 rows) kept")
    # every row of a column not loaded: the column is not said kept
    r = read_oneroster(bundle(tmp_path / (shape + "-none"), enrollments_csv=_HEAD + (
        "e1,,,c1,sA,s1,student,,,,\ne6,,,c404,sA,s1,student,,,,A9\n") + _SHAPES[shape]))
    assert ENROLLMENT_CELLS_KEY not in r.sections["c1"].extra
    assert not [n for n in r.provenance.notes if ENROLLMENT_CELLS_KEY in n]
