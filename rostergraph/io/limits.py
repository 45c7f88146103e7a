"""Resource limits for reading untrusted input: zip archives, JSON, fields, lines.

A :class:`Limits` object bounds what a reader may consume; going over a bound
that makes the whole input unreadable raises
:class:`~rostergraph.errors.LimitError` (a
:class:`~rostergraph.errors.FormatError`) instead of exhausting memory, and
going over a per-record bound is a ``limit`` problem in ``roster.problems``
(the other records still load).

Readers call the helpers here before they trust sizes that come from the data:

- :func:`safe_zip_members` lists the members of a zip archive that are safe
  to read: no absolute names, no ``..`` components, no symlinks, no more than
  ``max_zip_entries`` entries, no more than ``max_zip_total_bytes``
  uncompressed in total, and no member whose compression ratio exceeds
  ``max_zip_ratio`` (a zip bomb);
- :func:`read_zip_member` reads one member while counting the bytes it
  actually inflates (the sizes in the zip directory are data, too);
- :func:`check_json_depth` bounds the nesting of JSON text *before* it is
  parsed (a vectorised scan, so a 100,000-deep array cannot exhaust the stack
  of a recursive parser);
- :func:`field_too_large` / :func:`line_too_large` tell a reader that a value
  or line should be reported as a ``limit`` problem instead of kept.

Examples
--------
>>> lim = Limits(max_zip_entries=10)
>>> lim.max_zip_entries, DEFAULT_LIMITS.max_zip_entries > 10
(10, True)
>>> import io, zipfile
>>> buf = io.BytesIO()
>>> with zipfile.ZipFile(buf, "w") as zf:
...     zf.writestr("users.csv", "sourcedId\\nu1\\n")
>>> with zipfile.ZipFile(buf) as zf:
...     [m.filename for m in safe_zip_members(zf, DEFAULT_LIMITS)]
['users.csv']
"""

from __future__ import annotations

import errno
import os
import posixpath
import re
import stat
import zipfile
import zlib
from typing import Any

import attrs

from ..errors import FormatError, LimitError, SourceError

__all__ = [
    "DEFAULT_LIMITS",
    "BoundedReader",
    "Limits",
    "check_inside",
    "check_json_depth",
    "check_regular_file",
    "check_value_depth",
    "field_too_large",
    "gunzip_bounded",
    "has_big_string",
    "json_depth",
    "line_too_large",
    "read_zip_member",
    "safe_member_name",
    "safe_zip_members",
    "unreadable_entries",
    "unreadable_message",
]

_MiB = 1024 * 1024
_GiB = 1024 * _MiB


