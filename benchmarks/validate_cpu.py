"""Time ``validate`` alone, in this process, after load, build and the three queries.

Prints one JSON line: wall and CPU seconds of ``rostergraph.validate`` on the built graph
and the number of findings. CPU seconds vary less than wall seconds on a shared machine,
so comparing two versions of the code means running this script from each checkout
alternately, on the same district (``PYTHONPATH=<checkout> python
benchmarks/validate_cpu.py DISTRICT``).

Usage::

    python benchmarks/validate_cpu.py bench-data/L-high
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main(district: Path) -> dict[str, float]:
    import rostergraph
    from rostergraph import queries

    g = rostergraph.RosterGraph.from_roster(rostergraph.load(district))
    queries.reach_pairs(g)
    queries.cross_school_enrollments(g)
    queries.orphaned_users(g)
    wall, cpu = time.perf_counter(), time.process_time()
    report = rostergraph.validate(g)
    return {"wall": round(time.perf_counter() - wall, 3),
            "cpu": round(time.process_time() - cpu, 3), "findings": len(report.findings)}


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]))))
