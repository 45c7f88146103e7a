"""Tests of the findings table (rostergraph/rules/findings.py): the columnar Findings that
validate returns, sorted with array operations, making Finding objects only on access."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rostergraph
from rostergraph import validate
from rostergraph.report import Report
from rostergraph.rules import Finding, FindingBlock, Findings
from rostergraph.rules.findings import join_strings, thousands
from rostergraph.rules.registry import RULES, SEVERITIES
from rostergraph.synth import write_district


@pytest.fixture(scope="module")
def quirky(tmp_path_factory: pytest.TempPathFactory) -> Report:
    """validate on a small generated district with every quirk at the high rate."""
    path = write_district(tmp_path_factory.mktemp("high"), students=3_000, seed=4,
                          quirks="high")
    return validate(rostergraph.load(path))


def test_order_is_the_documented_sort(quirky: Report) -> None:
    """The array sort gives exactly the order of sorting the findings by (rule, kind, ids,
    message), ties included (same record and ids, messages differing after them)."""
    fs = list(quirky.findings)
    assert len(fs) > 1_000
    assert fs == sorted(fs, key=Finding.sort_key)
    keys = [(f.rule, f.kind, f.ids) for f in fs]
    assert len(set(keys)) < len(keys)  # the district has ties, so the tie-break was exercised


def test_same_table_from_finding_objects(quirky: Report) -> None:
    """A table made from the Finding objects (shuffled) equals the one the rules made."""
    fs = list(quirky.findings)
    shuffled = [fs[i] for i in np.random.default_rng(1).permutation(len(fs)).tolist()]
    assert Findings.from_findings(shuffled) == quirky.findings


def test_counts_and_views_match_the_objects(quirky: Report) -> None:
    """Counts by rule and severity, select and by_rule agree with counting the objects."""
    fs = quirky.findings
    objs = list(fs)
    by_rule: dict[str, int] = {}
    for f in objs:
        by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
    assert fs.counts_by_rule() == dict(sorted(by_rule.items()))
    assert fs.counts_by_severity() == {s: sum(f.severity == s for f in objs) for s in SEVERITIES}
    sec_errors = fs.select(rule="RG-SEC", severity="error")
    assert list(sec_errors) == [f for f in objs
                                if f.rule.startswith("RG-SEC-") and f.severity == "error"]
    views = fs.by_rule()
    assert list(views["RG-USR-003"]) == [f for f in objs if f.rule == "RG-USR-003"]
    assert fs.column("message").tolist() == [f.message for f in objs]
    assert fs.column("id").tolist() == [f.ids[0] if f.ids else "" for f in objs]


def test_findings_are_made_only_on_access(quirky: Report, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    """Counting, the text and Markdown reports make only the examples they show, not a
    Finding per row; JSON holds every finding."""
    made = []
    real = FindingBlock.finding

    def counting(self: FindingBlock, r: int) -> Finding:
        made.append(r)
        return real(self, r)

    monkeypatch.setattr(FindingBlock, "finding", counting)
    report = Report(quirky.graph, quirky.findings, quirky.rules)
    report.counts()
    report.failed("warning")
    n_rules = len(report.findings.counts_by_rule())
    text = report.to_text(examples=2)
    report.to_markdown(examples=2)
    assert 0 < len(made) <= 2 * 2 * n_rules
    assert f"{len(report.findings.select(rule='RG-USR-001')):,}" in text
    data = json.loads(report.to_json())
    assert len(data["findings"]) == len(report.findings)


def test_block_templates_fill_ids_values_and_params() -> None:
    """A block's message template sees the ids by position, all ids joined, the values
    (columns or constants) and the params; values come out as Python objects."""
    me = RULES["RG-SEC-004"]
    b = FindingBlock(me, "section", groups=(np.array(["b", "a", "c"], dtype=object), [0, 2, 3]),
                     message="{n} of {school}: {ids} (first {id0})",
                     values={"school": "sch1", "sections": np.array([2, 1])},
                     params={"n": np.array([2, 1])})
    f = Findings([b])
    assert [x.message for x in f] == ["2 of sch1: b, a (first b)", "1 of sch1: c (first c)"]
    assert dict(f[0].values) == {"school": "sch1", "sections": 2}
    assert type(f[0].values["sections"]) is int


def test_old_style_rules_that_yield_findings_still_work() -> None:
    """A rule function yielding Finding objects (the old interface) is run and sorted."""
    from rostergraph.rules import run_rules
    from rostergraph.rules.registry import Rule

    def old(roster: object, g: object):  # type: ignore[no-untyped-def]
        yield Finding("RG-XMP-001", "info", "user", ("u2",), "two")
        yield Finding("RG-XMP-001", "info", "user", ("u1",), "one")

    r = rostergraph.sample()
    g = rostergraph.RosterGraph.from_roster(r)
    fs = run_rules(r, g, [Rule("RG-XMP-001", "info", "x", "roster", "x", old)])
    assert [f.message for f in fs] == ["one", "two"]


@given(st.lists(st.integers(-10**12, 10**12), min_size=1, max_size=30))
def test_thousands_matches_format(values: list[int]) -> None:
    """thousands() writes every integer as f"{n:,}" does."""
    assert thousands(np.array(values)).tolist() == [f"{v:,}" for v in values]


@given(st.lists(st.text(max_size=8), min_size=1, max_size=20))
def test_join_strings_matches_python(values: list[str]) -> None:
    """join_strings() joins row by row like Python's +, surrogates included."""
    col = np.array(values + [None], dtype=object)[:-1]
    assert join_strings("<", col, ">").tolist() == [f"<{v}>" for v in values]


