"""Id lookups without a dict: IdKeys, LazyRecords searching them, and a warm graph using them."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

import rostergraph
from rostergraph import cache
from rostergraph.errors import UnknownIdError, WrongKindError
from rostergraph.graph import NODE_KINDS, RosterGraph
from rostergraph.idkeys import MAX_WIDTH, IdKeys
from rostergraph.lazy import LazyRecords
from rostergraph.model import Term
from rostergraph.synth import write_district

from .snapshot_edit import read_meta, resign, write_meta
from .test_fast_jsonl import _messy, _snapshot


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("ROSTERGRAPH_CACHE_DIR", str(d))
    return d


def _in_threads(work: Callable[[int], None], n: int) -> None:
    """Run ``work(0)`` ... ``work(n - 1)`` in ``n`` threads released together; no call
    may raise (the errors are listed if one does)."""
    start = threading.Barrier(n)
    errors: list[BaseException] = []

    def run(seed: int) -> None:
        try:
            start.wait()
            work(seed)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def _keys(ids: list[str], sep: str = "\n") -> IdKeys | None:
    return IdKeys.from_text(sep.join(ids).encode("utf-8", "surrogatepass"), sep.encode(),
                            len(ids))


# -- IdKeys -----------------------------------------------------------------------------

#: ids a lookup must tell apart: a prefix, a trailing NUL, empty, astral, lone surrogate
ODD_IDS = ["a", "a\x00", "", "ab", "b", "\x00", "é", "\U0001f600", "\ud800", "x" * MAX_WIDTH,
           "0" * 8, "0" * 7, "0" * 9, " a", "a "]


@given(st.lists(st.text(alphabet=st.characters(blacklist_characters="\n"), max_size=20),
                unique=True, max_size=60),
       st.lists(st.text(max_size=20), max_size=20))
def test_id_keys_find_what_a_dict_finds(ids: list[str], probes: list[str]) -> None:
    """Any distinct ids (one width or many, any characters but the separator): every id
    finds its row, one by one and in bulk, and anything else finds -1, as a dict says;
    the stored order, checked again, gives the same answers."""
    keys = _keys(ids)
    if not ids:
        assert keys is None
        return
    assert keys is not None
    again = IdKeys.from_text("\n".join(ids).encode("utf-8", "surrogatepass"), b"\n",
                             len(ids), order=keys.order.copy())
    want = {k: i for i, k in enumerate(ids)}
    asked = ids + probes + [i + "\x00" for i in ids] + [i[:-1] for i in ids if i]
    expect = [want.get(k, -1) for k in asked]
    for k in (keys, again):
        assert k is not None
        assert [k.row(a) for a in asked] == expect
        assert k.rows(asked).tolist() == expect


def test_id_keys_odd_ids_and_both_layouts() -> None:
    """Ids of mixed widths and of one width (the text cut at fixed steps) both work."""
    keys = _keys(ODD_IDS)
    assert keys is not None
    assert [keys.row(i) for i in ODD_IDS] == list(range(len(ODD_IDS)))
    assert keys.row("x" * (MAX_WIDTH + 1)) == -1 and keys.row("a\x00\x00") == -1
    same = [f"{i:024x}" for i in random.Random(1).sample(range(10**12), 500)]
    keys = _keys(same)
    assert keys is not None and keys.rows(same).tolist() == list(range(500))
    assert keys.row(same[0][:-1]) == -1 and keys.row(same[0] + "0") == -1
    eight = ["\x00" * 8, "a" * 8, "é" * 4, "\x00" * 7 + "a", "a" + "\x00" * 7, "\U0001f600" * 2]
    for ids in (eight, [i * 2 for i in eight], [i[:6] for i in eight[:3]]):  # 8, 16, 6 bytes
        keys = _keys(ids)
        assert keys is not None and keys.rows(ids).tolist() == list(range(len(ids)))
        assert [keys.row(i) for i in ids] == list(range(len(ids)))
        assert keys.rows(["\x00" * 7, "a" * 9, ""]).tolist() == [-1, -1, -1]


def test_id_keys_repeated_ids_and_bad_orders_are_refused() -> None:
    """A repeated id (hashes equal, bytes equal) raises; so does an order that is not
    the ids' order (swapped, repeated or out of range), or a text of another count."""
    for ids in (["a", "b", "a"], ["x" * 24, "y" * 24, "x" * 24], ["", ""]):
        with pytest.raises(ValueError, match="repeated ids|bad id order"):
            _keys(ids)
    ids = [f"id{i}" for i in range(50)]
    keys = _keys(ids)
    assert keys is not None
    text = "\n".join(ids).encode()
    for bad in (keys.order[::-1].copy(), np.zeros(50, np.int32), keys.order[:-1].copy(),
                np.where(keys.order == 0, 50, keys.order), keys.order.astype(float)):
        with pytest.raises(ValueError, match="id order|repeated ids"):
            IdKeys.from_text(text, b"\n", 50, order=bad)
    with pytest.raises(ValueError, match="does not hold"):
        IdKeys.from_text(text, b"\n", 49)


