"""Fuzzing every reader: only RosterError escapes, good records load unchanged, bad ones are listed.

Each property draws a valid dump from ``tests/strategies.py``, corrupts some
of its records, writes real files and reads them back. Example counts come
from the hypothesis profile (``ci`` in CI, ``--hypothesis-profile=long`` for
a local fuzzing session; see ``tests/conftest.py``).
"""

from __future__ import annotations

import gzip
import io
import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import rostergraph
from rostergraph.errors import RosterError
from rostergraph.io.clever_json import read_clever_json
from rostergraph.model import KINDS, RECORD_CLASSES, record_from_dict

from .strategies import (
    FUZZ_LIMITS,
    HOSTILE_TEXT,
    KEEPS_RECORD,
    LINE_CORRUPTIONS,
    MAY_KEEP_RECORD,
    byte_mutations,
    clever_dumps,
    corrupt_line,
    json_line,
    line_ends,
    record_dicts,
)


def _read_or_error(fn: Any, *args: Any, **kw: Any) -> Any:
    """Call a reader; a RosterError is an allowed outcome, anything else fails."""
    try:
        return fn(*args, **kw)
    except RosterError as exc:
        return exc


# --- Clever JSON Lines ----------------------------------------------------------


@st.composite
def _jsonl_case(draw: Any) -> tuple[dict[str, bytes], dict[str, dict[int, Any]]]:
    """Files of a corrupted JSONL dump and, per kind, line → ("ok", obj) or ("bad", how)."""
    dump = draw(clever_dumps())
    files: dict[str, bytes] = {}
    expect: dict[str, dict[int, Any]] = {}
    for kind in KINDS:
        cls = RECORD_CLASSES[kind]
        lines: list[bytes] = []
        exp: dict[int, Any] = {}
        for obj in dump[kind]:
            while draw(st.integers(0, 4)) == 0:
                lines.append(draw(st.sampled_from([b" ", b"   ", b"\t"])))  # blank lines
            if draw(st.integers(0, 2)) == 0:
                how, line = draw(corrupt_line(cls, obj))
                exp[len(lines) + 1] = ("bad", how)
            else:
                wrap = draw(st.booleans())  # an envelope item instead of a bare record
                line = json_line({"data": obj, "uri": "/v3.0/x"} if wrap else obj)
                exp[len(lines) + 1] = ("ok", obj)
            lines.append(line)
        good = [w for s, w in exp.values() if s == "ok"]
        if good and draw(st.booleans()):  # a second record with an id already loaded
            lines.append(json_line(dict(draw(st.sampled_from(good)), x_dup="again")))
            exp[len(lines)] = ("bad", "duplicate")
        body = b""
        for i, line in enumerate(lines):
            last = i == len(lines) - 1
            body += line + (draw(line_ends) if not last or draw(st.booleans()) else b"")
        if draw(st.booleans()):
            body = b"\xef\xbb\xbf" + body
        files[f"{kind}.jsonl"] = body
        expect[kind] = exp
    return files, expect


def _check_lines(roster: Any, kind: str, exp: dict[int, Any]) -> None:
    """Good lines loaded unchanged, bad lines listed at their line, nothing else."""
    cls = RECORD_CLASSES[kind]
    problems = [p for p in roster.problems if p.file == f"{kind}.jsonl"]
    by_line: dict[int, set[str]] = {}
    for p in problems:
        assert p.line is not None, p
        by_line.setdefault(p.line, set()).add(p.code)
    bad_lines = {n for n, (state, _) in exp.items() if state == "bad"}
    assert set(by_line) <= bad_lines, (by_line, exp)  # no problem at a good line
    kept = roster.records(kind)
    n_expected = n_maybe = 0
    for n, (state, what) in sorted(exp.items()):
        if state == "ok":
            rec, bad = record_from_dict(cls, what)
            assert bad == []
            assert kept[rec.id] == rec  # loaded unchanged
            n_expected += 1
        elif what == "duplicate":
            assert by_line.get(n) == {"duplicate_id"}, (n, by_line)
        else:
            assert by_line.get(n), f"line {n} corrupted by {what} is not in problems"
            assert by_line[n] <= LINE_CORRUPTIONS[what], (what, by_line[n])
            n_expected += what in KEEPS_RECORD
            n_maybe += what in MAY_KEEP_RECORD
    assert n_expected <= len(kept) <= n_expected + n_maybe  # nothing else was loaded


