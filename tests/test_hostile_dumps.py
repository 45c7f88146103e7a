"""A dump folder is untrusted: its manifest never steers the token or a write, and no
link planted in it is followed by a writer (fetch, sync, -o) — against the fake server."""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import orjson
import pytest

import rostergraph
from rostergraph.clever import CleverClient, fetch_district, read_manifest, sync_dump
from rostergraph.cli import main
from rostergraph.errors import FormatError, SourceError
from rostergraph.model import KINDS

from .fake_clever import FakeClever, FakeClock, _Ids, make_changes, make_district

TOKEN = "tok-HOSTILE-DUMP-4c1e9b"  # distinctive: searched for in every output


@pytest.fixture(scope="module")
def history() -> dict[str, Any]:
    """A district and a later event stream."""
    base = make_district(seed=7, students=12, sections=4)
    events, after = make_changes(base, seed=3, event_ids=_Ids("6e"))
    return {"base": base, "events": events, "after": after}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def client_for(srv: FakeClever, clock: FakeClock) -> CleverClient:
    return CleverClient(TOKEN, base_url=srv.base_url, clock=clock.time, sleep=clock.sleep,
                        rng=random.Random(2))


@pytest.fixture
def dump(history, clock, tmp_path):
    """A server at the base state and a finished dump fetched from it (in tmp/dump)."""
    with FakeClever(history["base"], token=TOKEN, clock=clock.time) as srv, \
            client_for(srv, clock) as c:
        fetch_district(tmp_path / "dump", client=c, limit=5)
        yield srv, c, tmp_path / "dump"


def edit_manifest(folder: Path, change: Any) -> None:
    m = read_manifest(folder)
    change(m)
    (folder / "manifest.json").write_bytes(orjson.dumps(m))


def outside(tmp: Path, name: str = "precious.txt") -> Path:
    """A file outside the dump whose content must survive."""
    p = tmp.parent / name
    p.write_bytes(b"keep me\n")
    return p


# --- the manifest never chooses where the token goes ---------------------------------------------


def test_cli_sync_never_sends_the_token_to_the_manifests_base_url(dump, history, clock,
                                                                   monkeypatch, capsys) -> None:
    """A manifest naming another API (plain http) is refused; that server sees no request."""
    srv, _, folder = dump
    with FakeClever(history["base"], token="other", clock=clock.time) as evil:
        edit_manifest(folder, lambda m: m.update(base_url=evil.base_url))
        monkeypatch.setenv("RG_HOSTILE_TOKEN", TOKEN)
        assert main(["sync", str(folder), "--token-env", "RG_HOSTILE_TOKEN", "--quiet"]) == 2
        assert main(["sync", str(folder), "--token-env", "RG_HOSTILE_TOKEN", "--quiet",
                     "--base-url", srv.base_url]) == 2
        assert evil.log == [] and evil.auth_headers == []
    err = capsys.readouterr().err
    assert "never taken from a dump folder" in err and "manifest.json" in err
    assert TOKEN not in err


def test_sync_refuses_a_manifest_base_url_before_any_request(dump, history, clock) -> None:
    """The library refuses too: the check runs before the first request."""
    srv, c, folder = dump
    edit_manifest(folder, lambda m: m.update(base_url="http://127.0.0.1:9/v3.0"))
    n = len(srv.log)
    with pytest.raises(SourceError, match="never taken from a dump folder"):
        sync_dump(folder, client=c)
    assert len(srv.log) == n


@pytest.mark.parametrize("name", ["/tmp/evil-users.jsonl", "../users.jsonl", "sub/users.jsonl",
                                  "..\\users.jsonl", "..", "", "users.jsonl\x00x", 7,
                                  "manifest.json"])
def test_manifest_file_names_must_be_plain_names_inside_the_dump(dump, name) -> None:
    """A resource file name with a separator, '..', an absolute path or another file's name
    is refused with an error naming the manifest and the key."""
    _srv, c, folder = dump
    edit_manifest(folder, lambda m: m["resources"]["users"].update(file=name))
    with pytest.raises(FormatError) as info:
        read_manifest(folder)
    assert info.value.path == str(folder / "manifest.json")
    assert info.value.field == "resources.users.file"
    with pytest.raises(FormatError):
        sync_dump(folder, client=c)
    with pytest.raises(FormatError):
        fetch_district(folder, client=c, resume=True)


