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
@pytest.mark.parametrize("tail", [b"\x1a", b"\x00\x00\x00\x00", b"\x1a\r\n", b"\r\n\x1a\x1a",
                                  b"\x00\r\n"])
@pytest.mark.parametrize("extensions", [True, False])
def test_padding_after_the_last_row_is_no_row(tmp_path: Path, fmt: str, tail: bytes,
                                              extensions: bool) -> None:
    """``extensions=False``: the files as an SIS exports them, no cell quoted, which pyarrow
    parses as it reads them from disk (the tests stream every file): the padding is taken
    off all the same (it went into the last row's last cell)."""
    clean = tmp_path / "clean"
    (write_oneroster if fmt == "oneroster" else write_clever_csv)(
        district(students=20, seed=3), clean, extensions=extensions)
    padded = Path(shutil.copytree(clean, tmp_path / "padded"))
    name = "users.csv" if fmt == "oneroster" else "students.csv"
    body = (padded / name).read_bytes()
    (padded / name).write_bytes(body.rstrip(b"\r\n") + tail if tail[:1] == b"\r" else body + tail)
    want = rostergraph.load(clean)
    got = rostergraph.load(padded, strict=extensions)  # (a plain upload tells a course)
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


@pytest.mark.parametrize("tail", [b"\x1a", b"\x00\r\n", b"\r\n\x1a", b"\x1a\x1a\n"])
def test_padding_is_taken_off_a_file_parsed_as_read(tmp_path: Path, tail: bytes) -> None:
    """A file parsed by pyarrow as it is read from disk (a file of 128 MiB or more; every
    file in the tests) leaves padding to the byte path: pyarrow read it into the last
    row's last cell, and no note told it."""
    files = {
        "schools.csv": b"School_id,School_name\r\nsc1,North\r\n",
        "students.csv": b"School_id,Student_id,Last_name,First_name,Grade\r\n"
                        b"sc1,s1,Lee,Ann,3\r\nsc1,s2,Kim,Bo,4",
    }
    for folder, end in (("clean", b"\r\n"), ("padded", tail)):
        (tmp_path / folder).mkdir()
        for name, data in files.items():
            (tmp_path / folder / name).write_bytes(data + (end if name == "students.csv"
                                                           else b""))
    want, got = rostergraph.load(tmp_path / "clean"), rostergraph.load(tmp_path / "padded")
    assert {u: record_to_dict(r) for u, r in got.users.items()} == {
        u: record_to_dict(r) for u, r in want.users.items()}
    assert [p.code for p in got.problems] == [p.code for p in want.problems]
    assert any("students.csv" in n and "padding" in n for n in got.provenance.notes)
