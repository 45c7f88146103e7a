"""A CSV bundle's files, from a folder or a ``.zip`` archive, read safely."""

from __future__ import annotations

from typing import Any, Protocol

from .limits import DEFAULT_LIMITS, Limits

__all__ = ["Bundle", "Files", "Renamed", "member_parts"]


def member_parts(name: str) -> list[str]:
    """A zip member's name as its folders and file name: ``\\`` between folders (as some
    Windows tools write it) read as ``/``.

    Examples
    --------
    >>> member_parts("Export\\\\2024/users.csv")
    ['Export', '2024', 'users.csv']
    """
    return name.replace("\\", "/").split("/")


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
    a zip bomb's compression ratio raises :class:`~rostergraph.errors.LimitError`. When every
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
        import zipfile
        from pathlib import Path

        from ..errors import FormatError, SourceError
        from .limits import check_inside, safe_zip_members

        self.path = Path(path)
        self.limits = limits
        self._zip: zipfile.ZipFile | None = None
        self._members: dict[str, Any] = {}
        self._read_total = 0
        if self.path.is_dir():
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
        except BaseException:
            zf.close()
            raise
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
