"""A CSV bundle's files, from a folder or a zip archive, read safely.

A zip is known by its bytes, whatever its name (``export``, ``export.dat``); a zip whose
only roster content is one inner zip (an export zipped twice) is read from that inner zip.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from .limits import DEFAULT_LIMITS, Limits, unreadable_entries

__all__ = ["Bundle", "Files", "Renamed", "inner_zip", "is_zip_file", "member_parts",
           "roster_zip", "zip_notes"]

#: the bytes a zip archive's first member header starts with
ZIP_MAGIC = b"PK\x03\x04"

#: member names that are a roster's content: an archive holding one beside a zip is read
#: as it is, not from the zip
_ROSTER_SUFFIXES = (".csv", ".json", ".jsonl", ".ndjson", ".gz")


def member_parts(name: str) -> list[str]:
    """A zip member's name as its folders and file name: ``\\`` between folders (as some
    Windows tools write it) read as ``/``.

    Examples
    --------
    >>> member_parts("Export\\\\2024/users.csv")
    ['Export', '2024', 'users.csv']
    """
    return name.replace("\\", "/").split("/")


def is_zip_file(path: Any) -> bool:
    """Whether ``path`` is a regular file that starts as a zip archive does, whatever its name.

    Examples
    --------
    >>> import tempfile, pathlib, zipfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "export.dat"
    >>> with zipfile.ZipFile(p, "w") as zf:
    ...     zf.writestr("users.csv", "sourcedId\\n")
    >>> is_zip_file(p), is_zip_file(p.parent)
    (True, False)
    """
    from pathlib import Path

    p = Path(path)
    try:
        if not p.is_file():  # (a FIFO is never opened: reading it would wait forever)
            return False
        with open(p, "rb") as fh:
            return fh.read(4) == ZIP_MAGIC
    except OSError:
        return False


def inner_zip(infos: list[zipfile.ZipInfo]) -> zipfile.ZipInfo | None:
    """The member of an archive that is its only roster content, a zip (``oneroster.zip``
    in ``export.zip``, maybe beside a ``README.txt``, hidden files or a Mac's
    ``__MACOSX``), ``None`` otherwise: no zip, two, or CSV or JSON files beside it.

    Examples
    --------
    >>> infos = [zipfile.ZipInfo(n) for n in ("Export/oneroster.zip", "Export/README.txt",
    ...                                      "__MACOSX/Export/._oneroster.zip")]
    >>> inner_zip(infos).filename, inner_zip(infos + [zipfile.ZipInfo("users.csv")])
    ('Export/oneroster.zip', None)
    """
    zips = []
    for info in infos:
        parts = member_parts(info.filename)
        base = parts[-1].lower()
        if not base or parts[0] == "__MACOSX" or base.startswith("."):
            continue
        if base.endswith(".zip"):
            zips.append(info)
        elif base.endswith(_ROSTER_SUFFIXES):
            return None
    return zips[0] if len(zips) == 1 else None


def _notes(path: Any, inner: zipfile.ZipInfo | None) -> list[str]:
    from pathlib import Path

    name = Path(path).name
    notes = []
    if not name.lower().endswith(".zip"):
        notes.append(f"{name} is a zip archive (by its bytes; its name does not end in "
                     ".zip): read as one")
    if inner is not None:
        notes.append(f"{name} holds only the zip {inner.filename}: read from it")
    return notes


def zip_notes(path: Any) -> list[str]:
    """What a :class:`Bundle` of the zip file ``path`` tells of how it was read (a zip
    named otherwise, an inner zip read for it), from its directory alone; ``[]`` for a
    folder or anything else.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "export"
    >>> with zipfile.ZipFile(p, "w") as zf:
    ...     zf.writestr("oneroster.zip", b"")
    >>> zip_notes(p)[1]
    'export holds only the zip oneroster.zip: read from it'
    """
    if not is_zip_file(path):
        return []
    try:
        with zipfile.ZipFile(path) as zf:
            return _notes(path, inner_zip(zf.infolist()))
    except (zipfile.BadZipFile, OSError, ValueError):
        return []


@contextmanager
def roster_zip(path: Any) -> Iterator[zipfile.ZipFile | None]:
    """For format detection: the open archive a zip file's roster is read from (the file,
    a zip by its bytes whatever its name, or the one inner zip that is its only roster
    content, streamed, not read into memory), ``None`` when ``path`` is no readable zip.

    Examples
    --------
    >>> import io, tempfile, pathlib
    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w") as zf:
    ...     zf.writestr("users.csv", "sourcedId\\n")
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "export.zip"
    >>> with zipfile.ZipFile(p, "w") as zf:
    ...     zf.writestr("oneroster.zip", buf.getvalue())
    >>> with roster_zip(p) as zf:
    ...     zf.namelist()
    ['users.csv']
    """
    from pathlib import Path

    if not (is_zip_file(path) or Path(path).suffix.lower() == ".zip" and Path(path).is_file()):
        yield None  # (a .zip that starts otherwise, as a self-extracting one, is tried too)
        return
    try:
        outer = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        yield None
        return
    with outer:
        inner = inner_zip(outer.infolist())
        if inner is None:
            yield outer
            return
        try:
            # (a member's stream seeks: the inner directory is read without the whole zip)
            stream = outer.open(inner)
            nested = zipfile.ZipFile(stream)
        except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError,
                EOFError):
            yield None
            return
        with stream, nested:
            yield nested


class Files(Protocol):
    """What a CSV reader reads a bundle's files through: a :class:`Bundle`, or a view of
    one that finds a file by another spelling of its name."""

    def read(self, name: str) -> bytes:
        """The file's bytes."""

    def file_path(self, name: str) -> Any:
        """The file's path in a folder (``None``: an archive's member)."""


