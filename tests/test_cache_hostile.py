"""The warm cache against a hostile or changing dump folder: a snapshot reads only the
file it fingerprinted, and never pairs old data with a new fingerprint."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest

import rostergraph
from rostergraph.io import detect

from .snapshot_edit import resign


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("ROSTERGRAPH_CACHE_DIR", str(d))
    return d


def _users(prefix: str, n: int = 1500) -> bytes:
    """n student records of equal length; names start with ``prefix`` (same length)."""
    return b"".join(orjson.dumps({"id": f"u{i:05d}", "name": {"first": f"{prefix}{i:05d}"},
                                  "roles": {"student": {"school": "sc1"}}}) + b"\n"
                    for i in range(n))


def _names(roster: Any) -> dict[str, str]:
    return {u.id: u.name.first for u in roster.users.values()}


def test_same_size_sibling_with_the_same_start_is_never_read(tmp_path: Path) -> None:
    """users-backup.jsonl (same size, same first 64 KiB) never stands in for users.jsonl."""
    src = tmp_path / "d"
    src.mkdir()
    real = _users("Real")
    backup = real[: 70_000] + _users("Fake")[70_000:]
    assert len(real) == len(backup) > 100_000 and real[:65536] == backup[:65536]
    (src / "users.jsonl").write_bytes(real)
    (src / "users-backup.jsonl").write_bytes(backup)
    cold = rostergraph.load(src, cache=True)
    warm = rostergraph.load(src, cache=True)
    assert "from cache" in warm.provenance.notes[-1]
    assert _names(warm) == _names(cold)
    assert not [v for v in _names(warm).values() if v.startswith("Fake")]


def test_file_replaced_during_a_cold_load_leaves_no_stale_snapshot(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file replaced while a cold load(cache=True) reads it: the next load sees the new
    data (no snapshot pairs the old records with the new file's fingerprint)."""
    src = tmp_path / "d"
    src.mkdir()
    (src / "users.jsonl").write_bytes(_users("Old", 50))
    detector, reader, expects = detect.FORMATS["clever-json"]

    def racing_reader(path: Any, **kw: Any) -> Any:
        roster = reader(path, **kw)
        new = src / "users.jsonl.new"  # a sync replacing the file meanwhile
        new.write_bytes(_users("New", 50))
        os.replace(new, src / "users.jsonl")
        return roster

    racing = dict(detect.FORMATS, **{"clever-json": (detector, racing_reader, expects)})
    # (the table itself is read-only); a context, since undo() would also undo the
    # fixture's $ROSTERGRAPH_CACHE_DIR and send the next snapshots to the user's cache
    with monkeypatch.context() as patched:
        patched.setattr(detect, "FORMATS", racing)
        first = rostergraph.load(src, cache=True)
    assert set(_names(first).values()) == {f"Old{i:05d}" for i in range(50)}
    second = rostergraph.load(src, cache=True)
    assert set(_names(second).values()) == {f"New{i:05d}" for i in range(50)}
    assert not any("from cache" in n for n in second.provenance.notes)
    third = rostergraph.load(src, cache=True)  # now a snapshot of the new data
    assert "from cache" in third.provenance.notes[-1]
    assert _names(third) == _names(second)


