"""Reader for Clever v3.0 JSON: a folder of resource files.

Each resource (``districts``, ``schools``, ``terms``, ``courses``,
``sections``, ``users``) is read from ``<name>.json``, ``<name>.jsonl`` or
``<name>.ndjson``, optionally gzip-compressed (detected by content, with or
without a ``.gz`` suffix). A file may hold:

- a list envelope as the API returns it:
  ``{"data": [{"data": {...}, "uri": "..."}], "links": [...]}``;
- a single-record envelope ``{"data": {...}, "links": [...]}``;
- a plain JSON array of records (or of envelope items);
- JSON Lines: one record or one envelope item per line;
- whole list responses saved as they came: one per line, or an array of them;
- in a ``.jsonl`` file, one pretty-printed JSON document (read as a document, with a
  problem) or an array of records on one line.

An envelope item with keys beside ``data``/``uri``/``links`` still gives its record,
which keeps them in ``extra`` as ``envelope.<key>`` (a problem names the keys). In a folder, per-role user lists (``/v3.0/users?role=
student`` saved as ``students.jsonl``, ``teachers.json``, ...) are read as users after
``users.*``: the same record in two lists is one user, another record with a seen id a
duplicate; a v1/v2 record (no ``roles``) in such a list is a problem keeping its text.

A kind saved a page per file (``users_page1.json``, ``users_page2.json``, with no
``users.*`` beside them) is read page after page (:mod:`.clever_files` names the files).
Any file may be absent; one named as a resource with no suffix (``users``, as ``curl -O``
saves it) is not read, and is a problem when no other file holds its kind.
A line that is not JSON is a problem with its line
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
import hashlib
import json
import os
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import orjson

from ..errors import FormatError, LimitError, SourceError
from ..fastrec import build_record
from ..model import KINDS
from ..roster import FileInfo, Problem, Roster, RosterBuilder, raw_text
from . import fast_jsonl
from .clever_files import (
    CLEVER_SUFFIXES,
    LEGACY_USER_FILES,
    UTF16_MARKS,
    NextLink,
    clever_json_files,
    concatenated_message,
    concatenated_values,
    cut_list_message,
    error_response,
    file_head,
    files_by_kind,
    from_utf16,
    html_told,
    ignored_files,
    last_line_next_link,
    legacy_sections_message,
    line_next_link,
    next_link,
    page_files,
    page_number,
    pages_note,
    resource_kind,
    role_files,
    role_list,
    tell_cut_short,
    unread_note,
    unsuffixed_told,
    utf16_file,
)
from .collect import ColumnarBuilder
from .credentials import names_credential, raw_without_credentials
from .json_repair import BAD, cut_short, lenient_loads, repaired_json
from .jsonkeys import (
    duplicate_keys,
    has_duplicate_keys,
    has_wide_integer,
    maybe_duplicate_keys,
    tell_wide_integer,
    wide_integers,
)
from .limits import (
    DEFAULT_LIMITS,
    BoundedReader,
    Limits,
    check_regular_file,
    gunzip_bounded,
    has_big_string,
    json_depth,
    unreadable_entries,
    unreadable_message,
)

# (the file helpers live in clever_files; their names stay importable from here)
__all__ = ["CLEVER_SUFFIXES", "ENVELOPE_PREFIX", "LEGACY_USER_FILES", "clever_json_files",
           "cut_short", "from_utf16", "page_number", "read_bytes", "read_clever_json",
           "read_line", "repaired_json", "resource_kind", "role_files", "tell_cut_short",
           "told_twice", "unwrap"]

#: The ``extra`` key prefix of an envelope item's keys beside ``data``/``uri``/``links``.
ENVELOPE_PREFIX = "envelope."


def read_bytes(path: Path, limits: Limits = DEFAULT_LIMITS, cut: list[str] | None = None
               ) -> bytes:
    """A file's bytes, gunzipped when it starts with the gzip magic number.

    Decompression streams and stops at ``limits.max_gzip_bytes``
    (:func:`~rostergraph.io.limits.gunzip_bounded`; with ``cut``, a stream cut short gives
    what came before the damage).
    """
    return gunzip_bounded(path.read_bytes(), limits, path=str(path), cut=cut)


def read_clever_json(path: str | os.PathLike[str], *, strict: bool = False,
                     limits: Limits = DEFAULT_LIMITS) -> Roster:
    """Read a folder (or one resource file) of Clever v3.0 JSON into a Roster.

    Parameters
    ----------
    path:
        A folder holding resource files, or one file such as ``users.jsonl``.
    strict:
        Raise :class:`FormatError` on the first problem instead of collecting it.
    limits:
        Bounds for JSON Lines (line length, field size, nesting); see
        :mod:`rostergraph.io.limits`. JSON Lines files are streamed (memory
        does not grow with the file, only with the records kept).

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
    roles: list[Path] = []
    pages: dict[str, list[Path]] = {}
    notes: list[str] = []
    alone: list[Problem] = []
    if p.is_dir():
        kind_files = files_by_kind(p)
        files = {kind: paths[0] for kind, paths in kind_files.items()}
        pages = page_files(kind_files)
        roles = role_files(p)
        notes = [pages_note(k, [files[k], *v]) for k, v in pages.items()]
        unread = unread_note(p)
        notes += [unread] if unread is not None else []
        alone = unsuffixed_told(p, {*files, *(("users",) if roles else ())}, notes)
        for name, what in unreadable_entries(p):  # (a link to nothing named users.jsonl)
            if (got := resource_kind(name)) is not None or role_list(name):
                alone.append(Problem(code="missing_file", message=unreadable_message(
                    name, what), file=name, kind=got[0] if got else "users"))
        if not files and not roles:
            raise SourceError(
                "no Clever JSON resource files found (expected any of "
                + ", ".join(f"{k}.json/.jsonl" for k in KINDS) + ")"
                + "".join(f"; {t.message}" for t in alone if t.code == "missing_file"),
                path=str(path))
    else:
        check_regular_file(p)  # students.json -> /dev/zero is refused, not read forever
        got = resource_kind(p.name)
        if got is None:
            raise SourceError(f"cannot tell the record kind from the file name; expected one of "
                              f"{', '.join(KINDS)}", path=str(path))
        files = {got[0]: p}
    alone += html_told(files, pages, roles)  # (a login page saved: one problem, not read)
    # plain JSON Lines: one scan, records built on access (the same roster as below); in
    # strict mode the first problem is raised, as the general reader would raise it
    documents = {k for k, f in files.items() if _document_in_lines(f)}
    legacy = legacy_sections_message(files.get("sections")) if p.is_dir() else None
    # the problems the general reader notes before reading any file, in its order (the
    # sections of an older API version, files left unread, files it cannot take), and
    # those it notes after (a list saved in part), for the fast path to list alike
    before: list[Problem] = []
    if legacy is not None:
        before.append(Problem(code="other", message=legacy, file=files["sections"].name,
                              kind="sections", line=1))
    if p.is_dir() and not (documents or roles):
        ignored_files(lambda code, msg, **w: before.append(
            Problem(code=code, message=msg, **w)), p)
    # (called through its module, so that a test replacing fast_jsonl.read_fast reaches
    # the general path)
    if not (documents or roles or pages):
        def cut_lists() -> list[Problem]:
            return [Problem(code="missing_file", message=cut_list_message(k, f.name, link[0]),
                            file=f.name, kind=k, line=link[1].get("line"))
                    for k, f in files.items()
                    if (link := last_line_next_link(f, limits.max_line_bytes)) is not None]

        fast = fast_jsonl.read_fast(path, files, limits, general=read_line,
                                    noted=[*before, *alone], told_after=cut_lists, notes=notes,
                                    raw_filter=raw_without_credentials)
        if fast is not None:
            if strict and fast.problems:
                raise fast.problems[0].to_error()
            return fast
    # users and sections kept as compact text and columns, their records built on first
    # access (as the CSV readers keep them); per-role user lists compare a user with the
    # record read before, so they take the plain builder
    builder = RosterBuilder if roles else ColumnarBuilder
    b = builder(source=str(path), format="clever-json", strict=strict,
                max_problems=limits.max_problems, raw_filter=raw_without_credentials)
    b.version = "v3.0"
    b.notes.extend(notes)
    if legacy is not None:
        b.problem("other", legacy, file=files["sections"].name, kind="sections", line=1)
    if p.is_dir():
        ignored_files(b.problem, p)
    for told in alone:
        b.problem(told.code, told.message, file=told.file, kind=told.kind, raw=told.raw)
    # a list whose last page read links to a next one was saved in part: told after every
    # file is read (as the fast path tells it), the kind's last file naming it
    cut: list[tuple[str, str, NextLink]] = []
    for kind in KINDS:
        last: tuple[str, NextLink | None] | None = None
        if kind in files:
            last = files[kind].name, _read_file(b, kind, files[kind], limits, kind in documents)
        for page in pages.get(kind, ()):
            last = page.name, _read_file(b, kind, page, limits, _document_in_lines(page))
        if last is not None and last[1] is not None:
            cut.append((kind, last[0], last[1]))
        if kind == "users":
            for f in roles:  # (each per-role list is a list of its own)
                link = _read_file(b, kind, f, limits, _document_in_lines(f))
                if link is not None:
                    cut.append((kind, f.name, link))
    for kind, file, (uri, where) in cut:
        b.problem("missing_file", cut_list_message(kind, file, uri), file=file, kind=kind,
                  **where)
    return b.build()


