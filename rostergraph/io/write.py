"""Writers: a Roster out as Clever v3 JSON/JSONL, and the parts every writer shares.

The OneRoster CSV writer (1.1 and 1.2) is :mod:`rostergraph.io.write_oneroster`, the
Clever SFTP CSV writer :mod:`rostergraph.io.write_sftp`; :func:`rostergraph.convert`
(load, then write) is :mod:`rostergraph.io.convert`.

Every writer returns a **report**: a :class:`~rostergraph.table.Table` with
columns ``kind, field, count, how``, one row per record field the target
format has no column for, or could not keep as it was. ``how`` says what
happened to it:

- ``extension``: kept in a rostergraph extension column (OneRoster
  ``metadata.rostergraph.clever``, SFTP ``Rostergraph_clever``, JSON text), which
  rostergraph reads back; other consumers ignore it;
- ``dropped``: not written (the field is lost; with ``extensions=False`` every
  ``extension`` row becomes ``dropped``);
- ``changed``: written in another form the format demands (noted in the field
  name, e.g. duplicate enrollments collapsed).

An empty report means the write is lossless. Writes are atomic: every file is
written to a temporary name in the target folder, and the files are renamed into
place once all are written (an interrupted write leaves the folder as it was); a
zip is built under a temporary name and renamed.

Examples
--------
>>> import rostergraph, tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> report = write_clever_json(rostergraph.sample(), out / "json")
>>> len(report), sorted(p.name for p in (out / "json").iterdir())[:2]
(0, ['courses.json', 'districts.json'])
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from ..errors import SourceError
from ..lazy import LazyRecords
from ..model import KINDS, iso_date, mistyped_paths, record_to_dict
from ..roster import Roster, source_path
from ..safety import home_path
from ..table import Table
from .credentials import without_credentials
from .mapping import JSON_LEAF_TYPES, get_path, pop_path

__all__ = [
    "WriteReport",
    "atomic_write_bytes",
    "is_source_folder",
    "write_clever_json",
]

TARGETS = ("clever-json", "clever-jsonl", "clever-csv", "oneroster")


#: every file a Clever JSON write may make (envelope or JSON Lines)
JSON_FILE_NAMES = tuple(f"{k}{ext}" for k in KINDS for ext in (".json", ".jsonl"))


# --- atomic files and the report -----------------------------------------------------


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> atomic_write_bytes(p, b"hi"); p.read_bytes()
    b'hi'
    """
    from ..safety import atomic_write

    atomic_write(path, data)


def output_folder(path: Path, as_zip: bool) -> str:
    """The folder a write's files (or its zip) go to, created now (a CSV writer spills its
    rows to temporary files there while it works).

    Raises
    ------
    SourceError
        A folder output whose path is a file.
    """
    folder = path.parent if as_zip else path
    if not as_zip and path.exists() and not path.is_dir():
        raise SourceError("exists and is not a folder", path=str(path))
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder)


@contextlib.contextmanager
def made_folder(path: Path, as_zip: bool) -> Iterator[str]:
    """:func:`output_folder` for one write: a folder the write made is removed again when
    the write fails and leaves it empty (an interrupted conversion left an empty folder
    where nothing had been).

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "new"
    >>> try:
    ...     with made_folder(out, False):
    ...         raise KeyboardInterrupt
    ... except KeyboardInterrupt:
    ...     pass
    >>> out.exists()
    False
    """
    folder = path.parent if as_zip else path
    made = []  # the folders this write makes, innermost first
    at = folder.absolute()
    while not at.exists() and at != at.parent:
        made.append(at)
        at = at.parent
    spill = output_folder(path, as_zip)
    try:
        yield spill
    except BaseException:
        for f in made:
            try:
                f.rmdir()  # (only an empty one: rmdir refuses others)
            except OSError:
                break
        raise


