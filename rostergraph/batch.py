"""Batch runs over many districts, one task per district, on a process pool or Dask.

Each district is independent, so the district is the unit of distribution.
Workers load a district from a path they can reach, run the requested steps
and send back small results (Tables and the report's JSON), never whole
graphs. Without a client the work runs on a local process pool; with a
``dask.distributed.Client`` every district is one Dask task (Dask reschedules
tasks of a worker that dies). A district that fails is recorded in the
failures Table and never stops the others.

With an output folder, every finished district is written at once
(``districts/<name>.json``, atomically) and ``index.json`` lists them, so an
interrupted batch resumes without redoing finished districts.

Examples
--------
>>> import rostergraph
>>> from rostergraph import batch
>>> result = batch.run([rostergraph.sample_path()], max_workers=1)
>>> result.ok, len(result.failures)
(['sample'], 0)
>>> result.tables["orphans"].columns
['district', 'user', 'role', 'reason']
"""

from __future__ import annotations

import multiprocessing
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import orjson

from .table import Table

__all__ = ["STEPS", "BatchResult", "district_sources", "privacy_stamp", "run", "run_district"]

#: The steps a batch can run, each producing one Table per district.
STEPS: tuple[str, ...] = ("summary", "validate", "orphans", "cross_school")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def district_sources(sources: Iterable[str | os.PathLike[str]],
                     output: str | os.PathLike[str] | None = None) -> dict[str, Path]:
    """Districts named by ``sources``: each a roster folder/zip, or a parent of several.

    A path that a reader recognises is one district; any other folder is a
    parent whose sub-folders and ``.zip`` files are the districts (but ``output``, a
    run's own output folder put there). Names are the folder/zip names made safe for
    file names (duplicates get ``-2``, ``-3``).

    Examples
    --------
    >>> import rostergraph
    >>> list(district_sources([rostergraph.sample_path()]))
    ['sample']
    """
    from .errors import SourceError
    from .io.detect import detect_format

    found: list[Path] = []
    for src in sources:
        p = Path(src)
        if not p.exists():
            raise SourceError("no such file or folder", path=str(p))
        if _is_roster(p, detect_format):
            found.append(p)
        elif p.is_dir():
            # (the run's own output folder, put among the districts, is none of them)
            children = sorted(c for c in p.iterdir()
                              if (c.is_dir() or c.suffix.lower() == ".zip")
                              and not c.name.startswith(".") and not _same(c, output))
            if not children:
                raise SourceError("no district folders or zips inside", path=str(p))
            found.extend(children)
        else:
            found.append(p)  # let the worker report what is wrong with it
    out: dict[str, Path] = {}
    for p in found:
        base = _SAFE_NAME.sub("_", p.stem if p.suffix.lower() == ".zip" else p.name) or "district"
        name, n = base, 2
        while name in out:
            name, n = f"{base}-{n}", n + 1
        out[name] = p
    return out


def _same(p: Path, other: str | os.PathLike[str] | None) -> bool:
    """Whether ``p`` is the path ``other`` names (``None``: none)."""
    return other is not None and os.path.realpath(p) == os.path.realpath(other)


def _is_roster(p: Path, detect: Callable[[Path], str]) -> bool:
    from .errors import RosterError

    try:
        detect(p)
        return True
    except RosterError:
        return False


