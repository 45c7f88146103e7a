"""Warm reload: load(..., cache=True) gives the cold roster back and notices any change."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest

import rostergraph
from rostergraph import cache
from rostergraph.fields import FIELDS
from rostergraph.graph import RosterGraph
from rostergraph.synth import write_district

from .snapshot_edit import read_meta, resign, write_meta
from .test_fast_jsonl import _messy, _snapshot

#: strings a column must give back exactly (NUL and newline are the joiners tried first)
AWKWARD = ["", "é", "Zoë Ñandú", "👩‍🏫 teacher", "\U0001f600", "a\x00b", "two\nlines",
           "\x00", "\n", "\n\x00", "x" * 100_000 + "é", " ", "\u2028", "\ufeff", "\\"]


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("ROSTERGRAPH_CACHE_DIR", str(d))
    return d


def _warm(path: Path) -> tuple[rostergraph.Roster, rostergraph.Roster]:
    cold = rostergraph.load(path, cache=True)
    warm = rostergraph.load(path, cache=True)
    assert "from cache" in warm.provenance.notes[-1]
    return cold, warm


def test_warm_equals_cold_jsonl(tmp_path: Path) -> None:
    """A synthetic JSONL district: same records, problems, provenance files and graph."""
    cold, warm = _warm(write_district(tmp_path / "d", students=2000, seed=3))
    assert _snapshot(warm) == _snapshot(cold)


def test_warm_keeps_the_rules_field_columns(tmp_path: Path) -> None:
    """The field columns the rules read (emails, grades, text_suspect...) come back equal,
    but the emails' hashes (Python's, valid in the process that made them) are not
    stored: a warm load's rules hash the emails themselves."""
    hashes = {n for cols in FIELDS.values() for n, t in cols.items() if t == "hash"}

    cold, warm = _warm(write_district(tmp_path / "d", students=2000, seed=3))
    assert "email_hash" in (cold._columns.fields("users", cold.records("users")) or {})
    for kind in ("users", "sections"):
        before = cold._columns.fields(kind, cold.records(kind))
        after = warm._columns.fields(kind, warm.records(kind))
        assert before is not None and after is not None
        assert sorted(set(before) - hashes) == sorted(after)
        for name in after:
            assert before[name].dtype == after[name].dtype
            assert before[name].tolist() == after[name].tolist(), name


def test_warm_equals_cold_with_problem_lines(tmp_path: Path) -> None:
    """Records taken through the general path (bad fields, envelopes) survive the snapshot."""
    d = tmp_path / "d"
    d.mkdir()
    cold, warm = _warm(_messy(d))
    assert cold.problems and _snapshot(warm) == _snapshot(cold)


def test_warm_equals_cold_other_format(tmp_path: Path) -> None:
    """A Clever JSON envelope folder (no JSON Lines) is snapshotted as records."""
    src = tmp_path / "sample"
    shutil.copytree(rostergraph.sample_path(), src)
    cold, warm = _warm(src)
    assert _snapshot(warm) == _snapshot(cold)


def test_changed_source_loads_cold(tmp_path: Path) -> None:
    """Editing, adding or removing a source file invalidates the snapshot."""
    p = write_district(tmp_path / "d", "S", seed=1)
    _warm(p)
    users = p / "users.jsonl"
    data = users.read_bytes()
    st = users.stat()
    users.write_bytes(data.replace(b'"Teacher"', b'"teacher"', 1))  # same size, new bytes
    os.utime(users, ns=(st.st_atime_ns, st.st_mtime_ns))  # and the same time: the hash tells
    again = rostergraph.load(p, cache=True)
    assert "from cache" not in " ".join(again.provenance.notes)
    assert any(u.roles.teacher is not None and u.roles.teacher.title == "teacher"
               for u in again.users.values())
    (p / "terms.jsonl").unlink()
    assert len(rostergraph.load(p, cache=True).terms) == 0


