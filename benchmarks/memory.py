"""Peak memory of loading one large JSON Lines file, fast path vs streaming reader.

    python benchmarks/memory.py bench-data/L/users.jsonl

Each load runs in its own subprocess; the table gives the file size, the
seconds, the peak RSS of the loading process (``ru_maxrss``), its RSS once the
load has returned, and peak ÷ file size. The fast path keeps the file's text
(records are decoded from it on first access); the streaming reader (the one
compressed files and CR-ended files take; here forced by switching the fast
path off in the worker process) keeps built records.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

_WORKER = """
import gc, json, resource, sys, time
import rostergraph
from rostergraph.io import fast_jsonl
if sys.argv[2] == "streaming":  # this benchmark process only: the general reader
    fast_jsonl.read_fast = lambda *args, **kwargs: None
t = time.perf_counter()
r = rostergraph.load(sys.argv[1])
seconds = time.perf_counter() - t
n = len(r.users) + len(r.sections)
gc.collect()
rss = int(open("/proc/self/statm").read().split()[1]) * 4096
print(json.dumps({"seconds": seconds, "records": n, "peak": resource.getrusage(
    resource.RUSAGE_SELF).ru_maxrss * 1024, "after": rss}))
"""


def measure(path: Path, mode: str) -> dict[str, float]:
    """One load of ``path`` in a fresh interpreter (``mode``: ``fast`` or ``streaming``)."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    out = subprocess.run([sys.executable, "-c", _WORKER, str(path), mode], env=env,
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", type=Path, help="a .jsonl file (e.g. bench-data/L/users.jsonl)")
    ap.add_argument("--modes", default="fast,streaming")
    args = ap.parse_args(argv)
    size = args.path.stat().st_size
    print(f"{args.path} ({size / 2**20:,.0f} MiB)\n")
    print("| reader | seconds | peak MiB | after load MiB | peak / file |")
    print("|---|---|---|---|---|")
    for mode in args.modes.split(","):
        m = measure(args.path, mode)
        print(f"| {mode} | {m['seconds']:.1f} | {m['peak'] / 2**20:,.0f} | "
              f"{m['after'] / 2**20:,.0f} | {m['peak'] / size:.2f}× |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
