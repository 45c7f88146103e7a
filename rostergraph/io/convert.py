"""``convert``: load a roster in any supported format and write it in another.

Examples
--------
>>> import rostergraph, tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> report = convert(rostergraph.sample_path(), out / "sftp", to="clever-csv")
>>> report.columns
['kind', 'field', 'count', 'how']
"""

from __future__ import annotations

import os
from typing import Any

from ..errors import RosterError, SourceError
from ..model import KINDS
from ..safety import home_path
from ..table import Table
from .clever_json import resource_kind
from .detect import detect_format, load
from .write import JSON_FILE_NAMES, TARGETS, is_source_folder, write_clever_json
from .write_oneroster import ONEROSTER_FILE_NAMES, write_oneroster
from .write_sftp import SFTP_FILE_NAMES, write_clever_csv

__all__ = ["convert", "remove_other_formats"]


def convert(source: str | os.PathLike[str], target: str | os.PathLike[str], *, to: str,
            format: str | None = None, strict: bool = False, extensions: bool = True,
            privacy: Any = None, oneroster_version: str = "1.1", limits: Any = None) -> Table:
    """Load a roster in any supported format and write it in another.

    Parameters
    ----------
    source:
        A roster folder, file or zip (detected like :func:`rostergraph.load`).
    target:
        The output folder (or ``.zip`` for ``oneroster``).
    to:
        ``"clever-json"``, ``"clever-jsonl"``, ``"clever-csv"`` or ``"oneroster"``.
    format:
        The source format, to skip detection.
    strict:
        Fail on the first load problem.
    extensions:
        Write rostergraph's extension columns/files (see the writers).
    privacy:
        A :class:`~rostergraph.privacy.PrivacyPolicy`. ``None`` or ``full``
        mode writes everything (a lossless conversion of the district's own
        data) but the credentials a record's ``extra`` may hold (``password``,
        ``api_token``, ...: no mode writes one); ``redacted`` and ``pseudonymized``
        write the roster through
        :meth:`~rostergraph.privacy.PrivacyPolicy.apply_roster` (sensitive
        demographic fields dropped unless included; see ``docs/privacy.md``).
    oneroster_version:
        With ``to="oneroster"``: ``"1.1"`` (the default) or ``"1.2"`` (see
        :func:`~rostergraph.io.write_oneroster.write_oneroster`).
    limits:
        A :class:`~rostergraph.io.limits.Limits` for reading the source (a zip of a large
        district may inflate past the default bound), as :func:`rostergraph.load` takes.

    Returns
    -------
    Table
        The writer's report (``kind, field, count, how``).

    Raises
    ------
    ValueError
        For an unknown ``to`` or ``oneroster_version``.
    SourceError
        When ``target`` is the source, or the folder holding it, or a folder holding another
        format's roster (a load of the folder would read that, not the written roster), or
        a ``.zip`` for a format written as a folder; before anything is read or written.

    Examples
    --------
    >>> import rostergraph, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> _ = convert(rostergraph.sample_path(), out / "or.zip", to="oneroster")
    >>> report = convert(out / "or.zip", out / "back", to="clever-json")
    >>> len(report), len(rostergraph.load(out / "back").users) == len(rostergraph.sample().users)
    (0, True)
    >>> _ = convert(rostergraph.sample_path(), out / "or12", to="oneroster",
    ...             oneroster_version="1.2")
    >>> (out / "or12" / "roles.csv").is_file()
    True
    """
    if to not in TARGETS:
        raise ValueError(f"unknown target format {to!r}; expected one of {', '.join(TARGETS)}")
    from .write_oneroster import ONEROSTER_VERSIONS

    if oneroster_version not in ONEROSTER_VERSIONS:
        raise ValueError(f"unknown OneRoster version {oneroster_version!r}; expected one of "
                         f"{', '.join(ONEROSTER_VERSIONS)}")
    source, target = home_path(source), home_path(target)  # (~ as load() reads it)
    _refuse_target(source, target, to)
    roster = load(source, format=format, strict=strict, limits=limits)
    _refuse_nothing_read(roster, source, format)
    if privacy is not None and not privacy.is_full:
        roster = privacy.apply_roster(roster)
    if to == "clever-json":
        return write_clever_json(roster, target)
    if to == "clever-jsonl":
        return write_clever_json(roster, target, jsonl=True)
    if to == "clever-csv":
        return write_clever_csv(roster, target, extensions=extensions)
    return write_oneroster(roster, target, extensions=extensions, version=oneroster_version)


