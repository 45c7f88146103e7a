"""Writers and diff on one district: CPU seconds and peak memory, each in a fresh process.

Usage::

    python benchmarks/write_diff.py DISTRICT [--next NEXT_SYNC] [--steps STEP,...]

``DISTRICT`` is a JSON Lines folder (``rostergraph synth``). Each step runs in its own
subprocess, loads the district (the ``load`` figures, the baseline of the ratios), then
does its work once:

- ``oneroster``: ``write_oneroster`` (1.1, with extensions) into a temporary folder;
- ``sftp``: ``write_clever_csv``;
- ``jsonl``: ``write_clever_json(..., jsonl=True)``;
- ``diff`` (with ``--next``): loads ``NEXT_SYNC`` too, then ``diff(old, new,
  ignore_timestamps=True)``, ``reach_changes()``, ``hold_reasons()`` and
  ``render("text")``.

Prints, per step, the load's CPU seconds and peak RSS, the step's CPU seconds, the
whole process's peak RSS, and the step's CPU as a multiple of the load's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_CHILD = r"""
import json, resource, shutil, sys, tempfile, time
import rostergraph
step, src, nxt = sys.argv[1], sys.argv[2], sys.argv[3]
peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
c = time.process_time()
roster = rostergraph.load(src)
load_cpu, load_peak = time.process_time() - c, peak()
out = tempfile.mkdtemp()
try:
    if step == "diff":
        new = rostergraph.load(nxt)
        c = time.process_time()
        d = rostergraph.diff(roster, new, ignore_timestamps=True)
        d.reach_changes(); d.hold_reasons(); d.render("text")
        what = repr(d)
    else:
        from rostergraph.io.write import write_clever_json
        from rostergraph.io.write_oneroster import write_oneroster
        from rostergraph.io.write_sftp import write_clever_csv
        c = time.process_time()
        if step == "oneroster":
            write_oneroster(roster, out + "/x")
        elif step == "sftp":
            write_clever_csv(roster, out + "/x")
        else:
            write_clever_json(roster, out + "/x", jsonl=True)
        what = step
    cpu = time.process_time() - c
finally:
    shutil.rmtree(out)
print(json.dumps({"load_cpu": load_cpu, "load_peak": load_peak, "cpu": cpu, "peak": peak(),
                  "what": what}))
"""


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("district", type=Path)
    p.add_argument("--next", type=Path, default=None, help="the next sync (for diff)")
    p.add_argument("--steps", default="oneroster,sftp,jsonl,diff")
    args = p.parse_args(argv)
    steps = [s for s in args.steps.split(",") if s != "diff" or args.next is not None]
    print("| step | load CPU s | load peak MiB | step CPU s | step / load | peak MiB |")
    print("|---|---:|---:|---:|---:|---:|")
    for step in steps:
        r = subprocess.run([sys.executable, "-c", _CHILD, step, str(args.district.resolve()),
                            str(args.next.resolve() if args.next else "")], cwd=ROOT,
                           capture_output=True, text=True, check=False,
                           env=dict(os.environ, PYTHONPATH=str(ROOT)))
        if r.returncode:
            print(r.stderr, file=sys.stderr)
            return 1
        got = json.loads(r.stdout.strip().splitlines()[-1])
        print(f"| {got['what']} | {got['load_cpu']:.2f} | {got['load_peak']:.0f} | "
              f"{got['cpu']:.2f} | {got['cpu'] / got['load_cpu']:.1f}× | {got['peak']:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
