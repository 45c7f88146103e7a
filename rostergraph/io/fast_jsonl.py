"""The fast path for Clever JSON Lines folders: parallel scan, lazy records, graph columns.

:func:`read_fast` reads a folder whose resource files are all plain
(uncompressed) ``.jsonl``/``.ndjson`` files with ``\\n`` line ends. Each file
is scanned in slices — in two worker processes when the data is large — and
every line is parsed with orjson and checked against the record schema
without building records (:func:`_validator`). For each plain line the scan
keeps the record id, its byte range and the graph columns (references, role
bits, the ``primary``/``relationship``/``type`` attributes); records are
built only when asked for (:class:`~rostergraph.lazy.LazyRecords`).

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
import os
import threading
from array import array
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from ..fastrec import FALLBACK  # noqa: F401 - re-exported for readers' convenience
from ..lazy import LazyRecords
from ..model import KINDS, RECORD_CLASSES, _spec
from ..roster import FileInfo, Roster, RosterBuilder, raw_text
from .limits import DEFAULT_LIMITS, Limits

__all__ = ["PARALLEL_BYTES", "read_fast"]

#: Files larger than this (in total) are scanned in two worker processes.
PARALLEL_BYTES = 48 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"

# --- schema validators (no records built) -------------------------------------

_VALIDATORS: dict[type, Any] = {}


def _validator(cls: type) -> Any:
    """``f(obj) -> bool``: True when the fast converter builds ``obj`` without fallback."""
    v = _VALIDATORS.get(cls)
    if v is not None:
        return v
    spec = _spec(cls)
    strs = frozenset(n for n, k, _ in spec if k == "str" and n != "id")
    ns: dict[str, Any] = {"KNOWN": frozenset(n for n, _, _ in spec), "STRSET": {str},
                          "STRKEYS": strs, "STR_OK": {str, type(None)},
                          "type": type, "dict": dict, "list": list, "str": str, "map": map,
                          "all": all}
    body = ["def valid(d):", "    if type(d) is not dict or not KNOWN.issuperset(d): return False"]
    if strs:  # every plain string field at once, in C loops
        body.append("    if not STR_OK.issuperset(map(type, map(d.__getitem__, "
                    "STRKEYS.intersection(d)))): return False")
    for i, (name, kind, sub) in enumerate(spec):
        v = f"v{i}"
        if kind == "str" and name != "id":
            continue
        body.append(f"    {v} = d.get({name!r})")
        if name == "id":
            body.append(f"    if type({v}) is not str: return False")
        elif kind == "strs":
            body.append(f"    if {v} is not None and (type({v}) is not list or not "
                        f"STRSET.issuperset(map(type, {v}))): return False")
        elif kind == "obj":
            ns[f"SUB{i}"] = _validator(sub)  # type: ignore[arg-type]
            body.append(f"    if {v} is not None and not SUB{i}({v}): return False")
        elif kind == "objs":
            ns[f"SUB{i}"] = _validator(sub)  # type: ignore[arg-type]
            body.append(f"    if {v} is not None and (type({v}) is not list or not "
                        f"all(map(SUB{i}, {v}))): return False")
        elif kind == "map":
            body.append(f"    if {v} is not None and type({v}) is not dict: return False")
    body.append("    return True")
    exec("\n".join(body), ns)  # noqa: S102 - source built from the class schema only
    _VALIDATORS[cls] = ns["valid"]
    return ns["valid"]


# --- scanning one slice of one file ----------------------------------------------

#: kind → bytes of the file being read (inherited by forked workers)
_DATA: dict[str, bytes] = {}


def _scan(kind: str, start: int, end: int, line0: int, limits: tuple[int, int, int]
          ) -> dict[str, Any]:
    """Scan ``_DATA[kind][start:end]`` (whole lines); plain rows and slow lines."""
    from ..graph import _school_edges  # here: graph imports this module

    data = _DATA[kind]
    cap, depth, field = limits
    shallow_cap = depth < 8
    valid = _validator(RECORD_CLASSES[kind])
    loads = orjson.loads
    ids: list[str] = []
    lines = array("q")
    starts = array("q")
    ends = array("q")
    slow: list[tuple[int, bytes]] = []
    cols: dict[str, Any] = {}
    # per-kind column builders
    is_sec, is_user, is_school = kind == "sections", kind == "users", kind == "schools"
    if is_school:
        dist_rows, dist_refs = array("q"), []
    if is_sec:
        sch_rows, sch_refs = array("q"), []
        crs_rows, crs_refs = array("q"), []
        trm_rows, trm_refs = array("q"), []
        enr_cnt, enr_refs = array("q"), []
        tea_cnt, tea_refs, tea_prim = array("q"), [], []
    if is_user:
        masks = array("B")
        att_rows, att_refs, att_prim = array("q"), [], []
        wrk_rows, wrk_refs, wrk_prim = array("q"), [], []
        adm_rows, adm_refs = array("q"), []
        con_rows, con_refs, con_rel, con_type = array("q"), [], [], []
    pos = start
    n = line0
    was = gc.isenabled()
    gc.disable()
    try:
        for line in data[start:end].split(b"\n"):
            n += 1
            ln = len(line)
            s = pos
            pos += ln + 1
            if line[:1] != b"{":
                if line.strip():
                    slow.append((n, line))
                continue
            if ln > cap or ln > field or ((shallow_cap or b'"ext"' in line) and
                                          line.count(b"[") + line.count(b"{") > depth):
                # (a record that passes the schema check nests at most 5 deep, except
                # inside an `ext` map, so the bracket count is needed only then)
                slow.append((n, line))
                continue
            try:
                d = loads(line)
            except orjson.JSONDecodeError:
                slow.append((n, line))
                continue
            if not valid(d):
                slow.append((n, line))
                continue
            r = len(ids)
            ids.append(d["id"])
            lines.append(n)
            starts.append(s)
            ends.append(s + ln)
            if is_sec:
                g = d.get
                v = g("school")
                if v is not None:
                    sch_rows.append(r)
                    sch_refs.append(v)
                v = g("course")
                if v is not None:
                    crs_rows.append(r)
                    crs_refs.append(v)
                v = g("term_id")
                if v is not None:
                    trm_rows.append(r)
                    trm_refs.append(v)
                st = g("students")
                if st:
                    enr_refs.extend(st)
                    enr_cnt.append(len(st))
                else:
                    enr_cnt.append(0)
                teachers = g("teachers")
                t = g("teacher")
                if not teachers and t is not None:
                    teachers = [t]
                if teachers:
                    tea_refs.extend(teachers)
                    tea_cnt.append(len(teachers))
                    p = t if t is not None else teachers[0]
                    tea_prim.extend([x == p for x in teachers])
                else:
                    tea_cnt.append(0)
            elif is_user:
                roles = d.get("roles")
                mask = 0
                if roles:
                    st = roles.get("student")
                    if st is not None:
                        mask |= 1
                        _school_edges(att_rows, att_refs, att_prim, r, st.get("school"),
                                      st.get("schools"))
                    te = roles.get("teacher")
                    sf = roles.get("staff")
                    if te is not None:
                        mask |= 2
                    if sf is not None:
                        mask |= 4
                    if te is not None or sf is not None:
                        schools = list(te.get("schools") or ()) if te is not None else []
                        if sf is not None and sf.get("schools"):
                            schools.extend(sf["schools"])
                        _school_edges(wrk_rows, wrk_refs, wrk_prim, r,
                                      te.get("school") if te is not None else None, schools)
                    if roles.get("district_admin") is not None:
                        mask |= 8
                        v = d.get("district")
                        if v is not None:
                            adm_rows.append(r)
                            adm_refs.append(v)
                    ct = roles.get("contact")
                    if ct is not None:
                        mask |= 16
                        for rel in ct.get("student_relationships") or ():
                            v = rel.get("student")
                            if v is not None:
                                con_rows.append(r)
                                con_refs.append(v)
                                con_rel.append(rel.get("relationship"))
                                con_type.append(rel.get("type"))
                masks.append(mask)
            elif is_school:
                v = d.get("district")
                if v is not None:
                    dist_rows.append(r)
                    dist_refs.append(v)
    finally:
        if was:
            gc.enable()
    if is_school:
        cols = {"in_district": (dist_rows, dist_refs)}
    if is_sec:
        cols = {"taught_at": (sch_rows, sch_refs), "of_course": (crs_rows, crs_refs),
                "in_term": (trm_rows, trm_refs), "enrolled_in": (enr_cnt, enr_refs),
                "teaches": (tea_cnt, tea_refs, tea_prim)}
    if is_user:
        cols = {"roles": masks, "attends": (att_rows, att_refs, att_prim),
                "works_at": (wrk_rows, wrk_refs, wrk_prim), "administers": (adm_rows, adm_refs),
                "contact_for": (con_rows, con_refs, con_rel, con_type)}
    return {"ids": ids, "lines": lines, "starts": starts, "ends": ends, "slow": slow,
            "cols": cols}


def _scan_task(args: tuple[str, int, int, int, tuple[int, int, int]]) -> dict[str, Any]:
    return _scan(*args)


# --- merging slices ------------------------------------------------------------------


def _concat_cols(kind: str, parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Join the slices' columns; row numbers become numbers over all plain rows."""
    out: dict[str, Any] = {}
    offset = 0
    offsets = []
    for p in parts:
        offsets.append(offset)
        offset += len(p["ids"])
    if not parts or not parts[0]["cols"]:
        return out
    for name in parts[0]["cols"]:
        if name == "roles":
            out[name] = np.concatenate([np.frombuffer(p["cols"][name], dtype=np.uint8)
                                        if len(p["cols"][name]) else np.zeros(0, np.uint8)
                                        for p in parts])
            continue
        if name in ("enrolled_in", "teaches"):  # per-row counts → row of each reference
            cnt = np.concatenate([np.frombuffer(p["cols"][name][0], dtype=np.int64)
                                  if len(p["cols"][name][0]) else np.zeros(0, np.int64)
                                  for p in parts])
            rows = np.repeat(np.arange(len(cnt), dtype=np.int64), cnt)
        else:
            rows = np.concatenate([np.frombuffer(p["cols"][name][0], dtype=np.int64) + o
                                   if len(p["cols"][name][0]) else np.zeros(0, np.int64)
                                   for p, o in zip(parts, offsets)])
        rest = []
        for j in range(1, len(parts[0]["cols"][name])):
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

    def cat(key: str) -> np.ndarray:
        return np.concatenate([np.frombuffer(p[key], dtype=np.int64) if len(p[key])
                               else np.zeros(0, np.int64) for p in parts])

    lines, starts, ends = cat("lines"), cat("starts"), cat("ends")
    ids: list[str] = []
    for p in parts:
        ids.extend(p["ids"])
    slow = [s for p in parts for s in p["slow"]]
    n_plain = len(ids)
    index = dict(zip(ids, range(n_plain)))
    if not slow and len(index) == n_plain:
        return ids, starts, ends, {}, np.arange(n_plain, dtype=np.int64), index
    data = _DATA[kind]
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
    all_lines = np.concatenate([lines[kept_plain],
                                np.asarray([t[0] for t in slow_items], dtype=np.int64)])
    order = np.argsort(all_lines, kind="stable")
    n_kept = len(order)
    where = np.empty(n_kept, dtype=np.int64)
    where[order] = np.arange(n_kept)  # position of each (plain, then slow) record
    plain_pos = np.full(n_plain, -1, dtype=np.int64)
    plain_pos[kept_plain] = where[: len(kept_plain)]
    out_starts = np.full(n_kept, -1, dtype=np.int64)
    out_ends = np.full(n_kept, -1, dtype=np.int64)
    out_starts[plain_pos[kept_plain]] = starts[kept_plain]
    out_ends[plain_pos[kept_plain]] = ends[kept_plain]
    ids_arr = np.empty(n_kept, dtype=object)
    plain_ids = np.empty(n_plain, dtype=object)
    plain_ids[:] = ids
    ids_arr[plain_pos[kept_plain]] = plain_ids[kept_plain]
    out_ids: list[Any] = ids_arr.tolist()
    ready: dict[int, Any] = {}
    for k, (_, rec) in enumerate(slow_items):
        pos = int(where[len(kept_plain) + k])
        out_ids[pos] = rec.id
        ready[pos] = rec
    out_index = dict(zip(out_ids, range(n_kept)))
    return out_ids, out_starts, out_ends, ready, plain_pos, out_index


