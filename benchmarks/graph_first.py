"""How fast could a graph-first load of Clever JSON Lines be, with DuckDB as the parser?

A measurement for the design of the load path, not a feature: DuckDB's ``read_json``
reads only the fields a graph needs (ids and references), SQL turns every reference
into the position of the record it names (-1 for none; a table's ``rowid`` is the
position), and numpy sorts the relations into CSR order both ways as ``RosterGraph``
does. Nothing is type-checked beyond what ``read_json`` does, no problem is recorded and
no record or field column is made: this is the floor a load that defers all of that
could reach. Two column sets:

- ``graph``: every relation ``RosterGraph`` holds (schools lists, contact relationship
  and type, courses and terms of sections, districts of admins);
- ``queries``: only what reach, cross-school and orphans read, the columns DuckDB's own
  baseline reads (a graph whose other relations were made on first use).

A third line times what vouching for those columns costs (:func:`type_check`): the users'
and sections' graph columns read as ``JSON`` values and their types checked in SQL.

DuckDB's own end to end (load, SQL joins, the three answers; ``engines.run_duckdb``) is
timed in the same process after the floors, for the ratio.

    python benchmarks/graph_first.py bench-data/L [--runs 2]
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np
from engines import run_duckdb


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


_GRAPH = {
    "users": ("{'id': 'VARCHAR', 'district': 'VARCHAR', 'roles': 'STRUCT("
              "student STRUCT(school VARCHAR, schools VARCHAR[]), "
              "teacher STRUCT(school VARCHAR, schools VARCHAR[]), "
              "staff STRUCT(schools VARCHAR[]), district_admin JSON, "
              "contact STRUCT(student_relationships "
              "STRUCT(student VARCHAR, relationship VARCHAR, type VARCHAR)[]))'}"),
    "sections": ("{'id': 'VARCHAR', 'school': 'VARCHAR', 'course': 'VARCHAR', "
                 "'term_id': 'VARCHAR', 'teacher': 'VARCHAR', 'teachers': 'VARCHAR[]', "
                 "'students': 'VARCHAR[]'}"),
}
_QUERIES = {  # (engines.run_duckdb's own columns)
    "users": ("{'id': 'VARCHAR', 'roles': 'STRUCT(student STRUCT(school VARCHAR), "
              "teacher STRUCT(school VARCHAR), staff STRUCT(schools VARCHAR[]), "
              "district_admin JSON, contact STRUCT(student_relationships "
              "STRUCT(student VARCHAR)[]))'}"),
    "sections": ("{'id': 'VARCHAR', 'school': 'VARCHAR', 'teacher': 'VARCHAR', "
                 "'teachers': 'VARCHAR[]', 'students': 'VARCHAR[]'}"),
}

#: reference → position of the record it names, per relation: ``(source position,
#: target position)`` pairs
_SQL = {
    "enrolled_in": """SELECT e.pos, coalesce(u.rowid, -1) FROM (SELECT rowid AS pos,
        unnest(students) AS ref FROM sections) e LEFT JOIN users u ON u.id = e.ref""",
    "teaches": """SELECT e.pos, coalesce(u.rowid, -1) FROM (SELECT rowid AS pos, unnest(CASE
        WHEN len(teachers) > 0 THEN teachers WHEN teacher IS NOT NULL THEN [teacher]
        ELSE []::VARCHAR[] END) AS ref FROM sections) e LEFT JOIN users u ON u.id = e.ref""",
    "taught_at": """SELECT e.rowid, coalesce(s.rowid, -1) FROM sections e
        LEFT JOIN schools s ON s.id = e.school WHERE e.school IS NOT NULL""",
    "attends": """SELECT u.pos, coalesce(s.rowid, -1) FROM (SELECT rowid AS pos,
        roles.student.school AS school FROM users) u LEFT JOIN schools s ON s.id = u.school
        WHERE u.school IS NOT NULL""",
    "works_at": """SELECT u.pos, coalesce(s.rowid, -1) FROM (SELECT rowid AS pos,
        unnest(roles.staff.schools) AS school FROM users WHERE roles.staff IS NOT NULL) u
        LEFT JOIN schools s ON s.id = u.school""",
    "contact_for": """SELECT c.pos, coalesce(u.rowid, -1) FROM (SELECT rowid AS pos,
        unnest(roles.contact.student_relationships).student AS ref FROM users
        WHERE roles.contact IS NOT NULL) c LEFT JOIN users u ON u.id = c.ref""",
}


def floor(data: Path, columns: dict[str, str]) -> str:
    """One graph-first load of ``data`` reading ``columns``; its figures as one line."""
    import duckdb

    t0, c0 = time.perf_counter(), _cpu()
    con = duckdb.connect()
    q = con.execute
    for kind, cols in (*columns.items(), ("schools", "{'id': 'VARCHAR'}")):
        q(f"CREATE TABLE {kind} AS SELECT * FROM read_json('{data / (kind + '.jsonl')}', "
          f"format='newline_delimited', columns={cols})")
    t1 = time.perf_counter()
    # a repeated id would make a join give two positions: the first record wins in a
    # Roster, so a load would rank them here (none is repeated in a generated district)
    repeated = sum(q(f"SELECT count(*) - count(DISTINCT id) FROM {k}").fetchone()[0]
                   for k in ("users", "sections", "schools"))
    arrays = {k: [np.asarray(v) for v in q(text).fetchnumpy().values()]
              for k, text in _SQL.items()}
    t2 = time.perf_counter()
    for src, dst in arrays.values():  # CSR order both ways, as the graph keeps them
        np.argsort(src, kind="stable")
        np.bincount(src)
        np.argsort(dst, kind="stable")
    t3 = time.perf_counter()
    con.close()
    return (f"read {t1 - t0:.2f} s; references to positions {t2 - t1:.2f} s; CSR order "
            f"{t3 - t2:.2f} s; total {t3 - t0:.2f} s (CPU {_cpu() - c0:.2f}); enrollments "
            f"{len(arrays['enrolled_in'][0]):,}; repeated ids {repeated}")


def type_check(data: Path) -> str:
    """What vouching for the graph columns costs: users' and sections' graph columns read
    as DuckDB ``JSON`` values (not cast to the column types, which turns a number where an
    id belongs into text unseen) and each line's JSON types checked in SQL (an id that is
    no string, a ``students`` that is no array of strings); one line of figures."""
    import duckdb

    con = duckdb.connect()
    q = con.execute
    t0 = time.perf_counter()
    q(f"CREATE TABLE u AS SELECT * FROM read_json('{data / 'users.jsonl'}', "
      "format='newline_delimited', columns={'id': 'JSON', 'district': 'JSON', "
      "'roles': 'JSON'})")
    q(f"CREATE TABLE s AS SELECT * FROM read_json('{data / 'sections.jsonl'}', "
      "format='newline_delimited', columns={'id': 'JSON', 'school': 'JSON', "
      "'teacher': 'JSON', 'teachers': 'JSON', 'students': 'JSON'})")
    t1 = time.perf_counter()
    bad = q("SELECT count(*) FROM u WHERE json_type(id) <> 'VARCHAR' OR (roles IS NOT NULL "
            "AND json_type(roles) <> 'OBJECT')").fetchone()[0]
    bad += q("SELECT count(*) FROM s WHERE json_type(id) <> 'VARCHAR' OR (students IS NOT "
             "NULL AND (json_type(students) <> 'ARRAY' OR list_bool_or(list_transform("
             "json_extract_string(students, '$[*]'), lambda x: x IS NULL))))").fetchone()[0]
    t2 = time.perf_counter()
    con.close()
    return (f"read as JSON {t1 - t0:.2f} s; types checked {t2 - t1:.2f} s; lines that fail "
            f"{bad}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("data", type=Path)
    p.add_argument("--runs", type=int, default=1)
    a = p.parse_args()
    for run in range(1, a.runs + 1):
        for name, columns in (("graph", _GRAPH), ("queries", _QUERIES)):
            print(f"run {run}, {name} columns: {floor(a.data, columns)}", flush=True)
        print(f"run {run}, graph columns typed by SQL: {type_check(a.data)}", flush=True)
        c0 = _cpu()
        steps, _ = run_duckdb(a.data)
        print(f"run {run}, DuckDB end to end: {sum(s[1] for s in steps):.2f} s (CPU "
              f"{_cpu() - c0:.2f}; {', '.join(f'{s[0]} {s[1]:.2f}' for s in steps)})",
              flush=True)
    print(f"peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")


if __name__ == "__main__":
    main()
