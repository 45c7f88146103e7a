"""Warm reload: a local columnar snapshot of a loaded roster (numpy + JSON, never pickle).

``rostergraph.load(path, cache=True)`` stores, after a cold load, what it
needs to rebuild the same :class:`~rostergraph.roster.Roster` without parsing
the source again: per kind the record ids (JSON), the byte range of each
record (numpy) and the field columns the rules read (numpy + JSON); the
built graph's CSR arrays and stub ids (numpy + JSON); the problems and the
provenance (JSON). Records stay lazy: they are decoded
from the source text on first access, exactly as after a cold load. When the
reader kept no source text (other formats), the snapshot holds the records
themselves as JSON Lines.

A snapshot is used only when every source file still has the size,
modification time and sampled BLAKE2 hash recorded with it (the full SHA-256
of each file stays in ``roster.provenance.files``); anything else — a
changed, added or removed file, another format or ``strict`` setting, another
rostergraph version, an unreadable or partial snapshot — means a cold load
that replaces it. Snapshots live under ``$ROSTERGRAPH_CACHE_DIR`` (default
``$XDG_CACHE_HOME/rostergraph`` or ``~/.cache/rostergraph``); nothing in them
is executable: ``numpy.load(allow_pickle=False)`` and ``orjson``.

Examples
--------
>>> import os, tempfile, rostergraph
>>> from rostergraph.synth import write_district
>>> os.environ["ROSTERGRAPH_CACHE_DIR"] = tempfile.mkdtemp()
>>> p = write_district(tempfile.mkdtemp(), "S", seed=1)
>>> cold = rostergraph.load(p, cache=True)          # writes the snapshot
>>> warm = rostergraph.load(p, cache=True)          # reads it
>>> "from cache" in warm.provenance.notes[-1], len(warm.users) == len(cold.users)
(True, True)
>>> del os.environ["ROSTERGRAPH_CACHE_DIR"]
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from .lazy import LazyRecords
from .model import KINDS, RECORD_CLASSES, record_from_dict, record_to_dict
from .roster import FileInfo, Problem, Provenance, Roster

__all__ = ["cache_dir", "clear_cache", "load_cached", "save_cache"]

SCHEMA = 3
_SAMPLE = 1 << 16  # bytes per sampled block
_BLOCKS = 32


def cache_dir() -> Path:
    """Where snapshots are kept (``$ROSTERGRAPH_CACHE_DIR`` or the user cache folder)."""
    env = os.environ.get("ROSTERGRAPH_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rostergraph"


def _entry(path: Path, fmt: str, strict: bool, variant: str = "") -> Path:
    key = f"{os.path.abspath(path)}\0{fmt}\0{strict}\0{variant}".encode("utf-8", "surrogatepass")
    return cache_dir() / hashlib.sha256(key).hexdigest()[:32]


def _sources(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    return [path]


def _sampled_hash(p: Path, size: int) -> str:
    """BLAKE2b of the first, last and evenly spaced 64 KiB blocks (and the size)."""
    h = hashlib.blake2b(str(size).encode(), digest_size=16)
    with open(p, "rb") as fh:
        if size <= _SAMPLE * (_BLOCKS + 2):
            h.update(fh.read())
        else:
            for k in range(_BLOCKS + 1):
                fh.seek((size - _SAMPLE) * k // _BLOCKS)
                h.update(fh.read(_SAMPLE))
    return h.hexdigest()


def _fingerprint(path: Path) -> list[list[Any]]:
    out = []
    for p in _sources(path):
        st = p.stat()
        out.append([p.name, st.st_size, st.st_mtime_ns, _sampled_hash(p, st.st_size)])
    return out


def _version() -> str:
    from . import __version__

    return str(__version__)


def clear_cache() -> None:
    """Remove every snapshot."""
    shutil.rmtree(cache_dir(), ignore_errors=True)


# --- saving ----------------------------------------------------------------------


def save_cache(path: str | os.PathLike[str], fmt: str, strict: bool, roster: Roster,
               variant: str = "") -> Path:
    """Write the snapshot of ``roster`` loaded from ``path``; return its folder.

    ``variant`` names reader settings that change the result (e.g. the limits).

    Raises
    ------
    OSError
        When the cache folder cannot be written (callers may ignore it).
    """
    from .graph import NODE_KINDS, RosterGraph

    src = Path(path)
    entry = _entry(src, fmt, strict, variant)
    entry.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=entry.parent, prefix=".tmp-"))
    try:
        arrays: dict[str, np.ndarray] = {}
        strings: dict[str, Any] = {}
        kinds: dict[str, Any] = {}
        source_names = {p.name for p in _sources(src)}
        for kind in KINDS:
            recs = roster.records(kind)
            text_file = _text_file(recs, src, source_names)
            if text_file is not None:
                ready = {str(row): record_to_dict(rec) for row, rec in enumerate(recs._cache)
                         if rec is not None and recs._starts[row] < 0}
                arrays[f"{kind}.starts"], arrays[f"{kind}.ends"] = recs._starts, recs._ends
                kinds[kind] = {"text": text_file, "ready": ready}
            else:  # keep the records themselves as JSON Lines
                lines = [orjson.dumps(record_to_dict(r)) for r in recs.values()]
                lens = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
                ends = np.cumsum(lens + 1) - 1
                arrays[f"{kind}.starts"], arrays[f"{kind}.ends"] = ends - lens, ends
                (tmp / f"{kind}.jsonl").write_bytes(b"\n".join(lines))
                kinds[kind] = {"text": None, "ready": {}}
            strings[f"{kind}.ids"] = list(recs.keys())
            got = roster._columns.get(kind)
            if got is not None and got[0] is recs and "fields" in got[1]:
                for name, col in got[1]["fields"].items():  # the rules' field columns
                    if col.dtype == bool:
                        arrays[f"{kind}.fields.{name}"] = col
                    else:
                        strings[f"{kind}.fields.{name}"] = col.tolist()
        # the graph itself (built from the reader's columns, no record is built): a warm
        # load then needs neither the references nor the id lookups
        g = RosterGraph.from_roster(roster)
        for name, rel in g.relations.items():
            for field in ("src", "dst", "indptr", "rindptr", "rsrc", "redge"):
                arrays[f"g.{name}.{field}"] = getattr(rel, field)
            for attr, val in rel.attrs.items():
                if val.dtype == bool:
                    arrays[f"g.{name}.attr.{attr}"] = val
                else:
                    strings[f"g.{name}.attr.{attr}"] = val.tolist()
        arrays["g.roles"] = g.roles
        for kind in NODE_KINDS:
            strings[f"g.stubs.{kind}"] = g.ids(kind)[g.n_records(kind):].tolist()
        np.savez(tmp / "arrays.npz", **arrays)
        (tmp / "strings.json").write_bytes(orjson.dumps(strings))
        prov = roster.provenance
        meta = {
            "schema": SCHEMA, "version": _version(), "format": fmt, "strict": strict,
            "source": str(src), "fingerprint": _fingerprint(src), "kinds": kinds,
            "problems": [_problem_dict(p) for p in roster.problems],
            "provenance": {"source": prov.source, "format": prov.format,
                           "version": prov.version, "loaded_at": prov.loaded_at,
                           "seconds": prov.seconds, "notes": list(prov.notes),
                           "files": [[f.path, f.size, f.sha256, f.kind] for f in prov.files]},
        }
        (tmp / "meta.json").write_bytes(orjson.dumps(meta))  # written last: marks complete
        if entry.exists():
            shutil.rmtree(entry, ignore_errors=True)
        os.replace(tmp, entry)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return entry


def _text_file(recs: Any, src: Path, names: set[str]) -> str | None:
    """The source file a LazyRecords reads its text from, if it is one of ``src``'s files."""
    if not isinstance(recs, LazyRecords):
        return None
    text = recs._text
    for name in sorted(names):
        p = src / name if src.is_dir() else src
        if p.name == name and p.stat().st_size == len(text) and _same_text(p, text):
            return name
    return None


