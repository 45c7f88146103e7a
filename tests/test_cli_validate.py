"""`rostergraph validate` and `rostergraph report` through the real console entry point
(subprocess `python -m rostergraph`), on rosters written to disk."""

from __future__ import annotations

import copy
import csv
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from rostergraph.rules import RULES, catalogue

from .test_rules import BASE

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rostergraph", *args], check=False,
                          capture_output=True,
                          text=True, timeout=300, cwd=ROOT)


def write_roster(path: Path, **changes: dict[str, Any]) -> Path:
    """BASE (tests/test_rules.py) with changes, written as Clever v3.0 envelope JSON files."""
    data = copy.deepcopy(BASE)
    for kind, recs in changes.items():
        for rid, rec in recs.items():
            data[kind][rid] = {"id": rid, **rec}
    path.mkdir(parents=True, exist_ok=True)
    for kind, recs in data.items():
        env = {"data": [{"data": r, "uri": f"/v3.0/{kind}/{r['id']}"} for r in recs.values()],
               "links": [{"rel": "self", "uri": f"/v3.0/{kind}"}]}
        (path / f"{kind}.json").write_bytes(orjson.dumps(env))
    return path


def user(rid: str, **fields: Any) -> dict[str, dict[str, Any]]:
    rec = copy.deepcopy(BASE["users"][rid])
    rec.update(fields)
    return {"users": {rid: rec}}


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_roster(tmp_path_factory.mktemp("clean"))


@pytest.fixture(scope="module")
def warning_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Only RG-USR-001 (a warning): an email without '@'."""
    return write_roster(tmp_path_factory.mktemp("warn"), **user("tea1", email="no-at"))


@pytest.fixture(scope="module")
def info_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Only RG-USR-004 (info): a contact named in `last` only."""
    return write_roster(tmp_path_factory.mktemp("info"), **user("con1", name={"last": "X Y"}))


def test_clean_roster_exits_0(clean: Path) -> None:
    """A roster with no finding exits 0 even with --fail-on info."""
    out = run("validate", str(clean), "--fail-on", "info")
    assert out.returncode == 0, out.stderr
    assert "0 errors, 0 warnings, 0 info" in out.stdout


@pytest.mark.parametrize(("fail_on", "code"), [("error", 0), ("warning", 1), ("info", 1),
                                               ("never", 0)])
def test_fail_on_with_a_warning(warning_only: Path, fail_on: str, code: int) -> None:
    """A warning fails the run only when --fail-on is warning or info."""
    out = run("validate", str(warning_only), "--fail-on", fail_on)
    assert out.returncode == code, out.stderr
    assert "RG-USR-001" in out.stdout


@pytest.mark.parametrize(("fail_on", "code"), [("error", 0), ("warning", 0), ("info", 1),
                                               ("never", 0)])
def test_fail_on_with_info(info_only: Path, fail_on: str, code: int) -> None:
    """An info finding fails the run only with --fail-on info."""
    assert run("validate", str(info_only), "--fail-on", fail_on).returncode == code


def test_default_fail_on_is_error() -> None:
    """The sample has errors: the default run exits 1, --fail-on never exits 0."""
    assert run("validate", "--sample").returncode == 1
    assert run("validate", "--sample", "--fail-on", "never").returncode == 0


def test_json_output_schema_through_cli(tmp_path: Path) -> None:
    """--format json prints the documented schema; -o writes the same document to a file."""
    out = run("validate", "--sample", "--format", "json", "--fail-on", "never")
    assert out.returncode == 0, out.stderr
    data = orjson.loads(out.stdout)
    assert data["schema_version"] == 1
    assert set(data) == {"schema_version", "tool", "provenance", "summary", "validation",
                         "rules", "findings"}
    counts = data["validation"]["counts"]
    assert sum(counts.values()) == len(data["findings"]) > 0
    assert {f["rule"] for f in data["findings"]} >= {"RG-SEC-001", "RG-REF-001"}
    target = tmp_path / "findings.json"
    out2 = run("validate", "--sample", "--format", "json", "-o", str(target))
    assert out2.returncode == 1 and out2.stdout == ""
    assert orjson.loads(target.read_bytes())["findings"] == data["findings"]


