"""Tests of Report (rostergraph/report.py) and of docs/rules.md against the registry."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest

import rostergraph
from rostergraph import validate
from rostergraph.report import SCHEMA_VERSION, Report, TextPolicy
from rostergraph.rules import RULES, Finding, catalogue

DOCS = Path(__file__).resolve().parents[1] / "docs" / "rules.md"


@pytest.fixture(scope="module")
def report() -> Report:
    return validate(rostergraph.sample())


# --- docs/rules.md is checked against the registry ------------------------------


def _doc_sections() -> dict[str, str]:
    text = DOCS.read_text(encoding="utf-8")
    parts = re.split(r"^## (RG-[A-Z]+-\d{3})\s*$", text, flags=re.MULTILINE)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def test_docs_have_an_entry_for_every_rule_and_a_rule_for_every_entry() -> None:
    """docs/rules.md and the registry (diff rules included) name the same rule ids."""
    assert set(_doc_sections()) == {r.id for r in catalogue()}


@pytest.mark.parametrize("rule_id", sorted({r.id for r in catalogue()}))
def test_docs_entry_matches_registry(rule_id: str) -> None:
    """Each entry states the registry's title and severity and has every required part."""
    body = _doc_sections()[rule_id]
    r = RULES[rule_id]
    head = body.strip().splitlines()[0]
    assert head.startswith(f"**{r.title}** · severity: **{r.severity}**"), head
    for part in ("**Trigger:**", "**Why it matters:**", "**Source:**", "**Example:**"):
        assert part in body, f"{rule_id} lacks {part}"


def test_docs_index_table_matches_registry() -> None:
    """The index table lists every rule once with its registry severity and title."""
    text = DOCS.read_text(encoding="utf-8")
    rows = re.findall(r"^\| (RG-[A-Z]+-\d{3}) \| (\w+) \| (.+) \|$", text, flags=re.MULTILINE)
    assert sorted(rows) == sorted((r.id, r.severity, r.title) for r in catalogue())


def test_docs_json_schema_names_every_key(report: Report) -> None:
    """The schema block in docs/rules.md names every key to_json() writes (two levels)."""
    text = DOCS.read_text(encoding="utf-8")
    block = text.split("## Report JSON")[1].split("## Index")[0]
    data = orjson.loads(report.to_json())
    keys = set(data)
    for top in ("tool", "provenance", "summary", "validation"):
        keys |= set(data[top])
    keys |= set(data["summary"]["cross_school"])
    keys |= set(data["rules"][0]) | set(data["findings"][0])
    missing = [k for k in keys if f'"{k}"' not in block]
    assert missing == []


def test_markdown_report_needs_no_file_outside_the_package(report: Report) -> None:
    """The Markdown report links to no repository file: each rule explains itself inline."""
    md = report.to_markdown()
    assert "docs/rules.md" not in md and "](" not in md
    assert md.count("*Why it matters:*") == sum(1 for fs in report.by_rule().values() if fs)


# --- the report ----------------------------------------------------------------------


def test_json_schema(report: Report) -> None:
    """to_json() has the documented top-level keys and types, all findings, sorted."""
    data = orjson.loads(report.to_json())
    assert data["schema_version"] == SCHEMA_VERSION == 1
    assert set(data) == {"schema_version", "tool", "provenance", "summary", "validation",
                         "rules", "findings"}
    assert data["tool"]["name"] == "rostergraph"
    assert set(data["summary"]) == {"records", "stub_nodes", "roles", "relations", "problems",
                                    "aggregates", "cross_school", "orphans",
                                    "delivery", "coverage", "gaps"}
    assert set(data["summary"]["aggregates"]) >= {"section_sizes", "teachers_per_section",
                                                  "schools_per_user", "reach_set_sizes"}
    assert data["summary"]["records"]["school"] == 4
    v = data["validation"]
    assert v["counts"] == report.counts() and v["rules_run"] == len(report.rules)
    assert sum(v["counts"].values()) == len(data["findings"]) == len(report.findings)
    assert [r["id"] for r in data["rules"]] == [r.id for r in report.rules]
    assert sum(r["count"] for r in data["rules"]) == len(data["findings"])
    f = data["findings"][0]
    assert set(f) == {"rule", "severity", "kind", "ids", "message", "values"}
    keys = [(x["rule"], x["kind"], tuple(x["ids"]), x["message"]) for x in data["findings"]]
    assert keys == sorted(keys)
    prov = data["provenance"]
    assert prov["format"] == "clever-json" and all(len(x["sha256"]) == 64
                                                   for x in prov["files"])


