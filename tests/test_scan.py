"""The fast reader's scan: rule field columns, the string-suspect superset, slices."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

import rostergraph
from rostergraph.io import fast_jsonl, scan
from rostergraph.rules.strings import BAD_CHARS, MAX_LENGTH
from rostergraph.synth import write_district

from .field_oracle import record_fields
from .test_fast_jsonl import _messy, _slow_lines_in_the_middle


def _fields(r: rostergraph.Roster, kind: str) -> dict[str, Any]:
    cols = r._columns.fields(kind, r.records(kind))
    assert cols is not None
    return dict(cols)


@pytest.mark.parametrize("move_budget", [fast_jsonl.MOVE_BUDGET, 0])
def test_field_columns_equal_the_records(tmp_path: Path, move_budget: int,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Every field column holds, per record position, what the built record says (with
    records from the general path among the plain ones; columns mended in place or
    rebuilt)."""
    p = write_district(tmp_path / "d", students=2000, seed=3)
    _slow_lines_in_the_middle(p)
    monkeypatch.setattr(fast_jsonl, "MOVE_BUDGET", move_budget)
    with (p / "users.jsonl").open("ab") as fh:  # a record that takes the general path
        fh.write(b'{"id": "zz", "email": 5, "name": {"last": "X"}, "roles": {"student": '
                 b'{"grade": "3", "email": "a@b"}}}\n')
    for path in (p, _messy(tmp_path)):
        r = rostergraph.load(path)
        assert path != p or r.users.get("zz") is not None
        if path == p:  # string columns are made when first asked for
            assert {"email", "student_email"} <= set(r._columns.fields("users", r.users).pending())
        for kind in ("users", "sections"):
            fields = _fields(r, kind)
            recs = list(r.records(kind).values())
            for name, col in fields.items():
                assert len(col) == len(recs)
                if name == "text_suspect":
                    continue
                assert col.tolist() == [record_fields(kind, rec)[name] for rec in recs], name


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *_strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


_text = st.text(st.characters(codec="utf-8", exclude_characters='"'), max_size=8) | \
    st.text(max_size=300) | st.sampled_from(["", "a\u00a0b", "\x7f", "\ufffd", "é" * 256,
                                             "x" * 255, "y" * 256, "\u0085", "\ufdd0"])


@given(st.lists(st.fixed_dictionaries(
    {"id": st.text("abc", min_size=1, max_size=4), "name": _text},
    optional={"sis_id": _text, "ext": st.dictionaries(_text, _text | st.integers(-(2**63), 2**63 - 1), max_size=2),
              "students": st.lists(_text, max_size=3)}), min_size=1, max_size=12))
def test_every_record_with_a_bad_string_is_suspect(sections: list[dict[str, Any]]) -> None:
    """A record with a string RG-STR-001/002 would report is never left out of
    ``text_suspect`` (through the suspect bytes, the decoder's length bound, ``ext``)."""
    import tempfile

    seen: set[str] = set()
    sections = [s for s in sections if not (s["id"] in seen or seen.add(s["id"]))]
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "sections.jsonl").write_bytes(
            b"".join(orjson.dumps(s) + b"\n" for s in sections))
        r = rostergraph.load(tmp)
        suspect = _fields(r, "sections")["text_suspect"]
        order = list(r.sections)
    for s in sections:
        bad = any(len(x) > MAX_LENGTH or BAD_CHARS.search(x) for x in _strings(s))
        if bad:
            assert suspect[order.index(s["id"])], s


def test_suspect_rows_finds_each_suspect_byte() -> None:
    """Each suspect byte marks its own row, whether found by ``find`` or, past the limit,
    by the vectorized pass."""
    rows = [b'{"id":"r%d"}' % i for i in range(30_000)]
    marked = {3: b"\\t", 10: b"\x7f", 20: "\u0085".encode(), 29_999: "\ufffd".encode()}
    for i, b in marked.items():
        rows[i] = rows[i][:-1] + b',"n":"' + b + b'"}'
    many = list(range(100, 25_100))  # more hits of one byte than find is used for
    for i in many:
        rows[i] = rows[i][:-1] + b',"n":"\\n"}'
    text = b"\n".join(rows) + b"\n"
    starts = np.cumsum([0] + [len(x) + 1 for x in rows[:-1]])
    got = scan.suspect_rows(text, 0, len(text), starts).tolist()
    assert got == sorted(set(marked) | set(many))


def _long_string_rows_oracle(data: bytes, starts: np.ndarray) -> list[int]:
    """Rows holding a run of more than MAX_STRING + 1 bytes between two quotes, found
    from every quote's position."""
    q = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == ord('"'))
    at = q[:-1][np.diff(q) > scan.MAX_STRING + 1]
    rows = np.unique(np.searchsorted(starts, at, side="right") - 1)
    return rows[rows >= 0].tolist()


