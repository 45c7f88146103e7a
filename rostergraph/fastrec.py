"""Fast record construction for the common case (generated, type-checking converters).

:func:`~rostergraph.model.record_from_dict` is general: it reports every bad
field, keeps unknown keys in ``extra`` and never fails on odd input. Most
records of a real dump are plain, though, and for those its per-field Python
work dominates loading. :func:`converter` compiles, per record class, one
straight-line function that checks every known field's JSON type and builds
the attrs record positionally. It returns :data:`FALLBACK` for anything
unusual (an unknown key, a wrongly typed value, a missing id, a non-object),
and the caller then uses ``record_from_dict``, so the result, ``extra`` and
problems are always exactly those of the general path.

Examples
--------
>>> from rostergraph.model import Section, record_from_dict
>>> conv = converter(Section)
>>> d = {"id": "s1", "school": "sc1", "teachers": ["t1"], "students": ["u1", "u2"]}
>>> conv(d) == record_from_dict(Section, d)[0]
True
>>> conv({"id": "s1", "room": "12B"}) is FALLBACK   # unknown key: the general path
True
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from types import MappingProxyType
from typing import Any

import attrs

from .model import _spec

__all__ = ["FALLBACK", "build_record", "converter"]


class _Fallback:
    __slots__ = ()

    def __repr__(self) -> str:
        return "FALLBACK"


#: Returned by a converter when the record needs the general path.
FALLBACK: Any = _Fallback()

def _converter(cls: type) -> Callable[[Any], Any]:
    """The compiled fast converter of a record class (cached).

    Like :func:`~rostergraph.model.record_from_dict`, it names the fields sent
    as an explicit ``null`` in each object's ``nulls``.

    Examples
    --------
    >>> from rostergraph.model import Term
    >>> sorted(converter(Term)({"id": "t1", "name": None}).nulls)
    ['name']
    """
    return _compile(cls)


#: :func:`_converter`, compiled once per record class (a pure function of it).
converter: Callable[[type], Callable[[Any], Any]] = cache(_converter)


def _compile(cls: type) -> Callable[[Any], Any]:
    from .model import null_set

    spec = _spec(cls)
    fields = {a.name: a for a in attrs.fields(cls)}
    ns: dict[str, Any] = {"FB": FALLBACK, "CLS": cls, "STR": str, "dict": dict, "list": list,
                          "tuple": tuple, "type": type, "MPT": MappingProxyType,
                          "KNOWN": frozenset(name for name, _, _ in spec), "STRSET": {str},
                          "NULLSET": null_set}
    body = ["def conv(d):",
            "    if type(d) is not dict or not KNOWN.issuperset(d):",
            "        return FB",
            "    N = ()"]
    args = []
    for i, (name, kind, sub) in enumerate(spec):
        v = f"v{i}"
        args.append(v)
        body.append(f"    {v} = d.get({name!r})")
        if name == "id":
            body.append(f"    if type({v}) is not str: return FB")
            continue
        if kind == "str":
            body += [f"    if {v} is not None:",
                     f"        if type({v}) is not str: return FB"]
        elif kind == "strs":
            body += [f"    if {v} is not None:",
                     (f"        if type({v}) is not list or not STRSET.issuperset(map(type, {v})):"
                      " return FB"),
                     f"        {v} = tuple({v})"]
        elif kind == "obj":
            ns[f"SUB{i}"] = converter(sub)  # type: ignore[arg-type]
            body += [f"    if {v} is not None:",
                     f"        {v} = SUB{i}({v})",
                     f"        if {v} is FB: return FB"]
        elif kind == "objs":
            ns[f"SUB{i}"] = converter(sub)  # type: ignore[arg-type]
            body += [f"    if {v} is not None:",
                     f"        if type({v}) is not list: return FB",
                     f"        {v} = tuple(map(SUB{i}, {v}))",
                     f"        for x in {v}:",
                     "            if x is FB: return FB"]
        elif kind == "map":
            body += [f"    if {v} is not None:",
                     f"        if type({v}) is not dict: return FB",
                     f"        {v} = MPT(dict({v}))"]
        else:  # pragma: no cover - a new field kind must be taught here
            raise TypeError(f"unknown field kind {kind!r}")
        # None is an absent field or an explicit null (the key is there: noted in N);
        # looking the key up only then keeps the common case (a value) as cheap as before
        body.append(f"    elif {name!r} in d: N += ({name!r},)")
        default = fields[name].default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            ns[f"DEF{i}"] = default.factory
            body.append(f"    if {v} is None: {v} = DEF{i}()")
        elif default is not None and default is not attrs.NOTHING:
            ns[f"DEF{i}"] = default
            body.append(f"    if {v} is None: {v} = DEF{i}")
    body += [f"    if N: return CLS({', '.join(args)}, nulls=NULLSET(N))",
             f"    return CLS({', '.join(args)})"]
    exec("\n".join(body), ns)  # noqa: S102 - source built above from the class schema only
    return ns["conv"]  # type: ignore[no-any-return]


def build_record(cls: type, data: Any) -> tuple[Any, list[Any]]:
    """``record_from_dict(cls, data)``, taking the fast path when it applies.

    Examples
    --------
    >>> from rostergraph.model import Term
    >>> build_record(Term, {"id": "t1", "name": 7})[1]
    [('name', 'expected a string, found number', 7)]
    """
    rec = converter(cls)(data)
    if rec is FALLBACK:
        from .model import record_from_dict

        return record_from_dict(cls, data)
    return rec, []
