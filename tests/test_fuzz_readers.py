"""Fuzzing every reader: only RosterError escapes, good records load unchanged, bad ones are listed.

Each property draws a valid dump from ``tests/strategies.py``, corrupts some
of its records, writes real files and reads them back. Example counts come
from the hypothesis profile (``ci`` in CI, ``--hypothesis-profile=long`` for
a local fuzzing session; see ``tests/conftest.py``).
"""

from __future__ import annotations

import gzip
import io
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from .strategies import (
    FUZZ_LIMITS,
    KEEPS_RECORD,
    LINE_CORRUPTIONS,
    clever_dumps,
    corrupt_line,
    json_line,
    line_ends,
    record_dicts,
)

import rostergraph
from rostergraph.errors import RosterError
from rostergraph.io.clever_json import read_clever_json
from rostergraph.model import KINDS, RECORD_CLASSES, record_from_dict


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
    n_expected = 0
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
    assert len(kept) == n_expected  # nothing else was loaded


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
