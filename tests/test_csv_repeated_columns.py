"""A CSV header that names a column twice (an export joining two queries, a hand-edited
sheet, two blank names): the first column is read as the format's, and each repeat's
cells are kept as a column of their own, ``<name>#2``, in the records' ``extra``, with
a problem on line 1. The repeat's cells were lost."""

from __future__ import annotations

import unittest.mock
from pathlib import Path

import pytest

import rostergraph
from rostergraph.io import csvutil
from tests.test_csv_equivalence import assert_same
from tests.test_oneroster_variants import write

_SFTP = {
    "schools.csv": "School_id,School_name\nsA,Alpha\n",
    "students.csv": "Student_id,School_id,Student_email,First_name,Student_email,,,Last_name\n"
                    "st1,sA,ann@x.org,Ann,ann.home@x.org,p,q,Fake\n",
    "teachers.csv": "Teacher_id,School_id,First_name,Last_name\nt1,sA,Tia,Fake\n",
    "sections.csv": "Section_id,School_id,Teacher_id,Name\nse1,sA,t1,Math\n",
    "enrollments.csv": "School_id,Section_id,Student_id\nsA,se1,st1\n",
}
_ONEROSTER = {
    "manifest.csv": "propertyName,value\noneroster.version,1.1\n",
    "orgs.csv": "sourcedId,name,type\nsA,Alpha,school\n",
    "users.csv": "sourcedId,role,orgSourcedIds,email,givenName,email,email#2,,x,,z\n"
                 "u1,student,sA,ann@x.org,Ann,ann.home@x.org,third,p,y,q,w\n",
    "enrollments.csv": "sourcedId,classSourcedId,userSourcedId,role\ne1,c1,u1,student\n",
    "classes.csv": "sourcedId,title,schoolSourcedId\nc1,Math,sA\n",
}


@pytest.mark.parametrize("parser", ["pyarrow", "csv module"])
@pytest.mark.parametrize("fmt", ["sftp", "oneroster"])
def test_a_repeated_column_keeps_its_cells(tmp_path: Path, fmt: str, parser: str) -> None:
    write(tmp_path, _SFTP if fmt == "sftp" else _ONEROSTER)
    off = unittest.mock.patch.object(csvutil, "_arrow_columns", lambda *a: None)
    with off if parser == "csv module" else unittest.mock.patch.dict({}):
        r = rostergraph.load(tmp_path, cache=False)
    said = [p for p in r.problems if "appears twice" in p.message]
    uid = "st1" if fmt == "sftp" else "u1"
    user = r.users[uid]
    values = repr(dict(user.extra))
    assert user.email == "ann@x.org" or (user.roles.student.email == "ann@x.org")
    assert "ann.home@x.org" in values  # the repeat's cell
    assert "'q'" in values  # the second blank name's cell
    if fmt == "oneroster":
        # email#2 is taken by a column of its own: the repeat is email#3
        assert [p.message.rsplit(" ", 1)[-1] for p in said] == ["'email#3'", "'#2'"]
        assert "third" in values
    else:
        assert [p.message.rsplit(" ", 1)[-1] for p in said] == ["'Student_email#2'", "'#2'"]
    assert all((p.file, p.line, p.code) == (said[0].file, 1, "syntax") for p in said)


@pytest.mark.parametrize("fmt", ["sftp", "oneroster"])
def test_the_row_by_row_reader_agrees(tmp_path: Path, fmt: str) -> None:
    write(tmp_path, _SFTP if fmt == "sftp" else _ONEROSTER)
    assert_same(fmt, tmp_path)


@pytest.mark.parametrize("fmt", ["sftp", "oneroster"])
def test_a_repeated_password_column_is_never_kept(tmp_path: Path, fmt: str) -> None:
    files = dict(_SFTP, **{"students.csv": "Student_id,School_id,First_name,Password,"
                           "Last_name,Password\nst1,sA,Ann,SECRET1,Fake,SECRET2\n"}) \
        if fmt == "sftp" else dict(_ONEROSTER, **{
            "users.csv": "sourcedId,role,orgSourcedIds,password,givenName,password\n"
                         "u1,student,sA,SECRET1,Ann,SECRET2\n"})
    write(tmp_path, files)
    r = assert_same(fmt, tmp_path)
    assert "SECRET" not in repr(dict(r.users["st1" if fmt == "sftp" else "u1"].extra))
    assert "SECRET" not in repr(r.problems)
    assert any("never kept" in p.message for p in r.problems)


def test_a_header_given_again_is_told_when_a_column_was_renamed(tmp_path: Path) -> None:
    """The header repeated as a row (two exports joined) is the header as written, not
    as renamed: no user named ``Student_id``."""
    head = "Student_id,School_id,First_name,Last_name,Last_name\n"
    write(tmp_path, dict(_SFTP, **{"students.csv": head + "st1,sA,Ann,Fake,X\n" + head
                                   + "st2,sA,Bo,Fake,Y\n"}))
    r = assert_same("sftp", tmp_path)
    assert "st2" in r.users and "Student_id" not in r.users
    assert [p.line for p in r.problems if "header again" in p.message] == [3]


def test_a_header_of_one_name_repeated_thousands_of_times_reads() -> None:
    """20,000 columns named ``a`` (an 80 KB header): each repeat gets the next free
    number, the last ``a#20000`` (the numbers are counted per name, not searched again
    from 2 for every repeat, which took 24 s here)."""
    from rostergraph.io.csvutil import read_table
    from rostergraph.roster import RosterBuilder

    data = (",".join(["a"] * 20_000) + "\n" + ",".join(["1"] * 20_000) + "\n").encode()
    t = read_table(data, "t.csv", RosterBuilder(source="m", format="t"))
    assert t.header[-1] == "a#20000" and len(set(t.header)) == 20_000
