"""Benchmark rostergraph against DuckDB and plain networkx on a synthetic district.

Usage::

    python benchmarks/run.py --size S|M|L [--baselines duckdb,networkx] [--json OUT]
                             [--data DIR] [--seed K] [--quirks default|high] [--report]
                             [--format jsonl|oneroster|oneroster12|sftp] [--plain]

Generates the district under ``bench-data/<size>`` (if missing) with
``rostergraph.synth``, then runs each engine in its own subprocess (so peak
RSS is per engine): rostergraph (load, build, reach, cross-school, orphans,
validate), DuckDB (explicit-column ``read_json``, SQL) and networkx
(records into a ``MultiDiGraph``). The answers (counts) of all engines are
compared first; only when they are equal are the times reported, with the
ratios rostergraph/DuckDB and rostergraph/networkx. Exit code 1 when the
answers differ.

``--format oneroster`` or ``--format sftp`` times loading the same district from
OneRoster 1.1 CSV or Clever SFTP CSV instead: the files are converted once from the
generated JSON Lines (with rostergraph's writers) and cached beside it
(``bench-data/<size>-oneroster``, ``bench-data/<size>-sftp``). The engines are then
rostergraph on the CSV files, rostergraph on the JSON Lines of the same district
(``rostergraph-jsonl``, the figure the CSV load is compared with) and DuckDB's
``read_csv`` on the CSV files (``engines_csv.py``); networkx reads only JSON Lines
and is left out. ``--format oneroster12`` writes OneRoster 1.2 (roles in ``roles.csv``,
``bench-data/<size>-oneroster12``); DuckDB's queries read 1.1's role column and are
left out. All answers are compared as for JSON Lines. With ``--plain`` the CSV
files are written as an SIS exports them, without rostergraph's extension files and
columns, and OneRoster enrollments (and 1.2 role rows) with ids of their own rather than
the writer's ``<class>:<n>`` (``<user>:role:<n>``) (``bench-data/<size>-<format>-sis``):
what districts deliver.

``--quirks high`` generates the district (under ``bench-data/<size>-high``) with
every quirk at a high rate (``rostergraph.synth.QUIRK_RATES``: each validation
rule fires on about 5–20 % of its candidates), to time ``validate`` where
findings are common; the rostergraph engine then also reports how many findings
each rule made.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STEPS = ("load", "build", "reach", "cross_school", "orphans", "validate")
QUERY_STEPS = ("reach", "cross_school", "orphans")
#: answers only one engine gives (rostergraph's validation findings per rule)
NOT_COMPARED = {"findings", "report", "cpu_seconds"}


def machine() -> dict[str, Any]:
    """Core count, memory and versions of this machine."""
    mem = 0
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    mem = int(line.split()[1]) // 1024
    except OSError:
        pass
    versions = {}
    for mod in ("numpy", "orjson", "duckdb", "networkx"):
        try:
            versions[mod] = __import__(mod).__version__
        except Exception:  # noqa: BLE001 - a missing baseline is reported, not fatal
            versions[mod] = None
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {"nproc": os.cpu_count(), "memory_mib": mem, "python": platform.python_version(),
            "loadavg_at_start": [round(x, 2) for x in load],
            "platform": platform.platform(), **versions}


def ensure_data(size: str, seed: int, data: Path | None, quirks: str = "default") -> Path:
    """The district folder, generated with rostergraph.synth when missing."""
    name = size if seed == 0 else f"{size}-seed{seed}"
    if quirks != "default":
        name += f"-{quirks}"
    out = data or ROOT / "bench-data" / name
    if not (out / "users.jsonl").exists():
        sys.path.insert(0, str(ROOT))
        from rostergraph.synth import district

        t0 = time.perf_counter()
        district(size, seed=seed, quirks=quirks).write(out)
        print(f"generated {size} (seed {seed}, {quirks} quirks) in "
              f"{time.perf_counter() - t0:.1f} s → {out}", file=sys.stderr)
    return out


FORMATS = ("jsonl", "oneroster", "oneroster12", "sftp")


def ensure_csv(jsonl: Path, fmt: str, plain: bool = False) -> Path:
    """The district of the folder ``jsonl`` as OneRoster or SFTP CSV, converted once
    (``plain``: without rostergraph's extension files and columns)."""
    # ("-sis": as a student information system exports it, OneRoster enrollments with
    # ids of their own; "-plain" folders of earlier runs held the writer's made-up ids)
    out = jsonl.parent / f"{jsonl.name}-{fmt}{'-sis' if plain else ''}"
    if not (out / "enrollments.csv").exists():
        # in a process of its own: the engines' processes are started from this one, and a
        # child's peak RSS counts the parent's memory at the fork (Linux keeps ru_maxrss
        # across exec), so a conversion done here would raise every engine's peak
        t0 = time.perf_counter()
        tmp = out.with_name(out.name + ".partial")
        subprocess.run([sys.executable, "-c", _CONVERT, str(jsonl), str(tmp), fmt,
                        "plain" if plain else "extended"], check=True,
                       env=dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep
                                + os.environ.get("PYTHONPATH", "")))
        tmp.rename(out)
        print(f"converted {jsonl.name} to {fmt} in {time.perf_counter() - t0:.1f} s → {out}",
              file=sys.stderr)
    return out


