"""Fuzzing the writers and renderers: hostile strings in, valid and inert outputs out.

Strings are drawn from all of Unicode (lone surrogates included) mixed with
control characters, terminal escape sequences, bidi overrides and Markdown/HTML
syntax. They become ids, names, emails and sis ids of a small district, which
then goes through every output format (text, Markdown, JSON, CSV, the HTML
report, the Clever JSON, Clever SFTP CSV and OneRoster writers) in every privacy
mode. Each output must stay valid (JSON parses, CSV rows are rectangular, UTF-8
encodes), escaped (no raw control character, no Markdown image or link, no HTML
tag the page template does not use) and free of the values the mode hides.

Example counts follow the active Hypothesis profile, capped so the file runs
in well under a minute (see ``tests/conftest.py``).
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rostergraph
from rostergraph.diff.render import render_diff
from rostergraph.graph import RosterGraph
from rostergraph.io.write import write_clever_json
from rostergraph.io.write_oneroster import write_oneroster
from rostergraph.io.write_sftp import write_clever_csv
from rostergraph.model import Name, Roles, School, Section, StudentRole, TeacherRole, User
from rostergraph.privacy import MODES, PrivacyPolicy
from rostergraph.queries import students_of
from rostergraph.roster import Roster

from .strategies import HOSTILE_TEXT

#: Pieces planted in every string: controls, escapes, bidi, Markdown, HTML, CSV, JSON.
PLANTS = HOSTILE_TEXT + [
    "\x1b[2J", "\x1b]0;t\x07", "\r", "\n", "\x85", "\u2066", "\u202e", "\u200f", "\udc80",
    "![x](http://evil.example/p.png)", "[l](http://evil.example)", "<img src=x onerror=y>",
    "<script>alert(1)</script>", "|", "`", "*_~", "# h", "- ", "1. ", "&amp;", "\\", '"',
    "{\"a\":", "]]>", "<!--",
]
_ANY_CHAR = st.characters(exclude_categories=())  # every code point, surrogates too
hostile = st.lists(st.one_of(st.text(_ANY_CHAR, max_size=4), st.sampled_from(PLANTS)),
                   min_size=1, max_size=4).map("".join)

#: What a text output must never hold raw: C0/C1 controls but newline, DEL, bidi
#: controls, line separators, lone surrogates.
_RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029"
                  "\u2066-\u2069\ud800-\udfff]")
_KEY = b"fuzz-outputs-key-0123456789"
_N = min(settings.default.max_examples, 15)  # each example renders or writes a district
_SETTINGS = settings(max_examples=_N, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
_WRITER_SETTINGS = settings(_SETTINGS, max_examples=max(_N * 2 // 3, 1))


@st.composite
def districts(draw: Any) -> tuple[Roster, dict[str, str]]:
    """A school, a teacher, a student and a section whose strings are hostile; the secrets
    carry a plain marker (so escaping cannot hide a leak) next to the hostile text."""
    n = draw(st.integers(0, 10**6))
    secrets = {"first": f"Fnm{n}x", "last": f"Lnm{n}x", "email": f"em{n}x@example.org",
               "sis": f"Sis{n}x", "student": f"Stu{n}x", "teacher": f"Tch{n}x"}
    student = secrets["student"] + draw(hostile)
    teacher = secrets["teacher"] + draw(hostile)
    school = "sc" + draw(hostile)
    roster = Roster(
        schools=[School(id=school, name=draw(hostile))],
        users=[
            User(id=teacher, name=Name(first=draw(hostile), last=draw(hostile)),
                 roles=Roles(teacher=TeacherRole(school=school))),
            User(id=student, email=secrets["email"] + draw(hostile),
                 name=Name(first=secrets["first"] + draw(hostile),
                           last=draw(hostile) + secrets["last"]),
                 roles=Roles(student=StudentRole(school=school, sis_id=secrets["sis"]))),
        ],
        sections=[Section(id="se" + draw(hostile), school=school, teacher=teacher,
                          teachers=(teacher,), students=(student, "gone" + draw(hostile)),
                          name=draw(hostile))],
    )
    return roster, {**secrets, "student_id": student, "teacher_id": teacher}


def _policy(mode: str) -> PrivacyPolicy:
    return PrivacyPolicy(mode, key=_KEY)


def _hidden(mode: str, secrets: dict[str, str]) -> list[str]:
    """The markers a mode must keep out of every output."""
    if mode == "full":
        return []
    out = [secrets[k] for k in ("first", "last", "email", "sis")]
    if mode == "pseudonymized":
        out += [secrets["student"], secrets["teacher"]]
    return out


def _check_text(out: str, hidden: list[str]) -> None:
    out.encode("utf-8")  # strict: no lone surrogate
    assert not _RAW.search(out), repr(_RAW.search(out))
    for h in hidden:
        assert h not in out, h


def _check_markdown(md: str, hidden: list[str]) -> None:
    _check_text(md, hidden)
    assert not re.search(r"(?<!\\)!\[", md)
    assert not re.search(r"(?<!\\)\]\((?!docs/rules\.md#)", md)
    assert not re.search(r"(?<!\\)<", md)


def _check_json(text: str, hidden: list[str]) -> Any:
    text.encode("utf-8")
    data = json.loads(text)
    for h in hidden:
        assert h not in text, h
    return data


def _check_csv(text: str, hidden: list[str]) -> None:
    text.encode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len({len(r) for r in rows}) <= 1, "ragged CSV"
    for h in hidden:
        assert h not in text, h


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.tags.add(tag)


def _tags(page: str) -> set[str]:
    p = _Tags()
    p.feed(page)
    return p.tags


_TEMPLATE_TAGS = _tags(rostergraph.validate(rostergraph.sample()).to_html(plots=False)) | {
    "i", "ul", "li"}  # (the banner's list of what a partial roster lacks: the sample lacks nothing)


@_SETTINGS
@given(districts(), st.sampled_from(MODES))
def test_reports_stay_valid_escaped_and_private(case: Any, mode: str) -> None:
    """Report text, Markdown, JSON, HTML and findings CSV/JSON: valid, escaped, private."""
    roster, secrets = case
    hidden = _hidden(mode, secrets)
    report = _policy(mode).apply_report(rostergraph.validate(roster))
    _check_text(report.to_text(examples=50), hidden)
    _check_markdown(report.to_markdown(examples=50), hidden)
    data = _check_json(report.to_json(), hidden)
    assert data["findings"]
    page = report.to_html(plots=False, rows=50)
    page.encode("utf-8")
    assert _tags(page) <= _TEMPLATE_TAGS
    assert "<script" not in page and "<img" not in page
    for h in hidden:
        assert h not in page, h
    table = report.findings_table()
    _check_csv(table.to_csv(), hidden)
    _check_json(table.to_json(), hidden)


@_SETTINGS
@given(districts(), st.sampled_from(MODES))
def test_query_tables_stay_valid_escaped_and_private(case: Any, mode: str) -> None:
    """A query's Table as text, CSV and JSON under each privacy mode."""
    roster, secrets = case
    hidden = _hidden(mode, secrets)
    g = RosterGraph.from_roster(roster)
    table = _policy(mode).bind(g).apply_table(students_of(g, secrets["teacher_id"]))
    assert len(table) == 1
    _check_text(table.to_text(), hidden)
    _check_csv(table.to_csv(), hidden)
    _check_json(table.to_json(), hidden)


