"""One generated district, every format: the same answers.

Small districts at quirk rates from none to all (``synth.district(rates=...)``) and in
extreme shapes (one school, many schools, no contacts, a handful of sections, every
teacher also staff and district admin) are written as Clever JSON Lines, then through
each writer with rostergraph's extension columns (Clever JSON, Clever SFTP CSV, OneRoster
1.1 and 1.2 CSV), and loaded back. The graph's counts, the reach pairs, the cross-school
enrollments and teaching, the orphans and every finding but the load ones must equal the
JSON Lines load's; the JSON Lines load's findings and answers must equal the per-record
oracle's (tests/rule_oracle_more.py) and the naive queries (tests/test_queries.py).
Without the extension columns the standard files alone still give the same reach pairs
and teaching and enrollment edges (OneRoster 1.1 splits a multi-role user into one user
per role, ``<id>#<role>``). And every format's orphans, teaching links and enrollments
are the ones the generator's own arrays say it made.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import rostergraph
from rostergraph import queries as q
from rostergraph.graph import RosterGraph
from rostergraph.io.write import write_clever_json
from rostergraph.io.write_oneroster import write_oneroster
from rostergraph.io.write_sftp import write_clever_csv
from rostergraph.synth import QUIRK_RATES, SHAPE_RATES, SynthDistrict, district

from .test_rules_shapes import assert_queries_agree, assert_rules_agree

_QUIRKS = list(QUIRK_RATES["default"])
_EVERY_ROLE = {"teachers_also_staff": 1.0, "teachers_also_admin": 1.0,
               "second_school_students": 0.5, "cross_school_students": 0.3}

#: (students, seed, rates, counts)
GRID: dict[str, tuple[int, int, dict[str, float] | None, dict[str, int] | None]] = {
    "no-quirks": (200, 1, dict.fromkeys(_QUIRKS, 0.0), None),
    "high-many-schools": (300, 2, dict(QUIRK_RATES["high"]), {"schools": 25}),
    "all-quirks-one-school": (200, 3, dict.fromkeys(_QUIRKS, 1.0), {"schools": 1}),
    "half-no-contacts": (200, 4, {**dict.fromkeys(_QUIRKS, 0.5), **_EVERY_ROLE},
                         {"contacts": 0, "schools": 4}),
    "few-sections": (150, 5, dict.fromkeys(_QUIRKS, 0.99), {"sections": 3, "courses": 2}),
    "every-shape-and-quirk": (150, 6, dict.fromkeys([*_QUIRKS, *SHAPE_RATES], 1.0),
                              {"schools": 5}),
}

WRITERS = {
    "clever-json": lambda r, p: write_clever_json(r, p),
    "clever-csv": lambda r, p: write_clever_csv(r, p),
    "oneroster-1.1": lambda r, p: write_oneroster(r, p),
    "oneroster-1.2": lambda r, p: write_oneroster(r, p, version="1.2"),
}


def _answers(roster: rostergraph.Roster) -> dict[str, Any]:
    g = RosterGraph.from_roster(roster)
    findings = Counter((f.rule, f.kind, f.ids, f.message)
                       for f in rostergraph.validate(roster).findings
                       if not f.rule.startswith("RG-LOAD"))
    return {"counts": g.counts(), "reach": set(map(tuple, q.reach_pairs(g))),
            "cross-enrolled": set(map(tuple, q.cross_school_enrollments(g))),
            "cross-teaching": set(map(tuple, q.cross_school_teaching(g))),
            "orphans": set(map(tuple, q.orphaned_users(g))), "findings": findings}


PLAIN_WRITERS = {
    "clever-csv": lambda r, p: write_clever_csv(r, p, extensions=False),
    "oneroster-1.1": lambda r, p: write_oneroster(r, p, extensions=False),
    "oneroster-1.2": lambda r, p: write_oneroster(r, p, version="1.2", extensions=False),
}


def _links(roster: rostergraph.Roster) -> dict[str, set[tuple[Any, ...]]]:
    """Reach pairs and section edges, a split user (``<id>#<role>``) read as ``<id>``."""
    g = RosterGraph.from_roster(roster)

    def rows(table: Any) -> set[tuple[Any, ...]]:
        return {tuple(x.split("#")[0] if isinstance(x, str) else x for x in row)
                for row in zip(*(table.to_list(c) for c in table.columns))}

    return {"reach": rows(q.reach_pairs(g)), "teaches": rows(g.edges("teaches")),
            "enrolled_in": rows(g.edges("enrolled_in"))}


@pytest.mark.parametrize("name", list(GRID))
def test_every_format_gives_the_same_answers(tmp_path: Path, name: str) -> None:
    students, seed, rates, counts = GRID[name]
    src = Path(district(students=students, seed=seed, rates=rates, counts=counts)
               .write(tmp_path / "jsonl"))
    assert_rules_agree(src)
    assert_queries_agree(src)
    roster = rostergraph.load(src)
    want = _answers(roster)
    for fmt, write in WRITERS.items():
        write(roster, tmp_path / fmt)
        got = _answers(rostergraph.load(tmp_path / fmt))
        for key, value in want.items():
            assert got[key] == value, (fmt, key)


@pytest.mark.parametrize("name", ["high-many-schools", "half-no-contacts"])
def test_standard_files_alone_keep_the_links(tmp_path: Path, name: str) -> None:
    students, seed, rates, counts = GRID[name]
    d = district(students=students, seed=seed, rates=rates, counts=counts)
    roster = rostergraph.load(d.write(tmp_path / "jsonl"))
    want = _links(roster)
    for fmt, write in PLAIN_WRITERS.items():
        write(roster, tmp_path / fmt)
        assert _links(rostergraph.load(tmp_path / fmt)) == want, fmt


def _truth(d: SynthDistrict) -> dict[str, set[Any]]:
    """What the generator meant, from its arrays: students and teachers in no section,
    staff without ``schools``, contacts of no existing student, teaching (with the
    primary teacher) and enrollment pairs."""
    uids = d.user_ids.astype("U24").tolist()
    secs = d.ids["sections"].astype("U24").tolist()
    off, t0 = d.off, int(d.off["teachers"])
    untaught, mismatch = set(d.no_teacher.tolist()), set(d.teacher_mismatch.tolist())
    teaches = set()
    for j in (j for j in range(d.n["sections"]) if j not in untaught):
        ts = [int(d.primary_teacher[j]), *d.co_teacher[d.co_ptr[j]:d.co_ptr[j + 1]].tolist()]
        primary = ts[-1] if j in mismatch and len(ts) > 1 else ts[0]
        teaches |= {(uids[t0 + t], secs[j], t == primary) for t in ts}
    teaching = {u for u, _, _ in teaches}
    enrolled = {uids[s] for s in d.enr_stu.tolist()}
    ptr, missing = d.con_ptr.tolist(), set(d.con_missing.tolist())
    orphans = {(uids[s], "student", "no_section") for s in range(d.n["students"])
               if uids[s] not in enrolled}
    orphans |= {(uids[t0 + t], "teacher", "no_section") for t in range(d.n["teachers"])
                if uids[t0 + t] not in teaching}
    orphans |= {(uids[off["staff"] + f], "staff", "no_school")
                for f in {*d.staff_no_school.tolist(), *d.staff_singular.tolist()}}
    orphans |= {(uids[off["contacts"] + c], "contact", "no_student") for c in range(
        d.n["contacts"]) if ptr[c + 1] == ptr[c] or c in missing}
    orphans |= {(uids[s], "contact", "no_student") for s in d.q_student_contact}
    enrollments = {(uids[s], secs[j]) for j, s in zip(d.enr_sec.tolist(), d.enr_stu.tolist())}
    listed = set(d.enr_sec.tolist())  # (a student without a record, in a section with some)
    enrollments |= {(d.missing_ids[j % 64], secs[j]) for j in d.q_missing_student if j in listed}
    return {"orphans": orphans, "teaches": teaches, "enrolled_in": enrollments}


@pytest.mark.parametrize("name", ["no-quirks", "all-quirks-one-school", "half-no-contacts",
                                  "every-shape-and-quirk"])
def test_every_format_answers_what_the_generator_made(tmp_path: Path, name: str) -> None:
    """The orphans, teaching links (primary flag included) and enrollments every format's
    load gives are the ones the generator's own arrays say it made (the loads compared with
    one another above could all be wrong alike)."""
    students, seed, rates, counts = GRID[name]
    d = district(students=students, seed=seed, rates=rates, counts=counts)
    roster = rostergraph.load(d.write(tmp_path / "jsonl"))
    want = _truth(d)
    assert any(want.values())
    for fmt, write in {"jsonl": None, **WRITERS}.items():
        if write is not None:
            write(roster, tmp_path / fmt)
        g = RosterGraph.from_roster(roster if write is None else
                                    rostergraph.load(tmp_path / fmt))
        got = {"orphans": set(map(tuple, q.orphaned_users(g)))}
        for rel in ("teaches", "enrolled_in"):
            t = g.edges(rel)
            got[rel] = set(zip(*(t.to_list(c) for c in t.columns)))
        for key, value in want.items():
            assert got[key] == value, (fmt, key)