def test_sync_with_an_absolute_file_name_writes_nothing_outside(dump, history, tmp_path) -> None:
    """The issue's attack: resources.users.file = an absolute path outside the dump."""
    srv, c, folder = dump
    target = tmp_path / "elsewhere" / "users.jsonl"
    target.parent.mkdir()
    edit_manifest(folder, lambda m: m["resources"]["users"].update(file=str(target)))
    srv.advance(history["events"], history["after"])
    with pytest.raises(FormatError, match="not a plain file name"):
        sync_dump(folder, client=c)
    assert not target.exists()


@pytest.mark.parametrize("key,value", [("events.audit_bytes", "12"), ("events.audit_bytes", -1),
                                       ("resources.users.part_bytes", [1]),
                                       ("events.last_event_id", 5), ("limit", 10**9)])
def test_manifest_values_of_the_wrong_type_are_format_errors(dump, key, value) -> None:
    """Counters and cursors of the wrong type are refused by name, never a TypeError later."""
    _, c, folder = dump

    def change(m: dict[str, Any]) -> None:
        *head, last = key.split(".")
        d = m
        for k in head:
            d = d[k]
        d[last] = value
    edit_manifest(folder, change)
    with pytest.raises(FormatError) as info:
        sync_dump(folder, client=c)
    assert info.value.field == key


# --- links planted in a dump folder ---------------------------------------------------------------


def test_symlinked_manifest_is_refused_and_its_target_kept(dump, tmp_path) -> None:
    """manifest.json -> a file outside: read and write refuse; the target is untouched."""
    _, c, folder = dump
    target = outside(tmp_path)
    real = (folder / "manifest.json").read_bytes()
    (folder / "manifest.json").unlink()
    target.write_bytes(real)
    (folder / "manifest.json").symlink_to(target)
    with pytest.raises(SourceError, match="symbolic link"):
        sync_dump(folder, client=c)
    with pytest.raises(SourceError, match="symbolic link"):
        fetch_district(folder, client=c, resume=True)
    assert target.read_bytes() == real and (folder / "manifest.json").is_symlink()


def test_symlinked_audit_log_is_never_truncated(dump, history, tmp_path) -> None:
    """events.audit.jsonl -> a file outside: sync refuses before writing; the target keeps its
    bytes and the dump's files are unchanged."""
    srv, c, folder = dump
    target = outside(tmp_path)
    (folder / "events.audit.jsonl").symlink_to(target)
    before = {k: (folder / f"{k}.jsonl").read_bytes() for k in KINDS}
    srv.advance(history["events"], history["after"])
    with pytest.raises(SourceError, match="symbolic link"):
        sync_dump(folder, client=c)
    assert target.read_bytes() == b"keep me\n"
    assert {k: (folder / f"{k}.jsonl").read_bytes() for k in KINDS} == before


def test_symlinked_resource_file_is_not_replaced_by_sync(dump, history, tmp_path) -> None:
    """users.jsonl -> a copy outside the dump: sync refuses to replace the link."""
    srv, c, folder = dump
    target = tmp_path / "users-copy.jsonl"
    target.write_bytes((folder / "users.jsonl").read_bytes())
    (folder / "users.jsonl").unlink()
    (folder / "users.jsonl").symlink_to(target)
    srv.advance(history["events"], history["after"])
    with pytest.raises(SourceError, match="symbolic link"):
        sync_dump(folder, client=c)
    assert (folder / "users.jsonl").is_symlink()


def test_links_at_temporary_names_are_never_written_through(dump, history, tmp_path) -> None:
    """Links planted at the names an older writer used for its temporary files
    (.manifest.json.tmp, .users.jsonl.tmp) change nothing: writes use fresh random names."""
    srv, c, folder = dump
    targets = []
    for n, name in enumerate([".manifest.json.tmp", ".users.jsonl.tmp",
                              ".sections.jsonl.tmp"]):
        t = outside(tmp_path, f"t{n}.txt")
        (folder / name).symlink_to(t)
        targets.append(t)
    srv.advance(history["events"], history["after"])
    assert sync_dump(folder, client=c).events == len(history["events"])
    assert all(t.read_bytes() == b"keep me\n" for t in targets)
    assert not (folder / "manifest.json").is_symlink()
    assert read_manifest(folder)["events"]["applied"] == len(history["events"])