def _read_file(b: RosterBuilder, kind: str, path: Path, limits: Limits, document: bool
               ) -> NextLink | None:
    """Read one resource file; ``document``: :func:`_document_in_lines` of it. Returns the
    ``next`` link of the last list page the file holds (:func:`next_link`)."""
    name = path.name
    lines_mode = ".jsonl" in name.lower() or ".ndjson" in name.lower()
    if lines_mode and document:
        data = read_bytes(path, limits)
        text = from_utf16(b, data, name, kind)
        text = text[3:] if text[:3] == _BOM else text
        try:
            doc = orjson.loads(text)
        except orjson.JSONDecodeError:
            fixed, said = repaired_json(text)
            doc, text = fixed if fixed is not None else (BAD, text)
            if fixed is not None:
                for code, message, line, raw in said:
                    b.problem(code, message, file=name, line=line, kind=kind, raw=raw)
        if doc is not BAD:
            b.add_file(name, data, kind)
            b.problem("other", f"{name} is one JSON document over several lines, not JSON "
                      "Lines (one record per line): read as a document", file=name, line=1,
                      kind=kind)
            return _read_document(b, kind, doc, name, text)
        if data[:2] in UTF16_MARKS:  # (its problem told once): line by line, as below
            b.add_file(name, data, kind)
            return _read_lines(b, kind, text, name, limits)
    if lines_mode and not utf16_file(path):
        return _stream_lines(b, kind, path, limits)
    damaged: list[str] = []  # (a .json.gz cut short: the records before the damage load)
    data = read_bytes(path, limits, damaged)
    b.add_file(path.name, data, kind)
    for message in damaged:
        b.problem("syntax", f"{message}; the rest of the file is lost", file=name,
                  line=data.count(b"\n") + 1, kind=kind)
    data = from_utf16(b, data, name, kind)  # (read whole: a Windows tool's file)
    if data[:3] == _BOM:
        data = data[3:]
    if not lines_mode:
        stripped = data.lstrip()
        if not stripped:
            return None  # an empty file holds no records
        items = _array_items(data) if (stripped[:1] == b"[" and len(data) >= ITEMWISE_FROM
                                       ) else None
        if items is not None:
            return _read_items(b, kind, items, name)
        source: bytes | None = data  # (what the document was read from)
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            # Maybe JSON Lines under a .json name: the first line parses alone.
            first = stripped.split(b"\n", 1)[0]
            if b"\n" in stripped.rstrip() and _parses(first):
                lines_mode = True
            else:
                doc, source = _json_error(exc, data, name, b, kind)
        if not lines_mode:
            return _read_document(b, kind, doc, name, source)
    return _read_lines(b, kind, data, name, limits)


