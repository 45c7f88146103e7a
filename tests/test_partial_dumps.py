"""A partial dump says what it is missing, with counts, in summary, validate and the report."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

import rostergraph
from rostergraph import RosterGraph

SAMPLE = Path(rostergraph.sample_path())
PUBLIC = Path(__file__).parent / "data" / "public-samples"
EDFI = PUBLIC / "oneroster" / "edfi-lms-toolkit-v1.1"
RUBY = PUBLIC / "clever" / "clever-ruby-v1.1-vcr-bodies"
ROOT = Path(__file__).resolve().parents[1]


def _jsonl(src: Path, dst: Path) -> int:
    """Write src's Clever envelope as JSON Lines of bare records; returns the count."""
    items = json.loads(src.read_text(encoding="utf-8"))["data"]
    dst.write_text("".join(json.dumps(it["data"]) + "\n" for it in items), encoding="utf-8")
    return len(items)


@pytest.fixture
def no_sections(tmp_path: Path) -> Path:
    """users.jsonl and schools.jsonl only: the download stopped before sections."""
    d = tmp_path / "half"
    d.mkdir()
    _jsonl(SAMPLE / "users.json", d / "users.jsonl")
    _jsonl(SAMPLE / "schools.json", d / "schools.jsonl")
    return d


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rostergraph", *args], capture_output=True,
                          text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "",
                                                    # snapshots: the test's own folder
                                                    "ROSTERGRAPH_CACHE_DIR":
                                                        os.environ["ROSTERGRAPH_CACHE_DIR"]},
                          timeout=300, check=False)


def test_missing_sections_is_not_delivered_and_an_error(no_sections: Path) -> None:
    """Without a sections file, delivery says not_delivered and RG-SRC-001 is an error."""
    roster = rostergraph.load(no_sections)
    d = {r["kind"]: r for r in rostergraph.delivery(roster).to_dicts()}
    assert d["sections"]["status"] == "not_delivered" and d["sections"]["needed"]
    assert d["users"]["status"] == "delivered"
    report = rostergraph.validate(roster)
    src = [f for f in report.findings if f.rule == "RG-SRC-001"]
    assert [f.values["kind"] for f in src] == ["sections"]
    assert "not delivered" in src[0].message
    assert report.failed("error")


def test_orphans_not_claimed_without_sections(no_sections: Path) -> None:
    """The report's banner says the orphan question cannot be answered instead of counting."""
    text = rostergraph.validate(rostergraph.load(no_sections)).to_text()
    line = next(ln for ln in text.splitlines() if ln.startswith("orphans:"))
    assert "cannot answer" in line and "no sections" in line
    assert "sections: not delivered" in text


def test_empty_sections_file_is_delivered_empty(no_sections: Path) -> None:
    """A sections file with no records is delivered_empty, and the message says so."""
    (no_sections / "sections.jsonl").write_text("", encoding="utf-8")
    roster = rostergraph.load(no_sections)
    d = {r["kind"]: r for r in rostergraph.delivery(roster).to_dicts()}
    assert d["sections"]["status"] == "delivered_empty"
    assert d["sections"]["files"] == 1
    msgs = [f.message for f in rostergraph.validate(roster, select="RG-SRC-001").findings]
    assert len(msgs) == 1 and "delivered empty" in msgs[0]