class Bundle:
    """The files of a folder or a ``.zip``, read safely.

    Zip members are never extracted to disk: they are read into memory with
    their decompressed size counted as it is read
    (:func:`~rostergraph.io.limits.safe_zip_members`,
    :func:`~rostergraph.io.limits.read_zip_member`). A member named with an
    absolute path or a ``..`` component, or a symlink, raises
    :class:`~rostergraph.errors.FormatError`; more than
    ``limits.max_zip_entries`` members, more than
    ``limits.max_zip_total_bytes`` decompressed bytes in all, or a member with
    a zip bomb's compression ratio raises :class:`~rostergraph.errors.LimitError`. A zip is
    read whatever its name; one whose only roster content is one inner zip is read from
    that zip, held in memory, whose members count against the same limits (its own bytes
    too); a zip inside that one is a :class:`~rostergraph.errors.FormatError`. ``notes``
    says so (:func:`zip_notes`). When every
    member sits in one folder (at any depth: ``Export/2024/users.csv``), that folder is
    the root; ``\\`` between folders (as some Windows tools write it) is read as ``/``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "users.csv").write_bytes(b"sourcedId\\n1\\n")
    >>> bundle = Bundle(d)
    >>> bundle.names(), bundle.read("users.csv")
    (['users.csv'], b'sourcedId\\n1\\n')
    """

    def __init__(self, path: Any, limits: Limits = DEFAULT_LIMITS) -> None:
        from pathlib import Path

        from ..errors import FormatError, SourceError
        from .limits import check_inside, safe_zip_members

        self.path = Path(path)
        self.limits = limits
        self._zip: zipfile.ZipFile | None = None
        self._members: dict[str, Any] = {}
        self._read_total = 0
        #: how the archive was read, when not as a plain ``.zip`` (:func:`zip_notes`)
        self.notes: list[str] = []
        #: a folder's entries named as roster files that are none (a folder, a link to
        #: nothing: :func:`~rostergraph.io.limits.unreadable_entries`), for its reader
        self.unreadable: list[tuple[str, str]] = []
        if self.path.is_dir():
            self.unreadable = unreadable_entries(self.path)
            for p in sorted(self.path.iterdir()):
                if p.is_file():
                    check_inside(self.path, p)  # no symlinks out of the folder
                    self._members[p.name] = p
            return
        if not self.path.is_file():
            raise SourceError("no such file or folder", path=str(path))
        try:
            zf = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise FormatError(f"not a readable zip archive: {exc}", path=str(path)) from None
        try:
            infos = safe_zip_members(zf, limits, path=str(path))
            inner = inner_zip(infos)
            if inner is not None:
                zf, infos = self._open_inner(zf, inner)
        except BaseException:
            zf.close()
            raise
        self.notes = _notes(self.path, inner)
        files = [(member_parts(info.filename), info) for info in infos]
        files = [(p, i) for p, i in files if p[0] != "__MACOSX"]
        # the folders every file sits in (an export's own, one or more deep) are the root
        paths = [p for p, _ in files if p[-1]]  # (a folder's own entry ends in /)
        prefix = 0
        while paths and all(len(p) > prefix + 1 for p in paths) and len(
                {p[prefix] for p in paths}) == 1:
            prefix += 1
        seen: dict[str, str] = {}  # file name → the member holding it
        for parts, info in files:
            name = "/".join(parts[prefix:])
            base = parts[-1]
            if base.lower().endswith(".csv") and base in seen:
                zf.close()
                raise FormatError(f"the archive holds {base} twice ({seen[base]} and "
                                  f"{info.filename}); which one to read is ambiguous",
                                  path=str(path))
            if base:
                seen[base] = info.filename
            self._members[name] = info
        self._zip = zf

    def _open_inner(self, outer: zipfile.ZipFile,
                    inner: zipfile.ZipInfo) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
        """The inner zip, read into memory (closing ``outer``), and its checked members:
        the entries and bytes of both count against the one set of limits."""
        import io

        from ..errors import FormatError, LimitError
        from .limits import read_zip_member, safe_zip_members, zip_total_message

        outer_name, limits = self.path.name, self.limits
        data = read_zip_member(outer, inner, limits, path=str(self.path))
        entries = len(outer.infolist())
        outer.close()
        where = f"{self.path}/{inner.filename}"  # (as zipfile.Path names a member)
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, ValueError) as exc:
            raise FormatError(f"{outer_name} holds only {inner.filename}, which is not a "
                              f"readable zip archive: {exc}", path=str(self.path)) from None
        try:
            infos = safe_zip_members(zf, limits, path=where)
            if entries + len(zf.infolist()) > limits.max_zip_entries:
                raise LimitError(f"{outer_name} and the zip it holds, {inner.filename}, have "
                                 f"more than {limits.max_zip_entries} members together "
                                 "(Limits.max_zip_entries; raise it with rostergraph.load("
                                 "path, limits=Limits(max_zip_entries=...)) for an archive "
                                 "you trust)", path=where)
            if len(data) + sum(i.file_size for i in infos) > limits.max_zip_total_bytes:
                raise LimitError(zip_total_message(limits), path=where)
            deeper = inner_zip(infos)
            if deeper is not None:
                raise FormatError(f"{outer_name} holds only the zip {inner.filename}, which "
                                  f"holds only another zip, {deeper.filename}: a zip inside "
                                  "a zip is read one level deep; unzip "
                                  f"{outer_name} and give {inner.filename}",
                                  path=str(self.path))
        except BaseException:
            zf.close()
            raise
        self._read_total = len(data)  # (held in memory: it counts as read)
        return zf, infos

    @property
    def is_zip(self) -> bool:
        """Whether the bundle is a zip archive."""
        return self._zip is not None

    def names(self) -> list[str]:
        """Member names relative to the root, sorted."""
        return sorted(self._members)

    def __contains__(self, name: object) -> bool:
        return name in self._members

    def file_path(self, name: str) -> Any:
        """The path of a folder's file (``None`` for an archive's member)."""
        return None if self._zip is not None else self._members[name]

    def size(self, name: str) -> int:
        """The byte count of one file (an archive's member: as its entry says, inflated)."""
        m = self._members[name]
        return m.file_size if self._zip is not None else m.stat().st_size  # type: ignore[no-any-return]

    def read(self, name: str) -> bytes:
        """The bytes of one member (bounded by ``max_zip_total_bytes`` for zips)."""
        from ..errors import LimitError
        from .limits import read_zip_member, zip_total_message

        m = self._members[name]
        if self._zip is None:
            return m.read_bytes()  # type: ignore[no-any-return]
        data = read_zip_member(self._zip, m, self.limits, path=str(self.path))
        self._read_total += len(data)
        if self._read_total > self.limits.max_zip_total_bytes:
            raise LimitError(zip_total_message(self.limits), path=str(self.path))
        return data

    def close(self) -> None:
        """Close the archive (no-op for folders)."""
        if self._zip is not None:
            self._zip.close()