#: a file's bytes, or what writes them into the binary file it is given (a file too big
#: to hold is written as it is made)
def is_source_folder(path: str | os.PathLike[str], source: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is the folder ``source`` names, or the folder holding the file
    ``source`` names (a roster's ``provenance.source``): the district's own files.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "users.json").write_text("[]")
    >>> is_source_folder(d, d / "users.json"), is_source_folder(d, d.parent)
    (True, False)
    """
    home = source if os.path.isdir(source) else os.path.dirname(os.path.abspath(source))
    return os.path.isdir(home) and os.path.isdir(path) and os.path.samefile(home, path)


FileData = bytes | Callable[[BinaryIO], object]


def _write_files(path: Path, files: Mapping[str, FileData], as_zip: bool,
                 family: Iterable[str] = (), source: str | None = None) -> None:
    """Write ``files`` into the folder ``path`` (or the zip ``path``).

    ``family`` names every file the format's writer may write: those of them in the
    folder that this write did not make are an earlier roster's, and are removed once the
    new files are in place (left there, the reader would take them as part of the new
    roster: an earlier extension file's records, an earlier version's ``roles.csv``, the
    twin ``.json`` of a ``.jsonl``). Never in the folder the roster was read from
    (``source``, or the folder holding that file): those files are the user's data, not
    an earlier write.
    """
    if source is not None and is_source_folder(path, source):
        family = ()
    output_folder(path, as_zip)
    if as_zip:
        from ..safety import refuse_link

        refuse_link(path)  # never replace a link planted where the zip belongs
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        try:
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                for name, data in files.items():
                    if isinstance(data, bytes):
                        zf.writestr(name, data)
                    else:
                        _zip_member(zf, name, data, path.parent)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return
    from ..safety import atomic_write_all

    # every file is written before any is put in place: an error or Ctrl-C on the way
    # leaves the folder's earlier roster whole, not half replaced
    atomic_write_all((path / name, _writer(data)) for name, data in files.items())
    for name in family:
        old = path / name
        if name not in files and os.path.lexists(old) and not old.is_dir():
            os.unlink(old)  # (a link is removed itself, never what it points to)


def _writer(data: FileData) -> Callable[[BinaryIO], object]:
    return (lambda fh: fh.write(data)) if isinstance(data, bytes) else data


def _zip_member(zf: zipfile.ZipFile, name: str, write: Callable[[BinaryIO], object],
                folder: Path) -> None:
    """A member made by ``write``, as ``writestr`` of its bytes makes it: the bytes are
    made into a temporary file first (the member's header holds their size)."""
    with tempfile.TemporaryFile(dir=folder) as tmp:
        write(tmp)
        size = tmp.tell()
        tmp.seek(0)
        info = zipfile.ZipInfo(filename=name, date_time=time.localtime(time.time())[:6])
        info.compress_type = zf.compression
        info._compresslevel = zf.compresslevel  # type: ignore[attr-defined]  # (as writestr)
        info.external_attr = 0o600 << 16  # ?rw------- (writestr's)
        info.file_size = size
        with zf.open(info, mode="w") as dest:
            shutil.copyfileobj(tmp, dest, 1 << 20)


def each_record(records: Mapping[str, Any]) -> Iterable[Any]:
    """The records of one kind, for one pass: a roster that builds records on first access
    builds each for the pass without keeping it, so writing a district does not hold
    every record built at once.

    Examples
    --------
    >>> import rostergraph
    >>> r = rostergraph.sample()
    >>> [s.id for s in each_record(r.sections)] == list(r.sections)
    True
    """
    return records.stream() if isinstance(records, LazyRecords) else records.values()


def _shape(obj: Mapping[str, Any], dots: int) -> tuple[Any, ...]:
    """The keys of ``obj`` (whose path holds ``dots`` dots), each object inside looked into
    as ``(key, its shape)`` while its path holds fewer than two dots: keys with dots count.

    Examples
    --------
    >>> _shape({"a": "x", "roles": {"student": {"grade": "9"}, "t": {}}, "b.c": {"d": 1}}, 0)
    ('a', ('roles', (('student', ('grade',)), 't')), ('b.c', ('d',)))
    """
    if dots >= 2 or JSON_LEAF_TYPES.issuperset(map(type, obj.values())):
        return tuple(obj)  # (the common case: nothing to look into)
    out: list[Any] = []
    for k, v in obj.items():
        deep = dots + k.count(".")
        if v and deep < 2 and (type(v) is dict or type(v) not in JSON_LEAF_TYPES
                               and isinstance(v, Mapping)):
            out.append((k, _shape(v, deep + 1)))
        else:
            out.append(k)
    return tuple(out)


def _leaf_paths(shape: tuple[Any, ...], prefix: str) -> Iterator[str]:
    """The dotted paths of the leaves of a :func:`_shape`."""
    for item in shape:
        if type(item) is tuple:
            yield from _leaf_paths(item[1], f"{prefix}{item[0]}.")
        else:
            yield prefix + item


#: the most distinct shapes of leftover fields a report holds before it counts their paths
_MAX_SHAPES = 4096


class WriteReport:
    """Counts of fields a writer could not carry as they were, by (kind, field, how).

    Examples
    --------
    >>> r = WriteReport()
    >>> r.add("users", "created", "dropped"); r.add("users", "created", "dropped")
    >>> r.table().to_dicts()
    [{'kind': 'users', 'field': 'created', 'count': 2, 'how': 'dropped'}]
    """

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str, str], int] = {}
        # (kind, how, shape of a record's leftover fields) → records: most records of a
        # kind leave the same fields, so their leaf paths are made once, by table()
        self._shapes: dict[tuple[str, str, tuple[Any, ...]], int] = {}

    def add(self, kind: str, field: str, how: str, n: int = 1) -> None:
        """Count ``n`` more records whose ``field`` was treated ``how``."""
        key = (kind, field, how)
        self.counts[key] = self.counts.get(key, 0) + n

    def leftover(self, kind: str, d: Mapping[str, Any], how: str) -> None:
        """Count every leaf path of ``d`` (a record's fields no column took): the leaves of
        its objects down to the third level (``roles.student.enrollments``)."""
        shapes = self._shapes
        key = (kind, how, _shape(d, 0))
        shapes[key] = shapes.get(key, 0) + 1
        if len(shapes) > _MAX_SHAPES:  # (records of many different fields: counted now)
            self._count_shapes()

    def _count_shapes(self) -> None:
        for (kind, how, shape), n in self._shapes.items():
            for path in _leaf_paths(shape, ""):
                self.add(kind, path, how, n)
        self._shapes.clear()

    def table(self) -> Table:
        """The report as a Table (``kind, field, count, how``), sorted."""
        self._count_shapes()
        rows = sorted(self.counts.items())
        return Table({"kind": [k for (k, _, _), _ in rows], "field": [f for (_, f, _), _ in rows],
                      "count": [n for _, n in rows], "how": [h for (_, _, h), _ in rows]},
                     name="write report")


