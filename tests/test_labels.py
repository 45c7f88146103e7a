"""Names next to ids: with_labels, the CLI's query tables and the HTML report under each privacy mode."""

from __future__ import annotations

import subprocess
import sys

import orjson
import pytest

import rostergraph
from rostergraph.labels import label_of, with_labels
from rostergraph.privacy import MARK, PrivacyPolicy

ROSTER = rostergraph.sample()
G = rostergraph.RosterGraph.from_roster(ROSTER)


def _person_names() -> set[str]:
    """Every "first last" label of a sample user (compared, never printed)."""
    return {n for u in ROSTER.users.values() if (n := label_of(u, "user"))}


def _leaks(text: str) -> int:
    return sum(1 for n in _person_names() if n in text)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rostergraph", *args], capture_output=True,
                          text=True, timeout=300, check=False)


def test_with_labels_names_schools_sections_terms_courses() -> None:
    """Each known id column gets a <col>_name column right after it, holding the record's name."""
    t = with_labels(rostergraph.cross_school_enrollments(G), G)
    assert t.columns == ["student", "section", "section_name", "school", "school_name",
                         "primary_school", "primary_school_name", "in_schools", "school_missing",
                         "primary_school_missing"]
    for sec, name in zip(t.to_list("section"), t.to_list("section_name")):
        assert name == ROSTER.sections[sec].name
    for sc, name in zip(t.to_list("school"), t.to_list("school_name")):
        assert name == ROSTER.schools[sc].name
    why = rostergraph.linking_sections(G, *next(iter(rostergraph.reach_pairs(G)))[:2])
    labelled = with_labels(why, ROSTER)  # a Roster works as well as a graph
    assert "section_name" not in labelled  # the query already has the section's name
    assert labelled.to_list("term_name") == [ROSTER.terms[x].name for x in why.to_list("term")]
    assert {"course_name", "school_name"} <= set(labelled.columns)


def test_people_are_labelled_only_when_asked() -> None:
    """Person columns get names with people=True only; a stub id gets None."""
    pairs = rostergraph.reach_pairs(G)
    assert "student_name" not in with_labels(pairs, G)
    t = with_labels(pairs, G, people=True)
    assert t.columns == ["teacher", "teacher_name", "student", "student_name", "sections"]
    u = ROSTER.users[t.to_list("student")[0]]
    assert t.to_list("student_name")[0] == f"{u.name.first} {u.name.last}"
    stub = rostergraph.Table({"user": ["000000000000000000000000"]})
    assert with_labels(stub, G, people=True).to_list("user_name") == [None]


@pytest.mark.parametrize("mode", ["redacted", "pseudonymized"])
def test_policy_replaces_every_person_name(mode: str) -> None:
    """A redacted or pseudonymized policy leaves no person's name in a labelled table."""
    t = with_labels(rostergraph.reach_pairs(G), G, people=True)
    out = PrivacyPolicy(mode, key=b"k" * 32).bind(G).apply_table(t)
    names = out.to_list("student_name") + out.to_list("teacher_name")
    if mode == "redacted":
        assert set(names) == {MARK}
    else:
        assert all(n.startswith("name-") for n in names)
    assert _leaks(out.to_csv()) == 0


def test_cli_reach_for_one_teacher_names_people_in_full_mode_only() -> None:
    """`query reach --teacher T` shows people's names in full mode and none in redacted mode."""
    listed = run("list", "teachers", "--sample", "--format", "json")
    teacher = (orjson.loads(listed.stdout)[0]["user"] if listed.returncode == 0
               else next(iter(rostergraph.reach_pairs(G)))[0])
    full = run("query", "reach", "--sample", "--teacher", teacher, "--format", "json")
    assert full.returncode == 0, full.stderr
    rows = orjson.loads(full.stdout)
    assert rows and {r["teacher"] for r in rows} == {teacher}
    want = {s: label_of(ROSTER.users[s], "user") for s in (r["student"] for r in rows)}
    assert all(r["student_name"] == want[r["student"]] for r in rows)
    assert _leaks(full.stdout) >= len(rows) > 0
    red = run("query", "reach", "--sample", "--teacher", teacher, "--privacy", "redacted")
    assert red.returncode == 0, red.stderr
    assert _leaks(red.stdout) == 0, "a person's name is in redacted output"
    assert MARK in red.stdout and teacher in red.stdout
    bare = run("query", "reach", "--sample", "--teacher", teacher, "--no-labels", "--format", "csv")
    assert bare.stdout.splitlines()[0] == "teacher,student,sections"


def test_cli_query_labels_schools_by_default() -> None:
    """The school-flow matrix names both schools next to their ids."""
    out = run("query", "cross-school", "--sample", "--flow", "--format", "json")
    rows = orjson.loads(out.stdout)
    assert rows and all(r["school_name"] == ROSTER.schools[r["school"]].name for r in rows)
    assert all(r["primary_school_name"] == ROSTER.schools[r["primary_school"]].name for r in rows)


def test_html_report_banner_and_names_follow_the_mode() -> None:
    """The HTML banner says what each mode shows; names appear in full mode only."""
    full = rostergraph.validate(ROSTER).to_html(plots=False)
    assert "people are shown by name and record id" in full
    assert _leaks(full) > 0
    for mode, words in (("redacted", "people are shown by record id only"),
                        ("pseudonymized", "people are shown by keyed pseudonym only")):
        pol = PrivacyPolicy(mode, key=b"k" * 32)
        page = pol.apply_report(rostergraph.validate(ROSTER)).to_html(plots=False)
        assert f"privacy: {mode}" in page and words in page
        assert _leaks(page) == 0, f"a person's name is in the {mode} report"


def test_lazy_records_are_labelled_without_being_built(tmp_path) -> None:
    """On a lazily loaded JSON Lines roster, people's names come from the source text (no
    record is built) and equal the built records' names."""
    from rostergraph.lazy import LazyRecords

    rostergraph.convert(rostergraph.sample_path(), tmp_path / "d", to="clever-jsonl")
    roster = rostergraph.load(tmp_path / "d")
    users = roster.users
    if not isinstance(users, LazyRecords):
        users = getattr(users, "_mapping", users)
    g = rostergraph.RosterGraph.from_roster(roster)
    built = users.n_built()
    assert isinstance(users, LazyRecords) and built < len(users) // 2
    t = with_labels(rostergraph.reach_pairs(g), g, people=True)
    assert users.n_built() == built  # labelled from the text, nothing built
    assert len(t) > 0 and all(t.to_list("student_name"))
    for uid, name in zip(t.to_list("student"), t.to_list("student_name")):
        assert name == label_of(roster.users[uid], "user")
    assert users.peek("no-such-id", "name") is None


def test_with_labels_refuses_what_is_no_roster() -> None:
    """A path (or anything else) where the graph or roster goes is a TypeError saying how
    to get one; it returned the table without a label."""
    g = G
    t = rostergraph.orphaned_users(g)
    for wrong in ("./dump", None, 3):
        with pytest.raises(TypeError, match="rostergraph.load"):
            with_labels(t, wrong)
    assert "user_name" in with_labels(t, g.roster, people=True).columns
