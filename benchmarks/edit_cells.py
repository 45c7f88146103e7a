"""A copy of a CSV roster folder with some cells changed, to measure or check a reading
on the same data but for those cells (a line break in a name, a quote in an email).

Files not edited are hard links to the originals (a symbolic link out of a roster folder
is refused by the loader); an edited file is read and written again by Python's csv
module, which gives the rest of it byte for byte when it was quoted only where needed.

    python benchmarks/edit_cells.py SRC DST users.csv:1000:givenName:'Ann\\nJr' ...

Each edit is ``FILE:ROW:COLUMN:TEXT``: ROW counts the rows after the header from 0, and
TEXT takes Python's backslash escapes (``\\n``, ``\\r``, ``\\x00``).
"""

from __future__ import annotations

import argparse
import codecs
import csv
import io
import os
from pathlib import Path


def parse_edit(text: str) -> tuple[str, int, str, str]:
    """``FILE:ROW:COLUMN:TEXT`` as its four parts, the text's escapes applied.

    >>> parse_edit("users.csv:3:givenName:Ann\\\\nJr")
    ('users.csv', 3, 'givenName', 'Ann\\nJr')
    """
    name, row, column, value = text.split(":", 3)
    return name, int(row), column, codecs.decode(value, "unicode_escape")


def edit_copy(src: Path, dst: Path, edits: list[tuple[str, int, str, str]]) -> None:
    """``dst``: ``src``'s files, those named in ``edits`` with their cells changed."""
    dst.mkdir(parents=True, exist_ok=True)
    by_file: dict[str, list[tuple[int, str, str]]] = {}
    for name, row, column, value in edits:
        by_file.setdefault(name, []).append((row, column, value))
    for path in sorted(src.iterdir()):
        target = dst / path.name
        if target.exists():
            target.unlink()
        if path.name not in by_file:
            os.link(path, target)
            continue
        raw = path.read_text(encoding="utf-8-sig")
        end = "\r\n" if "\r\n" in raw[:65536] else "\n"
        rows = list(csv.reader(io.StringIO(raw, newline="")))
        for row, column, value in by_file[path.name]:
            rows[row + 1][rows[0].index(column)] = value
        with open(target, "w", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator=end).writerows(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("src", type=Path)
    ap.add_argument("dst", type=Path)
    ap.add_argument("edits", nargs="*", type=parse_edit, metavar="FILE:ROW:COLUMN:TEXT")
    args = ap.parse_args(argv)
    edit_copy(args.src, args.dst, args.edits)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
