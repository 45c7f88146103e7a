"""A v3 Clever JSON folder holding a legacy (v1.1) sections list."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rostergraph
from rostergraph.io import clever_files
from rostergraph.io.clever_files import last_line_next_link, line_next_link
from rostergraph.synth import write_district

RUBY = Path(__file__).parent / "data" / "clever" / "clever-ruby-v1.1-vcr-bodies"


@pytest.mark.parametrize("strict", [False, True])
def test_v1_sections_beside_v3_files_are_told(tmp_path: Path, strict: bool) -> None:
    """Clever's recorded v1.1 sections page saved as ``sections.json`` beside v3 users:
    read as v3 sections (their course and term cells kept in extra) with one problem
    naming the file, which says that no terms or courses were built from them."""
    d = write_district(tmp_path / "d", students=40, seed=2)
    for f in d.glob("sections.*"):
        f.unlink()
    shutil.copy(RUBY / "sections_page1.json", d / "sections.json")
    if strict:
        with pytest.raises(rostergraph.FormatError, match="sections.json"):
            rostergraph.load(d, strict=True)
        return
    r = rostergraph.load(d)
    told = [p for p in r.problems if "v1.1/v2 sections" in p.message]
    assert [(p.file, p.kind, p.code) for p in told] == [("sections.json", "sections", "other")]
    assert len(r.sections) == 100 and "course_name" in next(iter(r.sections.values())).extra


def test_v3_sections_are_not_told(tmp_path: Path) -> None:
    """A v3 folder's own sections (JSON Lines or JSON) say nothing of the kind."""
    d = write_district(tmp_path / "d", students=40, seed=2)
    assert not [p for p in rostergraph.load(d).problems if "v1.1/v2" in p.message]
    assert not [p for p in rostergraph.load(rostergraph.sample_path()).problems
                if "v1.1/v2" in p.message]


@pytest.mark.parametrize("name", ["sections.jsonl", "sections.json"])
def test_v3_sections_with_legacy_names_inside_are_not_told(tmp_path: Path, name: str) -> None:
    """A v3 section whose ``ext`` (or another map) holds a ``course_name`` or a ``term``
    object (a SIS's custom fields) is no v1.1/v2 section: only keys of the record itself
    say so. Its folder is read as v3, with no problem, and the file alone is not legacy."""
    import json

    from rostergraph.io.legacy import is_legacy_clever

    d = write_district(tmp_path / "d", students=40, seed=2)
    lines = (d / "sections.jsonl").read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["ext"] = {"course_name": "Algebra", "term": {"name": "Fall"}}
    first["x_custom"] = [{"term": {"name": "Y1"}, "course_name": "Art"}]
    if name == "sections.json":
        (d / "sections.jsonl").unlink()
        doc = {"data": [{"data": first, "uri": "/v3.0/sections/x"}]}
        (d / name).write_text(json.dumps(doc), encoding="utf-8")
    else:
        (d / name).write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n",
                              encoding="utf-8")
    r = rostergraph.load(d)
    assert r.provenance.format == "clever-json"
    assert not [p for p in r.problems if "v1.1/v2" in p.message]
    assert r.sections[first["id"]].ext["course_name"] == "Algebra"
    assert not is_legacy_clever(d / name)


@pytest.mark.parametrize("saved_as", ["users", "users?limit=10000", "Users"])
@pytest.mark.parametrize("lines", [True, False])
def test_a_resource_file_without_a_json_suffix_is_told(tmp_path: Path, saved_as: str,
                                                        lines: bool) -> None:
    """An API response saved as ``curl -O`` and ``wget`` name it (``users``,
    ``users?limit=10000``) is not read; when no other file holds that kind, the roster has
    none of it, which is a problem naming the file (it was not a word: a district without
    users loaded as if it had none). Beside a file that is read, it is named in a note."""
    import json

    d = write_district(tmp_path / "d", students=20, seed=3)
    users = d / "users.jsonl"
    if not lines:  # (the general reader, not the JSON Lines scan)
        for f in d.glob("*.jsonl"):
            f.with_suffix(".json").write_text(json.dumps(
                [json.loads(x) for x in f.read_text().splitlines() if x.strip()]))
            f.unlink()
        users = d / "users.json"
    users.rename(d / saved_as)
    r = rostergraph.load(d, cache=False)
    assert len(r.users) == 0
    told = [p for p in r.problems if p.file == saved_as]
    assert [(p.code, p.kind) for p in told] == [("other", "users")]
    assert "not read" in told[0].message and "users.json" in told[0].message
    with pytest.raises(rostergraph.FormatError, match="not read"):
        rostergraph.load(d, strict=True, cache=False)
    # beside the users file read, the copy is only named in a note
    (d / saved_as).rename(users)
    shutil.copy(users, d / saved_as)
    r = rostergraph.load(d, cache=False)
    assert len(r.users) > 0 and not [p for p in r.problems if p.file == saved_as]
    assert any(saved_as in n and "not read" in n for n in r.provenance.notes)


