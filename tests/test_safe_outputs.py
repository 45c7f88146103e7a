"""Safe outputs: no formula injection in CSV, always-valid JSON, escaped HTML, safe paths, atomic writes."""

from __future__ import annotations

import csv
import html
import io
import json
import math
import os
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import rostergraph
from rostergraph.model import School, Section, User, record_from_dict
from rostergraph.safety import (
    FORMULA_PREFIXES,
    atomic_write,
    csv_cell,
    html_text,
    json_dumps,
    neutralize_cell,
    restore_cell,
    safe_filename,
    safe_path,
)
from rostergraph.table import Table

from .strategies import HOSTILE_TEXT, json_values

any_text = st.text() | st.sampled_from(HOSTILE_TEXT) | st.builds(
    lambda p, s: p + s, st.sampled_from(["'", "''", "'''"] + list(FORMULA_PREFIXES)), st.text())


@given(any_text)
def test_neutralize_is_reversible_and_never_starts_a_formula(s: str) -> None:
    """restore_cell(neutralize_cell(s)) == s, and the neutralized cell never starts with =+-@ tab CR."""
    cell = neutralize_cell(s)
    assert restore_cell(cell) == s
    assert not cell.startswith(FORMULA_PREFIXES)


@given(any_text)
def test_restore_leaves_cells_that_were_not_neutralized(s: str) -> None:
    """A cell that is already safe is left alone by neutralize and by restore."""
    if not re.match(r"'*[=+\-@\t\r]", s):
        assert neutralize_cell(s) == s == restore_cell(s)


@given(st.lists(any_text, min_size=1, max_size=8))
def test_table_csv_has_no_formula_cells_and_reads_back(values: list[str]) -> None:
    """Table.to_csv: every cell parsed back is safe, and restore_cell gives the original text."""
    t = Table({"name": values, "n": list(range(len(values)))})
    text = t.to_csv()
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["name", "n"]
    got = [r[0] for r in rows[1:]]
    assert len(got) == len(values)
    for cell, original in zip(got, values):
        assert not cell.startswith(FORMULA_PREFIXES)
        expected = original
        if re.search("[\ud800-\udfff]", original):  # not UTF-8: written as \\udXXX text
            expected = re.sub("[\ud800-\udfff]", lambda m: f"\\u{ord(m.group()):04x}", original)
        assert restore_cell(cell) == expected


def test_csv_opt_out_writes_raw_cells() -> None:
    """to_csv(neutralize=False) writes text as is (for programs, not spreadsheets)."""
    assert Table({"a": ["=1+1"]}).to_csv(neutralize=False) == "a\n=1+1\n"


def test_csv_cell_of_lists_and_none() -> None:
    """Lists become JSON (neutralized when they would start a formula), None an empty cell."""
    assert csv_cell(None) == ""
    assert csv_cell(["=x"]) == '["=x"]'
    assert csv_cell(-3) == -3  # numbers are not text: a spreadsheet shows -3, runs nothing


def test_table_csv_to_path_is_utf8_even_with_lone_surrogates(tmp_path: Path) -> None:
    """Writing a CSV file never fails halfway on text UTF-8 cannot hold."""
    out = tmp_path / "t.csv"
    Table({"id": ["u\ud800", "=cmd"]}).to_csv(out)
    text = out.read_text("utf-8")
    assert "u\\ud800" in text and "'=cmd" in text


@given(json_values | st.lists(st.dictionaries(any_text, any_text | st.floats()), max_size=3))
def test_json_dumps_is_always_valid_utf8_json(value: Any) -> None:
    """json_dumps output parses back, encodes as UTF-8, and keeps every string exactly."""
    text = json_dumps(value)
    text.encode("utf-8")  # no lone surrogates in the output
    back = json.loads(text)
    assert back == _nan_to_none(value)


