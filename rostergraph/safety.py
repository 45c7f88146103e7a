"""Safe outputs: roster data must never turn into code or into a file path.

Roster strings come from a district's SIS and end up in spreadsheets,
browsers, JSON consumers and file names. This module holds the few functions
every writer of rostergraph goes through:

- :func:`neutralize_cell` / :func:`restore_cell` — CSV formula-injection
  guard. A text cell that a spreadsheet would run as a formula (it starts
  with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, possibly after
  apostrophes) gets one ``'`` in front. The rule is exactly reversible:
  :func:`restore_cell` removes that one apostrophe again, and
  ``restore_cell(neutralize_cell(s)) == s`` for every string ``s``.
- :func:`csv_cell` — one value as a CSV cell: ``None`` → empty, lists and
  mappings → JSON, text neutralized, lone surrogates (not encodable in UTF-8)
  as ``\\udXXX`` escapes.
- :func:`json_dumps` — JSON text that is always valid and UTF-8 encodable:
  control characters are escaped, lone surrogates become ``\\udXXX`` escapes,
  NaN/Infinity become ``null``, integers of any size are kept.
- :func:`html_text` — text escaped for HTML element content and attributes.
- :func:`terminal_text` — text that cannot drive a terminal: control
  characters, lone surrogates, bidi overrides and line separators become
  visible ``\\xXX`` / ``\\uXXXX`` escapes (every text and Markdown renderer).
- :func:`markdown_text` — :func:`terminal_text` plus Markdown syntax escaped,
  so data cannot become a link, an image, raw HTML or a table break.
- :func:`safe_filename` / :func:`safe_path` — a name taken from data (a school
  id, a section name) made into one harmless file name inside a folder.
- :func:`atomic_write` — write a file so readers see the old or the new
  content, never half of it.
- :func:`refuse_link`, :func:`open_nofollow`, :func:`read_regular_file` —
  the one way writers (and the readers of rostergraph's own files) open a
  path inside a folder that may come from somebody else: a symbolic link, a
  FIFO or a device where a file is expected is refused, never followed.

Examples
--------
>>> import rostergraph
>>> name = next(iter(rostergraph.sample().schools.values())).name
>>> restore_cell(neutralize_cell(name)) == name
True
>>> neutralize_cell("=HYPERLINK(\\"http://x\\")")
'\\'=HYPERLINK("http://x")'
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import os
import re
import stat as _stat
import tempfile
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from itertools import accumulate, count
from operator import add
from pathlib import Path, PurePath
from typing import Any, BinaryIO

import orjson

from .errors import LimitError, SourceError

__all__ = [
    "FORMULA_PREFIXES",
    "atomic_write",
    "atomic_write_all",
    "atomic_write_with",
    "csv_cell",
    "escape_surrogates",
    "fsync_dir",
    "home_path",
    "html_text",
    "json_dumps",
    "markdown_text",
    "neutralize_cell",
    "neutralize_cells",
    "open_nofollow",
    "printable_texts",
    "read_regular_file",
    "refuse_link",
    "restore_cell",
    "safe_filename",
    "safe_path",
    "terminal_text",
]

#: First characters that make a spreadsheet treat a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_TRIGGER = re.compile(r"'*[=+\-@\t\r]")
#: a NUL then what :data:`_TRIGGER` matches (cells are searched joined, each after a NUL;
#: a literal first character lets the scan skip ahead in C)
_CELL_TRIGGER = re.compile(r"\x00'*[=+\-@\t\r]")
_NEUTRALIZED = re.compile(r"'+[=+\-@\t\r]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def neutralize_cell(value: str) -> str:
    """A text cell that no spreadsheet will run as a formula.

    Prefixes one ``'`` when ``value`` starts with ``=``, ``+``, ``-``, ``@``,
    a tab or a carriage return, optionally after apostrophes (so that
    :func:`restore_cell` can tell an added apostrophe from one in the data).
    Other text is returned unchanged.

    Parameters
    ----------
    value:
        The cell text.

    Returns
    -------
    str
        The neutralized text.

    Examples
    --------
    >>> neutralize_cell("=1+1"), neutralize_cell("-5"), neutralize_cell("Room 12")
    ("'=1+1", "'-5", 'Room 12')
    >>> neutralize_cell("'=already quoted")
    "''=already quoted"
    """
    if value and _TRIGGER.match(value):
        return "'" + value
    return value


def restore_cell(value: str) -> str:
    """Undo :func:`neutralize_cell`: the original text of an exported cell.

    Use it when reading a rostergraph CSV back by program (spreadsheets show
    the neutralized cell as the original text anyway).

    Examples
    --------
    >>> restore_cell("'=1+1"), restore_cell("''=x"), restore_cell("'plain")
    ('=1+1', "'=x", "'plain")
    """
    if value and _NEUTRALIZED.match(value):
        return value[1:]
    return value


def escape_surrogates(text: str) -> str:
    """``text`` with each lone surrogate (which UTF-8 cannot encode) written as a
    ``\\udXXX`` escape; other text unchanged.

    Examples
    --------
    >>> print(escape_surrogates("id\\ud800x"))
    id\\ud800x
    >>> escape_surrogates("plain")
    'plain'
    """
    if text.isascii() or _SURROGATE.search(text) is None:  # isascii: a fast C scan
        return text
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def neutralize_cells(cells: list[str]) -> list[str]:
    """:func:`neutralize_cell` over a list of text cells: the list itself when no cell
    changes, else a changed copy. The cells are searched at once (joined, one regular
    expression scan in C); only the cells found are looked at one by one.

    Examples
    --------
    >>> neutralize_cells(["a", "=1", "'-2"])
    ['a', "'=1", "''-2"]
    """
    text = "\x00" + "\x00".join(cells)
    found = [m.start() for m in _CELL_TRIGGER.finditer(text)]
    if not found:
        return cells
    # cell k starts at starts[k]; a NUL inside a cell may give a false candidate, so each
    # candidate cell is matched again on its own
    starts = list(map(add, accumulate(map(len, cells), initial=0), count()))  # NUL positions
    out = list(cells)
    for k in dict.fromkeys(bisect_right(starts, p) - 1 for p in found):
        out[k] = neutralize_cell(out[k])
    return out


def csv_cell(value: Any, *, neutralize: bool = True) -> Any:
    """One value as a CSV cell (used by :meth:`rostergraph.Table.to_csv`).

    ``None`` → ``""``; lists, tuples and mappings → JSON text; text →
    :func:`neutralize_cell` (unless ``neutralize=False``) with lone surrogates
    written as ``\\udXXX``; numbers and booleans unchanged.

    Examples
    --------
    >>> csv_cell(None), csv_cell(["a", "b"]), csv_cell("@SUM(A1)"), csv_cell(3)
    ('', '["a","b"]', "'@SUM(A1)", 3)
    """
    if value is None:
        return ""
    if isinstance(value, (list, tuple, Mapping)):
        value = json_dumps(value)
    elif hasattr(value, "item") and not isinstance(value, str):  # numpy scalar
        value = value.item()
    if isinstance(value, str):
        value = escape_surrogates(value)
        return neutralize_cell(value) if neutralize else value
    return value


def _plain(value: Any) -> Any:
    """A JSON-able copy: numpy → Python, NaN/Inf → None, tuples → lists."""
    if isinstance(value, str) or value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(_plain(k)) if not isinstance(k, str) else k: _plain(v)
                for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [_plain(v) for v in items]
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return _plain(value.tolist())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _orjson_default(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError


def json_dumps(obj: Any, *, indent: bool = False, sort_keys: bool = False) -> str:
    """JSON text for ``obj`` that is valid and UTF-8 encodable whatever the data.

    Control characters are escaped; lone surrogates (which Clever strings may
    carry and UTF-8 cannot) become ``\\udXXX`` escapes; NaN and infinities
    become ``null``; numpy values become numbers; sets are sorted. Key order
    is kept unless ``sort_keys``.

    Parameters
    ----------
    obj:
        Plain data (dicts, lists, strings, numbers, numpy values).
    indent:
        Indent by two spaces.
    sort_keys:
        Sort object keys.

    Returns
    -------
    str
        The JSON text.

    Examples
    --------
    >>> json_dumps({"name": "a\\x00b", "id": "u\\ud800"})
    '{"name":"a\\\\u0000b","id":"u\\\\ud800"}'
    >>> json_dumps([float("nan"), 2**70])
    '[null,1180591620717411303424]'
    """
    opts = (orjson.OPT_INDENT_2 if indent else 0) | (orjson.OPT_SORT_KEYS if sort_keys else 0)
    opts |= orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
    try:
        return orjson.dumps(obj, default=_orjson_default, option=opts).decode()
    except (TypeError, ValueError):
        pass  # lone surrogates, integers over 64 bits, odd types
    text = json.dumps(_plain(obj), ensure_ascii=False, allow_nan=False, sort_keys=sort_keys,
                      indent=2 if indent else None,
                      separators=(",", ": ") if indent else (",", ":"))
    return escape_surrogates(text)


def html_text(value: Any) -> str:
    """``value`` as text safe inside an HTML element or a quoted attribute.

    ``None`` is empty; ``<``, ``>``, ``&``, ``"`` and ``'`` are escaped; lone
    surrogates become ``\\udXXX`` text.

    Examples
    --------
    >>> html_text('<script>alert("x")</script>')
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
    """
    if value is None:
        return ""
    return html.escape(escape_surrogates(str(value)), quote=True)


#: What :func:`terminal_text` escapes: C0 and C1 controls (newline, tab and CR
#: included), DEL, lone surrogates, bidi embeddings, overrides and isolates,
#: line/paragraph separators and the noncharacters U+FFFE/U+FFFF.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f"
                          "\u202a-\u202e\u2028\u2029\u2066-\u2069\ufffe\uffff]")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]()<>!|#~{}&$])")
_MD_LEADING = re.compile(r"^(\s*)([+=-]|\d+[.)])")


def terminal_text(value: Any) -> str:
    """``value`` as text that prints as itself on any terminal or log.

    Control characters (escape sequences, a lone carriage return, newlines,
    tabs), lone surrogates (not encodable in UTF-8), bidi controls and line
    separators become visible escapes: ``\\xXX`` up to U+00FF, ``\\uXXXX``
    above. Every other character is kept. ``None`` is empty.

    Examples
    --------
    >>> print(terminal_text("u1\\x1b[2J\\r"))
    u1\\x1b[2J\\x0d
    >>> print(terminal_text("x\\ud800\\u202e"))
    x\\ud800\\u202e
    """
    if value is None:
        return ""
    s = value if isinstance(value, str) else str(value)
    if _UNPRINTABLE.search(s) is None:
        return s
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}" if ord(m.group()) > 0xFF
                            else f"\\x{ord(m.group()):02x}", s)


def printable_texts(values: list[str]) -> bool:
    """Whether :func:`terminal_text` leaves every string of ``values`` as it is (one
    search over them joined, in C).

    Examples
    --------
    >>> printable_texts(["u1", "Room 12"]), printable_texts(["u1", "a\x1b[2J"])
    (True, False)
    """
    return _UNPRINTABLE.search("".join(values)) is None


def markdown_text(value: Any) -> str:
    """``value`` as literal Markdown text: :func:`terminal_text`, then every
    character Markdown gives a meaning (``[ ] ( ) ! < > | ` * _ # ~ & \\``...)
    backslash-escaped, and a leading list marker too. Data cannot become a
    link, an image that loads a remote URL, raw HTML, a heading or a table
    cell break, and it stays on its line.

    Examples
    --------
    >>> print(markdown_text("![x](http://evil.example/a.png)"))
    \\!\\[x\\]\\(http://evil.example/a.png\\)
    >>> print(markdown_text("a|b<img>\\n"))
    a\\|b\\<img\\>\\\\x0a
    """
    s = _MD_SPECIAL.sub(r"\\\1", terminal_text(value))
    return _MD_LEADING.sub(r"\1\\\2", s, count=1)


_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
             *(f"lpt{i}" for i in range(10))}


def safe_filename(name: str, *, max_length: int = 120, default: str = "unnamed") -> str:
    """A harmless file name made from a string taken from roster data.

    Keeps ASCII letters, digits, ``.``, ``_`` and ``-``; replaces every other
    run of characters with ``_``; strips leading dots (no hidden files, no
    ``..``); avoids Windows device names; bounds the length. When anything
    had to change, a short hash of the original is appended so that two
    different names never map to the same file.

    Examples
    --------
    >>> safe_filename("school-12")
    'school-12'
    >>> safe_filename("../../etc/passwd")
    'etc_passwd-...'
    >>> safe_filename("../../etc/passwd") != safe_filename("..\\\\..\\\\etc\\\\passwd")
    True
    """
    original = name
    name = _UNSAFE_NAME.sub("_", name).strip("._ ") or default
    if name.split(".")[0].lower() in _RESERVED:
        name = "_" + name
    if name != original or len(name) > max_length:
        digest = hashlib.sha256(original.encode("utf-8", "surrogatepass")).hexdigest()[:10]
        name = name[: max(1, max_length - 11)] + "-" + digest
    return name


def safe_path(folder: str | os.PathLike[str], name: str, *, suffix: str = "") -> Path:
    """The path of a file named after data (``name``) inside ``folder``.

    The name goes through :func:`safe_filename`; the result is checked to
    lie inside ``folder``.

    Raises
    ------
    ValueError
        Never for names made by :func:`safe_filename`; kept as a last guard.

    Examples
    --------
    >>> safe_path("out", "../x", suffix=".csv").parent.name
    'out'
    """
    folder = Path(folder)
    p = folder / (safe_filename(name) + suffix)
    root = os.path.realpath(folder)
    if os.path.commonpath([root, os.path.realpath(p)]) != root:
        raise ValueError(f"refusing a path outside {folder}")
    return p


def _umask() -> int:
    """The process's umask, read from ``/proc`` where it can be (setting it to read it
    changes it for every thread for a moment)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: read it by setting it, and put it back at once
    os.umask(mask)
    return mask


def _mode_for(target: str) -> int:
    """The mode a plain ``open(target, "w")`` would leave: the existing file's, else
    0666 less the umask."""
    try:
        return os.lstat(target).st_mode & 0o777  # never setuid/setgid/sticky bits
    except OSError:
        return 0o666 & ~_umask()


def refuse_link(path: str | os.PathLike[str]) -> None:
    """Raise :class:`~rostergraph.errors.SourceError` when ``path`` is a symbolic link.

    Writers call it before they replace a file, so a link planted where a
    file belongs (in a dump folder, or given as ``-o``) is never replaced
    silently nor written through. A missing path is fine.

    Examples
    --------
    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> refuse_link(os.path.join(d, "new.json"))
    >>> os.symlink("/etc/hostname", os.path.join(d, "out.json"))
    >>> refuse_link(os.path.join(d, "out.json"))
    Traceback (most recent call last):
    ...
    rostergraph.errors.SourceError: ...out.json: is a symbolic link; refusing to write through it or replace it (remove the link or choose another path)
    """
    if os.path.islink(path):
        raise SourceError("is a symbolic link; refusing to write through it or replace it "
                          "(remove the link or choose another path)", path=os.fspath(path))


def open_nofollow(path: str | os.PathLike[str], flags: int, mode: int = 0o666) -> int:
    """``os.open`` that refuses a symbolic link and anything but a regular file.

    ``O_NOFOLLOW`` makes the kernel refuse a link as the last component
    (also when creating), ``O_NONBLOCK`` keeps a FIFO from hanging the open,
    and the opened file must be a regular file. Returns the file descriptor
    (blocking again); the caller closes it.

    Raises
    ------
    SourceError
        ``path`` is a symbolic link, a FIFO, a device or a folder, or cannot
        be opened.

    Examples
    --------
    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> fd = open_nofollow(os.path.join(d, "a.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    >>> os.write(fd, b"x"); os.close(fd)
    1
    >>> os.symlink("/dev/zero", os.path.join(d, "b.log"))
    >>> open_nofollow(os.path.join(d, "b.log"), os.O_RDONLY)
    Traceback (most recent call last):
    ...
    rostergraph.errors.SourceError: ...b.log: is a symbolic link (refused: rostergraph never follows a link where a file is expected)
    """
    where = os.fspath(path)
    nofollow = getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(where, flags | nofollow | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_CLOEXEC", 0), mode)
    except OSError as exc:
        if os.path.islink(where):
            raise SourceError("is a symbolic link (refused: rostergraph never follows a link "
                              "where a file is expected)", path=where) from None
        if isinstance(exc, FileNotFoundError):
            raise
        raise SourceError(f"cannot open: {exc.strerror or exc}", path=where) from None
    try:
        st = os.fstat(fd)
        if not _stat.S_ISREG(st.st_mode):
            raise SourceError("is not a regular file (a FIFO, device or folder is refused "
                              "where a file is expected)", path=where)
        if not nofollow and os.path.islink(where):  # pragma: no cover - no O_NOFOLLOW
            raise SourceError("is a symbolic link (refused)", path=where)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_regular_file(path: str | os.PathLike[str], *, max_bytes: int | None = None) -> bytes:
    """The bytes of a regular file that is not a symbolic link, at most ``max_bytes``.

    Raises
    ------
    SourceError
        ``path`` is a link, FIFO, device or folder (see :func:`open_nofollow`).
    LimitError
        The file holds more than ``max_bytes``.
    FileNotFoundError
        ``path`` does not exist.

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "m.json")
    >>> atomic_write(p, "{}")
    >>> read_regular_file(p)
    b'{}'
    >>> read_regular_file(p, max_bytes=1)
    Traceback (most recent call last):
    ...
    rostergraph.errors.LimitError: ...m.json: the file holds more than 1 bytes
    """
    fd = open_nofollow(path, os.O_RDONLY)
    with os.fdopen(fd, "rb") as fh:
        if max_bytes is None:
            return fh.read()
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise LimitError(f"the file holds more than {max_bytes} bytes", path=os.fspath(path))
    return data


def atomic_write(path: str | os.PathLike[str], data: str | bytes, *,
                 sync_dir: bool = False) -> None:
    """Write ``data`` to ``path`` atomically (a temporary file, then a rename).

    Text is written as UTF-8 (lone surrogates as ``\\udXXX`` rather than a
    crash halfway through). The temporary file has a fresh random name
    (``mkstemp``), so no planted link can redirect the write; a symbolic link
    at ``path`` itself is refused (:func:`refuse_link`) rather than replaced.
    ``sync_dir`` also flushes the folder entry, so the rename survives a power
    loss.

    An existing character device or named pipe (``-o /dev/null``, a FIFO) is
    written into, never replaced by a regular file; a folder, block device or
    socket is refused.

    Raises
    ------
    SourceError
        ``path`` is a symbolic link, a folder, a block device or a socket.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> atomic_write(os.path.join(d, "a.txt"), "hello")
    >>> open(os.path.join(d, "a.txt")).read()
    'hello'
    >>> oct(os.stat(os.path.join(d, "a.txt")).st_mode & 0o777) == oct(0o666 & ~_umask())
    True
    """
    payload = escape_surrogates(data).encode("utf-8") if isinstance(data, str) else data
    atomic_write_with(path, lambda fh: fh.write(payload), sync_dir=sync_dir)


def atomic_write_with(path: str | os.PathLike[str], write: Callable[[BinaryIO], object], *,
                      sync_dir: bool = False) -> None:
    """:func:`atomic_write` of the bytes ``write`` writes into the binary file it is given
    (a file too big to hold whole is written as it is made).

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> atomic_write_with(os.path.join(d, "a.txt"), lambda fh: fh.write(b"hi"))
    >>> open(os.path.join(d, "a.txt")).read()
    'hi'
    """
    target = os.path.abspath(os.fspath(path))
    tmp = _staged(path, target, write)
    if tmp is None:
        return
    try:
        refuse_link(target)  # a link planted while the data was written
        os.replace(tmp, target)
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise
    if sync_dir:
        fsync_dir(os.path.dirname(target))


def atomic_write_all(files: Iterable[tuple[str | os.PathLike[str],
                                           Callable[[BinaryIO], object]]]) -> None:
    """:func:`atomic_write_with` of several files as one: each is written to a temporary
    file first, and they are renamed into place only once all are written, so an error
    or Ctrl-C on the way leaves every target as it was (a folder holds the old set of
    files or the new one, not half of each).

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> atomic_write_all([(os.path.join(d, "a.txt"), lambda fh: fh.write(b"a")),
    ...                   (os.path.join(d, "b.txt"), lambda fh: fh.write(b"b"))])
    >>> sorted(os.listdir(d))
    ['a.txt', 'b.txt']
    """
    staged: list[tuple[str, str]] = []
    try:
        for path, write in files:
            target = os.path.abspath(os.fspath(path))
            tmp = _staged(path, target, write)
            if tmp is not None:
                staged.append((tmp, target))
        for tmp, target in staged:
            refuse_link(target)
        while staged:
            tmp, target = staged[0]
            os.replace(tmp, target)
            staged.pop(0)
    except BaseException:
        for tmp, _ in staged:
            if os.path.lexists(tmp):
                os.unlink(tmp)
        raise


def _staged(path: str | os.PathLike[str], target: str,
            write: Callable[[BinaryIO], object]) -> str | None:
    """The temporary file beside ``target`` holding what ``write`` writes, flushed to disk
    and given the mode ``open()`` would (``None``: ``target`` is a device or named pipe,
    written into directly)."""
    refuse_link(target)
    if _is_stream(target):
        fd = os.open(target, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        return None
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):  # say which folder, not the temporary file's name
        from .errors import SourceError

        raise SourceError(f"cannot write {os.fspath(path)}: the folder does not exist "
                          "(create it first)", path=folder)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".rostergraph-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _mode_for(target))  # mkstemp makes 0600; give what open() would
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise
    return tmp


def _is_stream(target: str) -> bool:
    """Whether ``target`` is a character device or a named pipe, written into (``False``
    for a regular file or a missing path, replaced atomically)."""
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return False
    if _stat.S_ISREG(mode):
        return False
    if not (_stat.S_ISCHR(mode) or _stat.S_ISFIFO(mode)):
        raise SourceError("is not a regular file; refusing to replace it (choose a file path)",
                          path=target)
    return True


def fsync_dir(folder: str | os.PathLike[str]) -> None:
    """Flush a folder's entries to disk (after a rename); a no-op where unsupported."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def home_path(path: str | os.PathLike[str]) -> str | os.PathLike[str]:
    """``path`` with a leading ``~`` or ``~user`` as the home folder, as a shell expands it
    (a notebook's ``load("~/exports")``, a quoted or ``--output=~/r.html`` path the shell
    left alone), unless the working folder holds an entry of that name (a folder named
    ``~`` is read and written as named); a ``Path`` stays a ``Path``.

    Examples
    --------
    >>> import os
    >>> home_path("~/x") == os.path.join(os.path.expanduser("~"), "x")
    True
    >>> home_path("./x")
    './x'
    """
    text = os.fspath(path)
    if not isinstance(text, str) or not text.startswith("~") or os.path.lexists(
            text.split(os.sep, 1)[0]):
        return path
    home = os.path.expanduser(text)
    return type(path)(home) if isinstance(path, PurePath) else home