def _corrupt_codes(entry: Path) -> None:
    np.save(entry / "users.fields.email.codes.npy",
            np.full(len(np.load(entry / "users.fields.email.codes.npy")), 1 << 30, np.int32))


def _pickled_array(entry: Path) -> None:
    np.save(entry / "users.ids.text.npy", np.array([{"x": 1}], dtype=object), allow_pickle=True)


@pytest.mark.parametrize("damage", [
    pytest.param(lambda e: (e / "meta.json").write_bytes(b"{not json"), id="meta-json"),
    pytest.param(lambda e: (e / "users.ids.text.npy").write_bytes(
        (e / "users.ids.text.npy").read_bytes()[:-7]), id="truncated-npy"),
    pytest.param(lambda e: (e / "g.enrolled_in.src.npy").unlink(), id="missing-npy"),
    pytest.param(_corrupt_codes, id="codes-out-of-range"),
    pytest.param(lambda e: np.save(e / "users.ids.text.npy", np.frombuffer(b"a\nb", np.uint8)),
                 id="wrong-count"),
    pytest.param(_pickled_array, id="pickled-object-array"),
])
def test_broken_snapshot_loads_cold(tmp_path: Path, _cache_dir: Path, damage: Any) -> None:
    """A truncated, foreign or pickled snapshot is ignored and rewritten, never trusted."""
    p = write_district(tmp_path / "d", "S", seed=2)
    cold, _ = _warm(p)
    for entry in _cache_dir.iterdir():
        damage(entry)
    again = rostergraph.load(p, cache=True)
    assert "from cache" not in " ".join(again.provenance.notes)
    assert _snapshot(again) == _snapshot(cold)
    assert "from cache" in rostergraph.load(p, cache=True).provenance.notes[-1]
    cache.clear_cache()
    assert not _cache_dir.exists()


def test_replaced_kind_rebuilds_graph_from_records(tmp_path: Path) -> None:
    """After roster.replace() of a kind, the stored graph is not used (it would be stale)."""
    p = write_district(tmp_path / "d", "S", seed=5)
    _, warm = _warm(p)
    some = next(iter(warm.sections))
    fewer = warm.replace(sections={k: v for k, v in warm.sections.items() if k != some})
    g = rostergraph.RosterGraph.from_roster(fewer)
    assert g.n_records("section") == len(warm.sections) - 1
    same = warm.replace(problems=[])
    assert _snapshot(same)[0] == _snapshot(warm)[0]


def test_other_limits_use_another_snapshot(tmp_path: Path) -> None:
    """A snapshot taken under default limits is not reused under other limits."""
    from rostergraph.io.limits import Limits

    p = write_district(tmp_path / "d", "S", seed=6)
    _warm(p)
    tight = rostergraph.load(p, cache=True, limits=Limits(max_line_bytes=200))
    assert "from cache" not in " ".join(tight.provenance.notes)
    assert any(pr.code == "limit" for pr in tight.problems)
    again = rostergraph.load(p, cache=True, limits=Limits(max_line_bytes=200))
    assert "from cache" in again.provenance.notes[-1]
    assert [pr.code for pr in again.problems] == [pr.code for pr in tight.problems]


def _awkward_district(tmp_path: Path) -> Path:
    """A small JSONL district whose emails and section names are the awkward strings."""
    p = write_district(tmp_path / "d", students=300, seed=7)
    for name, field in (("users.jsonl", "email"), ("sections.jsonl", "name")):
        lines = (p / name).read_bytes().splitlines()
        out = []
        for i, line in enumerate(lines):
            obj = orjson.loads(line)
            if i < 3 * len(AWKWARD):
                k = i % (len(AWKWARD) + 1)
                if k == len(AWKWARD):
                    obj.pop(field, None)
                else:
                    obj[field] = AWKWARD[k]
            out.append(orjson.dumps(obj))
        (p / name).write_bytes(b"\n".join(out) + b"\n")
    return p


