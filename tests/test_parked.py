"""The CSV readers' store of user dicts, most of them kept as JSON text between rows."""

from __future__ import annotations

import math
from copy import deepcopy
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rostergraph.io import parked
from rostergraph.io.collect import ColumnarBuilder
from rostergraph.io.parked import ParkedDicts, ParkedTexts

_LEAF = st.one_of(st.none(), st.booleans(), st.integers(-(2 ** 63), 2 ** 63 - 1),
                  st.text(max_size=8), st.floats(allow_nan=True, allow_infinity=True))
_VALUE = st.recursive(_LEAF, lambda kids: st.lists(kids, max_size=3)
                      | st.dictionaries(st.text(max_size=4), kids, max_size=3), max_leaves=8)
_DICT = st.dictionaries(st.text(max_size=5), _VALUE, max_size=4)
_KEY = st.sampled_from("abcdefgh")
_OPS = st.lists(st.one_of(
    st.tuples(st.just("set"), _KEY, _DICT),
    st.tuples(st.just("change"), _KEY, st.text(max_size=4), _VALUE),
    st.tuples(st.just("settle"), st.integers(0, 3)),
    st.tuples(st.just("delete"), _KEY),
), max_size=40)


def _same(a: Any, b: Any) -> bool:
    """Equal, NaN equal to NaN, and of the same types all the way down."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


@settings(max_examples=300, deadline=None)
@given(_OPS)
def test_behaves_as_a_dict_whatever_is_parked(ops: list[tuple[Any, ...]]) -> None:
    """Under any mix of stores, changes to a dict got from the store, settles (at any
    live bound) and deletions, the store holds what a plain dict holds: values, order and
    types (NaN, infinities, huge or odd strings included)."""
    store, model = ParkedDicts(live_max=1, park_from=0), {}
    for op in ops:
        if op[0] == "set":
            store[op[1]] = deepcopy(op[2])
            model[op[1]] = deepcopy(op[2])
        elif op[0] == "change" and op[1] in model:
            store[op[1]][op[2]] = deepcopy(op[3])
            model[op[1]][op[2]] = deepcopy(op[3])
        elif op[0] == "settle":
            store.live_max = op[1]
            store.settle()
        elif op[0] == "delete" and op[1] in model:
            del store[op[1]]
            del model[op[1]]
    assert list(store) == list(model) and len(store) == len(model)
    for key in list(model):
        assert _same(store[key], model[key])
    store.settle()
    for key in list(model):
        got = store.pop_text(key)
        assert _same(orjson.loads(got) if isinstance(got, bytes) else got, model[key])


def test_shelves_are_let_go_once_nothing_on_them_is_parked() -> None:
    """Parked texts share buffers (shelves); a shelf no parked text is left on is let go,
    whether its texts were read back, replaced or deleted, and a text too long for a
    shelf place is kept whole."""
    store = ParkedDicts(live_max=0, park_from=0)
    for i in range(40):
        store[f"u{i}"] = {"id": f"u{i}", "name": "x" * 20}
    store["long"] = {"id": "long", "notes": "y" * 70_000}
    store.settle()
    shelves = store._shelves.shelves
    assert len(shelves) > 3 and all(s is not None for s in shelves)
    assert isinstance(store._items["long"], bytes)
    assert store["long"]["notes"] == "y" * 70_000
    for i in range(20):
        assert store[f"u{i}"]["id"] == f"u{i}"  # read back
    for i in range(20, 30):
        store[f"u{i}"] = {"id": "new"}
    for i in range(30, 39):
        del store[f"u{i}"]
    assert [s is None for s in shelves[:-1]] == [True] * (len(shelves) - 1)
    assert store.pop_text("u39") == b'{"id":"u39","name":"xxxxxxxxxxxxxxxxxxxx"}'
    assert store["u0"] == {"id": "u0", "name": "x" * 20}


_TEXT_OPS = st.lists(st.one_of(
    st.tuples(st.just("set"), _KEY, st.one_of(st.text(max_size=12), _DICT)),
    st.tuples(st.just("long"), _KEY),
    st.tuples(st.just("pop"), _KEY),
    st.tuples(st.just("delete"), _KEY),
), max_size=40)


@settings(max_examples=300, deadline=None)
@given(_TEXT_OPS)
def test_parked_texts_behave_as_a_dict(ops: list[tuple[Any, ...]]) -> None:
    """Texts on shelves (any str: lone surrogates, non-ASCII, texts too long for a shelf
    place) and other values read back as a plain dict holds them, under stores, pops and
    deletions; once every text is gone, so are the shelves."""
    store, model = ParkedTexts(), {}
    for op in ops:
        if op[0] in ("set", "long"):
            value = op[2] if op[0] == "set" else "\ud800é" * 40_000
            store[op[1]], model[op[1]] = value, deepcopy(value)
        elif op[0] == "pop":
            assert _same(store.pop(op[1], "none"), model.pop(op[1], "none"))
        elif op[0] == "delete" and op[1] in model:
            del store[op[1]]
            del model[op[1]]
    assert list(store) == list(model) and len(store) == len(model)
    for key in list(model):
        assert _same(store[key], model[key]) and key in store
        assert _same(store.pop(key), model[key])
    assert all(shelf is None for shelf in store._shelves.shelves[:-1])
    with pytest.raises(TypeError):
        store["n"] = 3  # (an int stands for a place on a shelf: refused as a value)


def test_sparse_shelves_are_emptied_once_holes_pass_half(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Texts read back leave holes; once the holes of the shelves (but the newest) hold
    more than half as much as the parked texts, the sparsest shelves have the rest moved
    to the newest at the next settle, and are let go: the texts read back as before, and
    the shelves hold at most half as much again as their texts."""
    monkeypatch.setattr(parked, "SHELF", 300)
    store = ParkedDicts(live_max=0, park_from=0)
    want = {f"u{i}": {"id": f"u{i}", "n": i} for i in range(60)}  # ~20 bytes of text each
    for k, v in want.items():
        store[k] = dict(v)
    store.settle()
    shelves, live = store._shelves.shelves, store._shelves.live
    first = len(shelves)
    assert first >= 4 and live[0] > 200
    for i in range(0, 60, 5):  # a few read back from every shelf: holes under half
        assert store[f"u{i}"] == want[f"u{i}"]
    store.settle()
    assert all(s is not None for s in shelves[:first])
    for i in range(1, 60, 5):  # more: past half
        assert store[f"u{i}"] == want[f"u{i}"]
    for i in range(2, 60, 5):
        assert store[f"u{i}"] == want[f"u{i}"]
    store.settle()
    assert any(s is None for s in shelves[:first])
    newest = len(shelves) - 1
    assert 2 * sum(parked.SHELF - live[i] for i, s in enumerate(shelves)
                   if s is not None and i != newest) <= sum(live)
    assert {k: store[k] for k in want} == want


