"""ColumnarBuilder: plain users and sections kept as text and columns, with exactly the
records, problems and order the plain builder gives, and the columns the graph and the
rules would take from those records."""

from __future__ import annotations

import copy
import datetime
import enum
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rostergraph
from rostergraph.errors import FormatError
from rostergraph.graph import RosterGraph
from rostergraph.io.collect import COLLECTED, ColumnarBuilder
from rostergraph.io.write_oneroster import write_oneroster
from rostergraph.io.write_sftp import write_clever_csv
from rostergraph.lazy import LazyRecords
from rostergraph.model import KINDS, RECORD_CLASSES
from rostergraph.roster import Roster, RosterBuilder
from rostergraph.synth import write_district

from .field_oracle import FIELD_GETTERS
from .strategies import record_dicts


@st.composite
def _objects(draw: Any) -> list[tuple[str, Any]]:
    """Objects a CSV reader may hand the builder: mostly plain records, with the odd
    ones that must take the general path (a repeated or empty id, an unknown key, a
    wrongly typed value, a long string, a lone surrogate, not an object)."""
    out: list[tuple[str, Any]] = []
    for _ in range(draw(st.integers(0, 14))):
        kind = draw(st.sampled_from(["users", "users", "sections", "schools"]))
        obj = draw(record_dicts(RECORD_CLASSES[kind], nulls=True))
        if draw(st.booleans()):  # most objects without the strategy's unknown keys
            obj = {k: v for k, v in obj.items() if not k.startswith("x_")}
        how = draw(st.sampled_from(["plain"] * 6 + ["empty_id", "int_id", "bad_type",
                                                     "long", "surrogate", "list",
                                                     "long_extra", "nested_extra",
                                                     "staff_school"]))
        if how == "empty_id":
            obj["id"] = ""
        elif how == "int_id":
            obj["id"] = 7
        elif how == "bad_type":
            obj[draw(st.sampled_from(["name", "email", "school", "students"]))] = 5
        elif how == "long":
            obj["sis_id"] = "s" * 300
        elif how == "long_extra":  # (an unknown key's string: not bounded by the decoder)
            obj["x_note"] = draw(st.sampled_from(["n" * 256, "n" * 255, "é" * 200,
                                                  ["l" * 300], {"k": "m" * 400}]))
        elif how == "nested_extra" and kind == "users":
            obj["roles"] = {"student": {"school": "sc1", "x_local": "7" * draw(
                st.sampled_from([3, 300]))}}
        elif how == "staff_school" and kind == "users":  # (staff have only `schools`)
            obj["roles"] = {"staff": {"schools": ["sc1"], "school": "sc1"}}
        elif how == "surrogate":
            obj["sis_id"] = "a\udc80"
        elif how == "list":
            obj = [obj]
        out.append((kind, obj))
    return out


def _both(items: list[tuple[str, Any]], **kw: Any) -> tuple[Roster, Roster]:
    got = []
    for make in (ColumnarBuilder, RosterBuilder):
        b = make(source="mem", format="test", **kw)
        for line, (kind, obj) in enumerate(items, 2):
            b.add(kind, copy.deepcopy(obj), file=f"{kind}.csv", line=line)
        got.append(b.build())
    return got[0], got[1]


def assert_same_roster(new: Roster, old: Roster) -> None:
    """Same records (order, fields, extra, explicit nulls), problems, graph, field
    columns and findings (those first: building the records would hide a rule that
    reads only built ones)."""
    assert new.problems == old.problems
    assert_same_columns(new, old)
    for kind in KINDS:
        a, b = new.records(kind), old.records(kind)
        assert list(a) == list(b), kind
        for rid, rec in b.items():
            assert a[rid] == rec and a[rid].extra == rec.extra, (kind, rid)
            assert a[rid].nulls == rec.nulls, (kind, rid)


def read_by_the_csv_module(read: Callable[[], Roster], monkeypatch: pytest.MonkeyPatch
                           ) -> Roster:
    """``read()`` with neither of pyarrow's parses of a CSV file (its bytes, or as read
    from disk): every file read by the :mod:`csv` module, the reading the fast ones equal."""
    from rostergraph.io import csvutil

    with monkeypatch.context() as m:
        m.setattr(csvutil, "_arrow_columns", lambda *a: None)
        m.setattr(csvutil, "_arrow_columns_from_file", lambda *a: None)
        return read()