def run_district(name: str, path: str, steps: Sequence[str] = STEPS, *,
                 privacy: Any = None, limits: Any = None) -> dict[str, Any]:
    """Run the steps on one district; the worker function (plain data in and out).

    ``privacy`` (a :class:`~rostergraph.privacy.PrivacyPolicy`) is bound to the
    district's roster and applied to every table, the report and the error message;
    ``limits`` (:class:`~rostergraph.io.limits.Limits`, ``None``: the defaults) bound the
    district's zip and gzip files.

    Returns a dict with ``district``, ``ok``, ``tables`` (step → column dict),
    ``report`` (the validation report's JSON object, when ``validate`` ran),
    ``seconds``, or ``error``/``message`` when the district failed.

    Examples
    --------
    >>> import rostergraph
    >>> out = run_district("sample", str(rostergraph.sample_path()), ["orphans"])
    >>> out["ok"], sorted(out["tables"])
    (True, ['orphans'])
    """
    t0 = time.perf_counter()
    try:
        from . import queries
        from .graph import RosterGraph
        from .io.detect import load
        from .validation import validate

        roster = load(path, limits=limits)  # (None: the defaults)
        g = RosterGraph.from_roster(roster)
        pol = privacy.unbound().bind(roster) if privacy is not None else None
        tables: dict[str, Table] = {}
        report = None
        for step in steps:
            if step == "summary":
                counts, roles = g.counts(), g.role_counts()
                keys = [f"records.{k}" for k in counts] + [f"roles.{k}" for k in roles] + [
                    "problems", "missing_references"]
                values = list(counts.values()) + list(roles.values()) + [
                    len(roster.problems), sum(g.stub_counts().values())]
                tables[step] = Table({"measure": keys, "value": values})
            elif step == "validate":
                report = validate(g)
                if pol is not None:
                    pol.apply_report(report)
                tables[step] = report.findings_table()
            elif step == "orphans":
                tables[step] = queries.orphaned_users(g)
            elif step == "cross_school":
                tables[step] = queries.cross_school_enrollments(g)
            else:
                raise ValueError(f"unknown step {step!r}; known: {', '.join(STEPS)}")
        if pol is not None:
            tables = {k: pol.apply_table(t) for k, t in tables.items()}
        return {"district": name, "ok": True, "path": path,
                "tables": {k: _columns(t) for k, t in tables.items()},
                "report": report.to_dict() if report is not None else None,
                "seconds": round(time.perf_counter() - t0, 3)}
    except Exception as exc:  # noqa: BLE001 - a failing district must not stop the batch
        message = str(exc)[:2000]
        if privacy is not None:
            message = privacy.apply_text(message)
        return {"district": name, "ok": False, "path": path, "error": type(exc).__name__,
                "message": message, "seconds": round(time.perf_counter() - t0, 3)}


def _columns(t: Table) -> dict[str, list[Any]]:
    return {c: t.to_list(c) for c in t.columns}


@attrs.frozen
class BatchResult:
    """What a batch produced.

    Attributes
    ----------
    tables:
        Step → one Table of every district's rows, with a ``district`` column first.
    reports:
        District → the validation report as a JSON object (when ``validate`` ran).
    failures:
        ``district``, ``path``, ``error`` (class name), ``message``.
    ok:
        Names of the districts that completed, sorted.
    notes:
        What a resumed run had to redo and why (another privacy mode or key).
    """

    tables: dict[str, Table]
    reports: dict[str, dict[str, Any]]
    failures: Table
    ok: list[str]
    seconds: float = 0.0
    notes: tuple[str, ...] = ()

    def summary_text(self) -> str:
        """Districts ok/failed, row totals per step and the worst rules across districts."""
        lines = [*(f"note: {n}" for n in self.notes),
                 f"districts: {len(self.ok)} ok, {len(self.failures)} failed"]
        for step, t in self.tables.items():
            lines.append(f"  {step}: {len(t)} rows")
        worst = self.worst_rules()
        if len(worst):
            lines.append("worst rules across districts:")
            for rule, sev, n, d in list(worst)[:10]:
                lines.append(f"  {rule:<12} {sev:<8} {n:>8} findings in {d} districts")
        for d, _, err, msg in self.failures:
            lines.append(f"failed: {d}: {err}: {msg.splitlines()[0] if msg else ''}")
        return "\n".join(lines)

    def worst_rules(self) -> Table:
        """Rules by findings across districts: ``rule``, ``severity``, ``findings``, ``districts``."""
        t = self.tables.get("validate")
        if t is None or not len(t):
            return Table({"rule": [], "severity": [], "findings": [], "districts": []})
        counts: dict[tuple[str, str], list[Any]] = {}
        for d, rule, sev in zip(t.to_list("district"), t.to_list("rule"), t.to_list("severity")):
            c = counts.setdefault((rule, sev), [0, set()])
            c[0] += 1
            c[1].add(d)
        rank = {"error": 0, "warning": 1, "info": 2}
        rows = sorted(counts.items(), key=lambda kv: (rank.get(kv[0][1], 3), -kv[1][0], kv[0][0]))
        return Table({"rule": [k[0] for k, _ in rows], "severity": [k[1] for k, _ in rows],
                      "findings": [v[0] for _, v in rows],
                      "districts": [len(v[1]) for _, v in rows]}, name="worst rules")