def _nan_to_none(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: _nan_to_none(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_nan_to_none(x) for x in v]
    return v


def test_table_json_with_control_characters_surrogates_nan_and_big_ints() -> None:
    """Table.to_json stays valid JSON for NUL, control characters, lone surrogates, NaN, 2**70."""
    t = Table({"s": ["a\x00\x1f\u2028", "\ud800", "x"], "v": [float("nan"), 1.5, 2.0]})
    back = json.loads(t.to_json())
    assert [r["s"] for r in back] == ["a\x00\x1f\u2028", "\ud800", "x"]
    assert back[0]["v"] is None
    assert json.loads(json_dumps({"n": 2**70})) == {"n": 2**70}


@given(any_text)
def test_html_text_escapes_everything(s: str) -> None:
    """html_text leaves no raw <, >, quotes; unescaping gives the text back (surrogates as escapes)."""
    out = html_text(s)
    assert not set(out) & set("<>\"'")
    if not re.search("[\ud800-\udfff]", s):
        assert html.unescape(out) == s
    out.encode("utf-8")


def test_html_report_escapes_roster_text(tmp_path: Path) -> None:
    """A school named <script>… and ids with markup appear escaped in the HTML report."""
    evil = '<script>alert("x")</script>'
    roster = rostergraph.Roster(
        schools=[School(id="sc<1>", name=evil)],
        sections=[Section(id='se"1', school="sc<1>", name=evil, teacher="t<b>",
                          teachers=("t<b>",), students=("u<i>",))],
        users=[record_from_dict(User, {"id": "u<i>", "name": {"first": evil},
                                       "roles": {"student": {"school": "sc<1>"}}})[0]])
    page = rostergraph.validate(roster).to_html(plots=False)
    assert "<script>alert" not in page
    assert "u<i>" not in page and "t<b>" not in page


@given(any_text)
def test_safe_filename_is_one_harmless_name(s: str) -> None:
    """safe_filename: only [A-Za-z0-9._-], no leading dot, bounded length, never a path."""
    name = safe_filename(s)
    assert re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]*", name)
    assert len(name) <= 120 and "/" not in name and name not in (".", "..")


@given(any_text, any_text)
def test_safe_filename_keeps_different_names_apart(a: str, b: str) -> None:
    """Two different data names never map to the same file."""
    if a != b:
        assert safe_filename(a) != safe_filename(b)


@pytest.mark.parametrize("name", ["../../etc/passwd", "/abs", "C:\\win", "..", ".", "",
                                  "con", "a/../../b", "\x00"])
def test_safe_path_stays_in_its_folder(tmp_path: Path, name: str) -> None:
    """A path built from data is a direct child of the target folder."""
    p = safe_path(tmp_path, name, suffix=".csv")
    assert p.parent == tmp_path


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path: Path,
                                                            monkeypatch: Any) -> None:
    """A failed write leaves the previous content and no temporary file behind."""
    target = tmp_path / "report.csv"
    atomic_write(target, "old")

    def boom(*a: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write(target, "new")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.csv"]


def test_cli_csv_output_is_neutralized(tmp_path: Path, capsys: Any) -> None:
    """`rostergraph query … --format csv` writes formula-looking ids neutralized."""
    from rostergraph.cli import main

    d = tmp_path / "d"
    d.mkdir()
    (d / "sections.jsonl").write_text(
        '{"id": "=se", "school": "@sc", "teacher": "-t", "teachers": ["-t"], "students": ["+s"]}\n')
    (d / "users.jsonl").write_text(
        '{"id": "-t", "roles": {"teacher": {"school": "@sc"}}}\n'
        '{"id": "+s", "roles": {"student": {"school": "@sc"}}}\n')
    code = main(["query", "reach", str(d), "--format", "csv"])
    assert code == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out, newline="")))
    cells = [c for r in rows[1:] for c in r]
    assert "'-t" in cells and "'+s" in cells
    assert not any(c.startswith(FORMULA_PREFIXES) for c in cells)


def test_atomic_write_keeps_an_existing_files_mode(tmp_path: Path) -> None:
    """Replacing a file keeps its permissions; a new file gets 0666 less the umask, not
    the temporary file's 0600."""
    import os
    import stat

    target = tmp_path / "report.html"
    atomic_write(target, "one")
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    target.chmod(0o640)
    atomic_write(target, "two")
    assert target.read_text() == "two" and stat.S_IMODE(target.stat().st_mode) == 0o640


def test_atomic_write_into_a_named_pipe_keeps_the_pipe(tmp_path: Path) -> None:
    """`-o` naming a FIFO (like /dev/null, not a regular file) is written into, never
    replaced by a regular file."""
    import stat
    import threading

    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    atomic_write(fifo, "report text\n")
    reader.join(timeout=30)
    assert got == [b"report text\n"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_atomic_write_refuses_to_replace_a_folder(tmp_path: Path) -> None:
    """A folder given as an output file is refused with an error naming it, and kept."""
    (tmp_path / "out").mkdir()
    with pytest.raises(rostergraph.errors.SourceError, match="not a regular file"):
        atomic_write(tmp_path / "out", "x")
    assert (tmp_path / "out").is_dir()
