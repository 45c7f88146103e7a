"""``orgs.csv`` schools and their district: a school row whose ``parentSourcedId`` is
empty (the OneRoster CSV specifications make it optional; single-district exports leave
it so) is in the bundle's sole district, as its classes, users, terms and courses are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import rostergraph
from rostergraph.io.write_oneroster import write_oneroster
from rostergraph.model import record_to_dict
from tests.test_oneroster_variants import CLASSES, ENR_HEAD, USERS, write

ORGS = ("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
        "d1,active,2024-01-01,District,district,,\n"
        "sA,active,2024-01-01,School A,school,,\n"
        "sB,active,2024-01-01,School B,school,,d1\n")
MANIFEST = "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n" + "".join(
    f"file.{f},bulk\n" for f in ("orgs", "classes", "users", "enrollments"))


def _bundle(folder: Path, orgs: str = ORGS) -> Path:
    return write(folder, {"manifest.csv": MANIFEST, "orgs.csv": orgs, "classes.csv": CLASSES,
                          "users.csv": USERS,
                          "enrollments.csv": ENR_HEAD + "e1,active,,c1,sA,s1,student,,,\n"})


def test_a_school_without_a_parent_is_in_the_sole_district(tmp_path: Path) -> None:
    """School A names no parent: it was loaded with no district (and the graph had no
    ``in_district`` edge for it) while its classes and users were in ``d1``."""
    r = rostergraph.load(_bundle(tmp_path / "b"))
    assert r.schools["sA"].district == "d1"
    assert r.sections["c1"].district == "d1"
    assert "oneroster.parentSourcedId" not in r.schools["sA"].extra
    g = rostergraph.RosterGraph.from_roster(r)
    assert g.relation_counts()["in_district"] == 2
    assert not r.problems, r.problems


def test_with_two_districts_a_school_without_a_parent_has_none(tmp_path: Path) -> None:
    """No district is guessed when the bundle has two."""
    orgs = ORGS + "d2,active,2024-01-01,Other District,district,,\n"
    r = rostergraph.load(_bundle(tmp_path / "b", orgs))
    assert r.schools["sA"].district is None
    assert r.schools["sB"].district == "d1"


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_a_school_without_a_district_reads_back_without_one(tmp_path: Path,
                                                            version: str) -> None:
    """A Clever school with no district in a one-district roster: OneRoster writes it
    with no parent, which now reads as the sole district, so the writer carries the
    absence (as a course's) and the school reads back as it was."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "districts.jsonl").write_text('{"id": "d1", "name": "D"}\n', encoding="utf-8")
    (src / "schools.jsonl").write_text(
        json.dumps({"id": "s1", "name": "S"}) + "\n"
        + json.dumps({"id": "s2", "name": "T", "district": "d1"}) + "\n", encoding="utf-8")
    before = rostergraph.load(src)
    write_oneroster(before, tmp_path / "or", version=version)
    after = rostergraph.load(tmp_path / "or")
    for sid in ("s1", "s2"):
        assert record_to_dict(after.schools[sid]) == record_to_dict(before.schools[sid])