#: A JSON array file this large is read an item at a time: the objects of a whole
#: document decoded at once take several times its size (over 1 GB for 250 MB of users).
ITEMWISE_FROM = 64 * 1024 * 1024


def _array_items(data: bytes) -> list[Any] | None:
    """The text of each item of the top-level JSON array ``data`` (``msgspec.Raw``, views
    of ``data``), once every item is checked to read with orjson, one at a time, nothing
    kept; ``None`` otherwise (the whole-document path then reads it as before, mending
    and telling what is wrong)."""
    try:
        items: list[Any] = msgspec.json.decode(data, type=list[msgspec.Raw])
        for raw in items:
            orjson.loads(memoryview(raw))
    except (msgspec.DecodeError, orjson.JSONDecodeError, RecursionError, ValueError,
            TypeError):
        return None
    return items


def _read_items(b: RosterBuilder, kind: str, items: list[Any], name: str
               ) -> NextLink | None:
    """:func:`_read_document` of a top-level array, an item decoded at a time: the same
    problems (a key given twice told before its item, by the item's position) and
    records."""
    for i, raw in enumerate(items):
        item = orjson.loads(memoryview(raw))
        if maybe_duplicate_keys(raw, item) and has_duplicate_keys(bytes(raw)):
            rid = unwrap(item).get("id") if isinstance(item, dict) else None
            for path, value in duplicate_keys(bytes(raw)):
                told_twice(b, path, value, rid, file=name, index=i, kind=kind)
        if (exact := wide_integers(raw)) is not None:
            tell_wide_integer(b.problem, msgspec.json.encode(exact), exact, kind=kind, file=name,
                              index=i)  # (raw as the whole-document path gives it)
        _add(b, kind, item, None, file=name, index=i)
        items[i] = None  # (the view let go as the item is read)
    uri = next_link([item]) if items else None  # (an array of pages: the last one's)
    return None if uri is None else (uri, {"index": len(items) - 1})


