"""A row of a CSV file not loaded for its number of cells keeps its text in the problem's
``raw``, but never a password cell (a login credential is never kept), whether the row has
cells too many or too few before it. A row the CSV parser cannot read at all, a field over
the limit, and bytes that are not UTF-8 keep no raw text in a file with a password
column (which cell is the password cannot be told there)."""

from __future__ import annotations

from pathlib import Path

import pytest

import rostergraph
from tests.test_csv_equivalence import assert_same

_SFTP = {
    "schools.csv": "School_id,School_name\nsA,Alpha\n",
    "students.csv": "School_id,Student_id,First_name,Password\nsA,s1,Bo,SECRET1,extra\n"
                    "sA,s2,Bo,Fa,SECRET2\nsA,s3,SECRET3\nsA,s4,Cy,pw4\n",
    "teachers.csv": "School_id,Teacher_id,First_name\nsA,t1,Tia\n",
    "sections.csv": "School_id,Section_id,Teacher_id,Name\nsA,se1,t1,Math\n",
    "enrollments.csv": "School_id,Section_id,Student_id\nsA,se1,s4\n",
}
_ONEROSTER = {
    "manifest.csv": "propertyName,value\noneroster.version,1.1\n",
    "orgs.csv": "sourcedId,name,type\nsA,Alpha,school\n",
    "users.csv": "sourcedId,role,orgSourcedIds,password,givenName\n"
                 "u1,student,sA,SECRET1,Ann,x\nu2,student,sA,x,SECRET2,Ann\n"
                 "u3,student,SECRET3\nu4,student,sA,pw4,Cy\n",
}


@pytest.mark.parametrize("fmt", ["sftp", "oneroster"])
def test_a_row_of_the_wrong_length_keeps_no_password_in_raw(tmp_path: Path,
                                                            fmt: str) -> None:
    files = _SFTP if fmt == "sftp" else _ONEROSTER
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8", newline="")
    r = rostergraph.load(tmp_path, cache=False)
    bad = [p for p in r.problems if "cells, the header has" in p.message]
    assert [p.line for p in bad] == [2, 3, 4]
    assert all(p.raw for p in bad)  # (the row's other cells are still told)
    assert not any("SECRET" in (p.raw or "") for p in r.problems)
    assert_same(fmt, tmp_path)  # (the row-by-row reader alike)


_UNREADABLE = {
    "sftp": ("students.csv", "School_id,Student_id,First_name,Password\n"
                             "sA,s1,Bo,\"SECRET1\"x\nsA,s2,Bo,SECRET2" + "y" * 300 + "\n"
                             "sA,s3,B\xe9,SECRET3\nsA,s4,Cy,pw4\n"),
    "oneroster": ("users.csv", "sourcedId,role,orgSourcedIds,password,givenName\n"
                               "u1,student,sA,\"SECRET1\"x,Ann\n"
                               "u2,student,sA,SECRET2" + "y" * 300 + ",Ann\n"
                               "u3,student,sA,SECRET3,B\xe9\nu4,student,sA,pw4,Cy\n"),
}


@pytest.mark.parametrize("fmt", ["sftp", "oneroster"])
def test_unreadable_rows_and_bytes_keep_no_password_in_raw(tmp_path: Path, fmt: str) -> None:
    files = dict(_SFTP if fmt == "sftp" else _ONEROSTER)
    name, text = _UNREADABLE[fmt]
    for n, t in {**files, name: ""}.items():
        (tmp_path / n).write_text(t, encoding="utf-8", newline="")
    (tmp_path / name).write_bytes(text.encode("latin-1"))  # (\xe9: a byte no UTF-8 has)
    limits = rostergraph.io.limits.Limits(max_field_bytes=200)
    r = rostergraph.load(tmp_path, cache=False, limits=limits)
    told = {(p.code, p.line) for p in r.problems if p.file == name}
    assert {("syntax", 2), ("limit", 3), ("encoding", 4)} <= told
    assert not any("SECRET" in (p.raw or "") for p in r.problems)
    assert_same(fmt, tmp_path, limits=limits)  # (the row-by-row reader alike)
