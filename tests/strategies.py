"""Hypothesis strategies shared by the test suite.

Valid records and rosters first (small, with the association quirks that
matter: co-teachers, multi-school and multi-role users, references to ids
without records); corruption strategies for the fuzz tests after them.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from rostergraph.model import (
    ContactRole,
    DistrictAdminRole,
    Roles,
    School,
    Section,
    StaffRole,
    StudentRelationship,
    StudentRole,
    TeacherRole,
    User,
)
from rostergraph.roster import Roster

# Small id pools so that references collide often; ids outside the record
# sets become stub nodes.
SCHOOL_IDS = [f"sc{i}" for i in range(4)]
SECTION_IDS = [f"se{i}" for i in range(7)]
USER_IDS = [f"u{i}" for i in range(10)]


def v31_student_fields(i: int) -> dict[str, Any]:
    """Clever API v3.1 student fields (some values outside Clever's enumerations, some
    explicit nulls), varied by ``i``."""
    return {"gifted_status": ("Y", "N", "", "Gifted")[i % 4],
            "section_504_status": ("N", "Y", "504 plan")[i % 3],
            "home_language_code": ("eng", "spa", "xx-unlisted")[i % 3],
            "disability": ({"disability_status": "Y", "disability_type": "Autism",
                            "disability_code": "aut"} if i % 5 == 0 else
                           {"disability_status": "N", "disability_type": None,
                            "disability_code": None}),
            "preferred_name": {"first": f"P{i}", "middle": None, "last": "Q"},
            "frl_status": ("Other", "Free", "F")[i % 3]}


def _subset(pool: list[str], max_size: int = 4) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(st.sampled_from(pool), max_size=max_size).map(tuple)


@st.composite
def rosters(draw: Any) -> Roster:
    """A small random Roster exercising every relation of the graph."""
    school_ids = draw(st.lists(st.sampled_from(SCHOOL_IDS), unique=True, max_size=3))
    schools = [School(id=s, district="d1", name=f"School {s}") for s in school_ids]
    user_ids = draw(st.lists(st.sampled_from(USER_IDS), unique=True, max_size=8))
    users = []
    for uid in user_ids:
        roles: dict[str, Any] = {}
        if draw(st.booleans()):
            roles["student"] = StudentRole(
                school=draw(st.none() | st.sampled_from(SCHOOL_IDS)),
                schools=draw(st.none() | _subset(SCHOOL_IDS, 3)))
        if draw(st.booleans()):
            roles["teacher"] = TeacherRole(
                school=draw(st.none() | st.sampled_from(SCHOOL_IDS)),
                schools=draw(st.none() | _subset(SCHOOL_IDS, 3)))
        if draw(st.integers(0, 3)) == 0:
            roles["staff"] = StaffRole(schools=draw(st.none() | _subset(SCHOOL_IDS, 3)))
        if draw(st.integers(0, 4)) == 0:
            roles["district_admin"] = DistrictAdminRole()
        if draw(st.integers(0, 2)) == 0:
            rels = draw(st.lists(st.sampled_from(USER_IDS), max_size=3))
            roles["contact"] = ContactRole(student_relationships=tuple(
                StudentRelationship(student=s, relationship=draw(
                    st.sampled_from(["Parent", "Grandparent", "Other", ""])), type="Family")
                for s in rels))
        users.append(User(id=uid, district=draw(st.sampled_from(["d1", "d1", None])),
                          roles=Roles(**roles)))
    section_ids = draw(st.lists(st.sampled_from(SECTION_IDS), unique=True, max_size=6))
    sections = []
    for sid in section_ids:
        teachers = draw(_subset(USER_IDS, 4))
        teacher = draw(st.sampled_from(["first", "none", "other"]))
        primary = (teachers[0] if teachers else None) if teacher == "first" else (
            None if teacher == "none" else draw(st.sampled_from(USER_IDS)))
        sections.append(Section(
            id=sid, district="d1", school=draw(st.none() | st.sampled_from(SCHOOL_IDS)),
            teacher=primary, teachers=teachers, students=draw(_subset(USER_IDS, 6)),
            name=draw(st.sampled_from(["Math", "Art", "Math"]))))
    return Roster(schools=schools, sections=sections, users=users)


# --- valid Clever JSON records (as decoded JSON objects) -------------------------
#
# ``record_dicts(cls)`` draws a JSON object that ``record_from_dict(cls, obj)``
# takes with no problem, covering every field of the schema (nested objects,
# arrays of objects, ``ext`` maps) plus unknown ``x_*`` keys, with text that
# is hostile to outputs (formula prefixes, control characters, NUL, BOM, lone
# surrogates, RTL, emoji). ``clever_dumps()`` draws a whole dump: kind → list
# of such records with unique ids.

import json as _json

import attrs as _attrs
import orjson as _orjson

from rostergraph.model import KINDS, RECORD_CLASSES

#: Strings that break naive writers: formulas, control characters, NUL, BOM,
#: line/paragraph separators, a lone surrogate, RTL override, quotes, emoji.
HOSTILE_TEXT = ["=1+1", "+SUM(A1)", "-2", "@cmd", "\tx", "\rx", "a\x00b", "\ufeffbom",
                "line\u2028sep", "\ud800", "\u202eevil", '"quoted", comma', "a\\b",
                "👩‍🏫", "é", "</script><b>", "'=already", ""]

text = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=12),
    st.sampled_from(HOSTILE_TEXT),
)
#: Ids: mostly plain, some hostile (ids are compared exactly, never normalised).
ID_POOL = [f"id{i}" for i in range(12)] + ["=id", "ü", " sp ", "a/b", "..", "\ud800x"]

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**63 - 1),
                         st.floats(allow_nan=False, allow_infinity=False), text)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=6,
)


def _field_strategy(kind: str, sub: type | None, nulls: bool = False
                    ) -> st.SearchStrategy[Any]:
    if kind == "str":
        return text
    if kind == "strs":
        return st.lists(text, max_size=3)
    if kind == "obj":
        return record_dicts(sub, nulls=nulls)  # type: ignore[arg-type]
    if kind == "objs":
        return st.lists(record_dicts(sub, nulls=nulls), max_size=2)  # type: ignore[arg-type]
    return st.dictionaries(text, json_values, max_size=3)  # "map"


@st.composite
def record_dicts(draw: Any, cls: type, id: str | None = None,
                 nulls: bool = False) -> dict[str, Any]:
    """A JSON object that is a valid ``cls`` record (no problems when read); with
    ``nulls``, each optional field (nested ones too) is absent, ``null`` or a value."""
    out: dict[str, Any] = {}
    for a in _attrs.fields(cls):
        kind = a.metadata.get("kind")
        if kind in (None, "extra", "nulls"):
            continue
        if a.name == "id" and "cls" in a.metadata and cls in RECORD_CLASSES.values():
            out["id"] = id if id is not None else draw(st.sampled_from(ID_POOL))
            continue
        how = draw(st.integers(0, 4 if nulls else 3))
        if how == 0:  # most optional fields present
            continue
        if how == 4:
            out[a.name] = None
            continue
        out[a.name] = draw(_field_strategy(kind, a.metadata.get("cls"), nulls))
    for key, value in draw(st.dictionaries(st.sampled_from(["x_a", "x_b", "x_c"]),
                                           json_values, max_size=2)).items():
        out[key] = value
    return out


@st.composite
def clever_dumps(draw: Any, max_per_kind: int = 4) -> dict[str, list[dict[str, Any]]]:
    """A Clever dump: kind → valid record objects with unique ids per kind."""
    dump: dict[str, list[dict[str, Any]]] = {}
    for kind in KINDS:
        ids = draw(st.lists(st.sampled_from(ID_POOL), unique=True, max_size=max_per_kind))
        dump[kind] = [draw(record_dicts(RECORD_CLASSES[kind], id=i)) for i in ids]
    return dump


def json_line(obj: Any) -> bytes:
    """One JSON Lines line for ``obj`` as Clever writes it (lone surrogates escaped)."""
    try:
        return _orjson.dumps(obj)
    except TypeError:
        return _json.dumps(obj, ensure_ascii=True).encode()


# --- corruption strategies ------------------------------------------------------
#
# A corruption turns one valid record line into a bad one and says which
# problem codes the reader may report for it (at that line). The tests pair
# them with ``FUZZ_LIMITS`` so that the size and depth cases stay small.

from rostergraph.io.limits import Limits

FUZZ_LIMITS = Limits(max_field_bytes=1000, max_json_depth=16, max_line_bytes=8000)

#: name → problem codes the reader may report for a line corrupted that way.
LINE_CORRUPTIONS: dict[str, frozenset[str]] = {
    "truncate": frozenset({"syntax", "encoding"}),
    "bad_utf8": frozenset({"encoding", "no_id"}),  # no_id: the byte went into the key "id"
    "nul_byte": frozenset({"syntax", "encoding"}),  # NUL may split a UTF-8 sequence
    "id_wrong_type": frozenset({"no_id"}),
    "no_id": frozenset({"no_id"}),
    "field_wrong_type": frozenset({"bad_field"}),
    "not_object": frozenset({"not_object"}),
    "huge_field": frozenset({"limit"}),
    "deep_nesting": frozenset({"limit"}),
    "long_line": frozenset({"limit"}),
}
#: Corruptions after which the record still loads (with the bad value in extra).
KEEPS_RECORD = frozenset({"field_wrong_type"})
#: corruptions after which the record may load or not: a byte that is not UTF-8 inside a
#: string is replaced by U+FFFD and the record loads; elsewhere the line is no JSON.
MAY_KEEP_RECORD = frozenset({"bad_utf8"})


@st.composite
def corrupt_line(draw: Any, cls: type, obj: dict[str, Any]) -> tuple[str, bytes]:
    """``(corruption name, bad line)`` made from a valid record object."""
    how = draw(st.sampled_from(sorted(LINE_CORRUPTIONS)))
    line = json_line(obj)
    obj = dict(obj)
    if how == "truncate":
        return how, line[: draw(st.integers(1, len(line) - 1))]
    if how in ("bad_utf8", "nul_byte"):
        bad = b"\x00" if how == "nul_byte" else draw(st.sampled_from(
            [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80"]))
        at = draw(st.integers(0, len(line)))
        return how, line[:at] + bad + line[at:]
    if how == "id_wrong_type":
        obj["id"] = draw(st.one_of(st.none(), st.integers(), st.booleans(),
                                   st.lists(st.integers(), max_size=2), st.just({})))
    elif how == "no_id":
        del obj["id"]
    elif how == "field_wrong_type":
        names = [a.name for a in _attrs.fields(cls)
                 if a.metadata.get("kind") == "str" and a.name != "id"]
        # (64-bit integers: a wider one is also a ``limit`` problem, tested on its own)
        obj[draw(st.sampled_from(names))] = draw(st.integers(-2**63, 2**63 - 1) | st.booleans()
                                                 | st.just(["a"]) | st.just({"k": 1}))
    elif how == "not_object":
        return how, draw(st.sampled_from([b"[1, 2]", b'"text"', b"42", b"null", b"true",
                                          b"[]"]))
    elif how == "huge_field":
        obj["x_blob"] = "x" * draw(st.integers(FUZZ_LIMITS.max_field_bytes + 1, 3000))
    elif how == "deep_nesting":
        depth = draw(st.sampled_from([FUZZ_LIMITS.max_json_depth, 100, 2000]))
        return how, line[:-1] + b', "x_deep": ' + b"[" * depth + b"]" * depth + b"}"
    elif how == "long_line":
        obj["x_pad"] = ["y" * 1000] * (FUZZ_LIMITS.max_line_bytes // 1000 + 1)
    return how, json_line(obj)


#: Line separators a SIS export may mix in one file.
line_ends = st.sampled_from([b"\n", b"\r\n", b"\r"])


@st.composite
def byte_mutations(draw: Any, data: bytes) -> bytes:
    """``data`` with one to three byte-level accidents: truncation, junk bytes
    (NUL, invalid UTF-8, BOM, quotes, separators), a deleted or doubled span,
    or its line ends rewritten."""
    for _ in range(draw(st.integers(1, 3))):
        how = draw(st.sampled_from(["truncate", "insert", "delete", "double", "line_ends"]))
        n = len(data)
        at = draw(st.integers(0, n))
        if how == "truncate":
            data = data[:at]
        elif how == "insert":
            junk = draw(st.sampled_from([b"\x00", b"\xff", b"\xef\xbb\xbf", b'"', b",",
                                         b"\r", b"\n", b"\xc3", b"{", b"]", b"\\"])
                        | st.binary(min_size=1, max_size=8))
            data = data[:at] + junk + data[at:]
        elif how == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 40)):]
        elif how == "double":
            data = data[:at] + data[at:at + draw(st.integers(1, 200))] + data[at:]
        else:
            data = data.replace(b"\r\n", b"\n").replace(b"\n", draw(line_ends))
    return data