@given(_jsonl_case())
def test_fuzz_clever_jsonl_keeps_good_lines_and_lists_bad_ones(case: Any) -> None:
    """Corrupted JSONL: only RosterError escapes; good lines load unchanged; bad lines listed."""
    files, expect = case
    with tempfile.TemporaryDirectory() as d:
        for name, data in files.items():
            Path(d, name).write_bytes(data)
        roster = read_clever_json(d, limits=FUZZ_LIMITS)
    for kind in KINDS:
        _check_lines(roster, kind, expect[kind])


# --- Clever JSON documents (.json): item-level corruption ----------------------


@st.composite
def _document_case(draw: Any) -> tuple[bytes, list[Any]]:
    """A users.json document (envelope or array) and per item ("ok", obj) or ("bad", codes)."""
    cls = RECORD_CLASSES["users"]
    objs = draw(st.lists(record_dicts(cls), max_size=6, unique_by=lambda o: o["id"]))
    items: list[Any] = []
    exp: list[Any] = []
    for obj in objs:
        if draw(st.integers(0, 2)) == 0:
            how, line = draw(corrupt_line(cls, obj))
            if how in ("truncate", "bad_utf8", "nul_byte", "long_line"):
                how = "no_id"  # byte-level damage breaks the whole document: tested below
                obj = {k: v for k, v in obj.items() if k != "id"}
                line = json_line(obj)
            if how == "deep_nesting":  # built, not parsed: json.loads would recurse too deep
                deep: Any = []
                for _ in range(100):
                    deep = [deep]
                items.append(dict(obj, x_deep=deep))
            else:
                items.append(json.loads(line))
            exp.append(("bad", how))
        else:
            items.append(obj)
            exp.append(("ok", obj))
    if draw(st.booleans()):
        doc: Any = {"data": [{"data": i, "uri": "/v3.0/users/x"} if isinstance(i, dict)
                             and "id" in i else i for i in items], "links": []}
    else:
        doc = items
    return json_line(doc), exp


@given(_document_case())
def test_fuzz_clever_json_document_keeps_good_items(case: Any) -> None:
    """Corrupted items of a .json document: good items load unchanged, bad ones listed by index."""
    data, exp = case
    with tempfile.TemporaryDirectory() as d:
        Path(d, "users.json").write_bytes(data)
        roster = read_clever_json(d, limits=FUZZ_LIMITS)
    by_index: dict[int, set[str]] = {}
    for p in roster.problems:
        assert p.file == "users.json" and p.index is not None, p
        by_index.setdefault(p.index, set()).add(p.code)
    n_kept = 0
    for i, (state, what) in enumerate(exp):
        if state == "ok":
            rec = record_from_dict(RECORD_CLASSES["users"], what)[0]
            assert roster.users[rec.id] == rec
            assert i not in by_index
            n_kept += 1
        elif what in ("huge_field", "deep_nesting"):
            # documents are parsed whole: the limits apply to JSON Lines only
            n_kept += i not in by_index
        else:
            assert by_index.get(i), (i, what)
            assert by_index[i] <= LINE_CORRUPTIONS[what], (what, by_index[i])
            n_kept += what in KEEPS_RECORD
    assert len(roster.users) == n_kept


# --- every reader: byte-level accidents in a real export ------------------------

_EXPORTS: dict[str, Path] = {}


