"""Users' columns repeated from their shape's template give what the columns of each user's
own decoded struct give."""

from __future__ import annotations

from typing import Any

import msgspec
import numpy as np
import orjson
import pytest

from rostergraph.columns import Columns
from rostergraph.io import scan
from rostergraph.io.shaped_users import UserShape, add_shaped
from rostergraph.model import User

DECODE = msgspec.json.Decoder(scan.struct_for(User, True, True)).decode
EMAIL, AGENTS = "\ue000E\ue001", "\ue000A\ue001"

#: templates: a user dict with EMAIL where its email goes, AGENTS as its contact's student
SHAPES: list[dict[str, Any]] = [
    {"roles": {"student": {"school": "s1", "schools": ["s1", "s2"], "grade": "3"}},
     "email": EMAIL, "name": {"first": "x", "last": "y"}},
    {"roles": {"student": {"school": "s1", "schools": ["s2"]}}, "name": {"last": "y"}},
    {"roles": {"teacher": {"school": "s2", "schools": ["s1", "s2"]}}, "email": EMAIL},
    {"roles": {"contact": {"student_relationships": [
        {"student": AGENTS, "relationship": "Parent", "type": "Parent/Guardian"}]}},
     "email": EMAIL},
    {"roles": {"contact": {}}, "district": "d1"},
]


def _user(shape: dict[str, Any], uid: str, email: str, students: list[str]) -> Any:
    text = orjson.dumps({"id": uid, **shape}).decode().replace(EMAIL, email)
    if AGENTS in text:
        one = text[text.rindex("{", 0, text.index(AGENTS)):text.index("}", text.index(AGENTS)) + 1]
        text = text.replace(one, ",".join(one.replace(AGENTS, s) for s in students))
    return DECODE(text.encode())


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("chosen", [range(len(SHAPES)), [0, 2, 3]])  # (all own an email)
def test_shaped_columns_are_the_structs_columns(seed: int, chosen: Any) -> None:
    rnd = np.random.default_rng(seed)
    templates = [UserShape.of(DECODE(orjson.dumps({"id": "\ue000I\ue001", **s})),
                              {EMAIL: 0}, AGENTS) for s in SHAPES]
    assert all(t is not None for t in templates)
    picks = rnd.choice(list(chosen), 50).tolist()
    ids = [f"u{k}" for k in range(50)]
    emails = [str(rnd.choice(["a@x.org", "no-at", "b@y.org", "@", "x@"])) for _ in ids]
    students = [[f"s{j}" for j in range(int(rnd.integers(1, 4)))] if SHAPES[p]["roles"].get(
        "contact", {}).get("student_relationships") else [] for p in picks]
    want = Columns("users")
    want.add([DECODE(b'{"id":"before"}')])  # (rows count on from an earlier batch)
    want.add([_user(SHAPES[p], u, e, s) for p, u, e, s in zip(picks, ids, emails, students)])
    got = Columns("users")
    got.add([DECODE(b'{"id":"before"}')])
    add_shaped(got, ids, templates, np.array(picks), [emails], students)  # type: ignore[arg-type]
    assert got.ids == want.ids
    for name, col in want.cols.items():
        if name == "roles":
            assert bytes(got.cols[name]) == bytes(col)
            continue
        for a, b in zip(got.cols[name], col):
            assert list(a) == list(b), name
    for name, col in want.fields.items():
        assert list(got.fields[name]) == list(col), name


def test_a_placeholder_where_no_own_string_goes_is_no_shape() -> None:
    """A grade naming a placeholder: its users' texts are decoded instead."""
    t = DECODE(orjson.dumps({"id": "i", "roles": {"student": {"grade": EMAIL}}}))
    assert UserShape.of(t, {EMAIL: 0}, AGENTS) is None
    # (nor a relation naming a placeholder and a constant: the user's string may be it)
    t = DECODE(orjson.dumps({"id": "i", "roles": {"student": {"school": "s1",
                                                              "schools": ["s1", EMAIL]}}}))
    assert UserShape.of(t, {EMAIL: 0}, AGENTS) is None


