"""Credentials a Clever JSON record carries in ``extra`` (``password``, ``sis_password``,
``api_token``, ``secret``, ...): named by the readers' one test,
:func:`~rostergraph.io.csv_rowchecks.is_secret_column`.

The JSON reader keeps them (it loses nothing it read); the CSV readers never keep such a
column. What the library writes or prints leaves them out: every privacy mode's records
(:func:`without_credentials`, on the dicts :meth:`~rostergraph.privacy.PrivacyPolicy.apply_record`
rewrites), the writers (through :func:`~rostergraph.model.record_to_dict`'s
``extra_filter``: a conversion in any mode, or a writer called on a roster) and a diff,
which shows such a field changed without its values (:func:`holds_credential`). A
problem's ``raw`` text never quotes one either (:func:`raw_without_credentials`, every JSON
reader's builder's ``raw_filter``, as the CSV readers leave a password cell out of it).

Examples
--------
>>> d = {"id": "se1", "sis_password": "x", "vendor": {"api_token": "y", "room": "4"}}
>>> without_credentials(d)
{'id': 'se1', 'vendor': {'room': '4'}}
>>> holds_credential([{"secret": "z"}]), holds_credential({"room": "4"})
(True, False)
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import orjson

from ..model import RECORD_CLASSES, _spec
from ..roster import raw_text
from .csv_rowchecks import is_secret_column
from .enrollcells import ENROLLMENT_CELLS_KEY
from .oneroster_cols import ENROLLMENT_IDS_KEY

__all__ = ["FIELD_NAMES", "NOT_KEPT", "UNREADABLE_WITH_CREDENTIAL", "holds_credential",
           "masked_credentials", "names_credential", "raw_without_credentials",
           "without_credentials"]


def _field_names() -> frozenset[str]:
    """The names of every record's fields, at any depth: none is a credential's (a test
    checks), so a record dict's keys are tested only when the schema lacks them."""
    names: set[str] = set()
    todo = list(RECORD_CLASSES.values())
    while todo:
        for name, _, sub in _spec(todo.pop()):
            names.add(name)
            if sub is not None:
                todo.append(sub)
    return frozenset(names)


#: The names of every record's fields, at any depth (a key of a record dict that is none
#: of them is one its ``extra`` keeps).
FIELD_NAMES = _field_names()
#: the readers' own keys whose dict keys are data (cell values, user ids), not names: a
#: value spelt ``token`` is no credential's name (the readers never keep one inside)
_KEYED_BY_DATA = frozenset({ENROLLMENT_CELLS_KEY, ENROLLMENT_IDS_KEY})


def without_credentials(value: Any) -> Any:
    """``value`` (a record dict, or anything inside one) without the credential-named keys
    of its objects, at any depth (objects in lists too); what holds none is returned as
    it is.

    Examples
    --------
    >>> without_credentials({"id": "u1", "roles": {"teacher": {"Password": "x"}}})
    {'id': 'u1', 'roles': {'teacher': {}}}
    """
    if isinstance(value, Mapping):
        return {k: v if k in _KEYED_BY_DATA else without_credentials(v)
                for k, v in value.items() if not _is_credential(k)}
    if isinstance(value, list):
        return [without_credentials(v) for v in value]
    return value


def _is_credential(key: Any) -> bool:
    return isinstance(key, str) and key not in FIELD_NAMES and is_secret_column(key)