def run(sources: Iterable[str | os.PathLike[str]], steps: Sequence[str] = STEPS, *,
        client: Any = None, max_workers: int | None = None,
        output: str | os.PathLike[str] | None = None, resume: bool = False,
        progress: bool = False, retries: int = 2, privacy: Any = None,
        limits: Any = None) -> BatchResult:
    """Run ``steps`` on every district of ``sources`` and combine the results.

    Parameters
    ----------
    sources:
        District folders/zips, or parent folders holding them.
    steps:
        Any of :data:`STEPS`.
    client:
        A ``dask.distributed.Client``: one task per district on its cluster.
        Without one, a local process pool of ``max_workers`` processes.
    output:
        A folder to write each district's result to as it finishes, plus
        ``index.json``.
    resume:
        With ``output``: reuse districts already written there for the same
        path, steps and privacy settings (mode, options and a keyed hash of the
        pseudonym key, never the key). Results written under other privacy
        settings are deleted and redone, and :attr:`BatchResult.notes` says so:
        a pseudonymized rerun never keeps real ids from an earlier full run.
        Result files of districts that are not part of this run are left alone.
    progress:
        Show a progress bar over districts (tqdm).
    retries:
        Dask retries for a task whose worker failed (worker deaths are
        rescheduled by Dask itself).
    privacy:
        A :class:`~rostergraph.privacy.PrivacyPolicy` applied in each worker to
        that district's tables and report (one key for the whole run).
    limits:
        :class:`~rostergraph.io.limits.Limits` for every district's load (a zip or
        gzip larger than the defaults allow, from districts you trust).

    Notes
    -----
    The local pool starts fresh interpreters (the ``spawn`` start method), never
    forks of the calling process. Each of them imports the calling script again,
    so a script that calls :func:`run` with more than one worker must do so under
    ``if __name__ == "__main__":`` (as with any ``spawn`` pool); notebooks and
    ``max_workers=1`` need nothing.

    Examples
    --------
    >>> import rostergraph
    >>> r = run([rostergraph.sample_path()], ["orphans"], max_workers=1)
    >>> list(r.tables)
    ['orphans']
    """
    for s in steps:
        if s not in STEPS:
            raise ValueError(f"unknown step {s!r}; known: {', '.join(STEPS)}")
    t0 = time.perf_counter()
    districts = district_sources(sources, output)
    out_dir = Path(output) if output is not None else None
    results: dict[str, dict[str, Any]] = {}
    stamp = privacy_stamp(privacy)
    notes: list[str] = []
    if out_dir is not None:
        (out_dir / "districts").mkdir(parents=True, exist_ok=True)
        if resume:
            done_before, stale = _load_done(out_dir, districts, steps, stamp)
            results.update(done_before)
            if stale:
                notes.append(f"{len(stale)} district results in {out_dir} were written under "
                             "other privacy settings (mode, options or pseudonym key); they "
                             "were deleted and are computed again")
    todo = {n: p for n, p in districts.items() if n not in results}
    bar = _progress(len(districts), len(results)) if progress else None

    def done(res: dict[str, Any]) -> None:
        results[res["district"]] = res
        if out_dir is not None:
            _write_json(out_dir / "districts" / f"{res['district']}.json",
                        dict(res, steps=list(steps), privacy=stamp))
            _write_index(out_dir, results, districts, stamp)
        if bar is not None:
            bar.update(1)

    try:
        if client is not None:
            _run_dask(client, todo, steps, done, retries, privacy, limits)
        elif todo:
            workers = max_workers or min(len(todo), os.cpu_count() or 1)
            if workers <= 1:
                for name, path in todo.items():
                    done(run_district(name, str(path), steps, privacy=privacy,
                                      limits=limits))
            else:
                # fresh interpreters, never forks of this one: a fork inherits the
                # locks of every thread of the host (a notebook kernel, a server)
                spawn = multiprocessing.get_context("spawn")
                with ProcessPoolExecutor(max_workers=workers, mp_context=spawn) as pool:
                    futures = [pool.submit(run_district, n, str(p), tuple(steps),
                                           privacy=privacy, limits=limits)
                               for n, p in todo.items()]
                    for f in as_completed(futures):
                        done(f.result())
    finally:
        if bar is not None:
            bar.close()
    if out_dir is not None:
        _write_index(out_dir, results, districts, stamp)
    return attrs.evolve(_combine(results, steps, time.perf_counter() - t0), notes=tuple(notes))


def _run_dask(client: Any, todo: dict[str, Path], steps: Sequence[str],
              done: Callable[[dict[str, Any]], None], retries: int,
              privacy: Any = None, limits: Any = None) -> None:
    from dask.distributed import as_completed as dask_completed

    futures = [client.submit(run_district, n, str(p), tuple(steps), key=f"rostergraph-{n}",
                             pure=False, retries=retries, privacy=privacy, limits=limits)
               for n, p in todo.items()]
    for f in dask_completed(futures):
        try:
            done(f.result())
        except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker after too many deaths
            name = str(f.key).removeprefix("rostergraph-")
            done({"district": name, "ok": False, "path": str(todo.get(name, "")),
                  "error": type(exc).__name__, "message": str(exc)[:2000], "seconds": 0.0})


