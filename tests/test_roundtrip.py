"""Round trips between formats: Clever JSON → OneRoster / SFTP CSV → Clever JSON.

With rostergraph's extensions on, a round trip gives back the same records
(field for field) and so the same graph. With them off, the standard files
alone must still give the same sections, enrollments, teaching edges and
reach pairs (terms and courses compared by natural key, since SFTP CSV
constructs their ids), and everything that did not survive is in the report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rostergraph
from rostergraph.graph import RELATIONS, RosterGraph
from rostergraph.io.clever_csv import read_clever_csv
from rostergraph.io.clever_json import read_clever_json
from rostergraph.io.oneroster import read_oneroster
from rostergraph.io.write import write_clever_json
from rostergraph.io.write_oneroster import write_oneroster
from rostergraph.io.write_sftp import write_clever_csv
from rostergraph.model import Course, Term, record_from_dict, record_to_dict
from rostergraph.roster import Roster

from .strategies import rosters, v31_student_fields

try:  # the lead's queries module; fall back to the projection's edges
    from rostergraph.queries import reach_pairs
except ImportError:  # pragma: no cover
    reach_pairs = None


def _reach(g: RosterGraph) -> set[tuple[str, str, int]]:
    if reach_pairs is not None:
        t = reach_pairs(g)
        return set(zip(t.to_list("teacher"), t.to_list("student"), t.to_list("sections")))
    return {(a, b, 0) for a, b in g.student_teacher_graph().edges()}


def _edges(g: RosterGraph, rel: str) -> set[tuple[Any, ...]]:
    t = g.edges(rel)
    cols = t.columns
    return set(zip(*(t.to_list(c) for c in cols)))


def graph_facts(r: Roster) -> dict[str, Any]:
    """Node ids per kind (records and stubs), edges per relation, reach pairs."""
    g = RosterGraph.from_roster(r)
    facts: dict[str, Any] = {}
    for kind in ("district", "school", "term", "course", "section", "user"):
        ids = g.ids(kind)
        miss = g.missing(kind)
        facts[f"nodes:{kind}"] = {(str(i), bool(m)) for i, m in zip(ids, miss)}
    for rel in RELATIONS:
        facts[f"edges:{rel}"] = _edges(g, rel)
    facts["reach"] = _reach(g)
    facts["roles"] = {(str(i), int(b)) for i, b in zip(g.ids("user")[:g.n_records("user")],
                                                      g.roles[:g.n_records("user")])}
    return facts


def same_records(a: Roster, b: Roster) -> None:
    for kind in ("districts", "schools", "terms", "courses", "sections", "users"):
        ra, rb = a.records(kind), b.records(kind)
        assert sorted(ra) == sorted(rb), kind
        for rid in ra:
            assert record_to_dict(ra[rid]) == record_to_dict(rb[rid]), (kind, rid)


def _through_oneroster(r: Roster, out: Path, **kw: Any) -> tuple[Roster, Any]:
    report = write_oneroster(r, out, **kw)
    return read_oneroster(out), report


def _through_sftp(r: Roster, out: Path, **kw: Any) -> tuple[Roster, Any]:
    report = write_clever_csv(r, out, **kw)
    return read_clever_csv(out), report


WAYS = {"oneroster-folder": lambda r, d, **kw: _through_oneroster(r, d / "or", **kw),
        "oneroster-zip": lambda r, d, **kw: _through_oneroster(r, d / "or.zip", **kw),
        "oneroster-1.2": lambda r, d, **kw: _through_oneroster(r, d / "or12", version="1.2",
                                                              **kw),
        "sftp-csv": lambda r, d, **kw: _through_sftp(r, d / "sftp", **kw)}


@pytest.mark.parametrize("way", sorted(WAYS))
def test_sample_round_trip_with_extensions_is_record_exact(way: str, tmp_path: Path) -> None:
    """The sample comes back field for field, so the graph and reach pairs are the same."""
    src = rostergraph.sample()
    back, report = WAYS[way](src, tmp_path)
    assert "dropped" not in set(report.to_list("how"))
    assert back.problems == []
    same_records(src, back)
    assert graph_facts(back) == graph_facts(src)


@pytest.mark.parametrize("way", sorted(WAYS))
def test_sample_round_trip_through_clever_json_again(way: str, tmp_path: Path) -> None:
    """Clever JSON → other format → Clever JSON file → read: still the same records."""
    src = rostergraph.sample()
    back, _ = WAYS[way](src, tmp_path)
    write_clever_json(back, tmp_path / "json")
    same_records(src, read_clever_json(tmp_path / "json"))


def _natural(r: Roster) -> dict[str, str]:
    """Term and course ids → natural keys (what SFTP CSV builds them from)."""
    out = {}
    for t in r.terms.values():
        out[t.id] = f"term:{t.name or ''}|{t.start_date or ''}|{t.end_date or ''}"
    for c in r.courses.values():
        out[c.id] = f"course:{c.number}" if c.number else f"course-name:{c.name}"
    return out


def test_sample_sftp_without_extensions_keeps_the_graph(tmp_path: Path) -> None:
    """Standard SFTP files alone keep sections, enrollments, teaching and reach pairs."""
    src = rostergraph.sample()
    back, report = _through_sftp(src, tmp_path / "s", extensions=False)
    a, b = graph_facts(src), graph_facts(back)
    # Student_id and Teacher_id name separate users in SFTP files: the sample's student who
    # also teaches (illegal in Clever) comes back as two users, and the report says so
    split = {f"sftp-teacher:{u.id}": u.id for u in src.users.values()
             if u.roles.student is not None and u.roles.teacher is not None}
    assert split and set(split) <= set(back.users)
    assert ("users", "changed") in {(r["kind"], r["how"]) for r in report.to_dicts()
                                    if "students.csv" in r["field"] or
                                    "teachers.csv" in r["field"]}

    def joined(facts: set[tuple[Any, ...]]) -> set[tuple[Any, ...]]:
        return {tuple(split.get(x, x) if isinstance(x, str) else x for x in t) for t in facts}

    assert a["reach"] == joined(b["reach"])
    for rel in ("enrolled_in", "teaches", "taught_at"):
        assert a[f"edges:{rel}"] == joined(b[f"edges:{rel}"]), rel
    # terms/courses: same section → natural key
    na, nb = _natural(src), _natural(back)
    for sid, sec in src.sections.items():
        got = back.sections[sid]
        if sec.term_id in src.terms and (src.terms[sec.term_id].name or
                                          src.terms[sec.term_id].start_date or
                                          src.terms[sec.term_id].end_date):
            assert nb[got.term_id] == na[sec.term_id]
        if sec.course in src.courses and src.courses[sec.course].name:
            assert nb[got.course].split(":")[-1] == na[sec.course].split(":")[-1]
    # every user that is gone is reported as a dropped whole record
    gone = set(src.users) - set(back.users)
    rows = {(r["kind"], r["field"]): r["count"] for r in report.to_dicts()
            if r["how"] == "dropped"}
    contacts_gone = {u for u in gone if src.users[u].roles.contact is not None}
    whole = rows.get(("users", "(whole record: no SFTP file for its roles)"), 0)
    assert len(gone - contacts_gone) <= whole
    assert ("districts", "(whole record: SFTP has no district file)") in rows


def test_sample_oneroster_without_extensions_keeps_the_graph(tmp_path: Path) -> None:
    """Standard OneRoster files alone keep every node id, section edge and reach pair."""
    src = rostergraph.sample()
    back, report = _through_oneroster(src, tmp_path / "o", extensions=False)
    a, b = graph_facts(src), graph_facts(back)

    def unsplit(x: Any) -> Any:  # "<user id>#<role>" rows are the split multi-role users
        return x.split("#")[0] if isinstance(x, str) and "#" in x else x

    assert a["reach"] == {tuple(unsplit(x) for x in e) for e in b["reach"]}
    for rel in ("enrolled_in", "teaches", "taught_at", "in_term", "of_course", "in_district",
                "contact_for"):
        got = {tuple(unsplit(x) for x in e[:2]) for e in b[f"edges:{rel}"]}
        assert {e[:2] for e in a[f"edges:{rel}"]} == got, rel
    for kind in ("district", "school", "term", "course", "section"):
        assert a[f"nodes:{kind}"] == b[f"nodes:{kind}"], kind
    # multi-role users come back split, and the report says so
    multi = sum(1 for u in src.users.values() if len(u.roles.names) > 1)
    changed = {r["field"]: r["count"] for r in report.to_dicts() if r["how"] == "changed"}
    assert changed.get("roles (several roles: one user per role)", 0) == sum(
        len(u.roles.names) for u in src.users.values() if len(u.roles.names) > 1)
    assert multi > 0


@st.composite
def rosters_with_terms(draw: Any) -> Roster:
    """The shared small rosters, plus terms and courses that sections point at."""
    r = draw(rosters())
    terms = [Term(id=f"t{i}", name=draw(st.sampled_from(["Fall", "Spring", ""])),
                  start_date=draw(st.sampled_from(["2024-08-19", None])))
             for i in range(draw(st.integers(0, 3)))]
    courses = [Course(id=f"c{i}", name=draw(st.sampled_from(["Math", "Art", None])),
                      number=draw(st.sampled_from([f"N{i}", None])))
               for i in range(draw(st.integers(0, 3)))]
    tids = [t.id for t in terms] + ["t-missing"]
    cids = [c.id for c in courses] + ["c-missing"]
    import attrs

    sections = [attrs.evolve(s, term_id=draw(st.none() | st.sampled_from(tids)),
                             course=draw(st.none() | st.sampled_from(cids)))
                for s in r.sections.values()]
    return r.replace(terms=terms, courses=courses, sections=sections)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(r=rosters_with_terms(), way=st.sampled_from(sorted(WAYS)))
def test_generated_rosters_round_trip(r: Roster, way: str, tmp_path_factory: Any) -> None:
    """Generated small rosters (co-teachers, stubs, multi-role users) come back exactly."""
    d = tmp_path_factory.mktemp("rt")
    back, report = WAYS[way](r, d)
    assert "dropped" not in set(report.to_list("how"))
    same_records(r, back)
    assert graph_facts(back) == graph_facts(r)


HOSTILE = ["=1+1", "+SUM(A1)", "@cmd", "\tx", "\rx", "a\x00b", "\ufeffbom", "line\u2028sep",
           "\u202eevil", '"quoted", comma', "a\\b", "👩‍🏫", " sp ", "x\r\ny", "", "\ud800"]


def _hostile_sample() -> Roster:
    import attrs

    from rostergraph.model import Name

    src = rostergraph.sample()
    users = {u.id: attrs.evolve(u, name=Name(first=HOSTILE[i % len(HOSTILE)],
                                             last=HOSTILE[-i % len(HOSTILE)] + "L"),
                                email=HOSTILE[(i + 3) % len(HOSTILE)])
             for i, u in enumerate(src.users.values())}
    sections = {s.id: attrs.evolve(s, name=HOSTILE[i % len(HOSTILE)])
                for i, s in enumerate(src.sections.values())}
    return src.replace(users=users, sections=sections)


@pytest.mark.parametrize("way", sorted(WAYS))
def test_hostile_text_round_trips(way: str, tmp_path: Path) -> None:
    """Formula prefixes, NUL, CR/CRLF, BOM, RTL, quotes and lone surrogates come back."""
    src = _hostile_sample()
    back, report = WAYS[way](src, tmp_path)
    same_records(src, back)
    assert any("lone surrogates" in f for f in report.to_list("field"))


DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("way", sorted(WAYS))
def test_real_samples_round_trip(way: str, tmp_path: Path) -> None:
    """The Ed-Fi OneRoster sample and Clever's legacy fixtures survive every way exactly."""
    for i, src_path in enumerate((DATA / "oneroster" / "edfi-lms-toolkit-v1.1",
                                  DATA / "clever" / "clever-go-v1.1-fixtures")):
        src = rostergraph.load(src_path)
        back, report = WAYS[way](src, tmp_path / str(i))
        assert "dropped" not in set(report.to_list("how"))
        same_records(src, back)
        assert graph_facts(back) == graph_facts(src)


