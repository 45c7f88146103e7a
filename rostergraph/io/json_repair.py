"""JSON text that does not parse as it is: a document a download cut short, and the two
slips real files have (bytes that are not UTF-8, a comma before ``]`` or ``}``).

The Clever JSON readers (v3 and legacy) keep what such a file holds and tell what was
wrong with it; these functions find it.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from ..roster import raw_text

__all__ = ["BAD", "cut_short", "lenient_loads", "repaired_json"]

#: What :func:`lenient_loads` gives for text that is no JSON.
BAD: Any = object()


def lenient_loads(line: bytes) -> Any:
    """``line`` read by Python's own JSON parser (which takes what orjson refuses: a lone
    surrogate, an integer past 64 bits), or :data:`BAD` when it is no JSON.

    Examples
    --------
    >>> lenient_loads(b'{"a": 1}'), lenient_loads(b"{") is BAD
    ({'a': 1}, True)
    """
    try:
        return json.loads(line.decode("utf-8"))
    except (ValueError, RecursionError):  # bad UTF-8/JSON, a 4300+ digit integer
        return BAD


#: where the records of a list envelope begin (Clever writes ``data`` first)
_ENVELOPE_START = re.compile(r'\s*\{\s*"data"\s*:\s*\[')


def cut_short(exc: orjson.JSONDecodeError, data: bytes) -> tuple[list[Any], int, str] | None:
    """A top-level array or list envelope whose text ends before the document does (a
    download cut, a full disk): its whole items, the line where the first item not whole
    starts and the text from there (at most 2,000 characters); ``None`` when the text
    fails before its end, or is no such list.

    Examples
    --------
    >>> import orjson
    >>> text = b'{"data": [{"data": {"id": "a"}},\\n {"data": {"id": "b'
    >>> try:
    ...     orjson.loads(text)
    ... except orjson.JSONDecodeError as exc:
    ...     cut_short(exc, text)
    ([{'data': {'id': 'a'}}], 2, '{"data": {"id": "b')
    """
    if exc.pos < len(data.rstrip()):
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as bad:
        if bad.end < len(data) - 3:  # (a character the cut split at the end is no harm)
            return None
        text = data[:bad.start].decode("utf-8", "replace")
    start = _ENVELOPE_START.match(text)
    pos = start.end() if start is not None else len(text) - len(text.lstrip()) + 1
    if start is None and text.lstrip()[:1] != "[":
        return None
    decoder = json.JSONDecoder()  # (the stdlib: it gives where each item ends)
    items: list[Any] = []
    while True:
        while text[pos:pos + 1].isspace():
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            break
        try:
            item, end = decoder.raw_decode(text, pos)
        except (ValueError, RecursionError):
            break
        items.append(item)
        pos = end
        while text[pos:pos + 1].isspace():
            pos += 1
        if text[pos:pos + 1] != ",":
            break
        pos += 1
    return items, text.count("\n", 0, pos) + 1, text[pos:pos + 2000]


# a string (its closing quote optional, so an unclosed one ends at the end of the text:
# every match succeeds where it starts, and the scan stays linear on any input) or a
# comma before ] or }
_STRING_OR_TRAILING_COMMA = re.compile(rb'"(?:[^"\\]|\\.|\\\Z)*(?:"|\Z)|,(\s*[\]}])',
                                       re.DOTALL)


def repaired_json(data: bytes
                  ) -> tuple[tuple[Any, bytes] | None, list[tuple[str, str, int, str]]]:
    """A JSON document that does not parse, read after the two slips real files have:
    bytes that are not UTF-8 (a SIS writing Latin-1) replaced by U+FFFD, and commas
    before ``]`` or ``}`` (Clever's own v1.1 fixtures have one) left out. Returns
    ``((document, text), problems)`` with one ``(code, message, line, raw)`` per slip
    (``text``: the mended text the document was read from, where its repeated keys are
    looked for), or ``(None, [])`` when it is no JSON even then.

    Examples
    --------
    >>> doc, said = repaired_json(b'{"data": [{"id": "a", "name": "Mu\\xf1oz"},\\n]}')
    >>> doc[0]["data"][0]["name"], [(code, line) for code, _, line, _ in said]
    ('Mu\ufffdoz', [('encoding', 1), ('syntax', 1)])
    """
    said: list[tuple[str, str, int, str]] = []
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as bad:
        said.append(("encoding", (f"bytes that are not UTF-8 (first at byte {bad.start}); "
                                  "replaced by U+FFFD"), data[:bad.start].count(b"\n") + 1,
                     raw_text(data[max(0, bad.start - 40):bad.start + 40])))
        data = data.decode("utf-8", errors="replace").encode("utf-8")
    doc = lenient_loads(data)
    if doc is BAD:
        first: list[int] = []

        def drop(m: re.Match[bytes]) -> bytes:
            if m.group(1) is None:
                return m.group(0)
            if not first:
                first.append(m.start())
            return m.group(1)

        fixed = _STRING_OR_TRAILING_COMMA.sub(drop, data)
        doc = lenient_loads(fixed) if first else BAD
        if doc is BAD:
            return None, []
        said.append(("syntax", "a comma before ] or } (not JSON): read without it",
                     data[:first[0]].count(b"\n") + 1,
                     raw_text(data[max(0, first[0] - 40):first[0] + 40])))
        data = fixed
    return (doc, data), said