def _export(fmt: str) -> Path:
    """A real export of the sample district in ``fmt`` (written once per session)."""
    if fmt not in _EXPORTS:
        from rostergraph.io.write import write_clever_json
        from rostergraph.io.write_oneroster import write_oneroster
        from rostergraph.io.write_sftp import write_clever_csv

        d = Path(tempfile.mkdtemp(prefix=f"rg-fuzz-{fmt}-"))
        small = rostergraph.sample()
        if fmt == "oneroster":
            write_oneroster(small, d / "x")
        elif fmt == "clever-csv":
            write_clever_csv(small, d / "x")
        elif fmt == "clever-json":
            write_clever_json(small, d / "x")
        elif fmt == "clever-legacy":
            import shutil

            shutil.copytree(_LEGACY_SAMPLE, d / "x")
        _EXPORTS[fmt] = d / "x"
    return _EXPORTS[fmt]


_LEGACY_SAMPLE = (Path(__file__).parent / "data" / "public-samples" / "clever"
                  / "clever-go-v1.1-fixtures")


@pytest.mark.parametrize("fmt", ["clever-json", "clever-csv", "oneroster", "clever-legacy"])
@given(data=st.data())
def test_fuzz_every_reader_raises_only_roster_errors(fmt: str, data: Any) -> None:
    """Truncation, junk bytes, doubled spans, line-end changes in one file: Roster or RosterError."""
    src = _export(fmt)
    names = sorted(p.name for p in src.iterdir() if p.is_file())
    victim = data.draw(st.sampled_from(names))
    with tempfile.TemporaryDirectory() as d:
        dst = Path(d, "x")
        dst.mkdir()
        for name in names:
            raw = (src / name).read_bytes()
            if name == victim:
                raw = data.draw(byte_mutations(raw))
            (dst / name).write_bytes(raw)
        result = _read_or_error(rostergraph.load, dst, format=fmt)
        if not isinstance(result, RosterError):
            assert isinstance(result, rostergraph.Roster)
            for p in result.problems:  # every problem names where it is
                assert p.file is not None, p


@pytest.mark.parametrize("fmt", ["oneroster", "clever-csv"])
@given(data=st.data())
def test_fuzz_zipped_csv_bundles_raise_only_roster_errors(fmt: str, data: Any) -> None:
    """A zipped CSV bundle with a damaged archive or member: Roster or RosterError."""
    src = _export(fmt)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(src.iterdir()):
            zf.writestr(p.name, p.read_bytes())
    raw = data.draw(byte_mutations(buf.getvalue()))
    with tempfile.TemporaryDirectory() as d:
        z = Path(d, "bundle.zip")
        z.write_bytes(raw)
        result = _read_or_error(rostergraph.load, z, format=fmt)
        assert isinstance(result, (RosterError, rostergraph.Roster))


@given(data=st.data())
def test_fuzz_gzipped_jsonl_raises_only_roster_errors(data: Any) -> None:
    """A damaged users.jsonl.gz: a Roster (damage listed) or a RosterError."""
    body = b"\n".join(json_line({"id": f"u{i}", "email": "x"}) for i in range(50))
    raw = data.draw(byte_mutations(gzip.compress(body)))
    with tempfile.TemporaryDirectory() as d:
        Path(d, "users.jsonl.gz").write_bytes(raw)
        result = _read_or_error(read_clever_json, d)
        assert isinstance(result, (RosterError, rostergraph.Roster))


# --- Clever events ---------------------------------------------------------------

_EVENT_KINDS = ["districts", "schools", "terms", "courses", "sections", "users"]


