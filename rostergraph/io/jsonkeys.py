"""What a JSON parser loses without a word: the earlier value of a key given twice in one
object (found, named, and kept), and the digits of an integer wider than 64 bits (found).

JSON parsers (orjson, msgspec, the standard library) keep the last value of a key that
one object gives twice; the earlier value is lost without a word. The Clever JSON
readers run :func:`maybe_duplicate_keys` (two C calls) on each record they decode, and
:func:`duplicate_keys` only when it says the text is longer than its decoded value
written back: then every repeated key is named, with the value the parser dropped.

Examples
--------
>>> import orjson
>>> text = b'{"id": "a", "name": {"last": "Lee", "last": "Li"}}'
>>> maybe_duplicate_keys(text, orjson.loads(text))
True
>>> duplicate_keys(text)
[('name.last', 'Lee')]
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import msgspec
import orjson

from ..roster import raw_text

__all__ = ["WIDE_INTEGER_MESSAGE", "duplicate_keys", "has_duplicate_keys", "has_wide_integer",
           "maybe_duplicate_keys", "tell_wide_integer", "wide_integers"]

# --- integers wider than 64 bits ----------------------------------------------------

#: orjson (the readers' decoder) reads an integer outside [-2**63, 2**64 - 1] as the nearest
#: float (``100000000000000000000`` → ``1e+20``), without a word; such a number has at
#: least 20 digits, or 19 after a minus (``-9223372036854775809`` is one below -2**63)
_WIDE_DIGITS = re.compile(rb"-[0-9]{19}|[0-9]{20}")
_LOWEST, _HIGHEST = -(1 << 63), (1 << 64) - 1
#: the problem that tells one (its record keeps the float; ``raw`` keeps the digits)
WIDE_INTEGER_MESSAGE = ("an integer wider than 64 bits is read as the nearest floating-point "
                        "number (the exact digits are in raw)")


def tell_wide_integer(problem: Callable[..., Any], text: bytes, exact: Any,
                      **where: Any) -> None:
    """The ``limit`` problem of a record (or envelope item) whose ``text`` holds an
    integer wider than 64 bits, decoded exactly as ``exact``: the record keeps the float,
    ``raw`` the digits. ``problem`` is a roster builder's.

    Examples
    --------
    >>> from rostergraph.roster import RosterBuilder
    >>> b = RosterBuilder(source="m", format="t")
    >>> text = b'{"id": "u1", "n": 123456789012345678901}'
    >>> tell_wide_integer(b.problem, text, wide_integers(text), file="users.jsonl", line=3)
    >>> [(p.code, p.line, p.record_id) for p in b.problems]
    [('limit', 3, 'u1')]
    """
    rec = exact.get("data") if isinstance(exact, dict) and "id" not in exact and isinstance(
        exact.get("data"), dict) else exact
    rid = rec.get("id") if isinstance(rec, dict) else None
    if isinstance(rec, dict) and "data" not in rec and not (isinstance(rid, str) and rid):
        return  # (a record with no usable id is not loaded: its no_id problem keeps the text)
    problem("limit", WIDE_INTEGER_MESSAGE, raw=raw_text(text),
            record_id=rid if isinstance(rid, str) else None, **where)


def has_wide_integer(value: Any) -> bool:
    """Whether decoded JSON ``value`` holds an integer outside 64 bits (at any depth).

    Examples
    --------
    >>> has_wide_integer({"a": [1, 2 ** 64]}), has_wide_integer({"a": 2 ** 64 - 1})
    (True, False)
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return not _LOWEST <= value <= _HIGHEST
    if isinstance(value, dict):
        return any(map(has_wide_integer, value.values()))
    if isinstance(value, list):
        return any(map(has_wide_integer, value))
    return False