def _refuse_nothing_read(roster: Any, source: Any, format: str | None) -> None:
    """A source that gave no record at all, only problems (read as another format than
    its own, ``--from oneroster`` on an SFTP upload: every row a problem), is not written
    out as an empty roster: a ``SourceError`` says so, naming the first problem."""
    if not roster.problems or any(len(roster.records(k)) for k in KINDS):
        return
    said = ""
    if format is not None:
        try:
            found = detect_format(source)
        except RosterError:
            found = None
        said = f"read as {format}" + (f", though it looks like {found}" if found and
                                      found != format else "") + ", "
    first = roster.problems[0]
    raise SourceError(f"{said}it gives no record, only {len(roster.problems):,} problem"
                      f"{'s' if len(roster.problems) != 1 else ''} (the first: "
                      f"{first.file or ''}{':' + str(first.line) if first.line else ''} "
                      f"{first.message}); nothing was written", path=str(source))


def remove_other_formats(folder: str | os.PathLike[str], format: str) -> None:
    """Remove from ``folder`` the roster files a write in any target format but ``format``
    makes (``<kind>.json`` for ``clever-jsonl``, a OneRoster bundle's files for
    ``clever-csv``, ...), after a write of ``format`` there: left in place, a reader could
    take them instead of it (detection takes the first format it finds, and ``.json``
    over ``.jsonl``). Files of other names are left as they are.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (out / "users.json").write_text("[]"), (out / "notes.txt").write_text("x")
    >>> remove_other_formats(out, "clever-jsonl"); sorted(p.name for p in out.iterdir())
    ['notes.txt']
    """
    for name in _other_format_files(folder, format):
        os.unlink(os.path.join(folder, name))  # (a link is removed itself, never its target)


def _refuse_target(source: str | os.PathLike[str], target: str | os.PathLike[str],
                   to: str) -> None:
    """Raise ``SourceError`` when writing ``to`` at ``target`` would replace the source (the
    same file, or the folder holding it) or leave a folder a load would read as another
    roster: one holding another format's roster files, or that detection reads as
    another format (a legacy Clever list, say)."""
    if os.path.exists(target) and (os.path.samefile(source, target)
                                   or is_source_folder(target, source)):
        raise SourceError("is the source, or the folder holding it: a conversion is written "
                          "to another folder (the source's files are the district's data, "
                          "never replaced)", path=str(target))
    if to != "oneroster" and os.fspath(target).lower().endswith(".zip") \
            and not os.path.isdir(target):
        raise SourceError(f"{to} is written as a folder, not a zip (only a OneRoster bundle "
                          "is written as a .zip): give a folder", path=str(target))
    if not os.path.isdir(target):
        return
    left = _other_format_files(target, to, keep_json=True)
    if not left:
        try:
            found = detect_format(target)
        except RosterError:  # (no roster there)
            return
        if found == _DETECTED_AS.get(to, to):
            return
        left = [f"a {found} roster"]
    raise SourceError(f"holds another format's roster files ({', '.join(left[:5])}"
                      f"{', ...' if len(left) > 5 else ''}): a load of the folder would read "
                      f"those, not the {to} written; write to an empty folder or remove them",
                      path=str(target))


#: the format detection names a folder each target format's writer makes
_DETECTED_AS = {"clever-jsonl": "clever-json"}


def _other_format_files(folder: str | os.PathLike[str], format: str,
                        keep_json: bool = False) -> list[str]:
    """The names of the files in ``folder`` that a reader of another format than
    ``format`` would take: Clever JSON resource files named as its reader names them
    (any case, ``.json``, ``.jsonl``, ``.ndjson``, gzipped or not), and the file names a
    Clever SFTP or OneRoster write makes (any case). A Clever JSON write's own files are
    exactly the names it writes: with ``keep_json`` those of both forms (the writer
    replaces either), else only its own form's (``.jsonl`` or ``.json``)."""
    if not os.path.isdir(folder):
        return []
    csv_names = {"clever-csv": {n.lower() for n in SFTP_FILE_NAMES},
                 "oneroster": {n.lower() for n in ONEROSTER_FILE_NAMES}}
    other_csv = set().union(*(names for f, names in csv_names.items() if f != format))
    own_csv = csv_names.get(format, set())
    own_json: set[str] = set()
    if format in ("clever-json", "clever-jsonl"):
        suffix = ".jsonl" if format == "clever-jsonl" else ".json"
        own_json = {n for n in JSON_FILE_NAMES if keep_json or n.endswith(suffix)}
    out = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if os.path.isdir(path) and not os.path.islink(path):
            continue
        if resource_kind(name) is not None:
            if name not in own_json:
                out.append(name)
        elif name.lower() in other_csv and name.lower() not in own_csv:
            out.append(name)
    return out