class Renamed:
    """A bundle whose files are also found by other names: ``renamed`` maps the name a
    reader asks for (its format's spelling) to the bundle's member read for it (one
    named in another case, or in a folder of an archive).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "Users.csv").write_bytes(b"id\\n")
    >>> files = Renamed(Bundle(d), {"users.csv": "Users.csv"})
    >>> "users.csv" in files, files.read("users.csv"), files.names()
    (True, b'id\\n', ['users.csv'])
    """

    def __init__(self, bundle: Bundle, renamed: dict[str, str]) -> None:
        self.bundle = bundle
        self.renamed = renamed
        taken = set(renamed.values())
        self._names = sorted({*renamed, *(n for n in bundle.names() if n not in taken)})

    def __contains__(self, name: object) -> bool:
        return name in self.renamed or name in self.bundle

    def read(self, name: str) -> bytes:
        """The bytes of the file read for ``name``."""
        return self.bundle.read(self.renamed.get(name, name))

    def file_path(self, name: str) -> Any:
        """The path of the file read for ``name`` (``None``: an archive's member)."""
        return self.bundle.file_path(self.renamed.get(name, name))

    def size(self, name: str) -> int:
        """The byte count of the file read for ``name``."""
        return self.bundle.size(self.renamed.get(name, name))

    def names(self) -> list[str]:
        """The bundle's file names, each renamed one under the name it is read for."""
        return self._names

    def close(self) -> None:
        self.bundle.close()
