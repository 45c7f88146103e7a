"""Load, graph build and validation of one roster, in this process: what a user pays.

Usage::

    python benchmarks/load_validate.py PATH

``PATH`` is anything ``rostergraph.load`` reads (a JSON Lines folder, a OneRoster or
Clever SFTP CSV folder). Prints one line: the wall and CPU seconds of ``load``, of
``RosterGraph.from_roster`` and of ``validate``, and the peak RSS of the process.
``validate`` is given the roster, as a user calls it, so its figure includes building the
graph again, beside the one built before (``benchmarks/run.py`` gives it the built graph
instead); the peak is also printed as it stood after the load and after the build. Run it
in a fresh process per measurement (the figures of a second load in one process would
include the first one's memory). To compare two versions, run it with ``PYTHONPATH``
pointing at each checkout in turn.
"""

from __future__ import annotations

import resource
import sys
import time


def _timed(fn, *args):  # type: ignore[no-untyped-def]
    t, c = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - t, time.process_time() - c


def main() -> None:
    import rostergraph

    path = sys.argv[1]
    roster, lw, lc = _timed(rostergraph.load, path)
    after_load = _peak()
    graph, bw, bc = _timed(rostergraph.RosterGraph.from_roster, roster)
    after_build = _peak()
    # (the graph built above is still held, as in a session that built one and then
    # validated the roster: validate builds its own)
    report, vw, vc = _timed(rostergraph.validate, roster)
    del graph
    print(f"{path}: load {lw:.2f} s (CPU {lc:.2f}), build {bw:.2f} s (CPU {bc:.2f}), "
          f"validate {vw:.2f} s (CPU {vc:.2f}), {len(report.findings):,} findings, "
          f"peak {_peak():,.0f} MiB (after load {after_load:,.0f}, after build "
          f"{after_build:,.0f})")


def _peak() -> float:
    """The process's peak RSS so far, MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