@st.composite
def _events(draw: Any) -> tuple[list[Any], bool]:
    """A list of events (some maybe malformed) and whether all are well formed."""
    events: list[Any] = []
    ok = True
    for i in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(_EVENT_KINDS))
        action = draw(st.sampled_from(["created", "updated", "deleted"]))
        obj = draw(record_dicts(RECORD_CLASSES[kind]))
        ev: Any = {"id": f"e{i}", "type": f"{kind}.{action}", "created": "2024-01-01",
                   "data": {"object": obj}}
        bad = draw(st.integers(0, 4))
        if bad == 0:
            ok = False
            ev = draw(st.sampled_from([
                [1], "event", None, {"id": "e", "data": {}},  # not an object / no type
                {"type": f"{kind}.{action}", "data": {"object": {"id": 7}}},
                {"type": f"{kind}.{action}", "data": "x"},
            ]))
        elif bad == 1:  # deeply nested value (over max_json_depth=64 is refused)
            deep: Any = "leaf"
            depth = draw(st.sampled_from([50, 600]))
            ok = ok and depth < 60
            for _ in range(depth):
                deep = {"k": deep} if draw(st.booleans()) else [deep]
            ev["data"]["object"] = dict(obj, x_deep=deep)
        elif bad == 2:
            ev = {"data": ev, "uri": "/v3.0/events/x"}  # an envelope item
        events.append(ev)
    return events, ok


@given(_events())
def test_fuzz_apply_events_raises_only_roster_errors(case: Any) -> None:
    """Random and malformed events: apply_events returns a Roster or raises a RosterError."""
    from rostergraph.clever.events import apply_events

    events, ok = case
    base = rostergraph.Roster(
        schools=[record_from_dict(RECORD_CLASSES["schools"], {"id": i})[0] for i in ("id0", "id1")])
    result = _read_or_error(apply_events, base, events)
    if ok:
        assert isinstance(result, rostergraph.Roster), result
    else:
        assert isinstance(result, (rostergraph.Roster, RosterError))


# --- OneRoster CSV: row-level corruption --------------------------------------------

_OR_HEADER = ["sourcedId", "status", "dateLastModified", "enabledUser", "orgSourcedIds", "role",
              "username", "givenName", "familyName", "email"]
_csv_text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
                    max_size=10) | st.sampled_from([h for h in HOSTILE_TEXT
                                                    if "\ud800" not in h and "\x00" not in h])


def _csv_bytes(rows: list[list[str]]) -> bytes:
    import csv

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


@st.composite
def _oneroster_case(draw: Any) -> tuple[list[list[str]], int, str]:
    """User rows, the index of one row to corrupt, and how."""
    ids = draw(st.lists(st.sampled_from([f"u{i}" for i in range(12)]), unique=True,
                        min_size=2, max_size=6))
    rows = [[i, "", "", "true", "sc1", draw(st.sampled_from(["student", "teacher"])),
             draw(_csv_text), draw(_csv_text), draw(_csv_text), draw(_csv_text)] for i in ids]
    return rows, draw(st.integers(0, len(rows) - 1)), draw(st.sampled_from(
        ["no_id", "short_row", "duplicate", "bad_utf8"]))


@given(_oneroster_case())
def test_fuzz_oneroster_bad_row_costs_no_neighbour(case: Any) -> None:
    """One corrupted users.csv row: every other user loads exactly as without the damage."""
    from rostergraph.io.oneroster import read_oneroster

    rows, victim, how = case
    manifest = b"propertyName,value\r\noneroster.version,1.1\r\n"
    orgs = b"sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\r\n" \
        b"sc1,,,North,school,,\r\n"
    with tempfile.TemporaryDirectory() as d:
        good, bad = Path(d, "good"), Path(d, "bad")
        for folder in (good, bad):
            folder.mkdir()
            (folder / "manifest.csv").write_bytes(manifest)
            (folder / "orgs.csv").write_bytes(orgs)
        (good / "users.csv").write_bytes(_csv_bytes([_OR_HEADER, *rows]))
        body = [_OR_HEADER, *[list(r) for r in rows]]
        def start_line(n_rows: int) -> int:  # physical line where row n_rows starts
            import re

            return len(re.findall(rb"\r\n|\r|\n", _csv_bytes(body[:n_rows]))) + 1

        line = start_line(victim + 1)
        if how == "no_id":
            body[victim + 1][0] = ""
        elif how == "short_row":
            body[victim + 1] = body[victim + 1][:3]
        elif how == "duplicate":
            body.append(list(body[victim + 1]))
            line = start_line(len(body) - 1)
        data = _csv_bytes(body)
        if how == "bad_utf8":  # a stray Latin-1 byte in the victim's sourcedId
            at = len(_csv_bytes(body[:victim + 1])) + 1
            data = data[:at] + b"\xe9" + data[at:]
        (bad / "users.csv").write_bytes(data)
        base = read_oneroster(good)
        r = read_oneroster(bad)
    assert [p for p in base.problems if p.file == "users.csv"] == []
    victim_id = rows[victim][0]
    for uid, rec in base.users.items():
        if uid != victim_id:
            assert r.users[uid] == rec  # a neighbour loads unchanged
    assert any(p.file == "users.csv" and p.line == line for p in r.problems), (
        how, [(p.code, p.line) for p in r.problems])


