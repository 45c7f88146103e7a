"""`rostergraph sync --oneroster`: dateLastModified deltas, deletions, audit and holds."""

from __future__ import annotations

import copy
import random
from typing import Any

import orjson
import pytest

import rostergraph
from rostergraph.cli import main
from rostergraph.errors import SourceError
from rostergraph.model import record_to_dict
from rostergraph.oneroster import (
    AUDIT_LOG,
    ClientCredentials,
    OneRosterClient,
    fetch_oneroster,
    read_dump_manifest,
    sync_oneroster,
)

from .fake_clever import FakeClock
from .fake_oneroster import FakeOneRoster, bundle_bytes, csv_to_rest, rest_to_csv_bundle

SECRET = "s3cr3t-Shh-91c4e7"
LATER = "2099-01-01T00:00:00.000Z"


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict[str, list[dict[str, Any]]]:
    out = tmp_path_factory.mktemp("or") / "csv"
    rostergraph.write_oneroster(rostergraph.sample(), out)
    return csv_to_rest(out)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def served(data, clock, tmp_path):
    """A server with the sample and a complete dump of it in tmp_path/dump."""
    with FakeOneRoster(copy.deepcopy(data), client_secret=SECRET, clock=clock.time) as srv:
        with client_for(srv, clock) as c:
            fetch_oneroster(tmp_path / "dump", client=c, limit=50, progress=False)
        yield srv


def client_for(srv: FakeOneRoster, clock: FakeClock) -> OneRosterClient:
    return OneRosterClient(srv.base_url, ClientCredentials(srv.client_id, SECRET,
                                                     token_url=srv.token_url),
                           auth=srv.auth, clock=clock.time, sleep=clock.sleep,
                           rng=random.Random(0))


def records(roster: rostergraph.Roster) -> dict[str, dict[str, Any]]:
    return {k: {rid: record_to_dict(r) for rid, r in roster.records(k).items()}
            for k in ("districts", "schools", "terms", "courses", "sections", "users")}


def change(srv: FakeOneRoster) -> dict[str, str]:
    """Rename a class, add a class, delete an enrollment; return the ids touched."""
    classes, enrollments = srv.data["classes"], srv.data["enrollments"]
    renamed = classes[0]["sourcedId"]
    classes[0] = {**classes[0], "title": "Renamed class", "dateLastModified": LATER}
    added = {**classes[1], "sourcedId": "new-class-1", "title": "Robotics",
             "dateLastModified": LATER}
    classes.append(added)
    dropped = enrollments[0]["sourcedId"]
    enrollments[0] = {**enrollments[0], "status": "tobedeleted", "dateLastModified": LATER}
    return {"renamed": renamed, "added": "new-class-1", "dropped": dropped}


def test_sync_applies_the_delta_like_a_fresh_export(served, clock, tmp_path) -> None:
    """After a sync the dump reads like the server's new state exported to CSV."""
    ids = change(served)
    dump = tmp_path / "dump"
    before = read_dump_manifest(dump)
    assert before is not None
    with client_for(served, clock) as c:
        result = sync_oneroster(dump, client=c, progress=False)
    assert result.actions == {"created": 1, "deleted": 1, "updated": 1} and not result.held
    sent = [e["query"]["filter"][0] for e in served.requests("/classes")
            if "filter" in e["query"]][-1]
    assert sent == f"dateLastModified>='{before['endpoints']['classes']['since']}'"
    live = {k: [r for r in v if r.get("status") != "tobedeleted"]
            for k, v in served.data.items()}
    rest_to_csv_bundle(live, "1.1", tmp_path / "expected")
    assert records(rostergraph.load(dump)) == records(rostergraph.load(tmp_path / "expected"))
    audit = [orjson.loads(line) for line in (dump / AUDIT_LOG).read_bytes().splitlines()]
    assert sorted((a["collection"], a["sourcedId"], a["action"]) for a in audit) == sorted([
        ("classes", ids["renamed"], "updated"), ("classes", ids["added"], "created"),
        ("enrollments", ids["dropped"], "deleted")])
    assert all(set(a) == {"synced_at", "collection", "sourcedId", "action",
                          "dateLastModified"} for a in audit)
    after = read_dump_manifest(dump)
    assert after is not None and after["endpoints"]["classes"]["since"] == LATER
    assert after["syncs"] == 1
    with client_for(served, clock) as c:  # nothing new: nothing written
        again = sync_oneroster(dump, client=c, progress=False)
    assert again.actions == {} and len((dump / AUDIT_LOG).read_bytes().splitlines()) == 3
    for p in dump.rglob("*"):
        if p.is_file():
            assert SECRET.encode() not in p.read_bytes()


