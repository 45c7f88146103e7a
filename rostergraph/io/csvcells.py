"""The cells of a CSV row: a column's value, lists and lists of ids, JSON cells, and rows
written back as CSV text (:mod:`rostergraph.io.csvutil` reads the files; every reader
uses these on the cells it gets)."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Container, Mapping
from typing import Any

import orjson

from .mapping import loads_carry

__all__ = ["cell", "loads_json_cell", "split_ids", "split_list", "to_csv_text", "visible"]


def cell(row: Mapping[str, str], column: str) -> str | None:
    """The value of ``column`` in ``row``: ``None`` when the file has no such column.

    Examples
    --------
    >>> cell({"a": ""}, "a"), cell({"a": ""}, "b")
    ('', None)
    """
    return row.get(column)


def split_list(value: str | None) -> list[str]:
    """A comma-separated list field (OneRoster ``"a,b"``, Clever roles) → items.

    Examples
    --------
    >>> split_list("t1, t2,"), split_list(""), split_list(None)
    (['t1', 't2'], [], [])
    """
    if not value:
        return []
    return [v.strip() for v in value.split(",") if v.strip()]


def split_ids(value: str | None, known: Container[str]) -> list[str]:
    """:func:`split_list` for a list of ids: an item is stripped of the spaces around it
    (``"s1, s2"``) unless only the item as written names a ``known`` id (an id that itself
    ends in a space, as a single-id column of the same file keeps it).

    Examples
    --------
    >>> split_ids("s1, s2", {"s1", "s2"}), split_ids("S1 ", {"S1 "}), split_ids("x ,", ())
    (['s1', 's2'], ['S1 '], ['x'])
    """
    if not value:
        return []
    out = []
    for item in value.split(","):
        bare = item.strip()
        if bare:
            out.append(item if item in known and bare not in known else bare)
    return out


def loads_json_cell(text: str, max_depth: int) -> Any:
    """:func:`~rostergraph.io.mapping.loads_carry` for a JSON cell, without its depth scan
    when the text has no more brackets than ``max_depth`` (it cannot nest deeper).

    Examples
    --------
    >>> loads_json_cell('{"a": [1]}', 64)
    {'a': [1]}
    """
    if text.count("[") + text.count("{") <= max_depth:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass  # the general path: a lone surrogate, or not JSON at all
    return loads_carry(text, max_depth)


def to_csv_text(rows: list[list[Any]], lineterminator: str = "\r\n") -> str:
    """Rows → RFC 4180 CSV text (values ``None`` written as empty cells).

    Examples
    --------
    >>> to_csv_text([["id", "name"], ["1", 'say "hi", ok']], "\\n")
    'id,name\\n1,"say ""hi"", ok"\\n'
    """
    buf = io.StringIO()
    csv.writer(buf, lineterminator=lineterminator).writerows(rows)  # (None is written as "")
    return buf.getvalue()


def visible(col: str) -> str:
    """``col`` without the characters one cannot see (a zero-width space, a byte-order
    mark, a word joiner, a NUL: Unicode's format and control characters other than
    whitespace) and in NFKC form (full-width letters as ASCII ones): a header pasted from
    a web page, or padded, shows the format's column name and must be read as it.

    Examples
    --------
    >>> visible("\\u200bStudent_id\\x00")
    'Student_id'
    """
    if col.isascii() and col.isprintable():
        return col
    return "".join(ch for ch in unicodedata.normalize("NFKC", col)
                   if ch.isspace() or unicodedata.category(ch) not in ("Cf", "Cc"))
