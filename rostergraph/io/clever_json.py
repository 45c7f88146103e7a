"""Reader for Clever v3.0 JSON: a folder of resource files.

Each resource (``districts``, ``schools``, ``terms``, ``courses``,
``sections``, ``users``) is read from ``<name>.json``, ``<name>.jsonl`` or
``<name>.ndjson``, optionally gzip-compressed (detected by content, with or
without a ``.gz`` suffix). A file may hold:

- a list envelope as the API returns it:
  ``{"data": [{"data": {...}, "uri": "..."}], "links": [...]}``;
- a single-record envelope ``{"data": {...}, "links": [...]}``;
- a plain JSON array of records (or of envelope items);
- JSON Lines: one record or one envelope item per line.

Any file may be absent. A line that is not JSON is a problem with its line
number (the other lines still load); a ``.json`` file that is not JSON at all
raises :class:`~rostergraph.errors.FormatError` naming file, line and column.

Examples
--------
>>> import rostergraph, pathlib
>>> from rostergraph.io.clever_json import read_clever_json
>>> roster = read_clever_json(rostergraph.sample_path())
>>> roster.provenance.format
'clever-json'
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from ..errors import FormatError, SourceError
from ..model import KINDS
from ..roster import Roster, RosterBuilder, raw_text

__all__ = ["CLEVER_SUFFIXES", "clever_json_files", "read_clever_json", "read_bytes"]

CLEVER_SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")
_ALIASES = {"district": "districts"}  # the single-record endpoint's name


def clever_json_files(folder: str | os.PathLike[str]) -> dict[str, Path]:
    """The resource files of a Clever JSON dump, by kind (absent kinds omitted).

    Examples
    --------
    >>> import rostergraph
    >>> sorted(clever_json_files(rostergraph.sample_path()))
    ['courses', 'districts', 'schools', 'sections', 'terms', 'users']
    """
    folder = Path(folder)
    found: dict[str, Path] = {}
    for name in sorted(os.listdir(folder)):
        for suffix in CLEVER_SUFFIXES:
            if name.endswith(suffix):
                stem = name[: -len(suffix)]
                kind = _ALIASES.get(stem, stem)
                if kind in KINDS and kind not in found and (folder / name).is_file():
                    found[kind] = folder / name
                break
    return found


def read_bytes(path: Path) -> bytes:
    """A file's bytes, gunzipped when it starts with the gzip magic number."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise FormatError(f"corrupt gzip data: {exc}", path=str(path)) from None
    return data


def read_clever_json(path: str | os.PathLike[str], *, strict: bool = False) -> Roster:
    """Read a folder (or one resource file) of Clever v3.0 JSON into a Roster.

    Parameters
    ----------
    path:
        A folder holding resource files, or one file such as ``users.jsonl``.
    strict:
        Raise :class:`FormatError` on the first problem instead of collecting it.

    Examples
    --------
    >>> import rostergraph
    >>> r = read_clever_json(rostergraph.sample_path())
    >>> len(r.users) > 50
    True
    """
    p = Path(path)
    if not p.exists():
        raise SourceError("no such file or folder", path=str(path))
    if p.is_dir():
        files = clever_json_files(p)
        if not files:
            raise SourceError(
                "no Clever JSON resource files found (expected any of "
                + ", ".join(f"{k}.json/.jsonl" for k in KINDS) + ")", path=str(path))
    else:
        stem = p.name
        for suffix in CLEVER_SUFFIXES:
            if stem.endswith(suffix):
                stem = stem[: -len(suffix)]
                break
        kind = _ALIASES.get(stem, stem)
        if kind not in KINDS:
            raise SourceError(f"cannot tell the record kind from the file name; expected one of "
                              f"{', '.join(KINDS)}", path=str(path))
        files = {kind: p}
    b = RosterBuilder(source=str(path), format="clever-json", strict=strict)
    b.version = "v3.0"
    for kind in KINDS:
        if kind in files:
            _read_file(b, kind, files[kind])
    return b.build()


def _read_file(b: RosterBuilder, kind: str, path: Path) -> None:
    data = read_bytes(path)
    b.add_file(path.name, data, kind)
    name = path.name
    lines_mode = ".jsonl" in name or ".ndjson" in name
    if not lines_mode:
        stripped = data.lstrip()
        if not stripped:
            return  # an empty file holds no records
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            # Maybe JSON Lines under a .json name: the first line parses alone.
            first = stripped.split(b"\n", 1)[0]
            if b"\n" in stripped.rstrip() and _parses(first):
                lines_mode = True
            else:
                doc = _json_error(exc, data, name)
        if not lines_mode:
            _read_document(b, kind, doc, name)
            return
    _read_lines(b, kind, data, name)


def _parses(line: bytes) -> bool:
    try:
        orjson.loads(line)
        return True
    except orjson.JSONDecodeError:
        return False


def _json_error(exc: orjson.JSONDecodeError, data: bytes, name: str) -> Any:
    """Raise FormatError with line/column, unless the stdlib can read it (lone surrogates)."""
    try:
        # orjson refuses lone surrogates that Clever strings may carry; keep them
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        pass
    raise FormatError(f"not valid JSON: {exc.msg}", path=name, line=exc.lineno,
                      column=exc.colno) from None


def _items(doc: Any) -> tuple[list[Any] | None, str | None]:
    """The record items of a decoded document, or an error message."""
    if isinstance(doc, list):
        return doc, None
    if isinstance(doc, dict):
        if "data" in doc:
            inner = doc["data"]
            if isinstance(inner, list):
                return inner, None
            if isinstance(inner, dict):
                return [inner], None
            return None, f"'data' is a {type(inner).__name__}, expected an array or object"
        if "id" in doc:
            return [doc], None  # a single bare record
        return None, "expected a Clever list envelope {\"data\": [...]}, an array or records"
    return None, f"expected an object or array at the top level, found {type(doc).__name__}"


def _unwrap(item: Any) -> Any:
    """An envelope item ``{"data": {...}, "uri": ...}`` → its record; records pass."""
    if isinstance(item, dict) and "data" in item and isinstance(item["data"], dict) and (
        "id" not in item and set(item) <= {"data", "uri", "links"}
    ):
        return item["data"]
    return item


def _read_document(b: RosterBuilder, kind: str, doc: Any, name: str) -> None:
    items, err = _items(doc)
    if items is None:
        b.problem("envelope", err or "unreadable document", file=name, kind=kind,
                  raw=raw_text(_dump(doc)))
        return
    for i, item in enumerate(items):
        b.add(kind, _unwrap(item), file=name, index=i)


def _iter_lines(data: bytes) -> Iterator[tuple[int, bytes]]:
    for n, line in enumerate(data.split(b"\n"), start=1):
        if line.strip():
            yield n, line


def _read_lines(b: RosterBuilder, kind: str, data: bytes, name: str) -> None:
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    for n, line in _iter_lines(data):
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            obj = _fallback(line)
            if obj is _BAD:
                b.problem("syntax", f"not valid JSON: {exc.msg} (column {exc.colno})",
                          file=name, line=n, kind=kind, raw=raw_text(line))
                continue
        b.add(kind, _unwrap(obj), file=name, line=n, raw=line)


_BAD = object()


def _fallback(line: bytes) -> Any:
    try:
        return json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return _BAD


def _dump(doc: Any) -> str:
    try:
        return orjson.dumps(doc).decode()
    except TypeError:
        return repr(doc)
