"""Clever v3.0 JSON reader: file shapes, problems with locations, strict mode."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import orjson
import pytest

import rostergraph
from rostergraph.errors import FormatError, SourceError
from rostergraph.io import fast_jsonl
from rostergraph.io.clever_json import read_clever_json
from rostergraph.io.credentials import UNREADABLE_WITH_CREDENTIAL
from rostergraph.io.limits import Limits

SECTIONS = [
    {"id": "s1", "school": "sc1", "teacher": "t1", "teachers": ["t1"], "students": ["u1"]},
    {"id": "s2", "school": "sc1", "teacher": "t1", "teachers": ["t1"], "students": ["u1", "u2"],
     "name": "Zoë’s \u00e9t\u00e9 class"},
]


def _envelope(kind: str, records: list[dict]) -> dict:
    return {"data": [{"data": r, "uri": f"/v3.0/{kind}/{r['id']}"} for r in records],
            "links": [{"rel": "self", "uri": f"/v3.0/{kind}"}]}


def _write(path: Path, data: bytes, gz: bool = False) -> None:
    path.write_bytes(gzip.compress(data) if gz else data)


@pytest.mark.parametrize("shape", ["envelope", "array", "jsonl", "jsonl-envelope-items",
                                   "jsonl-gz", "envelope-gz-no-suffix", "ndjson"])
def test_every_file_shape_reads_the_same_records(tmp_path: Path, shape: str) -> None:
    """Envelope, array, JSON Lines (records or envelope items), gzip: same records."""
    if shape == "envelope":
        _write(tmp_path / "sections.json", orjson.dumps(_envelope("sections", SECTIONS)))
    elif shape == "array":
        _write(tmp_path / "sections.json", orjson.dumps(SECTIONS))
    elif shape == "jsonl":
        _write(tmp_path / "sections.jsonl", b"\n".join(orjson.dumps(r) for r in SECTIONS))
    elif shape == "jsonl-envelope-items":
        items = _envelope("sections", SECTIONS)["data"]
        _write(tmp_path / "sections.jsonl", b"\n".join(orjson.dumps(i) for i in items) + b"\n")
    elif shape == "jsonl-gz":
        _write(tmp_path / "sections.jsonl.gz", b"\n".join(orjson.dumps(r) for r in SECTIONS),
               gz=True)
    elif shape == "envelope-gz-no-suffix":
        _write(tmp_path / "sections.json", orjson.dumps(_envelope("sections", SECTIONS)), gz=True)
    elif shape == "ndjson":
        _write(tmp_path / "sections.ndjson", b"\n".join(orjson.dumps(r) for r in SECTIONS))
    r = rostergraph.load(tmp_path)
    assert r.problems == []
    assert list(r.sections) == ["s1", "s2"]
    assert r.sections["s2"].name == SECTIONS[1]["name"]  # kept byte-exact
    assert r.sections["s2"].students == ("u1", "u2")
    assert r.counts()["users"] == 0  # absent files are fine


def test_single_record_envelope_and_district_alias(tmp_path: Path) -> None:
    """`district.json` holding a single-record envelope reads as one district."""
    _write(tmp_path / "district.json", orjson.dumps({"data": {"id": "d1", "name": "D"},
                                                     "links": []}))
    assert list(rostergraph.load(tmp_path).districts) == ["d1"]


def test_jsonl_under_json_name_is_detected(tmp_path: Path) -> None:
    """A .json file that holds JSON Lines is read line by line."""
    _write(tmp_path / "sections.json", b"\n".join(orjson.dumps(r) for r in SECTIONS))
    r = rostergraph.load(tmp_path)
    assert len(r.sections) == 2 and r.problems == []


def test_bad_field_is_kept_with_problem(tmp_path: Path) -> None:
    """A wrongly typed field keeps the record; the value goes to extra and a problem names it."""
    rec = {"id": "s1", "school": 12, "students": ["u1", 5], "teachers": ["t1"]}
    _write(tmp_path / "sections.jsonl", orjson.dumps(rec) + b"\n")
    r = rostergraph.load(tmp_path)
    sec = r.sections["s1"]
    assert sec.school is None and sec.extra["school"] == 12 and sec.extra["students"] == ["u1", 5]
    fields = sorted(p.field for p in r.problems)
    assert fields == ["school", "students"]
    assert all(p.code == "bad_field" and p.line == 1 and p.record_id == "s1" for p in r.problems)


def test_record_without_id_and_non_object_are_listed_with_raw_text(tmp_path: Path) -> None:
    """No id / not an object: the record is listed in problems with its raw text and line."""
    lines = [orjson.dumps(SECTIONS[0]), b'{"school": "sc1"}', b"[1, 2]", b'{"id": 7}',
             b'{"id": ["s2"]}']
    _write(tmp_path / "sections.jsonl", b"\n".join(lines))
    r = rostergraph.load(tmp_path)
    assert list(r.sections) == ["s1"]
    got = [(p.code, p.line, p.raw) for p in r.problems]
    assert got == [("no_id", 2, '{"school": "sc1"}'), ("not_object", 3, "[1, 2]"),
                   ("no_id", 4, '{"id": 7}'), ("no_id", 5, '{"id": ["s2"]}')]
    assert "'id' is a number" in r.problems[2].message
    assert "'id' is an array" in r.problems[3].message


def test_duplicate_id_keeps_first_and_reports(tmp_path: Path) -> None:
    """A second record with a seen id is a problem, not a silent overwrite."""
    a = dict(SECTIONS[0], name="first")
    b = dict(SECTIONS[0], name="second")
    _write(tmp_path / "sections.json", orjson.dumps(_envelope("sections", [a, b])))
    r = rostergraph.load(tmp_path)
    assert r.sections["s1"].name == "first"
    [p] = r.problems
    assert (p.code, p.index, p.record_id) == ("duplicate_id", 1, "s1")
    assert '"second"' in p.raw


def test_truncated_jsonl_reports_the_right_line(tmp_path: Path) -> None:
    """A file cut off mid-record loses only that record, reported at its line."""
    body = b"\n".join(orjson.dumps(r) for r in SECTIONS * 3)
    body = b"\n".join(orjson.dumps(dict(r, id=f"s{i}")) for i, r in enumerate(SECTIONS * 3))
    cut = body[: len(body) - 15]
    _write(tmp_path / "sections.jsonl", cut)
    r = rostergraph.load(tmp_path)
    assert len(r.sections) == 5
    [p] = r.problems
    assert p.code == "syntax" and p.line == 6 and p.file == "sections.jsonl"


def test_strict_mode_raises_on_first_problem(tmp_path: Path) -> None:
    """strict=True raises FormatError with file, line and field."""
    _write(tmp_path / "sections.jsonl", orjson.dumps(SECTIONS[0]) + b"\n" +
           orjson.dumps({"id": "s9", "school": 1}))
    with pytest.raises(FormatError) as exc:
        rostergraph.load(tmp_path, strict=True)
    assert (exc.value.path, exc.value.line, exc.value.field) == ("sections.jsonl", 2, "school")
    assert "sections.jsonl:2" in str(exc.value)


def test_strict_error_of_an_array_item_names_its_position(tmp_path: Path) -> None:
    """strict=True on a JSON array whose third record has no usable id: the error names the
    item's position (a record without an id has nothing else to find it by)."""
    _write(tmp_path / "sections.json", orjson.dumps(
        {"data": [{"data": SECTIONS[0]}, {"data": SECTIONS[1]}, {"data": {"id": 7}}]}))
    lax = rostergraph.load(tmp_path)
    [p] = [p for p in lax.problems if p.code == "no_id"]
    assert p.index == 2 and p.line is None
    with pytest.raises(FormatError) as exc:
        rostergraph.load(tmp_path, strict=True)
    assert "sections.json" in str(exc.value) and "item 2" in str(exc.value)


