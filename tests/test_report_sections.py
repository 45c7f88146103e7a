"""Reports one can act on: rule explanations as package data, the same sections in Markdown and
HTML, and a command that exports every row of a cut table."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import rostergraph
from rostergraph.report_md import EXPORTS, SECTIONS, finding_order
from rostergraph.rules import catalogue
from rostergraph.rules.explain import explain_rule, explanations

ROOT = Path(__file__).resolve().parents[1]
REPORT = rostergraph.validate(rostergraph.sample())


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rostergraph", *args], capture_output=True,
                          text=True, timeout=300, check=False)


def _norm(text: str) -> str:
    text = " ".join(text.split())
    return text[:1].lower() + text[1:]


def test_every_rule_is_explained_in_package_data() -> None:
    """rules.json (package data) explains every registered rule: trigger, why and fix."""
    data = json.loads((ROOT / "rostergraph" / "data" / "rules.json").read_text("utf-8"))
    assert set(data["rules"]) == {r.id for r in catalogue()}
    for r in catalogue():
        e = explain_rule(r.id)
        assert (e.severity, e.title) == (r.severity, r.title)
        assert len(e.why) > 20 and len(e.fix) > 20 and len(e.trigger) > 10
    assert '"data/rules.json"' in (ROOT / "pyproject.toml").read_text("utf-8")
    assert list(explanations()) == [r.id for r in catalogue()]


def test_docs_say_the_same_as_the_package_data() -> None:
    """docs/rules.md's 'Why it matters' and 'How to fix' equal rules.json's text."""
    doc = (ROOT / "docs" / "rules.md").read_text("utf-8")
    parts = re.split(r"^## (RG-[A-Z]+-\d{3})\s*$", doc, flags=re.MULTILINE)
    sections = dict(zip(parts[1::2], parts[2::2]))
    for rid, e in explanations().items():
        body = sections[rid]
        for label, text in (("Why it matters", e.why), ("How to fix", e.fix)):
            m = re.search(rf"- \*\*{label}:\*\* (.*?)(?=\n- \*\*|\Z)", body, re.DOTALL)
            assert m and _norm(m.group(1)) == _norm(text), (rid, label)


def test_validate_explain() -> None:
    """`validate --explain ID` prints why it matters and how to fix; a typo gets a suggestion."""
    out = run("validate", "--explain", "RG-SEC-001")
    e = explain_rule("RG-SEC-001")
    assert out.returncode == 0
    assert out.stdout.startswith("RG-SEC-001 [error] section with no students")
    flat = " ".join(out.stdout.split())
    assert f"Why it matters: {e.why}" in flat and f"How to fix: {e.fix}" in flat
    bad = run("validate", "--explain", "RG-SEC-01")
    assert bad.returncode == 2 and "did you mean RG-SEC-001?" in bad.stderr


def test_markdown_and_html_have_the_same_sections_in_the_same_order() -> None:
    """Both reports carry SECTIONS, in order, and list the rules' findings in one order."""
    html = REPORT.to_html(plots=True)
    md = REPORT.to_markdown()
    html_h2 = [re.sub(r":.*", "", h) for h in re.findall(r"<h2>(.*?)</h2>", html)]
    md_h2 = [re.sub(r":.*", "", h) for h in re.findall(r"^## (.*)$", md, flags=re.MULTILINE)]
    want = [title for _, title in SECTIONS]
    assert html_h2 == md_h2 == want
    html_rules = re.findall(r'<details id="rule-(RG-[A-Z]+-\d+)"', html)
    md_rules = re.findall(r"^### (RG-[A-Z]+-\d+):", md, flags=re.MULTILINE)
    with_findings = [rid for rid in finding_order(REPORT) if REPORT.by_rule()[rid]]
    assert html_rules == md_rules == with_findings
    sev = [next(r.severity for r in catalogue() if r.id == rid) for rid in with_findings]
    rank = {"error": 0, "warning": 1, "info": 2}
    assert [rank[s] for s in sev] == sorted(rank[s] for s in sev)  # errors first


def test_html_findings_explain_themselves() -> None:
    """Each rule's findings in the HTML report hold an expandable why/how-to-fix."""
    html = REPORT.to_html(plots=False)
    n = sum(1 for fs in REPORT.by_rule().values() if fs)
    assert html.count('<details class="explain">') == n
    e = explain_rule("RG-SEC-001")
    assert "How to fix:</b> " + e.fix.replace("'", "&#x27;") in html


@pytest.mark.parametrize("table, total", [
    ("orphans", len(rostergraph.orphaned_users(REPORT.graph))),
    ("schools", len(REPORT.graph.roster.schools)),
    ("student", len(rostergraph.cross_school_enrollments(REPORT.graph))),
    ("teacher", len(rostergraph.cross_school_teaching(REPORT.graph))),
    ("flow", len(rostergraph.school_flow(REPORT.graph))),
])
def test_cut_tables_name_a_command_that_exports_every_row(table: str, total: int) -> None:
    """A table cut after `rows` says how to export it; that command gives every row as CSV."""
    assert total > 1
    md = REPORT.to_markdown(rows=1)
    html = REPORT.to_html(rows=1, plots=False)
    cmd = EXPORTS[table]
    assert f"`{cmd}`" in md and cmd.replace(">", "&gt;") in html
    args = cmd.split(" > ")[0].replace("PATH", "--sample").split()
    assert args[0] == "rostergraph"
    out = run(*args[1:])
    rows = list(csv.reader(io.StringIO(out.stdout)))
    assert out.returncode == 0 and len(rows) - 1 == total


def test_export_commands_carry_the_reports_privacy() -> None:
    """A redacted or pseudonymized report's commands for every row of a cut table carry
    its ``--privacy`` option (run as printed they gave every name the report hid); a full
    report's carry none."""
    import rostergraph
    from rostergraph.report_html import render_html
    from rostergraph.report_md import render_markdown

    report = rostergraph.validate(rostergraph.sample())
    assert "--privacy" not in render_markdown(report, examples=1)
    for privacy in ("redacted", "pseudonymized"):
        for text in (render_markdown(report, examples=1, privacy=privacy),
                     render_html(report, examples=1, privacy=privacy, plots=False)):
            assert f"validate PATH --privacy {privacy}" in text
            assert "validate PATH --format" not in text
