"""Small helpers shared by the readers and writers: dotted paths into record dicts,
grade code tables, and the JSON carry column.

Examples
--------
>>> d = {}
>>> set_path(d, "roles.student.grade", "9")
>>> d, get_path(d, "roles.student.grade"), get_path(d, "name.first")
({'roles': {'student': {'grade': '9'}}}, '9', None)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "CARRY_KEY",
    "CEDS_TO_CLEVER",
    "CLEVER_TO_CEDS",
    "GRADE_SPELLINGS_TO_CEDS",
    "JSON_LEAF_TYPES",
    "ceds_grade",
    "deep_merge",
    "get_path",
    "loads_carry",
    "passwords_left_out",
    "pop_path",
    "set_path",
    "share_values",
]

#: Section fields whose values most sections share (a school, term, course, period...):
#: a CSV reader keeps its section dicts until the enrollments are read, and each cell it
#: reads is a string of its own.
SHARED_SECTION_FIELDS = ("district", "school", "course", "term_id", "grade", "subject",
                         "period", "section_number", "last_modified")


def share_values(d: dict[str, Any], keys: tuple[str, ...], shared: dict[str, str]) -> None:
    """Make ``d``'s string values at ``keys`` the ones ``shared`` holds (adding those it
    does not): one string object per distinct value across the dicts given the same
    ``shared`` (at 300k sections, ~190 MB less).

    Examples
    --------
    >>> shared = {}
    >>> a, b = {"school": "".join(["s", "1"])}, {"school": "".join(["s", "1"])}
    >>> a["school"] is b["school"]
    False
    >>> share_values(a, ("school",), shared); share_values(b, ("school",), shared)
    >>> a["school"] is b["school"]
    True
    """
    for k in keys:
        v = d.get(k)
        if type(v) is str:
            d[k] = shared.setdefault(v, v)

#: Name of the extension column that carries, as JSON, every Clever field a
#: format has no column for (``metadata.rostergraph.clever`` in OneRoster,
#: ``Rostergraph_clever`` in SFTP CSV).
CARRY_KEY = "rostergraph.clever"

#: OneRoster (CEDS) grade codes → Clever grade values.
CEDS_TO_CLEVER: dict[str, str] = {
    "IT": "InfantToddler", "PR": "Preschool", "PK": "PreKindergarten",
    "TK": "TransitionalKindergarten", "KG": "Kindergarten",
    **{f"{i:02d}": str(i) for i in range(1, 14)},
    "PS": "PostGraduate", "UG": "Ungraded", "Other": "Other",
}
#: Clever grade values → OneRoster (CEDS) grade codes.
CLEVER_TO_CEDS: dict[str, str] = {v: k for k, v in CEDS_TO_CLEVER.items()}
#: Other spellings of a grade, as SIS exports and Clever's SFTP upload write them, by their
#: case-folded text without spaces around it → the OneRoster (CEDS) code they name:
#: Clever's values in any case, its numbers with or without a zero, the codes themselves,
#: and the short forms ``K``, ``PreK`` and ``Pre-K``.
GRADE_SPELLINGS_TO_CEDS: dict[str, str] = {
    **{k.casefold(): k for k in CEDS_TO_CLEVER},
    **{v.casefold(): k for k, v in CEDS_TO_CLEVER.items()},
    "k": "KG", "prek": "PK", "pre-k": "PK",
}


def ceds_grade(grade: str) -> str:
    """The OneRoster (CEDS) code of a Clever grade, or of another spelling of one
    (:data:`GRADE_SPELLINGS_TO_CEDS`); any other grade as given.

    Examples
    --------
    >>> ceds_grade("Kindergarten"), ceds_grade("K"), ceds_grade(" 5"), ceds_grade("Grade 5")
    ('KG', 'KG', '05', 'Grade 5')
    """
    code = CLEVER_TO_CEDS.get(grade)
    if code is not None:
        return code
    return GRADE_SPELLINGS_TO_CEDS.get(grade.strip().casefold(), grade)


def set_path(d: dict[str, Any], path: str, value: Any) -> None:
    """Set ``d[a][b][c] = value`` for ``path="a.b.c"``, creating dicts on the way."""
    parts = path.split(".")
    for p in parts[:-1]:
        nxt = d.get(p)
        if not isinstance(nxt, dict):
            nxt = {}
            d[p] = nxt
        d = nxt
    d[parts[-1]] = value


def get_path(d: Mapping[str, Any] | None, path: str) -> Any:
    """``d[a][b][c]`` for ``path="a.b.c"``, or ``None`` when any step is missing."""
    if type(d) is dict and "." not in path:
        return d.get(path)
    cur: Any = d
    for p in path.split("."):
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(p)
    return cur


def pop_path(d: dict[str, Any], path: str) -> Any:
    """Remove and return ``d[a][b][c]``; drop dicts the removal leaves empty.

    Examples
    --------
    >>> d = {"name": {"first": "Ann"}, "roles": {"student": {"grade": "9", "dob": "x"}}}
    >>> pop_path(d, "name.first"), pop_path(d, "roles.student.grade"), pop_path(d, "a.b")
    ('Ann', '9', None)
    >>> d
    {'roles': {'student': {'dob': 'x'}}}
    """
    if "." not in path:
        return d.pop(path, None)
    parents = path.split(".")
    leaf = parents.pop()
    cur: Any = d
    for p in parents:
        cur = cur.get(p)
        if type(cur) is not dict:
            return None
    value = cur.pop(leaf, None)
    if not cur:  # (rare: the writers ask this ~15 times a record, so no stack is kept)
        _drop_emptied(d, parents)
    return value


def _drop_emptied(d: dict[str, Any], parents: list[str]) -> None:
    """Drop the dicts at ``parents`` (a path's steps) that are empty, innermost first."""
    holders = [d]
    for p in parents[:-1]:
        holders.append(holders[-1][p])
    for holder, key in zip(reversed(holders), reversed(parents)):
        if holder[key]:
            break
        del holder[key]


#: JSON's non-object value types: never a Mapping (a value of one needs no ABC check).
JSON_LEAF_TYPES = frozenset({str, int, float, bool, list, type(None)})


def deep_merge(base: dict[str, Any], more: Mapping[str, Any], *,
               none_deletes: bool = False) -> dict[str, Any]:
    """Merge ``more`` into ``base`` (nested dicts merged, other values replaced).

    With ``none_deletes`` a ``None`` in ``more`` removes the key: an extension
    column's ``null`` says "absent" (CSV has no explicit null, so a record read
    from CSV never names one in its ``nulls``).

    Examples
    --------
    >>> deep_merge({"a": {"x": 1}}, {"a": {"y": 2}, "b": 3})
    {'a': {'x': 1, 'y': 2}, 'b': 3}
    >>> deep_merge({"a": {"x": 1}, "b": 2}, {"a": {"x": None}, "b": None}, none_deletes=True)
    {'a': {}}
    """
    for k, v in more.items():
        # a plain dict (what JSON parses to) is told apart without the ABC check, which
        # the CSV readers would otherwise pay on every extension cell's every value
        if (type(v) is dict or (type(v) not in JSON_LEAF_TYPES and isinstance(v, Mapping))) and (
                none_deletes or isinstance(base.get(k), dict)):
            if not isinstance(base.get(k), dict):
                base[k] = {}
            deep_merge(base[k], v, none_deletes=none_deletes)
        elif v is None and none_deletes:
            base.pop(k, None)
        else:
            base[k] = v
    return base


def loads_carry(text: str, max_depth: int = 64) -> Any:
    """Parse an extension column's JSON (stdlib fallback for escaped lone surrogates).

    Raises :class:`ValueError` when the text is not JSON, or nests deeper than
    ``max_depth`` (``Limits.max_json_depth``): checked by a scan that never
    recurses before any parser sees the text, so no depth reaches a
    ``RecursionError`` in a reader or, later, in a writer.

    Examples
    --------
    >>> loads_carry('{"a": "\\ud800"}')["a"] == chr(0xD800)
    True
    >>> loads_carry("[[[1]]]", max_depth=2)
    Traceback (most recent call last):
    ...
    ValueError: JSON nests deeper than 2 levels (Limits.max_json_depth)
    """
    import orjson

    from .limits import json_depth

    if json_depth(text) > max_depth:
        raise ValueError(f"JSON nests deeper than {max_depth} levels (Limits.max_json_depth)")
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        import json

        return json.loads(text)


def passwords_left_out(file: str, n: int) -> str:
    """The note of a reader that left out ``n`` passwords of ``file``: a login credential
    in a source is never kept.

    Examples
    --------
    >>> passwords_left_out("users.csv", 1)
    'users.csv: 1 password not kept (login credentials are never stored)'
    """
    return (f"{file}: {n:,} password{'s' if n != 1 else ''} not kept (login credentials are "
            "never stored)")