SCHOOL, OTHER = "\ue000S\ue001", "\ue000T\ue001"
#: templates whose schools are the users' own strings (SCHOOL, OTHER), among constants
#: (a user's own strings in one relation distinct: those the reader gives are)
OWN_SCHOOLS: list[dict[str, Any]] = [
    {"roles": {"student": {"school": SCHOOL, "schools": [SCHOOL]}}, "email": EMAIL},
    {"roles": {"student": {"school": SCHOOL, "schools": [SCHOOL, OTHER]}}},
    {"roles": {"teacher": {"school": OTHER, "schools": [OTHER]},
               "staff": {"schools": [SCHOOL]}}},
    {"roles": {"student": {"school": "s1"}}},
    {"roles": {"district_admin": {}}, "district": "d1"},
]


@pytest.mark.parametrize("arrow", [False, True])
@pytest.mark.parametrize("seed", [0, 1])
def test_schools_named_by_the_users_own_strings(arrow: bool, seed: int) -> None:
    """School edges naming a placeholder: each user's edges name its own strings, as
    its decoded struct's do (given as lists or as pyarrow arrays, references handed to
    ``refs_to`` or kept as lists)."""
    import pyarrow as pa

    rnd = np.random.default_rng(seed)
    holders = {EMAIL: 0, SCHOOL: 1, OTHER: 2}
    templates = [UserShape.of(DECODE(orjson.dumps({"id": "\ue000I\ue001", **s})), holders,
                              AGENTS) for s in OWN_SCHOOLS]
    assert all(t is not None for t in templates)
    picks = rnd.choice(len(OWN_SCHOOLS), 40).tolist()
    ids = [f"u{k}" for k in range(40)]
    own = [[f"e{k}@x.org" for k in range(40)],
           [str(rnd.choice(["a", "b", "s1"])) for _ in ids],
           [str(rnd.choice(["c", "s9", "d"])) for _ in ids]]
    want = Columns("users")
    want.add([DECODE(orjson.dumps({"id": u, **OWN_SCHOOLS[p]}).decode().replace(
        EMAIL, own[0][k]).replace(SCHOOL, own[1][k]).replace(OTHER, own[2][k]).encode())
        for k, (p, u) in enumerate(zip(picks, ids))])
    got = Columns("users")
    handed: dict[str, list[str]] = {}
    strings: list[Any] = [own[0], *(pa.chunked_array([o]) if arrow else o for o in own[1:])]
    add_shaped(got, ids, templates, np.array(picks), strings, [],  # type: ignore[arg-type]
               refs_to=(lambda name, refs: handed.setdefault(name, []).extend(
                   refs.to_pylist())) if arrow else None)
    for name, col in want.cols.items():
        if name == "roles":
            assert bytes(got.cols[name]) == bytes(col)
            continue
        if arrow and name in handed:
            assert handed[name] == list(col[1]), name
            got_col = [got.cols[name][0], col[1], *got.cols[name][2:]]
        else:
            got_col = list(got.cols[name])
        for a, b in zip(got_col, col):
            assert list(a) == list(b), name
    for name, col in want.fields.items():
        assert list(got.fields[name]) == list(col), name


def test_shapes_worked_out_together_are_each_alone() -> None:
    """:meth:`UserShape.of_many` gives, for each struct, what :meth:`UserShape.of` gives
    for it alone: a struct that is no shape among the others stays ``None`` without
    touching its neighbours."""
    structs = [DECODE(orjson.dumps({"id": "\ue000I\ue001", **s})) for s in SHAPES]
    structs.insert(2, DECODE(orjson.dumps({"id": "i", "roles": {"student": {"grade": EMAIL}}})))
    together = UserShape.of_many(structs, {EMAIL: 0}, AGENTS)
    alone = [UserShape.of(s, {EMAIL: 0}, AGENTS) for s in structs]
    assert [t is None for t in together] == [a is None for a in alone]
    assert together[2] is None and sum(t is None for t in together) == 1
    for t, a in zip(together, alone):
        if t is not None and a is not None:
            assert (t.role, t.edges, t.agents, t.fields, t.own, t.own_refs) == (
                a.role, a.edges, a.agents, a.fields, a.own, a.own_refs)