def test_id_keys_too_wide_or_too_many_ties_are_left_to_a_dict(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Ids past MAX_WIDTH bytes, or ids whose hashes tie too often, give None."""
    assert _keys(["a", "b" * (MAX_WIDTH + 1)]) is None
    assert _keys(["c" * (MAX_WIDTH + 1), "d" * (MAX_WIDTH + 1)]) is None
    monkeypatch.setattr("rostergraph.idkeys._hash_rows",
                        lambda words, lens: np.zeros(len(lens), dtype=np.uint64))
    assert _keys([f"u{i}" for i in range(1000)]) is None


def test_id_keys_with_a_few_ties_still_find_every_id(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash ties (forced here: every hash is its id's length) are ordered by bytes and
    searched one by one: every id is found, a repeat among them is refused."""
    from rostergraph import idkeys

    monkeypatch.setattr(idkeys, "_hash_rows", lambda words, lens: np.broadcast_to(
        np.asarray(lens, dtype=np.uint64), (len(words),)).copy())
    monkeypatch.setattr(idkeys, "_hash_one", lambda padded, length: length)
    ids = ["bb", "a", "ab", "ccc", "ba", "b"]
    keys = _keys(ids)
    assert keys is not None
    assert [keys.row(i) for i in ids] == list(range(6)) and keys.row("zz") == -1
    assert keys.rows(ids + ["zz", "c"]).tolist() == [*range(6), -1, -1]
    with pytest.raises(ValueError, match="repeated"):
        _keys(["ab", "cd", "ab"])


# -- LazyRecords with keys ------------------------------------------------------------------


def _terms(n: int) -> tuple[list[str], LazyRecords, list[int]]:
    ids = [f"t{i:05d}" for i in range(n)]
    text = b"".join(orjson.dumps({"id": i, "name": f"Term {i}"}) for i in ids)
    ends = np.cumsum([len(orjson.dumps({"id": i, "name": f"Term {i}"})) for i in ids])
    starts = ends - np.diff(np.concatenate(([0], ends)))
    keys = _keys(ids)
    assert keys is not None
    calls: list[int] = []
    recs = LazyRecords(Term, text, lambda: calls.append(1) or list(ids), starts, ends,
                       keys=keys)
    return ids, recs, calls


def test_lazy_records_search_the_keys_then_build_the_dict() -> None:
    """The first lookups use the keys (no id list, no dict); after len // 64 of them the
    dict is built; answers are the same before and after, unknown ids included."""
    ids, recs, _ = _terms(6400)
    assert len(recs) == 6400 and recs._list is None
    assert recs["t00042"].name == "Term t00042" and "t06399" in recs and "t06400" not in recs
    assert recs.get("nope", 7) == 7 and recs.peek("t00001", "name") == "Term t00001"
    with pytest.raises(KeyError):
        recs["t99999"]
    assert 3 not in recs
    with pytest.raises(TypeError):
        [] in recs  # noqa: B015 - unhashable, as with a dict
    assert recs._idx is None and recs._list is None  # nothing built yet
    for i in range(200):
        assert recs[ids[i * 31]].id == ids[i * 31]
    assert recs._idx is not None and len(recs._idx) == 6400  # built after 100 lookups
    assert recs["t00042"].name == "Term t00042" and "t06400" not in recs
    assert recs.rows(["t00003", "x"]).tolist() == [3, -1]
    assert list(recs) == ids


def test_lazy_records_from_many_threads() -> None:
    """Threads looking ids up, listing them and building records at once: every answer
    is right, and the id list is made once."""
    ids, recs, calls = _terms(4096)

    def work(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(300):
            i = rng.randrange(len(ids))
            assert recs[ids[i]].id == ids[i]
            assert recs.get(ids[i] + "x") is None
        assert list(recs) == ids

    _in_threads(work, 6)
    assert calls == [1]


def _materialized_at_first_read() -> LazyRecords:
    """Two terms whose cache runs another thread's whole materialize (every record built,
    the text let go) at its first read: the switch a race would make."""
    text = b'{"id": "t1", "name": "Fall"}\n{"id": "t2"}\n'
    recs = LazyRecords(Term, text, ["t1", "t2"], [0, 29], [28, 41])

    class _Switch(list):  # type: ignore[type-arg]
        switched = False

        def __getitem__(self, i: Any) -> Any:
            got = super().__getitem__(i)
            if not self.switched:
                self.switched = True
                other = threading.Thread(target=recs.materialize)
                other.start()
                other.join()
            return got

    recs._cache = _Switch(recs._cache)
    return recs


def test_a_record_built_while_another_thread_materializes() -> None:
    """A thread switch between a record's cache check and its text (another thread then
    builds every record and lets the text go): the record is the built one, not a decode
    of the dropped text."""
    recs = _materialized_at_first_read()
    assert recs.at(0).name == "Fall" and recs["t2"].id == "t2"


@pytest.mark.parametrize("read", ["texts", "peek"])
def test_texts_taken_while_another_thread_materializes(read: str) -> None:
    """As above, for texts() and peek(): a row another thread built meanwhile gives no
    text (None) and peek its record's value, never a slice of the dropped text."""
    recs = _materialized_at_first_read()
    if read == "texts":
        assert recs.texts([0, 1]) == [None, None]
    else:
        assert recs.peek("t1", "name") == "Fall"


# -- warm loads ---------------------------------------------------------------------------


def test_warm_graph_lookups_equal_cold_before_and_after_the_dicts(tmp_path: Path) -> None:
    """On a warm graph, index_of / kinds_of / neighbors / errors answer as on the cold one
    without building the users' dict, and the same once it is built (rules use it)."""
    d = write_district(tmp_path / "d", students=3000, seed=4)
    cold = RosterGraph.from_roster(rostergraph.load(d, cache=True))
    warm_roster = rostergraph.load(d, cache=True)
    assert "from cache" in warm_roster.provenance.notes[-1]
    warm = RosterGraph.from_roster(warm_roster)
    users = warm_roster.records("users")
    assert users._idx is None and users._list is None and warm._index.pending()

    def answers(g: RosterGraph) -> list[Any]:
        out: list[Any] = []
        for kind in NODE_KINDS:
            n = g.n_nodes(kind)
            for i in sorted({0, n // 2, n - 1} - {-1}):
                node = cold.ids(kind)[i]
                out.append((kind, g.index_of(kind, node, allow_missing=True), g.kinds_of(node)))
        student = cold.ids("user")[np.flatnonzero(cold.has_role("student"))[0]]
        out.append(g.neighbors(student, "enrolled_in"))
        for bad in ("no-such-id", cold.ids("section")[0]):
            with pytest.raises((UnknownIdError, WrongKindError)) as e:
                g.index_of("user", bad)
            out.append(str(e.value))
        out.append((g.counts(), g.stub_counts(), g.missing("user").sum(), g.summary_text()))
        return out

    before = answers(warm)
    assert users._idx is None and users._list is None  # still no dict, no id strings
    assert before == answers(cold)
    for kind in NODE_KINDS:
        assert warm.ids(kind).tolist() == cold.ids(kind).tolist()
        assert warm._index[kind] == cold._index[kind]
    assert answers(warm) == before  # with every dict built


def test_warm_equals_cold_with_duplicate_and_odd_ids(tmp_path: Path) -> None:
    """Duplicate, empty-looking and non-ASCII ids in the source: the warm roster and graph
    equal the cold ones."""
    d = tmp_path / "d"
    d.mkdir()
    _messy(d)
    odd = [{"id": uid, "roles": {"student": {"school": "sc1"}}}
           for uid in ("é-ü", "\U0001f600", " u1", "u1 ", "x" * (MAX_WIDTH + 5))]
    odd.append({"id": "é-ü", "roles": {}})  # a duplicate
    with open(d / "users.jsonl", "ab") as fh:
        fh.write(b"".join(orjson.dumps(u) + b"\n" for u in odd))
    cold = rostergraph.load(d, cache=True)
    warm = rostergraph.load(d, cache=True)
    assert "from cache" in warm.provenance.notes[-1]
    assert _snapshot(warm) == _snapshot(cold)
    assert warm.users["é-ü"] == cold.users["é-ü"] and "x" * (MAX_WIDTH + 5) in warm.users


def _entry(cache_dir: Path) -> Path:
    (entry,) = [e for e in cache_dir.iterdir() if e.is_dir()]
    return entry


def _swap_order(entry: Path) -> None:
    order = np.load(entry / "users.ids.order.npy")
    order[[0, 1]] = order[[1, 0]]
    np.save(entry / "users.ids.order.npy", order)


def _repeat_an_id(entry: Path) -> None:
    """The users' id text with its second id made equal to its first (same length)."""
    raw = np.load(entry / "users.ids.text.npy")
    text = raw.tobytes().split(b"\n")
    text[1] = text[0]
    np.save(entry / "users.ids.text.npy", np.frombuffer(b"\n".join(text), np.uint8))


def _stub_is_a_record(entry: Path) -> None:
    raw = np.load(entry / "users.ids.text.npy").tobytes()
    first = raw.split(b"\n")[0]
    stubs = np.load(entry / "g.stubs.user.text.npy").tobytes()
    assert stubs and len(stubs.split(b"\n")[0]) == len(first)
    np.save(entry / "g.stubs.user.text.npy",
            np.frombuffer(first + stubs[len(first):], np.uint8))


def _bad_byte(entry: Path, key: str) -> None:
    """A byte that is no UTF-8 (0xff) in place of the text's first byte."""
    raw = np.load(entry / f"{key}.npy").copy()
    raw[0] = 0xFF
    np.save(entry / f"{key}.npy", raw)


@pytest.mark.parametrize("damage", [
    pytest.param(_swap_order, id="order-swapped"),
    pytest.param(lambda e: np.save(e / "users.ids.order.npy",
                                   np.load(e / "users.ids.order.npy")[:-1]), id="order-short"),
    pytest.param(lambda e: np.save(e / "users.ids.order.npy",
                                   np.load(e / "users.ids.order.npy").astype(np.float64)),
                 id="order-floats"),
    pytest.param(_repeat_an_id, id="repeated-id"),
    pytest.param(_stub_is_a_record, id="stub-is-a-record"),
    pytest.param(lambda e: (e / "users.ids.text.npy").write_bytes(
        (e / "users.ids.text.npy").read_bytes()[:-3]), id="ids-cut-short"),
    pytest.param(lambda e: _bad_byte(e, "users.ids.text"), id="ids-not-utf8"),
    pytest.param(lambda e: _bad_byte(e, "users.fields.email.text"), id="emails-not-utf8"),
])
def test_damaged_id_parts_load_cold(tmp_path: Path, _cache_dir: Path, damage: Any) -> None:
    """A snapshot whose id order, ids or stub ids were altered is never used: the load is
    cold and equal to one without the cache (wrong rows are never returned)."""
    d = write_district(tmp_path / "d", students=500, seed=8)
    rostergraph.load(d, cache=True)
    damage(_entry(_cache_dir))
    resign(_entry(_cache_dir))  # (the checksums made to fit: the checks behind them refuse it)
    again = rostergraph.load(d, cache=True)
    assert "from cache" not in " ".join(again.provenance.notes)
    assert _snapshot(again) == _snapshot(rostergraph.load(d))


def test_snapshot_without_an_order_still_loads_warm(tmp_path: Path, _cache_dir: Path) -> None:
    """Ids the keys do not handle (no order stored) load warm through a dict, equal."""
    d = write_district(tmp_path / "d", students=300, seed=9)
    cold = rostergraph.load(d, cache=True)
    entry = _entry(_cache_dir)
    meta = read_meta(entry)
    meta["arrays"].remove("users.ids.order")
    write_meta(entry, meta)
    warm = rostergraph.load(d, cache=True)
    assert "from cache" in warm.provenance.notes[-1]
    assert warm.records("users")._keys is None and warm.records("users")._idx is not None
    assert _snapshot(warm) == _snapshot(cold)
    assert cache.SCHEMA >= 6


def test_warm_graph_from_many_threads(tmp_path: Path) -> None:
    """Threads asking a fresh warm graph for indices, id arrays and neighbours at once (each
    kind's id array and dict made on first use, under a lock) all get the cold answers."""
    d = write_district(tmp_path / "d", students=2000, seed=6)
    cold = RosterGraph.from_roster(rostergraph.load(d, cache=True))
    warm = RosterGraph.from_roster(rostergraph.load(d, cache=True))
    users = cold.ids("user").tolist()

    def work(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(200):
            uid = users[rng.randrange(len(users))]
            assert warm.index_of("user", uid, allow_missing=True) == cold.index_of(
                "user", uid, allow_missing=True)
            assert warm.kinds_of(uid) == cold.kinds_of(uid)
        for kind in NODE_KINDS:
            assert warm.ids(kind).tolist() == cold.ids(kind).tolist()
            assert warm._index[kind] == cold._index[kind]

    _in_threads(work, 6)