def test_json_is_stable_across_runs() -> None:
    """Two validations of the same roster give the same JSON findings (diffable)."""
    a = orjson.loads(validate(rostergraph.sample()).to_json())
    b = orjson.loads(validate(rostergraph.sample()).to_json())
    assert a["findings"] == b["findings"] and a["rules"] == b["rules"]


def test_text_and_markdown_group_by_rule_with_examples(report: Report) -> None:
    """Text and Markdown show each rule with findings, its count and at most N examples."""
    by_rule = report.by_rule()
    n_ref1 = len(by_rule["RG-REF-001"])
    assert n_ref1 >= 3
    text = report.to_text(examples=2)
    assert f"RG-REF-001 [error] {RULES['RG-REF-001'].title}: {n_ref1}" in text
    assert f"... and {n_ref1 - 2} more" in text
    md = report.to_markdown(examples=1)
    assert f"### RG-REF-001: {RULES['RG-REF-001'].title} ({n_ref1} findings)" in md
    section = md.split("### RG-REF-001")[1].split("###")[0]
    assert section.count("\n- ") == 1  # 1 example, then where to get the rest
    assert f"Showing the first 1 of {n_ref1} findings of RG-REF-001" in section
    assert "## Summary" in md and "## Provenance" in md
    assert "section sizes" in text and "reach set sizes" in md


def test_summary_uses_query_aggregates(report: Report) -> None:
    """The summary's aggregates are rostergraph.queries.summary's tables."""
    g = report.graph
    expected = rostergraph.summary(g)
    agg = report.summary()["aggregates"]
    for name, table in expected.items():
        assert agg[name] == table.to_dicts()


def test_summary_cross_school_and_orphans_match_queries(report: Report) -> None:
    """The summary's cross-school and orphan counts are those of the queries."""
    g = report.graph
    s = report.summary()
    enr = rostergraph.cross_school_enrollments(g)
    assert s["cross_school"]["student_pairs"] == len(enr)
    assert s["cross_school"]["students"] == len(set(enr.to_list("student")))
    assert s["cross_school"]["student_conflicts"] == int((~enr["in_schools"]).sum())
    orphans = rostergraph.orphaned_users(g).to_list("role")
    assert s["orphans"] == {r: orphans.count(r) for r in ("student", "teacher", "staff",
                                                          "contact")}
    assert "cross-school:" in report.to_text() and "orphans" in report.to_markdown()


def test_findings_table(report: Report) -> None:
    """findings_table() is a Table with one row per finding, in order."""
    t = report.findings_table()
    assert len(t) == len(report.findings)
    assert t.to_list("rule") == [f.rule for f in report.findings]
    assert t.to_list("id") == [f.ids[0] if f.ids else "" for f in report.findings]


def test_counts_worst_and_failed() -> None:
    """counts()/worst()/failed() follow the severities of the findings present."""
    r = validate(rostergraph.sample(), select="RG-SEC-004")  # info only
    assert r.worst() == "info" and r.counts()["error"] == 0
    assert not r.failed("error") and not r.failed("warning") and r.failed("info")
    assert not r.failed("never")
    r2 = validate(rostergraph.sample(), select="RG-SEC-001")
    assert r2.failed("error") and r2.worst() == "error"


def _sample_secrets() -> list[str]:
    """Names and emails of people in the sample (what a report must never show)."""
    out = set()
    for u in rostergraph.sample().users.values():
        if u.email:
            out.add(u.email)
        st = u.roles.student
        if st is not None and st.email:
            out.add(st.email)
        if st is not None and st.dob:
            out.add(st.dob)
        if u.name is not None:
            for part in (u.name.first, u.name.middle, u.name.last):
                if part and len(part) >= 4:
                    out.add(part)
    return sorted(out)