def test_warm_field_columns_with_awkward_strings(tmp_path: Path) -> None:
    """Field columns holding "", None, NUL, newlines, astral and long strings: warm == cold,
    through the rules' own accessor too, and validation finds the same."""
    from rostergraph.rules._util import field_column

    from .field_oracle import FIELD_GETTERS

    cold, warm = _warm(_awkward_district(tmp_path))
    assert _snapshot(warm) == _snapshot(cold)
    g_cold, g_warm = RosterGraph.from_roster(cold), RosterGraph.from_roster(warm)
    seen = set()
    for kind in ("users", "sections"):
        for name in (*FIELD_GETTERS[kind], "text_suspect"):
            a, b = field_column(g_cold, kind, name), field_column(g_warm, kind, name)
            assert a.dtype == b.dtype
            assert [(type(v), v) for v in b.tolist()] == [(type(v), v) for v in a.tolist()]
            seen.update(v for v in a.tolist() if isinstance(v, str))
    assert {"", "a\x00b", "two\nlines", "\U0001f600"} <= seen
    found = rostergraph.validate(cold).findings
    assert found and rostergraph.validate(warm).findings == found


def test_warm_field_columns_are_built_on_first_use(tmp_path: Path) -> None:
    """A warm load decodes no string field column until one is read (bool ones are arrays)."""
    cold, warm = _warm(write_district(tmp_path / "d", students=300, seed=8))
    fields = warm._columns.fields("users", warm.records("users"))
    assert fields is not None
    assert list(fields) == [n for n in cold._columns.fields("users", cold.records("users")) or ()
                            if n != "email_hash"]  # (this process's hashes: not stored)
    assert fields.pending() and "email" in fields.pending() and fields.get("nope") is None
    email = fields["email"]
    assert "email" not in fields.pending() and fields["email"] is email
    assert isinstance(fields["text_suspect"], np.ndarray)