def same_either_way(read: Callable[[], Roster], monkeypatch: pytest.MonkeyPatch,
                    module: Any, switch: str) -> tuple[Roster, Roster]:
    """``read()`` with ``module``'s fast path ``switch`` on, then off (and on again after):
    the same roster (:func:`assert_same_roster`) and notes. Both, fast path first."""
    new = read()
    monkeypatch.setattr(module, switch, False)
    old = read()
    monkeypatch.setattr(module, switch, True)
    assert_same_roster(new, old)
    assert new.provenance.notes == old.provenance.notes
    return new, old


def same_error_either_way(read: Callable[[], Any], monkeypatch: pytest.MonkeyPatch,
                          module: Any, switch: str) -> None:
    """``read()`` with ``module``'s fast path ``switch`` on, then off (and on again after):
    the same exception, of the same type and message, both times."""
    with pytest.raises(Exception) as new:
        read()
    monkeypatch.setattr(module, switch, False)
    with pytest.raises(Exception) as old:
        read()
    monkeypatch.setattr(module, switch, True)
    assert (type(new.value), str(new.value)) == (type(old.value), str(old.value))


def assert_same_columns(new: Roster, old: Roster) -> None:
    """``new``'s graph, rules' field columns and findings (from the columns its reader
    kept) equal ``old``'s (from its records)."""
    gn, go = RosterGraph.from_roster(new), RosterGraph.from_roster(old)
    assert gn.counts() == go.counts()
    assert gn.roles.tolist() == go.roles.tolist()
    for name, rel in go.relations.items():
        got = gn.relations[name]
        assert got.src.tolist() == rel.src.tolist() and got.dst.tolist() == rel.dst.tolist()
        for attr, val in rel.attrs.items():
            assert got.attrs[attr].tolist() == val.tolist(), (name, attr)
    for kind in COLLECTED:
        cols = new._columns.fields(kind, new.records(kind))
        if cols is None:
            continue
        for name in cols:  # (a warm load leaves out the hashes: valid in one process only)
            if name == "text_suspect":  # (a superset: the findings below check it)
                continue
            get = FIELD_GETTERS[kind][name]
            assert list(cols[name]) == [get(r) for r in old.records(kind).values()], name
    assert list(rostergraph.validate(new).findings) == list(rostergraph.validate(old).findings)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(items=_objects())
def test_same_as_the_plain_builder(items: list[tuple[str, Any]]) -> None:
    new, old = _both(items)
    assert_same_roster(new, old)


def test_plain_records_are_built_on_first_access() -> None:
    b = ColumnarBuilder(source="mem", format="test")
    for i in range(1000):
        b.add("users", {"id": f"u{i}", "email": f"u{i}@x.org", "roles": {
            "student": {"school": "s1", "schools": ["s1"], "grade": "3"}}}, line=i + 2)
    b.add("sections", {"id": "c1", "school": "s1", "students": ["u1", "u2"]}, line=2)
    r = b.build()
    assert isinstance(r.users, LazyRecords) and r.users.n_built() == 0
    g = RosterGraph.from_roster(r)  # from the columns: still nothing built
    assert r.users.n_built() == 0 and len(g.relations["enrolled_in"].src) == 2
    assert r.users["u7"].roles.student.grade == "3"
    assert r.users.n_built() == 1


def test_unknown_keys_stay_in_extra_and_long_strings_in_them_are_found() -> None:
    """Keys that are no field (a CSV reader's extra, at any depth) keep the record lazy;
    the record keeps them, and a long string in one is still a finding."""
    items = [("users", {"id": "u1", "oneroster.userIds": "{Local:1}"}),
             ("users", {"id": "u2", "oneroster.note": "x" * 300}),
             ("users", {"id": "u3", "roles": {"student": {"school": "s", "x_k": "v"}}})]
    new, old = _both(items)
    assert isinstance(new.users, LazyRecords) and new.users.n_built() == 0
    assert_same_roster(new, old)
    assert new.users["u1"].extra == {"oneroster.userIds": "{Local:1}"}
    assert new.users["u3"].roles.student.extra == {"x_k": "v"}
    found = rostergraph.validate(new).findings
    assert [f.ids[0] for f in found if f.rule == "RG-STR-001"] == ["u2"]