def test_fetch_resume_never_truncates_a_part_files_link_target(history, clock, tmp_path) -> None:
    """users.jsonl.part -> a file outside: resume refuses the link and leaves the target."""
    class Stop(Exception):
        pass

    def hook(kind: str, page: int) -> None:
        if kind == "users" and page == 1:
            raise Stop
    folder = tmp_path / "dump"
    with FakeClever(history["base"], token=TOKEN, clock=clock.time) as srv, \
            client_for(srv, clock) as c:
        with pytest.raises(Stop):
            fetch_district(folder, client=c, limit=5, on_page=hook)
        target = outside(tmp_path)
        (folder / "users.jsonl.part").unlink()
        (folder / "users.jsonl.part").symlink_to(target)
        with pytest.raises(SourceError, match="symbolic link"):
            fetch_district(folder, client=c, limit=5, resume=True)
    assert target.read_bytes() == b"keep me\n"


def test_a_planted_lock_link_is_read_bounded_and_removed(history, clock, tmp_path) -> None:
    """.rostergraph.lock -> /dev/zero: not read without end; taken over as a stale lock."""
    folder = tmp_path / "dump"
    folder.mkdir()
    (folder / ".rostergraph.lock").symlink_to("/dev/zero")
    with FakeClever(history["base"], token=TOKEN, clock=clock.time) as srv, \
            client_for(srv, clock) as c:
        fetch_district(folder, client=c, limit=50)
    assert not os.path.lexists(folder / ".rostergraph.lock")
    assert read_manifest(folder)["complete"] is True


# --- outputs and inputs named directly --------------------------------------------------------------


def test_output_through_a_symlink_is_refused(tmp_path, capsys) -> None:
    """`-o link` refuses: the link stays a link and its target keeps its bytes."""
    target = outside(tmp_path / "x")
    link = tmp_path / "report.json"
    link.symlink_to(target)
    assert main(["report", str(rostergraph.sample_path()), "-o", str(link)]) == 2
    assert link.is_symlink() and target.read_bytes() == b"keep me\n"
    assert "symbolic link" in capsys.readouterr().err


def test_input_link_to_a_device_is_refused(tmp_path, capsys) -> None:
    """students.json -> /dev/zero given directly is refused as not a regular file (quickly)."""
    link = tmp_path / "students.json"
    link.symlink_to("/dev/zero")
    with pytest.raises(SourceError, match="not a regular file"):
        rostergraph.load(link)
    assert main(["summary", str(link)]) == 2
    assert "not a regular file" in capsys.readouterr().err


@pytest.mark.parametrize("change,field", [
    (lambda m: m.update(resources={}), "resources.districts"),
    (lambda m: m["resources"].update(users={}), "resources.users.status"),
    (lambda m: m["resources"]["users"].update(status="finished"), "resources.users.status"),
])
def test_manifest_without_every_resource_and_status_is_a_format_error(dump, change, field) -> None:
    """A manifest missing a kind's entry or with an unknown status is refused by name,
    never a KeyError while resuming."""
    _, c, folder = dump
    edit_manifest(folder, change)
    with pytest.raises(FormatError) as info:
        fetch_district(folder, client=c, limit=5, resume=True)
    assert info.value.field == field


def test_replacing_a_file_never_copies_setuid_or_setgid_bits(tmp_path: Path) -> None:
    """An existing file's permission bits are kept on rewrite, but never its
    setuid/setgid/sticky bits (the file may have been planted)."""
    from rostergraph.safety import atomic_write

    f = tmp_path / "manifest.csv"
    f.write_text("x")
    os.chmod(f, 0o6755)
    atomic_write(f, "y")
    assert f.read_text() == "y" and f.stat().st_mode & 0o7777 == 0o755