# --- Clever SFTP CSV: row-level corruption -------------------------------------------


@given(row=st.integers(0, 40), how=st.sampled_from(["no_id", "short_row", "bad_utf8"]))
def test_fuzz_clever_csv_bad_student_row_costs_no_neighbour(row: int, how: str) -> None:
    """One damaged students.csv row of a real export: every other user loads unchanged."""
    from rostergraph.io.clever_csv import read_clever_csv

    src = _export("clever-csv")
    data = (src / "students.csv").read_bytes()
    lines = data.split(b"\r\n") if b"\r\n" in data else data.split(b"\n")
    sep = b"\r\n" if b"\r\n" in data else b"\n"
    body = [ln for ln in lines[1:] if ln]
    assert not any(b'"' in ln and ln.count(b'"') % 2 for ln in body)  # one record per line
    victim = row % len(body)
    original = body[victim]  # users whose data is in this row (its contacts) are damaged too
    cells = body[victim].split(b",")
    victim_id = cells[1].decode()
    if how == "no_id":
        cells[1] = b""
    elif how == "short_row":
        cells = cells[:3]
    else:
        cells[4] = cells[4] + b"\xe9"
    body[victim] = b",".join(cells)
    with tempfile.TemporaryDirectory() as d:
        dst = Path(d, "x")
        dst.mkdir()
        for p in src.iterdir():
            (dst / p.name).write_bytes(p.read_bytes())
        (dst / "students.csv").write_bytes(sep.join([lines[0], *body]) + sep)
        base = read_clever_csv(src)
        r = read_clever_csv(dst)
    line = victim + 2
    assert any(p.file == "students.csv" and p.line == line for p in r.problems), (
        how, [(p.code, p.file, p.line) for p in r.problems][:5])
    for uid, rec in base.users.items():
        if uid != victim_id and uid.encode() not in original:
            assert r.users.get(uid) == rec, uid


def test_wrong_typed_field_wider_than_64_bits_is_also_a_limit_problem(tmp_path: Path) -> None:
    """A string field given an integer wider than 64 bits (a fuzzed ``field_wrong_type``
    line): the record loads with the value in ``extra``, the line is a ``bad_field`` problem
    and a ``limit`` problem whose raw text keeps the exact digits (so the fuzzing strategy
    above draws 64-bit integers for that corruption)."""
    line = b'{"id": "a/b", "students": [], "district": 70860063169094544066137880002560}'
    (tmp_path / "sections.jsonl").write_bytes(b'{"id": "id0"}\n' + line + b"\n")
    r = read_clever_json(tmp_path, limits=FUZZ_LIMITS)
    assert sorted((p.code, p.line, p.record_id) for p in r.problems) == [
        ("bad_field", 2, "a/b"), ("limit", 2, "a/b")]
    assert any(p.raw is not None and "70860063169094544066137880002560" in p.raw
               for p in r.problems)
    assert r.sections["a/b"].extra["district"] == float(70860063169094544066137880002560)