def test_unreadable_json_document_names_line_and_column(tmp_path: Path) -> None:
    """A .json file that is not JSON raises FormatError with line and column."""
    _write(tmp_path / "schools.json", b'{"data": [\n  {"data": {"id": "a"}},\n  {oops}\n]}')
    with pytest.raises(FormatError) as exc:
        rostergraph.load(tmp_path)
    assert exc.value.path == "schools.json" and exc.value.line == 3 and exc.value.column


def test_wrong_envelope_is_a_problem(tmp_path: Path) -> None:
    """A JSON object that is no envelope or array is an `envelope` problem, not a crash."""
    _write(tmp_path / "schools.json", b'{"records": []}')
    r = rostergraph.load(tmp_path)
    assert [p.code for p in r.problems] == ["envelope"]


@pytest.mark.parametrize(("body", "said"), [
    (b'{"error": "invalid_token"}', "keys: error;"),
    (b'{"message": "Rate limit exceeded", "code": 429}', "keys: code, message;"),
])
def test_an_api_error_response_saved_as_a_list_is_named_so(tmp_path: Path, body: bytes,
                                                           said: str) -> None:
    """A request that failed, its error body saved as ``users.json`` (``curl`` without
    ``--fail``): the envelope problem says it is an API error response, naming its keys
    (its text stays in raw), not only that no list envelope was found."""
    _write(tmp_path / "users.json", body)
    _write(tmp_path / "schools.json", b'{"data": [{"data": {"id": "s1"}}]}')
    r = rostergraph.load(tmp_path)
    told = [p for p in r.problems if p.file == "users.json"]
    assert [p.code for p in told] == ["envelope"]
    assert "error response" in told[0].message and said in told[0].message
    assert b"Rate" not in told[0].message.encode() and told[0].raw


def test_unknown_keys_survive_round_trip(tmp_path: Path) -> None:
    """Unknown keys are kept in extra and written back by record_to_dict."""
    from rostergraph.model import record_to_dict

    rec = {"id": "u1", "roles": {"student": {"school": "a", "email": "x@example.org",
                                             "future_field": {"n": 1}}}, "new_top": [1]}
    _write(tmp_path / "users.jsonl", orjson.dumps(rec))
    r = rostergraph.load(tmp_path)
    assert record_to_dict(r.users["u1"]) == rec


def test_missing_path_and_empty_folder_errors(tmp_path: Path) -> None:
    """A missing path or a folder with no roster files raises SourceError naming it."""
    with pytest.raises(SourceError, match="no such file"):
        rostergraph.load(tmp_path / "nope")
    with pytest.raises(SourceError, match="expected"):
        rostergraph.load(tmp_path)


def test_provenance_records_files_and_hashes(tmp_path: Path) -> None:
    """Provenance lists each file with size and SHA-256 of the (decompressed) bytes."""
    import hashlib

    data = b"\n".join(orjson.dumps(r) for r in SECTIONS)
    _write(tmp_path / "sections.jsonl", data)
    r = read_clever_json(tmp_path)
    [f] = r.provenance.files
    assert (f.path, f.size, f.sha256) == ("sections.jsonl", len(data),
                                          hashlib.sha256(data).hexdigest())
    assert r.provenance.format == "clever-json" and r.provenance.loaded_at


def test_lone_surrogate_string_is_kept(tmp_path: Path) -> None:
    """A JSON string with a lone surrogate escape (legal JSON) loads instead of failing."""
    _write(tmp_path / "schools.jsonl", b'{"id": "a", "name": "bad \\ud800 name"}\n')
    r = rostergraph.load(tmp_path)
    assert r.schools["a"].name == "bad \ud800 name"


