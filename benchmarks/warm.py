"""Cold vs warm load with the columnar cache: ``python benchmarks/warm.py --size M``.

Each load runs in its own subprocess (peak RSS per load); the cache lives in a temporary
folder removed afterwards (``--cache-dir DIR`` keeps it in DIR, whose snapshots are removed
first; a folder holding anything else is refused, never emptied). Prints seconds (and the
load's CPU seconds) and peak MiB of: cold load without cache, cold load writing the snapshot,
warm load from it; each as the load alone, load + graph build, and load + build +
``rostergraph.validate`` (a warm load decodes the rules' string field columns on first use,
and the rules read some of them only at candidate rows: the last figure is what a validation
after a warm load pays; it includes importing the rules).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_CODE = """
import json, resource, sys, time
import rostergraph
t, c = time.perf_counter(), time.process_time()
r = rostergraph.load(sys.argv[1], cache=sys.argv[2] == "1")
t1, c1 = time.perf_counter() - t, time.process_time() - c
g = rostergraph.RosterGraph.from_roster(r) if sys.argv[3] == "1" else None
t2 = time.perf_counter() - t
if g is not None:
    rostergraph.validate(r)
t3 = time.perf_counter() - t
print(json.dumps({"load": t1, "load_cpu": c1, "load+build": t2, "+validate": t3,
                  "users": len(r.users),
                  "from_cache": any("from cache" in n for n in r.provenance.notes),
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _run(data: Path, cache: bool, build: bool, env: dict[str, str]) -> dict[str, float]:
    p = subprocess.run([sys.executable, "-c", _CODE, str(data), "1" if cache else "0",
                        "1" if build else "0"], capture_output=True, text=True, env=env,
                       check=True, cwd=ROOT)  # `-c` puts the cwd first on sys.path
    return json.loads(p.stdout.strip().splitlines()[-1])


#: what a rostergraph cache folder holds: snapshot folders (a 32-hex-digit key) and the
#: temporary folders a snapshot is written in before it is renamed
_SNAPSHOT = re.compile(r"[0-9a-f]{32}|\.tmp-.+")


def _clear_snapshots(folder: Path) -> str | None:
    """Remove the snapshots in ``folder``; refuse (return why) when it holds anything that
    is not one, so that ``--cache-dir ~`` cannot delete a home folder."""
    if not folder.exists():
        return None
    if not folder.is_dir():
        return f"--cache-dir {folder} is not a folder"
    entries = list(folder.iterdir())
    foreign = [e.name for e in entries
               if not (e.is_dir() and not e.is_symlink() and _SNAPSHOT.fullmatch(e.name))]
    if foreign:
        return (f"--cache-dir {folder} does not look like a rostergraph cache (it holds "
                f"{len(foreign)} other entries, e.g. {min(foreign)!r}); not emptying it")
    for e in entries:
        shutil.rmtree(e)
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", choices=("S", "M", "L"), default="S")
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--cache-dir", type=Path, default=None,
                    help="keep the snapshot in this folder instead of a temporary one (its "
                    "snapshots are removed first; any other content: refused)")
    ap.add_argument("--warm-only", action="store_true",
                    help="only warm loads, from the snapshot already in --cache-dir")
    ap.add_argument("--repeat", type=int, default=1, help="warm loads to run (default 1)")
    args = ap.parse_args()
    if args.warm_only and args.cache_dir is None:
        ap.error("--warm-only needs --cache-dir")
    data = (args.data or ROOT / "bench-data" / args.size).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        cache = str(args.cache_dir or tmp)
        env = dict(os.environ, ROSTERGRAPH_CACHE_DIR=cache,
                   PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        rows = []
        if not args.warm_only:
            if args.cache_dir is not None:
                why = _clear_snapshots(args.cache_dir)
                if why is not None:
                    ap.error(why)
            rows += [("cold, no cache", _run(data, False, True, env)),
                     ("cold, writing the snapshot", _run(data, True, True, env))]
        rows += [("warm, from the snapshot", _run(data, True, True, env))
                 for _ in range(args.repeat)]
    print(f"| {args.size} | load s | load CPU s | load+build s | +validate s | peak MiB "
          "| from cache |")
    print("|---|---|---|---|---|---|---|")
    for name, r in rows:
        print(f"| {name} | {r['load']:.2f} | {r['load_cpu']:.2f} | {r['load+build']:.2f} | "
              f"{r['+validate']:.2f} | {r['peak_mib']:,.0f} | {r['from_cache']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
