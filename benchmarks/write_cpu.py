"""CPU seconds of the CSV writers on one district, for two trees of the package side by side.

Usage::

    python benchmarks/write_cpu.py DISTRICT [--tree DIR ...] [--runs 3]
        [--writers oneroster,sftp]

``DISTRICT`` is any folder ``rostergraph.load`` reads (``rostergraph synth`` writes JSON
Lines). Each ``--tree`` is a folder holding a ``rostergraph`` package (an exported copy of
an older commit, ``git archive COMMIT rostergraph | tar -x -C DIR``); without one, the
installed package. Each run is a subprocess of one tree that loads the district and writes
it once into a temporary folder; the trees take turns run by run, so each sees the machine
as the other does. The figures are ``time.process_time()``
around each write: CPU seconds, which other processes on the machine disturb less than
wall-clock seconds.

- ``oneroster``: ``write_oneroster(roster, out)`` (1.1, extension columns);
- ``oneroster-plain``: the same with ``extensions=False``;
- ``sftp``: ``write_clever_csv(roster, out)``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

_CHILD = r"""
import json, sys, tempfile, time
import rostergraph
from rostergraph.io.write_oneroster import write_oneroster
from rostergraph.io.write_sftp import write_clever_csv
src, writer, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
write = {"oneroster": write_oneroster,
         "oneroster-plain": lambda r, p: write_oneroster(r, p, extensions=False),
         "sftp": write_clever_csv}[writer]
roster = rostergraph.load(src)
cpu = []
for _ in range(runs):
    with tempfile.TemporaryDirectory() as tmp:
        c = time.process_time()
        write(roster, tmp + "/out")
        cpu.append(time.process_time() - c)
print(json.dumps({"package": rostergraph.__file__, "cpu": cpu}))
"""


def _run(tree: str | None, src: str, writer: str, runs: int) -> dict[str, object]:
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = os.path.abspath(tree)
    # (run in the tree: ``python -c`` puts its working folder first on the path)
    p = subprocess.run([sys.executable, "-c", _CHILD, os.path.abspath(src), writer, str(runs)],
                       env=env, cwd=tree, capture_output=True, text=True, check=True)
    return json.loads(p.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("district")
    ap.add_argument("--tree", action="append", default=[],
                    help="a folder holding a rostergraph package (repeatable)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--writers", default="oneroster,sftp")
    args = ap.parse_args()
    trees: list[str | None] = list(args.tree) or [None]
    print("| writer | package | CPU s per run | best |")
    print("|---|---|---|---:|")
    for writer in args.writers.split(","):
        cpu: dict[str, list[float]] = {}
        for _ in range(args.runs):  # (the trees take turns, run by run)
            for tree in trees:
                got = _run(tree, args.district, writer, 1)
                cpu.setdefault(str(got["package"]), []).extend(got["cpu"])  # type: ignore[arg-type]
        for package, runs in cpu.items():
            print(f"| {writer} | {package} | {', '.join(f'{c:.1f}' for c in runs)} "
                  f"| {min(runs):.1f} |", flush=True)


if __name__ == "__main__":
    main()