def test_output_format_follows_extension(tmp_path: Path) -> None:
    """-o x.json without --format writes JSON, -o x.md Markdown, -o x.txt text."""
    for name, check in (("f.json", lambda t: orjson.loads(t)["schema_version"] == 1),
                        ("f.md", lambda t: t.startswith("# Roster validation report")),
                        ("f.txt", lambda t: t.startswith("rostergraph validation report"))):
        out = run("validate", "--sample", "--fail-on", "never", "-o", str(tmp_path / name))
        assert out.returncode == 0, out.stderr
        assert check((tmp_path / name).read_text(encoding="utf-8")), name


def test_select_and_ignore_through_cli() -> None:
    """--select/--ignore take prefixes, repeats and comma lists."""
    out = run("validate", "--sample", "--format", "json", "--select", "RG-SEC",
              "--select", "RG-CRS-002", "--ignore", "RG-SEC-004,RG-SEC-005")
    data = orjson.loads(out.stdout)
    assert [r["id"] for r in data["rules"]] == ["RG-SEC-001", "RG-SEC-002", "RG-SEC-003",
                                                "RG-SEC-006", "RG-CRS-002"]
    assert {f["rule"] for f in data["findings"]} <= {r["id"] for r in data["rules"]}
    only_info = run("validate", "--sample", "--select", "RG-SEC-004")
    assert only_info.returncode == 0


def test_unknown_rule_is_usage_error() -> None:
    """A --select that matches no rule exits 2 with a one-line message."""
    out = run("validate", "--sample", "--select", "RG-NOPE")
    assert out.returncode == 2
    assert out.stderr.strip().splitlines()[-1].startswith("rostergraph: error: no rule matches")
    assert "Traceback" not in out.stderr


def test_missing_path_and_no_source_exit_2(tmp_path: Path) -> None:
    """An unreadable path and a missing source are usage/IO errors (exit 2), not findings."""
    assert run("validate", str(tmp_path / "nope")).returncode == 2
    assert run("validate").returncode == 2
    assert run("validate", "--sample", "--fail-on", "fatal").returncode == 2


def test_markdown_format(clean: Path) -> None:
    """--format markdown prints the Markdown report."""
    out = run("validate", str(clean), "--format", "markdown")
    assert out.returncode == 0 and out.stdout.startswith("# Roster validation report")


def test_list_rules_includes_every_rule() -> None:
    """--list-rules prints every registered rule, diff rules included."""
    out = run("validate", "--list-rules")
    assert out.returncode == 0
    listed = {line.split()[0] for line in out.stdout.splitlines()}
    assert listed == {r.id for r in catalogue()}
    assert set(RULES) <= listed


def test_list_rules_in_json_and_markdown_and_no_path(tmp_path: Path) -> None:
    """--list-rules takes --format (or -o's extension) as a report does: it wrote the
    text table whatever was asked, and said nothing of a PATH it does not read."""
    import json

    out = run("validate", "--list-rules", "--format", "json")
    assert out.returncode == 0
    assert {r["id"] for r in json.loads(out.stdout)} == {r.id for r in catalogue()}
    run("validate", "--list-rules", "-o", str(tmp_path / "rules.md"))
    assert (tmp_path / "rules.md").read_text(encoding="utf-8").startswith("| rule |")
    out = run("validate", "--list-rules", str(tmp_path))
    assert out.returncode == 2 and "give no PATH" in out.stderr


def test_report_writes_markdown_and_json_by_extension(tmp_path: Path) -> None:
    """`report -o x.md` writes Markdown, `-o x.json` JSON; both exit 0 despite findings."""
    md, js = tmp_path / "r.md", tmp_path / "r.json"
    a = run("report", "--sample", "-o", str(md))
    b = run("report", "--sample", "-o", str(js))
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# Roster validation report") and "## Provenance" in text
    assert orjson.loads(js.read_bytes())["schema_version"] == 1
    assert "wrote" in a.stderr