def test_old_schema_snapshot_loads_cold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A snapshot written under an older schema is not read: the load is cold and rewrites it."""
    p = write_district(tmp_path / "d", "S", seed=4)
    with monkeypatch.context() as m:
        m.setattr(cache, "SCHEMA", cache.SCHEMA - 1)
        _warm(p)  # both loads under the old schema: the snapshot holds it
    again = rostergraph.load(p, cache=True)
    assert "from cache" not in " ".join(again.provenance.notes)
    assert "from cache" in rostergraph.load(p, cache=True).provenance.notes[-1]


def test_cold_cached_load_builds_the_graph_once(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """load(cache=True) then from_roster sorts the CSR once (the snapshot's graph is reused),
    and that graph equals one built from a load without cache."""
    p = write_district(tmp_path / "d", students=500, seed=9)
    builds: list[int] = []
    real = RosterGraph._from_columns.__func__  # type: ignore[attr-defined]

    def counting(cls: type, roster: rostergraph.Roster, cols: Any) -> RosterGraph:
        builds.append(1)
        return real(cls, roster, cols)

    monkeypatch.setattr(RosterGraph, "_from_columns", classmethod(counting))
    cold = rostergraph.load(p, cache=True)
    assert "from cache" not in " ".join(cold.provenance.notes)
    RosterGraph.from_roster(cold)
    assert len(builds) == 1
    assert _snapshot(cold)[0] == _snapshot(rostergraph.load(p))[0]
    assert len(builds) == 2  # only the uncached load built again


def test_save_cache_leaves_the_roster_as_it_was(tmp_path: Path) -> None:
    """save_cache writes a snapshot a warm load reads, and changes nothing in the roster it
    is given (with or without a graph handed over): a from_roster after it builds anew."""
    p = write_district(tmp_path / "d", "S", seed=12)
    roster = rostergraph.load(p)
    before = roster._columns.copy()._kinds
    cache.save_cache(p, "clever-jsonl", False, roster)
    cache.save_cache(p, "clever-jsonl", False, roster, graph=RosterGraph.from_roster(roster))
    assert roster._columns.stored_graph(roster.records_by_kind()) is None
    assert roster._columns._kinds == before
    warm = cache.load_cached(p, "clever-jsonl", False)
    assert warm is not None and _snapshot(warm) == _snapshot(roster)


def test_unstorable_graph_column_only_costs_the_snapshot(tmp_path: Path, _cache_dir: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """An edge attribute that is not str/None is never pickled: no snapshot, the load works."""
    p = write_district(tmp_path / "d", "S", seed=10)
    real = RosterGraph.to_arrays

    def odd(g: Any) -> Any:
        arrays, strings = real(g)
        strings["contact_for.attr.relationship"] = [1.5]
        return arrays, strings

    monkeypatch.setattr(RosterGraph, "to_arrays", odd)
    cold = rostergraph.load(p, cache=True)
    assert len(cold.users) and not any(e.is_dir() for e in _cache_dir.iterdir())
    assert "from cache" not in " ".join(rostergraph.load(p, cache=True).provenance.notes)


def _edit_meta(change: Any) -> Any:
    """A damage that edits meta.json in place through ``change(meta)``."""
    def damage(entry: Path) -> None:
        meta = read_meta(entry)
        change(meta)
        write_meta(entry, meta)
    return damage


def _zip_as_npy(entry: Path) -> None:
    """The same array, but inside a zip (an .npz) written under the .npy name."""
    arr = np.load(entry / "users.ids.text.npy", allow_pickle=False)
    with open(entry / "users.ids.text.npy", "wb") as fh:
        np.savez(fh, arr)


def _short_starts(entry: Path) -> None:
    arr = np.load(entry / "users.starts.npy", allow_pickle=False)
    np.save(entry / "users.starts.npy", arr[1:])


def _email_as_booleans(entry: Path) -> None:
    """The users' text column email stored as a column of booleans."""
    n = read_meta(entry)["fields"]["columns"][
        "users.fields.email"]["n"]
    np.save(entry / "users.fields.email.npy", np.zeros(n, dtype=bool))
    _edit_meta(lambda m: m["arrays"].append("users.fields.email"))(entry)


def _email_stored_as(name: str) -> Any:
    """A damage storing the users' email text column under field ``name`` too."""
    def damage(entry: Path) -> None:
        parts = [p.name[len("users.fields.email."): -4]
                 for p in entry.glob("users.fields.email.*.npy")]
        for part in parts:
            (entry / f"users.fields.{name}.{part}.npy").write_bytes(
                (entry / f"users.fields.email.{part}.npy").read_bytes())
        (entry / f"users.fields.{name}.npy").unlink(missing_ok=True)

        def change(m: dict[str, Any]) -> None:
            m["arrays"] = [a for a in m["arrays"] if a != f"users.fields.{name}"] + [
                f"users.fields.{name}.{part}" for part in parts]
            cols = m["fields"]["columns"]
            cols[f"users.fields.{name}"] = cols["users.fields.email"]
            if name not in m["fields"]["fields"]["users"]:
                m["fields"]["fields"]["users"].append(name)
        _edit_meta(change)(entry)
    return damage


@pytest.mark.timeout(30, method="thread")  # (a read stuck in C ignores the signal)
@pytest.mark.parametrize("damage", [
    pytest.param(lambda e: (e / "meta.json").write_bytes(b"[]"), id="meta-is-a-list"),
    pytest.param(_edit_meta(lambda m: m["kinds"]["users"].update(ready=[])),
                 id="ready-is-a-list"),
    pytest.param(_edit_meta(lambda m: m.pop("provenance")), id="no-provenance"),
    pytest.param(_zip_as_npy, id="zip-under-npy-name"),
    pytest.param(_edit_meta(lambda m: m["arrays"].remove("g.enrolled_in.src")),
                 id="graph-array-not-listed"),
    pytest.param(_short_starts, id="short-starts"),
    pytest.param(_edit_meta(lambda m: m["kinds"]["users"].update(text="/dev/zero")),
                 id="text-is-dev-zero"),
    pytest.param(_edit_meta(lambda m: m["problems"].append(
        {"code": 5, "message": "m", "file": ["x"], "line": "7", "index": None, "kind": None,
         "record_id": None, "field": None, "raw": None})), id="problem-of-other-types"),
    pytest.param(_edit_meta(lambda m: m["provenance"].update(notes="abc")),
                 id="notes-a-string"),
    pytest.param(_edit_meta(lambda m: m["provenance"].update(files=["abcd"])),
                 id="files-not-lists"),
    pytest.param(_email_as_booleans, id="text-field-as-booleans"),
    pytest.param(_email_stored_as("name_only_last"), id="bool-field-as-text"),
    pytest.param(_email_stored_as("email_hash"), id="hash-field-as-text"),
])
def test_hostile_snapshot_loads_cold(tmp_path: Path, _cache_dir: Path, damage: Any) -> None:
    """A snapshot with parts of the wrong shape or type, or naming a file outside the sources,
    never raises, hangs or loads warm: the load is cold, equal to one without the cache, and
    it rewrites the snapshot."""
    p = write_district(tmp_path / "d", "S", seed=11)
    _warm(p)
    (entry,) = [e for e in _cache_dir.iterdir() if e.is_dir()]
    damage(entry)
    if (entry / "meta.json").read_bytes() != b"[]":  # (the checksums fit the damage)
        resign(entry)
    again = rostergraph.load(p, cache=True)
    assert "from cache" not in " ".join(again.provenance.notes)
    assert _snapshot(again) == _snapshot(rostergraph.load(p))
    warm = rostergraph.load(p, cache=True)
    assert "from cache" in warm.provenance.notes[-1]
    assert _snapshot(warm) == _snapshot(again)


def test_snapshot_whose_ready_record_names_another_id_loads_cold(tmp_path: Path,
                                                                 _cache_dir: Path) -> None:
    """A record kept whole in the snapshot (a line the general path read) whose id is not
    the id of its row is never handed out under that row's id: the load is cold."""
    d = tmp_path / "d"
    d.mkdir()
    p = _messy(d)
    _warm(p)
    (entry,) = [e for e in _cache_dir.iterdir() if e.is_dir()]
    meta = read_meta(entry)
    kind = next(k for k, v in meta["kinds"].items() if v["ready"])
    next(iter(meta["kinds"][kind]["ready"].values()))["id"] = "someone-else"
    write_meta(entry, meta)
    again = rostergraph.load(p, cache=True)
    assert "from cache" not in " ".join(again.provenance.notes)
    assert all(k == r.id for k, r in again.records(kind).items())
    assert _snapshot(again) == _snapshot(rostergraph.load(p))


def test_warm_load_reads_record_text_only_when_a_record_is_needed(tmp_path: Path) -> None:
    """A warm load and a graph built from it never read the users' text; the first record
    read does, once, and a file saved again from that roster points at the same source."""
    d = write_district(tmp_path / "d", students=300, seed=5)
    cold = rostergraph.load(d, cache=True)
    warm = rostergraph.load(d, cache=True)
    users = warm.records("users")
    assert isinstance(users._text, rostergraph.lazy.DeferredText)
    g = RosterGraph.from_roster(warm)
    assert g.summary_text() == RosterGraph.from_roster(cold).summary_text()
    assert isinstance(users._text, rostergraph.lazy.DeferredText)  # still not read
    first = next(iter(cold.users))
    assert warm.users[first] == cold.users[first]
    assert isinstance(users._text, bytes) and len(users._text) == (d / "users.jsonl").stat().st_size


def test_source_changed_after_a_warm_load_is_an_error_naming_the_file(tmp_path: Path) -> None:
    """Rewriting a source after a warm load makes the first record read fail with a
    SourceError naming that file, never give records of the new content at old positions."""
    d = write_district(tmp_path / "d", students=300, seed=5)
    rostergraph.load(d, cache=True)
    warm = rostergraph.load(d, cache=True)
    path = d / "users.jsonl"
    text = path.read_bytes()
    path.write_bytes(text.replace(b'"', b" ", 4).replace(b" ", b'"', 4))  # same size, new ctime
    first = next(iter(warm.users))
    with pytest.raises(rostergraph.SourceError, match="users.jsonl"):
        warm.users[first]


def test_validate_on_a_warm_roster_equals_cold_before_any_record_is_read(tmp_path: Path) -> None:
    """The rules read unbuilt records' text (string rules) from a warm roster whose text is
    not read yet: the findings equal the cold roster's, at high quirk rates."""
    d = write_district(tmp_path / "d", students=400, seed=7, quirks="high")
    cold = rostergraph.load(d, cache=True)
    warm = rostergraph.load(d, cache=True)
    assert isinstance(warm.records("users")._text, rostergraph.lazy.DeferredText)
    got, want = rostergraph.validate(warm), rostergraph.validate(cold)
    assert len(want.findings) > 0
    assert got.findings == want.findings


_ORGS_CTL = ("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId,zz\n"
             "D1,,,District,district,,,\x05\nS1,,,North,school,,D1,\x06\n")
_COURSES_CTL = ("sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,"
                "orgSourcedId,subjects,subjectCodes\nK1,,,,Math,M1,\x01,D1,,\n")
_USERS_CTL = ("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,"
              "givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,"
              "grades,password\nU1,,,true,S1,student,,,Bo,Kim,,,,\x03,,,05,\n")
_CLASSES = ("sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,"
            "location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\n"
            "C1,,,Math,05,K1,,scheduled,,S1,,,,\n")


def test_warm_oneroster_load_keeps_string_findings_in_extra(tmp_path: Path) -> None:
    """Control characters in OneRoster columns kept in ``extra`` (an org's unknown column,
    a course's ``grades``, a user's ``sms``) are RG-STR-002 findings on the warm load as on
    the cold one (on a larger generated bundle the warm load missed those of districts,
    schools and courses; on this one it misses all four)."""
    d = tmp_path / "or"
    d.mkdir()
    for name, text in (("orgs.csv", _ORGS_CTL), ("courses.csv", _COURSES_CTL),
                       ("users.csv", _USERS_CTL), ("classes.csv", _CLASSES)):
        (d / name).write_text(text, encoding="utf-8", newline="")
    cold, warm = _warm(d)

    def str002(roster: rostergraph.Roster) -> list[tuple[str, ...]]:
        return sorted(f.ids for f in rostergraph.validate(roster, select="RG-STR-002").findings)

    assert str002(cold) == [("D1",), ("K1",), ("S1",), ("U1",)]
    assert str002(warm) == str002(cold)


def test_warm_sftp_load_keeps_string_findings_in_extra(tmp_path: Path) -> None:
    """Control characters in SFTP columns kept in ``extra`` (an unknown ``schools.csv``
    column, ``Course_description``) are RG-STR-002 findings on the warm load as on the
    cold one."""
    d = tmp_path / "sftp"
    d.mkdir()
    files = {"schools.csv": "School_id,School_name,Zz\nsA,Alpha,\x05\n",
             "students.csv": "Student_id,School_id,First_name,Last_name\nst1,sA,Ann,Lee\n",
             "teachers.csv": "Teacher_id,School_id,First_name,Last_name\nt1,sA,Tia,One\n",
             "sections.csv": "Section_id,School_id,Teacher_id,Name,Course_name,Course_number,"
                             "Course_description\nse1,sA,t1,Math,Math,M1,de\x03sc\n",
             "enrollments.csv": "School_id,Section_id,Student_id\nsA,se1,st1\n"}
    for name, text in files.items():
        (d / name).write_text(text, encoding="utf-8", newline="")
    cold, warm = _warm(d)

    def str002(roster: rostergraph.Roster) -> list[str]:
        return sorted(f.kind for f in rostergraph.validate(roster, select="RG-STR-002").findings)

    assert str002(cold) == ["course", "school"]
    assert str002(warm) == str002(cold)
