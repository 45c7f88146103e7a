"""Loading inside a host process: threads, processes, process-wide state and bounds."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

import rostergraph
from rostergraph.io.write_oneroster import write_oneroster
from rostergraph.io.write_sftp import write_clever_csv
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


def test_no_library_module_forks() -> None:
    """No module of the package forks: none calls ``os.fork`` or imports multiprocessing,
    except ``batch``, whose local pool starts fresh interpreters (``spawn``)."""
    import re

    package = Path(rostergraph.__file__).parent
    for path in package.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "os.fork" not in text and '"fork"' not in text, path
        if path.name != "batch.py":
            assert not re.search(r"^\s*(import|from) multiprocessing", text, re.MULTILINE), path
    assert 'get_context("spawn")' in (package / "batch.py").read_text(encoding="utf-8")


def test_load_leaves_the_collector_as_the_host_set_it(tmp_path: Path) -> None:
    """A load neither thaws objects the host froze (``gc.freeze()``, as pre-forking servers
    do) nor turns a collector the host switched off back on."""
    import gc

    p = write_district(tmp_path / "d", students=500, seed=6)
    keep = [[i] for i in range(1000)]  # some tracked objects of the host's own
    gc.freeze()
    frozen = gc.get_freeze_count()
    try:
        rostergraph.RosterGraph.from_roster(rostergraph.load(p))
        rostergraph.validate(rostergraph.load(p))
        # frozen objects that die leave the count (a load may free a few cached objects
        # the host froze), but a thaw would empty it: the host's own live lists stay frozen
        assert frozen > len(keep)
        assert gc.get_freeze_count() >= len(keep)
    finally:
        gc.unfreeze()
    was = gc.isenabled()
    gc.disable()
    try:
        rostergraph.validate(rostergraph.load(p))
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()
    assert keep


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


@pytest.mark.parametrize("gz", [False, True])
def test_a_file_of_more_lines_than_max_lines_stops_the_load(tmp_path: Path, gz: bool) -> None:
    """A JSON Lines file (plain: the fast reader; gzip: the streaming reader) with more lines
    than ``Limits.max_lines`` is a LimitError naming the limit; one at the limit loads."""
    import gzip

    from rostergraph.errors import LimitError
    from rostergraph.io.limits import Limits

    def write(folder: Path, n: int) -> Path:
        folder.mkdir()
        text = b"{}\n" * (n - 1) + b'{"id": "ok"}\n'
        name = "users.jsonl.gz" if gz else "users.jsonl"
        (folder / name).write_bytes(gzip.compress(text) if gz else text)
        return folder

    ok = rostergraph.load(write(tmp_path / "ok", 1000), limits=Limits(max_lines=1000))
    assert list(ok.users) == ["ok"]
    with pytest.raises(LimitError, match="max_lines"):
        rostergraph.load(write(tmp_path / "over", 1001), limits=Limits(max_lines=1000))


def test_pools_let_go_while_another_thread_imports_pyarrow() -> None:
    """A CSV load hands pyarrow's freed memory back while another thread of the host may
    be importing pyarrow for the first time: that waits for the import, never takes the
    module half made (a fresh process, so that pyarrow is imported there first)."""
    import subprocess
    import sys

    code = (
        "import sys, threading\n"
        "from rostergraph.io.csv_arrow import release_arrow_memory\n"
        "assert 'pyarrow' not in sys.modules\n"
        "t = threading.Thread(target=lambda: __import__('pyarrow.csv'))\n"
        "t.start()\n"
        "calls = 0\n"
        "while t.is_alive() or calls == 0:\n"
        "    release_arrow_memory(); calls += 1\n"
        "t.join()\n"
        "print('ok', calls)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ok ")
