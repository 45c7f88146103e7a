"""Repeated keys in JSON text: the one-pass check agrees with the naming one."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from rostergraph.io.jsonkeys import duplicate_keys, has_duplicate_keys

_KEYS = st.sampled_from(["a", "b", "id", "ext", "a/b", "é", "\u0000", "\"q\""])
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5))


def _text(value: object, escape: bool) -> str:
    """JSON text of ``value``, where an object is a list of (key, value) pairs (keys may
    repeat); ``escape`` writes every non-ASCII character and slash as an escape."""
    if isinstance(value, tuple) and value and value[0] == "obj":
        return "{" + ",".join(f"{_text(k, escape)}:{_text(v, escape)}"
                              for k, v in value[1]) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_text(v, escape) for v in value) + "]"
    out = json.dumps(value, ensure_ascii=escape)
    return out.replace("/", "\\/") if escape else out


_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.lists(st.tuples(_KEYS, inner), max_size=4).map(
                                lambda pairs: ("obj", pairs))),
    max_leaves=12)


@given(_VALUES, st.booleans())
def test_has_duplicate_keys_agrees_with_duplicate_keys(value: object, escape: bool) -> None:
    text = _text(value, escape)
    assert has_duplicate_keys(text) == bool(duplicate_keys(text))
    assert has_duplicate_keys(text.encode("utf-8", "surrogatepass")) == bool(
        duplicate_keys(text))


def test_keys_spelled_with_escapes_are_the_same_key() -> None:
    """``"ext"`` and ``"\\u0065xt"`` are one key once decoded; not JSON is no repeat."""
    assert has_duplicate_keys(b'{"ext": 1, "\\u0065xt": 2}')
    assert not has_duplicate_keys(b'{"ext": 1, "\\u0065xu": 2}')
    assert not has_duplicate_keys(b'{"a": 1, "a": ')


def test_has_duplicate_keys_is_false_on_text_that_is_no_json_after_a_repeat() -> None:
    """A repeat seen before the text turns out to be no JSON (trailing text, a later
    syntax error, an integer too long, nesting too deep) is no repeat, as for
    ``duplicate_keys``."""
    repeat = '[{"a": 1, "a": 2}, '
    for text in (repeat + "x]", '{"a": 1, "a": 2} x', repeat + "1" * 5000 + "]",
                 repeat + "[" * 100_000 + "]" * 100_000 + "]"):
        assert duplicate_keys(text) == []
        assert has_duplicate_keys(text) is False
        assert has_duplicate_keys(text.encode()) is False