def _positive(instance: Any, attribute: Any, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError(f"{attribute.name} must be a positive number, got {value!r}")


@attrs.frozen(slots=True)
class Limits:
    """Bounds on untrusted input.

    Parameters
    ----------
    max_zip_entries:
        Most members a zip archive may hold (directories included).
    max_zip_total_bytes:
        Most bytes all members of a zip may decompress to (counted while
        reading by :func:`read_zip_member`, so a lying header does not help).
        The default, 256 MiB, keeps a zip's CSV under about 2.5 GiB of memory
        (the CSV readers need about ten times the text they parse); raise it
        for a very large district's export.
    max_zip_ratio:
        Highest uncompressed/compressed ratio of one member; members under
        1 MiB uncompressed are exempt (tiny files compress very well).
    max_field_bytes:
        Longest single field value a reader accepts (UTF-8 bytes; CSV readers
        may count characters); a longer field is a ``limit`` problem.
    max_json_depth:
        Deepest nesting of arrays/objects accepted in a JSON document or line.
    max_line_bytes:
        Longest line of a JSON Lines or CSV file; a longer line is a
        ``limit`` problem and its record is not loaded.
    max_gzip_bytes:
        Most bytes one gzip-compressed file (``.json.gz``, ``.jsonl.gz``) may
        inflate to; decompression streams and stops there
        (:class:`~rostergraph.errors.LimitError`). The default, 512 MiB, keeps
        the records built from it under about 2 GiB.
    max_problems:
        Most problems kept in ``roster.problems``; past it problems are only
        counted, and one last ``limit`` problem says how many were not kept.
    max_lines:
        Most lines one JSON Lines file may hold (the largest districts have about
        2M users); past it the load stops with a
        :class:`~rostergraph.errors.LimitError`. Each line costs some microseconds even
        when it is junk, so this bounds the time a file of tiny lines can take
        (10M lines: about a minute).

    Examples
    --------
    >>> Limits(max_json_depth=8).max_json_depth
    8
    >>> Limits(max_zip_entries=0)
    Traceback (most recent call last):
    ...
    ValueError: max_zip_entries must be a positive number, got 0
    """

    max_zip_entries: int = attrs.field(default=10_000, validator=_positive)
    max_zip_total_bytes: int = attrs.field(default=256 * _MiB, validator=_positive)
    max_zip_ratio: float = attrs.field(default=1000.0, validator=_positive)
    max_field_bytes: int = attrs.field(default=1 * _MiB, validator=_positive)
    max_json_depth: int = attrs.field(default=64, validator=_positive)
    max_line_bytes: int = attrs.field(default=16 * _MiB, validator=_positive)
    max_gzip_bytes: int = attrs.field(default=512 * _MiB, validator=_positive)
    max_problems: int = attrs.field(default=100_000, validator=_positive)
    max_lines: int = attrs.field(default=10_000_000, validator=_positive)


#: The limits used when a reader is given none.
DEFAULT_LIMITS = Limits()

_RATIO_EXEMPT_BYTES = _MiB


def safe_member_name(name: str) -> str | None:
    """The normalised name of a zip member, or ``None`` when it is unsafe.

    Unsafe: empty, absolute (``/x``, ``C:\\x``, ``\\\\host\\x``), holding a
    ``..`` component, or a NUL byte. Backslashes count as separators.

    Examples
    --------
    >>> safe_member_name("data/./users.csv")
    'data/users.csv'
    >>> safe_member_name("../etc/passwd") is None, safe_member_name("/abs") is None
    (True, True)
    >>> safe_member_name("C:\\\\win.ini") is None, safe_member_name("a\\\\..\\\\..\\\\b") is None
    (True, True)
    """
    if not name or "\x00" in name:
        return None
    n = name.replace("\\", "/")
    if n.startswith("/") or (len(n) >= 2 and n[1] == ":"):
        return None
    parts = [p for p in n.split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        return None
    return posixpath.join(*parts)


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def safe_zip_members(zf: zipfile.ZipFile, limits: Limits = DEFAULT_LIMITS, *,
                     path: str | None = None) -> list[zipfile.ZipInfo]:
    """The regular-file members of an open zip archive, checked against ``limits``.

    Directories are left out. The whole archive is refused (nothing is read)
    when any member is unsafe: a hostile archive should not load in part.

    Parameters
    ----------
    zf:
        An open :class:`zipfile.ZipFile`.
    limits:
        The bounds to apply.
    path:
        The archive's path, for error messages.

    Returns
    -------
    list of zipfile.ZipInfo
        The file members, in archive order.

    Raises
    ------
    FormatError
        A member with an absolute or ``..`` name, or a symlink.
    LimitError
        Too many members, too many bytes in total, or a member whose
        compression ratio is that of a zip bomb.

    Examples
    --------
    >>> import io, zipfile
    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w") as zf:
    ...     zf.writestr("../evil.csv", "x")
    >>> with zipfile.ZipFile(buf) as zf:
    ...     safe_zip_members(zf, DEFAULT_LIMITS, path="r.zip")
    Traceback (most recent call last):
    ...
    rostergraph.errors.FormatError: r.zip: zip member name escapes the archive: '../evil.csv'
    """
    infos = zf.infolist()
    if len(infos) > limits.max_zip_entries:
        raise LimitError(f"zip has {len(infos)} members, more than the limit of "
                         f"{limits.max_zip_entries} (Limits.max_zip_entries; raise it with "
                         "rostergraph.load(path, limits=Limits(max_zip_entries=...)) for an "
                         "archive you trust)", path=path)
    total = 0
    out: list[zipfile.ZipInfo] = []
    for info in infos:
        name = info.filename
        if safe_member_name(name) is None:
            raise FormatError(f"zip member name escapes the archive: {name!r}", path=path)
        if _is_symlink(info):
            raise FormatError(f"zip member is a symbolic link: {name!r}", path=path)
        if info.is_dir():
            continue
        total += info.file_size
        if total > limits.max_zip_total_bytes:
            raise LimitError(zip_total_message(limits), path=path)
        if info.file_size > _RATIO_EXEMPT_BYTES and (
            info.file_size > limits.max_zip_ratio * max(info.compress_size, 1)
        ):
            raise LimitError(f"zip member {name!r} has a compression ratio over "
                             f"{limits.max_zip_ratio:g} (Limits.max_zip_ratio): a zip bomb? "
                             "For an archive you trust, raise it with rostergraph.load(path, "
                             "limits=Limits(max_zip_ratio=...))", path=path)
        out.append(info)
    return out


def zip_total_message(limits: Limits) -> str:
    """The message of a zip over ``max_zip_total_bytes``: the limit and how to raise it."""
    return (f"zip members inflate to more than {limits.max_zip_total_bytes} bytes "
            "(Limits.max_zip_total_bytes; the CSV readers need about ten times that in "
            "memory; for an archive you trust raise it, e.g. rostergraph.load(path, "
            "limits=Limits(max_zip_total_bytes=2 << 30)) or --max-inflated-mib 2048)")


def read_zip_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo,
                    limits: Limits = DEFAULT_LIMITS, *, path: str | None = None) -> bytes:
    """The bytes of one zip member, inflating no more than it declares.

    The size in the zip directory is not trusted: reading stops as soon as
    it passes the declared size or ``max_zip_total_bytes``.

    Raises
    ------
    LimitError
        The member inflates to more than it declares or than the limit.
    FormatError
        The member's data is corrupt or encrypted.

    Examples
    --------
    >>> import io, zipfile
    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
    ...     zf.writestr("a.csv", "id\\n1\\n")
    >>> with zipfile.ZipFile(buf) as zf:
    ...     read_zip_member(zf, zf.getinfo("a.csv"))
    b'id\\n1\\n'
    """
    cap = min(info.file_size, limits.max_zip_total_bytes)
    chunks: list[bytes] = []
    got = 0
    try:
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(min(1 << 20, cap - got + 1))
                if not chunk:
                    break
                got += len(chunk)
                if got > cap:
                    raise LimitError(f"zip member {info.filename!r} inflates to more than "
                                     f"{cap} bytes", path=path)
                chunks.append(chunk)
    except LimitError:
        raise
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError,
            NotImplementedError, RuntimeError) as exc:
        raise FormatError(f"corrupt or unreadable zip member {info.filename!r}: {exc}",
                          path=path) from None
    return b"".join(chunks)