def test_report_to_stdout_and_unknown_extension(tmp_path: Path) -> None:
    """Without -o the report is Markdown on stdout; an unknown extension, or none, is
    refused (exit 2, naming the extensions and --format) unless --format names one."""
    out = run("report", "--sample")
    assert out.returncode == 0 and "## Findings" in out.stdout
    for name, told in (("r.pdf", "'.pdf'"), ("report", "no extension")):
        bad = run("report", "--sample", "-o", str(tmp_path / name))
        assert bad.returncode == 2 and not (tmp_path / name).exists()
        assert told in bad.stderr and "--format" in bad.stderr and ".txt" in bad.stderr
    good = run("report", "--sample", "-o", str(tmp_path / "r.pdf"), "--format", "json")
    assert good.returncode == 0, good.stderr
    assert orjson.loads((tmp_path / "r.pdf").read_bytes())["schema_version"] == 1


def test_report_txt_is_the_plain_text_report_and_csv_the_findings(tmp_path: Path) -> None:
    """`report -o x.txt` writes the plain text report (validate's text, no Markdown), `-o
    x.csv` every finding as a CSV row (the findings the JSON report lists); `--format`
    overrides the extension."""
    txt, csv_out, md = tmp_path / "r.txt", tmp_path / "r.csv", tmp_path / "r.md"
    for path in (txt, csv_out):
        out = run("report", "--sample", "-o", str(path), "--quiet")
        assert out.returncode == 0, out.stderr
        assert f"({'text' if path is txt else 'csv'})" in out.stderr
    text = txt.read_text(encoding="utf-8")
    assert text.startswith("rostergraph validation report\n")
    assert not any(line.startswith(("#", "|")) for line in text.splitlines())
    shown = run("validate", "--sample").stdout  # (its text, then the counts line)

    def timeless(t: str) -> str:
        return re.sub(r" in \d+\.\d+ s$", "", t, flags=re.MULTILINE)  # (the run's duration)

    assert timeless(text) == timeless(shown)[:len(timeless(text))]
    findings = orjson.loads(run("report", "--sample", "--format", "json").stdout)["findings"]
    with csv_out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["rule"], r["message"]) for r in rows] == [
        (f["rule"], f["message"]) for f in findings]
    out = run("report", "--sample", "-o", str(md), "--format", "text", "--quiet")
    assert out.returncode == 0 and timeless(md.read_text(encoding="utf-8")) == timeless(text)


def test_list_rules_help_names_the_columns_it_prints() -> None:
    """`--list-rules` prints id, severity, scope and title; its help says so."""
    from rostergraph.cli import build_parser

    out = run("validate", "--list-rules")
    assert out.returncode == 0
    first = out.stdout.splitlines()[0].split(None, 3)
    assert first[:3] == ["RG-SEC-001", "error", "roster"]  # id, severity, scope, then title
    sub = next(a for a in build_parser()._actions if a.dest == "command").choices["validate"]
    text = next(a.help for a in sub._actions if "--list-rules" in a.option_strings)
    assert "(id, severity, scope, title)" in (text or "")


def test_validate_into_an_html_file_points_at_report(tmp_path: Path) -> None:
    """`validate -o findings.html` wrote the text report into the .html file; validate
    writes text, Markdown or JSON, so it is now a usage error naming `rostergraph report`,
    which writes the HTML page. Nothing is written."""
    out = run("validate", "--sample", "-o", str(tmp_path / "findings.HTML"))
    assert out.returncode == 2
    assert "rostergraph report" in out.stderr and "-o" in out.stderr
    assert not (tmp_path / "findings.HTML").exists()
    txt = run("validate", "--sample", "-o", str(tmp_path / "findings.html"), "--format", "text")
    assert txt.returncode == 1 and (tmp_path / "findings.html").is_file()  # (as asked)
