"""The row steps of the Clever SFTP reader: a new record filled a run at a time
(``_fill_new``) is the record the comparing fill (``_fill``) makes, key for key and in
the same order, and a row's contact groups are found from one read of its cells."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rostergraph.io.clever_csv import read_clever_csv
from rostergraph.io.sftp_columns import SFTP_COLUMNS, column_plan
from rostergraph.io.sftp_rows import RowReader, contact_cells
from rostergraph.roster import RosterBuilder


def _reader(file: str, header: list[str]) -> RowReader:
    r = RowReader({}, RosterBuilder(source="m", format="clever-csv"), None)  # type: ignore[arg-type]
    r.plans[file] = column_plan(file, header)
    return r


# (the keys a reader puts on a new record before its cells: none is a field's)
_NEW = {"schools.csv": {"id": "x", "sis_id": "x", "district": "d"},
        "sections.csv": {"id": "x", "sis_id": "x", "school": "s", "teachers": []},
        "students.csv": {"id": "x", "roles": {"student": {"sis_id": "x", "schools": ["s"]}}},
        "teachers.csv": {"id": "x", "roles": {"teacher": {"sis_id": "x", "school": "s"}}},
        "staff.csv": {"id": "x", "roles": {"staff": {"staff_id": "x", "roles": ["r"]}}},
        "admins.csv": {"id": "x", "roles": {"staff": {"staff_id": "x"}}}}


@pytest.mark.parametrize("file", sorted(_NEW))
@pytest.mark.parametrize("empty", [False, True])
def test_a_new_record_is_filled_as_the_comparing_fill_fills_it(file: str, empty: bool) -> None:
    header = [c for c, _ in reversed(SFTP_COLUMNS[file])] + ["Bus", "Room 2"]
    row = {c: "" if empty and i % 2 else f"v{i}" for i, c in enumerate(header)}
    r = _reader(file, header)
    want, got = json.loads(json.dumps(_NEW[file])), json.loads(json.dumps(_NEW[file]))
    assert r._fill(want, row, file) == []
    r._fill_new(got, row, file)
    assert json.dumps(got) == json.dumps(want)
    assert list(got)[-2:] == ["sftp.Bus", "sftp.Room 2"]


def test_contact_groups_found_from_one_read_of_the_cells() -> None:
    header = ["Student_id", "Contact_type", "Contact_3_name", "Contact_name", "Contact_3_email"]
    cols, owner, groups = contact_cells(column_plan("students.csv", header))
    assert cols == ["Contact_name", "Contact_type", "Contact_3_name", "Contact_3_email"]
    assert groups == [("1", ("name", "type"), 0, 2), ("3", ("name", "email"), 2, 4)]
    assert owner == (0, 0, 1, 1)


def test_a_problem_raw_row_has_every_cell_of_a_row_read_without_its_contacts(
        tmp_path: Path) -> None:
    """students.csv rows are read as dicts without their contact columns; the raw text of
    a row's problem is still the whole row, in the header's order, with the id it was
    read as (a padded School_id matched), and no password."""
    (tmp_path / "schools.csv").write_text("School_id,School_name\nsA,Alpha\n")
    (tmp_path / "students.csv").write_text(
        "Student_id,School_id,First_name,Contact_name,Password,Contact_2_type,Bus\n"
        "st1,sA,Ann,Cat,pw,Family,7\n"
        "st1, sA,Bo,,pw,,8\n"
        ",sA,Cy,Dot,pw,Family,9\n")
    r = read_clever_csv(tmp_path)
    again, no_id = [p for p in r.problems if p.line in (3, 4) and p.raw and "{" in p.raw]
    assert json.loads(again.raw) == {"Student_id": "st1", "School_id": "sA", "First_name": "Bo",
                                     "Contact_name": "", "Contact_2_type": "", "Bus": "8"}
    assert list(json.loads(again.raw)) == list(json.loads(no_id.raw))
    assert json.loads(no_id.raw)["Contact_name"] == "Dot"
    assert r.users["st1"].name.first == "Ann"
