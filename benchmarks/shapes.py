"""CSV against JSON Lines on districts of other shapes: ``python benchmarks/shapes.py``.

Generates (once, under ``bench-data/shapes/<shape>``) a district of ``--students``
students for each shape below with :func:`rostergraph.synth.district`, converts it to
OneRoster 1.1, OneRoster 1.2 and Clever SFTP CSV as an SIS exports them (as
``benchmarks/run.py --plain`` does), then times ``rostergraph.load`` + ``from_roster`` of
each format, each load in its own process, at its best of ``--repeat`` runs. Prints wall
and CPU seconds, the CSV's CPU time as a multiple of the JSON Lines load's (CPU time moves
less than wall time with what else the machine runs), peak MiB, users and problems.

A shape whose ratio stands out from the others' is a cliff: a path of the readers that a
district of that shape takes much more often than the generated default one does.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

#: shape → (rates, counts) given to rostergraph.synth.district (counts at 100k students,
#: scaled to --students)
SHAPES: dict[str, tuple[dict[str, float], dict[str, int]]] = {
    "base": ({}, {}),
    "cotaught": ({"co_taught": 0.9, "many_co_teachers": 0.05}, {}),
    "contacts": ({"two_student_contacts": 1.0, "orphan_contacts": 0.3}, {}),
    "crossschool": ({"cross_school_students": 0.5, "second_school_students": 0.5,
                     "second_school_teachers": 0.5, "cross_school_teachers": 0.3}, {}),
    "multirole": ({"teachers_also_staff": 0.5, "teachers_also_admin": 0.05,
                   "staff_singular": 0.3}, {}),
    "fewschools": ({}, {"schools": 5}),
    "manyschools": ({}, {"schools": 20_000}),
    "manysections": ({}, {"sections": 120_000}),
    "nocontacts": ({}, {"contacts": 0}),
    "bigsections": ({}, {"sections": 8_000}),
}
FORMATS = ("jsonl", "oneroster", "oneroster12", "sftp")

_CHILD = """
import resource, sys, time
import rostergraph
t, c = time.perf_counter(), time.process_time()
r = rostergraph.load(sys.argv[1], cache=False)
rostergraph.RosterGraph.from_roster(r)
print(time.perf_counter() - t, time.process_time() - c,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, len(r.users), len(r.problems))
"""


def generate(shape: str, students: int) -> Path:
    """The shape's JSON Lines folder and its three CSV conversions, made when missing."""
    import run  # benchmarks/run.py: the same conversion as its --plain runs

    from rostergraph.synth import district

    rates, counts = SHAPES[shape]
    scale = students / 100_000
    out = ROOT / "bench-data" / "shapes" / (shape if students == 100_000
                                            else f"{shape}-{students}")
    if not (out / "users.jsonl").exists():
        district(None, students=students, seed=7, rates=rates or None,
                 counts={k: max(1, round(v * scale)) if v else 0
                         for k, v in counts.items()} or None).write(out)
    for fmt in FORMATS[1:]:
        run.ensure_csv(out, fmt, plain=True)
    return out


def time_shape(folder: Path, repeat: int) -> dict[str, tuple[float, float, int, int, int]]:
    """Per format: (wall s, CPU s, peak MiB, users, problems) of its fastest run."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    best: dict[str, tuple[float, float, int, int, int]] = {}
    for fmt in FORMATS:
        path = folder if fmt == "jsonl" else folder.with_name(f"{folder.name}-{fmt}-sis")
        for _ in range(repeat):
            got = subprocess.run([sys.executable, "-c", _CHILD, str(path)], check=True,
                                 capture_output=True, text=True, env=env).stdout.split()
            w, c, peak, users, problems = float(got[0]), float(got[1]), *map(int, got[2:])
            if fmt not in best or c < best[fmt][1]:
                best[fmt] = (w, c, peak, users, problems)
    return best


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("shapes", nargs="*", metavar="SHAPE",
                   help=f"shapes to run (default: all of {', '.join(SHAPES)})")
    p.add_argument("--students", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=2)
    args = p.parse_args(argv)
    unknown = [s for s in args.shapes if s not in SHAPES]
    if unknown:
        p.error(f"unknown shape {unknown[0]!r}; expected any of {', '.join(SHAPES)}")
    args.shapes = args.shapes or list(SHAPES)
    print("| shape | " + " | ".join(FORMATS) + " |")
    print("|---|" + "---:|" * len(FORMATS))
    for shape in args.shapes:
        best = time_shape(generate(shape, args.students), args.repeat)
        base = best["jsonl"][1]
        cells = [f"{w:.2f} s / {c:.2f} s CPU" + ("" if f == "jsonl" else f" (**{c / base:.2f}×**)")
                 + f", {peak:,} MiB" for f, (w, c, peak, _, _) in best.items()]
        print(f"| {shape} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
