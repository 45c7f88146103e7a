"""Past ``Limits.max_problems`` the fast JSON Lines reader must keep the problems the
general reader keeps (the first ones in the general reader's order), not others.

Found by the JSON readers sweep: the fast reader scans ``users`` before ``sections``
(``fast_jsonl._ORDER``), lists a kind's slow-line problems before the ``duplicate_id``
problems of its plain rows, and adds the "ignored file" problems after the cap.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import rostergraph
from rostergraph.io import fast_jsonl
from rostergraph.io.limits import Limits
from rostergraph.lazy import LazyRecords


def _problems(r: rostergraph.Roster) -> list[tuple[object, ...]]:
    return [(p.code, p.message, p.file, p.line, p.kind, p.record_id, p.raw)
            for p in r.problems]


def _both(path: Path, limits: Limits, monkeypatch: pytest.MonkeyPatch
          ) -> tuple[rostergraph.Roster, rostergraph.Roster]:
    fast = rostergraph.load(path, limits=limits)
    assert isinstance(fast.users, LazyRecords)  # the fast path did read it
    with monkeypatch.context() as m:
        m.setattr(fast_jsonl, "read_fast", lambda *a, **k: None)
        general = rostergraph.load(path, limits=limits)
    return fast, general


def test_capped_problems_are_those_of_the_general_reader_across_kinds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The input of test_concurrency's max_problems test: the general reader keeps the
    sections' problems before the users' (KINDS order); the fast reader kept the users'."""
    for kind in ("users", "sections", "schools"):
        (tmp_path / f"{kind}.jsonl").write_bytes(b"{}\n" * 400 + b'{"id": "ok"}\n')
    fast, general = _both(tmp_path, Limits(max_problems=500), monkeypatch)
    assert _problems(fast) == _problems(general)


def test_capped_problems_keep_an_early_duplicate_before_later_bad_lines(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A plain duplicate on line 2 comes before the broken lines 4-6 in the general
    reader's list; the fast reader noted the broken lines first and dropped it."""
    (tmp_path / "users.jsonl").write_bytes(
        b'{"id": "u1"}\n{"id": "u1"}\n{"id": "u2"}\n{bad 1\n{bad 2\n{bad 3\n')
    fast, general = _both(tmp_path, Limits(max_problems=2), monkeypatch)
    assert _problems(fast) == _problems(general)


def test_ignored_file_problems_count_towards_the_cap(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``users.ndjson`` beside ``users.jsonl``: its "ignored" problem is one of the
    ``max_problems`` kept; the fast reader added it past the cap (3 problems kept of 2)."""
    text = b'{"id": "u1"}\n{bad 1\n{bad 2\n'
    (tmp_path / "users.jsonl").write_bytes(text)
    (tmp_path / "users.ndjson").write_bytes(text)
    fast, general = _both(tmp_path, Limits(max_problems=2), monkeypatch)
    assert _problems(fast) == _problems(general)
