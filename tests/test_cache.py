"""Warm reload: load(..., cache=True) gives the cold roster back and notices any change."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import rostergraph
from rostergraph import cache
from rostergraph.synth import write_district

from .test_fast_jsonl import _messy, _snapshot


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("ROSTERGRAPH_CACHE_DIR", str(d))
    return d


def _warm(path: Path) -> tuple[rostergraph.Roster, rostergraph.Roster]:
    cold = rostergraph.load(path, cache=True)
    warm = rostergraph.load(path, cache=True)
    assert "from cache" in warm.provenance.notes[-1]
    return cold, warm


def test_warm_equals_cold_jsonl(tmp_path: Path) -> None:
    """A synthetic JSONL district: same records, problems, provenance files and graph."""
    cold, warm = _warm(write_district(tmp_path / "d", students=2000, seed=3))
    assert _snapshot(warm) == _snapshot(cold)


def test_warm_keeps_the_rules_field_columns(tmp_path: Path) -> None:
    """The field columns the rules read (emails, grades, text_suspect...) come back equal."""
    cold, warm = _warm(write_district(tmp_path / "d", students=2000, seed=3))
    for kind in ("users", "sections"):
        before, after = cold._columns[kind][1]["fields"], warm._columns[kind][1]["fields"]
        assert warm._columns[kind][0] is warm.records(kind)
        assert sorted(before) == sorted(after)
        for name in before:
            assert before[name].dtype == after[name].dtype
            assert before[name].tolist() == after[name].tolist(), name


def test_warm_equals_cold_with_problem_lines(tmp_path: Path) -> None:
    """Records taken through the general path (bad fields, envelopes) survive the snapshot."""
    d = tmp_path / "d"
    d.mkdir()
    cold, warm = _warm(_messy(d))
    assert cold.problems and _snapshot(warm) == _snapshot(cold)


def test_warm_equals_cold_other_format(tmp_path: Path) -> None:
    """A Clever JSON envelope folder (no JSON Lines) is snapshotted as records."""
    src = tmp_path / "sample"
    shutil.copytree(rostergraph.sample_path(), src)
    cold, warm = _warm(src)
    assert _snapshot(warm) == _snapshot(cold)


def test_changed_source_loads_cold(tmp_path: Path) -> None:
    """Editing, adding or removing a source file invalidates the snapshot."""
    p = write_district(tmp_path / "d", "S", seed=1)
    _warm(p)
    users = p / "users.jsonl"
    data = users.read_bytes()
    st = users.stat()
    users.write_bytes(data.replace(b'"Teacher"', b'"teacher"', 1))  # same size, new bytes
    os.utime(users, ns=(st.st_atime_ns, st.st_mtime_ns))  # and the same time: the hash tells
    again = rostergraph.load(p, cache=True)
    assert "from cache" not in " ".join(again.provenance.notes)
    assert any(u.roles.teacher is not None and u.roles.teacher.title == "teacher"
               for u in again.users.values())
    (p / "terms.jsonl").unlink()
    assert len(rostergraph.load(p, cache=True).terms) == 0


def test_broken_snapshot_loads_cold(tmp_path: Path, _cache_dir: Path) -> None:
    """A truncated or foreign snapshot is ignored and rewritten, never trusted."""
    p = write_district(tmp_path / "d", "S", seed=2)
    cold, _ = _warm(p)
    for entry in _cache_dir.iterdir():
        (entry / "strings.json").write_bytes(b"{not json")
    again = rostergraph.load(p, cache=True)
    assert "from cache" not in " ".join(again.provenance.notes)
    assert _snapshot(again) == _snapshot(cold)
    assert "from cache" in rostergraph.load(p, cache=True).provenance.notes[-1]
    cache.clear_cache()
    assert not _cache_dir.exists()


def test_replaced_kind_rebuilds_graph_from_records(tmp_path: Path) -> None:
    """After roster.replace() of a kind, the stored graph is not used (it would be stale)."""
    p = write_district(tmp_path / "d", "S", seed=5)
    _, warm = _warm(p)
    some = next(iter(warm.sections))
    fewer = warm.replace(sections={k: v for k, v in warm.sections.items() if k != some})
    g = rostergraph.RosterGraph.from_roster(fewer)
    assert g.n_records("section") == len(warm.sections) - 1
    same = warm.replace(problems=[])
    assert _snapshot(same)[0] == _snapshot(warm)[0]


def test_other_limits_use_another_snapshot(tmp_path: Path) -> None:
    """A snapshot taken under default limits is not reused under other limits."""
    from rostergraph.io.limits import Limits

    p = write_district(tmp_path / "d", "S", seed=6)
    _warm(p)
    tight = rostergraph.load(p, cache=True, limits=Limits(max_line_bytes=200))
    assert "from cache" not in " ".join(tight.provenance.notes)
    assert any(pr.code == "limit" for pr in tight.problems)
    again = rostergraph.load(p, cache=True, limits=Limits(max_line_bytes=200))
    assert "from cache" in again.provenance.notes[-1]
    assert [pr.code for pr in again.problems] == [pr.code for pr in tight.problems]