_CONVERT = """
import sys
import rostergraph
from rostergraph.io.write_oneroster import write_oneroster
from rostergraph.io.write_sftp import write_clever_csv
src, dst, fmt, kind = sys.argv[1:5]
if fmt == "sftp":
    write_clever_csv(rostergraph.load(src), dst, extensions=kind != "plain")
else:
    write_oneroster(rostergraph.load(src), dst, extensions=kind != "plain",
                    version="1.2" if fmt == "oneroster12" else "1.1")
def own_ids(name, made):
    # (each row's sourcedId replaced by an opaque id of its own: made(k))
    import csv, os
    path = os.path.join(dst, name)
    with open(path, newline="", encoding="utf-8") as f, open(
            path + ".new", "w", newline="", encoding="utf-8") as g:
        rows, out = csv.reader(f), csv.writer(g, lineterminator="\\n")
        head = next(rows)
        assert head[0] == "sourcedId", head
        out.writerow(head)
        for k, row in enumerate(rows):
            row[0] = made(k)
            out.writerow(row)
    os.replace(path + ".new", path)
if fmt != "sftp" and kind == "plain":
    # an SIS gives each enrollment an id of its own, where the writer makes up
    # <class>:<n> (which the reader then need not keep): opaque ids, one per row
    own_ids("enrollments.csv", lambda k: f"{(k * 2654435761) % 2**40:010x}")
if fmt == "oneroster12" and kind == "plain":  # (so too each 1.2 role row: <user>:role:<n>)
    own_ids("roles.csv", lambda k: f"R{(k * 2246822519) % 2**40:010x}")
"""


def run_engine(name: str, data: Path, timeout: float | None = None,
               render: bool = False, fmt: str = "jsonl") -> dict[str, Any]:
    """Run one engine in a fresh subprocess; its JSON result (or an error)."""
    cmd = [sys.executable, str(HERE / "run.py"), "--worker", name, "--data", str(data),
           "--format", fmt]
    if render and name == "rostergraph":
        cmd.append("--report")
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                           check=False)
    except subprocess.TimeoutExpired:
        return {"engine": name, "error": f"timed out after {timeout} s"}
    if p.returncode != 0:
        return {"engine": name, "error": p.stderr.strip().splitlines()[-1:] or ["failed"]}
    res = json.loads(p.stdout.strip().splitlines()[-1])
    res["wall"] = time.perf_counter() - t0
    return res


def _worker(name: str, data: Path, render: bool = False, fmt: str = "jsonl") -> None:
    sys.path.insert(0, str(HERE))
    from engines import ENGINES, peak_mib, run_rostergraph
    from engines_csv import run_duckdb_oneroster, run_duckdb_sftp

    engines = dict(ENGINES, **{"rostergraph-jsonl": run_rostergraph})
    if fmt != "jsonl":
        engines["duckdb"] = run_duckdb_oneroster if fmt == "oneroster" else run_duckdb_sftp
    if fmt == "oneroster12":  # (the DuckDB queries read 1.1's role column, not roles.csv)
        del engines["duckdb"]
    steps, answers = run_rostergraph(data, render) if render else engines[name](data)
    print(json.dumps({"engine": name, "steps": [list(s) for s in steps], "answers": answers,
                      "peak_mib": peak_mib()}))


def load_build(result: dict[str, Any]) -> float:
    """An engine run's load + build seconds (every engine names those steps so)."""
    steps = {s[0]: s[1] for s in result.get("steps", ())}
    return sum(steps.get(k, 0.0) for k in ("load", "build"))