# --- Clever JSON ---------------------------------------------------------------------


def write_clever_json(roster: Roster, path: str | os.PathLike[str], *,
                      jsonl: bool = False) -> Table:
    """Write a roster as Clever v3.0 JSON: one file per kind in the folder ``path``.

    Parameters
    ----------
    roster:
        The roster to write.
    path:
        The output folder (created if missing; existing files of the same name
        are replaced atomically).
    jsonl:
        Write ``<kind>.jsonl`` (one record per line) instead of the list
        envelope ``<kind>.json`` (``{"data": [{"data": record, "uri": ...}],
        "links": [...]}``).

    Returns
    -------
    Table
        The report: empty but for term dates in a non-ISO source form (e.g. an
        SFTP ``8/1/15``), which are written as ISO 8601 (``2015-08-01``) as
        Clever's v3 API writes them (``how = "written as ISO 8601"``).

    Examples
    --------
    >>> import rostergraph, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> len(write_clever_json(rostergraph.sample(), out, jsonl=True))
    0
    >>> len(rostergraph.load(out).users) == len(rostergraph.sample().users)
    True
    """
    files: dict[str, bytes] = {}
    report = WriteReport()
    for kind in KINDS:
        # one record at a time, each written as its JSON text at once: a district's dicts
        # are never all held together
        if kind == "terms":
            dicts = (_iso_term(record_to_dict(r, extra_filter=without_credentials), report)
                     for r in each_record(roster.terms))
        else:
            dicts = (record_to_dict(r, extra_filter=without_credentials)
                     for r in each_record(roster.records(kind)))
        if jsonl:
            files[f"{kind}.jsonl"] = b"".join(_dumps(d) + b"\n" for d in dicts)
        else:
            files[f"{kind}.json"] = _envelope(kind, dicts)
    _write_files(Path(home_path(path)), files, as_zip=False, family=JSON_FILE_NAMES,
                 source=source_path(roster.provenance))
    return report.table()