def _with_empty_objects(tmp_path: Path) -> tuple[Path, Roster]:
    """The sample as Clever JSON on disk, with a user whose ``name`` is ``{}`` and other
    objects that have no field (credentials, a student's location, a school's principal)."""
    import orjson

    src = tmp_path / "clever"
    write_clever_json(rostergraph.sample(), src)
    edits = {"users.json": {"name": [], "roles.student.credentials": [],
                            "roles.student.location": []},
             "schools.json": {"principal": [], "location": []}}
    for fname, paths in edits.items():
        doc = orjson.loads((src / fname).read_bytes())
        for i, (path, done) in enumerate(paths.items()):
            item = next(it["data"] for it in doc["data"][i:]
                        if "." not in path or "student" in it["data"].get("roles", {}))
            target = item
            *parents, last = path.split(".")
            for p in parents:
                target = target[p]
            target[last] = {}
            done.append(item["id"])
        (src / fname).write_bytes(orjson.dumps(doc))
    return src, rostergraph.load(src)


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_objects_with_no_field_round_trip_through_oneroster(version: str,
                                                            tmp_path: Path) -> None:
    """``"name": {}`` (and any other object with no field) comes back as an empty object,
    not as no object: OneRoster's empty cells read as absent, so the carry keeps it."""
    _, src = _with_empty_objects(tmp_path)
    empty = [u for u in src.users.values() if u.name is not None and u.name.first is None
             and u.name.last is None]
    assert empty  # the edit took: an empty name, not a missing one
    back, report = _through_oneroster(src, tmp_path / "or", version=version)
    assert "dropped" not in set(report.to_list("how"))
    same_records(src, back)
    # without the extensions the empty objects are reported, never lost silently
    _, plain = _through_oneroster(src, tmp_path / "plain", version=version, extensions=False)
    dropped = {(r["kind"], r["field"]) for r in plain.to_dicts() if r["how"] == "dropped"}
    assert {("users", "name"), ("schools", "principal")} <= dropped


