"""The ``status`` cell of OneRoster CSV rows: the specifications know ``active`` and
``tobedeleted`` (1.0 also ``inactive``). Any other value (``deleted``, ``archived``) is
read as active, as before, but told: one problem per file, counting the rows and naming
the values, whether the file's rows are read from whole columns or one by one."""

from __future__ import annotations

from pathlib import Path

import pytest

import rostergraph
from tests.test_oneroster_variants import CLASSES, ENR_HEAD, ORGS, USERS, write

MANIFEST = "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n" + "".join(
    f"file.{f},bulk\n" for f in ("orgs", "classes", "users", "enrollments"))


def _bundle(folder: Path, users: str, enrollments: str) -> Path:
    return write(folder, {"manifest.csv": MANIFEST, "orgs.csv": ORGS, "classes.csv": CLASSES,
                          "users.csv": users, "enrollments.csv": ENR_HEAD + enrollments})


@pytest.mark.parametrize("broken", [False, True])
def test_a_status_oneroster_does_not_know_is_told_once_per_file(tmp_path: Path,
                                                                broken: bool) -> None:
    """Two users marked ``deleted`` and ``Archived``, an enrollment marked ``deleted``: they
    load (as active, as before) and each file says so once, with the count and values;
    ``active`` in any case and ``tobedeleted`` are not told. ``broken`` adds a row of too
    many cells to users.csv, so that its rows are read one by one (not from whole
    columns)."""
    users = USERS.replace("s1,active,", "s1,deleted,").replace("s2,active,", "s2,Archived,")
    users = users.replace("t1,active,", "t1,ACTIVE,")
    if broken:
        users += "x9,deleted,2024-01-01,true,sA,student,x9,,X,Y,,X9,,,,,04,,surplus\n"
    enrollments = ("e1,active,,c1,sA,s1,student,,,\n"
                   "e2,deleted,,c1,sA,s2,student,,,\n"
                   "e3,,,c1,sA,t1,teacher,true,,\n")
    r = rostergraph.load(_bundle(tmp_path / "b", users, enrollments))
    assert {"s1", "s2", "t1"} <= set(r.users)
    assert set(r.sections["c1"].students) == {"s1", "s2"}
    told = [p for p in r.problems if p.field == "status"]
    assert [(p.file, p.code) for p in told] == [("users.csv", "other"),
                                               ("enrollments.csv", "other")]
    assert "2 rows" in told[0].message and "'deleted'" in told[0].message
    assert "'Archived'" in told[0].message and told[0].line == 3
    assert "1 row " in told[1].message and told[1].line == 3
    assert "ACTIVE" not in told[0].message


def test_known_statuses_are_not_told(tmp_path: Path) -> None:
    """active, an empty cell and tobedeleted (left out, as ever) give no status problem."""
    users = USERS.replace("s2,active,", "s2,tobedeleted,").replace("s1,active,", "s1,,")
    r = rostergraph.load(_bundle(tmp_path / "b", users, "e1,Active,,c1,sA,s1,student,,,\n"))
    assert "s2" not in r.users and "s1" in r.users
    assert not [p for p in r.problems if p.field == "status"]
