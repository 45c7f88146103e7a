"""How fast could a graph-first load of Clever JSON Lines be, with DuckDB as the parser?

A measurement for the design of the load path, not a feature: DuckDB's ``read_json``
reads only the fields the graph needs (ids and references), SQL turns every reference
into the position of the record it names (the first record of a repeated id, -1 for
none), and numpy sorts the biggest relations into CSR order as ``RosterGraph`` does.
Nothing is type-checked beyond what ``read_json`` does, no problem is recorded and no
record or field column is made: this is the floor a load that defers all of that could
reach, to compare with ``rostergraph.load`` + ``RosterGraph.from_roster`` and with
DuckDB's own answers in ``run.py``.

    python benchmarks/graph_first.py bench-data/L
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import numpy as np


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


_USERS = ("{'id': 'VARCHAR', 'district': 'VARCHAR', 'roles': 'STRUCT("
          "student STRUCT(school VARCHAR, schools VARCHAR[]), "
          "teacher STRUCT(school VARCHAR, schools VARCHAR[]), staff STRUCT(schools VARCHAR[]), "
          "district_admin JSON, contact STRUCT(student_relationships "
          "STRUCT(student VARCHAR, relationship VARCHAR, type VARCHAR)[]))'}")
_SECTIONS = ("{'id': 'VARCHAR', 'school': 'VARCHAR', 'course': 'VARCHAR', "
             "'term_id': 'VARCHAR', 'teacher': 'VARCHAR', 'teachers': 'VARCHAR[]', "
             "'students': 'VARCHAR[]'}")


def main(data: Path) -> None:
    import duckdb

    t0, c0 = time.perf_counter(), _cpu()
    con = duckdb.connect()
    q = con.execute
    for kind, cols in (("users", _USERS), ("sections", _SECTIONS),
                       ("schools", "{'id': 'VARCHAR'}")):
        q(f"CREATE TABLE {kind} AS SELECT row_number() OVER () - 1 AS pos, * FROM read_json("
          f"'{data / (kind + '.jsonl')}', format='newline_delimited', columns={cols})")
        # the first record of a repeated id is the one references name
        q(f"CREATE TABLE {kind}_ix AS SELECT id, min(pos) AS pos FROM {kind} GROUP BY id")
    t1, c1 = time.perf_counter(), _cpu()
    sql = {
        "enrolled_in": ("""SELECT e.pos, coalesce(u.pos, -1) FROM (SELECT pos,
            unnest(students) AS ref FROM sections) e LEFT JOIN users_ix u ON u.id = e.ref"""),
        "teaches": ("""SELECT e.pos, coalesce(u.pos, -1) FROM (SELECT pos, unnest(CASE
            WHEN len(teachers) > 0 THEN teachers WHEN teacher IS NOT NULL THEN [teacher]
            ELSE []::VARCHAR[] END) AS ref FROM sections) e
            LEFT JOIN users_ix u ON u.id = e.ref"""),
        "taught_at": ("""SELECT e.pos, coalesce(s.pos, -1) FROM sections e
            LEFT JOIN schools_ix s ON s.id = e.school WHERE e.school IS NOT NULL"""),
        "attends": ("""SELECT u.pos, coalesce(s.pos, -1) FROM users u LEFT JOIN schools_ix s
            ON s.id = u.roles.student.school WHERE u.roles.student.school IS NOT NULL"""),
        "contact_for": ("""SELECT c.pos, coalesce(u.pos, -1) FROM (SELECT pos,
            unnest(roles.contact.student_relationships).student AS ref FROM users
            WHERE roles.contact IS NOT NULL) c LEFT JOIN users_ix u ON u.id = c.ref"""),
    }
    arrays = {k: [np.asarray(v) for v in q(text).fetchnumpy().values()]
              for k, text in sql.items()}
    t2, c2 = time.perf_counter(), _cpu()
    for src, dst in arrays.values():  # CSR order both ways, as the graph keeps them
        np.argsort(src, kind="stable")
        np.bincount(src)
        np.argsort(dst, kind="stable")
    t3, c3 = time.perf_counter(), _cpu()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"read {t1 - t0:.2f} s (CPU {c1 - c0:.2f}); references to positions "
          f"{t2 - t1:.2f} s (CPU {c2 - c1:.2f}); CSR order {t3 - t2:.2f} s; "
          f"total {t3 - t0:.2f} s (CPU {c3 - c0:.2f}); "
          f"enrollments {len(arrays['enrolled_in'][0]):,}; peak {peak:,.0f} MiB")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