def test_sync_hold_writes_nothing_and_exits_1(served, tmp_path, monkeypatch, capsys) -> None:
    """Removing more users than --hold-if-removed allows holds the sync; raising it applies it."""
    monkeypatch.setenv("RGS_CLIENT_ID", served.client_id)
    monkeypatch.setenv("RGS_CLIENT_SECRET", SECRET)
    dump = tmp_path / "dump"
    users = served.data["users"]
    for i in range(0, len(users), 3):  # a third of the user rows
        users[i] = {**users[i], "status": "tobedeleted", "dateLastModified": LATER}
    files = bundle_bytes(dump)
    manifest = (dump / "manifest.json").read_bytes()
    args = ["sync", str(dump), "--oneroster", served.base_url, "--token-url",
            served.token_url, "--credentials-env", "RGS", "--quiet"]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "HELD" in out and "users removed" in out
    assert bundle_bytes(dump) == files and (dump / "manifest.json").read_bytes() == manifest
    assert not (dump / AUDIT_LOG).exists()
    assert main([*args, "--hold-if-removed", "100", "--hold-if-reid", "100"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("synced ") and "deleted" in out
    live = {k: [r for r in v if r.get("status") != "tobedeleted"]
            for k, v in served.data.items()}
    rest_to_csv_bundle(live, "1.1", tmp_path / "expected")
    after = rostergraph.load(dump)
    assert records(after) == records(rostergraph.load(tmp_path / "expected"))
    assert len(after.users) < len(rostergraph.sample().users)


def test_sync_takes_the_address_only_from_the_command_line(served, clock, tmp_path,
                                                            capsys) -> None:
    """A OneRoster dump is synced only with --oneroster URL, and only from its own server."""
    dump = tmp_path / "dump"
    assert main(["sync", str(dump)]) == 2
    assert "--oneroster" in capsys.readouterr().err
    other = OneRosterClient(served.origin + "/x/ims/oneroster/v1p1", ClientCredentials("a", SECRET),
                            auth="oauth1")
    with pytest.raises(SourceError, match="fetched from"):
        sync_oneroster(dump, client=other)
    other.close()
    with pytest.raises(SourceError, match="not a OneRoster dump"):
        sync_oneroster(tmp_path, client=other)


def test_foreign_address_in_the_manifest_is_quoted_short(served, clock, tmp_path) -> None:
    """Sync and fetch --resume refuse a dump naming another address with the same check,
    quoting at most 100 characters of the manifest's base_url."""
    dump = tmp_path / "dump"
    doc = orjson.loads((dump / "manifest.json").read_bytes())
    doc["base_url"] = "https://evil.test/" + "A" * 5000
    (dump / "manifest.json").write_bytes(orjson.dumps(doc))
    before = len(served.log)
    with client_for(served, clock) as c:
        for run in (lambda: sync_oneroster(dump, client=c, progress=False),
                    lambda: fetch_oneroster(dump, client=c, resume=True, progress=False)):
            with pytest.raises(SourceError, match="fetched from 'https://evil.test/A") as info:
                run()
            assert "A" * 100 not in str(info.value) and len(str(info.value)) < 400
    assert len(served.log) == before


def test_interrupted_sync_is_repaired_by_the_next(served, clock, tmp_path,
                                                 monkeypatch) -> None:
    """A sync that dies after writing the records but before the CSV bundle leaves the dump
    pending: the next sync rewrites the bundle, so load() sees the change and it is audited."""
    change(served)
    dump = tmp_path / "dump"
    import rostergraph.oneroster.sync as sync_mod

    def die(*a: Any, **k: Any) -> None:
        raise OSError("disk gone")

    with monkeypatch.context() as m:
        m.setattr(sync_mod, "write_bundle", die)
        with client_for(served, clock) as c, pytest.raises(OSError):
            sync_oneroster(dump, client=c, progress=False)
    manifest = read_dump_manifest(dump)
    assert manifest is not None and manifest["pending"] is True
    with client_for(served, clock) as c:
        again = sync_oneroster(dump, client=c, progress=False)
    assert again.actions == {}  # the records were already written by the first sync
    live = {k: [r for r in v if r.get("status") != "tobedeleted"]
            for k, v in served.data.items()}
    rest_to_csv_bundle(live, "1.1", tmp_path / "expected")
    assert records(rostergraph.load(dump)) == records(rostergraph.load(tmp_path / "expected"))
    audited = [orjson.loads(line) for line in (dump / AUDIT_LOG).read_bytes().splitlines()]
    assert {a["action"] for a in audited} == {"created", "updated", "deleted"}
    manifest = read_dump_manifest(dump)
    assert manifest is not None and manifest["pending"] is False


def test_sync_of_a_1_2_dump_rewrites_roles(data, clock, tmp_path) -> None:
    """In a 1.2 dump a user's changed roles array reaches roles.csv and the loaded user."""
    v12 = {k: [copy.deepcopy(r) for r in v] for k, v in data.items()}
    from .fake_oneroster import user_to_v12

    v12["users"] = [user_to_v12(u) for u in v12["users"]]
    with FakeOneRoster(v12, version="1.2", auth="oauth1", client_secret=SECRET,
                       clock=clock.time) as srv, client_for(srv, clock) as c:
        fetch_oneroster(tmp_path / "dump", client=c, progress=False)
        i, user = next((i, u) for i, u in enumerate(srv.data["users"])
                       if u.get("roles") and u["roles"][0]["role"] == "teacher")
        srv.data["users"][i] = {**user, "dateLastModified": LATER,
                                "roles": [{**user["roles"][0], "role": "aide"}]}
        result = sync_oneroster(tmp_path / "dump", client=c, progress=False)
    assert result.actions == {"updated": 1}
    rest_to_csv_bundle(srv.data, "1.2", tmp_path / "expected")
    got = rostergraph.load(tmp_path / "dump")
    assert got.provenance.version == "1.2"
    assert records(got) == records(rostergraph.load(tmp_path / "expected"))
    uid = user.get("metadata", {}).get("rostergraph.userId", user["sourcedId"])
    assert got.users[uid].roles.staff is not None


@pytest.mark.parametrize("interrupted", [False, True])
def test_sync_keeps_the_items_the_fetch_skipped_listed(data, clock, tmp_path, monkeypatch,
                                                       interrupted) -> None:
    """A fetch that skipped items that are no record (``null``, a string, an object
    without a sourcedId) lists each as a load problem of users.csv; a sync that changes
    the dump (and one that repairs an interrupted sync) keeps them listed, with every
    valid record, as the fetch had them."""
    served = copy.deepcopy(data)
    bad: list[Any] = [None, "oops", {"givenName": "No", "familyName": "Id"}]
    for at, item in zip((1, 4, 6), bad):
        served["users"].insert(at, item)
    dump = tmp_path / "dump"
    with FakeOneRoster(served, client_secret=SECRET, clock=clock.time) as srv:
        with client_for(srv, clock) as c:
            assert fetch_oneroster(dump, client=c, limit=5, progress=False).skipped == {
                "users": 3}
        fetched = rostergraph.load(dump)
        listed = sorted((p.code, p.raw) for p in fetched.problems if p.file == "users.csv")
        assert len(listed) == 3 and all(code == "no_id" for code, _ in listed)
        change(srv)
        if interrupted:  # the sync dies after its records, before the CSV bundle
            import rostergraph.oneroster.sync as sync_mod

            def die(*_a: Any) -> None:
                raise OSError("disk gone")

            monkeypatch.setattr(sync_mod, "write_bundle", die)
            with client_for(srv, clock) as c, pytest.raises(OSError):
                sync_oneroster(dump, client=c, progress=False)
            monkeypatch.undo()
        with client_for(srv, clock) as c:
            sync_oneroster(dump, client=c, progress=False)
        live = {k: [r for r in v if isinstance(r, dict) and "sourcedId" in r
                    and r.get("status") != "tobedeleted"] for k, v in srv.data.items()}
    rest_to_csv_bundle(live, "1.1", tmp_path / "expected")
    synced = rostergraph.load(dump)
    assert records(synced) == records(rostergraph.load(tmp_path / "expected"))
    assert sorted((p.code, p.raw) for p in synced.problems if p.file == "users.csv") == listed
    entry = read_dump_manifest(dump)["endpoints"]["users"]
    assert entry["skipped"] == 3 and len(entry["skipped_items"]) == 3


def test_sync_lists_a_delta_item_that_is_no_record_once(served, clock, tmp_path) -> None:
    """A delta holding an object without a sourcedId among good records: the good ones
    are applied, the item is listed like the fetch's skipped items (a load problem with
    its text, counted as ``skipped``), and a sync that is sent it again lists it once."""
    dump = tmp_path / "dump"
    served.data["users"].append({"givenName": "No", "familyName": "Id",
                                 "dateLastModified": LATER})
    ids = change(served)
    with client_for(served, clock) as c:
        result = sync_oneroster(dump, client=c, progress=False)
    assert result.actions == {"created": 1, "deleted": 1, "updated": 1, "skipped": 1}
    assert "1 skipped" in result.summary()
    for _ in range(2):
        r = rostergraph.load(dump)
        assert ids["added"] in r.sections and r.sections[ids["renamed"]].name == "Renamed class"
        listed = [p for p in r.problems if p.file == "users.csv"]
        assert len(listed) == 1 and listed[0].code == "no_id" and 'No' in (listed[0].raw or "")
        with client_for(served, clock) as c:
            again = sync_oneroster(dump, client=c, progress=False)
        assert again.actions == {}
    assert read_dump_manifest(dump)["endpoints"]["users"]["skipped"] == 1


def hard_delete(srv: FakeOneRoster) -> dict[str, Any]:
    """Remove a student, a class and an enrollment outright (no tobedeleted row), each
    student's and class's enrollments with them; return the ids that went."""
    users, classes, enrollments = (srv.data[k] for k in ("users", "classes", "enrollments"))
    # (none that change() touches: the first two classes, the first enrollment)
    first = enrollments[0]
    student = next(u["sourcedId"] for u in users if u.get("role") == "student"
                   and u["sourcedId"] != first["user"]["sourcedId"])
    klass = next(c["sourcedId"] for c in reversed(classes[2:])
                 if c["sourcedId"] != first["class"]["sourcedId"])
    lone = next(e["sourcedId"] for e in enrollments[1:]
                if e["user"]["sourcedId"] != student and e["class"]["sourcedId"] != klass)
    gone_enr = {e["sourcedId"] for e in enrollments
                if e["sourcedId"] == lone or e["user"]["sourcedId"] == student
                or e["class"]["sourcedId"] == klass}
    srv.data["users"] = [u for u in users if u["sourcedId"] != student]
    srv.data["classes"] = [c for c in classes if c["sourcedId"] != klass]
    srv.data["enrollments"] = [e for e in enrollments if e["sourcedId"] not in gone_enr]
    return {"users": {student}, "classes": {klass}, "enrollments": gone_enr}


def bundle_rows(folder: Any) -> dict[str, list[str]]:
    """Each CSV file's rows without empty cells, sorted (order and headers aside)."""
    from .fake_oneroster import csv_rows

    return {name: sorted(orjson.dumps({k: v for k, v in row.items() if v},
                                      option=orjson.OPT_SORT_KEYS).decode()
                         for row in csv_rows(data))
            for name, data in bundle_bytes(folder).items()
            if name.endswith(".csv") and name != "manifest.csv"}


@pytest.mark.parametrize("ignore_fields", [False, True])
def test_hard_deleted_records_leave_the_synced_dump(served, clock, tmp_path,
                                                    ignore_fields) -> None:
    """Records the server removed outright (never served as tobedeleted) leave the dump:
    the ids-only listing (``fields=sourcedId``; whole records from a server ignoring it)
    no longer holds them. The dump then reads like a fresh fetch, bundle and load alike,
    each removal is audited as ``gone`` without names, and tobedeleted rows still work."""
    served.ignore_fields = ignore_fields
    dump = tmp_path / "dump"
    gone = hard_delete(served)
    ids = change(served)
    with client_for(served, clock) as c:
        result = sync_oneroster(dump, client=c, progress=False)
    n_gone = sum(len(v) for v in gone.values())
    assert result.actions == {"created": 1, "deleted": 1, "updated": 1, "gone": n_gone}
    assert result.unchecked == {} and f"{n_gone} gone" in result.summary()
    listings = [e for e in served.requests("/users") if "fields" in e["query"]]
    assert listings and all(e["query"]["fields"] == ["sourcedId,status"] and "filter" not in
                            e["query"] for e in listings)
    audit = [orjson.loads(line) for line in (dump / AUDIT_LOG).read_bytes().splitlines()]
    assert {(a["collection"], a["sourcedId"]) for a in audit if a["action"] == "gone"} == {
        (k, sid) for k, v in gone.items() for sid in v}
    assert ("enrollments", ids["dropped"], "deleted") in {
        (a["collection"], a["sourcedId"], a["action"]) for a in audit}
    assert all(set(a) == {"synced_at", "collection", "sourcedId", "action",
                          "dateLastModified"} for a in audit)
    with client_for(served, clock) as c:
        fetch_oneroster(tmp_path / "fresh", client=c, limit=50, progress=False)
    synced = rostergraph.load(dump)
    assert records(synced) == records(rostergraph.load(tmp_path / "fresh"))
    assert not gone["users"] & set(synced.users) and not gone["classes"] & set(synced.sections)
    assert bundle_rows(dump) == bundle_rows(tmp_path / "fresh")
    assert read_dump_manifest(dump)["endpoints"]["users"]["count"] == len(served.data["users"])
    with client_for(served, clock) as c:  # nothing went since: nothing written
        assert sync_oneroster(dump, client=c, progress=False).actions == {}
    assert len((dump / AUDIT_LOG).read_bytes().splitlines()) == len(audit)


def test_a_listing_failing_midway_removes_nothing(served, clock, tmp_path, caplog) -> None:
    """An ids-only listing of users that fails on its second page (503s outlasting the
    retries) removes no user, says so in the result and the log (no secret), and the
    other collections are still checked."""
    dump = tmp_path / "dump"
    gone = hard_delete(served)

    def fail_next_pages(name: str, offset: int) -> None:
        if name == "users" and offset == 0 and "fields" in served.log[-1]["query"]:
            served.inject("503", times=50, path="/users")

    served.after_page = fail_next_pages
    with client_for(served, clock) as c, caplog.at_level("WARNING", "rostergraph"):
        result = sync_oneroster(dump, client=c, limit=5, progress=False)
    assert set(result.unchecked) == {"users"} and "503" in result.unchecked["users"]
    assert result.actions == {"gone": len(gone["classes"]) + len(gone["enrollments"])}
    assert "users" in result.summary() and "not checked" in result.summary()
    assert "users" in caplog.text and "removed nothing" in caplog.text
    assert SECRET not in caplog.text + result.summary() + str(result.unchecked)
    assert gone["users"] <= set(rostergraph.load(dump).users)
    audit = [orjson.loads(line) for line in (dump / AUDIT_LOG).read_bytes().splitlines()]
    assert not [a for a in audit if a["collection"] == "users"]


def test_an_empty_listing_of_a_non_empty_collection_removes_nothing(served, clock,
                                                                   tmp_path, caplog) -> None:
    """A server whose ids-only listing of users is empty while the dump holds users (a
    broken listing, not a district without students) removes no user and says so."""
    dump = tmp_path / "dump"
    served.fields_empty = {"users"}
    before = set(rostergraph.load(dump).users)
    with client_for(served, clock) as c, caplog.at_level("WARNING", "rostergraph"):
        result = sync_oneroster(dump, client=c, progress=False)
    assert result.actions == {} and set(result.unchecked) == {"users"}
    assert "no ids" in result.unchecked["users"] and "removed nothing" in caplog.text
    assert set(rostergraph.load(dump).users) == before
    assert not (dump / AUDIT_LOG).exists()


@pytest.mark.parametrize(("no_total", "pages", "told"), [
    (True, 1, "records of the delta"), (False, 2, "X-Total-Count")])
def test_a_listing_cut_short_removes_nothing(served, clock, tmp_path, no_total, pages,
                                            told) -> None:
    """An ids-only listing that ends early (an empty page after ``pages`` pages) holding
    fewer ids than the delta just sent, or fewer items than the server's X-Total-Count,
    is cut short: the classes it does not list stay, and the result says why."""
    dump = tmp_path / "dump"
    served.no_total = no_total
    ids = change(served)  # the delta sends two classes of the three left
    served.data["classes"][2:] = [served.data["classes"][-1]]
    assert served.data["classes"][-1]["sourcedId"] == ids["added"]

    def cut(name: str, offset: int) -> None:
        if name == "classes" and "fields" in served.log[-1]["query"]:
            served.fields_empty = {"classes"} if offset + 1 >= pages else set()

    served.after_page = cut
    with client_for(served, clock) as c:
        result = sync_oneroster(dump, client=c, limit=1, progress=False)
    assert set(result.unchecked) == {"classes"} and told in result.unchecked["classes"]
    assert "gone" not in result.actions
    assert len(rostergraph.load(dump).sections) == len(rostergraph.sample().sections) + 1


def test_check_deletions_off(served, clock, tmp_path, monkeypatch) -> None:
    """``check_deletions=False`` (``--no-check-deletions``) asks for no id listing and
    keeps records the server removed outright, as before."""
    dump = tmp_path / "dump"
    gone = hard_delete(served)
    with client_for(served, clock) as c:
        result = sync_oneroster(dump, client=c, progress=False, check_deletions=False)
    assert result.actions == {} and result.unchecked == {}
    monkeypatch.setenv("RGS_CLIENT_ID", served.client_id)
    monkeypatch.setenv("RGS_CLIENT_SECRET", SECRET)
    assert main(["sync", str(dump), "--oneroster", served.base_url, "--token-url",
                 served.token_url, "--credentials-env", "RGS", "--quiet",
                 "--no-check-deletions"]) == 0
    assert not [e for e in served.log if "fields" in e["query"]]
    assert gone["users"] <= set(rostergraph.load(dump).users)


def _old_user(srv: FakeOneRoster, sid: str) -> dict[str, Any]:
    """A student added on the server with a dateLastModified older than any mark (an SIS
    that backdates, or a record a fetch missed when a page boundary moved)."""
    first = next(u for u in srv.data["users"] if u.get("role") == "student")
    user = {**first, "sourcedId": sid, "givenName": "Late", "username": sid,
            "dateLastModified": "2000-01-01T00:00:00.000Z"}
    srv.data["users"].append(user)
    return user


def test_records_the_dump_lacks_are_fetched_by_id(served, clock, tmp_path) -> None:
    """A record the ids-only listing holds but the dump lacks (its dateLastModified is older
    than the mark, so no delta brings it) is fetched on its own (``users/{id}``, the id
    escaped) and added as ``recovered``: the dump then reads like a fresh fetch."""
    dump = tmp_path / "dump"
    _old_user(served, "late/1 é")
    with client_for(served, clock) as c:
        result = sync_oneroster(dump, client=c, progress=False)
    assert result.actions == {"recovered": 1} and "1 recovered" in result.summary()
    assert [e["path"] for e in served.log if e["path"].endswith("%C3%A9")] == [
        "/ims/oneroster/v1p1/users/late%2F1%20%C3%A9"]
    audit = [orjson.loads(line) for line in (dump / AUDIT_LOG).read_bytes().splitlines()]
    assert [(a["collection"], a["sourcedId"], a["action"]) for a in audit] == [
        ("users", "late/1 é", "recovered")]
    with client_for(served, clock) as c:
        fetch_oneroster(tmp_path / "fresh", client=c, limit=50, progress=False)
    assert records(rostergraph.load(dump)) == records(rostergraph.load(tmp_path / "fresh"))
    with client_for(served, clock) as c:  # nothing is missing now
        assert sync_oneroster(dump, client=c, progress=False).actions == {}


def test_a_record_gone_before_its_fetch_by_id_is_not_added(served, clock, tmp_path,
                                                           monkeypatch, caplog) -> None:
    """A listed id the server then answers 404 for (removed meanwhile), or whose record
    says tobedeleted, adds nothing; past :func:`recovery_cap` ids nothing is fetched one by
    one and the log says to fetch again (a listing that far from the dump is no gap)."""
    from rostergraph.oneroster import listing

    dump = tmp_path / "dump"
    _old_user(served, "late-1")
    _old_user(served, "late-2")
    real = served.after_page

    def drop_late(name: str, offset: int) -> None:  # listed, then changed before the GET
        if name == "users" and "fields" in served.log[-1]["query"]:
            served.data["users"] = [
                {**u, "status": "tobedeleted"} if u["sourcedId"] == "late-2" else u
                for u in served.data["users"] if u["sourcedId"] != "late-1"]

    served.after_page = drop_late
    with client_for(served, clock) as c:
        assert sync_oneroster(dump, client=c, progress=False).actions == {}
    served.after_page = real
    _old_user(served, "late-3")
    _old_user(served, "late-4")  # (one page of ids: a cap of 1 without the floor)
    monkeypatch.setattr(listing, "MIN_RECOVERED", 0)
    with client_for(served, clock) as c, caplog.at_level("WARNING", "rostergraph"):
        assert sync_oneroster(dump, client=c, progress=False).actions == {}
    assert "2 users the server lists are not in the dump" in caplog.text
    assert not {"late-3", "late-4"} & set(rostergraph.load(dump).users)


def test_records_fetched_by_id_at_most_as_many_as_paging_again_takes(
        served, clock, tmp_path, caplog) -> None:
    """The records fetched one by one are capped by what paging the collection again
    costs (about its size / the page limit requests), never below ``MIN_RECOVERED``:
    past it nothing is fetched by id and the log says to fetch again; a smaller page
    limit (paging again costs more requests) recovers them all."""
    from rostergraph.oneroster import listing

    dump = tmp_path / "dump"
    late = [_old_user(served, f"late-{i:03}")["sourcedId"]
            for i in range(listing.MIN_RECOVERED + 1)]
    size = len(served.data["users"])
    assert listing.recovery_cap(size, 50) == listing.MIN_RECOVERED < len(late)
    with client_for(served, clock) as c, caplog.at_level("WARNING", "rostergraph"):
        assert sync_oneroster(dump, client=c, limit=50, progress=False).actions == {}
    assert not [e for e in served.log if "/users/late-" in e["path"]]
    assert f"{len(late)} users the server lists are not in the dump" in caplog.text
    assert "fetch the district again" in caplog.text
    assert not set(late) & set(rostergraph.load(dump).users)
    pages = -(-size // 2)  # (paging again 2 a page: more requests than records missing)
    assert listing.recovery_cap(size, 2) == pages > len(late)
    with client_for(served, clock) as c:
        result = sync_oneroster(dump, client=c, limit=2, progress=False)
    assert result.actions == {"recovered": len(late)}
    assert set(late) <= set(rostergraph.load(dump).users)


def test_the_recovery_cap_follows_the_cost_of_paging_again() -> None:
    """Small collections: the floor; large ones: their page count, past the 1,000 the
    cap once was (a district of 500,000 users paged 100 at a time: 5,000 requests)."""
    from rostergraph.oneroster.listing import MIN_RECOVERED, recovery_cap

    assert recovery_cap(0, 100) == recovery_cap(300, 100) == MIN_RECOVERED
    assert recovery_cap(500_000, 100) == 5_000
    assert recovery_cap(100 * MIN_RECOVERED + 1, 100) == MIN_RECOVERED + 1
    assert recovery_cap(10, 0) == MIN_RECOVERED  # (a limit of 0 is no page size)


def test_listed_records_marked_tobedeleted_are_not_live(served, clock, tmp_path) -> None:
    """The id listing asks for each record's status too (``fields=sourcedId,status``): a
    record the server still lists but marks tobedeleted, with a dateLastModified no delta
    reaches, leaves the dump (``gone``), and one the dump never held is not fetched by id
    at every sync."""
    dump = tmp_path / "dump"
    users = served.data["users"]
    kept = next(u for u in users if u.get("role") == "student")
    users[users.index(kept)] = {**kept, "status": "tobedeleted"}
    _old_user(served, "late-x")["status"] = "tobedeleted"
    with client_for(served, clock) as c:
        result = sync_oneroster(dump, client=c, progress=False)
    assert result.actions == {"gone": 1}
    assert kept["sourcedId"] not in rostergraph.load(dump).users
    assert not [e for e in served.log if e["path"].endswith("/users/late-x")]
    listings = [e for e in served.requests("/users") if "fields" in e["query"]]
    assert listings and all(e["query"]["fields"] == ["sourcedId,status"] for e in listings)


def test_a_collection_without_dates_syncs_from_the_servers_clock(data, clock,
                                                                 tmp_path) -> None:
    """A collection none of whose records carries a dateLastModified is marked with the
    server's clock (the HTTP Date of its first page), not this machine's: a record the
    server changes after the fetch is in the next delta even when the two clocks disagree
    (the server's is years behind here)."""
    dateless = copy.deepcopy(data)
    for s in dateless["academicSessions"]:
        s.pop("dateLastModified", None)
    dump = tmp_path / "dump"
    with FakeOneRoster(dateless, client_secret=SECRET, clock=clock.time) as srv:
        with client_for(srv, clock) as c:
            fetch_oneroster(dump, client=c, limit=50, progress=False)
        marks = read_dump_manifest(dump)["endpoints"]
        assert marks["academicSessions"]["since"] == "2023-11-14T22:13:20Z"
        assert marks["academicSessions"]["server_started_at"] == "2023-11-14T22:13:20Z"
        clock.sleep(60)
        sessions = srv.data["academicSessions"]
        sessions[0] = {**sessions[0], "title": "Renamed term",
                       "dateLastModified": "2023-11-14T22:14:20.000Z"}
        with client_for(srv, clock) as c:
            result = sync_oneroster(dump, client=c, progress=False)
    assert result.actions == {"updated": 1}
    assert "Renamed term" in {t.name for t in rostergraph.load(dump).terms.values()}


def test_a_server_date_ahead_of_this_machine_hides_no_change(data, clock, tmp_path) -> None:
    """The HTTP Date is untrusted: a server (or a proxy before it) whose Date runs years
    ahead must not mark a dateless collection in the future, where no delta ever reaches.
    The mark is the earlier of the server's Date and the fetch's own start."""
    import datetime as dt

    dateless = copy.deepcopy(data)
    for s in dateless["academicSessions"]:
        s.pop("dateLastModified", None)
    dump = tmp_path / "dump"
    ahead = 80 * 365 * 86400.0
    with FakeOneRoster(dateless, client_secret=SECRET,
                       clock=lambda: clock.time() + ahead) as srv:
        with client_for(srv, clock) as c:
            fetch_oneroster(dump, client=c, limit=50, progress=False)
        marks = read_dump_manifest(dump)["endpoints"]
        assert marks["academicSessions"]["server_started_at"] > "2100"
        assert marks["academicSessions"]["since"] < "2100"
        soon = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
        sessions = srv.data["academicSessions"]
        sessions[0] = {**sessions[0], "title": "Renamed term",
                       "dateLastModified": soon.strftime("%Y-%m-%dT%H:%M:%S.000Z")}
        with client_for(srv, clock) as c:
            result = sync_oneroster(dump, client=c, progress=False)
    assert result.actions == {"updated": 1}
    assert "Renamed term" in {t.name for t in rostergraph.load(dump).terms.values()}


def test_endless_404s_for_listed_ids_stop_the_fetching_by_id(served, clock, tmp_path,
                                                             caplog) -> None:
    """A server that lists ids but answers 404 for each asked for on its own (one that
    serves no single records, or a listing that lies) is not asked for up to
    :func:`recovery_cap` of them at every sync: after ``MAX_ABSENT_IN_A_ROW`` 404s in a row
    the recovery of that collection stops, with a warning."""
    from rostergraph.oneroster import listing

    dump = tmp_path / "dump"
    ghosts = {_old_user(served, f"ghost-{i:03}")["sourcedId"] for i in range(40)}

    def drop_ghosts(name: str, offset: int) -> None:  # listed, never served by id
        if name == "users" and "fields" in served.log[-1]["query"]:
            served.data["users"] = [u for u in served.data["users"]
                                    if u["sourcedId"] not in ghosts]

    served.after_page = drop_ghosts
    with client_for(served, clock) as c, caplog.at_level("WARNING", "rostergraph"):
        assert sync_oneroster(dump, client=c, progress=False).actions == {}
    asked = [e for e in served.log if "/users/ghost-" in e["path"]]
    assert len(asked) == listing.MAX_ABSENT_IN_A_ROW < 40 <= listing.MIN_RECOVERED
    assert f"{listing.MAX_ABSENT_IN_A_ROW} listed ids in a row had no record" in caplog.text


def test_a_single_record_answer_for_another_id_adds_nothing_and_is_told(
        served, clock, monkeypatch, caplog) -> None:
    """``users/{id}`` answered with another id's record (a server that ignores the id, or
    a hostile one) adds nothing, counts as no record towards ``MAX_ABSENT_IN_A_ROW`` and
    is logged, as a record that says tobedeleted is (the docs say both are logged)."""
    from rostergraph.oneroster import listing

    asked: list[str] = []

    def answer(collection: str, sid: str) -> dict[str, Any]:
        asked.append(sid)
        rec = {"b": {"sourcedId": "b", "status": "tobedeleted"}, "c": {"sourcedId": "c"}}
        return rec.get(sid, {"sourcedId": "zzz"})

    served.single_record = answer
    with client_for(served, clock) as c:
        with caplog.at_level("WARNING", "rostergraph"):
            got = listing.recover_missing(c, "users", {"a", "b", "c"}, {})
        assert got == [{"sourcedId": "c"}]
        assert "users: 1 listed ids the dump lacks were answered with another id's " \
            "record; not added" in caplog.text
        assert "users: 1 listed ids the dump lacks are marked tobedeleted" in caplog.text
        monkeypatch.setattr(listing, "MAX_ABSENT_IN_A_ROW", 2)
        asked.clear()
        assert listing.recover_missing(c, "users", {"x", "y", "z"}, {}) == []
        assert asked == ["x", "y"]


def test_a_delta_that_changed_while_paged_keeps_its_mark(served, clock, tmp_path,
                                                         caplog) -> None:
    """A record of the delta removed on the server while the delta pages (before the
    current offset) moves the next one past the page boundary, unseen; the newest
    dateLastModified received may then be past the unseen record's. A delta whose
    X-Total-Count changed keeps the collection's mark, so the next sync asks again from
    it and gets the record."""
    dump = tmp_path / "dump"
    classes = served.data["classes"]
    since = read_dump_manifest(dump)["endpoints"]["classes"]["since"]
    for k, stamp in enumerate(("2099-01-01T00:00:01.000Z", "2099-01-01T00:00:02.000Z",
                               "2099-01-01T00:00:03.000Z")):
        classes[k] = {**classes[k], "title": f"Changed {k}", "dateLastModified": stamp}
    unseen = classes[1]["sourcedId"]

    def remove_first(name: str, offset: int) -> None:  # (the delta's first page served)
        if name == "classes" and offset == 0 and "filter" in served.log[-1]["query"]:
            served.data["classes"] = [c for c in served.data["classes"]
                                      if c["sourcedId"] != classes[0]["sourcedId"]]

    served.after_page = remove_first
    with client_for(served, clock) as c, caplog.at_level("WARNING", "rostergraph"):
        sync_oneroster(dump, client=c, limit=1, progress=False, check_deletions=False)
    served.after_page = None
    assert "Changed 1" not in {s.name for s in rostergraph.load(dump).sections.values()}
    assert read_dump_manifest(dump)["endpoints"]["classes"]["since"] == since
    assert "classes: the delta changed while it was paged" in caplog.text
    with client_for(served, clock) as c:
        sync_oneroster(dump, client=c, limit=1, progress=False, check_deletions=False)
    assert unseen in rostergraph.load(dump).sections
    assert "Changed 1" in {s.name for s in rostergraph.load(dump).sections.values()}
    assert read_dump_manifest(dump)["endpoints"]["classes"]["since"] == \
        "2099-01-01T00:00:03.000Z"