def _document_in_lines(path: Path) -> bool:
    """Whether a JSON Lines file starts like a pretty-printed JSON document: its first
    non-blank line is ``[`` or ``{`` alone (no JSON Lines file can start so)."""
    if not path.name.lower().endswith((".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")):
        return False
    head = file_head(path)
    if head[:2] in UTF16_MARKS:
        head = head.decode("utf-16", "replace").encode()
    if head[:3] == _BOM:
        head = head[3:]
    for line in head.splitlines():
        if line.strip():
            return line.strip() in (b"[", b"{")
    return False


def _parses(line: bytes) -> bool:
    try:
        orjson.loads(line)
        return True
    except orjson.JSONDecodeError:
        return False


def _json_error(exc: orjson.JSONDecodeError, data: bytes, name: str, b: RosterBuilder,
                kind: str) -> tuple[Any, bytes | None]:
    """Raise FormatError with line/column, unless the stdlib can read it (lone surrogates)
    or :func:`repaired_json` can (then its problems are noted, and the records load), or
    it is a list cut short (:func:`cut_short`: its whole records load, with a problem):
    the document and the text it was read from (``None`` for a list cut short)."""
    try:
        # orjson refuses lone surrogates that Clever strings may carry; keep them
        return json.loads(data.decode("utf-8")), data
    except RecursionError:
        raise FormatError("not valid JSON: nested too deeply", path=name) from None
    except ValueError:  # bad UTF-8 or JSON, an integer over 4300 digits
        pass
    doc, said = repaired_json(data)
    values = concatenated_values(data) if doc is None else None
    if values is not None:  # (pages appended to one file: each read)
        b.problem("other", concatenated_message(len(values)), file=name, line=1, kind=kind)
        return values, None
    if doc is None:
        cut = cut_short(exc, data)
        if cut is None:
            raise FormatError(f"not valid JSON: {exc.msg}", path=name, line=exc.lineno,
                              column=exc.colno) from None
        return tell_cut_short(b, cut, name, kind), None
    for code, message, line, raw in said:
        b.problem(code, message, file=name, line=line, kind=kind, raw=raw)
    return doc


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
        return None, error_response(doc) or (
            "expected a Clever list envelope {\"data\": [...]}, an array or records")
    return None, f"expected an object or array at the top level, found {type(doc).__name__}"


