"""A v3 Clever JSON folder holding a legacy (v1.1) sections list."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import rostergraph
from rostergraph.synth import write_district

RUBY = Path(__file__).parent / "data" / "clever" / "clever-ruby-v1.1-vcr-bodies"


@pytest.mark.parametrize("strict", [False, True])
def test_v1_sections_beside_v3_files_are_told(tmp_path: Path, strict: bool) -> None:
    """Clever's recorded v1.1 sections page saved as ``sections.json`` beside v3 users:
    read as v3 sections (their course and term cells kept in extra) with one problem
    naming the file, which says that no terms or courses were built from them."""
    d = write_district(tmp_path / "d", students=40, seed=2)
    for f in d.glob("sections.*"):
        f.unlink()
    shutil.copy(RUBY / "sections_page1.json", d / "sections.json")
    if strict:
        with pytest.raises(rostergraph.FormatError, match="sections.json"):
            rostergraph.load(d, strict=True)
        return
    r = rostergraph.load(d)
    told = [p for p in r.problems if "v1.1/v2 sections" in p.message]
    assert [(p.file, p.kind, p.code) for p in told] == [("sections.json", "sections", "other")]
    assert len(r.sections) == 100 and "course_name" in next(iter(r.sections.values())).extra


def test_v3_sections_are_not_told(tmp_path: Path) -> None:
    """A v3 folder's own sections (JSON Lines or JSON) say nothing of the kind."""
    d = write_district(tmp_path / "d", students=40, seed=2)
    assert not [p for p in rostergraph.load(d).problems if "v1.1/v2" in p.message]
    assert not [p for p in rostergraph.load(rostergraph.sample_path()).problems
                if "v1.1/v2" in p.message]
