"""One cold ``rostergraph.load`` and ``RosterGraph.from_roster`` in this process, with wall
time and the process's user and system CPU for each (``getrusage``: on a VM that backs
fresh memory slowly the system time varies most).

    python benchmarks/load_once.py bench-data/M-oneroster

To compare two versions, run it from each checkout (a git worktree) with that checkout
first on ``PYTHONPATH``.
"""

from __future__ import annotations

import resource
import sys
import time


def _usage() -> tuple[float, float, float]:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return time.perf_counter(), r.ru_utime, r.ru_stime


def main(path: str) -> None:
    import rostergraph

    t0, u0, s0 = _usage()
    roster = rostergraph.load(path)
    t1, u1, s1 = _usage()
    rostergraph.RosterGraph.from_roster(roster)
    t2, u2, s2 = _usage()
    print(f"load {t1 - t0:.2f} s (user {u1 - u0:.2f}, system {s1 - s0:.2f}); "
          f"build {t2 - t1:.2f} s (user {u2 - u1:.2f}, system {s2 - s1:.2f})")


if __name__ == "__main__":
    main(sys.argv[1])