def test_html_report_holds_examples_not_every_finding(quirky: Report, tmp_path: Path) -> None:
    """The HTML report shows counts and the first examples per rule: its size does not grow
    with the findings (fewer bytes than the JSON that holds them all)."""
    page = quirky.to_html(plots=False)
    assert len(page.encode()) < len(quirky.to_json().encode()) / 5
    assert f"{len(quirky.findings.select(rule='RG-STU-001')):,}" in page


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="ab0~\x00é\x01", max_size=12), min_size=2, max_size=30),
       st.integers(0, 12), st.booleans())
def test_string_codes_rank_strings_as_python_sorts_them(values: list[str], width: int,
                                                         same_length: bool) -> None:
    """Dense codes in string order, for strings of one length (the fast path that never
    looks at a string alone), of many lengths, with NULs and beyond ASCII."""
    from rostergraph.rules.findings import string_codes

    if same_length:
        values = [(v + "x" * width)[:width] for v in values]
    distinct = sorted(set(values))
    col = np.array([*values, None], dtype=object)[:-1]
    assert string_codes(col).tolist() == [distinct.index(v) for v in values]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["", "aaaaaaaa", "aaaaaaaab", "aaaaaaa~"]), min_size=1,
                max_size=8),
       st.lists(st.text(alphabet="ab~", max_size=10), min_size=1, max_size=8),
       st.lists(st.integers(0, 63), min_size=2, max_size=40), st.integers(0, 20))
def test_string_codes_of_repeated_ids_with_shared_prefixes(prefixes: list[str],
                                                           tails: list[str], picks: list[int],
                                                           width: int) -> None:
    """Ids sharing their first eight characters (Clever's ids begin with a timestamp),
    each repeated (an id with several findings), in runs of one string and runs of
    several: the same codes as sorting them."""
    from rostergraph.rules.findings import string_codes

    pool = [p + t for p in prefixes for t in tails]
    if width:
        pool = [(v + "x" * width)[:width] for v in pool]
    values = [pool[k % len(pool)] for k in picks]
    distinct = sorted(set(values))
    col = np.array([*values, None], dtype=object)[:-1]
    assert string_codes(col).tolist() == [distinct.index(v) for v in values]


def test_string_codes_of_many_repeats_rank_as_python_sorts_them() -> None:
    """Thousands of strings from a few distinct ones (messages' tie-breaks) are coded by a
    dict and only the distinct ones sorted: the same codes as sorting them all."""
    from rostergraph.rules.findings import string_codes

    pool = ["b", "a", "ab", "é", "a\x01", "", "Z" * 300]
    values = [pool[(k * 7919) % len(pool)] for k in range(6000)]
    distinct = sorted(set(values))
    col = np.array(values, dtype=object)
    assert string_codes(col).tolist() == [distinct.index(v) for v in values]