def test_v3_folder_with_a_legacy_list_beside_it_reads_its_users(tmp_path: Path) -> None:
    """A v3 dump (``users.json``) holding a v1/v2 ``contacts.json`` left by an older sync
    is read as v3: its users load (the folder was read as legacy, which skipped users.json
    with a note: no user at all), and the legacy list is a problem naming it."""
    (tmp_path / "users.json").write_text(
        '{"data": [{"data": {"id": "u1", "roles": {"student": {"school": "s1"}}}, '
        '"uri": "/v3.0/users/u1"}], "links": []}')
    (tmp_path / "contacts.json").write_text(
        '{"data": [{"data": {"id": "c1", "name": "Pat"}}], "paging": {"count": 1}}')
    r = rostergraph.load(tmp_path)
    assert r.provenance.format == "clever-json" and list(r.users) == ["u1"]
    assert [(p.code, p.file, p.record_id) for p in r.problems] == [
        ("other", "contacts.json", "c1")]
    assert '"Pat"' in r.problems[0].raw  # the record not read is kept in the problem


def test_saved_api_pages_load_every_record(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """API list responses saved whole, one per line (or as an array of pages), load every
    record they hold (each was one ``no_id`` problem, its records lost); an envelope item
    with a key beside ``data`` and ``uri`` loads its record, the key named in a problem.
    The fast JSON Lines reader gives the general reader's roster."""
    from tests.test_fast_jsonl import _general, _snapshot

    page = {"data": [{"data": {"id": "u1", "roles": {}}, "uri": "/v3.0/users/u1"},
                     {"data": {"id": "u2", "roles": {}}, "uri": "/v3.0/users/u2"}],
            "links": [{"rel": "next", "uri": "/v3.0/users?starting_after=u2"}]}
    last = {"data": [{"data": {"id": "u3", "roles": {}}, "uri": "/v3.0/users/u3",
                      "type": "users"}], "links": [{"rel": "prev", "uri": "/v3.0/users"}]}
    lines = tmp_path / "lines"
    lines.mkdir()
    (lines / "users.jsonl").write_bytes(orjson.dumps(page) + b"\n" + orjson.dumps(last) + b"\n")
    r = rostergraph.load(lines)
    assert list(r.users) == ["u1", "u2", "u3"]
    assert [(p.code, p.line, p.record_id) for p in r.problems] == [("other", 2, "u3")]
    assert "type" in r.problems[0].message
    assert _snapshot(r) == _snapshot(_general(lines, monkeypatch))
    doc = tmp_path / "doc"
    doc.mkdir()
    (doc / "users.json").write_bytes(orjson.dumps([page, last]))
    assert list(rostergraph.load(doc).users) == ["u1", "u2", "u3"]


def test_resource_file_names_in_another_case_are_read(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """``Users.JSONL`` and ``Sections.Json`` are the users and sections (their records were
    left out without a word); the fast reader takes the JSON Lines file as the general
    reader does."""
    from tests.test_fast_jsonl import _general, _snapshot

    (tmp_path / "Users.JSONL").write_bytes(b'{"id": "u1", "roles": {"student": {}}}\n'
                                           b'{"id": "u2", "roles": {"teacher": {}}}\n')
    (tmp_path / "Sections.Json").write_bytes(
        b'{"data": [{"data": {"id": "s1", "teacher": "u2", "students": ["u1"]}}]}')
    r = rostergraph.load(tmp_path)
    assert list(r.users) == ["u1", "u2"] and list(r.sections) == ["s1"] and r.problems == []
    assert _snapshot(r) == _snapshot(_general(tmp_path, monkeypatch))


def test_trailing_comma_in_a_json_document_keeps_its_records(tmp_path: Path) -> None:
    """A users.json with a comma before ``]`` (as in Clever's own v1.1 fixtures) loads its
    records, with a syntax problem at the comma's line; the whole file raised FormatError."""
    (tmp_path / "users.json").write_bytes(
        b'{"data": [\n {"data": {"id": "u1", "roles": {}}, "uri": "/v3.0/users/u1"},\n'
        b' {"data": {"id": "u2", "name": {"last": "O\'Neil, Jr.,"}, "roles": {}}},\n]}')
    r = rostergraph.load(tmp_path)
    assert list(r.users) == ["u1", "u2"] and r.users["u2"].name.last == "O'Neil, Jr.,"
    assert [(p.code, p.file, p.line) for p in r.problems] == [("syntax", "users.json", 3)]
    (tmp_path / "users.json").write_bytes(b'{"data": [{"data": {"id": "u1"}, ]')
    with pytest.raises(FormatError):
        rostergraph.load(tmp_path)


def test_json_document_or_array_in_a_json_lines_file_keeps_its_records(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``.jsonl`` file that holds one pretty-printed JSON document (an API page, or an
    array with a comma before ``]``) is read as that document, with a problem saying so;
    an array of records on one line gives its records. Every line was a syntax or
    not_object problem and no record loaded. The fast path steps aside for such files."""
    from tests.test_fast_jsonl import _general, _snapshot

    page = {"data": [{"data": {"id": "u1", "roles": {"student": {"school": "s1"}}},
                      "uri": "/v3.0/users/u1"}, {"data": {"id": "u2", "roles": {}}}],
            "links": []}
    (tmp_path / "users.jsonl").write_bytes(orjson.dumps(page, option=orjson.OPT_INDENT_2))
    (tmp_path / "sections.jsonl").write_bytes(
        b'[{"id": "se1", "students": ["u1"]}, {"id": "se2"}]\n{"id": "se3"}\n')
    (tmp_path / "schools.jsonl").write_bytes(b'[\n{"id": "s1"},\n{"id": "s2"},\n]\n')
    r = rostergraph.load(tmp_path)
    assert list(r.users) == ["u1", "u2"] and list(r.sections) == ["se1", "se2", "se3"]
    assert list(r.schools) == ["s1", "s2"]
    assert [(p.code, p.file, p.line) for p in r.problems] == [
        ("syntax", "schools.jsonl", 3), ("other", "schools.jsonl", 1),
        ("other", "users.jsonl", 1)]
    assert _snapshot(r) == _snapshot(_general(tmp_path, monkeypatch))


@pytest.mark.parametrize("users_file", [True, False])
def test_per_role_jsonl_lists_in_a_v3_folder_are_read_as_users(tmp_path: Path,
                                                               users_file: bool) -> None:
    """``/v3.0/users?role=...`` saved per role (``students.jsonl``, ``teachers.jsonl``)
    beside the other v3 files is read as users: a user with two roles listed in both
    files (the same record) is one user; another record with a seen id is a duplicate
    (the first kept, its text in raw), as in ``users.jsonl``."""
    both = {"id": "tb", "roles": {"teacher": {"school": "s1"}, "staff": {}}}
    (tmp_path / "sections.jsonl").write_text(json.dumps(
        {"id": "se1", "school": "s1", "teacher": "tb", "students": ["st1"]}) + "\n")
    if users_file:
        (tmp_path / "users.jsonl").write_text(json.dumps(
            {"id": "u0", "roles": {"district_admin": {}}}) + "\n")
    (tmp_path / "students.jsonl").write_text(
        json.dumps({"id": "st1", "roles": {"student": {"school": "s1"}}}) + "\n")
    (tmp_path / "teachers.jsonl").write_text(json.dumps(both) + "\n" + json.dumps(
        {"id": "st1", "roles": {"teacher": {}}}) + "\n")
    (tmp_path / "staff.ndjson").write_text(json.dumps(both) + "\n")
    r = rostergraph.load(tmp_path)
    assert r.provenance.format == "clever-json"
    assert list(r.users) == ["u0"] * users_file + ["tb", "st1"]
    assert r.users["tb"].roles.staff is not None and r.users["st1"].roles.teacher is None
    assert [(p.code, p.file, p.line, p.record_id) for p in r.problems] == [
        ("duplicate_id", "teachers.jsonl", 2, "st1")]
    assert '"teacher"' in r.problems[0].raw
    assert sorted(f.path for f in r.provenance.files if f.kind == "users") == sorted(
        ["staff.ndjson", "students.jsonl", "teachers.jsonl"] + ["users.jsonl"] * users_file)


@pytest.mark.parametrize("name", ["schools.jsonl", "schools.json"])
def test_envelope_keys_beside_the_record_are_kept_in_extra(tmp_path: Path, name: str) -> None:
    """An envelope item's keys beside ``data``/``uri``/``links`` are kept in the record's
    ``extra`` as ``envelope.<key>`` (whole, however long), with a problem naming them; a
    key the record already has under that name stays in the problem's raw text."""
    big = "x" * 5000
    items = [{"data": {"id": "a", "name": "A"}, "uri": "/v3.0/schools/a", "meta": {"k": big},
              "x": "y"},
             {"data": {"id": "b", "envelope.x": "mine"}, "x": "theirs"}]
    text = ("".join(json.dumps(i) + "\n" for i in items) if name.endswith("l")
            else json.dumps({"data": items, "links": []}))
    (tmp_path / name).write_text(text)
    r = rostergraph.load(tmp_path)
    assert r.schools["a"].extra == {"envelope.meta": {"k": big}, "envelope.x": "y"}
    assert r.schools["b"].extra == {"envelope.x": "mine"}
    assert [(p.record_id, p.line if name.endswith("l") else p.index) for p in r.problems] == [
        ("a", 1 if name.endswith("l") else 0), ("b", 2 if name.endswith("l") else 1)]
    assert '"theirs"' in r.problems[1].raw and "meta, x" in r.problems[0].message


def test_legacy_envelope_keys_beside_the_record_are_kept_in_extra(tmp_path: Path) -> None:
    """The legacy reader keeps an envelope item's other keys the same way."""
    (tmp_path / "schools.json").write_text(json.dumps({"data": [
        {"data": {"id": "a", "name": "A"}, "uri": "/v1.1/schools/a", "etag": "e1"}],
        "paging": {"current": 1}}))
    r = rostergraph.load(tmp_path)
    assert r.provenance.format == "clever-legacy"
    assert r.schools["a"].extra == {"envelope.etag": "e1"}
    assert [(p.file, p.index, p.record_id) for p in r.problems] == [("schools.json", 0, "a")]


def test_v3_json_lines_beside_a_per_role_json_list_are_read(tmp_path: Path) -> None:
    """A v3 folder of JSON Lines resources with a per-role ``students.json`` (no
    ``users.*``) is v3, not legacy: its ``sections.jsonl`` was silently left unread."""
    (tmp_path / "sections.jsonl").write_text(json.dumps(
        {"id": "se1", "school": "s1", "students": ["a"]}) + "\n")
    (tmp_path / "students.json").write_text(json.dumps({"data": [{"data": {
        "id": "a", "roles": {"student": {"school": "s1"}}}}]}))
    r = rostergraph.load(tmp_path)
    assert r.provenance.format == "clever-json" and not r.problems
    assert list(r.sections) == ["se1"] and list(r.users) == ["a"]


@pytest.mark.parametrize("text", [
    b'[{"id": "u1", "email": "a@x.org", "email": "b@x.org"}, {"id": "u2"},]',   # a comma
    b'[{"id": "u1", "email": "a@x.org", "email": "b@x.org", "name": {"last": "Mu\xf1oz"}}]',
])
def test_mended_document_still_tells_keys_given_twice(tmp_path: Path, text: bytes) -> None:
    """A document read after mending (a trailing comma, Latin-1 bytes) still says which
    key an object gave twice, with the value it replaced, besides the mending."""
    (tmp_path / "users.json").write_bytes(text)
    r = rostergraph.load(tmp_path)
    twice = [(p.record_id, p.field, p.raw) for p in r.problems if "given twice" in p.message]
    assert twice == [("u1", "email", '"a@x.org"')]
    assert any(p.code in ("syntax", "encoding") for p in r.problems)
    assert r.users["u1"].email == "b@x.org"


def test_a_small_gzip_cut_short_keeps_every_whole_line_and_the_cut_one(tmp_path: Path) -> None:
    """A ``.jsonl.gz`` download cut short, smaller than the reader's 1 MiB chunk: the lines
    inflated before the damage load (they were all lost), and the cut line is the gzip
    problem's raw text, at its line."""
    users = [{"id": f"u{i}", "roles": {}, "email": f"u{i}@example.org"} for i in range(300)]
    body = b"".join(orjson.dumps(u) + b"\n" for u in users)
    data = gzip.compress(body)
    (tmp_path / "users.jsonl.gz").write_bytes(data[: len(data) - 40])
    r = read_clever_json(tmp_path)
    kept = len(r.users)
    assert 250 < kept < 300
    assert list(r.users) == [u["id"] for u in users[:kept]]
    [p] = r.problems
    assert p.code == "syntax" and "gzip" in p.message and p.file == "users.jsonl.gz"
    assert p.line == kept + 1
    cut = body.split(b"\n")[kept]
    assert p.raw and cut.startswith(p.raw.encode())
    with pytest.raises(FormatError, match="gzip"):
        read_clever_json(tmp_path, strict=True)


USERS = [{"id": "u1", "roles": {"student": {"school": "sc1"}}, "name": {"last": "Peña"}},
         {"id": "u2", "roles": {"teacher": {"school": "sc1"}}, "email": "t@example.org"}]


@pytest.mark.parametrize("shape", ["json-pretty-le", "json-be", "jsonl-le", "jsonl-pretty-le",
                                   "jsonl-gz-le"])
def test_a_utf16_file_reads_as_its_utf8_twin(tmp_path: Path, shape: str) -> None:
    """Windows PowerShell 5.1 writes UTF-16 (``Invoke-RestMethod ... | ConvertTo-Json >
    users.json``): the records load as from UTF-8, with one ``other`` problem on line 1
    (every line was a problem, or the whole load a FormatError)."""
    if shape.startswith("json-"):
        text = json.dumps(_envelope("users", USERS), ensure_ascii=False,
                          indent=4 if "pretty" in shape else None).replace("\n", "\r\n")
        name = "users.json"
    elif "pretty" in shape:
        text, name = json.dumps(USERS, ensure_ascii=False, indent=2), "users.jsonl"
    else:
        text = "".join(json.dumps(u, ensure_ascii=False) + "\r\n" for u in USERS)
        name = "users.jsonl"
    data = ("\ufeff" + text).encode("utf-16-be" if shape.endswith("-be") else "utf-16-le")
    if "gz" in shape:
        data, name = gzip.compress(data), name + ".gz"
    (tmp_path / name).write_bytes(data)
    for r in (read_clever_json(tmp_path), rostergraph.load(tmp_path)):
        assert {u: r.users[u].name for u in r.users} == {
            "u1": rostergraph.Name(last="Peña"), "u2": None}
        assert r.users["u2"].email == "t@example.org"
        utf16 = [p for p in r.problems if "UTF-16" in p.message]
        assert len(utf16) == 1 and (utf16[0].code, utf16[0].file, utf16[0].line) == (
            "other", name, 1)
        assert [p for p in r.problems if p not in utf16 and "one JSON document" not in
                p.message] == []
    with pytest.raises(FormatError, match="UTF-16"):
        read_clever_json(tmp_path, strict=True)


@pytest.mark.parametrize("names", [
    ("users_page1.json", "users_page2.json", "users_page10.json"),
    ("users-1.jsonl", "users-2.jsonl", "users-10.jsonl.gz"),
    ("Users1.json", "users2.ndjson", "users3.json"),
])
def test_api_pages_saved_as_numbered_files_all_load(tmp_path: Path, names: tuple) -> None:
    """``/v3.0/users`` saved a page per file (``users_page1.json``, ``users_page2.json``,
    ...): every page's users load, in page order (page 10 after page 2), each file in
    the provenance, with a note naming them; they were all left out, silently."""
    users = [{"id": f"u{i:03}", "roles": {}, "email": f"u{i}@example.org"} for i in range(9)]
    _write(tmp_path / "sections.json", orjson.dumps(_envelope("sections", SECTIONS)))
    for n, name in enumerate(names):
        page = users[n * 3:n * 3 + 3]
        if ".jsonl" in name or ".ndjson" in name:
            data = b"".join(orjson.dumps(u) + b"\n" for u in page)
        else:
            data = orjson.dumps(_envelope("users", page))
        _write(tmp_path / name, data, gz=name.endswith(".gz"))
    for r in (rostergraph.load(tmp_path), read_clever_json(tmp_path, strict=True)):
        assert list(r.users) == [u["id"] for u in users]
        assert r.problems == [] and len(r.sections) == 2
        assert {f.path for f in r.provenance.files} >= set(names)
        assert any(all(n in note for n in names) for note in r.provenance.notes)
    one = rostergraph.load(tmp_path / names[1])
    assert list(one.users) == [u["id"] for u in users[3:6]]


def test_json_files_a_v3_folder_does_not_read_are_named_in_a_note(tmp_path: Path) -> None:
    """An events page or a backup beside the resource files is not read, and a
    provenance note names it (it was left out silently); a dump's own files are not
    named."""
    _write(tmp_path / "sections.jsonl", b"".join(orjson.dumps(s) + b"\n" for s in SECTIONS))
    _write(tmp_path / "events.json", orjson.dumps({"data": [], "links": []}))
    _write(tmp_path / "users-old.json", orjson.dumps([]))
    _write(tmp_path / "manifest.json", orjson.dumps({}))
    _write(tmp_path / "events.audit.jsonl", b"")
    r = rostergraph.load(tmp_path)
    assert len(r.sections) == 2 and r.problems == []
    [note] = [n for n in r.provenance.notes if "not read" in n]
    assert "events.json" in note and "users-old.json" in note
    assert "manifest.json" not in note and "events.audit.jsonl" not in note


def test_a_numbered_file_beside_a_whole_one_is_named_not_read(tmp_path: Path) -> None:
    """``users_2.json`` beside ``users.json`` may be an older copy: ``users.json`` is read
    and the other is an ``other`` problem naming both (its users never come back), as
    ``users.jsonl`` beside it is; a dated copy (``users_20240115.json``) is no page: it is
    named in the note of files not read."""
    _write(tmp_path / "users.json", orjson.dumps([{"id": "u1", "roles": {}}]))
    _write(tmp_path / "users_2.json", orjson.dumps([{"id": "gone", "roles": {}}]))
    _write(tmp_path / "users_20240115.json", orjson.dumps([{"id": "old", "roles": {}}]))
    r = rostergraph.load(tmp_path)
    assert list(r.users) == ["u1"]
    [p] = r.problems
    assert (p.code, p.file) == ("other", "users_2.json") and "users.json" in p.message
    assert any("users_20240115.json" in note for note in r.provenance.notes)


@pytest.mark.parametrize("shape", ["envelope", "array-pretty", "envelope-no-close"])
def test_a_json_document_cut_short_keeps_its_whole_records(tmp_path: Path, shape: str) -> None:
    """``users.json`` cut short (a download cut, a full disk): the whole records before the
    cut load, with a ``syntax`` problem at the cut record's line holding its text; the
    other files load (the whole load was a FormatError)."""
    users = [{"id": f"u{i}", "roles": {}, "name": {"last": f"N{i}"}} for i in range(5)]
    if shape == "array-pretty":
        text = json.dumps(users, indent=2).encode()
    else:
        text = orjson.dumps(_envelope("users", users)).replace(b"},{", b"},\n{")
    cut = text.index(b'"u3"') + 8 if shape != "envelope-no-close" else text.rindex(b"]")
    (tmp_path / "users.json").write_bytes(text[:cut])
    _write(tmp_path / "sections.json", orjson.dumps(SECTIONS))
    r = rostergraph.load(tmp_path)
    want = 5 if shape == "envelope-no-close" else 3
    assert list(r.users) == [u["id"] for u in users[:want]] and len(r.sections) == 2
    [p] = r.problems
    assert (p.code, p.file, p.kind) == ("syntax", "users.json", "users")
    assert "cut short" in p.message
    if want == 3:
        start = text.rindex(b"{", 0, text.index(b'"u3"'))  # (where the cut record starts)
        assert p.line == text[:start].count(b"\n") + 1
        assert p.raw and '"u3"' in p.raw
    with pytest.raises(FormatError, match="cut short"):
        rostergraph.load(tmp_path, strict=True)


def _page(kind: str, records: list[dict], after: str | None) -> dict:
    page = _envelope(kind, records)
    if after is not None:
        page["links"].append({"rel": "next", "uri": f"/v3.0/{kind}?starting_after={after}"})
    return page


@pytest.mark.parametrize("shape", ["json", "pretty-jsonl", "pages-per-line", "pages-per-line-gz",
                                   "page-files", "array-of-pages"])
def test_a_list_whose_last_page_links_to_a_next_one_is_a_missing_file(
        tmp_path: Path, shape: str) -> None:
    """One API response saved (``curl .../v3.0/users > users.json``) holds a page: its
    ``next`` link says more users follow, which are not there. The users load, and a
    ``missing_file`` problem names the file and the link (the rest was missing silently);
    a complete list (the last page has no ``next``) has none."""
    users = [{"id": f"u{i}", "roles": {}} for i in range(6)]
    for complete in (False, True):
        for f in tmp_path.iterdir():
            f.unlink()
        pages = [_page("users", users[:3], "u2"),
                 _page("users", users[3:], None if complete else "u5")]
        if shape == "json":
            files = {"users.json": orjson.dumps(pages[1])}
        elif shape == "pretty-jsonl":
            files = {"users.jsonl": json.dumps(pages[1], indent=2).encode()}
        elif shape.startswith("pages-per-line"):
            files = {"users.jsonl": b"".join(orjson.dumps(p) + b"\n" for p in pages)}
        elif shape == "page-files":
            files = {f"users_page{n}.json": orjson.dumps(p) for n, p in enumerate(pages, 1)}
        else:
            files = {"users.json": orjson.dumps(pages)}
        for name, data in files.items():
            gz = shape.endswith("-gz")
            _write(tmp_path / (name + ".gz" if gz else name), data, gz=gz)
        r = rostergraph.load(tmp_path)
        assert set(r.users) >= {"u3", "u4", "u5"}
        missing = [p for p in r.problems if p.code == "missing_file"]
        if complete:
            assert missing == []
            continue
        [p] = missing
        assert p.kind == "users" and p.file == max(files) + (".gz" if gz else "")
        assert "starting_after=u5" in p.message
        text = files[max(files)].decode()
        assert (p.line, p.index) == {
            "pretty-jsonl": (text[:text.rindex('"next"')].count("\n") + 1, None),
            "pages-per-line": (2, None), "pages-per-line-gz": (2, None),
            "array-of-pages": (None, 1)}.get(shape, (1, None))


@pytest.mark.parametrize("name", ["users.json", "users.jsonl"])
def test_api_responses_appended_to_one_file_all_load(tmp_path: Path, name: str) -> None:
    """``curl .../v3.0/users?starting_after=... >> users.json`` page after page: Clever's
    compact responses end without a line break, so the file is one line of documents one
    after another. Every page's users load, with one ``other`` problem at the line (the
    load stopped with a FormatError, or the line was a problem and its users lost); two
    records glued on one JSON Lines line both load so too."""
    users = [{"id": f"u{i}", "roles": {}} for i in range(6)]
    pages = [_page("users", users[:2], "u1"), _page("users", users[2:4], "u3"),
             _page("users", users[4:], None)]
    glued = orjson.dumps({"id": "g1", "roles": {}}) + orjson.dumps({"id": "g2", "roles": {}})
    text = b"".join(orjson.dumps(p) for p in pages)
    (tmp_path / name).write_bytes(text + (b"\n" + glued + b"\n" if name.endswith("l") else b""))
    r = rostergraph.load(tmp_path)
    assert list(r.users)[:6] == [u["id"] for u in users]
    assert list(r.users)[6:] == (["g1", "g2"] if name.endswith("l") else [])
    assert {(p.code, p.file, p.line) for p in r.problems} == {("other", name, 1)} | (
        {("other", name, 2)} if name.endswith("l") else set())
    assert all("one after another" in p.message for p in r.problems)
    with pytest.raises(FormatError, match="one after another"):
        rostergraph.load(tmp_path, strict=True)


def test_clevers_recorded_first_page_alone_is_a_missing_file(tmp_path: Path) -> None:
    """Clever's own recorded first page of sections (``next`` to the 279 others) saved as
    ``sections.json`` beside v3 users: its 100 sections load, and a ``missing_file``
    problem names the link; its last page (no ``next``) alone gives none."""
    ruby = Path(__file__).parent / "data" / "clever" / "clever-ruby-v1.1-vcr-bodies"
    _write(tmp_path / "users.jsonl", orjson.dumps({"id": "u1", "roles": {}}) + b"\n")
    for page, n, cut in (("sections_page1.json", 100, True), ("sections_page4.json", 79, False)):
        (tmp_path / "sections.json").write_bytes((ruby / page).read_bytes())
        r = rostergraph.load(tmp_path)
        assert len(r.sections) == n
        missing = [(p.file, p.kind) for p in r.problems if p.code == "missing_file"]
        assert missing == ([("sections.json", "sections")] if cut else [])


def test_a_json_gz_document_cut_short_keeps_its_whole_records(tmp_path: Path) -> None:
    """``users.json.gz`` cut short (a download cut): the records inflated before the
    damage load, with a ``syntax`` problem for the gzip stream and one at the cut record
    (the whole load was a FormatError)."""
    users = [{"id": f"u{i:04}", "roles": {}, "email": f"u{i}@example.org"} for i in range(2000)]
    data = gzip.compress(orjson.dumps(_envelope("users", users)))
    (tmp_path / "users.json.gz").write_bytes(data[: len(data) // 2])
    _write(tmp_path / "sections.json", orjson.dumps(SECTIONS))
    r = rostergraph.load(tmp_path)
    kept = len(r.users)
    assert 0 < kept < 2000 and list(r.users) == [u["id"] for u in users[:kept]]
    assert len(r.sections) == 2
    assert [(p.code, p.file) for p in r.problems] == [("syntax", "users.json.gz")] * 2
    assert "gzip" in r.problems[0].message and "cut short" in r.problems[1].message


#: a login page a download saved instead of the list (a session expired, a link needing a
#: sign-in), with a form token and a user's address that must not reach the problem
LOGIN_PAGE = (b"\n<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
              b"<title>Sign in   | Clever</title>\n</head>\n<body>\n<form action=\"/login\">"
              b"<input type=\"hidden\" name=\"csrf\" value=\"tok-5ecret\">"
              b"<input name=\"email\" value=\"jane.doe@example.org\"></form>\n</body>\n</html>\n")


@pytest.mark.parametrize("name", ["users.json", "users.jsonl", "users.json.gz",
                                  "users.ndjson", "users.jsonl.gz"])
def test_an_html_page_saved_as_a_resource_file_is_one_problem(tmp_path: Path,
                                                               name: str) -> None:
    """A login or error page saved as ``users.json`` (or ``.jsonl``): one ``envelope``
    problem naming the file and saying it is an HTML page, its title alone as raw; the
    other files load. A ``.json`` stopped the whole load with a ``FormatError``, a
    ``.jsonl`` gave a problem per line of the page, each line's text in raw."""
    _write(tmp_path / name, LOGIN_PAGE, gz=name.endswith(".gz"))
    _write(tmp_path / "schools.json", b'{"data": [{"data": {"id": "s1"}}]}')
    r = rostergraph.load(tmp_path)
    assert list(r.schools) == ["s1"] and not r.users
    assert [(p.code, p.file) for p in r.problems] == [("envelope", name)]
    told = r.problems[0]
    assert f"{name} looks like an HTML page" in told.message
    assert told.raw == "<title>Sign in | Clever</title>"
    assert "5ecret" not in repr(r.problems) and "jane" not in repr(r.problems)
    with pytest.raises(FormatError, match="looks like an HTML page"):
        rostergraph.load(tmp_path, strict=True)


def test_an_html_page_given_as_the_one_file_is_one_problem(tmp_path: Path) -> None:
    """``load("users.json")`` of a saved login page: an empty roster with the problem, not
    a ``FormatError``; a page without a title gives its first tag as raw."""
    _write(tmp_path / "users.json", b"<html><body><h1>502 Bad Gateway</h1></body></html>")
    r = rostergraph.load(tmp_path / "users.json")
    assert not r.users and [(p.code, p.raw) for p in r.problems] == [("envelope", "<html>")]


#: every fake credential value below starts so (none may reach a problem or an error)
FAKE = "FAKECRED"
#: JSON Lines users whose problems held credentials in ``raw``: a key given twice, a
#: broken line, a line whose id was given before, bytes that are not UTF-8, a line over
#: the field limit, a record without an id, a line with a quote too many before a password,
#: a field of the wrong type (an object holding a password)
CREDENTIAL_LINES = {
    "twice": b'{"id":"u1","password":"FAKECRED-old","password":"FAKECRED-new","roles":{}}',
    "nested twice": b'{"id":"u2","vendor":{"api_token":"FAKECRED-a","room":"4"},'
                    b'"vendor":{"room":"5"},"roles":{}}',
    "broken": b'{"id":"u3","sis_password":"FAKECRED-3","roles":{},}',
    "duplicate": b'{"id":"u0","api_token":"FAKECRED-4","roles":{},"note":"kept"}',
    "latin-1": b'{"id":"u4","name":{"first":"B\xe9"},"Password":"FAKECRED-5","roles":{}}',
    "long value": b'{"id":"u5","client_secret":"FAKECRED-6","roles":{},"x":"' + b"y" * 300
                  + b'"}',
    "no id": b'{"id":"","password":{"v":"FAKECRED-7"},"roles":{}}',
    "stray quote": b'{"id":"u6","name":"O"Brien", "passwd": "FAKECRED-8","roles":{}}',
    "bad field": b'{"id":"u7","email":{"password":"FAKECRED-9","at":"x"},"roles":{}}',
    "no colon": b'{"id":"u8","password" "FAKECRED-10","roles":{}}',
    "equals sign": b'{"id":"u9","password"= "FAKECRED-11","roles":{}}',
    "key not quoted": b'{"id":"u10",password:"FAKECRED-12","roles":{}}',
}
_LIMITS = Limits(max_field_bytes=200)


def test_credentials_stay_out_of_json_lines_problems(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Problems' ``raw`` of JSON Lines held credentials: the value a repeated
    ``password`` replaced, and the whole text of a broken or repeated line. Now a
    credential's replaced value is not kept (nor quoted), a line that parses is its JSON
    without the credential-named keys (as a CSV row's text leaves its password cell out),
    and a line that does not has their values masked, the rest kept as given; the fast
    and the general reader alike."""
    _write(tmp_path / "users.jsonl", b"\n".join(
        [b'{"id":"u0","roles":{}}', *CREDENTIAL_LINES.values(), b""]))
    fast = rostergraph.load(tmp_path, cache=False, limits=_LIMITS)
    with monkeypatch.context() as m:
        m.setattr(fast_jsonl, "read_fast", lambda *a, **k: None)
        general = rostergraph.load(tmp_path, cache=False, limits=_LIMITS)
    assert fast.problems == general.problems
    assert FAKE not in repr(fast.problems)
    told = {p.line: p for p in fast.problems}
    twice = told[2]
    assert (twice.code, twice.field, twice.raw) == ("other", "password", None)
    assert "a credential: the value it replaced is not kept" in twice.message
    assert told[3].raw == '{"room":"4"}'  # (the replaced object, its token left out)
    assert told[4].code == "syntax"
    assert told[4].raw == '{"id":"u3","sis_password":"(not kept)","roles":{},}'
    assert told[5].code == "duplicate_id"
    assert told[5].raw == '{"id":"u0","roles":{},"note":"kept"}'
    assert told[6].code == "encoding" and "(not kept)" in told[6].raw
    assert told[6].raw.startswith('{"id":"u4","name":{"first":"B')
    assert told[7].code == "limit" and '"x":"yyy' in told[7].raw
    assert (told[8].code, told[8].raw) == ("no_id", '{"id":"","roles":{}}')
    assert told[9].raw == ('{"id":"u6","name":"O"Brien", "passwd": "(not kept)",'
                           '"roles":{}}')
    assert (told[10].code, told[10].field, told[10].raw) == ("bad_field", "email",
                                                             '{"at":"x"}')
    # (a credential's key whose value the masking cannot find: none of the line is kept)
    assert [told[k].raw for k in (11, 12, 13)] == [UNREADABLE_WITH_CREDENTIAL] * 3


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("case", sorted(CREDENTIAL_LINES))
def test_strict_errors_hold_no_credential(tmp_path: Path, fast: bool, case: str,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """``strict=True`` raises each of those lines' problem without the credential."""
    _write(tmp_path / "users.jsonl",
           b'{"id":"u0","roles":{}}\n' + CREDENTIAL_LINES[case] + b"\n")
    if not fast:
        monkeypatch.setattr(fast_jsonl, "read_fast", lambda *a, **k: None)
    with pytest.raises(FormatError) as info:
        rostergraph.load(tmp_path, cache=False, strict=True, limits=_LIMITS)
    assert info.value.line == 2
    assert FAKE not in f"{info.value!s} {info.value!r} {vars(info.value)}"


def test_credentials_stay_out_of_json_document_problems(tmp_path: Path) -> None:
    """A ``.json`` document: an item whose id was given before, a ``password`` given twice,
    an error body holding a token, and a comma before ``}`` (its problem quotes the text
    around it) keep no credential in ``raw``, the rest of each is there."""
    _write(tmp_path / "users.json", b'[{"id":"u1","roles":{}},\n'
           b'{"id":"u1","password":"FAKECRED-1","roles":{},"note":"kept"},\n'
           b'{"id":"u2","password":"FAKECRED-2","password":"FAKECRED-3","roles":{}}]')
    _write(tmp_path / "schools.json", b'{"data":[{"data":{"id":"s1",'
           b'"api_token":"FAKECRED-4",}}]}')
    _write(tmp_path / "terms.json", b'{"error":"unauthorized","access_token":"FAKECRED-5"}')
    r = rostergraph.load(tmp_path, cache=False)
    assert FAKE not in repr(r.problems)
    by = {(p.file, p.code): p for p in r.problems}
    assert by["users.json", "duplicate_id"].raw == '{"id":"u1","roles":{},"note":"kept"}'
    assert by["users.json", "other"].raw is None
    assert '"api_token":"(not kept)",}' in by["schools.json", "syntax"].raw
    assert by["terms.json", "envelope"].raw == '{"error":"unauthorized"}'
    for name in ("users.json", "schools.json"):
        with pytest.raises(FormatError) as info:
            read_clever_json(tmp_path / name, strict=True)
        assert FAKE not in f"{info.value!s} {info.value!r}"