@_SETTINGS
@given(districts(), districts(), st.sampled_from(MODES))
def test_diffs_stay_valid_escaped_and_private(old: Any, new: Any, mode: str) -> None:
    """A diff between two hostile districts as text, Markdown and JSON."""
    hidden = _hidden(mode, old[1]) + _hidden(mode, new[1])
    d = rostergraph.diff(old[0], new[0])
    _check_text(render_diff(d, "text", privacy=_policy(mode)), hidden)
    _check_markdown(render_diff(d, "markdown", privacy=_policy(mode)), hidden)
    _check_json(render_diff(d, "json", privacy=_policy(mode)), hidden)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@_WRITER_SETTINGS
@given(districts(), st.sampled_from(MODES))
def test_writers_stay_valid_and_private(case: Any, mode: str) -> None:
    """The Clever JSON, JSON Lines, SFTP CSV and OneRoster writers: every file is UTF-8,
    JSON parses, CSV is rectangular, hidden values are absent, and the output reads back."""
    roster, secrets = case
    hidden = [h.encode() for h in _hidden(mode, secrets)]
    pol = _policy(mode)
    safe = roster if pol.is_full else pol.bind(roster).apply_roster(roster)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        write_clever_json(safe, base / "json")
        write_clever_json(safe, base / "jsonl", jsonl=True)
        write_clever_csv(safe, base / "sftp")
        write_oneroster(safe, base / "oneroster")
        for name in ("json", "jsonl", "sftp", "oneroster"):
            for fname, data in _files(base / name).items():
                text = data.decode("utf-8")  # strict
                for h in hidden:
                    assert h not in data, (name, fname)
                if fname.endswith(".json"):
                    json.loads(text)
                elif fname.endswith(".jsonl"):
                    for line in text.split("\n"):  # JSON text may hold a raw U+2028
                        if line.strip():
                            json.loads(line)
                elif fname.endswith(".csv"):
                    _check_csv(text, [])
            back = rostergraph.load(base / name)
            assert len(back.users) == len(safe.users), name
            assert len(back.sections) == len(safe.sections), name
