"""The fast path for Clever JSON Lines folders: parallel scan, lazy records, graph columns.

:func:`read_fast` reads a folder whose resource files are all plain
(uncompressed) ``.jsonl``/``.ndjson`` files with ``\\n`` line ends. Each file
is scanned in slices — in two worker processes when the data is large — and
every line is decoded with msgspec into a typed struct mirroring the record
schema (:func:`_struct_for`: parsing and the type check of every field in one
C pass, no record built). For each plain line the scan keeps the record id,
its byte range, the graph columns (references, role bits, the
``primary``/``relationship``/``type`` attributes) and the few field columns
the rules need (``fields``: emails, grades, section names, and
``text_suspect``, a superset of the records whose strings the string rules
must look at); records are built only when asked for
(:class:`~rostergraph.lazy.LazyRecords`).

Every line that is not plain (a syntax error, a wrongly typed field, an
unknown key, an envelope item, a BOM, a line over a limit) goes through the
general reader (``clever_json._read_line``), in file order, so
``roster.problems``, record order, ``extra`` and duplicate handling are
exactly those of the general path. ``RosterGraph.from_roster`` uses the
columns and never touches the records.

Examples
--------
>>> import rostergraph, tempfile, pathlib
>>> from rostergraph.synth import write_district
>>> p = write_district(tempfile.mkdtemp(), "S", seed=1)
>>> r = read_fast(p, {k: p / f"{k}.jsonl" for k in ("sections", "users")})
>>> len(r.users), type(r.users).__name__
(1042, 'LazyRecords')
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import threading
import time
from array import array
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from ..fastrec import FALLBACK  # noqa: F401 - re-exported for readers' convenience
from ..graph import CodedRefs
from ..lazy import LazyRecords
from ..model import KINDS, RECORD_CLASSES
from ..roster import FileInfo, Roster, RosterBuilder, raw_text
from . import scan
from .limits import DEFAULT_LIMITS, Limits

__all__ = ["PARALLEL_BYTES", "SPLIT_BYTES", "read_fast"]

_log = logging.getLogger(__name__)

#: A file larger than this is scanned in one slice per worker.
SPLIT_BYTES = 4 * 1024 * 1024
#: Contact references (to users) at least this many are coded by the section phase's
#: workers rather than by the graph build.
LATE_REFS_MIN = 100_000
#: Files larger than this (in total) are scanned in two worker processes.
PARALLEL_BYTES = 48 * 1024 * 1024
_GRAPH_KINDS = ("schools", "sections", "users")  # the kinds that own graph edges
#: Kinds scanned together; each phase's references to kinds merged in an earlier phase
#: are coded to positions by the workers (see :data:`rostergraph.io.scan.CODES`).
_PHASES = (("districts", "schools", "terms", "courses"), ("users",), ("sections",))

# --- merging slices ------------------------------------------------------------------


def _joined(buffers: Any, dtype: Any) -> np.ndarray:
    """The slices' ``array``/numpy buffers of one column as one numpy array."""
    return np.concatenate([np.frombuffer(x, dtype=dtype) if len(x) else np.zeros(0, dtype)
                           for x in buffers])


