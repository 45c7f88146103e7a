"""CSV files whose header comes after lines of spaces or byte order marks, or after a blank
line with a byte order mark glued to it (two exports joined, a hand-edited file): the
header is found, every row loads, and a problem says what was skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

import rostergraph
from rostergraph.io.write_oneroster import write_oneroster
from rostergraph.io.write_sftp import write_clever_csv
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
