"""Warm reload: a local columnar snapshot of a loaded roster (numpy + JSON, never pickle).

``rostergraph.load(path, cache=True)`` stores, after a cold load, what it
needs to rebuild the same :class:`~rostergraph.roster.Roster` without parsing
the source again, as one plain ``.npy`` file per array and a ``meta.json``:

- per kind the record ids (with their order by hash: see
  :class:`~rostergraph.idkeys.IdKeys`), the byte range of each record in the
  source and the field columns the rules read (emails, grades, section names...);
- the built graph's CSR arrays, edge attributes and stub ids;
- the problems and the provenance (in ``meta.json``, written last).

Strings are stored columnarly: a column's distinct strings joined by a
separator none of them contains (or with character offsets when each one
does), UTF-8 (``surrogatepass``: any ``str`` comes back) in a ``uint8``
array, plus ``int32`` codes (-1 for ``None``). A warm load checks every
column's text (separators, UTF-8) but makes no Python string of the ids: the
stored hash order proves them distinct in one vectorized pass and answers
lookups, the id strings are made when first listed and an ``id → row`` dict
after many lookups (the rules'); each string field column is built when first
read (``rules`` ask for it), so loading and querying pay nothing for them.
Arrays are read into memory, never memory-mapped: a snapshot file changed or
cut short by someone else after the load would otherwise change the arrays or
crash the process.
Records stay lazy: they are decoded from the source text on first access,
exactly as after a cold load. When the reader kept no source text (other
formats), the snapshot holds the records themselves as JSON Lines. The graph
built for the snapshot stays with the roster a cold ``load`` returns, so a
following ``RosterGraph.from_roster`` reuses it instead of building it again.

Every array and JSON Lines file of a snapshot, and its ``meta.json``, carries a CRC-32
of its data, checked on reading (a disk's or a copy's damage means a cold load, never
another graph, finding or record); the graph's indexes are checked to be well formed
and a record's text handed out unbuilt to be the record of its row. A snapshot records
the source, format, ``strict`` setting and reader settings it was written for, and is
used for those only. A roster holding a number JSON text cannot (NaN, an infinity) is
not snapshotted.

A snapshot is used only when every source file still has the size, inode,
modification and change times and sampled BLAKE2 hash recorded with it (the
full SHA-256 of each file stays in ``roster.provenance.files``; a file that links out
of the folder is keyed on the link itself, its target never opened). The
fingerprint is taken *before* the cold load reads the files, and the snapshot
is not written when it no longer matches after the load (a file replaced
while it was read). A warm load reads record text only from the file it
fingerprinted: it opens it and checks the open file's inode, size and times
against the fingerprint, and a cold load names a file as a kind's text only
when its whole content is the text the reader parsed (a same-size sibling
such as ``users-backup.jsonl`` is never taken for ``users.jsonl``); anything else — a
changed, added or removed file, another format or ``strict`` setting, another
rostergraph version, an unreadable or partial snapshot — means a cold load
that replaces it. Snapshots live under ``$ROSTERGRAPH_CACHE_DIR`` (default
``$XDG_CACHE_HOME/rostergraph`` or ``~/.cache/rostergraph``); nothing in them
is executable: ``numpy.load(allow_pickle=False)`` and ``orjson``. They hold
student records, so the cache folder and each snapshot folder are made 0700
and every file 0600 (whatever the umask); :func:`clear_cache` (``rostergraph
cache clear``) removes them.

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
import re
import shutil
import stat
import tempfile
import time
import zlib
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

import attrs
import numpy as np
import orjson

from .columns import NODE_KINDS, RECORDS_OF, ReaderColumns
from .errors import SourceError
from .graph import RosterGraph, check_arrays
from .idkeys import IdKeys
from .io.parked import json_text
from .lazy import DeferredText, LazyRecords
from .model import KINDS, RECORD_CLASSES, record_from_dict, record_to_dict
from .roster import FileInfo, Problem, Provenance, Roster
from .safety import open_nofollow, read_regular_file
from .strcols import StoredStrings, UnsupportedColumn, encode_strings

__all__ = ["cache_dir", "clear_cache", "load_cached", "save_cache", "snapshot_folders",
           "source_fingerprint"]

SCHEMA = 10  # 10: teachers_0 the first id given (not ""); 9: a CRC-32 per file and of
#             meta.json, the key written for; 8: an empty
#             id makes no edge and no stub; 7: field columns as
#             ReaderColumns.to_arrays writes them; 6: the record ids'
#             order by hash (IdKeys); 5: fingerprints hold inode and ctime; 4: plain .npy
#             files, string columns as UTF-8 text + codes (3: npz + JSON lists)
_SAMPLE = 1 << 16  # bytes per sampled block
_BLOCKS = 32


def _now() -> str:
    """The current UTC time as a roster's ``loaded_at`` is written."""
    return datetime.now(UTC).isoformat(timespec="seconds")

