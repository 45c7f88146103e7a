"""The fast JSON Lines reader against the general reader on lines and limits that tell
them apart: the records, the problems (which, in what order, past ``Limits.max_problems``)
and the errors must be the same.

- A key given twice in one object whose first value is ``null``: writing the struct back
  leaves a ``"key":null`` member out for the same bytes as a plain null, so the repeat
  must be looked for.
- An ``ext`` map nesting past ``Limits.max_json_depth`` is a ``limit`` problem however
  the key ``ext`` is spelled (``"\\u0065xt"`` is the same key once decoded).
- ``Limits.max_lines`` counts a last line without a newline.
- Past ``Limits.max_problems`` the first problems in the general reader's order are kept
  (kinds in their order, duplicates among broken lines by line, the "ignored file"
  problems first and within the cap).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import rostergraph
from rostergraph.errors import LimitError
from rostergraph.io import fast_jsonl
from rostergraph.io.limits import Limits
from rostergraph.lazy import LazyRecords


@pytest.mark.parametrize("kind,line", [
    ("terms", b'{"id":"t1","name":null,"name":"Fall"}'),
    ("terms", b'{"id":"t1","name":null,"name":null}'),
    ("users", b'{"id":"t1","name":{"first":null,"first":"A"},"roles":{}}'),
])
def test_repeated_key_after_a_null_is_a_problem_both_ways(
        tmp_path: Path, kind: str, line: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / f"{kind}.jsonl").write_bytes(b'{"id":"t0"}\n' + line + b'\n{"id":"t2"}\n')
    fast = rostergraph.load(tmp_path)
    with monkeypatch.context() as m:
        m.setattr(fast_jsonl, "read_fast", lambda *a, **k: None)
        general = rostergraph.load(tmp_path)
    want = [(p.code, p.line, p.record_id, p.field, p.raw) for p in general.problems]
    assert want and want[0][:2] == ("other", 2)
    assert [(p.code, p.line, p.record_id, p.field, p.raw) for p in fast.problems] == want
    assert list(fast.records(kind).items()) == list(general.records(kind).items())


@pytest.mark.parametrize("key", [b'"ext"', b'"\\u0065xt"', b'"e\\u0078t"'])
def test_deep_ext_map_is_a_limit_problem_on_both_paths(
        tmp_path: Path, key: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    deep = b"[" * 80 + b"]" * 80  # 80 levels: over the default max_json_depth (64)
    (tmp_path / "schools.jsonl").write_bytes(
        b'{"id": "s0"}\n{"id": "s1", ' + key + b': {"a": ' + deep + b'}}\n{"id": "s2"}\n')
    fast = rostergraph.load(tmp_path)
    with monkeypatch.context() as m:
        m.setattr(fast_jsonl, "read_fast", lambda *a, **k: None)
        general = rostergraph.load(tmp_path)
    assert [p.code for p in general.problems] == ["limit"]
    assert list(general.schools) == ["s0", "s2"]
    assert [(p.code, p.line) for p in fast.problems] == [("limit", 2)]
    assert list(fast.schools) == list(general.schools)


@pytest.mark.parametrize("line", [
    b'{"id": "u1", "ext": {"a": ' + b"[" * 80 + b"]" * 80 + b'}}',   # a key users do not have
    b'{"id": "u1", "\\u0065xt": {"a": 1}}',                          # the same, escaped
    b'{"id": "u1", "name": {"first": "ext", "last": "\\"ext\\""}}',  # "ext" as a value
    b'{"id": "u1", "roles": {"student": {"ext": {"b": 1}}}}',         # a role's ext map
    b'{"id": "u1", "roles": {"student": {"ext": {"a": ' + b"[" * 80 + b"]" * 80 + b'}}}}',
    b'{"id": "u1", "roles": {"teacher": {"\\u0065xt": {"a": ' + b"[" * 80 + b"]" * 80
    + b'}}}}',
])
def test_users_lines_naming_ext_read_as_the_general_reader_reads_them(
        tmp_path: Path, line: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    """A user's own ``ext`` key (any spelling) is read as any unknown key is, a role's
    ``ext`` map nesting past ``Limits.max_json_depth`` (any spelling) is a ``limit``
    problem, and ``"ext"`` as a value is plain text, on both paths."""
    (tmp_path / "users.jsonl").write_bytes(b'{"id": "u0"}\n' + line + b'\n{"id": "u2"}\n')
    fast, general = _both(tmp_path, Limits(), monkeypatch)
    assert _problems(fast) == _problems(general)
    assert list(fast.users.items()) == list(general.users.items())
    assert list(fast.users) == ["u0", "u1", "u2"] or any(p.code == "limit"
                                                         for p in general.problems)


def test_unterminated_line_past_max_lines_is_a_limit_error_both_ways(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "users.jsonl").write_bytes(b'{"id": "a"}\n{"id": "b"}\n{"id": "c"}\n{"id": "d"}')
    limits = Limits(max_lines=3)
    with monkeypatch.context() as m:
        m.setattr(fast_jsonl, "read_fast", lambda *a, **k: None)
        with pytest.raises(LimitError) as general:
            rostergraph.load(tmp_path, limits=limits)
    with pytest.raises(LimitError) as fast:
        rostergraph.load(tmp_path, limits=limits)
    assert str(fast.value) == str(general.value)


def _problems(r: rostergraph.Roster) -> list[tuple[object, ...]]:
    return [(p.code, p.message, p.file, p.line, p.kind, p.record_id, p.raw)
            for p in r.problems]


def _both(path: Path, limits: Limits, monkeypatch: pytest.MonkeyPatch
          ) -> tuple[rostergraph.Roster, rostergraph.Roster]:
    fast = rostergraph.load(path, limits=limits)
    assert isinstance(fast.users, LazyRecords)  # the fast path did read it
    with monkeypatch.context() as m:
        m.setattr(fast_jsonl, "read_fast", lambda *a, **k: None)
        general = rostergraph.load(path, limits=limits)
    assert not isinstance(general.users, LazyRecords)  # the general path did read it
    return fast, general


def test_long_string_in_a_role_ext_map_is_found_on_both_paths(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A string over 255 characters in a role's ``ext`` map (no length bound there) is an
    RG-STR-001 finding after the fast reader too."""
    line = b'{"id": "u1", "roles": {"teacher": {"ext": {"a": "' + b"x" * 300 + b'"}}}}'
    (tmp_path / "users.jsonl").write_bytes(b'{"id": "u0"}\n' + line + b'\n')
    fast, general = _both(tmp_path, Limits(), monkeypatch)
    want = [(f.rule, f.ids) for f in rostergraph.validate(general).findings]
    assert ("RG-STR-001", ("u1",)) in want
    assert [(f.rule, f.ids) for f in rostergraph.validate(fast).findings] == want