def unwrap(item: Any, b: RosterBuilder | None = None, **where: Any) -> Any:
    """An envelope item ``{"data": {...}, "uri": ...}`` → its record; records pass. An
    item with other keys beside ``data`` (which holds an id) is unwrapped too: each other
    key is kept in the record's ``extra`` as ``envelope.<key>``, and a problem (with
    ``b``) names them."""
    if isinstance(item, dict) and "data" in item and isinstance(item["data"], dict) and (
        "id" not in item
    ):
        more = sorted(set(item) - {"data", "uri", "links"})
        if not more:
            return item["data"]
        if b is not None and isinstance(item["data"].get("id"), str):
            rec = dict(item["data"])
            clash = [k for k in more if ENVELOPE_PREFIX + k in rec]
            rec.update((ENVELOPE_PREFIX + k, item[k]) for k in more if k not in clash)
            b.problem("other", f"envelope keys {', '.join(more)} beside the record: kept in "
                      f"its extra as {ENVELOPE_PREFIX}<key>" + (
                          f" (but {', '.join(clash)}: the record has such keys; in raw)"
                          if clash else ""), record_id=rec["id"], raw=raw_text(_dump(
                              {k: item[k] for k in more})), **where)
            return rec
    return item


def _add(b: RosterBuilder, kind: str, item: Any, raw: bytes | None, **where: Any) -> None:
    """Keep one item (a record or an envelope item); a whole list response as one item
    (API pages saved one per line, or an array of pages), or an array of records, gives
    each of its items."""
    subs = item.get("data") if isinstance(item, dict) and "id" not in item else (
        item if isinstance(item, list) and item and all(isinstance(x, dict) for x in item)
        else None)  # (a JSON array of records on one line of a JSON Lines file)
    if isinstance(subs, list):
        for sub in subs:
            _keep(b, kind, unwrap(sub, b, kind=kind, **where), None, where)
        return
    _keep(b, kind, unwrap(item, b, kind=kind, **where), raw, where)


def _keep(b: RosterBuilder, kind: str, obj: Any, raw: bytes | None, where: dict[str, Any]
          ) -> None:
    """``b.add`` the record, except from a per-role user list (``students.jsonl``): a v3
    user already read the same (a user with two roles is in both lists) is one user, and a
    v1/v2 record (no ``roles``) is not read (a problem keeps its text)."""
    if kind == "users" and isinstance(obj, dict) and role_list(where.get("file") or ""):
        rid = obj.get("id")
        if not isinstance(obj.get("roles"), dict):
            b.problem("other", f"a v1/v2 user (no roles) in {where['file']}, a per-role list "
                      "beside v3 files: not read (v3 users have roles; the record is in raw)",
                      kind=kind, record_id=rid if isinstance(rid, str) else None,
                      raw=raw_text(raw if raw is not None else _dump(obj)), **where)
            return
        have = b.kinds[kind].get(rid) if isinstance(rid, str) else None
        if have is not None and have == build_record(type(have), obj)[0]:
            return
    b.add(kind, obj, raw=raw, **where)


def _read_document(b: RosterBuilder, kind: str, doc: Any, name: str,
                   data: bytes | None = None) -> NextLink | None:
    """Keep the records of a decoded document; its ``next`` link (:func:`next_link`)."""
    items, err = _items(doc)
    if items is None:
        b.problem("envelope", err or "unreadable document", file=name, kind=kind,
                  raw=raw_text(_dump(doc)))
        return None
    # keys given twice (``data``, the document's text, decodes to ``doc``): each told
    # before its item, by the item's position
    lost: dict[int | None, list[tuple[str, Any]]] = {}
    # (the one-pass check first: most documents whose text is longer than their value
    # written back hold escapes or explicit nulls, not a repeated key)
    if data is not None and maybe_duplicate_keys(data, doc) and has_duplicate_keys(data):
        head = "" if isinstance(doc, list) else "data." if "data" in doc else None
        for path, value in duplicate_keys(data):
            at, _, rest = path[len(head):].partition(".") if head is not None and (
                path.startswith(head)) else ("", "", path)
            if isinstance(doc, dict) and isinstance(doc.get("data"), dict):
                at, rest = ("0", path[5:]) if path.startswith("data.") else ("", path)
            elif head is None:
                at, rest = "0", path
            lost.setdefault(int(at) if at.isdigit() and rest else None, []).append(
                (rest if at.isdigit() and rest else path, value))
    for path, value in lost.pop(None, ()):
        told_twice(b, path, value, None, file=name, kind=kind)
    exact = wide_integers(data) if data is not None else None  # (the items, decoded exactly)
    wide = dict(enumerate((_items(exact)[0] or []) if exact is not None else []))
    for i, item in enumerate(items):
        for path, value in lost.get(i, ()):
            rid = unwrap(item).get("id") if isinstance(item, dict) else None
            told_twice(b, path, value, rid, file=name, index=i, kind=kind)
        if has_wide_integer(it := wide.get(i)):
            tell_wide_integer(b.problem, msgspec.json.encode(it), it, kind=kind, file=name,
                              index=i)
        _add(b, kind, item, None, file=name, index=i)
    uri = next_link(doc)
    if uri is None:
        return None
    if isinstance(doc, list):  # (an array of pages: the last one's)
        return uri, {"index": len(doc) - 1}
    found = data.rfind(b'"next"') if data is not None else -1
    return uri, ({"line": data[:found].count(b"\n") + 1} if data is not None and found >= 0
                 else {})


