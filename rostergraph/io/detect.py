"""Format detection and :func:`load`, the one entry point for every source.

Formats are recognised by file names and header rows, not by extensions
alone. Each reader registers a detector here; the first that claims a path
reads it.

Examples
--------
>>> import rostergraph
>>> detect_format(rostergraph.sample_path())
'clever-json'
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import SourceError
from ..roster import Roster
from .clever_json import CLEVER_SUFFIXES, clever_json_files, read_clever_json

__all__ = ["FORMATS", "check_regular", "detect_format", "load", "register_format"]

Detector = Callable[[Path], bool]
Reader = Callable[..., Roster]

#: name → (detector, reader, what the detector looks for), in detection order.
FORMATS: dict[str, tuple[Detector, Reader, str]] = {}


def register_format(name: str, detector: Detector, reader: Reader, expects: str, *,
                    before: str | None = None) -> None:
    """Register a reader; ``expects`` says what it looks for (used in errors).

    ``before`` names a format this one must be tried ahead of (legacy Clever
    JSON shares file names with v3 JSON, so it is tried first).
    """
    FORMATS.pop(name, None)
    entry = (detector, reader, expects)
    if before is None or before not in FORMATS:
        FORMATS[name] = entry
        return
    items = list(FORMATS.items())
    FORMATS.clear()
    for k, v in items:
        if k == before:
            FORMATS[name] = entry
        FORMATS[k] = v


def _is_clever_json(p: Path) -> bool:
    if p.is_dir():
        return bool(clever_json_files(p))
    return p.is_file() and p.name.endswith(CLEVER_SUFFIXES)


register_format("clever-json", _is_clever_json, read_clever_json,
                "Clever v3.0 JSON: districts/schools/terms/courses/sections/users "
                ".json, .jsonl or .ndjson (optionally .gz)")


def _register_optional() -> None:
    # Other readers live in their own modules; importing them registers them.
    import importlib

    for mod in ("clever_csv", "oneroster", "legacy"):
        try:
            importlib.import_module(f"{__package__}.{mod}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.{mod}":
                raise


#: Name endings of the files a roster folder is read from (any reader).
_ROSTER_ENDINGS = (".csv", ".json", ".jsonl", ".ndjson", ".gz", ".zip")


def check_regular(path: str | os.PathLike[str]) -> None:
    """Refuse a source, or a roster-named entry of a source folder, that is neither a
    regular file nor a folder (a FIFO, a socket, a device): opening one can block
    forever or never end.

    Raises
    ------
    SourceError
        Naming the entry and what it is.

    Examples
    --------
    >>> import rostergraph
    >>> check_regular(rostergraph.sample_path())  # a folder of regular files: no error
    """
    p = Path(path)

    def refuse(q: Path, mode: int) -> None:
        what = ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else
                "a socket" if stat.S_ISSOCK(mode) else
                "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
        raise SourceError(f"{what}, not a roster file; refusing to read it", path=str(q))

    try:
        mode = p.stat().st_mode
    except OSError:
        return  # missing or unreadable: the caller says so
    if not stat.S_ISDIR(mode):
        if not stat.S_ISREG(mode):
            refuse(p, mode)
        return
    try:
        entries = list(os.scandir(p))
    except OSError:
        return
    for e in entries:
        if not e.name.lower().endswith(_ROSTER_ENDINGS):
            continue
        try:
            m = os.stat(e.path).st_mode
        except OSError:
            continue  # a dangling link: the readers report it
        if not (stat.S_ISREG(m) or stat.S_ISDIR(m)):
            refuse(Path(e.path), m)


def detect_format(path: str | os.PathLike[str]) -> str:
    """The name of the format of ``path``.

    Raises
    ------
    SourceError
        When the path does not exist, is (or holds a roster-named entry that
        is) a FIFO, socket or device, or no reader recognises it; the message
        lists what each reader looks for.

    Examples
    --------
    >>> import rostergraph
    >>> rostergraph.detect_format(rostergraph.sample_path())
    'clever-json'
    """
    p = Path(path)
    if not p.exists():
        raise SourceError("no such file or folder", path=str(path))
    check_regular(p)
    _register_optional()
    for name, (detector, _, _) in FORMATS.items():
        if detector(p):
            return name
    expected = "; ".join(f"{n}: {e}" for n, (_, _, e) in FORMATS.items())
    raise SourceError(f"not a roster rostergraph can read (expected {expected})", path=str(path))


def load(path: str | os.PathLike[str], *, format: str | None = None, strict: bool = False,
         cache: bool = False, limits: Any = None) -> Roster:
    """Load a roster from a folder, file or zip, detecting its format.

    Parameters
    ----------
    path:
        A Clever v3 JSON/JSONL dump folder or file, a legacy (v1.1/v2.x)
        Clever JSON folder, a Clever SFTP CSV folder or zip, or a OneRoster
        1.1/1.2 CSV folder or zip (see ``docs/formats.md``).
    format:
        Skip detection and use this reader (a name from :data:`FORMATS`).
    strict:
        Raise :class:`~rostergraph.errors.FormatError` on the first problem
        instead of collecting problems in ``roster.problems``.
    cache:
        Keep a local columnar snapshot (:mod:`rostergraph.cache`) and use it
        while the source files are unchanged (same sizes, inodes, modification
        and change times and sampled hashes, fingerprinted before the cold
        load reads them): a warm load skips parsing. A snapshot that cannot be
        written, or whose sources changed while they were read, is skipped
        silently. The graph built to write the snapshot (or read
        from it) is kept with the roster, so ``RosterGraph.from_roster`` does
        not build it again.
    limits:
        A :class:`~rostergraph.io.limits.Limits` for the readers that take
        one (zip, field, line and nesting bounds); the defaults otherwise.

    Examples
    --------
    >>> import rostergraph
    >>> roster = rostergraph.load(rostergraph.sample_path())
    >>> roster.provenance.format, len(roster.sections) > 10
    ('clever-json', True)
    """
    name = format or detect_format(path)
    if format is not None:
        check_regular(path)
    _register_optional()
    if name not in FORMATS:
        raise SourceError(f"unknown format {name!r}; known: {', '.join(FORMATS)}", path=str(path))
    reader = FORMATS[name][1]
    if limits is not None:
        import functools
        import inspect

        if "limits" in inspect.signature(reader).parameters:
            reader = functools.partial(reader, limits=limits)
    if not cache:
        return reader(path, strict=strict)
    from ..cache import load_cached, save_cache, source_fingerprint

    variant = "" if limits is None else repr(limits)  # other limits: another snapshot
    roster = load_cached(path, name, strict, variant)
    if roster is None:
        try:
            before = source_fingerprint(path)  # before reading: a file replaced meanwhile
        except OSError:                        # then means no snapshot, not a stale one
            before = None
        roster = reader(path, strict=strict)
        try:
            if before is None:
                raise OSError("no fingerprint")
            save_cache(path, name, strict, roster, variant, fingerprint=before)
        except OSError:
            pass  # a read-only or full cache folder only costs the warm reload
    return roster
