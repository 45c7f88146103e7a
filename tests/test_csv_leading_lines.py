"""CSV files whose header comes after lines of spaces or byte order marks, or after a blank
line with a byte order mark glued to it (two exports joined, a hand-edited file): the
header is found, every row loads, and a problem says what was skipped. Rows of empty cells
after the header (a spreadsheet's blank rows saved as lines of separators) are skipped as
blank lines are, with one problem per file."""

from __future__ import annotations

from pathlib import Path

import pytest

import rostergraph
from rostergraph.io.csvutil import read_table
from rostergraph.io.write_oneroster import write_oneroster
from rostergraph.io.write_sftp import write_clever_csv
from rostergraph.roster import RosterBuilder
from tests.test_csv_equivalence import assert_same, district

_BOM = b"\xef\xbb\xbf"


@pytest.mark.parametrize("fmt", ["oneroster", "sftp"])
@pytest.mark.parametrize(("prefix", "said"), [
    (b" \n", "holds no name (only spaces, separators or byte order marks)"),
    (b"\t \r\n", "holds no name (only spaces, separators or byte order marks)"),
    (b"\n" + _BOM + b"\n", "holds no name (only spaces, separators or byte order marks)"),
    (b",,,\n", "holds no name (only spaces, separators or byte order marks)"),
    (b"\n" + _BOM, "byte order mark (U+FEFF) before the header"),
])
def test_the_header_after_lines_of_spaces_or_a_mark_is_found(
        tmp_path: Path, fmt: str, prefix: bytes, said: str) -> None:
    """Every user loads as from the clean file (before: the line of spaces, or the mark,
    was taken for a one-column header, or the mark for part of the first name, and every
    row was lost), the oracle reads the same, and one problem names the file."""
    roster = district(students=30, seed=5)
    clean, messy = tmp_path / "clean", tmp_path / "messy"
    write = write_oneroster if fmt == "oneroster" else write_clever_csv
    write(roster, clean)
    write(roster, messy)
    name = "users.csv" if fmt == "oneroster" else "students.csv"
    (messy / name).write_bytes(prefix + (clean / name).read_bytes().removeprefix(_BOM))
    want, got = rostergraph.load(clean), rostergraph.load(messy)
    assert sorted(got.users) == sorted(want.users)
    told = [p for p in got.problems if p.file == name]
    assert len(told) == 1 and said in told[0].message
    assert_same(fmt, messy)


def _with_empty_rows(data: bytes, width: int) -> bytes:
    """``data`` with rows of empty cells after its second row and at its end, as a
    spreadsheet saves the rows it holds no values in (full width, short, quoted, blank)."""
    lines = data.split(b"\n")
    empty = [b"," * (width - 1), b",,", b'"",""' + b"," * (width - 2), b" , \t,"]
    return b"\n".join([*lines[:3], *empty[:2], *lines[3:-1], *empty[2:], b""])


@pytest.mark.parametrize("fmt", ["oneroster", "sftp"])
def test_rows_of_empty_cells_are_skipped_with_one_problem(tmp_path: Path, fmt: str) -> None:
    """A users file and an enrollments file holding rows of empty cells (Excel writes a row
    it once formatted as a line of commas) load as the clean files: every user and
    enrollment, and one ``other`` problem per file naming the first such line and the
    count (before: each such row was a record without an id, an error, or an enrollment
    in the unknown class ``''``), the oracle reading the same."""
    roster = district(students=30, seed=5)
    clean, messy = tmp_path / "clean", tmp_path / "messy"
    write = write_oneroster if fmt == "oneroster" else write_clever_csv
    write(roster, clean)
    write(roster, messy)
    names = ["users.csv" if fmt == "oneroster" else "students.csv", "enrollments.csv"]
    for name in names:
        data = (clean / name).read_bytes()
        width = data.split(b"\n", 1)[0].count(b",") + 1
        (messy / name).write_bytes(_with_empty_rows(data, width))
    want, got = rostergraph.load(clean), rostergraph.load(messy)
    assert sorted(got.users) == sorted(want.users)
    assert {s: got.sections[s].students for s in got.sections} == {
        s: want.sections[s].students for s in want.sections}
    for name in names:
        told = [p for p in got.problems if p.file == name]
        assert [(p.code, p.line) for p in told] == [("other", 4)], told
        assert "4 rows (line 4 and 3 more) hold only empty cells" in told[0].message
    assert_same(fmt, messy)


@pytest.mark.parametrize("body", [
    b"a,b\n1,x\n,\n2,y\n",  # (pyarrow's parse, or the csv module's whole pass)
    b"a,b\n1,Pe\xf1a\n,\n2,y\n",  # (not UTF-8: Windows-1252, the csv module's pass)
    b'a,b\n1,"x\ny"\n,\n2,y\n',  # (a quoted line break: read row by row)
    b"a,b\n1,x\n,\n2,y\n3\n",  # (a row too short: read row by row)
])
def test_a_row_of_empty_cells_is_no_row_whichever_way_the_file_is_read(body: bytes) -> None:
    b = RosterBuilder(source="m", format="t")
    rows = list(read_table(body, "t.csv", b).rows())
    assert [r[1][0] for r in rows] == ["1", "2"]
    assert [(p.code, p.line) for p in b.problems if "empty cells" in p.message] == [
        ("other", 3 + body.count(b'"x\ny"'))]
