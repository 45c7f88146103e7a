"""Large CSV files parsed ahead of their turn on a thread of their own: the same tables
and the same roster as parsed in turn, nothing left running, errors raised in the
reader's thread."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

import rostergraph
from rostergraph.errors import FormatError
from rostergraph.io import clever_csv, oneroster, parse_ahead
from rostergraph.io.csv_stream import arrow_columns_from_file
from rostergraph.io.limits import DEFAULT_LIMITS
from rostergraph.io.parse_ahead import NOT_AHEAD, ParsedAhead
from rostergraph.io.write_oneroster import write_oneroster
from rostergraph.io.write_sftp import write_clever_csv
from rostergraph.synth import write_district

from .test_fast_jsonl import _snapshot


def _ahead_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "rostergraph-parse-ahead"]


def _files(tmp: Path) -> list[tuple[str, Path]]:
    out = []
    for k, rows in enumerate((3, 500, 40)):
        p = tmp / f"f{k}.csv"
        p.write_text("sourcedId,role,name\n" + "".join(
            f"id{i},{'student' if i % 3 else 'teacher'},\"Name, {i}\"\n" for i in range(rows)))
        out.append((p.name, p))
    return out


def _plain(got: Any) -> Any:
    header, columns, size, digest = got
    return header, [c.to_pylist() for c in columns], size, digest


def test_each_file_is_the_table_parsed_in_turn(tmp_path: Path) -> None:
    files = _files(tmp_path)
    coded = [None, lambda c: c == "role", None]
    ahead = ParsedAhead([(n, p, c) for (n, p), c in zip(files, coded)], DEFAULT_LIMITS)
    for (name, path), c in zip(files, coded):
        got = ahead.take(name, c)
        assert _plain(got) == _plain(arrow_columns_from_file(path, DEFAULT_LIMITS, c))
        assert ahead.take(name, c) is NOT_AHEAD  # (handed over once)
    assert ahead.take("other.csv", None) is NOT_AHEAD
    ahead.close()
    assert _ahead_threads() == []


def test_a_file_taken_out_of_order_or_parsed_otherwise(tmp_path: Path) -> None:
    """The reader going past files (taking a later one first) waits for no table it
    will not take; a file asked for with other columns coded is not handed over."""
    files = _files(tmp_path)
    ahead = ParsedAhead([(n, p, None) for n, p in files], DEFAULT_LIMITS)
    last, path = files[-1]
    assert _plain(ahead.take(last, None)) == _plain(arrow_columns_from_file(
        path, DEFAULT_LIMITS))
    assert ahead.take(files[0][0], None) is NOT_AHEAD  # (gone past)
    ahead.close()
    other = ParsedAhead([(n, p, None) for n, p in files], DEFAULT_LIMITS)
    assert other.take(files[0][0], lambda c: True) is NOT_AHEAD
    assert _plain(other.take(files[1][0], None))[0] == ["sourcedId", "role", "name"]
    other.close()
    assert _ahead_threads() == []


def test_what_the_parse_raises_is_raised_by_take(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def fails(path: Path, limits: Any, coded: Any) -> Any:
        raise MemoryError(f"no room for {path.name}")

    monkeypatch.setattr(parse_ahead, "arrow_columns_from_file", fails)
    files = _files(tmp_path)
    ahead = ParsedAhead([(n, p, None) for n, p in files], DEFAULT_LIMITS)
    with pytest.raises(MemoryError, match="f1.csv"):
        ahead.take(files[1][0], None)
    ahead.close()


def test_close_without_taking_stops_the_thread(tmp_path: Path) -> None:
    files = _files(tmp_path)
    ahead = ParsedAhead([(n, p, None) for n, p in files], DEFAULT_LIMITS)
    ahead.close()
    assert _ahead_threads() == []
    assert ahead.take(files[0][0], None) is NOT_AHEAD


@pytest.mark.parametrize("fmt", ["1.1", "1.2", "sftp"])
def test_a_roster_loads_as_it_does_parsed_in_turn(tmp_path: Path, fmt: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """(The tests parse every folder's file as a large one's: OneRoster's users.csv,
    roles.csv and enrollments.csv, SFTP's students.csv and enrollments.csv are parsed
    ahead here.)"""
    src = rostergraph.load(write_district(tmp_path / "src", students=400, seed=5))
    if fmt == "sftp":
        write_clever_csv(src, tmp_path / "b")
        reader, want = clever_csv, ["students.csv", "enrollments.csv"]
    else:
        write_oneroster(src, tmp_path / "b", version=fmt)
        reader = oneroster
        want = ["users.csv", *(["roles.csv"] if fmt == "1.2" else []), "enrollments.csv"]
    started: list[list[str]] = []
    handed: list[str] = []
    real, take = reader.parse_ahead, ParsedAhead.take

    def spy(bundle: Any, files: Any, limits: Any, min_size: int) -> ParsedAhead:
        started.append([name for name, _ in files if (tmp_path / "b" / name).exists()])
        return real(bundle, files, limits, min_size)

    def taken(self: ParsedAhead, name: str, coded: Any = None) -> Any:
        got = take(self, name, coded)
        if got is not NOT_AHEAD:
            handed.append(name)
        return got

    monkeypatch.setattr(reader, "parse_ahead", spy)
    monkeypatch.setattr(ParsedAhead, "take", taken)
    ahead = _snapshot(rostergraph.load(tmp_path / "b"))
    assert started == [want] and sorted(handed) == sorted(want)
    monkeypatch.setattr(reader, "parse_ahead", lambda bundle, files, limits, min_size:
                        ParsedAhead((), limits))
    assert _snapshot(rostergraph.load(tmp_path / "b")) == ahead
    assert _ahead_threads() == []


@pytest.mark.parametrize("fmt", ["1.2", "sftp"])
def test_a_strict_load_that_raises_leaves_no_thread(tmp_path: Path, fmt: str) -> None:
    src = rostergraph.load(write_district(tmp_path / "src", students=400, seed=5))
    b = tmp_path / "b"
    if fmt == "sftp":
        write_clever_csv(src, b)
        early = b / "schools.csv"
    else:
        write_oneroster(src, b, version="1.2")
        early = b / "orgs.csv"
    early.write_text(early.read_text() + "broken,row\n")
    with pytest.raises(FormatError, match=early.name):
        rostergraph.load(b, strict=True)
    assert _ahead_threads() == []


def test_pools_let_go_while_another_thread_imports_pyarrow() -> None:
    """A load's first parse may import pyarrow on the parse-ahead thread while the reader
    hands pyarrow's freed memory back: that waits for the import, never takes the module
    half made (a fresh process, so that pyarrow is imported there for the first time)."""
    import subprocess
    import sys

    code = (
        "import sys, threading\n"
        "from rostergraph.io.csv_arrow import release_arrow_memory\n"
        "assert 'pyarrow' not in sys.modules\n"
        "t = threading.Thread(target=lambda: __import__('pyarrow.csv'))\n"
        "t.start()\n"
        "calls = 0\n"
        "while t.is_alive() or calls == 0:\n"
        "    release_arrow_memory(); calls += 1\n"
        "t.join()\n"
        "print('ok', calls)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ok ")