@pytest.mark.parametrize("render", ["to_text", "to_markdown", "to_json"])
def test_reports_show_ids_never_names_emails_or_dob(report: Report, render: str) -> None:
    """No email or date of birth appears in any rendering, no name in text or JSON; Markdown
    names people (in its people tables) in full privacy only."""
    from rostergraph.privacy import PrivacyPolicy

    out = getattr(report, render)()
    if render == "to_markdown":  # full privacy: names next to ids; redacted: none
        assert any(n in out for n in _sample_names())
        out = getattr(PrivacyPolicy("redacted").apply_report(report), render)()
    leaked = [s for s in _sample_secrets() if re.search(rf"(?<!\w){re.escape(s)}(?!\w)", out)]
    assert leaked == []


def _sample_names() -> list[str]:
    return [f"{u.name.first} {u.name.last}" for u in rostergraph.sample().users.values()
            if u.name is not None and u.name.first and u.name.last]


def test_text_policy_is_the_one_place_text_passes() -> None:
    """A TextPolicy subclass changes every id in every renderer (the pseudonym hook)."""

    class Pseudo(TextPolicy):
        def id(self, value: str) -> str:
            return "ID-" + str(abs(hash(value)) % 10_000)

    base = validate(rostergraph.sample(), select="RG-SEC,RG-USR-002")
    r = Report(base.graph, base.findings, base.rules, policy=Pseudo())
    real_ids = {i for f in base.findings for i in f.ids}
    for out in (r.to_text(), r.to_markdown(), r.to_json(),
                r.findings_table().to_csv()):
        assert not [i for i in real_ids if i in out]
        assert "ID-" in out


def test_text_policy_replaces_whole_ids_only() -> None:
    """A pseudonym policy replaces 'u1' as an id, not inside 'u10' or another word."""

    class Mark(TextPolicy):
        def id(self, value: str) -> str:
            return f"<{value}>"

    f = Finding("RG-X-001", "info", "user", ("u1", "u10"), "users u1, u10 (not pu1)")
    assert Mark().message(f) == "users <u1>, <u10> (not pu1)"


def test_control_characters_are_escaped_in_renderings() -> None:
    """An id with control characters cannot break a terminal or a Markdown table."""
    from rostergraph.graph import RosterGraph
    from rostergraph.model import Section
    from rostergraph.roster import Roster

    roster = Roster(sections=[Section(id="bad\x1b[2Jid|x", students=())])
    r = validate(RosterGraph.from_roster(roster), select="RG-SEC-001")
    for out in (r.to_text(), r.to_markdown()):
        assert "\x1b" not in out
    assert "bad\\x1b[2Jid|x" in r.to_text()
    # Markdown escapes its own syntax too: the backslash of \x1b, the bracket, the pipe
    assert "bad\\\\x1b\\[2Jid\\|x" in r.to_markdown()
    assert orjson.loads(r.to_json())["findings"][0]["ids"] == ["bad\\x1b[2Jid|x"]


def test_report_repr_and_html(report: Report) -> None:
    """repr gives the counts; _repr_html_ escapes the text report."""
    c = report.counts()
    assert repr(report).startswith(f"<Report {c['error']} errors")
    assert report._repr_html_().startswith("<pre>")


def test_empty_report_renders() -> None:
    """A roster with no findings renders (zero counts, no per-rule sections)."""
    from rostergraph.roster import Roster

    r = validate(Roster())
    assert r.findings == [] and r.worst() is None
    assert "0 errors" in r.to_text()
    assert orjson.loads(r.to_json())["findings"] == []
    assert "### RG-" not in r.to_markdown()


def test_finding_to_dict_roundtrip() -> None:
    """Finding.to_dict is plain JSON data."""
    f = Finding("RG-X-001", "info", "user", ("u1", "u2"), "m", {"n": 1, "l": ["a"]})
    assert orjson.loads(orjson.dumps(f.to_dict())) == {
        "rule": "RG-X-001", "severity": "info", "kind": "user", "ids": ["u1", "u2"],
        "message": "m", "values": {"n": 1, "l": ["a"]}}
