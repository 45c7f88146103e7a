"""Privacy modes on the paths that used to skip them: queries, people without a user
record, and load errors in strict mode.

Every test runs the real command line in-process on files written to disk and
checks that a value the mode hides is absent from everything printed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from rostergraph.cli import main

KEY = "0123456789abcdef-test-key"
SAMPLE = Path(__file__).parent / "data" / "oneroster" / "edfi-lms-toolkit-v1.1"
SIS_ID = "4455667"


def _run(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROSTERGRAPH_PSEUDONYM_KEY", KEY)


def _sis_id_district(folder: Path) -> Path:
    """A district whose student's id is the student's SIS number."""
    folder.mkdir()
    (folder / "users.jsonl").write_text(
        '{"id": "t1", "roles": {"teacher": {"school": "sc1"}}}\n'
        f'{{"id": "{SIS_ID}", "roles": {{"student": {{"school": "sc1", "sis_id": "{SIS_ID}"}}}}}}\n')
    (folder / "sections.jsonl").write_text(
        f'{{"id": "se1", "school": "sc1", "teacher": "t1", "teachers": ["t1"], '
        f'"students": ["{SIS_ID}"]}}\n')
    return folder


@pytest.mark.parametrize("fmt", ["text", "csv", "json"])
def test_redacted_query_hides_ids_that_are_sis_numbers(tmp_path: Path, capsys: Any,
                                                       fmt: str) -> None:
    """`query --privacy redacted` hides a student id equal to the SIS id, as reports do."""
    src = _sis_id_district(tmp_path / "d")
    code, out, _ = _run(capsys, "query", "students-of", str(src), "--teacher", "t1",
                        "--privacy", "redacted", "--format", fmt)
    assert code == 0
    assert SIS_ID not in out and "[redacted]" in out
    _, md, _ = _run(capsys, "validate", str(src), "--privacy", "redacted", "--format",
                       "markdown")
    assert SIS_ID not in md
    _, full, _ = _run(capsys, "query", "students-of", str(src), "--teacher", "t1")
    assert SIS_ID in full  # full mode still shows it


def _oneroster_with_unknown_people(folder: Path) -> Path:
    """The public OneRoster sample plus a tobedeleted student and a demographics row for a
    user that does not exist."""
    shutil.copytree(SAMPLE, folder)
    users = (folder / "users.csv").read_text().rstrip("\n")
    (folder / "users.csv").write_text(
        users + "\n777001,tobedeleted,,true,255901001,student,Zed Deleted,{Local:1},Zed,"
        "Deleted,,,zed@example.org,,,,09,\n")
    demo = (folder / "demographics.csv").read_text().rstrip("\n")
    (folder / "demographics.csv").write_text(
        demo + "\n777002,,,1997-05-30,female,false,true,false,false,false,false,true,,,,\n")
    return folder


@pytest.mark.parametrize("fmt", ["json", "markdown", "html"])
def test_pseudonymized_report_hides_ids_of_people_without_records(tmp_path: Path,
                                                                  capsys: Any,
                                                                  fmt: str) -> None:
    """Pseudonymized reports pseudonymize the ids of tobedeleted users (provenance notes) and
    of a demographics row's unknown user (findings)."""
    src = _oneroster_with_unknown_people(tmp_path / "or")
    out_file = tmp_path / f"report.{'md' if fmt == 'markdown' else fmt}"
    code, _, _ = _run(capsys, "report", str(src), "--privacy", "pseudonymized", "-o",
                      str(out_file))
    assert code == 0
    text = out_file.read_text()
    assert "777001" not in text and "777002" not in text
    assert "anon-" in text
    if fmt == "json":
        data = json.loads(text)
        assert any("tobedeleted" in n for n in data["provenance"]["notes"])
        assert any("unknown user" in f["message"] for f in data["findings"])
    _, val, _ = _run(capsys, "validate", str(src), "--privacy", "pseudonymized",
                        "--examples", "100")
    assert "777002" not in val


def test_strict_pseudonymized_error_does_not_name_the_real_id(tmp_path: Path,
                                                              capsys: Any) -> None:
    """`--strict --privacy pseudonymized` prints the failing record's pseudonym, not its id."""
    src = tmp_path / "d"
    src.mkdir()
    (src / "users.jsonl").write_text(
        '{"id": "stu-real-4711", "email": 42, "roles": {"student": {"school": "sc1"}}}\n')
    code, _, err = _run(capsys, "validate", str(src), "--strict", "--privacy", "pseudonymized")
    assert code == 2
    assert "stu-real-4711" not in err and "anon-" in err and "users.jsonl:1" in err
    code, _, err = _run(capsys, "validate", str(src), "--strict")
    assert code == 2 and "stu-real-4711" in err  # full mode names it