def told_twice(b: RosterBuilder, path: str, value: Any, rid: Any, **where: Any) -> None:
    """The problem for a key given twice in one object: the value it replaced in raw, but
    a credential's (``password``, ``vendor.api_token``: never kept, nor quoted)."""
    secret = names_credential(path)
    b.problem("other", f"key {path!r} is given twice in one object: the last value is kept "
              + ("(a credential: the value it replaced is not kept)" if secret else
                 "(the value it replaced is in raw)"), record_id=rid if isinstance(rid, str)
              else None, field=path, raw=None if secret else raw_text(_dump(value)), **where)


_BOM = b"\xef\xbb\xbf"


def _iter_lines(data: bytes) -> Iterator[tuple[int, bytes]]:
    # JSON text cannot hold a raw CR or LF, so CR, LF and CRLF all end a line
    for n, line in enumerate(data.splitlines(), start=1):
        if line.strip():
            yield n, line


def _read_lines(b: RosterBuilder, kind: str, data: bytes, name: str,
                limits: Limits = DEFAULT_LIMITS) -> NextLink | None:
    """Read JSON Lines text; the ``next`` link of its last line (a list page)."""
    last, at = None, 0
    for n, line in _iter_lines(data):
        read_line(b, kind, name, n, line, limits)
        last, at = line, n
    uri = line_next_link(last)
    return None if uri is None else (uri, {"line": at})


def _stream_lines(b: RosterBuilder, kind: str, path: Path, limits: Limits
                  ) -> NextLink | None:
    """Read a JSON Lines file (maybe gzipped) line by line, in bounded memory; the ``next``
    link of its last line (a list page)."""
    last, at = None, 0
    name = path.name
    digest = hashlib.sha256()
    seen = [0]  # bytes read (after gunzip)
    n = 0
    cap = limits.max_line_bytes
    cut: list[bytes] = []  # the line a damaged gzip stream ends in, for the problem's raw
    with open(path, "rb") as raw:
        fh: Any = (BoundedReader(gzip.GzipFile(fileobj=raw), limits, path=name)
                   if raw.read(2) == b"\x1f\x8b" else raw)
        raw.seek(0)
        try:
            for long_head, line in _split_lines(fh, cap, digest, seen, cut):
                n += 1
                if n > limits.max_lines:
                    raise LimitError(f"more than {limits.max_lines:,} lines "
                                     "(Limits.max_lines; raise it for a larger file you trust)",
                                     path=name, line=n)
                if long_head is not None:
                    b.problem("limit", f"line longer than {cap} bytes (Limits.max_line_bytes)",
                              file=name, line=n, kind=kind, raw=raw_text(long_head))
                elif line.strip():
                    read_line(b, kind, name, n, line, limits)
                    last, at = line, n
        except (OSError, EOFError, zlib.error) as exc:
            b.problem("syntax", f"corrupt gzip data after line {n}: {exc}; the rest of the "
                      "file is lost" + (" (the cut line is in raw)" if cut else ""),
                      file=name, line=n + 1, kind=kind, raw=raw_text(cut[0]) if cut else None)
    b.files.append(FileInfo(path=name, size=seen[0], sha256=digest.hexdigest(),
                            kind=kind))
    uri = line_next_link(last)
    return None if uri is None else (uri, {"line": at})


