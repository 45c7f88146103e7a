"""The CSV readers before and after the column-wise rewrite, on one district, in one run.

Usage::

    python benchmarks/csv_readers.py JSONL_DIR ONEROSTER_DIR SFTP_DIR [--repeat N]

Each measurement runs in a fresh subprocess: ``load`` + ``RosterGraph.from_roster``
with the package's readers (``jsonl``: ``rostergraph.load`` of the JSON Lines folder;
``oneroster`` and ``sftp``: ``rostergraph.load`` of the CSV folders) and with the
row-by-row readers kept as the test oracle (``tests/csv_oracle``: ``oneroster-rowwise``,
``sftp-rowwise``). Prints wall and CPU seconds (best of ``--repeat``) and the ratio
of each to the JSON Lines figure of the same run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_CHILD = """
import sys, time, json
import rostergraph
from rostergraph import RosterGraph
which, path = sys.argv[1], sys.argv[2]
if which == "oneroster-rowwise":
    from tests.csv_oracle.oneroster import read_oneroster as read
elif which == "sftp-rowwise":
    from tests.csv_oracle.clever_csv import read_clever_csv as read
else:
    read = rostergraph.load
c, t = time.process_time(), time.perf_counter()
RosterGraph.from_roster(read(path))
print(json.dumps([time.perf_counter() - t, time.process_time() - c]))
"""


def measure(which: str, path: Path, repeat: int) -> tuple[float, float]:
    """Best wall and CPU seconds of ``repeat`` fresh-process runs."""
    runs = []
    for _ in range(repeat):
        p = subprocess.run([sys.executable, "-c", _CHILD, which, str(path)], cwd=ROOT,
                           capture_output=True, text=True, check=True)
        runs.append(json.loads(p.stdout.strip().splitlines()[-1]))
    return min(r[0] for r in runs), min(r[1] for r in runs)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("jsonl", type=Path)
    p.add_argument("oneroster", type=Path)
    p.add_argument("sftp", type=Path)
    p.add_argument("--repeat", type=int, default=1)
    args = p.parse_args(argv)
    plan = [("jsonl", args.jsonl), ("oneroster", args.oneroster),
            ("oneroster-rowwise", args.oneroster), ("sftp", args.sftp),
            ("sftp-rowwise", args.sftp)]
    got = {name: measure(name, path, args.repeat) for name, path in plan}
    base = got["jsonl"]
    print("| reader | load+build wall s | CPU s | wall / JSONL | CPU / JSONL |")
    print("|---|---:|---:|---:|---:|")
    for name, (wall, cpu) in got.items():
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {wall / base[0]:.1f}× | "
              f"{cpu / base[1]:.1f}× |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
