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

A third line is the floor a lossless load could reach (:func:`vouched`): the graph
columns read as ``JSON`` leaves and their JSON types checked (a number where an id belongs
is text once cast to ``VARCHAR``, where rostergraph's readers drop the field and tell it)
in the same SQL pass that takes their text, ids checked distinct, then positions and CSR
as above.

DuckDB's own end to end (load, SQL joins, the three answers; ``engines.run_duckdb``) is
timed in the same process after the floors, for the ratio.

    python benchmarks/graph_first.py bench-data/L [--runs 2]
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path
from typing import Any

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


def _repeated_ids(q: Any) -> int:
    """Ids given twice in the users, sections and schools tables (``q``: the connection's
    ``execute``). A repeated id would make a join give two positions: the first record
    wins in a Roster, so a load would rank them (none is repeated in a generated district)."""
    return sum(q(f"SELECT count(*) - count(DISTINCT id) FROM {k}").fetchone()[0]
               for k in ("users", "sections", "schools"))


def _positions(q: Any) -> dict[str, list[np.ndarray]]:
    """Every relation of :data:`_SQL` as ``(source position, target position)`` arrays."""
    return {k: [np.asarray(v) for v in q(text).fetchnumpy().values()]
            for k, text in _SQL.items()}


def _csr_order(arrays: dict[str, list[np.ndarray]]) -> None:
    """Sort every relation into CSR order both ways, as the graph keeps them."""
    for src, dst in arrays.values():
        np.argsort(src, kind="stable")
        np.bincount(src)
        np.argsort(dst, kind="stable")


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
    repeated = _repeated_ids(q)
    arrays = _positions(q)
    t2 = time.perf_counter()
    _csr_order(arrays)
    t3 = time.perf_counter()
    con.close()
    return (f"read {t1 - t0:.2f} s; references to positions {t2 - t1:.2f} s; CSR order "
            f"{t3 - t2:.2f} s; total {t3 - t0:.2f} s (CPU {_cpu() - c0:.2f}); enrollments "
            f"{len(arrays['enrolled_in'][0]):,}; repeated ids {repeated}")


#: the graph columns as DuckDB reads them for :func:`vouched`: every id and reference a
#: ``JSON`` leaf (its JSON type can be checked: cast to ``VARCHAR`` a number would read as
#: text unseen, where rostergraph's readers drop the field and tell it)
_VOUCHED = {
    "users": ("{'id': 'JSON', 'district': 'JSON', 'roles': 'STRUCT("
              "student STRUCT(school JSON, schools JSON), teacher STRUCT(school JSON, "
              "schools JSON), staff STRUCT(schools JSON), district_admin JSON, contact "
              "STRUCT(student_relationships STRUCT(student JSON, relationship JSON, "
              "type JSON)[]))'}"),
    "sections": ("{'id': 'JSON', 'school': 'JSON', 'course': 'JSON', 'term_id': 'JSON', "
                 "'teacher': 'JSON', 'teachers': 'JSON', 'students': 'JSON'}"),
}


def _text(x: str) -> str:
    """SQL: the JSON leaf ``x`` as text when it is a string, else NULL."""
    return f"CASE WHEN json_type({x}) = 'VARCHAR' THEN {x}->>'$' END"


def _texts(x: str) -> str:
    """SQL: the JSON leaf ``x`` as a list of text when it is an array, else NULL."""
    return f"CASE WHEN json_type({x}) = 'ARRAY' THEN {x}->>'$[*]' END"


def _not_text(x: str) -> str:
    """SQL: the leaf ``x`` is given and is no string."""
    return f"coalesce(json_type({x}) NOT IN ('VARCHAR', 'NULL'), false)"


def _not_texts(x: str) -> str:
    """SQL: the leaf ``x`` is given and is no array of strings (conservative: an item
    that does not start with a quote, or a comma or bracket inside an item, says so)."""
    return (f"coalesce(json_type({x}) NOT IN ('ARRAY', 'NULL') OR regexp_matches({x}::VARCHAR"
            ", '[\\[,]\\s*[^\"\\s\\]]'), false)")


def vouched(data: Path) -> str:
    """The graph-first floor with the graph columns vouched for, as a lossless load must:
    read as ``JSON`` leaves, each leaf's JSON type checked and its text taken in one SQL
    pass per kind, ids checked distinct, then references to positions and CSR order as in
    :func:`floor`. Still no record, field column or problem is made; one line of figures."""
    import duckdb

    t0, c0 = time.perf_counter(), _cpu()
    con = duckdb.connect()
    q = con.execute
    for kind, cols in _VOUCHED.items():
        q(f"CREATE TABLE raw_{kind} AS SELECT * FROM read_json('{data / (kind + '.jsonl')}',"
          f" format='newline_delimited', columns={cols})")
    q(f"CREATE TABLE schools AS SELECT * FROM read_json('{data / 'schools.jsonl'}', "
      "format='newline_delimited', columns={'id': 'VARCHAR'})")
    t1 = time.perf_counter()
    role = "roles.{}.{}".format
    rel = "roles.contact.student_relationships"
    q(f"""CREATE TABLE users AS SELECT {_text('id')} AS id, {_text('district')} AS district,
        struct_pack(
          student := struct_pack(school := {_text(role('student', 'school'))},
                                 schools := {_texts(role('student', 'schools'))}),
          teacher := struct_pack(school := {_text(role('teacher', 'school'))},
                                 schools := {_texts(role('teacher', 'schools'))}),
          staff := struct_pack(schools := {_texts(role('staff', 'schools'))}),
          district_admin := roles.district_admin,
          contact := struct_pack(student_relationships := list_transform({rel},
            lambda r: struct_pack(student := {_text('r.student')},
                                  relationship := {_text('r.relationship')},
                                  type := {_text('r.type')}))))
          AS roles,
        {_not_text('id')} OR {_not_text('district')} OR {_not_text(role('student', 'school'))}
        OR {_not_texts(role('student', 'schools'))} OR {_not_text(role('teacher', 'school'))}
        OR {_not_texts(role('teacher', 'schools'))} OR {_not_texts(role('staff', 'schools'))}
        OR coalesce(list_bool_or(list_transform({rel}, lambda r: {_not_text('r.student')}
           OR {_not_text('r.relationship')} OR {_not_text('r.type')})), false) AS bad
        FROM raw_users""")
    cols = ("id", "school", "course", "term_id", "teacher")
    q(f"""CREATE TABLE sections AS SELECT {', '.join(f'{_text(c)} AS {c}' for c in cols)},
        {_texts('teachers')} AS teachers, {_texts('students')} AS students,
        {' OR '.join(_not_text(c) for c in cols)} OR {_not_texts('teachers')}
        OR {_not_texts('students')} AS bad FROM raw_sections""")
    q("DROP TABLE raw_users")
    q("DROP TABLE raw_sections")
    bad = sum(q(f"SELECT count(*) FILTER (WHERE bad) FROM {k}").fetchone()[0]
              for k in ("users", "sections"))
    repeated = _repeated_ids(q)
    t2 = time.perf_counter()
    arrays = _positions(q)
    t3 = time.perf_counter()
    _csr_order(arrays)
    t4 = time.perf_counter()
    con.close()
    return (f"read as JSON leaves {t1 - t0:.2f} s; types vouched and text taken {t2 - t1:.2f}"
            f" s; references to positions {t3 - t2:.2f} s; CSR order {t4 - t3:.2f} s; total "
            f"{t4 - t0:.2f} s (CPU {_cpu() - c0:.2f}); lines that fail {bad}; repeated ids "
            f"{repeated}")


def _arrow_schemas() -> dict[str, Any]:
    """The graph columns of :data:`_GRAPH` as pyarrow schemas (``district_admin`` an
    empty struct: only whether it is given counts)."""
    import pyarrow as pa

    t = pa.string()

    def st(**kw: Any) -> Any:
        return pa.struct([pa.field(k, v) for k, v in kw.items()])

    return {
        "users": pa.schema([("id", t), ("district", t), ("roles", st(
            student=st(school=t, schools=pa.list_(t)),
            teacher=st(school=t, schools=pa.list_(t)),
            staff=st(schools=pa.list_(t)), district_admin=st(),
            contact=st(student_relationships=pa.list_(
                st(student=t, relationship=t, type=t)))))]),
        "sections": pa.schema([("id", t), ("school", t), ("course", t), ("term_id", t),
                               ("teacher", t), ("teachers", pa.list_(t)),
                               ("students", pa.list_(t))]),
        "schools": pa.schema([("id", t)]),
    }


def _bytes_a_strict_decoder_refuses(data: Any) -> list[str]:
    """What pyarrow's JSON parser accepts anywhere in a line (also in keys it is told to
    ignore) that a strict decoder (orjson, msgspec) refuses: bytes that are not UTF-8, the
    ``NaN`` / ``Infinity`` tokens, a byte-order mark. Conservative: the tokens inside a
    string count too. ``data``: the file's bytes (a memory map). UTF-8 is checked by
    Arrow's own validation over blocks cut at line ends (0.1 s for 1.3 GB, where
    ``bytes.decode`` takes 3.7 s); the tokens by ``mmap.find``."""
    import pyarrow as pa

    said = []
    size = len(data)
    cuts = [0]
    while cuts[-1] < size:
        nl = data.find(b"\n", min(cuts[-1] + (16 << 20), size))
        cuts.append(size if nl < 0 else nl + 1)
    text = pa.Array.from_buffers(pa.large_string(), len(cuts) - 1, [
        None, pa.py_buffer(np.asarray(cuts, np.int64)), pa.py_buffer(data)])
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        said.append("not UTF-8")
    for token in (b"NaN", b"Infinity"):
        if data.find(token) >= 0:
            said.append(token.decode())
    if data[:3] == b"\xef\xbb\xbf":
        said.append("byte-order mark")
    return said


def vouched_arrow(data: Path) -> str:
    """The graph-first floor with pyarrow's JSON reader as the parser: it reads the graph
    columns on every core and fails the whole file on a value of another JSON type or a
    graph key given twice (both checked on a small file first), which a load would take
    as "read this file the careful way". Vouched besides: the bytes it accepts that a
    strict decoder refuses, one record per line (a line of two objects gives two rows, a
    blank line none), ids given and distinct. Then references to positions
    (``pc.index_in``) and CSR order as :func:`floor`. One line of figures."""
    import mmap

    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.json as pj

    from rostergraph.idkeys import count_byte

    t0, c0 = time.perf_counter(), _cpu()
    tables: dict[str, Any] = {}
    said: list[str] = []
    check_s = 0.0
    for kind, schema in _arrow_schemas().items():
        path = data / f"{kind}.jsonl"
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            table = pj.read_json(
                pa.BufferReader(pa.py_buffer(mm)),
                read_options=pj.ReadOptions(block_size=16 << 20),
                parse_options=pj.ParseOptions(explicit_schema=schema,
                                              unexpected_field_behavior="ignore"))
            tc = time.perf_counter()
            said += [f"{kind}: {w}" for w in _bytes_a_strict_decoder_refuses(mm)]
            lines = count_byte(np.frombuffer(mm, np.uint8), 0x0A) + (
                len(mm) > 0 and mm[-1:] != b"\n")
            check_s += time.perf_counter() - tc
        tc = time.perf_counter()
        if table.num_rows != lines:
            said.append(f"{kind}: {table.num_rows} rows in {lines} lines")
        ids = table.column("id")
        if ids.null_count:
            said.append(f"{kind}: {ids.null_count} without an id")
        if len(pc.unique(ids)) != len(ids):
            said.append(f"{kind}: ids repeated")
        check_s += time.perf_counter() - tc
        tables[kind] = table
    t1 = time.perf_counter()
    users, sections, schools = tables["users"], tables["sections"], tables["schools"]
    uid, sid = users.column("id"), schools.column("id")

    def pairs(refs: Any, ids: Any) -> list[np.ndarray]:
        flat = pc.list_flatten(refs)
        src = pc.list_parent_indices(refs).to_numpy()
        dst = pc.index_in(flat, value_set=ids).fill_null(-1).to_numpy()
        return [src, dst]

    arrays: dict[str, list[np.ndarray]] = {}
    arrays["enrolled_in"] = pairs(sections.column("students"), uid)
    teachers = sections.column("teachers")
    arrays["teaches"] = pairs(teachers, uid)  # (``teacher`` alone: rare here)
    ss = sections.column("school")
    arrays["taught_at"] = [np.arange(len(ss)),
                           pc.index_in(ss, value_set=sid).fill_null(-1).to_numpy()]
    roles = users.column("roles")
    home = pc.struct_field(pc.struct_field(roles, "student"), "school")
    arrays["attends"] = [np.arange(len(home)),
                         pc.index_in(home, value_set=sid).fill_null(-1).to_numpy()]
    arrays["works_at"] = pairs(pc.struct_field(pc.struct_field(roles, "staff"), "schools"),
                               sid)
    rels = pc.struct_field(pc.struct_field(roles, "contact"), "student_relationships")
    arrays["contact_for"] = [pc.list_parent_indices(rels).to_numpy(), pc.index_in(
        pc.struct_field(pc.list_flatten(rels), "student"), value_set=uid
    ).fill_null(-1).to_numpy()]
    t2 = time.perf_counter()
    _csr_order(arrays)
    t3 = time.perf_counter()
    return (f"read {t1 - t0 - check_s:.2f} s; bytes, rows and ids vouched {check_s:.2f} s;"
            f" references to positions {t2 - t1:.2f} s; CSR order {t3 - t2:.2f} s; total "
            f"{t3 - t0:.2f} s (CPU {_cpu() - c0:.2f}); enrollments "
            f"{len(arrays['enrolled_in'][0]):,}; said {said or 'nothing'}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("data", type=Path)
    p.add_argument("--runs", type=int, default=1)
    a = p.parse_args()
    for run in range(1, a.runs + 1):
        for name, columns in (("graph", _GRAPH), ("queries", _QUERIES)):
            print(f"run {run}, {name} columns: {floor(a.data, columns)}", flush=True)
        print(f"run {run}, graph columns vouched: {vouched(a.data)}", flush=True)
        print(f"run {run}, graph columns vouched, pyarrow: {vouched_arrow(a.data)}",
              flush=True)
        c0 = _cpu()
        steps, _ = run_duckdb(a.data)
        print(f"run {run}, DuckDB end to end: {sum(s[1] for s in steps):.2f} s (CPU "
              f"{_cpu() - c0:.2f}; {', '.join(f'{s[0]} {s[1]:.2f}' for s in steps)})",
              flush=True)
    print(f"peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")


if __name__ == "__main__":
    main()
