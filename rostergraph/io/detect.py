"""Format detection and :func:`load`, the one entry point for every source.

Formats are recognised by file names and header rows, not by extensions
alone. Each reader has a detector (:data:`FORMATS`); the first that claims a
path reads it.

Examples
--------
>>> import rostergraph
>>> detect_format(rostergraph.sample_path())
'clever-json'
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..errors import SourceError
from ..roster import Roster
from ..safety import home_path, terminal_text
from .bundle import member_parts, roster_zip, zip_notes
from .clever_csv import is_clever_csv, read_clever_csv
from .clever_json import CLEVER_SUFFIXES, clever_json_files, read_clever_json, role_files
from .legacy import is_legacy_clever, read_legacy_clever
from .limits import check_regular_file
from .oneroster import ONEROSTER_FILES, is_oneroster, read_oneroster
from .sftp_files import header_line

__all__ = ["FORMATS", "detect_format", "load"]

Detector = Callable[[Path], bool]
Reader = Callable[..., Roster]


def _is_oneroster(p: Path) -> bool:
    """:func:`is_oneroster`, or a zip it does not open that holds a OneRoster bundle: one
    named otherwise (``export``, ``export.dat``: a zip by its bytes) or whose only roster
    content is one inner zip (an export zipped twice), as :class:`Bundle` reads them; or,
    without a manifest, files named as the bundle's whose header names ``sourcedId`` (an
    export of some files only: ``orgs.csv`` and ``users.csv`` for accounts)."""
    if is_oneroster(p):
        return True
    data = {f.lower() for f in ONEROSTER_FILES[1:]}
    if p.is_dir():
        try:
            files = [q for q in p.iterdir() if q.name.lower() in data and q.is_file()]
        except OSError:
            return False
        return any(_names_sourced_id(_head(q)) for q in files[:len(data)])
    with roster_zip(p) as zf:
        if zf is None:
            return False
        try:
            members = [n for n in zf.namelist()[:10_000] if not n.endswith("/")]
            names = {member_parts(n)[-1].lower() for n in members}
            # (is_oneroster's rule on a bundle's names: a delta may hold only the files
            # that changed)
            if ("manifest.csv" in names and bool(names & data)) or {
                    "orgs.csv", "users.csv", "classes.csv"} <= names:
                return True
            return any(_names_sourced_id(zf.open(n).read(_HEAD_BYTES)) for n in members
                       if member_parts(n)[-1].lower() in data)
        except (OSError, ValueError, RuntimeError, EOFError):
            return False


#: bytes of a file read to see its header
_HEAD_BYTES = 4096


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            return f.read(_HEAD_BYTES)
    except OSError:
        return b""


def _names_sourced_id(head: bytes) -> bool:
    r"""Whether a CSV file's header (:func:`~rostergraph.io.sftp_files.header_line`: after a
    byte-order mark, as the readers find it) names a column ``sourcedId`` (any case, quoted
    or not): every OneRoster file but the manifest has one.

    >>> _names_sourced_id(b'\xef\xbb\xbf"sourcedId","status"\r\n'), _names_sourced_id(b"id,x")
    (True, False)
    """
    line = header_line(head).decode("utf-8", "replace")
    return "sourcedid" in {c.strip().strip('"').strip().lower() for c in line.split(",")}


def _is_clever_json(p: Path) -> bool:
    if p.is_dir():  # (per-role .json lists alone are legacy's: detected before)
        return bool(clever_json_files(p)) or bool(role_files(p))
    return p.is_file() and p.name.endswith(CLEVER_SUFFIXES)


#: name → (detector, reader, what the detector looks for), in detection order (legacy
#: Clever JSON shares file names with v3 JSON, so it is tried first). A fixed table:
#: the readers are imported here, never the other way round.
FORMATS: Mapping[str, tuple[Detector, Reader, str]] = MappingProxyType({
    "clever-legacy": (is_legacy_clever, read_legacy_clever,
                      ("legacy Clever JSON (v1.1/v2.x): students/teachers/contacts/"
                      "school_admins/district_admins .json lists, paging objects")),
    "clever-json": (_is_clever_json, read_clever_json,
                    ("Clever v3.0 JSON: districts/schools/terms/courses/sections/users "
                    ".json, .jsonl or .ndjson (optionally .gz)")),
    "clever-csv": (is_clever_csv, read_clever_csv,
                   ("Clever SFTP CSV: a folder with schools.csv, students.csv, teachers.csv, "
                   "sections.csv, enrollments.csv (header School_id, Student_id, ...)")),
    "oneroster": (_is_oneroster, read_oneroster,
                  ("OneRoster 1.1/1.2 CSV: a folder or .zip with manifest.csv, orgs.csv, "
                  "users.csv, classes.csv, ...")),
})


#: another name of a format, as ``convert --to`` names what it writes
_FORMAT_ALIASES = {"clever-jsonl": "clever-json"}


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
    p = Path(home_path(path))
    if not p.exists():
        if os.fspath(path) == "-":  # (detection goes by the files' names)
            raise SourceError("a roster is not read from standard input: give its folder, "
                              "file or zip", path="-")
        raise SourceError("no such file or folder", path=str(path))
    check_regular_file(p)
    for name, (detector, _, _) in FORMATS.items():
        if detector(p):
            return name
    _check_inner_zip(p)
    expected = "; ".join(f"{n}: {e}" for n, (_, _, e) in FORMATS.items())
    raise SourceError(f"not a roster rostergraph can read (expected {expected})"
                      f"{_held(p)}{_one_file_of(p)}{_zip_of_json(p)}", path=str(path))


def _check_inner_zip(file: Path) -> None:
    """Raise what reading a zip that holds only another zip meets (that zip unreadable, a
    third zip inside it: :class:`Bundle`'s error names both), not "not a roster"."""
    if any("holds only the zip" in n for n in zip_notes(file)):
        from .bundle import Bundle

        Bundle(file).close()


def _zip_of_json(file: Path) -> str:
    """``"; it is a zip of Clever JSON files (dump/users.jsonl, ...): unzip it and give the
    folder"`` for a zip holding a Clever JSON dump (read from a folder or a file, not from a
    zip), ``""`` otherwise."""
    import zipfile

    from .clever_files import resource_kind

    try:  # (a zip by its bytes, or the one zip it holds: as Bundle would read it)
        with roster_zip(file) as zf:
            names = [] if zf is None else [n for n in zf.namelist()
                                           if resource_kind(n.rsplit("/", 1)[-1])]
    except (zipfile.BadZipFile, OSError, ValueError):
        return ""
    if not names:
        return ""
    first = next((n for n in names if n.rsplit("/", 1)[-1].lower().startswith("users")),
                 names[0])
    return f"; it is a zip of Clever JSON files ({first}, ...): unzip it and give the folder"


def _one_file_of(file: Path) -> str:
    """``"; it is a file of the oneroster roster or: give the folder"`` when ``file`` is
    one file of the CSV roster its folder holds (``or/users.csv``), ``""`` otherwise."""
    if not file.is_file():
        return ""
    folder = file.parent
    try:
        check_regular_file(folder)
        name = next((n for n, (found_by, _, _) in FORMATS.items() if found_by(folder)), None)
    except (SourceError, OSError):
        return ""
    return f"; it is a file of the {name} roster {folder}: give the folder" if name else ""


def _held(folder: Path, most: int = 20) -> str:
    """What a folder no reader recognises holds that one does, as ``"; it holds X (format),
    ...: give its path"`` (``""`` for none): its first ``most`` subfolders and zips (an
    export unzipped into a folder of its own name, a zip saved into a folder). Links are
    not followed, hidden entries and a Mac zip's ``__MACOSX`` are passed by."""
    if not folder.is_dir():
        return ""
    found = []
    try:
        entries = sorted(q for q in folder.iterdir() if not q.name.startswith((".", "__MACOSX"))
                         and not q.is_symlink() and (q.is_dir() or q.suffix.lower() == ".zip"))
    except OSError:
        return ""
    for q in entries[:most]:
        try:
            check_regular_file(q)
            name = next((n for n, (found_by, _, _) in FORMATS.items() if found_by(q)), None)
        except (SourceError, OSError):
            continue
        if name is not None:
            found.append(f"{q.name} ({name})")
    return f"; it holds {', '.join(found)}: give its path" if found else ""


def load(path: str | os.PathLike[str], *, format: str | None = None, strict: bool = False,
         cache: bool = False, limits: Any = None) -> Roster:
    """Load a roster from a folder, file or zip, detecting its format.

    Parameters
    ----------
    path:
        A Clever v3 JSON/JSONL dump folder or file, a legacy (v1.1/v2.x)
        Clever JSON folder, a Clever SFTP CSV folder or zip, or a OneRoster
        1.1/1.2 CSV folder or zip (see ``docs/formats.md``). A leading ``~``
        is the home folder (unless the working folder holds an entry named so).
    format:
        Skip detection and use this reader (a name from :data:`FORMATS`, in any case;
        ``clever-jsonl`` is ``clever-json``).
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
    if isinstance(path, bytes):  # (a path as the OS gives it: bytes in its encoding)
        path = os.fsdecode(path)
    if not os.fspath(path):
        raise SourceError("an empty path names no file or folder (give the roster's path)",
                          path="''")
    path = home_path(path)
    check_regular_file(path)  # a device or FIFO given as input is refused, not read forever
    if format is not None:  # (as the writers name it: clever-jsonl is read as clever-json)
        format = _FORMAT_ALIASES.get(format.lower(), format.lower())
    name = format or detect_format(path)
    if name not in FORMATS:
        raise SourceError(f"unknown format {name!r}; known: {', '.join(FORMATS)}", path=str(path))
    reader = FORMATS[name][1]
    if limits is not None:
        import functools
        import inspect

        if "limits" in inspect.signature(reader).parameters:
            reader = functools.partial(reader, limits=limits)
    if not cache:
        return _told_zip(reader(path, strict=strict), path)
    from ..cache import load_cached, save_cache, source_fingerprint
    from ..graph import RosterGraph

    variant = "" if limits is None else repr(limits)  # other limits: another snapshot
    roster = load_cached(path, name, strict, variant)
    if roster is None:
        try:
            before = source_fingerprint(path)  # before reading: a file replaced meanwhile
        except OSError as exc:                 # then means no snapshot, not a stale one
            before = None
            _no_snapshot(path, exc)
        roster = _told_zip(reader(path, strict=strict), path)
        if before is not None:
            graph = RosterGraph.from_roster(roster)  # (a snapshot holds the built graph)
            try:
                save_cache(path, name, strict, roster, variant, fingerprint=before,
                           graph=graph)
            except OSError as exc:  # (a read-only or full cache folder: no warm reload)
                _no_snapshot(path, exc)
            # this roster is not handed out yet: it keeps the graph, so that the caller's
            # own from_roster is free while the roster's kinds are unchanged
            arrays, strings = graph.to_arrays()
            roster._columns.put_stored_graph(roster.records_by_kind(),
                                             {"arrays": arrays, "strings": strings})
    return roster


def _no_snapshot(path: Any, exc: OSError) -> None:
    """Say (a warning of the ``rostergraph.cache`` logger) why no snapshot of ``path``
    was kept: the next load with ``cache=True`` reads the source again."""
    why = f"{exc.filename}: {exc.strerror}" if exc.filename and exc.strerror else str(exc)
    # (paths as printable text: a file name's lone surrogate would fail a UTF-8 handler)
    logging.getLogger("rostergraph.cache").warning(
        "no warm snapshot kept for %s (the next load reads it again): %s",
        terminal_text(os.fspath(path)), terminal_text(why))


def _told_zip(roster: Roster, path: Any) -> Roster:
    """``roster`` with the notes of how its zip was read (:func:`zip_notes`: a zip named
    otherwise, an inner zip read for it) that its reader did not give itself."""
    notes = [n for n in zip_notes(path) if n not in roster.provenance.notes]
    if notes:
        import attrs

        roster.provenance = attrs.evolve(roster.provenance,
                                         notes=(*roster.provenance.notes, *notes))
    return roster