def _iso_term(d: dict[str, Any], report: WriteReport) -> dict[str, Any]:
    """A term's dict with ``start_date``/``end_date`` in ISO 8601 (v3 JSON requires it)."""
    for f in ("start_date", "end_date"):
        raw = d.get(f)
        iso = iso_date(raw) if isinstance(raw, str) and not _ISO_LIKE.match(raw) else None
        if iso is not None:
            d[f] = iso
            report.add("terms", f, "written as ISO 8601")
    return d


_ISO_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ].*)?$")


class _Carry:
    """What a record's fields turn into: consumed paths, extension columns, the rest."""

    def __init__(self, kind: str, record: Any, report: WriteReport, extensions: bool,
                 prefix: str, empty_is_absent: bool = True) -> None:
        self.kind = kind
        # (CSV has no null: null = absent)
        self.orig = record_to_dict(record, nulls=False, extra_filter=without_credentials)
        self.d, raw = _copy(self.orig)
        # orjson writes no lone surrogate (every string is valid UTF-8) and an empty object
        # only as ``{}``: most records need neither check (asked of every field)
        self.utf8 = raw is not None
        self.has_empty = raw is None or b"{}" in raw
        self.empty_is_absent = empty_is_absent
        self.roles_written: set[str] = set()
        self.report = report
        self.extensions = extensions
        self.prefix = prefix
        self.forced: dict[str, Any] = {}
        self.mistyped = mistyped_paths(record)  # bad_field values kept as loaded

    def take(self, path: str) -> Any:
        """Pop a field the format has a column for (``""`` and ``[]`` read back as absent,
        so they are carried as they are; a value of the wrong type is carried, not
        written to the column)."""
        mistyped = self.mistyped
        if mistyped and self._under_mistyped(path):
            return None  # the mistyped object stays in ``d``: carried as loaded
        value = pop_path(self.d, path) if "." in path else self.d.pop(path, None)
        if mistyped and path in mistyped:
            self.forced[path] = value
            return None
        if value is None:
            return None
        if self.empty_is_absent and (value == "" or value == []):
            self.forced[path] = value
        elif not self.utf8 and type(value) is str and not _utf8_ok(value):
            self.forced[path] = value  # UTF-8 files cannot hold lone surrogates; JSON can
        return value

    def keep(self, path: str, value: Any) -> None:
        """A field whose written form reads back differently: carry the original."""
        if path in self.mistyped or self._under_mistyped(path):
            return  # take() or rest() carries the loaded value; the typed field is only None
        if value is None:  # an absent field in an absent object: carry the object's absence
            while "." in path and get_path(self.orig, path.rsplit(".", 1)[0]) is None:
                path = path.rsplit(".", 1)[0]
            for p in [p for p in self.forced if p.startswith(path + ".")]:
                del self.forced[p]
        parts = path.split(".")
        if any(self.forced.get(".".join(parts[:i]), 0) is None for i in range(1, len(parts))):
            return
        self.forced[path] = value

    def _under_mistyped(self, path: str) -> bool:
        """Whether an object above ``path`` (``name`` for ``name.last``) was mistyped."""
        if not self.mistyped or "." not in path:
            return False  # (the common case, asked for every field written)
        parts = path.split(".")
        return any(".".join(parts[:i]) in self.mistyped for i in range(1, len(parts)))

    def columns(self) -> dict[str, Any]:
        """Extension columns from ``extra`` keys named ``<prefix><column>``.

        A column reads back as text, so a value that is not text (a list, an object, a
        number) stays in the record's carry when extensions are on, and only without
        them is written as its JSON text."""
        out = {}
        for k in [k for k in self.d if k.startswith(self.prefix)]:
            v = self.d[k]
            if isinstance(v, str):
                out[k[len(self.prefix):]] = self.d.pop(k)
            elif not self.extensions:
                out[k[len(self.prefix):]] = _dumps(self.d.pop(k)).decode()
        return out

    def rest(self) -> dict[str, Any]:
        """Everything no column took (with forced originals), counted in the report."""
        from .mapping import set_path

        rest = _prune(self.d)
        roles = self.orig.get("roles") if self.kind == "users" else None
        if isinstance(roles, dict):  # a mistyped roles value is carried as loaded
            for role in roles:
                if role not in self.roles_written:  # a role no file holds: keep that it exists
                    rest.setdefault("roles", {}).setdefault(role, {})
        for path, value in self.forced.items():
            set_path(rest, path, value)
        # an object with no field reads back as no object at all (in SFTP, where empty
        # cells read as "", when no column of it was written)
        for path in _empty_objects(self.orig) if self.has_empty else ():
            if not self._recreated(path) and get_path(rest, path) is None:
                set_path(rest, path, {})
        if rest:
            self.report.leftover(self.kind, rest, "extension" if self.extensions else "dropped")
        return rest

    def _recreated(self, path: str) -> bool:
        """Whether the reader makes the object at ``path`` whatever its fields (a user's
        ``roles``, and each role a file row was written for)."""
        if self.kind != "users" or not (path == "roles" or path.startswith("roles.")):
            return False
        return path == "roles" or (path.count(".") == 1 and path[6:] in self.roles_written)

    def finish(self, carry_column: str) -> dict[str, Any]:
        """The carry column (JSON of everything left) and the report rows for it."""
        rest = self.rest()
        if not rest or not self.extensions:
            return {}
        return {carry_column: _dumps(rest).decode()}