def fastest(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Of one engine's runs, the one with the least load + build (a failed run only when
    every run failed): the machine's noise between runs is ±20-30 %, so each engine is
    compared at its best, as ``timeit`` does.

    >>> fastest([{"steps": [["load", 3.0, 1], ["build", 1.0, 1]]},
    ...          {"steps": [["load", 2.0, 1], ["build", 1.5, 1]]}])["steps"][0][1]
    2.0
    """
    ok = [r for r in results if "steps" in r]
    return min(ok, key=load_build) if ok else results[0]


def compare(results: list[dict[str, Any]], apart: tuple[str, ...] = ()) -> list[str]:
    """Differences between the engines' answers (empty when all agree); engines named in
    ``apart`` are left out."""
    ok = [r for r in results if "answers" in r and r["engine"] not in apart]
    diffs = []
    base = ok[0]
    for r in ok[1:]:
        for k in sorted((set(base["answers"]) | set(r["answers"])) - NOT_COMPARED):
            a, b = base["answers"].get(k), r["answers"].get(k)
            if a != b:
                diffs.append(f"{k}: {base['engine']}={a!r} {r['engine']}={b!r}")
    return diffs


def table(results: list[dict[str, Any]]) -> str:
    """Markdown table: seconds and peak MiB per step and engine, with ratios."""
    ok = [r for r in results if "steps" in r]
    by = {r["engine"]: {s[0]: (s[1], s[2]) for s in r["steps"]} for r in ok}
    for r in ok:
        steps = by[r["engine"]]
        steps["queries"] = (sum(steps[s][0] for s in QUERY_STEPS if s in steps),
                            max(steps[s][1] for s in QUERY_STEPS if s in steps))
        steps["load+build+queries"] = (
            sum(steps[s][0] for s in ("load", "build", *QUERY_STEPS) if s in steps),
            max(steps[s][1] for s in ("load", "build", *QUERY_STEPS) if s in steps))
        steps["total"] = (sum(v[0] for k, v in steps.items() if k in STEPS), r["peak_mib"])
    names = [r["engine"] for r in ok]
    head = "| step | " + " | ".join(f"{n} s | {n} peak MiB" for n in names)
    ratios = [n for n in ("duckdb", "networkx") if n in by and "rostergraph" in by]
    head += "".join(f" | {n} / rostergraph" for n in ratios)
    vs_jsonl = "rostergraph-jsonl" in by and "rostergraph" in by
    head += " | rostergraph / rostergraph-jsonl |" if vs_jsonl else " |"
    lines = [head, "|" + "---|" * (1 + 2 * len(names) + len(ratios) + vs_jsonl)]
    for step in (*STEPS, "queries", "load+build+queries", "total"):
        if not any(step in by[n] for n in names):
            continue
        row = f"| {step} |"
        for n in names:
            v = by[n].get(step)
            row += f" {v[0]:.3f} | {v[1]:,.0f} |" if v else " – | – |"
        for n in ratios:
            a, b = by["rostergraph"].get(step), by[n].get(step)
            row += f" {b[0] / a[0]:.1f}× |" if a and b and a[0] > 0 else " – |"
        if vs_jsonl:
            a, b = by["rostergraph"].get(step), by["rostergraph-jsonl"].get(step)
            row += f" {a[0] / b[0]:.2f}× |" if a and b and b[0] > 0 else " – |"
        lines.append(row)
    lines.append("")
    lines.append("`queries` = reach + cross_school + orphans; `load+build+queries` is the "
                 "like-for-like end to end; `total` adds rostergraph's `validate` (all rules), "
                 "which the baselines do not do. Ratios > 1: rostergraph is faster. Peak MiB = "
                 "peak RSS of the engine's process so far. rostergraph / rostergraph-jsonl "
                 "(CSV formats): how many times the CSV figure is the JSON Lines one (< 1.5× "
                 "is the goal for load+build).")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", choices=("S", "M", "L"), default="S")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quirks", choices=("default", "high"), default="default",
                   help="quirk rates of the generated district (high: each rule fires on "
                        "5–20 %% of its candidates)")
    p.add_argument("--data", type=Path, default=None, help="use this district folder")
    p.add_argument("--baselines", default="duckdb,networkx",
                   help="comma-separated: duckdb, networkx (or 'none')")
    p.add_argument("--json", dest="json_out", type=Path, default=None, help="write results")
    p.add_argument("--timeout", type=float, default=None, help="seconds per engine")
    p.add_argument("--report", action="store_true",
                   help="also render rostergraph's validation report (HTML, text) after the "
                        "timed steps and print its size")
    p.add_argument("--format", choices=FORMATS, default="jsonl",
                   help="the files rostergraph and DuckDB load: the generated JSON Lines, or "
                        "the same district converted (once, cached) to OneRoster or SFTP CSV")
    p.add_argument("--plain", action="store_true",
                   help="CSV formats: the files as an SIS exports them, without rostergraph's "
                        "extension files and columns, OneRoster enrollments with ids of "
                        "their own")
    p.add_argument("--repeat", type=int, default=1,
                   help="run the engines N times, in turn; each engine's fastest run (least "
                        "load + build) is reported, every run's times kept in --json")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        _worker(args.worker, args.data, args.report, args.format)
        return 0
    data = ensure_data(args.size, args.seed, args.data, args.quirks)
    jsonl = data
    baselines = [b for b in args.baselines.split(",") if b and b != "none"]
    runs: list[tuple[str, Path, str]] = [("rostergraph", data, args.format)]
    if args.format != "jsonl":
        data = ensure_csv(jsonl, args.format, args.plain)
        runs.append(("rostergraph-jsonl", jsonl, "jsonl"))
        baselines = [b for b in baselines if b != "networkx"]  # (it reads JSON Lines only)
        if args.format == "oneroster12":  # (no DuckDB queries of 1.2's roles.csv)
            baselines = [b for b in baselines if b != "duckdb"]
        runs[0] = ("rostergraph", data, args.format)
    runs += [(b, data, args.format) for b in baselines]
    every: list[dict[str, Any]] = []
    for k in range(max(1, args.repeat)):
        for name, where, fmt in runs:
            print(f"running {name} (run {k + 1}) …", file=sys.stderr, flush=True)
            every.append(run_engine(name, where, args.timeout, args.report, fmt))
            if "error" in every[-1]:
                print(f"  {name} failed: {every[-1]['error']}", file=sys.stderr)
            else:
                print(f"  load + build {load_build(every[-1]):.2f} s", file=sys.stderr)
    results = [fastest([r for r in every if r["engine"] == name]) for name, _, _ in runs]
    # plain CSV cannot hold all of a district (an SFTP contact with no student, say): the
    # JSON Lines load is then timed beside, its answers told but not compared
    apart = ("rostergraph-jsonl",) if args.plain and args.format != "jsonl" else ()
    diffs = compare(results, apart)
    if apart and "answers" in results[0]:
        lost = compare([results[0], *(r for r in results if r["engine"] in apart)])
        if lost:
            print("from JSON Lines (what the plain files cannot hold; not compared):\n  "
                  + "\n  ".join(lost))
    report = {"size": args.size, "seed": args.seed, "quirks": args.quirks, "data": str(data),
              "format": args.format, "plain": args.plain,
              "data_mib": round(sum(f.stat().st_size for f in data.iterdir()) / 2**20, 1),
              "machine": machine(), "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
              "results": results, "repeat": args.repeat,
              "runs": [{k: v for k, v in r.items() if k != "answers"} for r in every],
              "answers_equal": not diffs, "differences": diffs,
              "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2))
    if diffs:
        print("ANSWERS DIFFER — no times reported:\n  " + "\n  ".join(diffs))
        return 1
    ok = [r for r in results if "answers" in r and r["engine"] not in apart]
    compared = {k: v for k, v in ok[0]["answers"].items() if k not in NOT_COMPARED}
    what = {"jsonl": "JSONL", "oneroster": "OneRoster CSV", "oneroster12": "OneRoster 1.2 CSV",
            "sftp": "SFTP CSV"}[args.format]
    print(f"size {args.size} ({args.quirks} quirks): {report['data_mib']} MiB of {what}; answers "
          f"equal across {', '.join(r['engine'] for r in ok)}: {json.dumps(compared)}")
    found = next((r["answers"]["findings"] for r in ok if "findings" in r["answers"]), None)
    if found:
        print(f"validate: {found['total']:,} findings; by rule: {json.dumps(found['by_rule'])}")
    cpu = next((r["answers"]["cpu_seconds"] for r in ok if "cpu_seconds" in r["answers"]), None)
    if cpu:
        print(f"rostergraph CPU seconds per step: {json.dumps(cpu)}")
    rendered = next((r["answers"]["report"] for r in ok if "report" in r["answers"]), None)
    if rendered:
        print(f"report: HTML {rendered['html_bytes']:,} bytes in {rendered['html_seconds']} s, "
              f"text {rendered['text_bytes']:,} bytes in {rendered['text_seconds']} s")
    m = report["machine"]
    print(f"machine: {m['nproc']} cores, {m['memory_mib']:,} MiB; python {m['python']}, "
          f"duckdb {m['duckdb']}, networkx {m['networkx']}; load average at start "
          f"{m['loadavg_at_start']}")
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