def _header_only(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")


@pytest.mark.parametrize(("fmt", "kind", "emptied", "says"), [
    ("clever-json", "sections", ["sections.json"], "no section in sections.json"),
    ("clever-jsonl", "sections", ["sections.jsonl"], "no section in sections.jsonl"),
    ("clever-csv", "sections", ["sections.csv", "enrollments.csv"],
     "no section in sections.csv or enrollments.csv"),
    ("oneroster", "sections", ["classes.csv", "enrollments.csv"],
     "no section in classes.csv or enrollments.csv"),
    ("clever-csv", "users", ["students.csv", "teachers.csv", "staff.csv"],
     "no user in students.csv, teachers.csv or staff.csv"),
    ("oneroster", "users", ["users.csv", "demographics.csv"],
     "no user in users.csv or demographics.csv"),
])
def test_empty_kind_names_the_files_looked_at(tmp_path: Path, fmt: str, kind: str,
                                              emptied: list[str], says: str) -> None:
    """RG-SRC-001 for an empty kind names the files read for it, in every format alike
    (a count of files meant one thing for Clever JSON and another for CSV)."""
    roster = rostergraph.sample()
    d = tmp_path / fmt
    if fmt.startswith("clever-json"):
        rostergraph.write_clever_json(roster, d, jsonl=fmt == "clever-jsonl")
    elif fmt == "clever-csv":
        rostergraph.write_clever_csv(roster, d, extensions=False)
    else:
        rostergraph.write_oneroster(roster, d, extensions=False)
    for name in emptied:
        if name == "sections.json":
            (d / name).write_text('{"data": []}', encoding="utf-8")
        elif name.endswith(".jsonl"):
            (d / name).write_text("", encoding="utf-8")
        else:
            _header_only(d / name)
    found = rostergraph.validate(rostergraph.load(d), select="RG-SRC-001").findings
    assert [f.values["kind"] for f in found] == [kind]
    assert found[0].message.startswith(f"{kind}: delivered empty ({says}); ")
    assert found[0].values["files"] == len(emptied)


def test_empty_kind_counts_files_past_four() -> None:
    """Past four files the message names three and counts the rest (legacy page files)."""
    from rostergraph.rules.sources import _file_list
    assert _file_list(["a.json"]) == "a.json"
    assert _file_list([f"p{i}.json" for i in range(4)]) == "p0.json, p1.json, p2.json or p3.json"
    assert _file_list([f"p{i}.json" for i in range(9)]) == "p0.json, p1.json, p2.json or 6 more files"


def test_summary_of_a_single_users_file_lists_the_gaps(no_sections: Path) -> None:
    """`summary some/users.jsonl` names sections as not delivered, with counts, text and JSON."""
    out = _cli("summary", str(no_sections / "users.jsonl"))
    assert out.returncode == 0, out.stderr
    gaps = out.stdout.split("gaps:", 1)[1]
    assert "sections: not delivered (needed)" in gaps
    assert "schools: not delivered; 4 referenced by id" in gaps
    data = orjson.loads(_cli("summary", str(no_sections / "users.jsonl"), "--format",
                             "json").stdout)
    by_kind = {r["kind"]: r for r in data["delivery"]}
    assert by_kind["schools"]["referenced_missing"] == 4
    assert any(g.startswith("reach: cannot answer") for g in data["gaps"])


def test_complete_sample_has_no_source_findings() -> None:
    """The embedded sample, complete, triggers neither RG-SRC rule."""
    report = rostergraph.validate(rostergraph.sample(), select="RG-SRC")
    assert list(report.findings) == []
    assert {r.id for r in report.rules} == {"RG-SRC-001", "RG-SRC-002"}


def test_sections_only_legacy_sample_references_many_users() -> None:
    """Clever's v1.1 recorded sections list 1,081 users without records: RG-SRC-002 says so."""
    listed: set[str] = set()
    for f in sorted(RUBY.glob("sections_page*.json")):
        for it in json.loads(f.read_text(encoding="utf-8"))["data"]:
            listed |= set(it["data"].get("students") or [])
            if it["data"].get("teacher"):
                listed.add(it["data"]["teacher"])
    report = rostergraph.validate(rostergraph.load(RUBY), select="RG-SRC-002")
    users = [f for f in report.findings if f.values["kind"] == "users"]
    assert len(users) == 1
    assert users[0].values["referenced_missing"] == len(listed)


def test_manifest_bulk_file_absent_is_a_load_problem(tmp_path: Path) -> None:
    """A OneRoster manifest declaring enrollments bulk without enrollments.csv: RG-LOAD-010."""
    d = tmp_path / "or"
    shutil.copytree(EDFI, d)
    (d / "enrollments.csv").unlink()
    manifest = (d / "manifest.csv").read_text(encoding="utf-8")
    assert "file.enrollments,bulk" in manifest
    roster = rostergraph.load(d)
    codes = [p.code for p in roster.problems if p.code == "missing_file"]
    assert codes == ["missing_file"]
    report = rostergraph.validate(roster, select="RG-LOAD-010")
    assert len(report.findings) == 1 and "enrollments.csv" in report.findings[0].message
    assert "1 missing_file" in report.to_text()
    g = RosterGraph.from_roster(roster)
    status = dict(zip(rostergraph.coverage(g).column("question"),
                      rostergraph.coverage(g).column("status")))
    assert status["reach"] == "cannot_answer"


def test_no_sections_gives_no_per_user_orphan_findings(no_sections: Path) -> None:
    """Without sections, RG-STU-001/RG-TEA-001 stay silent; RG-SRC-001 says why, once."""
    report = rostergraph.validate(rostergraph.load(no_sections),
                                  select=["RG-STU-001", "RG-TEA-001", "RG-SRC-001"])
    assert [f.rule for f in report.findings] == ["RG-SRC-001"]


def test_query_cli_notes_an_unanswerable_question_on_stderr(no_sections: Path) -> None:
    """`query orphans` on a dump without sections prints the rows and a note on stderr."""
    out = _cli("query", "orphans", str(no_sections), "--format", "csv", "--no-labels")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("user,role,reason")
    assert "orphaned_users: cannot answer: no sections were delivered" in out.stderr