@pytest.mark.parametrize("saved_as", ["users.json.1", "users.txt", "users.json.bak"])
def test_a_copy_under_another_suffix_is_named_in_a_note(tmp_path: Path, saved_as: str) -> None:
    """A copy or backup (wget's second download ``users.json.1``, ``users.txt``,
    ``users.json.bak``) is not read and is named in a note, as the JSON files without a
    resource name are (it was not named at all), whether or not a users file is read."""
    d = write_district(tmp_path / "d", students=20, seed=3)
    shutil.copy(d / "users.jsonl", d / saved_as)
    for users in (True, False):
        r = rostergraph.load(d, cache=False)
        assert (len(r.users) > 0) is users and not [p for p in r.problems
                                                    if p.file == saved_as]
        assert any(saved_as in n and "not read" in n for n in r.provenance.notes)
        (d / "users.jsonl").unlink(missing_ok=True)


def test_an_unfinished_fetchs_part_file_is_told_with_its_remedy(tmp_path: Path) -> None:
    """``rostergraph fetch`` interrupted while it fetched users leaves ``users.jsonl.part``
    and no ``users.jsonl``: the dump loaded as a district without users, without a word. It
    is a problem naming the file, which says to finish the fetch (not to rename it: the
    part file holds only the pages fetched so far)."""
    d = write_district(tmp_path / "d", students=20, seed=3)
    (d / "users.jsonl").rename(d / "users.jsonl.part")
    r = rostergraph.load(d, cache=False)
    told = [p for p in r.problems if p.file == "users.jsonl.part"]
    assert [(p.code, p.kind) for p in told] == [("other", "users")]
    assert "--resume" in told[0].message and "name it" not in told[0].message


def _last_page_read(data: bytes, cap: int) -> tuple[str, dict[str, int]] | None:
    """The general reader's choice, line by line: the last line not blank and at most
    ``cap`` bytes, and its next link."""
    last, at = None, 0
    for n, line in enumerate(data.split(b"\n"), 1):
        if len(line) <= cap and line.strip():
            last, at = line, n
    uri = line_next_link(last)
    return None if uri is None else (uri, {"line": at})


_LINES = st.one_of(
    st.integers(0, 9).map(lambda k: b'{"data":[],"links":[{"rel":"next","uri":"/n%d"}]}' % k),
    st.integers(0, 120).map(lambda n: b'{"id":"' + b"x" * n + b'"}'),
    st.integers(0, 3).map(lambda n: b" " * n),
    st.integers(0, 150).map(lambda n: b'{"links":[{"rel":"next","uri":"/' + b"y" * n + b'"}]}'),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINES, max_size=6), st.booleans(), st.sampled_from([20, 60, 100, 10**6]),
       st.sampled_from([1, 2, 3, 7, 64, 1 << 20]))
def test_last_page_read_from_the_end_is_the_general_readers(
        lines: list[bytes], newline: bool, cap: int, block: int) -> None:
    """The next link a plain JSON Lines file ends in, read from its end a block at a time,
    is that of the last line the general reader takes: lines over the limit and blank
    ones are passed over, whatever the block boundaries."""
    data = b"\n".join(lines) + (b"\n" if newline else b"")
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "users.jsonl"
        path.write_bytes(data)
        with pytest.MonkeyPatch.context() as m:
            m.setattr(clever_files, "_TAIL_BLOCK", block)
            assert last_line_next_link(path, cap) == _last_page_read(data, cap)