_ESCAPE = re.compile(rb"\\.", re.DOTALL)


def json_depth(data: bytes | str) -> int:
    """The deepest nesting of ``[``/``{`` in JSON text (brackets in strings skipped).

    A vectorised scan that never recurses, so it is safe on any input, even
    text that is not JSON at all.

    Examples
    --------
    >>> json_depth(b'{"a": [1, {"b": "[[[\\\\"{"}]}')
    3
    >>> json_depth(b"[]"), json_depth(b"1"), json_depth(b"[" * 5000)
    (1, 0, 5000)
    """
    import numpy as np

    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    n_open = data.count(b"[") + data.count(b"{")
    if n_open <= 1:
        return n_open
    if b"\\" in data:
        data = _ESCAPE.sub(b"", data)  # an escaped quote cannot end a string
    arr = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(arr == 0x22)
    opens = np.flatnonzero((arr == 0x5B) | (arr == 0x7B))
    closes = np.flatnonzero((arr == 0x5D) | (arr == 0x7D))
    # a bracket is inside a string when an odd number of quotes precede it
    opens = opens[np.searchsorted(quotes, opens) % 2 == 0]
    closes = closes[np.searchsorted(quotes, closes) % 2 == 0]
    if not len(opens):
        return 0
    pos = np.concatenate([opens, closes])
    step = np.concatenate([np.ones(len(opens), np.int64), -np.ones(len(closes), np.int64)])
    return int(np.cumsum(step[np.argsort(pos, kind="stable")]).max())