@given(st.lists(st.tuples(st.integers(0, 700), st.booleans()), max_size=40),
       st.integers(0, 300))
def test_long_string_rows_are_those_of_every_quote(runs: list[tuple[int, bool]],
                                                   lead: int) -> None:
    """Runs of every length about the bound, at every alignment, quoted or not (a run
    before the first quote or after the last is no string), give exactly the rows the
    positions of every quote give."""
    rows = [b"x" * lead]
    for n, quoted in runs:
        body = b"y" * n
        rows.append(b'{"a":"' + body + b'"}' if quoted else body)
    text = b"\n".join(rows) + b"\n"
    starts = np.cumsum([0] + [len(x) + 1 for x in rows[:-1]])
    assert scan.long_string_rows(text, starts).tolist() == _long_string_rows_oracle(
        text, starts)


@given(st.lists(st.sampled_from([b'"ext"', b'"ex', b't"', b"e", b'"', b"\n", b"xt", b"ab"]),
                max_size=60), st.integers(0, 20), st.integers(0, 20),
       st.sampled_from([b'"ext"', b"ext:", b'"ext""']))
def test_needle_found_by_words_where_find_finds_it(parts: list[bytes], lo: int, cut: int,
                                                  needle: bytes) -> None:
    """The 4-byte word comparison finds every position ``bytes.find`` finds (overlapping
    ones, near both ends of the range, at each alignment), and no other."""
    data = b"".join(parts)
    hi = max(lo, len(data) - cut)
    want, at = [], data.find(needle, lo, hi)
    while at >= 0:
        want.append(at)
        at = data.find(needle, at + 1, hi)
    assert scan._find_words(data, needle, lo, hi).tolist() == want


