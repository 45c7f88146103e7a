"""An enrollment whose ``classSourcedId`` names no class of ``classes.csv`` but names one
once case or leading zeros are ignored: ids are matched as given (a OneRoster
``sourcedId`` is a string), so the row is not loaded, as before; its problem names the
class it may mean, which "enrollment in unknown class" alone did not (GUIDs written in
upper case in one file and lower case in another, numeric ids whose leading zeros a
spreadsheet dropped)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rostergraph.io.oneroster import read_oneroster
from tests.test_oneroster_variants import CLASSES, ENR_HEAD, bundle

GUID = "5f3c6d46-7837-4a63-8f3d-038c0ffee001"
_CLASSES = CLASSES.replace("\nc2,", f"\n{GUID},").replace("\nc1,", "\n00451,")
_SHAPES = {"clean": "", "with-deletions": "e9,tobedeleted,,c9,sA,s2,student,,,\n",
           "row-by-row": "e8,,,c9,sA,s2\n"}  # (a short row: a syntax problem)


@pytest.mark.parametrize("shape", sorted(_SHAPES))
def test_an_unknown_class_names_the_class_it_may_mean(shape: str, tmp_path: Path) -> None:
    rows = (f"e1,,,{GUID.upper()},sA,s1,student,,,\n"
            "e2,,,451,sA,s1,student,,,\n"
            "e3,,,00451,sA,s2,student,,,\n"
            "e4,,,nope,sA,s2,student,,,\n")
    r = read_oneroster(bundle(tmp_path / shape, classes_csv=_CLASSES,
                              enrollments_csv=ENR_HEAD + rows + _SHAPES[shape]))
    assert r.sections["00451"].students == ("s2",)
    told = {p.line: p.message for p in r.problems
            if p.file == "enrollments.csv" and "unknown class" in p.message}
    assert told[2] == (f"enrollment in unknown class {GUID.upper()!r} (class {GUID!r} has "
                       "this id in another case: ids are matched as given); not loaded")
    assert told[3] == ("enrollment in unknown class '451' (class '00451' has this id with "
                       "leading zeros, which a spreadsheet drops: ids are matched as given); "
                       "not loaded")
    assert told[5] == "enrollment in unknown class 'nope'; not loaded"