def holds_credential(value: Any) -> bool:
    """Whether ``value`` holds an object with a credential-named key, at any depth.

    Examples
    --------
    >>> holds_credential({"a": [{"b": {"client_secret": "x"}}]}), holds_credential("secret")
    (True, False)
    """
    if isinstance(value, Mapping):
        return any(_is_credential(k) or (k not in _KEYED_BY_DATA and holds_credential(v))
                   for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(holds_credential(v) for v in value)
    return False


def names_credential(path: str) -> bool:
    """Whether a dotted key path (``roles.teacher.password``) names a credential at any
    step.

    Examples
    --------
    >>> names_credential("vendor.api_token"), names_credential("0.roles.student.grade")
    (True, False)
    """
    return any(_is_credential(key) for key in path.split("."))


#: What a credential's value shows in text that is no JSON (:func:`masked_credentials`).
NOT_KEPT = '"(not kept)"'
#: a quoted key and the colon after it (escapes kept), in text that may be no JSON: looked
#: for at every quote, so that a string broken before it does not hide the key
_KEY = re.compile(r'"((?:[^"\\\n]|\\.)*)"\s*:\s*|\'((?:[^\'\\\n]|\\.)*)\'\s*:\s*')
_BARE = re.compile(r"[^,}\]\n]*")
#: a word of text that may name a key, and what follows a key :func:`masked_credentials`
#: masked
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_MASKED = re.compile(r"""["']?\s*:\s*""" + re.escape(NOT_KEPT))
#: The ``raw`` of a line that does not parse and names a credential :func:`masked_credentials`
#: cannot find the value of (a key without its colon, a key not quoted).
UNREADABLE_WITH_CREDENTIAL = "(not kept: the line names a credential and is no JSON)"


def _unmasked(text: str) -> bool:
    """Whether a credential-named word of ``text`` is not followed by its masked value."""
    return any(_is_credential(m.group()) and not _MASKED.match(text, m.end())
               for m in _WORD.finditer(text))


def raw_without_credentials(raw: Any) -> str:
    """:func:`~rostergraph.roster.raw_text` of a problem's ``raw`` (JSON text: a line, a
    record, a value) without credentials: JSON holding a credential-named key, at any
    depth, written again without it (as :func:`~rostergraph.io.csv_rowchecks.row_text`
    leaves a password cell out); text that is no JSON with such a key's value masked
    (:func:`masked_credentials`); anything else as it was.

    Examples
    --------
    >>> raw_without_credentials('{"id": "u1", "vendor": {"api_token": "t"}}')
    '{"id":"u1","vendor":{}}'
    >>> raw_without_credentials(b'{"id": "u1", "password": "pw",}')
    '{"id": "u1", "password": "(not kept)",}'
    >>> raw_without_credentials('{"id": "u1"}'), raw_without_credentials('"a password"')
    ('{"id": "u1"}', '"a password"')
    """
    if not isinstance(raw, (bytes, str)):
        return raw_text(without_credentials(raw))
    text = raw.decode("utf-8", "backslashreplace") if isinstance(raw, bytes) else raw
    try:
        doc = json.loads(text)  # (the stdlib's: an integer past 64 bits keeps its digits)
    except (ValueError, RecursionError):
        masked = masked_credentials(text)
        if _unmasked(masked):  # (a key without its colon, not quoted, ...: none of it)
            return UNREADABLE_WITH_CREDENTIAL
        return raw_text(masked)
    if not holds_credential(doc):
        return raw_text(text)
    doc = without_credentials(doc)
    try:
        return raw_text(orjson.dumps(doc))
    except TypeError:  # (a lone surrogate, an integer past 64 bits)
        return raw_text(json.dumps(doc, separators=(",", ":")))


def masked_credentials(text: str) -> str:
    """``text`` (JSON that does not parse: a broken line) with the value after each
    credential-named key (``"password": ``, quoted in ``"`` or ``'``) shown as
    :data:`NOT_KEPT`, the rest kept as it is, so that the fault can still be found. A
    string that does not end where a value does (before ``,``, ``}``, ``]`` or the next
    key: there is a quote inside it) is masked to the end of its line, an object or array
    not closed to the end of the text.

    Examples
    --------
    >>> masked_credentials('{"id":"u1","sis_password":"pw","roles":{},}')
    '{"id":"u1","sis_password":"(not kept)","roles":{},}'
    >>> masked_credentials('{"id":"u1","api_token": {"v": "t"}, "n": 1 2}')
    '{"id":"u1","api_token": "(not kept)", "n": 1 2}'
    >>> masked_credentials('{"id":"u1","password":"p"w", "name": "x"}')
    '{"id":"u1","password":"(not kept)"'
    >>> masked_credentials('{"id":"u1","password":"pw" "name": "x"}')
    '{"id":"u1","password":"(not kept)" "name": "x"}'
    """
    out: list[str] = []
    at = pos = 0
    while (m := _KEY.search(text, pos)) is not None:
        pos = m.end()
        key = m.group(1) if m.group(1) is not None else m.group(2)
        if not _is_credential(_unescaped(key)):
            continue
        end = _value_end(text, pos)
        if end > pos:
            out += [text[at:pos], NOT_KEPT]
            at = pos = end
    return "".join([*out, text[at:]])


def _unescaped(key: str) -> str:
    try:
        got = json.loads(f'"{key}"')
    except ValueError:
        return key
    return got if isinstance(got, str) else key


def _string_end(text: str, i: int) -> int:
    """The index past the string quoted at ``i``; the end of its line when not closed."""
    quote, j = text[i], i + 1
    while j < len(text) and text[j] not in (quote, "\n"):
        j += 2 if text[j] == "\\" else 1
    return j + 1 if j < len(text) and text[j] == quote else _line_end(text, i)


def _line_end(text: str, i: int) -> int:
    end = text.find("\n", i)
    return len(text) if end < 0 else end


def _value_end(text: str, i: int) -> int:
    """The index past the value that starts at ``i`` in text that may be no JSON."""
    c = text[i:i + 1]
    if c in ('"', "'"):
        end = _string_end(text, i)
        after = text[end:_line_end(text, end)].lstrip()
        # (a value ends before , } ] or the next key: a comma left out is no quote inside)
        return end if after[:1] in ("", ",", "}", "]") or _KEY.match(after) else (
            _line_end(text, i))
    if c in ("{", "["):
        depth, j = 0, i
        while j < len(text):
            if text[j] == '"':
                j = _string_end(text, j)
                continue
            depth += (text[j] in "{[") - (text[j] in "}]")
            j += 1
            if depth == 0:
                return j
        return len(text)
    m = _BARE.match(text, i)
    return i + len(m.group(0).rstrip()) if m is not None else i