def test_cli_convert_to_oneroster_keeps_an_empty_name(tmp_path: Path) -> None:
    """`rostergraph convert --to oneroster` then load: the user with ``"name": {}`` is the
    same record as in the Clever JSON."""
    import subprocess
    import sys

    src_path, src = _with_empty_objects(tmp_path)
    out = tmp_path / "or"
    run = subprocess.run([sys.executable, "-m", "rostergraph", "convert", str(src_path),
                          str(out), "--to", "oneroster"],
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    back = rostergraph.load(out)
    same_records(src, back)


def _v31_sample() -> Roster:
    """The sample with the Clever API v3.1 student fields on every student."""
    from rostergraph.model import User, record_from_dict

    users = {}
    for i, u in enumerate(rostergraph.sample().users.values()):
        if u.roles.student is not None:
            d = record_to_dict(u)
            d["roles"]["student"].update(v31_student_fields(i))
            u = record_from_dict(User, d)[0]
            assert not u.roles.student.extra
        users[u.id] = u
    return rostergraph.sample().replace(users=users)


@pytest.mark.parametrize("way", sorted(WAYS))
def test_v31_student_fields_round_trip(way: str, tmp_path: Path) -> None:
    """The Clever API v3.1 student fields (explicit nulls inside ``disability`` and
    ``preferred_name`` left out, as CSV has no null) come back through every format's
    extension column, and through Clever JSON Lines as they are."""
    src = _v31_sample()
    back, report = WAYS[way](src, tmp_path)
    assert "dropped" not in set(report.to_list("how"))
    assert back.problems == []
    plain = src.replace(users={u.id: record_from_dict(type(u), record_to_dict(u, nulls=False))[0]
                               for u in src.users.values()})
    same_records(plain, back)
    write_clever_json(src, tmp_path / "jsonl", jsonl=True)
    same_records(src, rostergraph.load(tmp_path / "jsonl"))