def _concat_cols(kind: str, parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Join the slices' columns; row numbers become numbers over all plain rows."""
    out: dict[str, Any] = {}
    offset = 0
    offsets = []
    for p in parts:
        offsets.append(offset)
        offset += len(p["ids"])
    if not parts:
        return out
    fields: dict[str, Any] = {}
    for name in parts[0]["fields"]:
        if isinstance(parts[0]["fields"][name], array):  # bool flags
            fields[name] = _joined((p["fields"][name] for p in parts), np.uint8).astype(bool)
        else:
            merged_f: list[Any] = []
            for p in parts:
                merged_f.extend(p["fields"][name])
            fields[name] = merged_f
    suspect = np.zeros(offset, dtype=bool)
    for p, o in zip(parts, offsets):
        suspect[p["suspect"] + o] = True
    fields["text_suspect"] = suspect
    out["fields"] = fields
    for name in parts[0]["cols"]:
        if name == "roles":
            out[name] = _joined((p["cols"][name] for p in parts), np.uint8)
            continue
        if name in ("enrolled_in", "teaches"):  # per-row counts → row of each reference
            cnt = _joined((p["cols"][name][0] for p in parts), np.int64)
            rows = np.repeat(np.arange(len(cnt), dtype=np.int64), cnt)
        else:  # rows of one slice, then of the next (offset by the rows before it)
            rows = _joined((p["cols"][name][0] for p in parts), np.int64)
            rows += np.repeat(offsets, [len(p["cols"][name][0]) for p in parts])
        rest: list[Any] = []
        for j in range(1, len(parts[0]["cols"][name])):
            if isinstance(parts[0]["cols"][name][j], CodedRefs):
                rest.append(CodedRefs.concat([p["cols"][name][j] for p in parts]))
                continue
            merged: list[Any] = []
            for p in parts:
                merged.extend(p["cols"][name][j])
            rest.append(merged)
        out[name] = (rows, *rest)
    return out


class _SlowTable(dict):  # type: ignore[type-arg]
    """The builder's table for one kind while slow lines go through the general path.

    ``id in table`` is true for an id kept earlier in the file: a plain row on
    an earlier line or a slow record already kept. Kept slow records are
    collected with their line.
    """

    def __init__(self, index: dict[str, int], lines: np.ndarray) -> None:
        super().__init__()
        self.index = index
        self.lines = lines
        self.line = 0
        self.kept: dict[str, tuple[int, Any]] = {}

    def __contains__(self, key: object) -> bool:
        i = self.index.get(key)  # type: ignore[call-overload]
        return (i is not None and self.lines[i] < self.line) or key in self.kept

    def __setitem__(self, key: str, rec: Any) -> None:
        self.kept[key] = (self.line, rec)


def _merge_kind(b: RosterBuilder, kind: str, name: str, parts: list[dict[str, Any]],
                limits: Limits) -> tuple[list[str], np.ndarray, np.ndarray, dict[int, Any],
                                         np.ndarray, dict[str, int]]:
    """Records of one kind in file order: ids, byte ranges, ready records, kept plain rows.

    Slow lines go through the general reader; duplicates become problems. Returns
    ``(ids, starts, ends, ready, plain_pos, index)``: ``plain_pos[i]`` is the
    position of plain row ``i`` among the kept records (-1 when dropped).
    """
    from .clever_json import _read_line

    lines, starts, ends = (_joined((p[key] for p in parts), np.int64)
                           for key in ("lines", "starts", "ends"))
    ids: list[str] = []
    for p in parts:
        ids.extend(p["ids"])
    slow = [s for p in parts for s in p["slow"]]
    n_plain = len(ids)
    index = dict(zip(ids, range(n_plain)))
    if not slow and len(index) == n_plain:
        return ids, starts, ends, {}, np.arange(n_plain, dtype=np.int64), index
    data = scan.DATA[kind]
    cls = RECORD_CLASSES[kind]
    first_problem = len(b.problems)
    keep = np.ones(n_plain, dtype=bool)
    if len(index) != n_plain:  # ids repeated among plain rows: the first one is kept
        first: dict[str, int] = {}
        for i, rid in enumerate(ids):
            if first.setdefault(rid, i) != i:
                keep[i] = False
        index = first
    table = _SlowTable(index, lines)
    real = b.kinds[kind]
    b.kinds[kind] = table
    cap = limits.max_line_bytes
    try:
        for n, text in slow:
            table.line = n
            if len(text) > cap:  # as the streaming reader reports an over-long line
                b.problem("limit", f"line longer than {cap} bytes (Limits.max_line_bytes)",
                          file=name, line=n, kind=kind, raw=raw_text(text[:200]))
                continue
            _read_line(b, kind, name, n, text, limits)
    finally:
        b.kinds[kind] = real
    # a plain row whose id a slow record on an earlier line took is a duplicate
    for rid, (line, _) in table.kept.items():
        i = index.get(rid)
        if i is not None and lines[i] > line:
            keep[i] = False
    for i in np.flatnonzero(~keep).tolist():
        rid = ids[i]
        b.problem("duplicate_id", f"duplicate {cls.kind} id {rid!r}: the first record is "
                  "kept", record_id=rid, raw=raw_text(data[int(starts[i]): int(ends[i])]),
                  file=name, line=int(lines[i]), index=None, kind=kind)
    if len(b.problems) > first_problem:  # the general reader lists problems in line order
        b.problems[first_problem:] = sorted(b.problems[first_problem:],
                                            key=lambda p: p.line or 0)
    kept_plain = np.flatnonzero(keep)
    slow_items = sorted(table.kept.values(), key=lambda t: t[0])
    slow_lines = np.asarray([t[0] for t in slow_items], dtype=np.int64)
    # a kept plain row moves down by the slow records kept before its line and up by
    # the plain rows dropped before it
    plain_pos = np.full(n_plain, -1, dtype=np.int64)
    plain_pos[kept_plain] = np.arange(len(kept_plain)) + np.searchsorted(
        slow_lines, lines[kept_plain])
    slow_pos = np.arange(len(slow_items)) + np.searchsorted(lines[kept_plain], slow_lines)
    n_kept = len(kept_plain) + len(slow_items)
    out_starts = np.full(n_kept, -1, dtype=np.int64)
    out_ends = np.full(n_kept, -1, dtype=np.int64)
    out_starts[plain_pos[kept_plain]] = starts[kept_plain]
    out_ends[plain_pos[kept_plain]] = ends[kept_plain]
    ready: dict[int, Any] = dict(zip(slow_pos.tolist(), (rec for _, rec in slow_items)))
    # the index is updated in place: only the rows that moved are written again
    moved = kept_plain[plain_pos[kept_plain] != kept_plain]
    if len(kept_plain) < n_plain:
        for i in np.flatnonzero(~keep).tolist():
            if index.get(ids[i]) == i:  # (a duplicate's first row is kept)
                del index[ids[i]]
    mv = moved.tolist()
    index.update(zip([ids[i] for i in mv], plain_pos[moved].tolist()))
    index.update(zip([rec.id for _, rec in slow_items], slow_pos.tolist()))
    ids_arr = np.empty(n_plain, dtype=object)
    ids_arr[:] = ids
    out_arr = np.empty(n_kept, dtype=object)
    out_arr[plain_pos[kept_plain]] = ids_arr[kept_plain]
    for pos, (_, rec) in zip(slow_pos.tolist(), slow_items):
        out_arr[pos] = rec.id
    out_ids: list[Any] = out_arr.tolist()
    return out_ids, out_starts, out_ends, ready, plain_pos, index


def _cpu() -> str:
    """CPU seconds so far, of this process and of its finished workers (for the debug log:
    with two cores, their sum against the wall time shows how busy both were)."""
    t = os.times()
    return f"cpu: this process {t.user + t.system:.2f} s, workers {t.children_user + t.children_system:.2f} s"


def _split(data: bytes, parts: int) -> list[tuple[int, int]]:
    """``(start, end)`` slices of whole lines (a slice counts its line numbers from its
    own start; :func:`_renumber` makes them file-wide)."""
    out = []
    start = 0
    for k in range(1, parts + 1):
        if k == parts:
            end = len(data)
        else:
            cut = data.find(b"\n", max(start, len(data) * k // parts))
            end = len(data) if cut < 0 else cut + 1
        if end > start or k == 1:
            out.append((start, end))
        start = end
    return out


def _slices(size: int, workers: int) -> int:
    """Slices for a file: one per worker, two per worker for a large file (the lines
    of a file differ in cost, e.g. students before contacts; smaller slices even out
    the workers' loads)."""
    if size <= SPLIT_BYTES:
        return 1
    return workers * (2 if size > 16 * SPLIT_BYTES else 1)


def _renumber(parts: list[dict[str, Any]]) -> None:
    """Line numbers of each slice's rows and slow lines, counted from the file's start."""
    offset = 0
    for p in parts:
        if offset:
            p["lines"] = _joined([p["lines"]], np.int64) + offset
            p["slow"] = [(n + offset, text) for n, text in p["slow"]]
        offset += p["newlines"]


def read_fast(source: str | os.PathLike[str], files: dict[str, Path],
              limits: Limits = DEFAULT_LIMITS, *, workers: int | None = None) -> Roster | None:
    """Read plain JSON Lines resource files fast; ``None`` when they are not all plain.

    Parameters
    ----------
    source:
        What the provenance names as the source.
    files:
        kind → file (``.jsonl``/``.ndjson``, uncompressed, ``\\n`` line ends).
    limits:
        The same bounds as the general reader; lines over them take its path.
    workers:
        Processes for scanning (default: 2 when the data is over
        :data:`PARALLEL_BYTES` and the platform can fork, else 1).

    Returns
    -------
    Roster or None
        ``None`` when a file is compressed, not JSON Lines, or has CR line
        ends (the caller then uses the general reader).
    """
    for path in files.values():
        if not path.name.endswith((".jsonl", ".ndjson")):
            return None
    b = RosterBuilder(source=str(source), format="clever-json")
    b.version = "v3.0"
    datas: dict[str, bytes] = {}
    for kind in KINDS:
        if kind in files:
            data = files[kind].read_bytes()
            if data[:2] == b"\x1f\x8b" or b"\r" in data:
                return None
            datas[kind] = data
    total = sum(len(d) for d in datas.values())
    if workers is None:
        workers = 2 if total > PARALLEL_BYTES and hasattr(os, "fork") and (os.cpu_count() or 1) > 1 \
            else 1
    lim = (limits.max_line_bytes, limits.max_json_depth, limits.max_field_bytes)
    hashes: dict[str, str] = {}

    def hash_all() -> None:
        for kind, data in datas.items():
            hashes[kind] = hashlib.sha256(data).hexdigest()

    # SHA-256 runs in a thread (hashlib releases the GIL) while the parent merges; it is
    # joined before any fork, so no thread is running when a worker is forked
    hasher: list[threading.Thread] = []

    def start_hashing() -> None:
        if not hasher:
            hasher.append(threading.Thread(target=hash_all, daemon=True))
            hasher[0].start()

    def finish_hashing() -> None:
        if hasher:
            hasher[0].join()

    problems: dict[str, list[Any]] = {}
    merged: dict[str, Any] = {}
    # a phase's finishing work (joining columns) runs while the next phase's workers scan
    deferred: list[Any] = []

    def finish(kind: str, parts: list[dict[str, Any]], merged_kind: tuple[Any, ...]) -> None:
        ids, starts, ends, ready, plain_pos, index = merged_kind
        b.kinds[kind] = LazyRecords(  # type: ignore[assignment]
            RECORD_CLASSES[kind], datas[kind], ids, starts, ends, ready, index)
        merged[kind] = (_concat_cols(kind, parts), plain_pos, ready, len(ids))

    def run_deferred() -> None:
        while deferred:
            deferred.pop(0)()

    contact_refs: list[str] | None = None  # coded by the next phase's workers
    scan.DATA.clear()
    scan.DATA.update(datas)
    scan.CODES.clear()
    busiest = max(([k for k in phase if k in datas] for phase in _PHASES),
                  key=lambda ks: sum(len(datas[k]) for k in ks))
    if workers == 1:
        start_hashing()  # nothing is forked: hash while scanning
    try:
        for phase in _PHASES:
            kinds = [k for k in phase if k in datas]
            tasks = [(kind, s, e, 0, lim) for kind in kinds for s, e in
                     _split(datas[kind], _slices(len(datas[kind]), workers))]
            if not tasks:
                continue
            t0 = time.perf_counter()
            late = contact_refs
            contact_refs = None
            if late is not None:  # references that waited for the users' index
                scan.REFS = ("users", late)
                half = len(late) // 2
                tasks += [("", 0, half, 0, lim), ("", half, len(late), 0, lim)]
            if workers > 1 and len(tasks) > 1:
                import multiprocessing as mp

                # forked now, the workers see the indexes of the kinds merged so far; the
                # frozen heap is not walked by their garbage collector (no copy-on-write)
                finish_hashing()
                gc.freeze()
                with mp.get_context("fork").Pool(min(workers, len(tasks))) as pool:
                    pending = pool.map_async(scan.scan_task, tasks, chunksize=1)
                    run_deferred()
                    packed = pending.get()
                    _log.debug("results in at %.2f s (%s)", time.perf_counter() - t0, _cpu())
                    packed.reverse()
                    results = []
                    while packed:  # each packed slice is freed once unpacked
                        results.append(scan.unpack(packed.pop()))
                gc.unfreeze()
            else:
                run_deferred()
                results = [scan.scan(*t) for t in tasks]
            _log.debug("scanned %s in %.2f s (%s)", "+".join(kinds), time.perf_counter() - t0,
                       _cpu())
            if kinds == busiest:  # the parent merges alone now: the other core hashes
                start_hashing()
            if late is not None:
                cols = merged["users"][0]
                rows, _, *attrs = cols["contact_for"]
                cols["contact_for"] = (rows, CodedRefs.concat(
                    [res for t, res in zip(tasks, results) if not t[0]]), *attrs)
                scan.REFS = ("", [])
            for kind in kinds:
                parts = [res for t, res in zip(tasks, results) if t[0] == kind]
                _renumber(parts)
                first = len(b.problems)
                got = _merge_kind(b, kind, files[kind].name, parts, limits)
                problems[kind] = b.problems[first:]
                del b.problems[first:]
                scan.CODES[kind] = got[-1]
                if kind == "users" and workers > 1:
                    refs = [r for p in parts for r in p["cols"]["contact_for"][1]]
                    contact_refs = refs if len(refs) >= LATE_REFS_MIN else None
                deferred.append(partial(finish, kind, parts, got))
            del results, parts
            _log.debug("merged %s at %.2f s (%s)", "+".join(kinds), time.perf_counter() - t0,
                       _cpu())
        run_deferred()
        start_hashing()
        finish_hashing()
        indices = dict(scan.CODES)
    finally:
        scan.DATA.clear()
        scan.CODES.clear()
    for kind in KINDS:  # files and problems in the general reader's order
        if kind in datas:
            b.files.append(FileInfo(path=files[kind].name, size=len(datas[kind]),
                                    sha256=hashes[kind], kind=kind))
            b.problems.extend(problems[kind])
    roster = b.build()
    for kind in list(merged):
        cols, plain_pos, ready, n = merged.pop(kind)
        roster._columns[kind] = (roster.records(kind), _final_columns(
            kind, cols, plain_pos, ready, n, indices))
        del cols
    # the millions of objects just made go straight to the oldest generation, so no
    # later young collection walks them (a one-off pause in the next step otherwise)
    gc.freeze()
    gc.unfreeze()
    return roster


def _take(col: Any, idx: Any) -> Any:
    if isinstance(col, CodedRefs):
        return col.take(idx)
    return [col[i] for i in (idx.tolist() if isinstance(idx, np.ndarray) else idx)]


def _final_columns(kind: str, cols: dict[str, Any], plain_pos: np.ndarray,
                   ready: dict[int, Any], n_records: int,
                   indices: dict[str, dict[str, int]]) -> dict[str, Any]:
    """Columns keyed by record position; rows of dropped plain lines removed, and the
    records that took the general path added (edges stay in record order).

    ``indices`` are the id → position indexes of the kinds coded references
    (:class:`~rostergraph.graph.CodedRefs`) point into."""
    from ..graph import record_columns

    n_ready = len(ready)
    out: dict[str, Any] = {}
    ready_items = sorted(ready.items())
    extra = record_columns(kind, ready_items) if n_ready and kind in _GRAPH_KINDS else {}
    for name, val in cols.items():
        if name == "fields":
            out[name] = _final_fields(kind, val, plain_pos, ready_items, n_records)
            continue
        if name == "roles":
            roles = np.zeros(n_records, dtype=np.uint8)
            keep = plain_pos >= 0
            roles[plain_pos[keep]] = val[keep]
            for (pos, _), mask in zip(ready_items, extra.get("roles", ())):
                roles[pos] = mask
            out[name] = roles
            continue
        rows, *rest = val
        pos = plain_pos[rows] if len(rows) else np.zeros(0, np.int64)
        keep = pos >= 0
        if not keep.all():
            pos = pos[keep]
            idx = np.flatnonzero(keep)
            rest = [_take(r, idx) for r in rest]
        if n_ready and name in extra:
            e_pos, *e_rest = extra[name]
            pos = np.concatenate([pos, np.asarray(e_pos, dtype=np.int64)])
            rest = [CodedRefs.concat([r, CodedRefs.from_refs(er, indices[scan.REF_KIND[name]])])
                    if isinstance(r, CodedRefs) else list(r) + list(er)
                    for r, er in zip(rest, e_rest)]
            order = np.argsort(pos, kind="stable")
            pos = pos[order]
            rest = [_take(r, order) for r in rest]
        out[name] = (pos, *rest)
    return out


def _student(u: Any) -> Any:
    return u.roles.student if u.roles is not None else None


def _name_only_last(u: Any) -> bool:
    n = u.name
    return n is not None and bool(n.last) and not n.first and not n.middle


#: kind → field column → its value from a record: the columns the scan extracts from the
#: lines themselves, and how the rules compute them for rosters from other readers.
#: (``text_suspect`` is not here: it comes from the text.)
FIELD_GETTERS: dict[str, dict[str, Callable[[Any], Any]]] = {
    "users": {
        "email": lambda u: u.email,
        "student_email": lambda u: st.email if (st := _student(u)) is not None else None,
        "student_grade": lambda u: st.grade if (st := _student(u)) is not None else None,
        "name_only_last": _name_only_last,
    },
    "sections": {
        "name": lambda s: s.name,
        "grade": lambda s: s.grade,
        "teacher": lambda s: s.teacher,
        "teachers_0": lambda s: s.teachers[0] if s.teachers else None,
    },
}


def record_fields(kind: str, rec: Any) -> dict[str, Any]:
    """The per-record field values the fast scan keeps for the rules, from a record.

    Examples
    --------
    >>> from rostergraph.model import Name, User
    >>> record_fields("users", User(id="u", name=Name(last="Lee")))["name_only_last"]
    True
    """
    return {name: get(rec) for name, get in FIELD_GETTERS.get(kind, {}).items()}


def _final_fields(kind: str, fields: dict[str, Any], plain_pos: np.ndarray,
                  ready_items: list[tuple[int, Any]], n_records: int) -> dict[str, np.ndarray]:
    """Field columns by record position (records from the general path filled in,
    and always marked ``text_suspect``)."""
    keep = plain_pos >= 0
    at = plain_pos[keep]
    out: dict[str, np.ndarray] = {}
    for name, vals in fields.items():
        flags = isinstance(vals, np.ndarray) and vals.dtype == bool
        col = np.zeros(n_records, dtype=bool) if flags else np.full(n_records, None,
                                                                     dtype=object)
        if flags:
            col[at] = vals[keep]
        elif len(vals):
            src = np.empty(len(vals), dtype=object)
            src[:] = vals
            col[at] = src[keep]
        out[name] = col
    if ready_items:
        pos = np.asarray([p for p, _ in ready_items], dtype=np.int64)
        out["text_suspect"][pos] = True
        for p, rec in ready_items:
            for name, v in record_fields(kind, rec).items():
                out[name][p] = v
    return out