def test_lines_with_a_long_needle_in_a_long_text_are_those_find_gives(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the size from which words are compared, the same lines hold the needle."""
    rows = [b'{"id":"r%d"%s}' % (i, b',"ext":{}' if i % 37 == 0 else b"") for i in range(20_000)]
    rows[5] = b'{"id":"x","n":"ext\\"ext"}'
    text = b"\n".join(rows) + b"\n"
    starts = np.cumsum([0] + [len(x) + 1 for x in rows[:-1]])
    monkeypatch.setattr(scan, "_WORDS_FROM", 1 << 16)
    words = scan.lines_with(text, b'"ext"', 0, len(text), starts)
    monkeypatch.setattr(scan, "_WORDS_FROM", 1 << 40)
    finds = scan.lines_with(text, b'"ext"', 0, len(text), starts)
    assert words.tolist() == finds.tolist() and words.sum() == len(range(0, 20_000, 37)) + 1


def test_long_string_rows_across_steps() -> None:
    """A long run that spans the 16 MB steps the text is read in is found, and so are
    runs just long enough and just too short, anywhere."""
    rng = np.random.default_rng(5)
    text = bytearray(rng.choice(np.frombuffer(b'ab"\n', np.uint8), size=(1 << 24) + 5000,
                                p=[0.45, 0.45, 0.05, 0.05]).tobytes())
    for at, n in (((1 << 24) - 100, 300), (1000, 256), (5000, 255), (70_000, 257)):
        text[at - 1] = text[at + n] = ord('"')
        text[at:at + n] = b"z" * n
    data = bytes(text)
    starts = np.concatenate([[0], np.flatnonzero(np.frombuffer(data, np.uint8) == 10) + 1])
    got = scan.long_string_rows(data, starts).tolist()
    assert got == _long_string_rows_oracle(data, starts)
    assert len(got) >= 3


@given(st.lists(st.sampled_from([b'{"id": "a"}', b"", b"  ", b"{bad", b'{"id": "' + b"x" * 40 + b'"}']),
                max_size=30), st.integers(1, 50), st.booleans())
def test_lines_in_chunks_are_the_lines_of_the_whole(parts: list[bytes], chunk: int,
                                                     final_newline: bool) -> None:
    """Splitting a slice a chunk at a time gives exactly ``bytes.split``'s lines."""
    text = b"\n".join(parts) + (b"\n" if final_newline else b"")
    old = scan.CHUNK
    try:
        scan.CHUNK = chunk
        chunks = list(scan._chunks(text, 0, len(text)))
        lines = [line for _, part in chunks for line in part]
        assert lines == text.split(b"\n")
        for off, part in chunks:  # each part's position is its first line's
            assert text[off:off + len(part[0])] == part[0]
            assert off == 0 or text[off - 1:off] == b"\n"
    finally:
        scan.CHUNK = old


def _split(data: bytes, parts: int) -> list[tuple[int, int]]:
    """``(start, end)`` byte ranges of whole lines, about ``len(data) / parts`` each."""
    out, start = [], 0
    for k in range(1, parts + 1):
        cut = data.find(b"\n", max(start, len(data) * k // parts)) if k < parts else -1
        end = len(data) if cut < 0 else cut + 1
        out.append((start, end))
        start = end
    return out


def test_slices_joined_equal_one_scan_of_the_whole(tmp_path: Path) -> None:
    """A file scanned in several slices and joined gives what one scan of the whole file
    gives: ids, file-wide line numbers, byte ranges, slow lines, graph and field columns
    and suspect rows."""
    folder = write_district(tmp_path, "S", seed=3)
    lim = (1 << 20, 64, 1 << 20)
    for kind in ("users", "sections"):
        lines = (folder / f"{kind}.jsonl").read_bytes().split(b"\n")
        # slow lines, a long string (plain but unchecked) and a control character
        for at, bad in ((3, b"{not json"), (40, b"   "), (41, b'{"id": 5}'), (90, lines[2]),
                        (120, b'{"id": "long", "name": "' + b"x" * 300 + b'"}'),
                        (150, b'{"id": "ctl", "name": "a\\u0007"}')):
            lines.insert(at, bad)
        data = b"\n".join(lines)
        whole = scan.join_parts([scan.scan(data, kind, 0, len(data), 0, lim)])
        cuts = _split(data, 5)
        assert len(cuts) == 5
        joined = scan.join_parts([scan.scan(data, kind, s, e, 0, lim) for s, e in cuts])
        assert joined["ids"] == whole["ids"]
        assert list(scan.slow_lines(data, joined["slow"])) == \
            list(scan.slow_lines(data, whole["slow"]))
        assert len(joined["slow"][0]), "the messy file has slow lines"
        for key in ("lines", "starts", "ends", "suspect"):
            assert joined[key].tolist() == whole[key].tolist(), key
        assert joined["newlines"] == whole["newlines"]
        assert _plain(joined["fields"]) == _plain(whole["fields"])
        assert _plain(joined["cols"]) == _plain(whole["cols"])


def _plain(obj: Any) -> Any:
    """Columns as plain Python values, for comparison."""
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return tuple(_plain(v) for v in obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, rostergraph.graph.CodedRefs):
        return (obj.codes.tolist(), obj.missing)
    return list(obj)


def test_field_columns_read_from_threads_are_made_once(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Many threads reading the same lazy field columns at once get the same, correct
    arrays, each made once (its maker moves rows in place, so a second call would shift
    them), and a pickled roster's columns are all made."""
    import pickle
    import threading

    p = write_district(tmp_path / "d", students=800, seed=5)
    _slow_lines_in_the_middle(p)
    r = rostergraph.load(p)
    lazy = r._columns.fields("users", r.users)
    assert "email" in lazy.pending()
    calls: list[str] = []
    for name in lazy.pending():
        make = lazy._make[name]
        lazy._make[name] = lambda make=make, name=name: (calls.append(name), make())[1]
    got: list[dict[str, Any]] = []
    start = threading.Barrier(8)

    def read() -> None:
        start.wait()
        got.append({name: lazy[name] for name in lazy})

    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(calls) == sorted(set(calls)) and "email" in calls
    recs = list(r.users.values())
    for cols in got:
        assert all(cols[n] is got[0][n] for n in cols)
        assert cols["email"].tolist() == [record_fields("users", u)["email"] for u in recs]
    copy = pickle.loads(pickle.dumps(lazy))
    assert copy.pending() == [] and copy["email"].tolist() == got[0]["email"].tolist()


def test_references_coded_chunk_by_chunk_equal_coded_at_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Section references to users, coded to positions a chunk of lines at a time (ids
    with no record kept as text, in order), equal the references coded in one go."""
    folder = write_district(tmp_path, "S", seed=4)
    users = (folder / "users.jsonl").read_bytes()
    data = (folder / "sections.jsonl").read_bytes()
    ids = [orjson.loads(line)["id"] for line in users.splitlines() if line.strip()]
    index = {uid: i for i, uid in enumerate(ids[: len(ids) // 2])}  # half have no record
    lim = (1 << 20, 64, 1 << 20)
    plain = scan.scan(data, "sections", 0, len(data), 0, lim)
    monkeypatch.setattr(scan, "CHUNK", 2000)
    coded = scan.scan(data, "sections", 0, len(data), 0, lim, {"users": index})
    for name in ("enrolled_in", "teaches"):
        refs = plain["cols"][name][1]
        got = coded["cols"][name][1]
        assert isinstance(got, rostergraph.columns.CodedRefs)
        assert got.codes.tolist() == [index.get(r, -1) for r in refs]
        assert got.missing == [r for r in refs if r not in index]
        assert got.missing, "some references have no record"