def test_a_staff_role_with_a_school_key_is_found() -> None:
    """RG-STF-001 reports a staff role carrying a singular ``school`` (kept in the role's
    extra) from a CSV reader's roster as from the plain builder's."""
    items = [("users", {"id": "s1", "roles": {"staff": {"schools": ["a"], "school": "a"}}}),
             ("users", {"id": "s2", "roles": {"staff": {"schools": ["a"]}}})]
    new, old = _both(items)
    found = rostergraph.validate(new).findings  # (before any record is built)
    assert [f.ids[0] for f in found if f.rule == "RG-STF-001"] == ["s1"]
    assert_same_roster(new, old)


def test_a_repeated_id_is_a_problem_at_its_place() -> None:
    items = [("users", {"id": "u1", "email": "a@x.org"}), ("users", {"id": "u1"}),
             ("users", {"id": "u2", "name": 5}), ("users", {"id": "u2"})]
    new, old = _both(items)
    assert [(p.code, p.line) for p in new.problems] == [
        ("duplicate_id", 3), ("bad_field", 4), ("duplicate_id", 5)]
    assert_same_roster(new, old)


def test_strict_raises_the_first_problem_as_the_plain_builder() -> None:
    items = [("users", {"id": "u1"}), ("sections", {"id": "c1", "students": "u1"})]
    errors = []
    for make in (ColumnarBuilder, RosterBuilder):
        b = make(source="mem", format="test", strict=True)
        with pytest.raises(FormatError) as exc:
            for line, (kind, obj) in enumerate(items, 2):
                b.add(kind, obj, file=f"{kind}.csv", line=line)
        errors.append(str(exc.value))
    assert errors[0] == errors[1] and "sections.csv" in errors[0]


@pytest.mark.parametrize("fmt", ["oneroster", "sftp"])
def test_csv_readers_keep_records_as_text(tmp_path: Path, fmt: str) -> None:
    """The CSV readers' users and sections are lazy, and the graph and the rules read
    their columns (no record is built for either)."""
    src = rostergraph.load(write_district(tmp_path / "d", "S", seed=2))
    out = tmp_path / fmt
    (write_oneroster if fmt == "oneroster" else write_clever_csv)(src, out)
    r = rostergraph.load(out)
    for kind in COLLECTED:
        assert isinstance(r.records(kind), LazyRecords)
    RosterGraph.from_roster(r)
    rostergraph.validate(r)
    assert r.users.n_built() + r.sections.n_built() < 5  # (findings name a few records)
    assert np.array_equal(RosterGraph.from_roster(r).roles, RosterGraph.from_roster(
        Roster(**{k: dict(r.records(k)) for k in KINDS})).roles)