def _split(data: bytes, parts: int) -> list[tuple[int, int, int]]:
    """``(start, end, line0)`` slices of whole lines."""
    out = []
    start, line0 = 0, 0
    for k in range(1, parts + 1):
        if k == parts:
            end = len(data)
        else:
            cut = data.find(b"\n", max(start, len(data) * k // parts))
            end = len(data) if cut < 0 else cut + 1
        if end > start or k == 1:
            out.append((start, end, line0))
            line0 += data.count(b"\n", start, end)
        start = end
    return out


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
    _DATA.clear()
    _DATA.update(datas)
    hashes: dict[str, str] = {}

    def _hash() -> None:  # hashlib releases the GIL on large buffers
        for kind, data in datas.items():
            hashes[kind] = hashlib.sha256(data).hexdigest()

    hasher = threading.Thread(target=_hash, daemon=True)
    try:
        tasks = []
        for kind, data in datas.items():
            n_parts = workers if len(data) > 4 * 1024 * 1024 else 1
            tasks += [(kind, s, e, l0, lim) for s, e, l0 in _split(data, n_parts)]
        if workers > 1:
            import multiprocessing as mp

            # the workers are forked before the hashing thread starts
            with mp.get_context("fork").Pool(workers) as pool:
                hasher.start()
                results = pool.map(_scan_task, tasks, chunksize=1)
        else:
            hasher.start()
            results = [_scan_task(t) for t in tasks]
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for t, res in zip(tasks, results):
            by_kind.setdefault(t[0], []).append(res)
        hasher.join()
        columns: dict[str, Any] = {}
        for kind in KINDS:
            if kind not in datas:
                continue
            name = files[kind].name
            b.files.append(FileInfo(path=name, size=len(datas[kind]), sha256=hashes[kind],
                                    kind=kind))
            parts = by_kind[kind]
            ids, starts, ends, ready, plain_pos, index = _merge_kind(b, kind, name, parts, limits)
            lazy = LazyRecords(RECORD_CLASSES[kind], datas[kind], ids, starts, ends, ready,
                               index)
            b.kinds[kind] = lazy  # type: ignore[assignment]
            cols = _concat_cols(kind, parts)
            if cols:
                columns[kind] = (cols, plain_pos, ready, len(ids))
    finally:
        _DATA.clear()
    roster = b.build()
    for kind, (cols, plain_pos, ready, n) in columns.items():
        roster._columns[kind] = (roster.records(kind), _final_columns(kind, cols, plain_pos,
                                                                      ready, n))
    return roster


def _final_columns(kind: str, cols: dict[str, Any], plain_pos: np.ndarray,
                   ready: dict[int, Any], n_records: int) -> dict[str, Any]:
    """Columns keyed by record position; rows of dropped plain lines removed, and the
    records that took the general path added (edges stay in record order)."""
    from ..graph import record_columns

    n_ready = len(ready)
    out: dict[str, Any] = {}
    ready_items = sorted(ready.items())
    extra = record_columns(kind, ready_items) if n_ready else {}
    for name, val in cols.items():
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
            idx = np.flatnonzero(keep).tolist()
            rest = [[r[i] for i in idx] for r in rest]
        if n_ready and name in extra:
            e_pos, *e_rest = extra[name]
            pos = np.concatenate([pos, np.asarray(e_pos, dtype=np.int64)])
            rest = [list(r) + list(er) for r, er in zip(rest, e_rest)]
            order = np.argsort(pos, kind="stable")
            pos = pos[order]
            ol = order.tolist()
            rest = [[r[i] for i in ol] for r in rest]
        out[name] = (pos, *rest)
    return out
