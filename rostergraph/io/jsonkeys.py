"""Keys given twice in one JSON object: found, named, and the values they replaced kept.

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
from typing import Any

import msgspec
import orjson

__all__ = ["duplicate_keys", "has_duplicate_keys", "maybe_duplicate_keys"]


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