def test_capped_problems_are_those_of_the_general_reader_across_kinds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The input of test_concurrency's max_problems test: the general reader keeps the
    sections' problems before the users' (KINDS order); the fast reader kept the users'."""
    for kind in ("users", "sections", "schools"):
        (tmp_path / f"{kind}.jsonl").write_bytes(b"{}\n" * 400 + b'{"id": "ok"}\n')
    fast, general = _both(tmp_path, Limits(max_problems=500), monkeypatch)
    assert _problems(fast) == _problems(general)


def test_capped_problems_keep_an_early_duplicate_before_later_bad_lines(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A plain duplicate on line 2 comes before the broken lines 4-6 in the general
    reader's list; the fast reader noted the broken lines first and dropped it."""
    (tmp_path / "users.jsonl").write_bytes(
        b'{"id": "u1"}\n{"id": "u1"}\n{"id": "u2"}\n{bad 1\n{bad 2\n{bad 3\n')
    fast, general = _both(tmp_path, Limits(max_problems=2), monkeypatch)
    assert _problems(fast) == _problems(general)


def test_ignored_file_problems_count_towards_the_cap(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``users.ndjson`` beside ``users.jsonl``: its "ignored" problem is one of the
    ``max_problems`` kept; the fast reader added it past the cap (3 problems kept of 2)."""
    text = b'{"id": "u1"}\n{bad 1\n{bad 2\n'
    (tmp_path / "users.jsonl").write_bytes(text)
    (tmp_path / "users.ndjson").write_bytes(text)
    fast, general = _both(tmp_path, Limits(max_problems=2), monkeypatch)
    assert _problems(fast) == _problems(general)


def test_ids_shared_by_plain_and_slow_lines_both_ways(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An id on a plain line and on a line the general reader takes (a wrongly typed
    field, an array of records), in either order: the record on the earlier line is kept
    and the later one is a duplicate, with the same records, order and problems."""
    (tmp_path / "terms.jsonl").write_bytes(
        b'{"id": "a", "name": "plain first"}\n'
        b'{"id": "a", "name": 5}\n'                        # slow, after its plain twin
        b'{"id": "b", "name": 6}\n'                        # slow, before its plain twin
        b'{"id": "b", "name": "plain later"}\n'
        b'[{"id": "c", "name": "x"}, {"id": "d", "name": 7}]\n'  # two records, one line
        b'{"id": "d", "name": "plain after the array"}\n'
        b'{"id": "e", "name": "plain"}\n'
        b'[{"id": "e", "name": "in an array after"}]\n')
    (tmp_path / "users.jsonl").write_bytes(b'{"id": "u1"}\n')
    fast, general = _both(tmp_path, Limits(), monkeypatch)
    assert isinstance(fast.terms, LazyRecords)
    assert list(fast.terms) == list(general.terms) == ["a", "b", "c", "d", "e"]
    assert [fast.terms[k] for k in fast.terms] == [general.terms[k] for k in general.terms]
    assert fast.terms["a"].name == "plain first" and fast.terms["b"].extra
    assert _problems(fast) == _problems(general)
    assert [p.line for p in fast.problems if p.code == "duplicate_id"] == [2, 4, 6, 8]


def _fast_and_general(path: Path, monkeypatch: pytest.MonkeyPatch, limits: Limits
                      ) -> tuple[rostergraph.Roster, rostergraph.Roster]:
    fast = rostergraph.load(path, limits=limits)
    # (the fast path did read it: its records are built on access)
    assert any(isinstance(fast.records(k), LazyRecords) for k in ("sections", "users"))
    with monkeypatch.context() as m:
        m.setattr(fast_jsonl, "read_fast", lambda *a, **k: None)
        general = rostergraph.load(path, limits=limits)
    return fast, general


def _told(r: rostergraph.Roster) -> list[tuple[object, ...]]:
    return [(p.code, p.file, p.line, p.message) for p in r.problems]


_PAGE = b'{"data":[],"links":[{"rel":"next","uri":"/v3.0/users?starting_after=u1"}]}'
_LONG = b'{"id":"u2","x":"' + b"p" * 300 + b'"}'

#: Folders whose problems the general reader notes about the folder rather than a line
#: (before reading any file, or after reading them all), beside a broken line.
_FOLDERS: dict[str, tuple[dict[str, bytes], dict[str, int]]] = {
    # sections of an older API version beside v3 files: told first
    "legacy": ({"sections.jsonl": b'{"id":"s1","course_name":"Art"}\n{not json\n'}, {}),
    # a login page saved as a resource file: told first
    "html": ({"terms.jsonl": b"<!DOCTYPE html><html><body>login</body></html>\n",
              "users.jsonl": b"{not json\n"}, {}),
    # a resource saved without a suffix: told first
    "unsuffixed": ({"terms": b"", "users.jsonl": b"{not json\n"}, {}),
    # a list page linking to a next one: told last, within the cap
    "cut list past the cap": ({"users.jsonl": b"{not json\n" + _PAGE + b"\n"},
                              {"max_problems": 1}),
    # a folder note and the note of problems past the cap: the folder's first
    "notes past the cap": ({"other.json": b"{}\n", "users.jsonl": b"{bad 1\n{bad 2\n"},
                           {"max_problems": 1}),
    # the page is the last line read: the longer line after it is told and skipped
    "page before a long line": ({"users.jsonl": b'{"id":"u1"}\n' + _PAGE + b"\n" + _LONG
                                 + b"\n"}, {"max_line_bytes": 200}),
    # a page longer than the limit is no page read
    "long page last": ({"users.jsonl": b'{"id":"u1"}\n{"data":[' + _LONG + b'],"links":'
                        b'[{"rel":"next","uri":"/v3.0/users?starting_after=u2"}]}\n'},
                       {"max_line_bytes": 200}),
}


@pytest.mark.parametrize("name", list(_FOLDERS))
def test_folder_problems_and_notes_in_the_general_readers_order(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    files, limits = _FOLDERS[name]
    for file, data in files.items():
        (tmp_path / file).write_bytes(data)
    fast, general = _fast_and_general(tmp_path, monkeypatch, Limits(**limits))
    assert _told(general)  # (every folder here has something to tell)
    assert _told(fast) == _told(general)
    assert fast.provenance.notes == general.provenance.notes
    assert list(fast.users) == list(general.users)
    for raised in (fast_jsonl.read_fast, lambda *a, **k: None):  # strict: the same first one
        with monkeypatch.context() as m, pytest.raises(rostergraph.RosterError) as err:
            m.setattr(fast_jsonl, "read_fast", raised)
            rostergraph.load(tmp_path, limits=Limits(**limits), strict=True)
        assert str(err.value).endswith(general.problems[0].message) or (
            general.problems[0].message in str(err.value))