def _empty_objects(d: dict[str, Any], prefix: str = "") -> list[str]:
    """Dotted paths of the empty objects (``{}``) in a record dict, outermost first.

    Examples
    --------
    >>> _empty_objects({"name": {}, "roles": {"student": {"credentials": {}}}})
    ['name', 'roles.student.credentials']
    """
    out: list[str] = []
    for k, v in d.items():
        if type(v) is dict:
            if v:
                out += _empty_objects(v, f"{prefix}{k}.")
            else:
                out.append(prefix + k)
    return out


def _utf8_ok(text: str) -> bool:
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _copy(d: dict[str, Any]) -> tuple[dict[str, Any], bytes | None]:
    """A deep copy of a record dict (JSON values only), and its JSON text (``None`` when
    orjson could not write it: a lone surrogate, a value that is not JSON)."""
    try:
        raw = orjson.dumps(d)
        return orjson.loads(raw), raw
    except (TypeError, orjson.JSONDecodeError):
        import copy

        return copy.deepcopy(d), None


def _attr_path(rec: Any, path: str) -> Any:
    """``rec.a.b.c`` for ``path="a.b.c"`` (``None`` when a step is absent)."""
    for part in path.split("."):
        rec = getattr(rec, part, None)
        if rec is None:
            return None
    return rec


def _dumps(obj: Any) -> bytes:
    """JSON bytes; strings with lone surrogates fall back to escaped stdlib JSON."""
    try:
        return orjson.dumps(obj)
    except TypeError:
        return _ascii_dumps(obj)


def _ascii_dumps(obj: Any) -> bytes:
    """Compact stdlib JSON, every non-ASCII character escaped (lone surrogates too)."""
    import json

    return json.dumps(obj, ensure_ascii=True, separators=(",", ":")).encode()


def _envelope(kind: str, dicts: Iterable[dict[str, Any]]) -> bytes:
    """``_dumps`` of the Clever envelope of ``dicts`` (``{"data": [{"data": d, "uri": ...},
    ...], "links": [...]}``), made item by item so the items are not all held as dicts.
    As for the whole envelope, one string orjson cannot write (a lone surrogate) makes
    every item stdlib JSON: the items made before it are made again that way."""
    items: list[bytes] = []
    ascii_only = False
    for d in dicts:
        item = {"data": d, "uri": f"/v3.0/{kind}/{d['id']}"}
        try:
            items.append(orjson.dumps(item))
        except TypeError:
            ascii_only = True
            items.append(_ascii_dumps(item))
    if ascii_only:  # (rare: a JSON round trip gives the same values, key order kept)
        import json

        items = [_ascii_dumps(json.loads(b)) for b in items]
    links = _dumps([{"rel": "self", "uri": f"/v3.0/{kind}"}])
    return b'{"data":[' + b",".join(items) + b'],"links":' + links + b"}"


def _prune(d: dict[str, Any]) -> dict[str, Any]:
    """Drop empty nested objects left behind once their fields went to columns."""
    if JSON_LEAF_TYPES.issuperset(map(type, d.values())):
        return d  # (no object inside: most of a record's objects)
    for k in list(d):
        v = d[k]
        if isinstance(v, dict):
            _prune(v)
            if not v:
                del d[k]
    return d
