"""The three ways of answering the benchmark questions, one function each.

Every engine reads the same Clever JSON Lines folder and returns
``(steps, answers)``: ``steps`` is a list of ``(name, seconds, peak_rss_mib)``
(peak RSS of the process so far, taken after the step), ``answers`` the counts
the run compares across engines:

- ``reach_pairs``: distinct (teacher, student) pairs linked by a section whose
  ``teachers`` (else ``teacher``) lists the teacher and whose ``students``
  lists the student; both users and the section must have records;
- ``cross_pairs`` / ``cross_students``: distinct (student, section) pairs
  whose section's school differs from the student's primary school (both
  schools with records), and the distinct students among them;
- ``orphans``: ``"role/reason"`` → count, as ``docs/queries.md`` defines them (student/teacher in no
  section, contact with no relationship to an existing student, staff with no
  existing school).
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

Step = tuple[str, float, float]


def peak_mib() -> float:
    """Peak resident set size of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class Timer:
    """Collects ``(step, seconds, peak MiB)`` rows, and each step's CPU seconds of this
    process (``cpu``: on a shared machine they vary less than the wall time)."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.cpu: dict[str, float] = {}

    def run(self, name: str, fn: Callable[[], Any]) -> Any:
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        self.steps.append((name, time.perf_counter() - t0, peak_mib()))
        self.cpu[name] = round(time.process_time() - c0, 3)
        return out


# --- rostergraph -----------------------------------------------------------------


def run_rostergraph(data: Path, render: bool = False) -> tuple[list[Step], dict[str, Any]]:
    """Load, build, the three queries and validate; with ``render`` also render the
    validation report as HTML and text (sizes and seconds under ``answers["report"]``,
    outside the timed steps)."""
    import rostergraph
    from rostergraph import queries

    t = Timer()
    roster = t.run("load", lambda: rostergraph.load(data))
    g = t.run("build", lambda: rostergraph.RosterGraph.from_roster(roster))
    reach = t.run("reach", lambda: len(queries.reach_pairs(g)))

    def cross() -> tuple[int, int]:
        c = queries.cross_school_enrollments(g)
        return len(c), len(set(c["student"].tolist()))  # (np.unique first imports numpy.ma)

    cross_pairs, cross_students = t.run("cross_school", cross)

    def orphans() -> dict[str, int]:
        o = queries.orphaned_users(g)
        out: dict[str, int] = {}
        for role, reason in zip(o["role"].tolist(), o["reason"].tolist()):
            out[f"{role}/{reason}"] = out.get(f"{role}/{reason}", 0) + 1
        return out

    orph = t.run("orphans", orphans)
    validate = getattr(rostergraph, "validate", None)
    extra: dict[str, Any] = {}
    if validate is not None:
        report = t.run("validate", lambda: validate(g))
        fs = report.findings
        # findings per rule (not compared across engines: only rostergraph validates)
        per_rule = (fs.counts_by_rule() if hasattr(fs, "counts_by_rule")
                    else {r: n for r, n in report.counts().items()})
        extra["findings"] = {"total": len(fs), "by_rule": per_rule}
        if render:
            out: dict[str, Any] = {}
            for fmt in ("html", "text"):
                t0 = time.perf_counter()
                text = report.to_html() if fmt == "html" else report.to_text()
                out[f"{fmt}_bytes"] = len(text.encode())
                out[f"{fmt}_seconds"] = round(time.perf_counter() - t0, 2)
            extra["report"] = out
    extra["cpu_seconds"] = t.cpu
    return t.steps, {"reach_pairs": reach, "cross_pairs": cross_pairs,
                     "cross_students": cross_students, "orphans": orph, **extra}


# --- DuckDB ------------------------------------------------------------------------

_USER_COLUMNS = (
    "{'id': 'VARCHAR', 'roles': 'STRUCT(student STRUCT(school VARCHAR), "
    "teacher STRUCT(school VARCHAR), staff STRUCT(schools VARCHAR[]), "
    "district_admin JSON, contact STRUCT(student_relationships STRUCT(student VARCHAR)[]))'}"
)
_SECTION_COLUMNS = ("{'id': 'VARCHAR', 'school': 'VARCHAR', 'teacher': 'VARCHAR', "
                    "'teachers': 'VARCHAR[]', 'students': 'VARCHAR[]'}")


def run_duckdb(data: Path, threads: int | None = None) -> tuple[list[Step], dict[str, Any]]:
    """DuckDB with explicit columns (auto-detection drops role keys of grouped users)."""
    import duckdb

    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    t = Timer()
    q = con.execute

    def load() -> None:
        q(f"""CREATE TABLE users AS SELECT * FROM read_json('{data / "users.jsonl"}',
              format='newline_delimited', columns={_USER_COLUMNS})""")
        q(f"""CREATE TABLE sections AS SELECT * FROM read_json('{data / "sections.jsonl"}',
              format='newline_delimited', columns={_SECTION_COLUMNS})""")
        q(f"""CREATE TABLE schools AS SELECT * FROM read_json('{data / "schools.jsonl"}',
              format='newline_delimited', columns={{'id': 'VARCHAR'}})""")

    def build() -> None:
        # the first record of a duplicated id wins, as in a Roster
        q("""CREATE TABLE u AS SELECT id, roles.student IS NOT NULL AS is_student,
               roles.teacher IS NOT NULL AS is_teacher, roles.staff IS NOT NULL AS is_staff,
               roles.contact IS NOT NULL AS is_contact, roles.student.school AS home,
               roles.staff.schools AS staff_schools,
               roles.contact.student_relationships AS rels FROM users""")
        q("""CREATE TABLE sec AS SELECT id, school, CASE WHEN len(teachers) > 0 THEN teachers
               WHEN teacher IS NOT NULL THEN [teacher] ELSE []::VARCHAR[] END AS teachers,
               students FROM sections""")
        q("""CREATE TABLE enr AS SELECT DISTINCT e.section, e.student FROM
               (SELECT id AS section, unnest(students) AS student FROM sec) e
               JOIN u ON u.id = e.student""")
        q("""CREATE TABLE tea AS SELECT DISTINCT e.section, e.teacher FROM
               (SELECT id AS section, unnest(teachers) AS teacher FROM sec) e
               JOIN u ON u.id = e.teacher""")

    def reach() -> int:
        return q("""SELECT count(*) FROM (SELECT DISTINCT t.teacher, e.student
                    FROM tea t JOIN enr e ON t.section = e.section)""").fetchone()[0]

    def cross() -> tuple[int, int]:
        return tuple(q("""SELECT count(*), count(DISTINCT e.student) FROM enr e
                    JOIN sec ON sec.id = e.section JOIN schools s1 ON s1.id = sec.school
                    JOIN u ON u.id = e.student JOIN schools s2 ON s2.id = u.home
                    WHERE sec.school <> u.home""").fetchone())

    def orphans() -> dict[str, int]:
        rows = q("""
          SELECT 'student/no_section', count(*) FROM u WHERE is_student
            AND id NOT IN (SELECT student FROM enr)
          UNION ALL SELECT 'teacher/no_section', count(*) FROM u WHERE is_teacher
            AND id NOT IN (SELECT teacher FROM tea)
          UNION ALL SELECT 'contact/no_student', count(*) FROM u WHERE is_contact
            AND id NOT IN (SELECT c.id FROM (SELECT id, unnest(rels).student AS student
                           FROM u WHERE is_contact) c JOIN u s ON s.id = c.student
                           WHERE s.is_student)
          UNION ALL SELECT 'staff/no_school', count(*) FROM u WHERE is_staff
            AND id NOT IN (SELECT f.id FROM (SELECT id, unnest(staff_schools) AS school
                           FROM u WHERE is_staff) f JOIN schools ON schools.id = f.school)
        """).fetchall()
        return {k: int(v) for k, v in rows if v}

    t.run("load", load)
    t.run("build", build)
    r = t.run("reach", reach)
    cp, cs = t.run("cross_school", cross)
    o = t.run("orphans", orphans)
    return t.steps, {"reach_pairs": int(r), "cross_pairs": int(cp), "cross_students": int(cs),
                     "orphans": o}


# --- plain networkx -----------------------------------------------------------------


def run_networkx(data: Path) -> tuple[list[Step], dict[str, Any]]:
    """Records straight into a MultiDiGraph; questions answered with networkx calls."""
    import networkx as nx
    import orjson

    t = Timer()
    G = nx.MultiDiGraph()

    def records(name: str) -> Any:
        with open(data / f"{name}.jsonl", "rb") as fh:
            for line in fh:
                if line.strip():
                    yield orjson.loads(line)

    def load() -> None:
        for kind in ("districts", "schools", "terms", "courses"):
            for r in records(kind):
                if r["id"] not in G:
                    G.add_node(r["id"], kind=kind[:-1], record=r)
        for r in records("sections"):
            if r["id"] not in G:
                G.add_node(r["id"], kind="section", record=r)
        for r in records("users"):
            if r["id"] not in G:
                G.add_node(r["id"], kind="user", roles=set(r.get("roles") or {}), record=r)

    def build() -> None:
        for n, d in list(G.nodes(data=True)):
            r = d.get("record")
            if d.get("kind") == "section":
                if r.get("school"):
                    G.add_edge(n, r["school"], relation="taught_at")
                teachers = r.get("teachers") or ([r["teacher"]] if r.get("teacher") else [])
                for te in teachers:
                    G.add_edge(te, n, relation="teaches")
                for st in r.get("students") or ():
                    G.add_edge(st, n, relation="enrolled_in")
            elif d.get("kind") == "user":
                roles = r.get("roles") or {}
                st = roles.get("student")
                if st and st.get("school"):
                    G.add_edge(n, st["school"], relation="attends", primary=True)
                sf = roles.get("staff")
                for sc in (sf or {}).get("schools") or ():
                    G.add_edge(n, sc, relation="works_at", primary=False)
                for rel in ((roles.get("contact") or {}).get("student_relationships") or ()):
                    if rel.get("student"):
                        G.add_edge(n, rel["student"], relation="contact_for")

    def is_rec(n: Any, kind: str) -> bool:
        return G.nodes[n].get("kind") == kind

    def reach() -> int:
        pairs = set()
        for sec, d in G.nodes(data=True):
            if d.get("kind") != "section":
                continue
            teachers = {u for u, _, r in G.in_edges(sec, data="relation")
                        if r == "teaches" and is_rec(u, "user")}
            students = {u for u, _, r in G.in_edges(sec, data="relation")
                        if r == "enrolled_in" and is_rec(u, "user")}
            pairs.update((a, b) for a in teachers for b in students)
        return len(pairs)

    def cross() -> tuple[int, int]:
        school_of = {}
        for sec, d in G.nodes(data=True):
            if d.get("kind") == "section":
                for _, sc, r in G.out_edges(sec, data="relation"):
                    if r == "taught_at" and is_rec(sc, "school"):
                        school_of[sec] = sc
                        break
        pairs = set()
        for u, d in G.nodes(data=True):
            if d.get("kind") != "user":
                continue
            home = None
            for _, sc, dd in G.out_edges(u, data=True):
                if dd["relation"] == "attends" and dd.get("primary") and is_rec(sc, "school"):
                    home = sc
                    break
            if home is None:
                continue
            for _, sec, r in G.out_edges(u, data="relation"):
                if r == "enrolled_in" and sec in school_of and school_of[sec] != home:
                    pairs.add((u, sec))
        return len(pairs), len({u for u, _ in pairs})

    def orphans() -> dict[str, int]:
        out: dict[str, int] = {}

        def bump(k: str) -> None:
            out[k] = out.get(k, 0) + 1

        for u, d in G.nodes(data=True):
            if d.get("kind") != "user":
                continue
            roles = d["roles"]
            rels = [(v, r) for _, v, r in G.out_edges(u, data="relation")]
            if "student" in roles and not any(r == "enrolled_in" and is_rec(v, "section")
                                              for v, r in rels):
                bump("student/no_section")
            if "teacher" in roles and not any(r == "teaches" and is_rec(v, "section")
                                              for v, r in rels):
                bump("teacher/no_section")
            if "contact" in roles and not any(
                    r == "contact_for" and is_rec(v, "user") and "student" in G.nodes[v]["roles"]
                    for v, r in rels):
                bump("contact/no_student")
            if "staff" in roles and not any(r == "works_at" and is_rec(v, "school")
                                            for v, r in rels):
                bump("staff/no_school")
        return out

    t.run("load", load)
    t.run("build", build)
    r = t.run("reach", reach)
    cp, cs = t.run("cross_school", cross)
    o = t.run("orphans", orphans)
    return t.steps, {"reach_pairs": r, "cross_pairs": cp, "cross_students": cs, "orphans": o}


ENGINES = {"rostergraph": run_rostergraph, "duckdb": run_duckdb, "networkx": run_networkx}
