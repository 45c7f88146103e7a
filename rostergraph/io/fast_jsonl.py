"""The fast path for Clever JSON Lines folders: one scan, lazy records, graph columns.

:func:`read_fast` reads a folder whose resource files are all plain
(uncompressed) ``.jsonl``/``.ndjson`` files with ``\\n`` line ends. Each file
is scanned once, in the calling thread (the library never forks: a forked
process inherits the locks of every other thread of a Jupyter kernel or a web
server), and every line is decoded with msgspec into a typed struct mirroring the record
schema (:func:`~rostergraph.io.scan.struct_for`: parsing and the type check of every field in one
C pass, no record built). For each plain line the scan keeps the record id,
its byte range, the graph columns (references, role bits, the
``primary``/``relationship``/``type`` attributes) and the few field columns
the rules need (``fields``: emails, grades, section names, and
``text_suspect``, a superset of the records whose strings the string rules
must look at); records are built only when asked for
(:class:`~rostergraph.lazy.LazyRecords`).

Every line that is not plain (a syntax error, a wrongly typed field, an
unknown key, an envelope item, a BOM, a line over a limit) goes through the
general reader (:func:`~rostergraph.io.clever_json.read_line`), in file order, so
``roster.problems``, record order, ``extra`` and duplicate handling are
exactly those of the general path. ``RosterGraph.from_roster`` uses the
columns and never touches the records.

Examples
--------
>>> import rostergraph, tempfile, pathlib
>>> from rostergraph.synth import write_district
>>> p = write_district(tempfile.mkdtemp(), "S", seed=1)
>>> from rostergraph.io.clever_json import read_line
>>> r = read_fast(p, {k: p / f"{k}.jsonl" for k in ("sections", "users")}, general=read_line)
>>> len(r.users), type(r.users).__name__
(1042, 'LazyRecords')
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np

from .._collector import settle_new_objects
from ..columns import (
    COUNTED,
    RELATION_SPECS,
    CodedRefs,
    field_columns,
    object_array,
    record_columns,
)
from ..errors import LimitError
from ..fastrec import FALLBACK  # noqa: F401 - re-exported for readers' convenience
from ..idkeys import count_byte
from ..lazy import LazyColumns, LazyRecords
from ..model import KINDS, RECORD_CLASSES
from ..roster import FileInfo, Problem, Roster, RosterBuilder, raw_text
from . import scan
from .limits import DEFAULT_LIMITS, Limits

__all__ = ["final_columns", "read_fast", "row_columns"]

_log = logging.getLogger(__name__)

#: The general reader of one line: ``(builder, kind, file name, line number, text, limits)``.
GeneralReader = Callable[[RosterBuilder, str, str, int, bytes, Limits], None]

_GRAPH_KINDS = ("schools", "sections", "users")  # the kinds that own graph edges
#: The order kinds are scanned in: a kind's references to kinds read before it are
#: coded to record positions by its scan (see :func:`rostergraph.io.scan.scan`).
_ORDER = ("districts", "schools", "terms", "courses", "users", "sections")

# --- merging slices ------------------------------------------------------------------


def row_columns(part: dict[str, Any]) -> dict[str, Any]:
    """A kind's graph and field columns from its joined scan result
    (:func:`rostergraph.io.scan.join_parts`); counted relations get a row per reference."""
    out: dict[str, Any] = {}
    fields = dict(part["fields"])
    suspect = np.zeros(len(part["lines"]), dtype=bool)  # (the ids list may be mended by now)
    suspect[part["suspect"]] = True
    fields["text_suspect"] = suspect
    out["fields"] = fields
    for name, col in part["cols"].items():
        if name in COUNTED:  # per-row counts → row of each reference
            cnt = col[0]
            col = (np.repeat(np.arange(len(cnt), dtype=np.int64), cnt), *col[1:])
        out[name] = col
    return out


def _merge_kind(b: RosterBuilder, kind: str, name: str, data: bytes, part: dict[str, Any],
                limits: Limits, general: GeneralReader) -> tuple[list[str], np.ndarray, np.ndarray, dict[int, Any],
                                         np.ndarray, dict[str, int]]:
    """Records of one kind in file order: ids, byte ranges, ready records, kept plain rows.

    Slow lines go through the general reader; duplicates become problems. Returns
    ``(ids, starts, ends, ready, plain_pos, index)``: ``plain_pos[i]`` is the
    position of plain row ``i`` among the kept records (-1 when dropped).
    """
    lines, starts, ends, ids, slow = (part[k] for k in ("lines", "starts", "ends", "ids",
                                                         "slow"))
    n_plain = len(ids)
    index = dict(zip(ids, range(n_plain)))
    if not len(slow[0]) and len(index) == n_plain:
        return ids, starts, ends, {}, np.arange(n_plain, dtype=np.int64), index
    cls = RECORD_CLASSES[kind]
    first_problem = len(b.problems)
    keep = np.ones(n_plain, dtype=bool)
    if len(index) != n_plain:  # ids repeated among plain rows: the first one is kept
        first: dict[str, int] = {}
        for i, rid in enumerate(ids):
            if first.setdefault(rid, i) != i:
                keep[i] = False
        index = first
    # the slow lines go through the general reader into a table of their own, in file
    # order; an id a plain row on an earlier line holds is a duplicate there too
    table: dict[str, Any] = {}
    kept_line: list[int] = []  # the line of each record kept in ``table``
    at_line = 0

    def on_earlier_line(_kind: str, rid: str) -> bool:
        i = index.get(rid)
        return i is not None and lines[i] < at_line

    real = b.kinds[kind]
    b.kinds[kind], b.held_elsewhere = table, on_earlier_line
    cap = limits.max_line_bytes
    try:
        for n, text in scan.slow_lines(data, slow):
            at_line = n
            if len(text) > cap:  # as the streaming reader reports an over-long line
                b.problem("limit", f"line longer than {cap} bytes (Limits.max_line_bytes)",
                          file=name, line=n, kind=kind, raw=raw_text(text[:200]))
                continue
            general(b, kind, name, n, text, limits)
            kept_line.extend([n] * (len(table) - len(kept_line)))  # (a line may hold several)
    finally:
        b.kinds[kind], b.held_elsewhere = real, None
    # a plain row whose id a slow record on an earlier line took is a duplicate
    for rid, line in zip(table, kept_line):
        at = index.get(rid)
        if at is not None and lines[at] > line:
            keep[at] = False
    dropped = np.flatnonzero(~keep)
    # the duplicates' problems go among the slow lines' by line, and past
    # ``b.max_problems`` the first ones by line are kept (as the general reader keeps
    # them): only the first ``cap`` duplicates can be, the rest are only counted
    cap_problems = b.max_problems
    made = dropped[:max(0, cap_problems - first_problem)]
    b.dropped_problems += len(dropped) - len(made)
    b.max_problems = len(b.problems) + len(made)
    for i in made.tolist():
        rid = ids[i]
        b.problem("duplicate_id", f"duplicate {cls.kind} id {rid!r}: the first record is "
                  "kept", record_id=rid, raw=raw_text(data[int(starts[i]): int(ends[i])]),
                  file=name, line=int(lines[i]), index=None, kind=kind)
    b.max_problems = cap_problems
    if len(b.problems) > first_problem:  # the general reader lists problems in line order
        b.problems[first_problem:] = sorted(b.problems[first_problem:],
                                            key=lambda p: p.line or 0)
        if len(b.problems) > cap_problems:
            b.dropped_problems += len(b.problems) - max(first_problem, cap_problems)
            del b.problems[max(first_problem, cap_problems):]
    kept_plain = np.flatnonzero(keep)
    slow_items = list(zip(kept_line, table.values()))  # (in line order)
    slow_lines = np.asarray(kept_line, dtype=np.int64)
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
    moved = kept_plain[plain_pos[kept_plain] != kept_plain]
    slow_at = slow_pos.tolist()

    def final_ids() -> list[Any]:
        return _by_position(ids, keep, plain_pos[kept_plain], n_kept, slow_at,
                            [rec.id for _, rec in slow_items])

    for i in dropped.tolist():
        if index.get(ids[i]) == i:  # (a duplicate's first row is kept)
            del index[ids[i]]
    if len(moved) > n_kept // 4:  # most rows moved: every position is written again, in
        out_ids = final_ids()     # place (faster than a new dict: the table is not regrown)
        index.update(zip(out_ids, range(n_kept)))
    else:  # only the rows that moved are written again
        mv = moved.tolist()
        index.update(zip([ids[i] for i in mv], plain_pos[moved].tolist()))
        index.update(zip([rec.id for _, rec in slow_items], slow_at))
        out_ids = final_ids()
    return out_ids, out_starts, out_ends, ready, plain_pos, index


def _cpu() -> str:
    """CPU seconds of this process so far (for the debug log)."""
    t = os.times()
    return f"cpu {t.user + t.system:.2f} s"


def read_fast(source: str | os.PathLike[str], files: dict[str, Path],
              limits: Limits = DEFAULT_LIMITS, *, general: GeneralReader,
              noted: Sequence[Problem] = (),
              told_after: Callable[[], Sequence[Problem]] = tuple,
              notes: Sequence[str] = (),
              raw_filter: Callable[[str], str] | None = None) -> Roster | None:
    """Read plain JSON Lines resource files fast; ``None`` when they are not all plain.

    Safe to call from several threads at once: every load keeps its state in its own
    frames.

    Parameters
    ----------
    source:
        What the provenance names as the source.
    files:
        kind → file (``.jsonl``/``.ndjson``, uncompressed, ``\\n`` line ends).
    limits:
        The same bounds as the general reader; lines over them take its path.
    general:
        The general reader of one line (:func:`rostergraph.io.clever_json.read_line`),
        which every line that is not plain goes through, in file order.
    noted:
        Problems the general reader notes before reading the files (files left
        unread): listed first, and counted in ``limits.max_problems``.
    told_after:
        Gives the problems the general reader notes after reading them (a list saved in
        part): listed last, within ``limits.max_problems``. Called once the files are
        found plain (they are looked at again for it, which a file this path declines
        need not be).
    notes:
        Provenance notes the general reader makes before reading the files.
    raw_filter:
        The general reader's builder's (every problem's ``raw`` goes through it:
        :func:`~rostergraph.io.credentials.raw_without_credentials` leaves credentials
        out).

    Returns
    -------
    Roster or None
        ``None`` when a file is compressed, not JSON Lines, or has CR line
        ends (the caller then uses the general reader).
    """
    for path in files.values():
        if not path.name.lower().endswith((".jsonl", ".ndjson")):
            return None
    b = RosterBuilder(source=str(source), format="clever-json",
                      max_problems=limits.max_problems, raw_filter=raw_filter)
    b.version = "v3.0"
    b.notes.extend(notes)
    datas: dict[str, bytes] = {}
    for kind in KINDS:
        if kind in files:
            data = files[kind].read_bytes()
            # (gzip, CR line ends and UTF-16, a Windows tool's file, take the general reader)
            if data[:2] in (b"\x1f\x8b", b"\xff\xfe", b"\xfe\xff") or b"\r" in data:
                return None
            # (a last line without a newline is a line too)
            n_lines = count_byte(np.frombuffer(data, dtype=np.uint8), 0x0A)  # (4x bytes.count)
            if n_lines + (data[-1:] not in (b"", b"\n")) > limits.max_lines:
                raise LimitError(f"more than {limits.max_lines:,} lines (Limits.max_lines; raise "
                                 "it for a larger file you trust)", path=files[kind].name,
                                 line=limits.max_lines + 1)  # (where the streaming reader stops)
            datas[kind] = data
    after = told_after()
    lim = (limits.max_line_bytes, limits.max_json_depth, limits.max_field_bytes)
    hashes: dict[str, str] = {}

    def hash_all() -> None:
        for kind, data in datas.items():
            hashes[kind] = hashlib.sha256(data).hexdigest()

    # SHA-256 runs in a thread (hashlib releases the GIL) while this one scans
    hasher = threading.Thread(target=hash_all, name="rostergraph-hash", daemon=True)
    hasher.start()
    problems: dict[str, list[Any]] = {}
    merged: dict[str, Any] = {}
    codes: dict[str, dict[str, int]] = {}  # kind read so far → its id → position index
    for kind in _ORDER:
        if kind not in datas:
            continue
        t0 = time.perf_counter()
        data = datas[kind]
        part = scan.join_parts([scan.scan(data, kind, 0, len(data), 0, lim, codes)])
        first = len(b.problems)
        # the kinds' problems wait aside (for the general reader's order); a kind may keep
        # what the kinds before it in that order left of the cap (users, read before the
        # sections, are cut again below)
        before = KINDS[:KINDS.index(kind)]
        b.max_problems = max(0, limits.max_problems - len(noted) - sum(
            len(problems[k]) for k in before if k in problems))
        ids, starts, ends, ready, plain_pos, index = _merge_kind(
            b, kind, files[kind].name, data, part, limits, general)
        problems[kind] = b.problems[first:]
        del b.problems[first:]
        codes[kind] = index
        b.kinds[kind] = LazyRecords(  # type: ignore[assignment]
            RECORD_CLASSES[kind], data, ids, starts, ends, ready, index)
        merged[kind] = (row_columns(part), plain_pos, ready, len(ids))
        del part
        _log.debug("read %s in %.2f s (%s)", kind, time.perf_counter() - t0, _cpu())
    hasher.join()
    b.max_problems = cap = limits.max_problems
    b.problems[:] = noted[:cap]
    b.dropped_problems += len(noted) - len(b.problems)
    for kind in KINDS:  # files and problems in the general reader's order, up to the cap
        if kind in datas:
            b.files.append(FileInfo(path=files[kind].name, size=len(datas[kind]),
                                    sha256=hashes[kind], kind=kind))
            room = cap - len(b.problems)
            b.dropped_problems += max(0, len(problems[kind]) - room)
            b.problems.extend(problems[kind][:room])
    room = cap - len(b.problems)
    b.dropped_problems += max(0, len(after) - room)
    b.problems.extend(after[:room])
    roster = b.build()
    for kind in list(merged):
        cols, plain_pos, ready, n = merged.pop(kind)
        final = final_columns(kind, cols, plain_pos, ready, n, codes)
        fields = final.pop("fields", None)
        roster._columns.put(kind, roster.records(kind), graph=final or None, fields=fields,
                            refers_to=roster.records_by_kind())
        del cols, final
    # the millions of objects just made go to the oldest generation, so no later young
    # collection walks them (a one-off pause in the next step otherwise)
    settle_new_objects()
    return roster


def _take(col: Any, idx: Any) -> Any:
    if isinstance(col, CodedRefs):
        return col.take(idx)
    return [col[i] for i in (idx.tolist() if isinstance(idx, np.ndarray) else idx)]


#: Rows are deleted from or inserted into a column's list in place while (rows moved) ×
#: (list length) stays under this: each ``del``/``insert`` shifts the list's tail (~0.14 ns a
#: pointer here, so ~0.03 s at most); past it the list is rebuilt (~0.08 s for 2M values,
#: touching every one). At L the usual handful of slow lines stays well under it.
MOVE_BUDGET = 200_000_000


def _in_place(moves: int, length: int) -> bool:
    return moves * length <= MOVE_BUDGET


def _without(col: Any, drop: np.ndarray, keep: np.ndarray) -> Any:
    """``col`` without the values at ``drop`` (ascending); ``keep`` is the complement."""
    if isinstance(col, CodedRefs) or not _in_place(len(drop), len(col)):
        return _take(col, keep)
    for i in reversed(drop.tolist()):
        del col[i]
    return col


def _by_position(vals: list[Any], keep: np.ndarray, at: np.ndarray, n_out: int,
                 extra_at: list[int], extra: list[Any]) -> list[Any]:
    """One value per plain row (``vals``) as one value per record position: the rows
    where ``keep`` is true go to positions ``at``, ``extra[j]`` (a record from the
    general path) to ``extra_at[j]`` (ascending), ``n_out`` positions in all. ``vals``
    is mended in place when few rows move (see :data:`MOVE_BUDGET`)."""
    drop = np.flatnonzero(~keep)
    if _in_place(len(drop) + len(extra), len(vals)):
        out = _without(vals, drop, np.flatnonzero(keep))
        for pos, v in zip(extra_at, extra):
            out.insert(pos, v)
        return out  # type: ignore[no-any-return]
    src = object_array(vals)
    arr = np.empty(n_out, dtype=object)
    arr[at] = src[keep]
    for pos, v in zip(extra_at, extra):
        arr[pos] = v
    return arr.tolist()  # type: ignore[no-any-return]


def _inserted(col: Any, at: np.ndarray, values: Any, index: Any) -> Any:
    """``col`` with ``values`` inserted before positions ``at`` (ascending, as
    ``numpy.insert`` takes them); coded columns code the new ids with ``index``."""
    if isinstance(col, CodedRefs):
        new = CodedRefs.from_refs(values, index)  # type: ignore[arg-type]
        codes = np.insert(col.codes, at, new.codes)
        if not new.missing:  # the unknown ids keep their order
            return CodedRefs(codes, col.missing)
        from_new = np.insert(np.zeros(len(col.codes), dtype=bool), at, True)[codes < 0]
        old_m, new_m = iter(col.missing), iter(new.missing)
        return CodedRefs(codes, [next(new_m) if n else next(old_m) for n in from_new.tolist()])
    if not _in_place(len(at), len(col)):
        out = np.empty(len(col) + len(at), dtype=object)
        slots = at + np.arange(len(at))
        mask = np.ones(len(out), dtype=bool)
        mask[slots] = False
        out[mask] = np.array(col, dtype=object) if len(col) else []
        out[slots] = np.array(list(values), dtype=object)
        return out.tolist()
    col = list(col) if not isinstance(col, list) else col
    for j, (k, v) in enumerate(zip(at.tolist(), values)):
        col.insert(k + j, v)
    return col


def final_columns(kind: str, cols: dict[str, Any], plain_pos: np.ndarray,
                   ready: dict[int, Any], n_records: int,
                   indices: Mapping[str, Any]) -> dict[str, Any]:
    """Columns keyed by record position; rows of dropped plain lines removed, and the
    records that took the general path added (edges stay in record order).

    ``indices`` are the id → position indexes of the kinds coded references
    (:class:`~rostergraph.columns.CodedRefs`) point into (or functions coding a list of
    ids at once: see :meth:`~rostergraph.columns.CodedRefs.from_refs`)."""

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
            for (row, _), mask in zip(ready_items, extra.get("roles", ())):
                roles[row] = mask
            out[name] = roles
            continue
        rows, *rest = val
        pos = plain_pos[rows] if len(rows) else np.zeros(0, np.int64)
        kept = pos >= 0
        if not kept.all():
            pos = pos[kept]
            drop, keep_idx = np.flatnonzero(~kept), np.flatnonzero(kept)
            rest = [_without(r, drop, keep_idx) for r in rest]
        if n_ready and name in extra:
            # the general path's records sit between plain ones: their edges go in
            # where their positions fall (both are in position order)
            e_pos, *e_rest = extra[name]
            e_pos = np.asarray(e_pos, dtype=np.int64)
            at = np.searchsorted(pos, e_pos)
            pos = np.insert(pos, at, e_pos)
            index = indices.get(RELATION_SPECS[name].refers_to)
            rest = [_inserted(r, at, er, index) for r, er in zip(rest, e_rest)]
        out[name] = (pos, *rest)
    return out


def _final_fields(kind: str, fields: dict[str, Any], plain_pos: np.ndarray,
                  ready_items: list[tuple[int, Any]], n_records: int) -> Mapping[str, np.ndarray]:
    """Field columns by record position (records from the general path filled in,
    and always marked ``text_suspect``); string columns are built on first access."""
    keep = plain_pos >= 0
    at = plain_pos[keep]
    same = len(at) == n_records == len(plain_pos)  # row i is record i (the usual case)
    ready_pos = np.asarray([p for p, _ in ready_items], dtype=np.int64)
    # the records the general path built: their fields by the same collector as the scan's
    extra = field_columns(kind, [rec for _, rec in ready_items]) if ready_items else {}

    def strings(name: str, vals: Any) -> np.ndarray:
        # filled as an object array (one C-level copy per step): mending the list in
        # place first and copying it after took several times longer at 2M values
        src = object_array(vals)
        if same:
            col = src
        else:
            col = np.empty(n_records, dtype=object)
            col[at] = src[keep]
        if ready_items:
            col[ready_pos] = extra[name]
        return col

    ready_at = {p: j for j, (p, _) in enumerate(ready_items)}  # record position → its row
    scan_row: np.ndarray | None = None  # record position → scan row (-1: from `ready`)

    def strings_at(name: str, vals: Any, rows: np.ndarray) -> np.ndarray:
        # the values at some records only: the rest of the strings are not touched
        nonlocal scan_row
        if scan_row is None and not same:
            scan_row = np.full(n_records, -1, dtype=np.int64)
            scan_row[at] = np.flatnonzero(keep)
        src = rows if same else scan_row[rows]  # type: ignore[index]
        out = np.empty(len(rows), dtype=object)
        ok = src >= 0
        take = src[ok].tolist()
        # (one C-level gather; itemgetter of one index gives the item, not a tuple)
        out[ok] = object_array(itemgetter(*take)(vals) if len(take) > 1
                               else [vals[i] for i in take])
        if ready_at:  # records the general path built (as strings() fills them in)
            for k in np.flatnonzero(np.isin(rows, ready_pos)).tolist():
                out[k] = extra[name][ready_at[int(rows[k])]]
        return out

    done: dict[str, np.ndarray] = {}
    make: dict[str, Callable[[], np.ndarray]] = {}
    make_at: dict[str, Callable[[np.ndarray], np.ndarray]] = {}
    for name, vals in fields.items():
        if not (isinstance(vals, np.ndarray) and vals.dtype in (bool, np.int64)):
            make[name] = partial(strings, name, vals)
            make_at[name] = partial(strings_at, name, vals)
            continue
        col = vals if same else np.zeros(n_records, dtype=vals.dtype)
        if not same:
            col[at] = vals[keep]
        if name == "text_suspect":
            col[ready_pos] = True
        elif ready_items:
            col[ready_pos] = extra[name]
        done[name] = col
    return LazyColumns(done, make, make_at)