def wide_integers(text: bytes | memoryview) -> Any | None:
    """JSON ``text`` decoded exactly (msgspec keeps every integer) when it holds an
    integer wider than 64 bits, which orjson reads as a float; ``None`` otherwise (the
    usual case costs one regular-expression search).

    Examples
    --------
    >>> wide_integers(b'{"id": "a", "n": 123456789012345678901}')
    {'id': 'a', 'n': 123456789012345678901}
    >>> wide_integers(b'{"id": "12345678901234567890123"}') is None
    True
    """
    if _WIDE_DIGITS.search(text) is None:
        return None
    try:
        exact = msgspec.json.decode(text)
    except (msgspec.DecodeError, RecursionError):
        return None
    return exact if has_wide_integer(exact) else None


def maybe_duplicate_keys(text: bytes, value: Any) -> bool:
    """Whether ``text`` (one JSON document, decoded as ``value``) may repeat a key in an
    object: its compact form (whitespace between tokens removed) is longer than
    ``value`` written back. ``False`` is certain; ``True`` also for escapes written
    longer (``\\u00e9``), numbers in exponent form (``1e2``) and text that is not JSON.

    Examples
    --------
    >>> maybe_duplicate_keys(b'{ "a": [1, "x"] }', {"a": [1, "x"]})
    False
    """
    try:
        compact = msgspec.json.format(text, indent=-1)
        # (a number in exponent form may be written back longer, hiding a repeat)
        return len(compact) != len(orjson.dumps(value)) or bool(_EXPONENT.search(compact))
    except (msgspec.DecodeError, TypeError, orjson.JSONEncodeError):
        return True


_EXPONENT = re.compile(rb"[0-9][eE]")


class _Object(dict):  # type: ignore[type-arg]
    """A decoded JSON object that remembers the values its repeated keys replaced."""

    __slots__ = ("lost",)
    lost: list[tuple[str, Any]] | None


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    d = _Object(pairs)
    d.lost = None
    if len(d) != len(pairs):
        seen: dict[str, Any] = {}
        d.lost = []
        for key, value in pairs:
            if key in seen:
                d.lost.append((key, seen[key]))
            seen[key] = value
    return d


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def has_duplicate_keys(text: bytes | str) -> bool:
    """Whether an object of ``text`` (one JSON document) gives a key twice: what
    ``bool(duplicate_keys(text))`` says, in one pass that names nothing and keeps no
    value replaced (``False`` when the text is no JSON).

    Examples
    --------
    >>> has_duplicate_keys(b'{"a": {"b": 1, "b": 2}}'), has_duplicate_keys('{"a": 1, "b": 1}')
    (True, False)
    """
    repeated: list[bool] = []

    def checked(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        d = dict(pairs)
        if len(d) != len(pairs):
            repeated.append(True)
        return d

    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "surrogatepass")
        # (read to the end even past a repeat: text that is no JSON after it has none)
        json.loads(text, object_pairs_hook=checked)
    except (ValueError, RecursionError):
        return False
    return bool(repeated)


def duplicate_keys(text: bytes | str) -> list[tuple[str, Any]]:
    """Each key that an object of ``text`` (one JSON document) gives again, as
    ``(path, value it replaced)``: the path dotted from the top (array items by
    position), in the order of the objects in the text; a key given three times is
    listed twice. ``[]`` when there is none, or the text is no JSON.

    Examples
    --------
    >>> duplicate_keys('[{"a": 1, "b": {"c": 2}, "a": 3}, {"x": {"y": 1, "y": 2, "y": 3}}]')
    [('0.a', 1), ('1.x.y', 1), ('1.x.y', 2)]
    """
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "surrogatepass")
        top = json.loads(text, object_pairs_hook=_object)
    except (ValueError, RecursionError):
        return []
    out: list[tuple[str, Any]] = []
    stack: list[tuple[str, Any]] = [("", top)]
    while stack:  # (depth first, in text order)
        path, v = stack.pop()
        if isinstance(v, _Object):
            out.extend((path + key, _plain(lost)) for key, lost in v.lost or ())
            stack.extend(reversed([(f"{path}{k}.", x) for k, x in v.items()]))
        elif isinstance(v, list):
            stack.extend(reversed([(f"{path}{i}.", x) for i, x in enumerate(v)]))
    return out
