"""Per-record reference implementations of rules whose library versions work on columns.

Each function looks at built records one at a time, the plainest way the rule can be
written, and returns the findings as ``(rule, kind, ids, message, values)`` tuples. The
tests compare the library's findings with these.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from rostergraph.model import KINDS
from rostergraph.roster import Roster

Row = tuple[str, str, tuple[str, ...], str, dict[str, Any]]

MAX_LENGTH = 255
MAX_TEACHERS = 10


def _bad(c: str) -> bool:
    """A character RG-STR-002 reports: C0/C1 control, lone surrogate, U+FFFD, noncharacter."""
    o = ord(c)
    return (o <= 0x1F or 0x7F <= o <= 0x9F or 0xD800 <= o <= 0xDFFF
            or 0xFDD0 <= o <= 0xFDEF or o == 0xFFFD or o & 0xFFFE == 0xFFFE)


def _json(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from _json(v, f"{path}.{k}")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _json(v, f"{path}[{i}]")


def _value(v: Any, path: str) -> Iterator[tuple[str, str]]:
    if v is None:
        return
    if attrs.has(type(v)):
        yield from record_strings(v, path + ".")
    elif isinstance(v, (list, tuple)) and v and all(attrs.has(type(x)) for x in v):
        for x in v:  # a list of objects: its items' fields as "<list>[].<field>"
            yield from record_strings(x, path + "[].")
    else:
        yield from _json(v, path)


def record_strings(rec: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Every string of a record as ``(path, string)``: fields, list items (``[i]``), nested
    objects (``.``), items of object lists (``[].``), maps and ``extra`` values."""
    for a in attrs.fields(type(rec)):
        if a.name != "extra":
            yield from _value(getattr(rec, a.name), prefix + a.name)
    for k, v in (getattr(rec, "extra", None) or {}).items():
        yield from _json(v, prefix + k)


def string_rules(roster: Roster) -> list[Row]:
    """RG-STR-001 (over 255 characters) and RG-STR-002 (control characters and the like)."""
    out: list[Row] = []
    for plural in KINDS:
        kind = plural[:-1]
        for rid, rec in roster.records(plural).items():
            for path, s in record_strings(rec):
                if len(s) > MAX_LENGTH:
                    message = (f"{kind} {rid}: {path} has {len(s):,} characters (more than "
                               f"{MAX_LENGTH})")
                    out.append(("RG-STR-001", kind, (rid,), message,
                                {"field": path, "length": len(s)}))
                bad = [c for c in s if _bad(c)]
                if bad:
                    chars = sorted({f"U+{ord(c):04X}" for c in bad})
                    shown = ", ".join(chars[:5]) + (" ..." if len(chars) > 5 else "")
                    out.append(("RG-STR-002", kind, (rid,), f"{kind} {rid}: {path} contains {shown}",
                                {"field": path, "chars": chars[:5], "count": len(bad)}))
    return out


def too_many_teachers(roster: Roster) -> list[Row]:
    """RG-SEC-003: more than ten distinct teachers (``teachers`` and ``teacher``)."""
    out: list[Row] = []
    for sid, sec in roster.sections.items():
        ids = set(sec.teachers or ()) | ({sec.teacher} if sec.teacher else set())
        if len(ids) > MAX_TEACHERS:
            message = (f"section {sid} has {len(ids)} teachers ({len(ids) - 1} co-teachers; "
                       f"at most {MAX_TEACHERS - 1})")
            out.append(("RG-SEC-003", "section", (sid,), message,
                        {"teachers": len(ids), "co_teachers": len(ids) - 1}))
    return out


def singular_staff_school(roster: Roster) -> list[Row]:
    """RG-STF-001's second reason: a ``school`` key in ``roles.staff``."""
    out: list[Row] = []
    for uid, u in roster.users.items():
        staff = u.roles.staff if u.roles is not None else None
        if staff is not None and "school" in staff.extra:
            message = (f"staff {uid} has a singular roles.staff.school (staff have only "
                       "schools, no primary school)")
            out.append(("RG-STF-001", "user", (uid,), message,
                        {"role": "staff", "reason": "singular_school"}))
    return out
