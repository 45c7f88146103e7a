"""What a Clever SFTP CSV upload is: its file names (matched ignoring case), how a
folder or zip is recognised, and the ids of the terms and courses Clever constructs from
``sections.csv`` columns. The reader is :mod:`rostergraph.io.clever_csv`.

Examples
--------
>>> term_id("Fall", "", "").startswith("sftp-term:"), course_id("Algebra", "")[:12]
(True, 'sftp-course:')
"""

from __future__ import annotations

import hashlib
import os
import re
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .bundle import Renamed, member_parts, roster_zip
from .csv_rowchecks import separator_line
from .csvutil import Bundle
from .sftp_columns import EXT_DISTRICTS, EXT_RECORDS, squash

__all__ = ["SFTP_FILES", "any_case", "course_id", "header_line", "is_clever_csv", "misnamed",
           "row_course", "row_term", "term_id"]

SFTP_FILES = ("schools.csv", "students.csv", "teachers.csv", "sections.csv",
              "enrollments.csv", "staff.csv", "admins.csv")
_HEADER_SEPARATORS = re.compile(rb"[ \t_.\-]+")  # (squash()'s, on a header's bytes)


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def term_id(name: str, start: str, end: str) -> str:
    """The id of the term constructed from ``Term_name, Term_start, Term_end``.

    Examples
    --------
    >>> term_id("Fall", "2024-08-19", "2024-12-20") == term_id("Fall", "2024-08-19", "2024-12-20")
    True
    >>> term_id("Fall", "", "").startswith("sftp-term:")
    True
    """
    return "sftp-term:" + _hash(name, start, end)


def course_id(name: str, number: str) -> str:
    """The id of the course constructed from ``Course_name, Course_number`` (number wins).

    Examples
    --------
    >>> course_id("Algebra", "MA1") == course_id("Algebra I", "MA1")
    True
    """
    return "sftp-course:" + (_hash("number", number) if number else _hash("name", name))


