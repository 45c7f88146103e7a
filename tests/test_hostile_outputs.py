"""Hostile data on the way out: every command's output stays printable, valid and inert.

Each test writes a small hostile roster to disk, runs the real command line
in-process (stdout is a strict UTF-8 stream, like a terminal's), and pins down
that the command finishes and what its output holds.
"""

from __future__ import annotations

import csv
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest

import rostergraph
from rostergraph.cli import main
from rostergraph.errors import SourceError

SURROGATE = "\ud800"


def _jsonl(folder: Path, kind: str, *records: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    # json.dumps writes a lone surrogate as the \ud800 escape, as a real dump would
    (folder / f"{kind}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))


def _district(folder: Path, *, sid: str = "se1", student: str = "s1", name: str = "Math",
              extra_student: dict[str, Any] | None = None) -> Path:
    _jsonl(folder, "schools", {"id": "sc1", "name": "North"})
    _jsonl(folder, "users",
           {"id": "t1", "roles": {"teacher": {"school": "sc1"}}},
           {"id": student, "roles": {"student": {"school": "sc1"}}, **(extra_student or {})})
    _jsonl(folder, "sections", {"id": sid, "school": "sc1", "teacher": "t1", "teachers": ["t1"],
                                "students": [student], "name": name})
    return folder


def _run(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


# --- hangs and crashes ---------------------------------------------------------------


@pytest.mark.timeout(60)  # the old failure was a hang
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs (POSIX)")
def test_fifo_named_like_a_roster_file_is_refused_not_waited_on(tmp_path: Path) -> None:
    """A FIFO named sections.csv in a folder is a SourceError naming it, never a hang."""
    (tmp_path / "students.csv").write_text("Student_id,School_id\n1,2\n")
    os.mkfifo(tmp_path / "sections.csv")
    with pytest.raises(SourceError, match="FIFO") as exc:
        rostergraph.detect_format(tmp_path)
    assert "sections.csv" in str(exc.value)
    with pytest.raises(SourceError, match="FIFO"):
        rostergraph.load(tmp_path, format="clever-csv")
    assert stat.S_ISFIFO(os.stat(tmp_path / "sections.csv").st_mode)  # never opened


def test_lone_surrogates_do_not_crash_query_why_text(tmp_path: Path, capsys: Any) -> None:
    """`query why --format text` prints a section id holding a lone surrogate as \\ud800."""
    src = _district(tmp_path / "d", sid="se1" + SURROGATE, name="M" + SURROGATE)
    code, out, _ = _run(capsys, "query", "why", str(src), "--teacher", "t1", "--student", "s1")
    assert code == 0
    assert "se1\\ud800" in out and "M\\ud800" in out


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_lone_surrogates_do_not_crash_diff(tmp_path: Path, capsys: Any, fmt: str) -> None:
    """`diff` in every format writes ids with lone surrogates as \\ud800 escapes."""
    old = _district(tmp_path / "old")
    new = _district(tmp_path / "new", sid="se2" + SURROGATE, student="s2" + SURROGATE)
    code, out, _ = _run(capsys, "diff", str(old), str(new), "--format", fmt)
    assert code in (0, 1)
    out.encode("utf-8")  # strict: no lone surrogate reached the stream
    if fmt == "json":
        data = json.loads(out)
        assert any(c["new_id"] == "se2" + SURROGATE for c in data["changes"])
    else:
        assert "se2\\ud800" in out.replace("\\\\", "\\")


def test_lone_surrogates_do_not_crash_the_convert_report(tmp_path: Path, capsys: Any) -> None:
    """`convert`'s text and JSON reports survive a field name holding a lone surrogate."""
    src = _district(tmp_path / "d", extra_student={"x" + SURROGATE: "v" + SURROGATE})
    for fmt in ("text", "json", "csv"):
        out_dir = tmp_path / f"out-{fmt}"
        code, out, _ = _run(capsys, "convert", str(src), str(out_dir), "--to", "oneroster",
                            "--report-format", fmt)
        assert code == 0
        out.encode("utf-8")
        assert "x\\ud800" in out, fmt


def test_folder_name_that_is_not_utf8_keeps_json_outputs_valid(tmp_path: Path,
                                                                capsys: Any) -> None:
    """A folder named with a byte that is not UTF-8 appears as \\udcff in every JSON output."""
    name = os.fsdecode(b"district-\xff")
    src = _district(tmp_path / name)
    for argv in (["summary", str(src), "--format", "json"],
                 ["validate", str(src), "--format", "json"],
                 ["report", str(src), "--format", "json"],
                 ["diff", str(src), str(src), "--format", "json"]):
        code, out, _ = _run(capsys, *argv)
        assert code in (0, 1), argv
        data = json.loads(out)
        source = data["source"] if "source" in data else (
            data["provenance"]["source"] if "provenance" in data else data["new"]["source"])
        assert source.endswith("district-\udcff"), argv
    out_dir = tmp_path / "batch"
    code, _, _ = _run(capsys, "batch", str(src), "-o", str(out_dir), "--workers", "1",
                      "--quiet")
    assert code == 0
    files = list((out_dir / "districts").glob("*.json"))
    assert len(files) == 1 and json.loads(files[0].read_text())


def test_mistyped_field_values_are_carried_by_convert(tmp_path: Path, capsys: Any) -> None:
    """A kept bad_field value (a list where a string belongs) converts and reads back equal."""
    from rostergraph.model import record_to_dict

    src = _district(tmp_path / "d", extra_student={
        "email": ["a", "b"], "roles": {"student": {"school": ["sc1"], "grade": ["9"],
                                                   "sis_id": {"x": 1}}}})
    before = rostergraph.load(src)
    assert any(p.code == "bad_field" for p in before.problems)
    for to in ("oneroster", "clever-csv", "clever-json"):
        out_dir = tmp_path / f"out-{to}"
        code, _, _ = _run(capsys, "convert", str(src), str(out_dir), "--to", to)
        assert code == 0, to
        after = rostergraph.load(out_dir)
        assert record_to_dict(after.users["s1"]) == record_to_dict(before.users["s1"]), to


def _deep_carry(tmp_path: Path, fmt: str, depth: int) -> tuple[Path, int]:
    """A converted roster whose extension JSON column for user s1 nests ``depth`` levels,
    and the CSV line of that row."""
    base = _district(tmp_path / "base", extra_student={"x_note": "n"})
    out = tmp_path / f"{fmt}-{depth}"
    rostergraph.convert(base, out, to=fmt)
    name, col = (("users.csv", "metadata.rostergraph.clever") if fmt == "oneroster"
                 else ("rostergraph_records.csv", "Clever_json"))
    with open(out / name, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    at = next(i for i, r in enumerate(rows) if "s1" in (r.get("sourcedId"), r.get("Id")))
    row = rows[at]
    row[col] = '{"ext": ' + "[" * depth + "]" * depth + "}"
    with open(out / name, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return out, at + 2


@pytest.mark.parametrize("fmt", ["oneroster", "clever-csv"])
@pytest.mark.parametrize("depth", [900, 2000])
def test_deeply_nested_extension_column_is_a_limit_problem(tmp_path: Path, capsys: Any,
                                                           fmt: str, depth: int) -> None:
    """An extension JSON column nested 900 or 2,000 levels is a `limit` problem with its raw
    text; every command runs (no RecursionError) and convert writes every format."""
    src, line = _deep_carry(tmp_path, fmt, depth)
    r = rostergraph.load(src)
    lim = [p for p in r.problems if p.code == "limit"]
    assert len(lim) == 1 and lim[0].record_id == "s1" and lim[0].line == line
    assert lim[0].raw and lim[0].raw.startswith('{"ext": [[[')
    assert "s1" in r.users and "t1" in r.users
    for argv in (["summary", str(src)], ["validate", str(src), "--format", "json"],
                 ["diff", str(src), str(src)], ["query", "orphans", str(src)]):
        assert _run(capsys, *argv)[0] in (0, 1), argv
    for to in ("oneroster", "clever-csv", "clever-json"):
        assert _run(capsys, "convert", str(src), str(tmp_path / f"o-{to}"), "--to", to)[0] == 0


# --- injection -------------------------------------------------------------------------

IMAGE = "![x](http://evil.example/p.png)"
HTML = "<img src=x onerror=alert(1)>"
BREAK = "a|b\n# heading"
TERMINAL = "s\x1b[2J\x1b]0;title\x07\rforged\u202e"


def _hostile_ids_district(folder: Path) -> Path:
    _jsonl(folder, "schools", {"id": "sc1", "name": "North"})
    _jsonl(folder, "users", {"id": "t1", "roles": {"teacher": {"school": "sc1"}}},
           {"id": TERMINAL, "roles": {"student": {"school": "sc1"}}})
    # ids of students without a record: RG-REF-001 findings name them
    _jsonl(folder, "sections", {"id": "se1", "school": "sc1", "teacher": "t1",
                                "teachers": ["t1"], "students": [IMAGE, HTML, BREAK, TERMINAL],
                                "name": IMAGE})
    return folder


def _assert_inert_markdown(md: str) -> None:
    assert not re.search(r"(?<!\\)!\[", md)  # no image
    assert not re.search(r"(?<!\\)\]\((?!docs/rules\.md#)", md)  # no link but the rules'
    assert not re.search(r"(?<!\\)<", md)  # no raw HTML
    assert "\x1b" not in md and "\r" not in md and "\u202e" not in md
    assert not any(line.startswith("# heading") for line in md.splitlines())
    for line in md.splitlines():  # every table row keeps its column count
        if line.startswith("| ") and "\\|" in line:
            assert line.replace("\\|", "").count("|") in (3, 4, 5), line


@pytest.mark.parametrize("command", ["validate", "report"])
def test_markdown_reports_escape_ids(tmp_path: Path, capsys: Any, command: str) -> None:
    """Markdown reports escape ids: no remote image, no raw HTML, no table break, no line
    break, no terminal escape; the ids are still there, escaped."""
    src = _hostile_ids_district(tmp_path / "d")
    code, md, _ = _run(capsys, command, str(src), "--format", "markdown", "--examples", "50")
    assert code in (0, 1)
    _assert_inert_markdown(md)
    assert "\\!\\[x\\]\\(http://evil.example/p.png\\)" in md
    assert "\\<img src=x onerror=alert\\(1\\)\\>" in md
    assert "a\\|b\\\\x0a\\# heading" in md


def test_query_text_escapes_terminal_sequences(tmp_path: Path, capsys: Any) -> None:
    """`query --format text` shows escape sequences, a lone CR and bidi overrides as escapes."""
    src = _hostile_ids_district(tmp_path / "d")
    code, out, _ = _run(capsys, "query", "students-of", str(src), "--teacher", "t1")
    assert code == 0
    assert "\x1b" not in out and "\r" not in out and "\x07" not in out and "\u202e" not in out
    assert "s\\x1b[2J\\x1b]0;title\\x07\\x0dforged\\u202e" in out


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_diff_escapes_terminal_sequences_and_markdown(tmp_path: Path, capsys: Any,
                                                      fmt: str) -> None:
    """`diff` text and Markdown escape control characters (as `validate` does) and, in
    Markdown, Markdown syntax, in every id and key they print."""
    old = _district(tmp_path / "old")
    new = _hostile_ids_district(tmp_path / "new")
    code, out, _ = _run(capsys, "diff", str(old), str(new), "--format", fmt)
    assert code in (0, 1)
    assert "\x1b" not in out and "\r" not in out and "\u202e" not in out
    assert "s\\x1b[2J" in out.replace("\\\\", "\\").replace("\\[", "[")
    if fmt == "markdown":
        _assert_inert_markdown(out)
