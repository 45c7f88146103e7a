"""Clever JSON documents (one array per file) keep users and sections as text and columns,
with exactly the records, problems, graph and findings the plain builder gives."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import orjson
import pytest

import rostergraph
from rostergraph.graph import RosterGraph
from rostergraph.io import clever_json
from rostergraph.lazy import LazyRecords
from rostergraph.roster import RosterBuilder
from rostergraph.synth import write_district

_KINDS = ("districts", "schools", "terms", "courses", "sections", "users")


def _messy_documents(src: Path, dst: Path, seed: int) -> Path:
    """``src``'s JSON Lines files as JSON arrays, the first items of each spoiled."""
    dst.mkdir(parents=True)
    rnd = random.Random(seed)
    for f in sorted(src.glob("*.jsonl")):
        items: list[Any] = [orjson.loads(line) for line in f.read_bytes().splitlines()]
        for it in items[:40]:
            c = rnd.randrange(8)
            if c == 0:
                it["email"] = 5                          # a wrongly typed value
            elif c == 1:
                it["unknown_key"] = {"a": [1, 2]}         # a key that is no field
            elif c == 2:
                it["name"] = "x" * 300                    # a long string
            elif c == 3:
                it.pop("id", None)                        # no id
            elif c == 4:
                it["id"] = items[0].get("id")             # a repeated id
            elif c == 5:
                it["roles"] = {"student": {"school": 7}}  # a wrong type, nested
            elif c == 6:
                it["created"] = None
            else:
                it["students"] = ["a", None]
        text = b"[" + b",\n".join(map(orjson.dumps, items)) + b"]"
        text = text.replace(b'"last"', b'"last":"twice","last"', 3)  # keys given twice
        (dst / f"{f.stem}.json").write_bytes(text)
    return dst


def _seen(r: rostergraph.Roster) -> tuple[Any, ...]:
    records = {k: list(r.records(k).items()) for k in _KINDS}
    problems = [(p.code, p.message, p.file, p.line, p.index, p.kind, p.record_id, p.field,
                 p.raw) for p in r.problems]
    g = RosterGraph.from_roster(r)
    edges = {n: (rel.src.tolist(), rel.dst.tolist()) for n, rel in g.relations.items()}
    findings = [(f.rule, f.ids, f.message) for f in rostergraph.validate(r).findings]
    return records, problems, edges, findings


@pytest.mark.parametrize("seed", [1, 2])
def test_documents_read_as_the_plain_builder_reads_them(
        tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    src = write_district(tmp_path / "src", students=300, seed=seed, quirks="high")
    docs = _messy_documents(src, tmp_path / "docs", seed)
    kept = rostergraph.load(docs)
    assert isinstance(kept.users, LazyRecords) and isinstance(kept.sections, LazyRecords)
    monkeypatch.setattr(clever_json, "ColumnarBuilder", RosterBuilder)
    plain = rostergraph.load(docs)
    assert not isinstance(plain.users, LazyRecords)
    got, want = _seen(kept), _seen(plain)
    assert want[1], "the spoiled items give problems"
    assert got == want


def test_documents_warm_equal_cold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The users and sections kept as text go into the snapshot and come back the same."""
    monkeypatch.setenv("ROSTERGRAPH_CACHE_DIR", str(tmp_path / "cache"))
    src = write_district(tmp_path / "src", students=300, seed=3, quirks="high")
    docs = _messy_documents(src, tmp_path / "docs", 3)
    cold = rostergraph.load(docs, cache=True)
    warm = rostergraph.load(docs, cache=True)
    assert "from cache" in warm.provenance.notes[-1]
    assert _seen(warm) == _seen(cold)


@pytest.mark.parametrize("seed", [4, 5])
def test_large_arrays_read_an_item_at_a_time_as_whole(
        tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A JSON array read an item at a time (as files of ``ITEMWISE_FROM`` bytes or more
    are) gives what the whole document read at once gives: records, problems in order
    (keys given twice by item position), graph and findings."""
    src = write_district(tmp_path / "src", students=300, seed=seed, quirks="high")
    docs = _messy_documents(src, tmp_path / "docs", seed)
    monkeypatch.setattr(clever_json, "ITEMWISE_FROM", 0)
    calls: list[int] = []
    real = clever_json._read_items
    monkeypatch.setattr(clever_json, "_read_items",
                        lambda *a: calls.append(1) or real(*a))  # type: ignore[func-returns-value]
    itemwise = _seen(rostergraph.load(docs))
    assert len(calls) == 6  # every file was read so
    monkeypatch.setattr(clever_json, "ITEMWISE_FROM", 1 << 62)
    assert itemwise == _seen(rostergraph.load(docs))


@pytest.mark.parametrize("text", [
    b'[{"id": "u1", "n": 123456789012345678901234567890}, {"id": "u2"}]',  # orjson refuses
    b'[{"id": "u1", "name": {"last": "\\ud800"}}, {"id": "u2"}]',            # a lone surrogate
    b'[{"id": "u1", "email": "a@x.org", "email": "b@x.org"}, {"id": "u2"},]',  # a comma
    b'[{"id": "u1"}, 5, [{"id": "u3"}], "x", {"data": {"id": "u4"}, "uri": "/u4"}]',
])
def test_arrays_the_item_reader_declines_or_odd_items_read_as_whole(
        tmp_path: Path, text: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    """What either parser refuses goes to the whole-document path (mended, told); odd
    items read the same both ways."""
    (tmp_path / "users.json").write_bytes(text)
    monkeypatch.setattr(clever_json, "ITEMWISE_FROM", 0)
    itemwise = _seen(rostergraph.load(tmp_path))
    monkeypatch.setattr(clever_json, "ITEMWISE_FROM", 1 << 62)
    assert itemwise == _seen(rostergraph.load(tmp_path))
