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
