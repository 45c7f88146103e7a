"""The fast JSON Lines path gives exactly the general reader's roster, problems and graph."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

import rostergraph
from rostergraph.graph import RosterGraph
from rostergraph.io import fast_jsonl
from rostergraph.io.clever_json import read_line
from rostergraph.io.limits import Limits
from rostergraph.lazy import LazyRecords
from rostergraph.synth import write_district

from .strategies import v31_student_fields


def _snapshot(r: rostergraph.Roster) -> tuple[Any, ...]:
    g = RosterGraph.from_roster(r)
    graph = {k: g.ids(k).tolist() for k in ("district", "school", "term", "course", "section",
                                             "user")}
    for name, rel in g.relations.items():
        graph[name] = (rel.src.tolist(), rel.dst.tolist(), rel.rsrc.tolist(),
                       {a: v.tolist() for a, v in rel.attrs.items()})
    graph["roles"] = g.roles.tolist()
    recs = {k: list(r.records(k).items()) for k in r.counts()}
    probs = [(p.code, p.message, p.file, p.line, p.index, p.kind, p.record_id, p.field, p.raw)
             for p in r.problems]
    files = [(f.path, f.size, f.sha256) for f in r.provenance.files]
    return graph, recs, probs, files


def _general(path: Path, monkeypatch: pytest.MonkeyPatch) -> rostergraph.Roster:
    with monkeypatch.context() as m:
        m.setattr(fast_jsonl, "read_fast", lambda *a, **k: None)
        return rostergraph.load(path)


def _messy(tmp: Path) -> Path:
    users = [
        {"id": "u1", "roles": {"student": {"school": "sc1", "schools": ["sc1", "sc9"]}}},
        {"id": "u2", "name": {"first": 7}, "roles": {"teacher": {"school": "sc1"}}},  # bad field
        {"id": "u1", "roles": {}},                                                     # duplicate
        {"id": "u3", "x_unknown": True, "roles": {"contact": {"student_relationships": [
            {"student": "u1", "relationship": "Aunt"}, {"student": "ghost"}]}}},
        {"data": {"id": "u4", "roles": {"staff": {"schools": ["sc1"]}}}, "uri": "/v3.0/users/u4"},
        {"id": 5},                                                                     # no id
        {"id": "u6", "district": "d1", "roles": {"district_admin": {}, "teacher": {}}},
        # explicit nulls (not the same as absent), on a plain line and on a slow one
        {"id": "u7", "email": None, "name": {"first": "A", "middle": None},
         "roles": {"student": {"school": "sc1", "grade": None}, "teacher": None}},
        {"data": {"id": "u8", "name": None, "roles": {"staff": {"schools": ["sc1"],
                                                                "title": None}}}},
    ]
    lines = [orjson.dumps(u) for u in users]
    lines.insert(3, b"{not json")
    lines.insert(1, b"   ")
    lines.append(b"[1, 2]")
    (tmp / "users.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    secs = [{"id": "s1", "school": "sc1", "teacher": "u2", "teachers": ["u6", "u2"],
             "students": ["u1", "u1", "ghost"]},
            {"id": "s2", "school": "sc2", "course": "c1", "teacher": "u6"},
            {"id": "s1", "students": []},
            {"id": "s3", "students": ["u1"], "teachers": "u2"}]  # wrongly typed teachers
    (tmp / "sections.jsonl").write_bytes(b"\n".join(orjson.dumps(s) for s in secs))
    (tmp / "schools.jsonl").write_bytes(b'\xef\xbb\xbf{"id": "sc1", "district": "d1"}\n'
                                        b'{"id": "sc2"}\n')
    (tmp / "districts.jsonl").write_bytes(b'{"id": "d1", "name": "D"}\n')
    return tmp


def test_messy_folder_same_as_general_reader(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Bad lines, bad fields, duplicates, envelopes, BOM: identical results both ways."""
    p = _messy(tmp_path)
    fast = rostergraph.load(p)
    assert isinstance(fast.users, LazyRecords)
    assert _snapshot(fast) == _snapshot(_general(p, monkeypatch))
    assert fast.users["u7"].roles.nulls == {"teacher"} and fast.users["u8"].nulls == {"name"}