def _combine(results: dict[str, dict[str, Any]], steps: Sequence[str],
             seconds: float) -> BatchResult:
    names = sorted(results)
    tables: dict[str, Table] = {}
    for step in steps:
        cols: dict[str, list[Any]] = {"district": []}
        for n in names:
            res = results[n]
            if not res.get("ok"):
                continue
            t = res["tables"].get(step)
            if t is None:
                continue
            length = len(next(iter(t.values()))) if t else 0
            for c in t:
                cols.setdefault(c, [])
            cols["district"] += [n] * length
            for c, v in t.items():
                cols[c] += v
        lengths = {len(v) for v in cols.values()}
        if len(lengths) > 1:  # a column missing in some district: pad with None
            n_rows = len(cols["district"])
            cols = {k: v + [None] * (n_rows - len(v)) for k, v in cols.items()}
        tables[step] = Table({k: _array(v) for k, v in cols.items()}, name=step)
    failed = [results[n] for n in names if not results[n].get("ok")]
    failures = Table({"district": [f["district"] for f in failed],
                      "path": [f.get("path", "") for f in failed],
                      "error": [f.get("error", "") for f in failed],
                      "message": [f.get("message", "") for f in failed]}, name="failures")
    reports = {n: results[n]["report"] for n in names
               if results[n].get("ok") and results[n].get("report") is not None}
    return BatchResult(tables=tables, reports=reports, failures=failures,
                       ok=[n for n in names if results[n].get("ok")], seconds=round(seconds, 3))


def _array(values: list[Any]) -> Any:
    if values and all(isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=bool)
    return values


def privacy_stamp(privacy: Any) -> dict[str, Any]:
    """The privacy settings a batch result was written under (no key, only its keyed hash).

    Examples
    --------
    >>> privacy_stamp(None)
    {'mode': 'full', 'redact_staff': False, 'include_fields': [], 'key': None}
    >>> from rostergraph.privacy import PrivacyPolicy
    >>> s = privacy_stamp(PrivacyPolicy("pseudonymized", key=b"k" * 16))
    >>> s["mode"], len(s["key"]), "kkkk" in str(s)
    ('pseudonymized', 32, False)
    """
    if privacy is None:
        return {"mode": "full", "redact_staff": False, "include_fields": [], "key": None}
    return {"mode": privacy.mode, "redact_staff": bool(privacy.redact_staff),
            "include_fields": sorted(privacy.include_fields),
            "key": privacy.key_fingerprint() if privacy.mode == "pseudonymized" else None}


def _load_done(out_dir: Path, districts: dict[str, Path], steps: Sequence[str],
               stamp: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], list[Path]]:
    """Results to reuse, and the result files written under other privacy settings
    (deleted: they may hold what the current settings hide)."""
    done: dict[str, dict[str, Any]] = {}
    stale: list[Path] = []
    for f in sorted((out_dir / "districts").glob("*.json")):
        if f.is_symlink() or not f.is_file():
            continue
        try:
            res = orjson.loads(f.read_bytes())
        except orjson.JSONDecodeError:
            continue  # a damaged result is simply redone
        if not isinstance(res, dict):
            continue
        name = f.name[: -len(".json")]
        if name not in districts:
            continue  # not a district of this run: left as it is
        if res.get("privacy") != stamp:
            f.unlink()
            stale.append(f)
            continue
        path = districts.get(name)
        if path is not None and res.get("path") == str(path) and res.get("steps") == list(steps):
            done[name] = res
    return done, stale


def _write_index(out_dir: Path, results: dict[str, dict[str, Any]],
                 districts: dict[str, Path], stamp: dict[str, Any]) -> None:
    index = {"privacy": stamp, "districts": [
        {"district": n, "path": str(districts[n]) if n in districts else results[n].get("path"),
         "status": ("ok" if results[n].get("ok") else "failed") if n in results else "pending",
         "file": f"districts/{n}.json" if n in results else None}
        for n in sorted(set(districts) | set(results))]}
    _write_json(out_dir / "index.json", index)


def _write_json(path: Path, obj: Any) -> None:
    from .safety import atomic_write, json_dumps

    # json_dumps: a lone surrogate (a folder name that is not UTF-8, an id) stays valid JSON
    atomic_write(path, json_dumps(obj, indent=True, sort_keys=True))


def _progress(total: int, initial: int) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit="district", desc="districts")
