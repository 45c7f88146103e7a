"""CSV files that end in padding after their last row: a Ctrl-Z (the end-of-file mark of
DOS-era tools, which some SIS exporters still write) or NUL bytes (a file pre-allocated
and cut short). The padding is no row: every row loads as from the clean file, with a
note, where it was an unreadable one-cell row (an error, fatal with ``strict=True``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import rostergraph
from rostergraph.io.write_oneroster import write_oneroster
from rostergraph.io.write_sftp import write_clever_csv
from rostergraph.model import record_to_dict
from tests.test_csv_equivalence import district


@pytest.mark.parametrize("fmt", ["oneroster", "sftp"])
@pytest.mark.parametrize("tail", [b"\x1a", b"\x00\x00\x00\x00", b"\x1a\r\n", b"\r\n\x1a\x1a"])
def test_padding_after_the_last_row_is_no_row(tmp_path: Path, fmt: str, tail: bytes) -> None:
    clean = tmp_path / "clean"
    (write_oneroster if fmt == "oneroster" else write_clever_csv)(district(students=20, seed=3),
                                                                 clean)
    padded = Path(shutil.copytree(clean, tmp_path / "padded"))
    name = "users.csv" if fmt == "oneroster" else "students.csv"
    body = (padded / name).read_bytes()
    (padded / name).write_bytes(body.rstrip(b"\r\n") + tail if tail[:1] == b"\r" else body + tail)
    want = rostergraph.load(clean)
    got = rostergraph.load(padded, strict=True)
    assert [p.code for p in got.problems] == [p.code for p in want.problems]
    assert {u: record_to_dict(r) for u, r in got.users.items()} == {
        u: record_to_dict(r) for u, r in want.users.items()}
    assert any(name in n and "padding" in n for n in got.provenance.notes)


def test_a_nul_inside_the_file_is_still_a_problem(tmp_path: Path) -> None:
    """Only padding at the very end is skipped: a NUL inside a row stays that row's."""
    roster = district(students=20, seed=3)
    write_oneroster(roster, tmp_path / "b")
    users = tmp_path / "b" / "users.csv"
    lines = users.read_bytes().split(b"\n")
    lines[2] = lines[2] + b"\x00"
    users.write_bytes(b"\n".join(lines))
    got = rostergraph.load(tmp_path / "b")
    assert not any("padding" in n for n in got.provenance.notes)


@pytest.mark.parametrize("fmt", ["oneroster", "sftp"])
@pytest.mark.parametrize("content", [b"\x00", b"\x1a", b"\r\n\x1a"])
def test_a_file_of_padding_only_is_told(tmp_path: Path, fmt: str, content: bytes) -> None:
    """A file holding nothing but padding has no header either: that is told, as for any
    file whose header lacks the columns, not skipped as an empty end."""
    (write_oneroster if fmt == "oneroster" else write_clever_csv)(district(students=20, seed=3),
                                                                 tmp_path / "b")
    name = "enrollments.csv"
    (tmp_path / "b" / name).write_bytes(content)
    got = rostergraph.load(tmp_path / "b")
    told = [p for p in got.problems if p.file == name]
    # (each reader's words for a header without its columns: it names one)
    assert told and ("Section_id" in told[0].message or "classSourcedId" in told[0].message)
    assert not any("padding" in n for n in got.provenance.notes)
