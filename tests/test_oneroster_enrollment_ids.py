"""An enrollment repeated for the same class, user and role, first without a ``sourcedId``
and then with one: the id is kept (``extra["oneroster.enrollmentIds"]``) and written back,
whichever path reads the file (column-wise for a clean file, row by row when a row is
left out as ``tobedeleted`` or a row is broken). The two paths kept different ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from rostergraph.io.oneroster import read_oneroster
from tests.test_oneroster_variants import ENR_HEAD, bundle

_ROWS = ("e1,,,c1,sA,t1,teacher,true,,\n"
         ",,,c1,sA,s1,student,,,\n"          # no id
         "e2,,,c1,sA,s1,student,,,\n"        # the same enrollment, with its id
         "e3,,,c1,sA,s2,student,,,\n"
         "e4,,,c1,sA,s2,student,,,\n")       # the same again: the first id stays

_SHAPES = {"clean": "", "with-deletions": "e9,tobedeleted,,c2,sA,s2,student,,,\n",
           "row-by-row": "e8,,,c2,sA,s2\n"}  # (a short row: a syntax problem)


@pytest.mark.parametrize("shape", sorted(_SHAPES))
def test_an_enrollment_id_after_an_id_less_repeat_is_kept(shape: str, tmp_path: Path) -> None:
    r = read_oneroster(bundle(tmp_path / shape,
                              enrollments_csv=ENR_HEAD + _ROWS + _SHAPES[shape]))
    assert r.sections["c1"].students == ("s1", "s2")
    ids = r.sections["c1"].extra["oneroster.enrollmentIds"]
    assert ids["student"] == {"s1": "e2", "s2": "e3"}
    assert ids["teacher"] == {"t1": "e1"}
