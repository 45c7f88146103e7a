"""Districts per minute for `rostergraph.batch.run`: local process pool vs a Dask LocalCluster.

Usage: python benchmarks/batch_rate.py [--districts 20] [--students 2000] [--workers 2]
Generates the districts under bench-data/batch (gitignored) on first use.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rostergraph import batch
from rostergraph.synth import district


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--districts", type=int, default=20)
    ap.add_argument("--students", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    root = Path("bench-data") / f"batch-{a.districts}x{a.students}"
    if not root.exists():
        for i in range(a.districts):
            district(students=a.students, seed=i).write(root / f"d{i:03d}")
    t = time.perf_counter()
    r = batch.run([root], max_workers=a.workers)
    local = time.perf_counter() - t
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address=None) as cluster, Client(cluster) as c:
        t = time.perf_counter()
        r2 = batch.run([root], client=c)
        dask = time.perf_counter() - t
    assert r.ok == r2.ok and len(r.failures) == len(r2.failures) == 0
    for step in r.tables:
        assert r.tables[step] == r2.tables[step], step
    n = len(r.ok)
    print(f"{n} districts x {a.students} students, all steps, {a.workers} workers")
    print(f"local pool:   {local:6.1f} s  {60 * n / local:6.1f} districts/min")
    print(f"LocalCluster: {dask:6.1f} s  {60 * n / dask:6.1f} districts/min (cluster start excluded)")


if __name__ == "__main__":
    main()