def check_json_depth(data: bytes | str, limits: Limits = DEFAULT_LIMITS, *,
                     path: str | None = None, line: int | None = None) -> None:
    """Raise :class:`LimitError` when JSON text nests deeper than the limit.

    Raises
    ------
    LimitError
        The text nests deeper than ``limits.max_json_depth``.

    Examples
    --------
    >>> check_json_depth(b"[[1]]", Limits(max_json_depth=2))
    >>> check_json_depth(b"[[[1]]]", Limits(max_json_depth=2), path="users.json")
    Traceback (most recent call last):
    ...
    rostergraph.errors.LimitError: users.json: JSON nests deeper than 2 levels (Limits.max_json_depth)
    """
    if json_depth(data) > limits.max_json_depth:
        raise LimitError(f"JSON nests deeper than {limits.max_json_depth} levels "
                         "(Limits.max_json_depth)", path=path, line=line)


def field_too_large(value: str | bytes, limits: Limits = DEFAULT_LIMITS) -> bool:
    """Whether one field value is over ``max_field_bytes`` (UTF-8 bytes).

    Examples
    --------
    >>> field_too_large("x" * 10, Limits(max_field_bytes=5))
    True
    >>> field_too_large("é", Limits(max_field_bytes=2))
    False
    """
    if isinstance(value, str):
        if len(value) * 4 <= limits.max_field_bytes:
            return False
        return len(value.encode("utf-8", "surrogatepass")) > limits.max_field_bytes
    return len(value) > limits.max_field_bytes


def line_too_large(line: bytes | str, limits: Limits = DEFAULT_LIMITS) -> bool:
    """Whether one line of input is over ``max_line_bytes``.

    Examples
    --------
    >>> line_too_large(b"x" * 10, Limits(max_line_bytes=5))
    True
    """
    if isinstance(line, str):
        return len(line.encode("utf-8", "surrogatepass")) > limits.max_line_bytes
    return len(line) > limits.max_line_bytes


def check_inside(folder: str | os.PathLike[str], path: str | os.PathLike[str]) -> None:
    """Refuse a file found in a roster folder that resolves to a place outside it.

    A symbolic link such as ``users.jsonl -> /etc/passwd`` in a folder that
    came from somebody else would otherwise be read, and its lines quoted in
    ``roster.problems``. Links inside the folder are fine; a path the user
    names directly is never checked.

    Raises
    ------
    FormatError
        ``path`` resolves outside ``folder``.

    Examples
    --------
    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> os.symlink("/etc/hostname", os.path.join(d, "users.jsonl"))
    >>> check_inside(d, os.path.join(d, "users.jsonl"))
    Traceback (most recent call last):
    ...
    rostergraph.errors.FormatError: users.jsonl: a symbolic link to a file outside the roster folder (refused)
    """
    root = os.path.realpath(folder)
    real = os.path.realpath(path)
    if os.path.commonpath([root, real]) != root:
        raise FormatError("a symbolic link to a file outside the roster folder (refused)",
                          path=os.path.basename(os.fspath(path)))


