"""Loads in several threads at once: each gives exactly what a load on its own gives."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import rostergraph
from rostergraph.io.write import write_clever_csv, write_oneroster
from rostergraph.synth import write_district

from .test_fast_jsonl import _slow_lines_in_the_middle, _snapshot


def _districts(tmp: Path) -> list[Path]:
    """Four different small districts: JSON Lines (one with lines that take the general
    path), and CSV exports of another one in both CSV formats."""
    out = []
    for seed in (11, 12):
        out.append(write_district(tmp / f"jsonl{seed}", students=600 + 150 * seed, seed=seed))
    _slow_lines_in_the_middle(out[1])
    other = rostergraph.load(write_district(tmp / "src", students=500, seed=13))
    write_oneroster(other, tmp / "oneroster")
    write_clever_csv(other, tmp / "sftp")
    return [*out, tmp / "oneroster", tmp / "sftp"]


def test_loads_from_many_threads_equal_single_threaded_loads(tmp_path: Path) -> None:
    """Four districts loaded from four threads, five times each, all at once: every
    result equals that district's single-threaded load (no load sees another's data)."""
    paths = _districts(tmp_path)
    expected = [_snapshot(rostergraph.load(p)) for p in paths]
    got: list[tuple[int, Any]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(paths))

    def work(i: int) -> None:
        start.wait()
        for _ in range(5):
            try:
                got.append((i, _snapshot(rostergraph.load(paths[i]))))
            except BaseException as e:  # noqa: BLE001 - reported below, with the district
                errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(paths))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(got) == 5 * len(paths)
    for i, snap in got:
        assert snap == expected[i], f"district {paths[i].name} differs under threads"


def test_load_starts_no_process(tmp_path: Path) -> None:
    """Loading a district forks or spawns no process (unsafe in threaded hosts)."""
    import multiprocessing

    p = write_district(tmp_path / "d", students=800, seed=3)
    before = multiprocessing.active_children()
    seen: list[Any] = []
    real = multiprocessing.process.BaseProcess.start

    def spy(self: Any) -> None:
        seen.append(self)
        real(self)

    multiprocessing.process.BaseProcess.start = spy  # type: ignore[method-assign]
    try:
        rostergraph.load(p)
    finally:
        multiprocessing.process.BaseProcess.start = real  # type: ignore[method-assign]
    assert seen == [] and multiprocessing.active_children() == before


def test_fast_reader_keeps_at_most_max_problems_over_all_kinds(tmp_path: Path) -> None:
    """Plain ``.jsonl`` files full of broken lines (the fast reader's path): at most
    ``Limits.max_problems`` problems are kept over all kinds together, the rest counted."""
    from rostergraph.io.limits import Limits

    for kind in ("users", "sections", "schools"):
        (tmp_path / f"{kind}.jsonl").write_bytes(b"{}\n" * 400 + b'{"id": "ok"}\n')
    r = rostergraph.load(tmp_path, limits=Limits(max_problems=500))
    assert len(r.problems) == 501  # 500 kept and one that says how many were not
    assert "700" in r.problems[-1].message and "max_problems" in r.problems[-1].message
    assert [len(r.users), len(r.sections), len(r.schools)] == [1, 1, 1]