_EOL = re.compile(rb"\r\n|\r|\n")


def _split_lines(fh: Any, cap: int, digest: Any, seen: list[int], cut: list[bytes]
                 ) -> Iterator[tuple[bytes | None, bytes]]:
    """``(None, line)`` per line split at LF, CR or CRLF; ``(head, b"")`` for a line over
    ``cap`` bytes (only its first 200 bytes are kept). Memory stays under cap + 1 MiB.
    When reading fails (a gzip stream cut short), the line begun is put in ``cut`` and the
    error raised."""
    buf = b""
    long_head: bytes | None = None
    pending_cr = False
    while True:
        try:
            chunk = fh.read(1 << 20)
        except (OSError, EOFError, zlib.error):
            if buf or long_head:
                cut.append(long_head if long_head is not None else buf)
            raise
        if not chunk:
            break
        digest.update(chunk)
        seen[0] += len(chunk)
        if pending_cr and chunk[:1] == b"\n":
            chunk = chunk[1:]
        pending_cr = chunk[-1:] == b"\r"
        parts = _EOL.split(chunk)
        for i, part in enumerate(parts):
            if long_head is None:
                buf += part
                if len(buf) > cap:
                    long_head, buf = buf[:200], b""
            if i < len(parts) - 1:
                yield long_head, buf
                buf, long_head = b"", None
    if buf or long_head is not None:
        yield long_head, buf


def read_line(b: RosterBuilder, kind: str, name: str, n: int, line: bytes,
              limits: Limits) -> None:
    """Read line ``n`` of JSON Lines file ``name`` (the general path, which the fast reader
    also takes for every line it does not call plain): its record kept, or its problem
    noted."""
    if line[:3] == _BOM:
        line = line[3:]
        if not line.strip():
            return
    if line.count(b"[") + line.count(b"{") > limits.max_json_depth and (
        json_depth(line) > limits.max_json_depth
    ):
        b.problem("limit", f"JSON nests deeper than {limits.max_json_depth} levels "
                  "(Limits.max_json_depth)", file=name, line=n, kind=kind, raw=raw_text(line))
        return
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        obj = lenient_loads(line)
        if obj is BAD:
            try:
                line.decode("utf-8")
                code = "syntax"
            except UnicodeDecodeError:  # (a SIS writing Latin-1): the record still loads
                code = "encoding"
                obj = lenient_loads(line.decode("utf-8", errors="replace").encode("utf-8"))
            values = concatenated_values(line) if obj is BAD and code == "syntax" else None
            if values is not None:  # (two records or pages glued on one line: each read)
                b.problem("other", concatenated_message(len(values)), file=name, line=n,
                          kind=kind)
                for value in values:
                    _add(b, kind, value, None, file=name, line=n)
                return
            if obj is BAD:
                b.problem(code, f"not valid JSON: {exc.msg} (column {exc.colno})",
                          file=name, line=n, kind=kind, raw=raw_text(line))
                return
            rid = obj.get("id") if isinstance(obj, dict) else None
            b.problem(code, "bytes that are not UTF-8, replaced by U+FFFD", file=name, line=n,
                      kind=kind, record_id=rid if isinstance(rid, str) else None,
                      raw=raw_text(line))
    if len(line) > limits.max_field_bytes and has_big_string(obj, limits.max_field_bytes):
        b.problem("limit", f"a value longer than {limits.max_field_bytes} bytes "
                  "(Limits.max_field_bytes)", file=name, line=n, kind=kind,
                  record_id=obj.get("id") if isinstance(obj, dict) and isinstance(
                      obj.get("id"), str) else None, raw=raw_text(line[:2000]))
        return
    if maybe_duplicate_keys(line, obj):
        rid = unwrap(obj).get("id") if isinstance(obj, dict) else None
        for path, value in duplicate_keys(line):
            told_twice(b, path, value, rid, file=name, line=n, kind=kind)
    if (exact := wide_integers(line)) is not None:
        tell_wide_integer(b.problem, line, exact, kind=kind, file=name, line=n)
    _add(b, kind, obj, line, file=name, line=n)


def _dump(doc: Any) -> str:
    try:
        return orjson.dumps(doc).decode()
    except TypeError:
        return repr(doc)