def check_value_depth(value: Any, limits: Limits = DEFAULT_LIMITS, *,
                      path: str | None = None, record_id: str | None = None) -> None:
    """Raise :class:`LimitError` when decoded JSON nests deeper than the limit.

    An iterative walk (no recursion), for values that arrive already decoded
    (API responses, events) before recursive code such as ``copy.deepcopy``
    touches them.

    Raises
    ------
    LimitError
        ``value`` nests deeper than ``limits.max_json_depth``.

    Examples
    --------
    >>> check_value_depth({"a": [1, {"b": 2}]}, Limits(max_json_depth=3))
    >>> check_value_depth([[[[]]]], Limits(max_json_depth=3))
    Traceback (most recent call last):
    ...
    rostergraph.errors.LimitError: JSON nests deeper than 3 levels (Limits.max_json_depth)
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    cap = limits.max_json_depth
    while stack:
        v, d = stack.pop()
        if isinstance(v, (dict, list, tuple)) or hasattr(v, "items"):
            d += 1
            if d > cap:
                raise LimitError(f"JSON nests deeper than {cap} levels (Limits.max_json_depth)",
                                 path=path, record_id=record_id)
            children = v.values() if hasattr(v, "values") else v
            stack.extend((c, d) for c in children)


def _gzip_limit_error(limits: Limits, path: str | None) -> LimitError:
    return LimitError(f"gzip data inflates to more than {limits.max_gzip_bytes} bytes "
                      "(Limits.max_gzip_bytes; raise it, e.g. "
                      "rostergraph.load(path, limits=Limits(max_gzip_bytes=4 << 30)) or "
                      "--max-inflated-mib 4096, for a file you trust)", path=path)


def gunzip_bounded(data: bytes, limits: Limits = DEFAULT_LIMITS, *,
                   path: str | None = None, cut: list[str] | None = None) -> bytes:
    """``data`` gunzipped (all members) when it starts with the gzip magic number.

    Decompression streams and stops as soon as the output passes
    ``limits.max_gzip_bytes``, so a small bomb never fills memory. Data
    without the magic number is returned as it is. With a list ``cut``, corrupt data (a
    file cut short) gives what inflated before the damage, its message put in ``cut``.

    Raises
    ------
    LimitError
        The data inflates to more than ``max_gzip_bytes``.
    FormatError
        Corrupt gzip data.

    Examples
    --------
    >>> import gzip
    >>> gunzip_bounded(gzip.compress(b"abc") + gzip.compress(b"def"))
    b'abcdef'
    >>> gunzip_bounded(gzip.compress(bytes(5000)), Limits(max_gzip_bytes=4096), path="u.jsonl.gz")
    Traceback (most recent call last):
    ...
    rostergraph.errors.LimitError: u.jsonl.gz: gzip data inflates to more than 4096 bytes (Limits.max_gzip_bytes; ...)
    """
    if data[:2] != b"\x1f\x8b":
        return data
    cap = limits.max_gzip_bytes
    out: list[bytes] = []
    got = 0
    rest = data
    try:
        while rest[:2] == b"\x1f\x8b":
            d = zlib.decompressobj(wbits=31)
            buf = rest
            while not d.eof:
                chunk = d.decompress(buf, min(1 << 20, cap - got + 1))
                buf = d.unconsumed_tail
                got += len(chunk)
                if got > cap:
                    raise _gzip_limit_error(limits, path)
                if chunk:
                    out.append(chunk)
                elif not buf:
                    break
            if not d.eof:
                raise zlib.error("the compressed stream ends early")
            rest = d.unused_data
    except zlib.error as exc:
        if cut is None:
            raise FormatError(f"corrupt gzip data: {exc}", path=path) from None
        cut.append(f"corrupt gzip data: {exc}")
    return b"".join(out)


class BoundedReader:
    """A binary file wrapper whose ``read`` raises :class:`LimitError` past a budget.

    Wraps a decompressing stream (``gzip.GzipFile``) so that a reader that
    streams lines stops at ``limits.max_gzip_bytes`` of inflated data.

    Examples
    --------
    >>> import gzip, io
    >>> fh = BoundedReader(gzip.GzipFile(fileobj=io.BytesIO(gzip.compress(bytes(100)))),
    ...                    Limits(max_gzip_bytes=10))
    >>> fh.read(10)
    b'\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00'
    >>> fh.read(10)
    Traceback (most recent call last):
    ...
    rostergraph.errors.LimitError: gzip data inflates to more than 10 bytes (Limits.max_gzip_bytes; ...)
    """

    def __init__(self, fh: Any, limits: Limits = DEFAULT_LIMITS, *,
                 path: str | None = None) -> None:
        self._fh = fh
        self._limits = limits
        self._path = path
        self._got = 0
        self._failed: BaseException | None = None  # told on the call after its data

    def read(self, n: int = -1) -> bytes:
        """At most ``n`` bytes (never more than one byte past the budget is inflated)."""
        if self._failed is not None:
            raise self._failed
        left = self._limits.max_gzip_bytes - self._got + 1
        want = left if n is None or n < 0 else min(n, left)
        read1 = getattr(self._fh, "read1", None)
        if read1 is None:
            chunk = self._fh.read(want)
        else:
            # a step at a time: a stream cut short (a download cut) gives what it inflated
            # before the damage, and the error on the next call (``GzipFile.read`` dropped
            # the whole chunk it was filling: a small file lost every line)
            parts: list[bytes] = []
            got = 0
            while got < want:
                try:
                    part = read1(want - got)
                except (OSError, EOFError, zlib.error) as exc:
                    if not parts:
                        raise
                    self._failed = exc
                    break
                if not part:
                    break
                parts.append(part)
                got += len(part)
            chunk = b"".join(parts)
        self._got += len(chunk)
        if self._got > self._limits.max_gzip_bytes:
            raise _gzip_limit_error(self._limits, self._path)
        return chunk  # type: ignore[no-any-return]


def check_regular_file(path: str | os.PathLike[str]) -> None:
    """Refuse an input path that is not a regular file or folder (a device, FIFO, socket),
    and a folder holding a roster-named entry that is one.

    A path named directly is followed if it is a link, but what it names must
    be a regular file: ``students.json -> /dev/zero`` would otherwise be read
    without end, and a FIFO named ``sections.csv`` inside a folder would block
    format detection forever. A missing path passes (the reader says it is missing).

    Raises
    ------
    SourceError
        Naming the entry and what it is.

    Examples
    --------
    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> os.symlink("/dev/zero", os.path.join(d, "students.json"))
    >>> check_regular_file(os.path.join(d, "students.json"))
    Traceback (most recent call last):
    ...
    rostergraph.errors.SourceError: ...students.json: a device, not a regular file; refusing to read it
    >>> check_regular_file(d)
    Traceback (most recent call last):
    ...
    rostergraph.errors.SourceError: ...students.json: a device, not a regular file; refusing to read it
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # missing or unreadable: the caller says so
    if not stat.S_ISDIR(mode):
        if not stat.S_ISREG(mode):
            _refuse(os.fspath(path), mode)
        return
    for e, m in _roster_entries(path):
        # (a folder or a dangling link: unreadable_entries, which the readers tell)
        if isinstance(m, int) and not (stat.S_ISREG(m) or stat.S_ISDIR(m)):
            _refuse(e.path, m)


