"""Writers recognise the folder a roster was read from after the working folder changed."""

from __future__ import annotations

from pathlib import Path

import pytest

import rostergraph
from rostergraph.io.convert import convert
from rostergraph.io.write import write_clever_json
from rostergraph.io.write_oneroster import write_oneroster


@pytest.mark.parametrize("cache", [False, True])
def test_a_relative_source_is_still_the_source_after_chdir(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: bool) -> None:
    """A roster loaded from a relative path, written into its own folder after a change of
    working folder (a notebook's ``%cd``): the writer knows the folder for the district's
    own and removes none of its files (it took the relative path against the new working
    folder, and removed the district's ``.json`` files as an earlier write's)."""
    convert(rostergraph.sample_path(), tmp_path / "src", to="clever-json")
    before = {p.name for p in (tmp_path / "src").iterdir()}
    monkeypatch.setenv("ROSTERGRAPH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    if cache:  # (the second load is warm: read from the snapshot)
        rostergraph.load("src", cache=True)
    roster = rostergraph.load("src", cache=cache)
    assert roster.provenance.source == "src"  # (named as given)
    assert roster.provenance.resolved == str(tmp_path / "src")
    (tmp_path / "elsewhere" / "src").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "elsewhere")
    write_clever_json(roster, tmp_path / "src", jsonl=True)
    assert before <= {p.name for p in (tmp_path / "src").iterdir()}


def test_a_roster_made_in_memory_names_no_resolved_source(tmp_path: Path) -> None:
    """A roster built in memory has no folder of its own: a write removes an earlier
    write's files as ever."""
    roster = rostergraph.Roster(**rostergraph.sample().records_by_kind())
    assert roster.provenance.resolved is None
    write_oneroster(rostergraph.sample(), tmp_path / "o", version="1.2")
    write_oneroster(roster, tmp_path / "o")  # (1.1: the earlier 1.2 write's roles.csv goes)
    assert not (tmp_path / "o" / "roles.csv").exists()