def test_file_rewritten_in_place_with_its_old_size_and_time_is_noticed(tmp_path: Path) -> None:
    """A source rewritten with the same size and modification time (outside the sampled
    blocks) is not read from the old snapshot: the change time differs."""
    src = tmp_path / "d"
    src.mkdir()
    big = _users("Aaaa", 60_000)  # over the sampled-hash threshold (2.1 MiB)
    size, block = len(big), 1 << 16
    assert size > block * 34
    (src / "users.jsonl").write_bytes(big)
    rostergraph.load(src, cache=True)
    st = os.stat(src / "users.jsonl")
    # rename one user inside a stretch the sampled hash skips; keep size and mtime
    at = big.index(b'"u', (size - block) // 32 + block)
    assert at + 7 < (size - block) * 2 // 32
    old_id = big[at + 1: at + 7].decode()
    with open(src / "users.jsonl", "r+b") as fh:
        fh.seek(at + 1)
        fh.write(b"v")
    os.utime(src / "users.jsonl", ns=(st.st_atime_ns, st.st_mtime_ns))
    again = rostergraph.load(src, cache=True)
    new_id = "v" + old_id[1:]
    assert new_id in again.users and old_id not in again.users


def test_text_json_cannot_hold_means_no_snapshot_not_an_error(tmp_path: Path,
                                                              _cache_dir: Path) -> None:
    """A folder name with a lone surrogate (not UTF-8 on disk): load(cache=True) loads
    cold every time and leaves no snapshot instead of failing."""
    src = tmp_path / "d\udcff"  # the byte 0xff in a POSIX file name
    src.mkdir()
    (src / "users.jsonl").write_bytes(_users("Ann", 20))
    first = rostergraph.load(src, cache=True)
    second = rostergraph.load(src, cache=True)
    assert len(first.users) == len(second.users) == 20
    assert not any("from cache" in n for n in second.provenance.notes)
    leftover = list(_cache_dir.iterdir()) if _cache_dir.exists() else []
    assert leftover == []  # no snapshot, no half-written temporary folder


@pytest.mark.parametrize("how", ["swap", "inside"])
def test_snapshot_positions_pointing_at_another_record_raise_not_mislead(
        tmp_path: Path, _cache_dir: Path, how: str) -> None:
    """A snapshot whose byte ranges are valid but point at another record (two users'
    ranges swapped, or a range inside a line) loads, but building such a record raises
    FormatError naming it, by lookup, in bulk and in a stream: never another user's
    record under this id."""
    from rostergraph.errors import FormatError

    src = tmp_path / "d"
    src.mkdir()
    (src / "users.jsonl").write_bytes(_users("Name", 20))
    rostergraph.load(src, cache=True)
    [entry] = [p for p in _cache_dir.iterdir() if p.is_dir()]
    starts, ends = np.load(entry / "users.starts.npy"), np.load(entry / "users.ends.npy")
    if how == "swap":
        starts[[3, 4]], ends[[3, 4]] = starts[[4, 3]], ends[[4, 3]]
    else:  # the student role's object inside line 3: JSON, but no id
        line = (src / "users.jsonl").read_bytes()[starts[3]:ends[3]]
        at = line.index(b'{"school"')
        starts[3], ends[3] = starts[3] + at, starts[3] + line.index(b"}", at) + 1
    np.save(entry / "users.starts.npy", starts)
    np.save(entry / "users.ends.npy", ends)
    resign(entry)  # (an edit that fits the checksums: refused by the id check instead)
    warm = rostergraph.load(src, cache=True)
    assert "from cache" in warm.provenance.notes[-1]
    assert warm.users["u00002"].id == "u00002"
    with pytest.raises(FormatError, match="position 3"):
        warm.users["u00003"]
    with pytest.raises(FormatError):
        list(warm.users.stream())
    with pytest.raises(FormatError):
        list(warm.users.values())


# --- files in a snapshot that are not plain files ---------------------------------------

def _entry_with_snapshot(src: Path, cache: Path, oneroster: bool = False) -> Path:
    """A snapshot of 40 users from JSON Lines, or of a small OneRoster folder (whose
    records' text the snapshot holds itself, as ``<kind>.jsonl``)."""
    if oneroster:
        import shutil

        shutil.copytree(Path(__file__).parent / "data" / "oneroster" / "edfi-lms-toolkit-v1.1",
                        src, dirs_exist_ok=True)
    else:
        (src / "users.jsonl").write_bytes(_users("Real", 40))
    rostergraph.load(src, cache=True)
    (entry,) = [p for p in cache.iterdir() if p.is_dir()]
    return entry


def _load_within(src: Path, seconds: float = 20.0) -> Any:
    """load(src, cache=True) in a thread: a FIFO that hung the load fails the test
    instead of hanging the suite."""
    import threading

    out: list[Any] = []
    t = threading.Thread(target=lambda: out.append(rostergraph.load(src, cache=True)),
                         daemon=True)
    t.start()
    t.join(seconds)
    assert out, "the load hung (or raised)"
    return out[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
@pytest.mark.parametrize(("name", "oneroster"), [
    ("meta.json", False), ("users.starts.npy", False), ("users.jsonl", True)])
def test_a_fifo_in_the_snapshot_means_a_cold_load_not_a_hang(
        tmp_path: Path, _cache_dir: Path, name: str, oneroster: bool) -> None:
    src = tmp_path / "d"
    src.mkdir()
    entry = _entry_with_snapshot(src, _cache_dir, oneroster)
    cold = rostergraph.load(src, cache=True)
    assert "from cache" in cold.provenance.notes[-1]  # the snapshot works before
    (entry / name).unlink()
    os.mkfifo(entry / name)
    roster = _load_within(src)
    assert not any("from cache" in n for n in roster.provenance.notes)
    assert _names(roster) == _names(cold)


def test_an_array_linked_to_an_endless_file_means_a_cold_load(
        tmp_path: Path, _cache_dir: Path) -> None:
    src = tmp_path / "d"
    src.mkdir()
    entry = _entry_with_snapshot(src, _cache_dir)
    for p in list(entry.glob("*.npy"))[:3]:
        p.unlink()
        p.symlink_to("/dev/zero")
    (entry / "meta.json").rename(entry / "meta.real")
    (entry / "meta.json").symlink_to(entry / "meta.real")
    roster = _load_within(src)
    assert not any("from cache" in n for n in roster.provenance.notes)
    assert len(roster.users) == 40


def test_an_array_header_claiming_more_than_the_file_holds_means_a_cold_load(
        tmp_path: Path, _cache_dir: Path) -> None:
    """A header saying 10^15 items: refused from the file's size, before any memory."""
    src = tmp_path / "d"
    src.mkdir()
    entry = _entry_with_snapshot(src, _cache_dir)
    p = min(entry.glob("*.npy"))
    arr = np.load(p)
    data = p.read_bytes()
    header = repr((arr.shape[0],)).encode()
    assert data.count(header) == 1
    p.write_bytes(data.replace(header, repr((10**15,)).encode().ljust(len(header))))
    roster = _load_within(src)
    assert not any("from cache" in n for n in roster.provenance.notes)
    assert len(roster.users) == 40


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_loading_a_fifo_with_cache_raises_instead_of_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "users.jsonl"
    os.mkfifo(fifo)
    import threading

    errors: list[BaseException] = []

    def run() -> None:
        try:
            rostergraph.load(fifo, cache=True)
        except BaseException as e:  # noqa: BLE001 - handed to the test below
            errors.append(e)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(20)
    assert errors, "the load hung"
    assert isinstance(errors[0], rostergraph.RosterError)
    assert "users.jsonl" in str(errors[0])


# --- a snapshot damaged, edited or put in another's place -----------------------------

def _district_snapshot(tmp_path: Path, cache: Path) -> tuple[Path, Path]:
    """A generated district loaded once with the cache: its folder and its snapshot."""
    from rostergraph.synth import district

    src = tmp_path / "d"
    district(None, students=200, seed=1).write(src)
    rostergraph.load(src, cache=True)
    (entry,) = [p for p in cache.iterdir() if p.is_dir()]
    return src, entry


def _flip_bit(p: Path, at: int) -> None:
    data = bytearray(p.read_bytes())
    data[at] ^= 0x10
    p.write_bytes(bytes(data))


@pytest.mark.parametrize("name", ["g.teaches.dst.npy", "users.fields.email_no_at.npy",
                                  "courses.starts.npy", "meta.json"])
def test_a_bit_flipped_in_a_snapshot_means_a_cold_load(tmp_path: Path, _cache_dir: Path,
                                                       name: str) -> None:
    """One bit of an array's values (a teaching edge, a rule's column, a record's range)
    or of meta.json changed, as a failing disk does: the checksums refuse the snapshot,
    and the load is cold, never a graph, finding or record of the damage."""
    src, entry = _district_snapshot(tmp_path, _cache_dir)
    p = entry / name
    _flip_bit(p, len(p.read_bytes()) - 3)
    again = rostergraph.load(src, cache=True)
    assert not any("from cache" in n for n in again.provenance.notes)
    cold = rostergraph.load(src)
    assert rostergraph.validate(again).findings == rostergraph.validate(cold).findings
    assert "from cache" in rostergraph.load(src, cache=True).provenance.notes[-1]


def _edit_array(entry: Path, name: str, change: Any) -> None:
    arr = np.load(entry / f"{name}.npy")
    change(arr)
    (entry / f"{name}.npy").unlink()
    np.save(entry / f"{name}.npy", arr)


@pytest.mark.parametrize("edit", [
    pytest.param(lambda e: _edit_array(e, "g.enrolled_in.rindptr",
                                       lambda a: a.__setitem__(1, -5)), id="negative-index"),
    pytest.param(lambda e: _edit_array(e, "g.enrolled_in.indptr", lambda a: a.__setitem__(
        slice(1, 3), a[1:3][::-1].copy())), id="index-falls"),
    pytest.param(lambda e: _edit_array(e, "g.teaches.indptr", lambda a: a.__setitem__(
        -1, 1 << 50)), id="index-past-the-edges"),
])
def test_graph_indexes_out_of_order_mean_a_cold_load(tmp_path: Path, _cache_dir: Path,
                                                     edit: Any) -> None:
    """A graph index edited with the checksums made to fit (a negative entry, one that
    falls, one past the edges: a query's slice or allocation from it would fail or read
    outside the arrays): the snapshot is refused, the load is cold."""
    src, entry = _district_snapshot(tmp_path, _cache_dir)
    edit(entry)
    resign(entry)
    again = rostergraph.load(src, cache=True)
    assert not any("from cache" in n for n in again.provenance.notes)
    g = rostergraph.RosterGraph.from_roster(again)
    assert len(rostergraph.reach_pairs(g)) == len(rostergraph.reach_pairs(
        rostergraph.RosterGraph.from_roster(rostergraph.load(src))))


def test_record_text_handed_out_unbuilt_is_checked_against_its_id(
        tmp_path: Path, _cache_dir: Path) -> None:
    """A course's range pointed at another course's text, checksums made to fit: the
    rules that read records' text without building them (course numbers) raise
    FormatError naming the row, never a finding about the wrong course."""
    from rostergraph.errors import FormatError

    src, entry = _district_snapshot(tmp_path, _cache_dir)
    starts, ends = np.load(entry / "courses.starts.npy"), np.load(entry / "courses.ends.npy")
    _edit_array(entry, "courses.starts", lambda a: a.__setitem__(1, starts[0]))
    _edit_array(entry, "courses.ends", lambda a: a.__setitem__(1, ends[0]))
    resign(entry)
    warm = rostergraph.load(src, cache=True)
    assert "from cache" in warm.provenance.notes[-1]
    with pytest.raises(FormatError, match="position 1"):
        rostergraph.validate(warm)


def test_a_snapshot_of_another_setting_put_in_the_place_of_this_one_is_not_used(
        tmp_path: Path, _cache_dir: Path) -> None:
    """The snapshot of a non-strict load copied to where the strict load's goes (its
    fingerprint is the same): the strict load is cold, and raises as a strict load does."""
    from rostergraph import cache
    from rostergraph.errors import FormatError

    src = tmp_path / "d"
    src.mkdir()
    (src / "users.jsonl").write_bytes(_users("Ann", 5) + b'{"id": "u9", "email": 7}\n')
    loose = rostergraph.load(src, cache=True)
    assert loose.problems
    (entry,) = [p for p in _cache_dir.iterdir() if p.is_dir()]
    import shutil

    shutil.copytree(entry, cache._entry(src, "clever-jsonl", True))
    assert len([p for p in _cache_dir.iterdir() if p.is_dir()]) == 2
    with pytest.raises(FormatError):
        rostergraph.load(src, cache=True, strict=True)


def test_a_record_holding_nan_leaves_no_snapshot(tmp_path: Path, _cache_dir: Path) -> None:
    """NaN and infinities (which the JSON readers accept) have no JSON text of their own:
    a roster holding one is not snapshotted (its snapshot would give ``null``), and every
    load is cold and gives them back."""
    src = tmp_path / "d"
    src.mkdir()
    (src / "users.jsonl").write_bytes(
        b'{"id": "u1", "x": NaN, "y": [Infinity, -Infinity], "email": Infinity}\n'
        b'{"id": "u2", "email": "b@x.org"}\n')
    for _ in range(2):
        r = rostergraph.load(src, cache=True)
        assert not any("from cache" in n for n in r.provenance.notes)
        extra = r.users["u1"].extra
        assert extra["x"] != extra["x"] and extra["y"] == [float("inf"), float("-inf")]
    assert not [p for p in _cache_dir.iterdir() if p.is_dir()] if _cache_dir.exists() else True


def test_a_cached_load_never_opens_a_link_out_of_the_folder(tmp_path: Path) -> None:
    """A file of the folder linked to a file outside it is never opened, with the cache
    either (its fingerprint is the link's own): what any file is opened by the load is
    seen by an audit hook, in a process of its own."""
    import subprocess
    import sys

    outside = tmp_path / "outside.txt"
    outside.write_text("not the roster's", encoding="utf-8")
    src = tmp_path / "d"
    src.mkdir()
    (src / "users.jsonl").write_bytes(_users("Ann", 5))
    (src / "notes.txt").symlink_to(outside)
    code = ("import sys, rostergraph\n"
            "seen = []\n"
            "sys.addaudithook(lambda ev, a: seen.append(str(a[0])) if ev == 'open' else None)\n"
            f"for _ in range(2): rostergraph.load({str(src)!r}, cache=True)\n"
            "print(sum(s.endswith(('notes.txt', 'outside.txt')) for s in seen))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ,
                                          "ROSTERGRAPH_CACHE_DIR": str(tmp_path / "c")})
    assert out.stdout.strip() == "0"