def _roster_entries(folder: str | os.PathLike[str]) -> list[tuple[os.DirEntry[str],
                                                                   int | OSError]]:
    """The entries of ``folder`` named as roster files (by their ending), in name order,
    each with the mode of what it names (followed through links), or the error of
    asking (a link to nothing, a link loop); none when the folder cannot be listed."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return []
    out: list[tuple[os.DirEntry[str], int | OSError]] = []
    for e in entries:
        if e.name.lower().endswith(_ROSTER_ENDINGS):
            try:
                out.append((e, os.stat(e.path).st_mode))
            except OSError as exc:
                out.append((e, exc))
    return out


def unreadable_entries(folder: str | os.PathLike[str]) -> list[tuple[str, str]]:
    """The entries of ``folder`` named as roster files (by their ending) that no reader
    can open, in name order, each with what it is: a folder, a link to nothing, a link
    that loops. A reader tells those it would have read (none of their records load), so
    that a link to an unmounted drive is not a district without that kind.

    Examples
    --------
    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> os.mkdir(os.path.join(d, "users.jsonl"))
    >>> os.symlink(os.path.join(d, "gone.csv"), os.path.join(d, "students.csv"))
    >>> unreadable_entries(d)
    [('students.csv', 'a link to nothing'), ('users.jsonl', 'a folder')]
    """
    out = []
    for e, mode in _roster_entries(folder):
        if e.name.startswith("."):
            continue
        if isinstance(mode, OSError):
            out.append((e.name, "a link that loops" if mode.errno == errno.ELOOP else
                        "a link to nothing" if os.path.islink(e.path) else "unreadable"))
        elif stat.S_ISDIR(mode):
            out.append((e.name, "a folder"))
    return out


def unreadable_message(name: str, what: str) -> str:
    """The problem of a roster file :func:`unreadable_entries` found."""
    return (f"{name} is {what}, not a file: not read, so none of its records load (put the "
            "file itself in the folder)")


#: Name endings of the files a roster folder is read from (any reader).
_ROSTER_ENDINGS = (".csv", ".json", ".jsonl", ".ndjson", ".gz", ".zip")


def _refuse(path: str, mode: int) -> None:
    what = ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else
            "a socket" if stat.S_ISSOCK(mode) else
            "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
    raise SourceError(f"{what}, not a regular file; refusing to read it", path=path)


def has_big_string(obj: Any, cap: int) -> bool:
    """Whether decoded JSON ``obj`` holds a string (a value or a key) longer than ``cap``
    bytes in UTF-8 (lone surrogates counted as written).

    Examples
    --------
    >>> has_big_string({"a": ["x" * 9]}, 8), has_big_string({"x" * 8: "y"}, 8)
    (True, False)
    """
    stack = [obj]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if len(v) > cap // 4 and len(v.encode("utf-8", "surrogatepass")) > cap:
                return True
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False