def _same_text(p: Path, text: bytes | memoryview) -> bool:
    with open(p, "rb") as fh:
        head = fh.read(_SAMPLE)
    return bytes(text[:_SAMPLE]) == head


def _problem_dict(p: Problem) -> dict[str, Any]:
    return {"code": p.code, "message": p.message, "file": p.file, "line": p.line,
            "index": p.index, "kind": p.kind, "record_id": p.record_id, "field": p.field,
            "raw": p.raw}


# --- loading -------------------------------------------------------------------------


def load_cached(path: str | os.PathLike[str], fmt: str, strict: bool,
                variant: str = "") -> Roster | None:
    """The roster from a valid snapshot of ``path``, or ``None`` (no or stale snapshot)."""
    t0 = time.perf_counter()
    src = Path(path)
    entry = _entry(src, fmt, strict, variant)
    try:
        meta = orjson.loads((entry / "meta.json").read_bytes())
        if (meta.get("schema") != SCHEMA or meta.get("version") != _version()
                or meta.get("fingerprint") != _fingerprint(src)):
            return None
        with np.load(entry / "arrays.npz", allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        strings = orjson.loads((entry / "strings.json").read_bytes())
        kinds: dict[str, Any] = {}
        for kind, info in meta["kinds"].items():
            text_name = info["text"]
            if text_name is not None:
                text = (src / text_name if src.is_dir() else src).read_bytes()
            else:
                text = (entry / f"{kind}.jsonl").read_bytes()
            cls = RECORD_CLASSES[kind]
            ready = {int(row): record_from_dict(cls, d)[0] for row, d in info["ready"].items()}
            kinds[kind] = LazyRecords(cls, text, strings[f"{kind}.ids"],
                                      arrays[f"{kind}.starts"], arrays[f"{kind}.ends"], ready)
    except (OSError, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        return None  # missing, partial or foreign snapshot: load cold
    p = meta["provenance"]
    prov = Provenance(
        source=p["source"], format=p["format"], version=p["version"],
        files=tuple(FileInfo(path=f[0], size=f[1], sha256=f[2], kind=f[3]) for f in p["files"]),
        loaded_at=p["loaded_at"], seconds=round(time.perf_counter() - t0, 6),
        notes=(*p["notes"], f"from cache {entry} (cold load took {p['seconds']:.3f} s)"))
    roster = Roster(**kinds, problems=[Problem(**d) for d in meta["problems"]], provenance=prov)
    graph = {"arrays": {k[2:]: v for k, v in arrays.items() if k.startswith("g.")},
             "strings": {k[2:]: v for k, v in strings.items() if k.startswith("g.")}}
    # used by RosterGraph.from_roster while every kind is still this roster's own
    roster._columns["_graph"] = ({k: roster.records(k) for k in KINDS}, graph)
    for kind in KINDS:
        fields: dict[str, np.ndarray] = {}
        for key, val in arrays.items():
            if key.startswith(f"{kind}.fields."):
                fields[key.split(".", 2)[2]] = val
        for key, val in strings.items():
            if key.startswith(f"{kind}.fields."):
                col = np.empty(len(val), dtype=object)
                col[:] = val
                fields[key.split(".", 2)[2]] = col
        if fields:
            roster._columns[kind] = (roster.records(kind), {"fields": fields})
    return roster