def is_clever_csv(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a folder (or zip) of Clever SFTP CSV files (by names and headers).

    Examples
    --------
    >>> import rostergraph
    >>> is_clever_csv(rostergraph.sample_path())
    False
    """
    p = Path(path)
    names: dict[str, Any]
    first: dict[str, bytes] = {}
    try:
        if p.is_dir():
            # (exact name last: wins; a folder or a link to nothing under a file's name is
            # none: the reader tells it)
            names = {q.name.lower(): q for q in sorted(p.iterdir()) if q.is_file()}

            def head(name: str) -> bytes:
                with open(names[name], "rb") as fh:
                    return fh.read(65536)
        else:
            with roster_zip(p) as zf:  # (a zip by its bytes, or the one zip it holds)
                if zf is None:
                    return False
                infos = zf.infolist()[:10_000]
                names = {member_parts(i.filename)[-1].lower(): i for i in infos}
                wanted = [n for n in ("sections.csv", "students.csv", "teachers.csv",
                                      "schools.csv") if n in names]
                for n in wanted:  # (the first with a header decides)
                    try:
                        with zf.open(names[n]) as fh:
                            first[n] = fh.read(65536)
                    except (RuntimeError, NotImplementedError, zlib.error, EOFError,
                            zipfile.BadZipFile):
                        # password-protected, compressed by a method zipfile lacks
                        # (Deflate64) or damaged: Clever's file names say what it is, and
                        # the reader raises a FormatError naming the member
                        return True

            def head(name: str) -> bytes:
                return first.get(name, b"")
        for name, col in (("sections.csv", "Section_id"), ("students.csv", "Student_id"),
                          ("teachers.csv", "Teacher_id"), ("schools.csv", "School_id")):
            if name in names:  # (the reader matches header names as squash() does too)
                line = header_line(head(name))
                # (a file whose header lacks its id, an empty one or one cut short, leaves
                # it to the next file's: Clever's file names and one such header say SFTP)
                if squash(col).encode() in _HEADER_SEPARATORS.sub(b"", line.lower()) or (
                        not line.isascii()  # (a zero-width space, a BOM: see visible())
                        and squash(col) in squash(line.decode("utf-8", "replace"))):
                    return True
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return False
    return False



def header_line(start: bytes) -> bytes:
    """The header line of a file's first bytes, as the reader finds it: the first line
    (UTF-16 read as such, byte-order marks left out), or the second after a spreadsheet's
    separator line (``sep=,``).

    Examples
    --------
    >>> header_line(b"\\xef\\xbb\\xbfsep=;\\r\\nSection_id;Name\\r\\n1;A")
    b'Section_id;Name'
    """
    if start[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 (the reader takes it)
        start = start.decode("utf-16", "replace").encode()
    lines = re.split(rb"\r\n|\r|\n", start.lstrip(b"\xef\xbb\xbf"), maxsplit=2)
    if len(lines) > 1 and separator_line(lines[0].decode("utf-8", "replace")) is not None:
        return lines[1]
    return lines[0]


def row_term(row: dict[str, str], made: dict[Any, str] | None = None
             ) -> tuple[str | None, str, str, str]:
    """A sections.csv row's (term id or None, name, start, end); row_course: its course's
    (``made``: the ids constructed so far, by their values, each hashed once).

    Examples
    --------
    >>> made = {}
    >>> row_term({"Term_name": "Fall"}, made)[0] == row_term({"Term_name": "Fall"})[0]
    True
    >>> row_course({"Course_name": "Art"}, made)[0] == course_id("Art", ""), len(made)
    (True, 2)
    """
    get = row.get  # (a call per section row: no generator)
    name, start, end = get("Term_name") or "", get("Term_start") or "", get("Term_end") or ""
    tid = get("Term_id") or (_made(made, ("term", name, start, end), term_id)
                                 if name or start or end else None)
    return tid, name, start, end


def row_course(row: dict[str, str], made: dict[Any, str] | None = None
               ) -> tuple[str | None, str, str]:
    name, number = row.get("Course_name") or "", row.get("Course_number") or ""
    cid = row.get("Course_id") or (_made(made, ("course", name, number), course_id)
                                   if name else None)
    return cid, name, number


def _made(made: dict[Any, str] | None, key: tuple[str, ...], make: Callable[..., str]) -> str:
    """``make(*key[1:])``, the id constructed from a row's values, remembered in ``made``
    (when given) by ``key``."""
    got = made.get(key) if made is not None else None
    if got is None:
        got = make(*key[1:])
        if made is not None:
            made[key] = got
    return got


#: each SFTP file's record kind (the kind its problems name)
FILE_KINDS = {"schools.csv": "schools", "students.csv": "users", "teachers.csv": "users",
              "staff.csv": "users", "admins.csv": "users", "sections.csv": "sections",
              "enrollments.csv": "sections"}


def misnamed(names: list[str], present: Any) -> list[tuple[str, str]]:
    """``(name, Clever file)`` of each of ``names`` that is named as one of Clever's SFTP
    files but otherwise, when the upload has no such file (``present``): a second
    suffix (``students.csv.csv``: Windows hides the one it adds), a spreadsheet's other
    format (``students.txt``, ``students.xlsx``), none (``students``). None is read.

    Examples
    --------
    >>> misnamed(["students.csv.csv", "schools.csv", "schools.txt", "._teachers.csv"],
    ...          {"schools.csv"})
    [('students.csv.csv', 'students.csv')]
    """
    out = []
    for name in names:
        low = name.rsplit("/", 1)[-1].lower()
        want = re.split(r"[.?]", low, maxsplit=1)[0] + ".csv"
        if want in SFTP_FILES and low != want and want not in present:
            out.append((name, want))
    return out


def any_case(bundle: Bundle) -> Renamed:
    """A bundle whose SFTP file names match ignoring case (Clever's help pages write
    ``Schools.csv``; its spec ``schools.csv``) and, in a zip, the folder they sit in
    (``upload/schools.csv`` beside a top-level ``README.txt``, which leaves the zip no one
    root folder; :func:`is_clever_csv` finds them there too): ``renamed`` maps the spec's
    name to the file's when they differ (a file named exactly as the spec wins, then one
    at the top; a zip never holds one base name twice, see :class:`Bundle`)."""
    renamed: dict[str, str] = {}
    wanted = (*SFTP_FILES, EXT_DISTRICTS, EXT_RECORDS)
    names = bundle.names()
    for name in sorted(names, key=lambda n: n.count("/")):  # (top-level files first)
        low = name.rsplit("/", 1)[-1].lower()
        if low != name and low in wanted and low not in bundle and low not in renamed:
            renamed[low] = name
    return Renamed(bundle, renamed)

