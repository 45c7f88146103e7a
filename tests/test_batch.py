"""Batch runs: local pool and a real Dask LocalCluster, failures isolated, resume, worker loss."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import orjson
import pytest

import rostergraph
from rostergraph import batch
from rostergraph.synth import district as synth_district

N_DISTRICTS = 20


@pytest.fixture(scope="module")
def districts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """~20 small generated districts and one corrupt one, in one parent folder."""
    root = tmp_path_factory.mktemp("districts")
    for i in range(N_DISTRICTS):
        synth_district(students=120 + 10 * i, seed=i).write(root / f"d{i:02d}")
    bad = root / "zz-corrupt"
    bad.mkdir()
    (bad / "sections.json").write_bytes(b'{"data": [ {"data": {"id": "s1"}}, {oops')
    return root


def _one_by_one(root: Path, steps: tuple[str, ...]) -> dict[str, dict]:
    return {n: batch.run_district(n, str(p), steps)
            for n, p in batch.district_sources([root]).items()}


def _assert_matches(result: batch.BatchResult, single: dict[str, dict],
                    steps: tuple[str, ...]) -> None:
    ok = sorted(n for n, r in single.items() if r["ok"])
    assert result.ok == ok
    assert result.failures.to_list("district") == ["zz-corrupt"]
    assert result.failures.to_list("error") == ["FormatError"]
    for step in steps:
        t = result.tables[step]
        for name in ok:
            rows = [row[1:] for row in t if row[0] == name]
            cols = single[name]["tables"][step]
            expected = list(zip(*cols.values())) if cols else []
            assert rows == expected, (step, name)


def test_local_pool_equals_one_by_one(districts: Path, tmp_path: Path) -> None:
    """The local pool's combined tables equal the per-district results; the corrupt one fails."""
    steps = ("summary", "orphans", "cross_school", "validate")
    result = batch.run([districts], steps, max_workers=2, output=tmp_path / "out")
    _assert_matches(result, _one_by_one(districts, steps), steps)
    index = orjson.loads((tmp_path / "out" / "index.json").read_bytes())
    assert len(index["districts"]) == N_DISTRICTS + 1
    assert {d["status"] for d in index["districts"]} == {"ok", "failed"}
    assert set(result.reports) == set(result.ok)


def test_an_output_folder_among_the_districts_is_none_of_them(tmp_path: Path) -> None:
    """``batch many/ -o many/out``: the second run took its own output folder for a
    district (and failed on it); the output folder is never one of the districts."""
    root = tmp_path / "many"
    root.mkdir()
    for k in range(2):
        synth_district(None, students=40, seed=k).write(root / f"d{k}")
    for _ in range(2):
        result = batch.run([root], ("summary",), max_workers=1, output=root / "out")
        assert result.ok == ["d0", "d1"] and not len(result.failures)
    assert list(batch.district_sources([root], root / "out")) == ["d0", "d1"]


def test_resume_skips_finished_districts(districts: Path, tmp_path: Path) -> None:
    """--resume reuses finished results (files untouched) and computes only the rest."""
    out = tmp_path / "out"
    steps = ("orphans",)
    batch.run([districts], steps, max_workers=1, output=out)
    keep = out / "districts" / "d03.json"
    marked = orjson.loads(keep.read_bytes())
    marked["seconds"] = -1.0  # a marker a recomputation would overwrite
    keep.write_bytes(orjson.dumps(marked))
    (out / "districts" / "d05.json").unlink()
    again = batch.run([districts], steps, max_workers=1, output=out, resume=True)
    assert orjson.loads(keep.read_bytes())["seconds"] == -1.0
    assert (out / "districts" / "d05.json").is_file()
    assert "d05" in again.ok and "d03" in again.ok


def test_dask_local_cluster_equals_one_by_one_and_survives_worker_kill(
        districts: Path, tmp_path: Path) -> None:
    """On a real LocalCluster the results match one-by-one runs, even when a worker is killed."""
    distributed = pytest.importorskip("dask.distributed")
    steps = ("summary", "orphans", "cross_school")
    single = _one_by_one(districts, steps)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None,
                                  silence_logs=50) as cluster, \
            distributed.Client(cluster) as client:
        result = batch.run([districts], steps, client=client)
        _assert_matches(result, single, steps)

        # kill one worker process while the batch runs; Dask reschedules its tasks
        out = tmp_path / "killed"
        box: dict[str, batch.BatchResult] = {}
        th = threading.Thread(target=lambda: box.setdefault(
            "r", batch.run([districts], steps, client=client, output=out)))
        th.start()
        deadline = time.time() + 60
        while time.time() < deadline and not any((out / "districts").glob("*.json")):
            time.sleep(0.01)
        pids = list(client.run(os.getpid).values())
        done_at_kill = len(list((out / "districts").glob("*.json")))
        os.kill(pids[0], signal.SIGKILL)
        th.join(timeout=180)
        assert not th.is_alive()
        assert 0 < done_at_kill < N_DISTRICTS + 1  # the kill happened mid-run
        _assert_matches(box["r"], single, steps)


def test_batch_cli_unknown_step_is_a_one_line_usage_error(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """`--steps` naming no step ends in one error line and exit 2, not a traceback."""
    import rostergraph
    from rostergraph.cli import main

    out = tmp_path / "out"
    code = main(["batch", str(rostergraph.sample_path()), "-o", str(out), "--quiet",
                 "--steps", "orphans,nope"])
    err = capsys.readouterr().err
    assert code == 2
    assert "rostergraph: error: unknown step 'nope'" in err
    assert "Traceback" not in err
    assert not out.exists()  # refused before anything is written


def test_batch_cli_writes_tables_and_exits_1_on_failure(districts: Path, tmp_path: Path) -> None:
    """`rostergraph batch` writes combined CSVs and the index; exit 1 because one failed."""
    out = tmp_path / "cli"
    proc = subprocess.run([sys.executable, "-m", "rostergraph", "batch", str(districts), "-o",
                           str(out), "--workers", "2", "--quiet", "--steps", "orphans,validate"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 1, proc.stderr
    assert f"{N_DISTRICTS} ok, 1 failed" in proc.stdout
    assert (out / "orphans.csv").read_text().splitlines()[0] == "district,user,role,reason"
    assert "zz-corrupt" in (out / "failures.csv").read_text()


def test_batch_takes_the_zip_limit_to_every_worker(tmp_path: Path) -> None:
    """A district zip larger than the inflate limit fails in its worker with the limit's
    error; ``limits`` (``--max-inflated-mib`` on the command line) reaches the workers of
    the local pool, so a larger limit loads it."""
    from rostergraph.io.limits import Limits
    from rostergraph.io.write_oneroster import write_oneroster

    root = tmp_path / "zips"
    root.mkdir()
    for i in range(2):
        src = synth_district(students=400, seed=i).write(tmp_path / f"src{i}")
        write_oneroster(rostergraph.load(src), root / f"d{i}.zip")
    small = Limits(max_zip_total_bytes=50_000)
    failed = batch.run([root], ("summary",), max_workers=2, limits=small)
    assert failed.failures.to_list("error") == ["LimitError", "LimitError"]
    assert batch.run([root], ("summary",), max_workers=2).ok == ["d0", "d1"]
    proc = subprocess.run([sys.executable, "-m", "rostergraph", "batch", str(root), "-o",
                           str(tmp_path / "out"), "--quiet", "--steps", "summary",
                           "--max-inflated-mib", "64"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