def cache_dir() -> Path:
    """Where snapshots are kept (``$ROSTERGRAPH_CACHE_DIR`` or the user cache folder)."""
    env = os.environ.get("ROSTERGRAPH_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rostergraph"


def _key(path: Path, fmt: str, strict: bool, variant: str) -> list[Any]:
    """What a snapshot is written for: the source's absolute path, the format, ``strict``
    and the reader settings (``variant``); kept in its ``meta.json`` and compared on
    reading (an entry's name is a hash of it, but its folder may be copied or renamed)."""
    return [os.path.abspath(path), fmt, strict, variant]


def _entry(path: Path, fmt: str, strict: bool, variant: str = "") -> Path:
    key = f"{os.path.abspath(path)}\0{fmt}\0{strict}\0{variant}".encode("utf-8", "surrogatepass")
    return cache_dir() / hashlib.sha256(key).hexdigest()[:32]


def _sources(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    return [path]


def _open_source(p: Path) -> BinaryIO:
    """A source file opened for reading, refused unless it is a regular file (links to
    one are fine). The open does not block, so a FIFO put in a file's place cannot hang
    the load."""
    fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SourceError("is not a regular file", path=str(p))
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def _sampled_hash(p: Path, size: int) -> str:
    """BLAKE2b of the first, last and evenly spaced 64 KiB blocks (and the size)."""
    h = hashlib.blake2b(str(size).encode(), digest_size=16)
    with _open_source(p) as fh:
        if size <= _SAMPLE * (_BLOCKS + 2):
            h.update(fh.read())
        else:
            for k in range(_BLOCKS + 1):
                fh.seek((size - _SAMPLE) * k // _BLOCKS)
                h.update(fh.read(_SAMPLE))
    return h.hexdigest()


def _stat_key(st: os.stat_result) -> list[int]:
    # a file replaced (new inode) or rewritten (new ctime, which no user can set back)
    # since the fingerprint was taken no longer matches
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _fingerprint(path: Path) -> list[list[Any]]:
    out = []
    root = os.path.realpath(path) if path.is_dir() else None
    for p in _sources(path):
        if root is not None and os.path.commonpath([root, os.path.realpath(p)]) != root:
            # a link out of the folder: its target is never opened (the readers refuse
            # it); the link itself is what the snapshot is keyed on
            out.append([p.name, *_stat_key(p.lstat()), "link out of the folder"])
            continue
        st = p.stat()
        out.append([p.name, *_stat_key(st), _sampled_hash(p, st.st_size)])
    return out


def source_fingerprint(path: str | os.PathLike[str]) -> list[list[Any]]:
    """What a snapshot of ``path`` is keyed on: per source file its name, size,
    modification and change times, inode and a sampled BLAKE2 hash. Take it
    *before* reading the source and give it to :func:`save_cache`.

    Examples
    --------
    >>> import rostergraph
    >>> fp = source_fingerprint(rostergraph.sample_path())
    >>> fp[0][0], len(fp[0])
    ('README.md', 6)
    """
    return _fingerprint(Path(path))


def _read_fingerprinted(p: Path, key: list[Any]) -> bytes | None:
    """The bytes of ``p`` when the open file still is the one fingerprinted (same inode,
    size and times), else ``None``; read from that open file, never by name again."""
    with _open_source(p) as fh:
        st = os.fstat(fh.fileno())
        if _stat_key(st) != key:
            return None
        data = fh.read(st.st_size + 1)
    return data if len(data) == st.st_size else None


def _read_deferred(p: Path, key: list[Any]) -> bytes:
    """The bytes of a snapshot's source file, read when its records are first needed.

    Raises
    ------
    SourceError
        When the file was replaced or changed since the snapshot's fingerprint was checked.
    """
    try:
        got = _read_fingerprinted(p, key)
    except OSError as e:
        raise SourceError(f"cannot read it again ({e.strerror or e})", path=str(p)) from None
    if got is None:
        raise SourceError("changed since the roster was loaded from its snapshot; load it "
                          "again", path=str(p))
    return got


def _version() -> str:
    from ._version import __version__

    return str(__version__)


_ENTRY_NAME = re.compile(r"[0-9a-f]{32}|\.tmp-.+")


#: the files a snapshot folder holds (save_cache's)
_SNAPSHOT_FILE = re.compile(r"meta\.json|[A-Za-z0-9_][A-Za-z0-9_.]*\.(?:npy|jsonl)")


def snapshot_folders() -> list[Path]:
    """The snapshot folders of the cache folder (and those a write left half done): a
    folder named as :func:`save_cache` names one, holding nothing but the files it
    writes, a complete one its ``meta.json`` too. Anything else, since
    ``$ROSTERGRAPH_CACHE_DIR`` may point anywhere, is none.

    Examples
    --------
    >>> import os, tempfile
    >>> os.environ["ROSTERGRAPH_CACHE_DIR"] = d = tempfile.mkdtemp()
    >>> os.mkdir(os.path.join(d, "0" * 32)); os.mkdir(os.path.join(d, "f" * 32))
    >>> open(os.path.join(d, "f" * 32, "notes.txt"), "w").close()
    >>> [p.name for p in snapshot_folders()]
    []
    >>> del os.environ["ROSTERGRAPH_CACHE_DIR"]
    """
    root = cache_dir()
    if not root.is_dir():
        return []
    found = []
    for entry in sorted(root.iterdir()):
        if not (_ENTRY_NAME.fullmatch(entry.name) and entry.is_dir()
                and not entry.is_symlink()):
            continue
        files = list(entry.iterdir())
        if all(_SNAPSHOT_FILE.fullmatch(f.name) and f.is_file() and not f.is_symlink()
               for f in files) and (entry.name.startswith(".tmp-")
                                    or any(f.name == "meta.json" for f in files)):
            found.append(entry)
    return found


def clear_cache() -> None:
    """Remove every snapshot (:func:`snapshot_folders`), and the cache folder when that
    leaves it empty: anything else in it is left alone."""
    for entry in snapshot_folders():
        shutil.rmtree(entry, ignore_errors=True)
    try:
        cache_dir().rmdir()  # only when empty
    except OSError:
        pass


def _private_dir(path: Path) -> None:
    """Create ``path`` (and its parents) and make it readable by its owner only:
    snapshots hold student records."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o700)


def _private_file(path: Path, data: bytes | None = None, arr: np.ndarray | None = None) -> int:
    """Write a new file readable by its owner only (0600, whatever the umask); return the
    CRC-32 of its data (an array's values, without the ``.npy`` header)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                 0o600)
    with os.fdopen(fd, "wb") as fh:
        if arr is not None:
            np.save(fh, arr, allow_pickle=False)
            return zlib.crc32(arr.data.cast("B"))
        fh.write(data or b"")
        return zlib.crc32(data or b"")


def _json_line(d: dict[str, Any]) -> bytes:
    """A record's dict as JSON text that reads back as it (``OSError`` when a value JSON
    cannot hold, NaN or an infinity, which orjson would write as ``null``: no snapshot
    rather than one that gives other records than the cold load did)."""
    text = json_text(d)
    if text is None:
        raise OSError("a record holds a value JSON text cannot hold (NaN, an infinity)")
    return text


#: The first line of a snapshot's ``meta.json``: this, then the CRC-32 of the rest.
_META_HEAD = b"rostergraph snapshot "


# --- saving ----------------------------------------------------------------------


def save_cache(path: str | os.PathLike[str], fmt: str, strict: bool, roster: Roster,
               variant: str = "", *, fingerprint: list[list[Any]] | None = None,
               graph: RosterGraph | None = None) -> Path:
    """Write the snapshot of ``roster`` loaded from ``path``; return its folder.

    ``variant`` names reader settings that change the result (e.g. the limits).
    ``fingerprint`` is :func:`source_fingerprint` taken before the roster was
    read (default: now); when the sources no longer match it, nothing is
    written (``OSError``): the roster may hold older data than the files.
    ``graph`` is ``roster``'s graph when the caller has built it already (else it is
    built here); ``roster`` itself is not changed.

    Raises
    ------
    OSError
        When the cache folder cannot be written, a source changed since
        ``fingerprint``, an edge attribute is not a str or None, or a string
        JSON cannot hold (a lone surrogate) is in the metadata or records
        (callers may ignore it).
    """
    src = Path(path)
    if fingerprint is None:
        fingerprint = _fingerprint(src)
    # the graph itself (built from the reader's columns, no record is built): a warm load
    # then needs neither the references nor the id lookups
    if graph is None:
        graph = RosterGraph.from_roster(roster)
    g_arrays, g_strings = graph.to_arrays()
    entry = _entry(src, fmt, strict, variant)
    _private_dir(entry.parent)
    tmp = Path(tempfile.mkdtemp(dir=entry.parent, prefix=".tmp-"))  # 0700
    try:
        arrays: dict[str, np.ndarray] = {f"g.{k}": v for k, v in g_arrays.items()}
        columns: dict[str, Any] = {}
        kinds: dict[str, Any] = {}
        checks: dict[str, Any] = {}  # file → CRC-32 of its data (an array: [dtype, CRC])
        source_names = {f[0] for f in fingerprint}
        for kind in KINDS:
            recs: Any = roster.records(kind)
            text_file = _text_file(recs, src, source_names, kind)
            # records a reader keeps as text of its own (a CSV reader's): that text is kept
            own_text = text_file is None and isinstance(recs, LazyRecords) and not isinstance(
                recs._text, DeferredText) and not recs._complete
            if text_file is not None or own_text:
                ready = {str(row): record_to_dict(rec) for row, rec in enumerate(recs._cache)
                         if rec is not None and recs._starts[row] < 0}
                for d in ready.values():
                    _json_line(d)
                arrays[f"{kind}.starts"], arrays[f"{kind}.ends"] = recs._starts, recs._ends
                if own_text:
                    checks[f"{kind}.jsonl"] = _private_file(tmp / f"{kind}.jsonl",
                                                            bytes(recs._source()))
                kinds[kind] = {"text": text_file, "ready": ready}
            else:  # keep the records themselves as JSON Lines
                lines = [_json_line(record_to_dict(r)) for r in recs.values()]
                lens = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
                ends = np.cumsum(lens + 1) - 1
                arrays[f"{kind}.starts"], arrays[f"{kind}.ends"] = ends - lens, ends
                checks[f"{kind}.jsonl"] = _private_file(tmp / f"{kind}.jsonl",
                                                        b"\n".join(lines))
                kinds[kind] = {"text": None, "ready": {}}
            desc = columns[f"{kind}.ids"] = encode_strings(list(recs), f"{kind}.ids", arrays,
                                                           True)
            if desc["sep"] is not None:
                try:
                    keys = IdKeys.from_text(arrays[f"{kind}.ids.text"],
                                            desc["sep"].encode(), len(recs))
                except ValueError:  # a repeated id: no order (a warm load checks them)
                    keys = None
                if keys is not None:
                    arrays[f"{kind}.ids.order"] = keys.order
        # the rules' field columns, as the roster's reader columns write them
        f_arrays, fields = roster._columns.to_arrays(roster.records_by_kind())
        arrays.update(f_arrays)
        for key, val in g_strings.items():
            try:
                columns[f"g.{key}"] = encode_strings(val, f"g.{key}", arrays)
            except UnsupportedColumn as e:  # no snapshot rather than a wrong one
                raise OSError(f"cannot store graph column {e}") from None
        for key, arr in arrays.items():
            arr = np.ascontiguousarray(arr)
            checks[key] = [arr.dtype.str, _private_file(tmp / f"{key}.npy", arr=arr)]
        prov = roster.provenance
        meta = {
            "schema": SCHEMA, "version": _version(), "format": fmt, "strict": strict,
            "key": _key(src, fmt, strict, variant),
            "source": str(src), "fingerprint": fingerprint, "kinds": kinds,
            "arrays": sorted(arrays), "checks": checks, "columns": columns, "fields": fields,
            "problems": [_problem_dict(p) for p in roster.problems],
            "provenance": {"source": prov.source, "format": prov.format,
                           "version": prov.version, "loaded_at": prov.loaded_at,
                           "seconds": prov.seconds, "notes": list(prov.notes),
                           "files": [[f.path, f.size, f.sha256, f.kind] for f in prov.files]},
        }
        if _fingerprint(src) != fingerprint:  # replaced or rewritten while it was read
            raise OSError(f"{src} changed while it was loaded; no snapshot written")
        text = orjson.dumps(meta)  # (written last: marks the snapshot complete)
        _private_file(tmp / "meta.json", b"%s%08x\n%s" % (_META_HEAD, zlib.crc32(text), text))
        if entry.exists():
            shutil.rmtree(entry, ignore_errors=True)
        os.replace(tmp, entry)
    except orjson.JSONEncodeError as exc:  # text JSON cannot hold (a lone surrogate):
        shutil.rmtree(tmp, ignore_errors=True)  # no snapshot, a cold load each time
        raise OSError(f"cannot store a snapshot of {src}: {exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return entry


def _text_file(recs: Any, src: Path, names: set[str], kind: str) -> str | None:
    """The source file a LazyRecords reads its text from, if it is one of ``src``'s files:
    files named for the kind first (``users.jsonl`` for users), and only a file whose
    whole content is the text (a same-size sibling with the same start is not)."""
    if not isinstance(recs, LazyRecords):
        return None
    text = recs._text
    if isinstance(text, DeferredText):  # still the snapshot's (fingerprinted) source file
        for name in names:
            if str(src / name if src.is_dir() else src) == text.name:
                return name
        return None
    for name in sorted(names, key=lambda n: (n.split(".", 1)[0] != kind, n)):
        p = src / name if src.is_dir() else src
        if p.name == name and p.stat().st_size == len(text) and _same_text(p, text):
            return name
    return None


def _same_text(p: Path, text: bytes | memoryview) -> bool:
    """Whether the file's whole content is ``text`` (compared block by block)."""
    view = memoryview(text).cast("B")
    at = 0
    with _open_source(p) as fh:
        while True:
            block = fh.read(1 << 20)
            if not block:
                return at == len(view)
            if view[at: at + len(block)] != block:
                return False
            at += len(block)


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
        roster = _read_snapshot(src, entry, t0, _key(src, fmt, strict, variant))
        if roster is not None and roster.provenance.source != str(path):
            # named as a cold load names it: the path as given (the snapshot is keyed on
            # the absolute path, so ./dump/ may find the one written for dump)
            roster.provenance = attrs.evolve(roster.provenance, source=str(path),
                                             resolved=os.path.abspath(path))
        return roster
    except Exception:  # noqa: BLE001 - on purpose, see below
        # A cache is an optimisation and must never break a load: whatever is wrong with a
        # snapshot (missing, partial, foreign, hand-edited or hostile) means a cold load,
        # which then replaces it. So ANY exception while reading it is caught here, not
        # only the kinds foreseen (an unforeseen one would otherwise recur on every load).
        return None


class _Bad(ValueError):
    """A snapshot's parts do not have the shapes or types written by :func:`save_cache`."""


def _want(ok: Any, what: str) -> None:
    if not ok:
        raise _Bad(what)


def _typed(obj: dict[str, Any], key: str, typ: type | tuple[type, ...]) -> Any:
    """``obj[key]``, checked to be of type ``typ``."""
    val = obj[key]
    _want(isinstance(val, typ), f"{key} is not a {typ}")
    return val


def _load_array(p: Path, check: Any) -> np.ndarray:
    """One ``.npy`` file, read into memory (never mapped: a file changed or cut short by
    someone else later would change a mapped array, or crash the process). Never a
    pickle, and never a zip (``np.load`` opens an ``.npz`` by its content, whatever
    the name). Its type and the CRC-32 of its values must be ``check`` (as written)."""
    fmt = np.lib.format
    with os.fdopen(open_nofollow(p, os.O_RDONLY), "rb") as fh:
        version = fmt.read_magic(fh)
        _want(version in ((1, 0), (2, 0)), f"{p.name}: npy version {version}")
        read_header = fmt.read_array_header_1_0 if version == (1, 0) else \
            fmt.read_array_header_2_0
        shape, _, dtype = read_header(fh)
        _want(len(shape) == 1 and not dtype.hasobject and dtype.itemsize > 0,
              f"{p.name} is not a 1-D array of plain values")
        # the header's size must be the file's before any memory is taken for it
        _want(shape[0] * dtype.itemsize == os.fstat(fh.fileno()).st_size - fh.tell(),
              f"{p.name}: wrong size")
        arr = np.empty(shape[0], dtype=dtype)  # (not zeroed: every byte is read)
        _want(fh.readinto(arr.data.cast("B")) == arr.nbytes and not fh.read(1),
              f"{p.name}: wrong size")
    _want(isinstance(check, list) and check == [dtype.str, zlib.crc32(arr.data.cast("B"))],
          f"{p.name}: not the array written (damaged)")
    return arr


def _ints(arr: Any, n: int, what: str) -> np.ndarray:
    """``arr`` checked to be a 1-D integer array of length ``n``."""
    _want(isinstance(arr, np.ndarray) and arr.dtype.kind in "iu" and arr.shape == (n,),
          f"{what}: not {n} integers")
    return arr


def _check_positions(starts: np.ndarray, ends: np.ndarray, n: int, size: int,
                     ready_rows: set[int], kind: str) -> None:
    """Each record's byte range lies in the text (``0 <= start <= end <= size``), except
    the records given as ready ones (start < 0), which are exactly the ``ready`` rows."""
    _want(starts.dtype == np.int64 and starts.shape == (n,) and ends.dtype == np.int64
          and ends.shape == (n,), f"{kind}: starts/ends are not {n} int64 values")
    if not ready_rows:  # (no mask to take)
        _want(not n or (int(starts.min()) >= 0 and bool((starts <= ends).all())
                        and int(ends.max()) <= size), f"{kind}: bad positions")
        return
    own = starts >= 0
    _want(set(np.flatnonzero(~own).tolist()) == ready_rows, f"{kind}: ready rows differ")
    s, e = starts[own], ends[own]
    _want(not len(s) or ((s <= e).all() and int(e.max()) <= size), f"{kind}: bad positions")


_NONE = type(None)
#: a problem's keys in meta.json → the types of its value (``bool`` is no ``int`` here)
_PROBLEM_TYPES: dict[str, tuple[type, ...]] = {
    "code": (str,), "message": (str,), "file": (str, _NONE), "line": (int, _NONE),
    "index": (int, _NONE), "kind": (str, _NONE), "record_id": (str, _NONE),
    "field": (str, _NONE), "raw": (str, _NONE)}


def _problem(d: Any) -> Problem:
    """A problem as :func:`_problem_dict` wrote it, its keys and their types checked."""
    _want(isinstance(d, dict) and d.keys() == _PROBLEM_TYPES.keys()
          and all(type(d[k]) in t for k, t in _PROBLEM_TYPES.items()), "bad problem")
    return Problem(**d)


def _provenance_ok(p: dict[str, Any]) -> bool:
    """Whether the provenance in meta.json has the keys and types :func:`save_cache`
    writes (strings, a number of seconds, a list of notes, ``[path, size, sha256, kind]``
    per file)."""
    files, notes = p.get("files"), p.get("notes")
    return (all(type(p.get(k)) is str for k in ("source", "format", "loaded_at"))
            and type(p.get("version")) in (str, _NONE)
            and type(p.get("seconds")) in (int, float)
            and isinstance(notes, list) and all(type(n) is str for n in notes)
            and isinstance(files, list) and all(
                isinstance(f, list) and len(f) == 4 and type(f[0]) is str
                and type(f[1]) is int and type(f[2]) is str and type(f[3]) in (str, _NONE)
                for f in files))


def _read_snapshot(src: Path, entry: Path, t0: float, written_for: list[Any]
                   ) -> Roster | None:
    """The roster from ``entry``, written for ``written_for`` (:func:`_key`); ``None`` when
    stale; raises when anything is amiss."""
    # every file of the entry is opened as a regular file, never through a link: a FIFO
    # would hang the load and a link to /dev/zero would never end
    head, _, meta_text = read_regular_file(entry / "meta.json").partition(b"\n")
    _want(head == b"%s%08x" % (_META_HEAD, zlib.crc32(meta_text)), "meta.json: damaged")
    meta = orjson.loads(meta_text)
    _want(isinstance(meta, dict), "meta.json is not an object")
    if (meta.get("schema") != SCHEMA or meta.get("version") != _version()
            or meta.get("fingerprint") != _fingerprint(src)):
        return None
    # (written for this load: not a snapshot of another format or setting put in its place)
    _want(meta.get("key") == written_for, "written for another source, format or setting")
    source_keys = {f[0]: f[1:5] for f in meta["fingerprint"]}  # equal to the sources' own
    checks = _typed(meta, "checks", dict)
    arrays: dict[str, np.ndarray] = {}
    for name in _typed(meta, "arrays", list):
        _want(isinstance(name, str) and re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.]*", name),
              f"bad array name {name!r}")
        arrays[name] = _load_array(entry / f"{name}.npy", checks.get(name))
    columns: dict[str, StoredStrings] = {}
    for key, desc in _typed(meta, "columns", dict).items():
        _want(isinstance(desc, dict), f"{key}: bad description")
        columns[key] = StoredStrings(desc, arrays, key)
    meta_kinds = _typed(meta, "kinds", dict)
    _want(sorted(meta_kinds) == sorted(KINDS), "kinds differ")
    kinds: dict[str, Any] = {}
    for kind, info in meta_kinds.items():
        cls = RECORD_CLASSES[kind]
        _want(isinstance(info, dict), f"{kind}: bad description")
        text_name = _typed(info, "text", (str, type(None)))
        if text_name is not None:
            # only a file among the fingerprinted sources is read (never e.g. /dev/zero)
            _want(text_name in source_keys, f"{kind}: text is not a source file")
            # read when a record is first needed (a graph-only job never reads it),
            # from the file as fingerprinted: a changed file then raises SourceError
            text_path = src / text_name if src.is_dir() else src
            text: bytes | DeferredText = DeferredText(
                str(text_path), int(source_keys[text_name][0]),
                partial(_read_deferred, text_path, source_keys[text_name]))
        else:
            text = read_regular_file(entry / f"{kind}.jsonl")
            _want(checks.get(f"{kind}.jsonl") == zlib.crc32(text), f"{kind}.jsonl: damaged")
        ids_col = columns[f"{kind}.ids"]
        n = ids_col.n
        _want(not ids_col.coded and n == ids_col.distinct_count, f"{kind}: bad ids")
        # the ids' order by hash (IdKeys) proves them distinct without a dict of them; the
        # id strings are made when first listed, the dict on the first many lookups
        keys = ids_col.keys(arrays.get(f"{kind}.ids.order"))
        ready_raw = _typed(info, "ready", dict)
        ready: dict[int, Any] = {}
        for row, d in ready_raw.items():
            _want(row.isdigit() and int(row) < n and isinstance(d, dict), f"{kind}: bad ready")
            ready[int(row)] = record_from_dict(cls, d)[0]
        starts, ends = arrays[f"{kind}.starts"], arrays[f"{kind}.ends"]
        _check_positions(starts, ends, n, len(text), set(ready), kind)
        if keys is not None:
            recs = LazyRecords(cls, text, ids_col.distinct, starts, ends, ready, keys=keys,
                               verify=True)
        else:  # ids too long for IdKeys, or joined without a separator
            recs = LazyRecords(cls, text, ids_col.distinct(), starts, ends, ready, verify=True)
            _want(len(recs._index) == n, f"{kind}: repeated ids")
        if ready:  # each record kept whole is its row's (by a search: no id dict is made)
            rows = list(ready)
            _want(recs.rows([ready[r].id for r in rows]).tolist() == rows,
                  f"{kind}: a ready record's id is not its row's")
        kinds[kind] = recs
    graph: dict[str, Any] = {
        "arrays": {k[2:]: v for k, v in arrays.items() if k.startswith("g.")},
        "strings": {k[2:]: (c.distinct() if k.startswith("g.stubs.") else c.column())
                    for k, c in columns.items() if k.startswith("g.")}}
    try:
        check_arrays(graph["arrays"], graph["strings"],
                     {k: len(kinds[RECORDS_OF[k]]) for k in NODE_KINDS})
    except ValueError as e:
        raise _Bad(f"graph: {e}") from None
    for k in NODE_KINDS:  # stub ids: distinct, and none is a record's id
        stubs = graph["strings"][f"stubs.{k}"]
        _want(len(set(stubs)) == len(stubs)
              and not (kinds[RECORDS_OF[k]].rows(stubs) >= 0).any(), f"stubs.{k}")
    p = _typed(meta, "provenance", dict)
    _want(_provenance_ok(p), "bad provenance")
    prov = Provenance(
        source=p["source"], format=p["format"], version=p["version"],
        files=tuple(FileInfo(path=f[0], size=f[1], sha256=f[2], kind=f[3]) for f in p["files"]),
        # when this load happened (the files were fingerprinted just now); the snapshot's
        # own time goes in the note
        loaded_at=_now(), seconds=round(time.perf_counter() - t0, 6),
        resolved=os.path.abspath(src),
        notes=(*p["notes"], (f"from cache {entry} (cold load took {p['seconds']:.3f} s, "
                             f"at {p['loaded_at']})")))
    problems = [_problem(d) for d in _typed(meta, "problems", list)]
    roster = Roster(**kinds, problems=problems, provenance=prov)
    try:
        roster._columns = ReaderColumns.from_arrays(roster.records_by_kind(), arrays,
                                                    _typed(meta, "fields", dict))
    except ValueError as e:
        raise _Bad(str(e)) from None
    # used by RosterGraph.from_roster while every kind is still this roster's own
    roster._columns.put_stored_graph(roster.records_by_kind(), graph)
    return roster