def test_warm_csv_load_keeps_the_readers_text(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A snapshot of a CSV-loaded roster stores the records' text as it is (no record
    is built to write it), and a warm load gives the same roster."""
    monkeypatch.setenv("ROSTERGRAPH_CACHE_DIR", str(tmp_path / "cache"))
    src = rostergraph.load(write_district(tmp_path / "d", "S", seed=4))
    out = tmp_path / "or"
    write_oneroster(src, out)
    cold = rostergraph.load(out, cache=True)
    assert cold.users.n_built() < 5
    warm = rostergraph.load(out, cache=True)
    assert "from cache" in warm.provenance.notes[-1]
    assert_same_roster(warm, cold)


class _Colour(enum.Enum):
    RED = "red"


@pytest.mark.parametrize("items", [
    [("users", {"id": "u1", "email": float("nan")})],  # (json.loads reads NaN in a JSON cell)
    [("users", {"id": "u1", "name": {"first": float("inf")}})],
    [("sections", {"id": "c1", "ext": {"a": float("nan")}})],
    [("sections", {"id": "c1", "students": ("u1", "u2")})],
    [("sections", {"id": "c1", "ext": {"a": (1, 2)}})],
    [("users", {"id": "u1", "roles": {"student": {"school": "s1", "schools": ("s1",)}}})],
    [("users", {"id": "u1", "created": datetime.datetime(2024, 1, 1)})],
    [("users", {"id": "u1", "email": uuid.UUID(int=5)})],
    [("users", {"id": "u1", "email": _Colour.RED})],
], ids=["nan", "inf", "nan in ext", "tuple", "tuple in ext", "tuple in a role", "datetime",
        "uuid", "enum"])
def test_values_json_writes_as_others_take_the_general_path(
        items: list[tuple[str, Any]]) -> None:
    """A value JSON text holds as another value (NaN as null, a tuple as an array, a UUID
    as its string) is what the plain builder sees: its problem, its value."""
    new, old = _both(items)
    assert_same_roster(new, old)


def test_add_after_build() -> None:
    """Records added after a build go in the next build, as with the plain builder."""
    got = []
    for make in (ColumnarBuilder, RosterBuilder):
        b = make(source="mem", format="test")
        b.add("users", {"id": "u1", "email": "a@x.org"}, line=2)
        first = b.build()
        b.add("users", {"id": "u2"}, line=3)
        b.add("users", {"id": "u1"}, line=4)
        got.append((list(first.users), b.build()))
    assert got[0][0] == got[1][0] == ["u1"]
    assert_same_roster(got[0][1], got[1][1])


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.sampled_from(
    ["a", "b", "é", "\ud800", "x\udfff", "", "ab", "a" * 40, "ghost", "e\u0301", "7"]),
    max_size=12), max_size=25), st.integers(1, 9))
def test_references_coded_in_chunks_equal_a_dict_lookup(monkeypatch: pytest.MonkeyPatch,
                                                         batches: list[list[str]],
                                                         chunk: int) -> None:
    """References coded a chunk at a time (their ids made distinct again and again) give
    the positions and unknown ids, in order, that a dict lookup of each gives; text
    that is not ASCII, a lone surrogate, an empty id and ids of other types in the
    table among them."""
    from rostergraph.columns import CodedRefs
    from rostergraph.io import collect

    monkeypatch.setattr(collect, "_CHUNK", chunk)
    table: dict[Any, Any] = dict.fromkeys(["b", 5, "é", "", "\ud800", "7", "a" * 40])
    seen = collect._SeenRefs()
    for refs in batches:
        seen.take(list(refs))
    got = seen.coded(collect._Positions({"k": table}), "k")
    want = CodedRefs.from_refs([r for b in batches for r in b],
                               dict(zip(table, range(len(table)))))
    assert got.codes.tolist() == want.codes.tolist()
    assert got.missing == want.missing
    coder = collect._Positions({"k": table}).coder("k")
    assert coder(["7", "zz", "é"]).tolist() == [5, -1, 2]


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["list", "plain", "dictionary", "chunked"]),
                          st.lists(st.sampled_from(["a", "b", "é", "", "ab", "ghost", "7"]),
                                   max_size=12)), max_size=20), st.integers(1, 9))
def test_references_taken_as_arrow_arrays_keep_their_order(
        monkeypatch: pytest.MonkeyPatch, batches: list[tuple[str, list[str]]],
        chunk: int) -> None:
    """References handed as pyarrow arrays (plain, dictionary-encoded with ids in another
    order, in blocks) among those handed as lists code as a dict lookup of them all, in
    the order they were handed."""
    import pyarrow as pa

    from rostergraph.columns import CodedRefs
    from rostergraph.io import collect

    monkeypatch.setattr(collect, "_CHUNK", chunk)
    table: dict[Any, Any] = dict.fromkeys(["b", "é", "", "7", "ab"])
    seen = collect._SeenRefs()
    for how, refs in batches:
        if how == "list":
            seen.take(list(refs))
        elif how == "plain":
            seen.take_arrow(pa.array(refs, type=pa.string()))
        elif how == "dictionary":
            names = sorted(set(refs), reverse=True)
            seen.take_arrow(pa.DictionaryArray.from_arrays(
                pa.array([names.index(r) for r in refs], type=pa.int32()),
                pa.array(names, type=pa.string())))
        else:
            seen.take_arrow(pa.chunked_array([refs[:2], refs[2:]], type=pa.string()))
    got = seen.coded(collect._Positions({"k": table}), "k")
    want = CodedRefs.from_refs([r for _, b in batches for r in b],
                               dict(zip(table, range(len(table)))))
    assert got.codes.tolist() == want.codes.tolist()
    assert got.missing == want.missing


@pytest.mark.parametrize("n_names", [1, 3, 40])
def test_positions_of_few_or_many_references_agree(n_names: int) -> None:
    """A few references (the kind's ids looked up among them) and many (they looked up
    among the ids) get the same positions; repeated references and unknown ids too."""
    from rostergraph.io import collect

    table: dict[Any, Any] = dict.fromkeys([f"u{i}" for i in range(50)] + [7, "é"])
    names = [f"u{(i * 7) % 60}" for i in range(n_names)] + ["é", "u3", "u3", "zz"]
    want = [list(table).index(n) if n in table else -1 for n in names]
    got = collect._Positions({"k": table}).of("k", collect.utf8_array(names))
    assert got.tolist() == want