def _slow_lines_in_the_middle(p: Path) -> None:
    """Records that take the general path (kept ones with edges, bad ones, duplicates both
    ways round) put among the plain lines of users and sections, and a bad line at the end."""
    for kind in ("users", "sections"):
        lines = (p / f"{kind}.jsonl").read_bytes().split(b"\n")
        n = len(lines)
        # records with several edges whose attributes differ (a co-taught section, a
        # student in two schools, a contact of two students), so misplaced edges show
        many = [i for i, line in enumerate(lines) if line.count(b'"schools":["') and
                line.count(b'","') or line.count(b'"student":') > 1 or
                line.count(b'"teachers":["') and line.count(b'","', line.find(b'"teachers"'),
                                                             line.find(b'"students"')) > 0]
        assert len(many) > 10
        rec = [orjson.loads(lines[i]) for i in (many[1], many[len(many) // 2], many[-2])]
        wrapped = {"data": {**rec[0], "id": "wrapped1"}, "uri": "/v3.0/x"}  # kept, with edges
        if kind == "sections":  # a reference to no record, between two plain lines' ones
            wrapped["data"]["school"] = "ghost-school"
            for i, ghost in ((3, "ghost-earlier"), (n - 3, "ghost-later")):
                lines[i] = orjson.dumps({**orjson.loads(lines[i]), "school": ghost})
        unknown = {**rec[1], "id": "unknown1", "x_new": 1}                  # kept, with extra
        lines[n // 4: n // 4] = [orjson.dumps(wrapped), orjson.dumps(unknown),
                                 b'{"id": "zz", "roles": {"student": {"school": 12}}}',
                                 orjson.dumps({"data": rec[2]}),  # an id a later plain line has
                                 b"{not json"]
        lines.insert(n // 2, lines[5])  # a plain duplicate of an earlier plain line
        (p / f"{kind}.jsonl").write_bytes(b"\n".join(lines))
    with (p / "users.jsonl").open("ab") as fh:
        fh.write(b'\n{"id": "zz2", "roles": {"student": {"school": 12}}}\n')


@pytest.mark.parametrize("move_budget", [fast_jsonl.MOVE_BUDGET, 0])
def test_synthetic_district_same_as_general_reader(tmp_path: Path, move_budget: int,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A generated district (with its quirks, and slow lines among the plain ones) loads
    identically, whether the columns are mended in place or rebuilt (``MOVE_BUDGET``)."""
    p = write_district(tmp_path, students=3000, seed=9)
    _slow_lines_in_the_middle(p)
    monkeypatch.setattr(fast_jsonl, "MOVE_BUDGET", move_budget)
    files = {k: p / f"{k}.jsonl" for k in ("districts", "schools", "terms", "courses",
                                            "sections", "users")}
    fast = fast_jsonl.read_fast(p, files, general=read_line)
    assert fast is not None
    assert _snapshot(fast) == _snapshot(_general(p, monkeypatch))


def test_lazy_records_are_built_on_access(tmp_path: Path) -> None:
    """Records are not built by load or graph construction, only when asked for."""
    p = write_district(tmp_path, "S", seed=1)
    r = rostergraph.load(p)
    RosterGraph.from_roster(r)
    built = r.users.n_built()  # only records with an unknown key took the general path
    assert built < len(r.users) // 100
    uid = next(u for u in r.users if u not in {x.id for x in r.users._cache if x})
    assert r.users[uid].id == uid and r.users.n_built() == built + 1
    assert r.users.get("nope") is None and "nope" not in r.users
    assert len(list(r.users.values())) == len(r.users) == r.users.n_built()


def test_not_plain_files_use_general_path(tmp_path: Path) -> None:
    """CR line ends, gzip or non-JSON-Lines files make the fast path step aside."""
    (tmp_path / "users.jsonl").write_bytes(b'{"id": "u1"}\r\n')
    assert fast_jsonl.read_fast(tmp_path, {"users": tmp_path / "users.jsonl"},
                                general=read_line) is None
    (tmp_path / "terms.json").write_bytes(b'[{"id": "t1"}]')
    assert fast_jsonl.read_fast(tmp_path, {"terms": tmp_path / "terms.json"},
                                general=read_line) is None
    assert len(rostergraph.load(tmp_path).users) == 1


@pytest.mark.parametrize("only", [("users",), ("sections",), ("schools", "sections"),
                                  ("users", "districts")])
def test_folders_missing_kinds_same_as_general_reader(tmp_path: Path, only: tuple[str, ...],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Kinds missing (no users before the sections, no sections after the users) still
    give the general reader's roster."""
    src = write_district(tmp_path / "all", students=1500, seed=4)
    p = tmp_path / "some"
    p.mkdir()
    for kind in only:
        (p / f"{kind}.jsonl").write_bytes((src / f"{kind}.jsonl").read_bytes())
    fast = fast_jsonl.read_fast(p, {k: p / f"{k}.jsonl" for k in only}, general=read_line)
    assert fast is not None
    assert _snapshot(fast) == _snapshot(_general(p, monkeypatch))


def test_strict_mode_takes_the_same_path_and_raises_the_general_readers_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``strict=True`` on a plain JSON Lines folder returns the same (lazy) roster as the
    default when nothing is wrong, and raises the error the general reader raises first."""
    from rostergraph.errors import FormatError

    p = write_district(tmp_path / "ok", students=300, seed=2)
    strict = rostergraph.load(p, strict=True)
    assert type(strict.users).__name__ == "LazyRecords"
    assert _snapshot(strict) == _snapshot(rostergraph.load(p))
    bad = _messy(tmp_path)
    with pytest.raises(FormatError) as fast_err:
        rostergraph.load(bad, strict=True)
    with monkeypatch.context() as m:
        m.setattr(fast_jsonl, "read_fast", lambda *a, **k: None)
        with pytest.raises(FormatError) as general_err:
            rostergraph.load(bad, strict=True)
    assert str(fast_err.value) == str(general_err.value)


def test_field_values_read_one_field_without_building(tmp_path: Path) -> None:
    """``LazyRecords.field_values`` gives every record's field as the built records would,
    building none (a record already built gives its attribute; a damaged text its
    record's value)."""
    p = write_district(tmp_path, "S", seed=11)
    r = rostergraph.load(p)
    users = r.users
    assert isinstance(users, LazyRecords)
    some = list(users)[3]
    _ = users[some]  # one built already
    before = users.n_built()
    got = users.field_values("district")
    assert users.n_built() == before < len(users) // 100
    assert got == [u.district for u in rostergraph.load(p).users.values()]
    text = b'{"id": "a", "district": 5}{"id": "b"}'
    odd = LazyRecords(type(users[some]), text, ["a", "b"], [0, 26], [26, len(text)])
    assert odd.field_values("district") == [5, None]  # JSON values, not type-checked


def test_district_admin_visibility_reads_districts_without_building(tmp_path: Path) -> None:
    """A district admin sees the users of their own district; on a fast load the users'
    districts are read from the text, and no other record is built."""
    from rostergraph.queries import visible_users

    p = write_district(tmp_path, "S", seed=12)
    users = p / "users.jsonl"
    lines = users.read_bytes().rstrip(b"\n").split(b"\n")
    first = orjson.loads(lines[0])
    admin = {"id": "zz-admin", "district": first["district"],
             "roles": {"district_admin": {"title": "t"}}}
    other = {"id": "zz-elsewhere", "district": "zz-other-district",
             "roles": {"student": {"school": "zz-school"}}}
    users.write_bytes(b"\n".join([*lines, orjson.dumps(admin), orjson.dumps(other)]) + b"\n")
    r = rostergraph.load(p)
    g = RosterGraph.from_roster(r)
    before = r.users.n_built()
    got = set(visible_users(g, "zz-admin").to_list("user"))
    assert r.users.n_built() <= before + 1  # the admin's own record
    everyone = rostergraph.load(p).users.values()
    assert got == {u.id for u in everyone
                   if u.district == first["district"] and u.id != "zz-admin"}
    assert "zz-elsewhere" not in got and len(got) > 100


@pytest.mark.parametrize("chunk,batch,finds", [(64, 2, 1), (1 << 20, 3, 0), (200, 512, 2)])
def test_small_chunks_and_batches_same_as_general_reader(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, batch: int,
        finds: int) -> None:
    """The scan sorts each chunk's lines with array operations and decodes them a batch
    at a time: with chunks and batches of a few lines (every line at a boundary), `ext`
    lines found one by one or all at once, long strings, empty ids and blank or indented
    lines among the messy ones, the result is the general reader's."""
    from rostergraph.io import scan

    p = _messy(tmp_path)
    extra = [
        orjson.dumps({"id": "e1", "roles": {"student": {"school": "sc1",
                                                         "ext": {"k": "x" * 300}}}}),
        orjson.dumps({"id": "", "roles": {}}),
        orjson.dumps({"id": "e2", "email": "y" * 300, "roles": {"teacher": {"school": "sc1"}}}),
        b"",
        b'  {"id": "e3"}',
        orjson.dumps({"id": "e4", "name": {"last": "ext"}, "roles": {"staff": {}}}),
        orjson.dumps({"id": "e5", "roles": {"teacher": {"ext": {"a": [[[[[[1]]]]]]}}}}),
    ]
    users = p / "users.jsonl"
    users.write_bytes(users.read_bytes() + b"\n".join(extra) + b"\n")
    # a line over the length limit, a line too deep for the depth limit (both problems)
    limits = [None, Limits(max_line_bytes=120), Limits(max_json_depth=4)]
    expected = []
    for lim in limits:
        with monkeypatch.context() as m:
            m.setattr(fast_jsonl, "read_fast", lambda *a, **k: None)
            expected.append(_snapshot(rostergraph.load(p, limits=lim)))
    assert expected[0] != expected[1] and expected[0] != expected[2]
    monkeypatch.setattr(scan, "CHUNK", chunk)
    monkeypatch.setattr(scan, "BATCH", batch)
    monkeypatch.setattr(scan, "_NEEDLE_FINDS", finds)
    for lim, want in zip(limits, expected):
        fast = rostergraph.load(p, limits=lim)
        assert isinstance(fast.users, LazyRecords)
        assert _snapshot(fast) == want


def test_keys_given_twice_are_problems_both_ways(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A key given twice in one object (at the top, nested, in a list item, with the
    same value, on a line written with spaces or explicit nulls, beside an ``ext`` map)
    is a problem naming file, line, record and key, whose raw text keeps the value the
    parser dropped; the last value is kept. Fast and general readers say the same."""
    lines = [
        b'{"id":"u1","email":"a@x.org","email":"b@x.org","roles":{}}',
        b'{"id": "u2", "name": {"first": "A", "last": "B", "first": "C"}, "roles": {}}',
        (b'{"id":"u3","roles":{"contact":{"student_relationships":[{"student":"u1",'
         b'"type":"Parent","type":"Family"}]}}}'),
        b'{"id":"u4","roles":{"student":{"grade":"3","grade":"3"}}}',
        b'{"id":"u5","email":null,"roles":{"student":{"ext":{"n":1e2},"ext":{"m":[1]}}}}',
        b'{"id":"u6","email":null,"name":{"first":"A"},"roles":{"teacher":{"ext":{"n":1e2}}}}',
        b'{ "id" : "u7" , "email" : null, "roles" : {} }',
        b'{"id":"u8","roles":{},"id":"u9"}',
    ]
    (tmp_path / "users.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    fast = rostergraph.load(tmp_path)
    assert isinstance(fast.users, LazyRecords)
    assert _snapshot(fast) == _snapshot(_general(tmp_path, monkeypatch))
    got = [(p.line, p.record_id, p.field, p.raw) for p in fast.problems]
    assert got == [(1, "u1", "email", '"a@x.org"'), (2, "u2", "name.first", '"A"'),
                   (3, "u3", "roles.contact.student_relationships.0.type", '"Parent"'),
                   (4, "u4", "roles.student.grade", '"3"'),
                   (5, "u5", "roles.student.ext", '{"n":100.0}'), (8, "u9", "id", '"u8"')]
    assert all(p.file == "users.jsonl" and p.code == "other" for p in fast.problems)
    assert fast.users["u1"].email == "b@x.org" and fast.users["u2"].name.first == "C"
    assert list(fast.users) == ["u1", "u2", "u3", "u4", "u5", "u6", "u7", "u9"]


def test_keys_given_twice_in_a_json_document(tmp_path: Path) -> None:
    """In a ``.json`` document (an API envelope) each repeat is told at its item's
    index, the key's path from the item; one outside every item is told for the file."""
    (tmp_path / "schools.json").write_bytes(
        b'{"data": [{"data": {"id": "a", "name": "S", "name": "T"}, "uri": "/a"},\n'
        b'{"data": {"id": "b"}, "uri": "/b", "uri": "/b2"}], "links": [], "links": [1]}')
    r = rostergraph.load(tmp_path)
    assert r.schools["a"].name == "T"
    assert [(p.index, p.record_id, p.field, p.raw) for p in r.problems] == [
        (None, None, "links", "[]"), (0, "a", "data.name", '"S"'), (1, "b", "uri", '"/b"')]


def _with_v31_fields(src: Path, dst: Path) -> int:
    """The district at ``src`` copied to ``dst`` with v3.1 fields on every student."""
    dst.mkdir()
    n = 0
    for f in src.iterdir():
        data = f.read_bytes()
        if f.name == "users.jsonl":
            out = []
            for line in data.split(b"\n"):
                if b'"student":{' in line:
                    u = orjson.loads(line)
                    u["roles"]["student"].update(v31_student_fields(n))
                    line = orjson.dumps(u)
                    n += 1
                out.append(line)
            data = b"\n".join(out)
        (dst / f.name).write_bytes(data)
    return n


def test_v31_student_fields_take_the_fast_path(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Students carrying the Clever API v3.1 fields on every line are plain lines: no more
    records take the general path than without the fields, the values are typed fields
    (kept as sent, in Clever's enumerations or not), and the roster is the general
    reader's."""
    plain = write_district(tmp_path / "plain", students=400, seed=5)
    p = tmp_path / "v31"
    assert _with_v31_fields(plain, p) >= 400
    before = rostergraph.load(plain).users.n_built()
    fast = rostergraph.load(p)
    assert isinstance(fast.users, LazyRecords)
    assert fast.users.n_built() == before
    students = [u for u in fast.users.values() if u.roles.student is not None]
    st = students[0].roles.student
    assert (st.gifted_status, st.section_504_status, st.home_language_code,
            st.frl_status) == ("Y", "N", "eng", "Other")
    assert (st.disability.disability_type, st.preferred_name.first) == ("Autism", "P0")
    assert {s.roles.student.gifted_status for s in students} == {"Y", "N", "", "Gifted"}
    assert all(not set(v31_student_fields(0)) & s.roles.student.extra.keys()
               for s in students)
    assert students[1].roles.student.disability.nulls == {"disability_type", "disability_code"}
    assert _snapshot(fast) == _snapshot(_general(p, monkeypatch))