def test_texts_read_back_in_order_are_never_moved(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pass that reads every text back in the order they were parked (and parks each
    again) empties each shelf in turn: no text is moved from one shelf to another."""
    monkeypatch.setattr(parked, "SHELF", 300)
    store = ParkedDicts(live_max=2, park_from=0)
    want = {f"u{i}": {"id": f"u{i}", "n": i} for i in range(200)}
    for k, v in want.items():
        store[k] = dict(v)
        store.settle()
    puts: list[str] = []
    put = parked._Shelves.put
    monkeypatch.setattr(parked._Shelves, "put", lambda self, key, text: (
        puts.append(key), put(self, key, text))[1])
    for k, v in want.items():
        store[k]["n"] += 1
        v["n"] += 1
        store.settle()
    assert len(puts) == len(set(puts))  # (each parked once again, none moved)
    assert {k: store[k] for k in want} == want
    assert sum(s is not None for s in store._shelves.shelves) <= 200 * 20 // 300 + 3


def test_only_the_newest_stay_objects() -> None:
    """A settle past the bound parks the oldest dicts down to half the bound; what JSON
    cannot say (NaN, a lone surrogate) stays an object."""
    store = ParkedDicts(live_max=4, park_from=0)
    for i in range(10):
        store[f"u{i}"] = {"id": f"u{i}", "roles": {"student": {"grade": "3"}}}
    store["nan"] = {"id": "nan", "x": float("nan")}
    store["sur"] = {"id": "sur", "name": "\ud800"}
    store.settle()
    kinds = {k: type(store.pop_text(k)).__name__ for k in list(store)}
    assert kinds == {**{f"u{i}": "bytes" for i in range(10)}, "nan": "dict", "sur": "dict"}


def test_parked_text_makes_the_record_the_dict_makes() -> None:
    """A parked user's text given to the columnar builder gives the record, columns and
    problems the dict itself gives (a wrongly typed value included)."""
    users = [{"id": "u1", "email": "a@x.org", "roles": {"student": {"school": "s1"}}},
             {"id": "u2", "email": 5},  # not plain: the general path, with its problem
             {"id": "u1", "email": "again"}]  # a repeated id
    from_dicts, from_text = (ColumnarBuilder(source="m", format="t") for _ in range(2))
    for i, d in enumerate(users):
        from_dicts.add("users", dict(d), file="users.csv", line=i + 2)
        from_text.add_text("users", orjson.dumps(d), file="users.csv", line=i + 2)
    a, b = from_dicts.build(), from_text.build()
    assert [(p.code, p.line) for p in a.problems] == [(p.code, p.line) for p in b.problems]
    assert {k: v for k, v in a.users.items()} == {k: v for k, v in b.users.items()}
    assert len(a.problems) >= 2


@pytest.mark.parametrize("live_max,park_from,n", [(3, 0, 3), (1, 5, 4)])
def test_parks_nothing_within_its_bounds(live_max: int, park_from: int, n: int) -> None:
    """Nothing is parked while at most ``live_max`` dicts are objects, or while the mapping
    holds fewer than ``park_from`` (whatever the live bound), settled after each store."""
    store = ParkedDicts(live_max=live_max, park_from=park_from)
    for i in range(n):
        store[f"u{i}"] = {"id": f"u{i}"}
        store.settle()
    assert all(isinstance(store.pop_text(f"u{i}"), dict) for i in range(n))


def test_parks_once_it_holds_park_from() -> None:
    store = ParkedDicts(live_max=1, park_from=5)
    for i in range(5):
        store[f"v{i}"] = {"id": f"v{i}"}
    store.settle()
    assert [type(store.pop_text(f"v{i}")).__name__ for i in range(5)] == ["bytes"] * 5


def test_compact_empties_every_shelf_less_than_nine_tenths_full(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """After a pass that read back some of every shelf's texts (a shelf left more than
    two thirds full is not emptied by a settle), ``compact`` moves what is left of
    each shelf under nine tenths full to the newest: the texts read back as before."""
    monkeypatch.setattr(parked, "SHELF", 300)
    store = ParkedDicts(live_max=0, park_from=0)
    want = {f"u{i}": {"id": f"u{i}", "n": i} for i in range(60)}
    for k, v in want.items():
        store[k] = dict(v)
    store.settle()
    shelves = store._shelves.shelves
    full = [i for i, s in enumerate(shelves[:-1]) if s is not None]
    assert len(full) >= 3
    for i in range(0, 60, 7):  # one text in seven read back: every shelf ~85% full
        store[f"u{i}"]["n"] = -i
        want[f"u{i}"]["n"] = -i
    store.settle()
    left = [i for i in full if shelves[i] is not None]
    assert left  # (a settle leaves shelves more than two thirds full)
    store.compact()
    assert all(shelves[i] is None for i in left)
    assert all(store._shelves.live[i] >= 0.9 * parked.SHELF
               for i, s in enumerate(shelves[:-1]) if s is not None)
    assert {k: store[k] for k in want} == want


def test_tidy_lets_go_of_shelves_pops_left_sparse(monkeypatch: pytest.MonkeyPatch) -> None:
    """Texts taken out in another order than they were parked leave every shelf partly
    full; ``tidy`` moves what is left of the sparse ones to the newest and lets them go,
    for dicts and texts alike: what is left reads back as before."""
    monkeypatch.setattr(parked, "SHELF", 300)
    dicts = ParkedDicts(live_max=0, park_from=0)
    texts = ParkedTexts()
    want = {f"u{i}": {"id": f"u{i}", "n": i} for i in range(60)}
    for k, v in want.items():
        dicts[k] = dict(v)
        texts[k] = f"text of {k}"
    dicts.settle()
    for store in (dicts._shelves, texts._shelves):
        assert sum(s is not None for s in store.shelves) >= 3
    for i in range(0, 60, 2):  # every other one taken: each shelf half empty
        assert dicts.pop_text(f"u{i}") and texts.pop(f"u{i}") == f"text of u{i}"
        del want[f"u{i}"]
    for store, tidy in ((dicts._shelves, dicts.tidy), (texts._shelves, texts.tidy)):
        before = sum(s is not None for s in store.shelves)
        tidy()
        assert sum(s is not None for s in store.shelves) < before
        assert not store.sparse
    assert {k: dicts[k] for k in want} == want
    assert {k: texts[k] for k in want} == {k: f"text of {k}" for k in want}


def test_empty_text_reads_back_once_its_shelf_has_no_other_text() -> None:
    """An empty text parked beside others reads back as ``""`` after they are taken and
    the shelf (no longer the newest) holds no bytes of text: it is never on a shelf let go."""
    store = ParkedTexts()
    store["a"], store["empty"] = "a" * 200, ""
    store["next"] = "x" * 100  # (on a shelf of its own: the first is no longer the newest)
    assert store.pop("a") == "a" * 200
    assert store["empty"] == "" and store.pop("empty") == ""


@settings(max_examples=60, deadline=None)
@given(sizes=st.lists(st.integers(1, 40), min_size=1, max_size=30), shelf=st.integers(16, 64),
       touched=st.sets(st.integers(0, 29)), few=st.sampled_from([0, 32]))
def test_texts_parked_at_once_read_back_as_put(sizes: list[int], shelf: int,
                                               touched: set[int], few: int) -> None:
    """Texts parked at once (some as long as a shelf or longer: their own place) read
    back as given, one by one or a run at a time, and the shelves are let go once
    emptied; a key read back no longer has its place."""
    import numpy as np

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(parked, "SHELF", shelf)
        mp.setattr(parked, "_FEW", few)  # (a run at a time, or one by one)
        users = ParkedDicts()
        keys = [f"u{i}" for i in range(len(sizes))]
        texts = [orjson.dumps({"id": k, "x": "y" * n}) for k, n in zip(keys, sizes)]
        off = np.cumsum([0, *map(len, texts)])
        places = users.park_new(keys, off, np.frombuffer(b"".join(texts), np.uint8))
        assert len(set(map(repr, places))) == len(keys)
        with pytest.raises(ValueError):
            users.park_new(keys[:1], off[:2], np.frombuffer(texts[0], np.uint8))
        for i in sorted(touched & set(range(len(keys)))):
            assert users[keys[i]] == orjson.loads(texts[i]) and users.place(keys[i]) is None
        rest = [i for i in range(len(keys)) if i not in touched]
        assert users.places([keys[i] for i in rest]) == [places[i] for i in rest]
        run = [i for i in rest if isinstance(places[i], int)]
        blob, got = users.pop_texts([keys[i] for i in run])
        assert blob == b"".join(texts[i] for i in run) and got.tolist() == [
            len(texts[i]) for i in run]
        for i in rest:
            if i not in run:
                assert users.pop_text(keys[i]) == texts[i]
        assert all(s is None for s in users._shelves.shelves[:-1])


def test_reserved_keys_keep_their_place_and_refuse_misuse() -> None:
    """Keys reserved keep their place among keys added after them once their texts come;
    a key held already cannot be reserved, nor a key not reserved be given a text so."""
    import numpy as np

    users = ParkedDicts(live_max=1, park_from=0)
    users["a"] = {"id": "a"}
    users.reserve(["b", "c"])
    users["d"] = {"id": "d"}
    users.settle()
    with pytest.raises(ValueError):
        users.reserve(["a"])
    with pytest.raises(ValueError):
        users.park_reserved(["d"], np.array([0, 2]), np.frombuffer(b"{}", np.uint8))
    data = b'{"id":"b"}{"id":"c"}'
    users.park_reserved(["b", "c"], np.array([0, 10, 20]), np.frombuffer(data, np.uint8))
    assert list(users) == ["a", "b", "c", "d"]
    assert users["c"] == {"id": "c"} and users.pop_text("b") == b'{"id":"b"}'
    with pytest.raises(ValueError):
        users.park_reserved(["c"], np.array([0, 10]), np.frombuffer(data[10:], np.uint8))
