"""Every format pair, both ways, with and without extensions: the answers survive.

For each source (the embedded sample, the public Ed-Fi OneRoster sample and the
hand-written real-export fixtures), the roster is first written as format A,
then converted A → B → A. With extensions, the counts of every relation, the
reach pairs, the orphans and the cross-school pairs of A and of A → B → A are
equal. Without them, who is in which section survives, and any other change
(e.g. a multi-role user split into one user per role by OneRoster 1.1) comes
with `dropped` or `changed` rows in the convert reports. OneRoster is written
both as 1.1 and as 1.2 (``oneroster-1.2``: ``roles.csv``, one user row per user).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import rostergraph
from rostergraph import RosterGraph
from rostergraph import queries as q

DATA = Path(__file__).parent / "data"
SOURCES = {
    "sample": Path(rostergraph.sample_path()),
    "edfi": DATA / "public-samples" / "oneroster" / "edfi-lms-toolkit-v1.1",
    "sftp-sandbox": DATA / "defects" / "sftp-sandbox",
    "legacy-teacher-only": DATA / "defects" / "legacy-teacher-only",
    "oneroster-lms": DATA / "defects" / "oneroster-lms",
}
FORMATS = ("clever-json", "oneroster", "oneroster-1.2", "clever-csv")
PAIRS = [(a, b) for a in FORMATS for b in FORMATS if a != b]


def _to(fmt: str) -> dict[str, str]:
    """``convert`` arguments that write ``fmt``."""
    if fmt == "oneroster-1.2":
        return {"to": "oneroster", "oneroster_version": "1.2"}
    return {"to": fmt}


def answers(path: Path) -> dict[str, Any]:
    """Relation counts, reach pairs, orphans and cross-school pairs of the roster at path."""
    g = RosterGraph.from_roster(rostergraph.load(path))
    counts = g.relation_counts()
    return {
        "relations": {k: v for k, v in counts.items() if k != "in_term"},
        "reach": set(q.reach_pairs(g)),
        "orphans": set(q.orphaned_users(g)),
        "cross": set(zip(*(q.cross_school_enrollments(g)[c].tolist()
                           for c in ("student", "section", "school", "primary_school")))),
        "teaching": set(zip(*(q.cross_school_teaching(g)[c].tolist()
                              for c in ("teacher", "section", "school")))),
    }


@pytest.mark.parametrize("pair", PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
@pytest.mark.parametrize("source", sorted(SOURCES))
def test_answers_survive_a_to_b_to_a(source: str, pair: tuple[str, str],
                                      tmp_path: Path) -> None:
    """With extensions, A → B → A keeps every relation count, reach pair, orphan and
    cross-school pair, and no report names a whole record dropped."""
    a, b = pair
    start = tmp_path / "a"
    rostergraph.convert(SOURCES[source], start, **_to(a))
    there = rostergraph.convert(start, tmp_path / "b", **_to(b))
    back = rostergraph.convert(tmp_path / "b", tmp_path / "back", **_to(a))
    assert set(there["how"].tolist()) | set(back["how"].tolist()) <= {
        "extension", "written as ISO 8601"}
    before, after = answers(start), answers(tmp_path / "back")
    assert after == before


@pytest.mark.parametrize("pair", PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
@pytest.mark.parametrize("source", sorted(SOURCES))
def test_without_extensions_losses_are_reported(source: str, pair: tuple[str, str],
                                                 tmp_path: Path) -> None:
    """Without extensions, A → B → A keeps who is in which section; every other relation
    that changes is explained by a `dropped` or `changed` row of the convert reports."""
    a, b = pair
    start = tmp_path / "a"
    rostergraph.convert(SOURCES[source], start, **_to(a))
    there = rostergraph.convert(start, tmp_path / "b", extensions=False, **_to(b))
    back = rostergraph.convert(tmp_path / "b", tmp_path / "back", extensions=False, **_to(a))
    before, after = answers(start), answers(tmp_path / "back")
    for rel in ("enrolled_in", "teaches", "taught_at"):
        assert after["relations"][rel] == before["relations"][rel], rel
    reported = {(k, h) for t in (there, back)
                for k, h in zip(t["kind"].tolist(), t["how"].tolist())
                if h in ("dropped", "changed")}
    differ = {k for k in before["relations"] if before["relations"][k] != after["relations"][k]}
    if differ or after["reach"] != before["reach"]:
        assert reported, differ
