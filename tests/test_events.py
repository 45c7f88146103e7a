"""Clever events: apply_events in memory and `sync` of a dump against the fake server."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rostergraph
from rostergraph.clever import (
    AUDIT_LOG,
    CleverClient,
    apply_event_records,
    apply_events,
    fetch_district,
    merge_patch,
    read_manifest,
    sync_dump,
)
from rostergraph.clever import events as events_mod
from rostergraph.cli import main
from rostergraph.errors import FormatError, SourceError
from rostergraph.model import KINDS, record_to_dict

from .fake_clever import FakeClever, FakeClock, _Ids, make_changes, make_district

TOKEN = "tok-EVENTS-93b1f0c7aa"
# Apache-2.0 Clever sample payloads copied into the repository (provenance beside them).
SAMPLES = Path(__file__).parent / "data" / "public-samples" / "clever"


@pytest.fixture(scope="module")
def history() -> dict[str, Any]:
    """A district, an earlier event stream (already reflected), and a later one."""
    base = make_district(seed=5)
    eids = _Ids("6e")
    old_events, state1 = make_changes(base, seed=1, event_ids=eids)
    new_events, state2 = make_changes(state1, seed=2, event_ids=eids)
    return {"base": base, "old": old_events, "state1": state1, "new": new_events,
            "state2": state2}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def client_for(srv: FakeClever, clock: FakeClock) -> CleverClient:
    return CleverClient(TOKEN, base_url=srv.base_url, clock=clock.time, sleep=clock.sleep,
                        rng=random.Random(1))


def files(folder: Path) -> dict[str, bytes]:
    return {k: (folder / f"{k}.jsonl").read_bytes() for k in KINDS}


def rosters_equal(a: rostergraph.Roster, b: rostergraph.Roster) -> None:
    for kind in KINDS:
        assert dict(a.records(kind)) == dict(b.records(kind)), kind


@pytest.fixture
def fetched(history, clock, tmp_path):
    """A server at state1 (with the old events in its feed) and a dump fetched from it."""
    with FakeClever(history["state1"], token=TOKEN, clock=clock.time,
                    events=history["old"]) as srv, client_for(srv, clock) as c:
        fetch_district(tmp_path / "dump", client=c, limit=7)
        yield srv, c, tmp_path


# --- sync -----------------------------------------------------------------------------------------


def test_fetch_records_newest_event_id(fetched, history) -> None:
    """The manifest's event cursor is the newest event at fetch time (old events are skipped)."""
    _, _, tmp = fetched
    ev = read_manifest(tmp / "dump")["events"]
    assert ev["available"] is True
    assert ev["last_event_id"] == history["old"][-1]["data"]["id"]


def test_sync_equals_fresh_fetch_of_final_state(fetched, history, clock) -> None:
    """Applying the served event stream to a dump gives the files a fresh fetch writes."""
    srv, c, tmp = fetched
    srv.advance(history["new"], history["state2"])
    result = sync_dump(tmp / "dump", client=c, limit=4)
    fetch_district(tmp / "fresh", client=c, limit=7)
    assert files(tmp / "dump") == files(tmp / "fresh")
    rosters_equal(rostergraph.load(tmp / "dump"), rostergraph.load(tmp / "fresh"))
    assert result.events == len(history["new"])
    assert result.last_event_id == history["new"][-1]["data"]["id"]
    assert result.actions["ignored"] == 1 and result.actions["merged"] >= 3
    assert result.actions["replaced"] >= 3 and result.actions["deleted"] >= 2
    manifest = read_manifest(tmp / "dump")
    assert manifest["events"]["last_event_id"] == result.last_event_id
    assert {k: v["count"] for k, v in manifest["resources"].items()} == {
        k: len(v) for k, v in history["state2"].items()}
    # a second sync finds nothing new and changes nothing
    again = sync_dump(tmp / "dump", client=c)
    assert again.events == 0 and files(tmp / "dump") == files(tmp / "fresh")


def test_audit_log_keeps_previous_attributes(fetched, history) -> None:
    """Every applied event is one audit line; updates keep previous_attributes as served."""
    srv, c, tmp = fetched
    srv.advance(history["new"], history["state2"])
    sync_dump(tmp / "dump", client=c, limit=5)
    lines = [orjson.loads(x) for x in (tmp / "dump" / AUDIT_LOG).read_bytes().splitlines()]
    assert [a["event"] for a in lines] == [e["data"]["id"] for e in history["new"]]
    for a, e in zip(lines, history["new"]):
        prev = e["data"]["data"].get("previous_attributes")
        assert a.get("previous_attributes") == prev
        assert a["type"] == e["data"]["type"]


class _Crash(Exception):
    pass


def test_sync_interrupted_after_a_page_resumes_to_same_state(fetched, history) -> None:
    """A sync killed after its first page continues from the stored cursor on the next run."""
    srv, c, tmp = fetched
    srv.advance(history["new"], history["state2"])

    def crash(page: int) -> None:
        raise _Crash
    with pytest.raises(_Crash):
        sync_dump(tmp / "dump", client=c, limit=3, on_page=crash)
    assert read_manifest(tmp / "dump")["events"]["last_event_id"] == history["new"][2]["data"]["id"]
    sync_dump(tmp / "dump", client=c, limit=3)
    fetch_district(tmp / "fresh", client=c)
    assert files(tmp / "dump") == files(tmp / "fresh")
    lines = (tmp / "dump" / AUDIT_LOG).read_bytes().splitlines()
    assert len(lines) == len(history["new"])  # no page audited twice


def test_cursor_advances_only_after_the_write(fetched, history, monkeypatch) -> None:
    """If writing a page's files fails, the cursor stays; a re-run replays that page exactly."""
    srv, c, tmp = fetched
    srv.advance(history["new"], history["state2"])
    cursor0 = read_manifest(tmp / "dump")["events"]["last_event_id"]
    real = events_mod._write_kind
    calls = {"n": 0}

    def flaky(*args: Any, **kw: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the second file of the first page
            raise OSError("disk full")
        real(*args, **kw)
    monkeypatch.setattr(events_mod, "_write_kind", flaky)
    with pytest.raises(OSError):
        sync_dump(tmp / "dump", client=c, limit=6)
    assert read_manifest(tmp / "dump")["events"]["last_event_id"] == cursor0
    assert not (tmp / "dump" / AUDIT_LOG).exists() or not (
        tmp / "dump" / AUDIT_LOG).read_bytes()
    monkeypatch.setattr(events_mod, "_write_kind", real)
    sync_dump(tmp / "dump", client=c, limit=6)
    fetch_district(tmp / "fresh", client=c)
    assert files(tmp / "dump") == files(tmp / "fresh")


def test_crash_before_manifest_write_replays_idempotently(fetched, history,
                                                          monkeypatch) -> None:
    """Files written but cursor not stored: the replay gives the same files, audit not doubled."""
    srv, c, tmp = fetched
    srv.advance(history["new"], history["state2"])
    real = events_mod.write_manifest

    def die(*args: Any, **kw: Any) -> None:
        raise _Crash
    monkeypatch.setattr(events_mod, "write_manifest", die)
    with pytest.raises(_Crash):
        sync_dump(tmp / "dump", client=c, limit=100)
    monkeypatch.setattr(events_mod, "write_manifest", real)
    sync_dump(tmp / "dump", client=c, limit=100)
    fetch_district(tmp / "fresh", client=c)
    assert files(tmp / "dump") == files(tmp / "fresh")
    assert len((tmp / "dump" / AUDIT_LOG).read_bytes().splitlines()) == len(history["new"])


def test_sync_of_gzip_dump_keeps_gzip(history, clock, tmp_path) -> None:
    """A gzip dump is synced in place and still loads to the final state."""
    with FakeClever(history["state1"], token=TOKEN, clock=clock.time,
                    events=history["old"]) as srv, client_for(srv, clock) as c:
        fetch_district(tmp_path / "dump", client=c, use_gzip=True)
        srv.advance(history["new"], history["state2"])
        sync_dump(tmp_path / "dump", client=c)
        fetch_district(tmp_path / "fresh", client=c)
    assert not [k for k in KINDS if (tmp_path / "dump" / f"{k}.jsonl").exists()]
    assert all((tmp_path / "dump" / f"{k}.jsonl.gz").exists() for k in KINDS)
    rosters_equal(rostergraph.load(tmp_path / "dump"), rostergraph.load(tmp_path / "fresh"))


def test_sync_refuses_incomplete_or_foreign_dumps(fetched, tmp_path) -> None:
    """Sync needs a finished fetch from the same API."""
    _, c, tmp = fetched
    with pytest.raises(SourceError, match="no manifest"):
        sync_dump(tmp_path / "nothing", client=c)
    m = read_manifest(tmp / "dump")
    m["complete"] = False
    (tmp / "dump" / "manifest.json").write_bytes(orjson.dumps(m))
    with pytest.raises(SourceError, match="resume"):
        sync_dump(tmp / "dump", client=c)
    m["complete"] = True
    (tmp / "dump" / "manifest.json").write_bytes(orjson.dumps(m))
    other = CleverClient(TOKEN, base_url="http://127.0.0.1:9/v3.0")
    with pytest.raises(SourceError, match="fetched from"):
        sync_dump(tmp / "dump", client=other)


def test_sync_refuses_a_cursor_older_than_event_retention(fetched) -> None:
    """A cursor last confirmed 40 days ago is refused: Clever keeps events for 30 days."""
    import datetime as dt

    _, c, tmp = fetched
    m = read_manifest(tmp / "dump")
    m["events"]["recorded_at"] = (dt.datetime.now(dt.UTC)
                                  - dt.timedelta(days=40)).isoformat(timespec="seconds")
    (tmp / "dump" / "manifest.json").write_bytes(orjson.dumps(m))
    with pytest.raises(SourceError, match="40 days ago"):
        sync_dump(tmp / "dump", client=c)
    assert sync_dump(tmp / "dump", client=c, max_age_days=60).events == 0


def test_cli_sync_takes_base_url_from_the_option(fetched, history, monkeypatch, capsys) -> None:
    """`rostergraph sync DIR --base-url URL` syncs and prints one line (the URL is never
    taken from the manifest)."""
    srv, _, tmp = fetched
    srv.advance(history["new"], history["state2"])
    monkeypatch.setenv("RG_EVENTS_TOKEN", TOKEN)
    assert main(["sync", str(tmp / "dump"), "--token-env", "RG_EVENTS_TOKEN", "--quiet",
                 "--base-url", srv.base_url]) == 0
    out = capsys.readouterr()
    assert out.out.startswith("synced ") and out.out.count("\n") == 1
    assert f"{len(history['new'])} events" in out.out
    assert TOKEN not in out.out + out.err


# --- apply_events in memory ----------------------------------------------------------------------


def roster_of(state: dict[str, list[dict[str, Any]]], tmp: Path) -> rostergraph.Roster:
    tmp.mkdir(parents=True, exist_ok=True)
    for kind, recs in state.items():
        (tmp / f"{kind}.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in recs))
    return rostergraph.load(tmp)


def test_apply_events_gives_the_final_roster(history, tmp_path) -> None:
    """apply_events(roster at state1, new events) equals the roster at state2."""
    before = roster_of(history["state1"], tmp_path / "a")
    after = apply_events(before, history["new"])
    rosters_equal(after, roster_of(history["state2"], tmp_path / "b"))
    assert after.problems == []
    assert any("applied" in n for n in after.provenance.notes)


def test_apply_events_is_pure(history, tmp_path) -> None:
    """The input roster and the event list are left unchanged."""
    before = roster_of(history["state1"], tmp_path / "a")
    snapshot = {k: dict(before.records(k)) for k in KINDS}
    events = copy.deepcopy(history["new"])
    apply_events(before, events)
    assert {k: dict(before.records(k)) for k in KINDS} == snapshot
    assert events == history["new"]


def test_partial_update_merges_and_full_update_replaces(tmp_path) -> None:
    """A partial object merges (nested keys kept); a complete one replaces (removed role gone)."""
    d = make_district(seed=9, students=4, teachers=2, sections=2)
    roster = roster_of(d, tmp_path)
    student = next(u for u in d["users"] if "student" in u["roles"])
    teacher = next(u for u in d["users"] if "staff" in u["roles"])
    partial = {"type": "users.updated", "data": {"object": {
        "id": student["id"], "district": student["district"],
        "roles": {"student": {"grade": "12"}}}, "previous_attributes": {}}}
    full = copy.deepcopy(teacher)
    del full["roles"]["staff"]
    full_ev = {"type": "users.updated", "data": {"object": full}}
    after = apply_events(roster, [partial, full_ev])
    s = after.users[student["id"]]
    assert s.roles.student.grade == "12"
    assert s.name == roster.users[student["id"]].name
    assert s.roles.student.school == student["roles"]["student"]["school"]
    assert after.users[teacher["id"]].roles.staff is None
    assert after.users[teacher["id"]].roles.teacher is not None


def test_delete_of_missing_and_update_of_missing(tmp_path) -> None:
    """Deleting an unknown id is a no-op ('absent'); updating one creates it (with a partial
    object, as ``created_partial``)."""
    store: dict[str, dict[str, dict[str, Any]]] = {}
    audit = apply_event_records(store, [
        {"type": "sections.deleted", "data": {"object": {"id": "nope"}}},
        {"type": "terms.updated", "data": {"object": {"id": "t9", "name": "Summer"}}},
    ])
    assert [a["action"] for a in audit] == ["absent", "created_partial"]
    assert store["terms"]["t9"] == {"id": "t9", "name": "Summer"}


def test_malformed_events_raise_format_error() -> None:
    """An event without a type, or whose object has no id, is a FormatError."""
    with pytest.raises(FormatError):
        apply_event_records({}, [{"id": "e1", "data": {"object": {"id": "x"}}}])
    with pytest.raises(FormatError, match="no string id"):
        apply_event_records({}, [{"id": "e1", "type": "users.created", "data": {"object": {}}}])
    with pytest.raises(FormatError):
        apply_event_records({}, ["not an event"])


# --- real payloads ------------------------------------------------------------------------------


def test_real_v12_events_parse_and_v2_types_are_ignored() -> None:
    """The real clever-ruby events (students.*, v1.2 envelopes) parse; their types are not v3."""
    doc = json.loads((SAMPLES / "clever-ruby-v1.2-events" / "events.json").read_text())
    audit = apply_event_records({}, doc["data"])
    assert len(audit) == len(doc["data"])
    assert {a["action"] for a in audit} == {"ignored"}
    assert [a["event"] for a in audit] == [e["data"]["id"] for e in doc["data"]]


def test_real_partial_update_payload_merges_onto_stored_record() -> None:
    """The real quirk (object = {id, district, ell_status}) merges; nothing else is lost."""
    doc = json.loads((SAMPLES / "clever-ruby-v1.2-events" / "events.json").read_text())
    ev = copy.deepcopy(doc["data"][0])
    obj = ev["data"]["data"]["object"]
    prev = ev["data"]["data"]["previous_attributes"]
    stored = {"id": obj["id"], "district": obj["district"], **copy.deepcopy(prev)}
    ev["data"]["type"] = "users.updated"  # the same shape as a v3 users event
    store = {"users": {obj["id"]: stored}}
    audit = apply_event_records(store, [ev])
    assert audit[0]["action"] == "merged"
    assert audit[0]["previous_attributes"] == prev
    assert store["users"][obj["id"]] == {**stored, "ell_status": obj["ell_status"]}


def test_real_v11_event_list_envelopes_parse() -> None:
    """The v1.1 events list (recorded API responses) parses into one audit entry per event."""
    doc = json.loads((SAMPLES / "clever-ruby-v1.1-vcr-bodies" / "events_list.json").read_text())
    audit = apply_event_records({}, doc["data"])
    assert len(audit) == len(doc["data"]) and all(a["event"] for a in audit)


# --- properties -----------------------------------------------------------------------------------

_json = st.recursive(st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=3),
                     lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.sampled_from("abcd"), inner, max_size=3), max_leaves=10)


@settings(max_examples=80, deadline=None)
@given(target=st.dictionaries(st.sampled_from("abcd"), _json, max_size=4),
       patch=st.dictionaries(st.sampled_from("abcd"), _json, max_size=4))
def test_merge_patch_is_idempotent(target: dict[str, Any], patch: dict[str, Any]) -> None:
    """Property: applying a merge patch twice equals applying it once (sync replays are safe)."""
    once = merge_patch(target, patch)
    assert merge_patch(once, patch) == once
    assert all(k not in once for k, v in patch.items() if v is None)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_replaying_an_event_stream_changes_nothing(seed: int) -> None:
    """Property: applying a stream twice gives the same records as once, and the final state."""
    base = make_district(seed=seed, students=12, teachers=4, sections=5)
    events, final = make_changes(base, seed=seed)
    store = {k: {r["id"]: copy.deepcopy(r) for r in v} for k, v in base.items()}
    apply_event_records(store, events)
    once = copy.deepcopy(store)
    apply_event_records(store, events)
    assert store == once
    assert {k: sorted(v.values(), key=lambda r: r["id"]) for k, v in store.items()} == final


def test_sync_of_an_unknown_type_then_a_malformed_event(fetched, history, capsys) -> None:
    """Through the real client and a loopback server: an event type Clever may add later is
    audited as ``ignored`` and the cursor moves past it; an event whose object has no id
    stops the sync with a FormatError naming the event (never the token), the data files,
    the audit log and the cursor as they were, so the next run meets it again."""
    srv, c, tmp = fetched
    dump = tmp / "dump"
    unknown = {"data": {"id": "ev-new-1", "type": "resources.updated", "created": "2025-01-01",
                        "data": {"object": {"id": "r1"}}}, "uri": "/v3.0/events/ev-new-1"}
    srv.advance([unknown], history["state1"])
    result = sync_dump(dump, client=c)
    assert result.actions == {"ignored": 1} and result.last_event_id == "ev-new-1"
    before = files(dump), (dump / AUDIT_LOG).read_bytes(), read_manifest(dump)["events"]
    bad = {"data": {"id": "ev-new-2-bad", "type": "users.updated",
                    "data": {"object": {"name": {"first": "no id"}}}}, "uri": "/v3.0/events/x"}
    srv.advance([bad], history["state1"])
    with pytest.raises(FormatError) as err:
        sync_dump(dump, client=c)
    assert "ev-new-2-bad" in str(err.value) and TOKEN not in str(err.value)
    # the page it came from is named too (an event's number counts within its page)
    assert "/events" in (err.value.path or "") and TOKEN not in err.value.path
    assert (files(dump), (dump / AUDIT_LOG).read_bytes(),
            read_manifest(dump)["events"]["last_event_id"]) == (
        before[0], before[1], before[2]["last_event_id"])
    assert TOKEN not in capsys.readouterr().err


def test_sync_stops_at_an_event_item_that_is_no_record(fetched, history) -> None:
    """An events page holding an item that is no envelope item with an id (a string, an
    object without ``data.id``) stops the sync before anything of that page is written:
    events apply in order, so none may be skipped. The error names the item, never the
    token; the dump and the cursor are as they were."""
    srv, c, tmp = fetched
    dump = tmp / "dump"
    before = files(dump), read_manifest(dump)["events"]
    srv.advance(history["new"], history["state2"])
    srv.inject("baditems", path="/events")
    with pytest.raises(FormatError) as err:
        sync_dump(dump, client=c)
    assert "item 1 is not an envelope item" in str(err.value)
    assert TOKEN not in str(err.value)
    assert (files(dump), read_manifest(dump)["events"]) == before


# --- what a nightly sync meets: duplicates, missed creates, v2 types ---------------------------


def test_an_event_id_seen_again_is_not_applied_again() -> None:
    """The same event served twice (a page boundary that moved, two overlapping event logs
    joined) is applied once: a later copy must not undo the updates that came after it."""
    store = {"schools": {"s1": {"id": "s1", "district": "d", "name": "Old"}}}
    e1 = {"id": "e1", "type": "schools.updated", "data": {"object": {"id": "s1", "name": "A"}}}
    e2 = {"id": "e2", "type": "schools.updated", "data": {"object": {"id": "s1", "name": "B"}}}
    audit = apply_event_records(store, [e1, e2, copy.deepcopy(e1)])
    assert store["schools"]["s1"]["name"] == "B"
    assert [(a["event"], a["action"]) for a in audit] == [
        ("e1", "merged"), ("e2", "merged"), ("e1", "duplicate")]
    # events without an id cannot be told apart: each is applied
    bare = [{"type": "schools.deleted", "data": {"object": {"id": "s1"}}}] * 2
    assert [a["action"] for a in apply_event_records(store, bare)] == ["deleted", "absent"]


def test_sync_applies_an_event_repeated_on_the_next_page_once(tmp_path) -> None:
    """Through the client: page 2 of ``/events`` repeats an event of page 1 after a later
    update of the same school; the school keeps the later name and the audit says so."""
    import httpx

    roster = rostergraph.sample()
    sid = min(roster.schools)

    def ev(eid: str, name: str) -> dict[str, Any]:
        return {"data": {"id": eid, "type": "schools.updated",
                         "data": {"object": {"id": sid, "name": name}}}}

    pages = {None: ([ev("e1", "A"), ev("e2", "B")], "e2"), "e2": ([ev("e1", "A")], None)}
    fetching = [True]

    def serve(request: httpx.Request) -> httpx.Response:
        kind = request.url.path.rsplit("/", 1)[1]
        if kind != "events":
            items = [{"data": rostergraph.model.record_to_dict(r)}
                     for r in roster.records(kind).values()]
            return httpx.Response(200, json={"data": items, "links": []})
        if fetching[0]:
            return httpx.Response(200, json={"data": [], "links": []})
        items, nxt = pages[request.url.params.get("starting_after")]
        links = [{"rel": "next", "uri": f"/v3.0/events?starting_after={nxt}"}] if nxt else []
        return httpx.Response(200, json={"data": items, "links": links})

    with CleverClient("tok", base_url="https://clever.test/v3.0",
                      transport=httpx.MockTransport(serve)) as client:
        fetch_district(tmp_path / "d", client=client, progress=False)
        fetching[0] = False
        result = sync_dump(tmp_path / "d", client=client, progress=False)
    assert result.actions == {"merged": 2, "duplicate": 1}
    assert rostergraph.load(tmp_path / "d").schools[sid].name == "B"


def test_a_partial_update_of_a_record_not_held_is_told() -> None:
    """An update whose create was missed and whose object is partial (the real
    ``{id, district, ell_status}`` shape) makes a record with only those fields: the audit
    says ``created_partial`` with a note, and ``apply_events`` adds a problem naming the
    event and the record. A complete object is an ordinary create."""
    doc = json.loads((SAMPLES / "clever-ruby-v1.2-events" / "events.json").read_text())
    ev = copy.deepcopy(doc["data"][0])
    ev["data"]["type"] = "users.updated"  # the real partial shape, as a v3 users event
    obj = ev["data"]["data"]["object"]
    store: dict[str, dict[str, dict[str, Any]]] = {}
    audit = apply_event_records(store, [ev])
    assert audit[0]["action"] == "created_partial" and "partial" in audit[0]["note"]
    assert store["users"][obj["id"]] == obj
    roster = rostergraph.sample()
    after = apply_events(roster, [ev])
    new = after.problems[len(roster.problems):]
    assert [(p.code, p.kind, p.record_id) for p in new] == [("other", "users", obj["id"])]
    assert ev["data"]["id"] in new[0].message and "users.updated" in new[0].message
    full = record_to_dict(next(iter(roster.users.values())))
    full = dict(full, id="u-missed")
    audit = apply_event_records({}, [{"id": "e9", "type": "users.updated",
                                      "data": {"object": full}}])
    assert audit[0]["action"] == "created" and "note" not in audit[0]


def test_v2_record_events_are_problems_not_silently_ignored() -> None:
    """The real v1.2 ``students.updated`` events cannot be applied to a v3 roster (users):
    ``apply_events`` names each one in a problem. Types that hold no roster record
    (``resources.*``) stay quietly ignored."""
    doc = json.loads((SAMPLES / "clever-ruby-v1.2-events" / "events.json").read_text())
    roster = rostergraph.sample()
    resource = {"id": "r1", "type": "resources.updated", "data": {"object": {"id": "x"}}}
    after = apply_events(roster, [*doc["data"], resource])
    new = after.problems[len(roster.problems):]
    assert len(new) == len(doc["data"])
    for p, item in zip(new, doc["data"], strict=True):
        assert p.code == "other" and item["data"]["id"] in p.message
        assert item["data"]["type"] in p.message and "v3.0" in p.message
    assert {k: dict(after.records(k)) for k in KINDS} == {
        k: dict(roster.records(k)) for k in KINDS}


def test_problems_of_a_record_an_event_replaced_are_not_kept(tmp_path) -> None:
    """A ``bad_field`` problem describes a record's values: once an event replaces or removes
    the record it is gone, and re-applying an event with a bad value tells it once, as
    loading the new state would."""
    d = make_district(seed=9, students=4, teachers=2, sections=2)
    student = next(u for u in d["users"] if "student" in u["roles"])
    good = copy.deepcopy(student)
    student["email"] = 5
    roster = roster_of(d, tmp_path)
    assert [(p.code, p.record_id) for p in roster.problems] == [("bad_field", student["id"])]
    for ev in ({"id": "e1", "type": "users.updated", "data": {"object": good}},
               {"id": "e1", "type": "users.deleted", "data": {"object": good}}):
        assert apply_events(roster, [ev]).problems == []
    sec = d["sections"][0]["id"]
    bad = [{"id": "e2", "type": "sections.updated", "data": {"object": {"id": sec, "period": 3}}}]
    twice = apply_events(apply_events(roster, bad), bad)
    assert sorted((p.record_id, p.field) for p in twice.problems) == [
        (student["id"], "email"), (sec, "period")]


@pytest.mark.parametrize("value", [10**20, ["a\ud800"]], ids=["wide-int", "lone-surrogate"])
def test_a_wrongly_typed_value_json_cannot_hold_is_a_problem_not_a_crash(value: Any) -> None:
    """Events read with Python's json carry integers over 64 bits and lone surrogates: in a
    known field of the wrong type they are a ``bad_field`` problem with their raw text, as
    when loading, never a TypeError."""
    roster = rostergraph.sample()
    sec = next(iter(roster.sections))
    after = apply_events(roster, [{"id": "e1", "type": "sections.updated",
                                   "data": {"object": {"id": sec, "period": value}}}])
    new = after.problems[len(roster.problems):]
    assert [(p.code, p.record_id, p.field) for p in new] == [("bad_field", sec, "period")]
    assert new[0].raw and new[0].raw.startswith(("100000000000000000000", '["a'))


def test_a_wrongly_typed_value_keeps_no_credential_in_raw() -> None:
    """An object in a known field's place holding a credential-named key: its
    ``bad_field`` problem's raw is the object without it (it was the whole object)."""
    roster = rostergraph.sample()
    sec = next(iter(roster.sections))
    value = {"api_token": "FAKECRED-1", "room": "4"}
    after = apply_events(roster, [{"id": "e1", "type": "sections.updated",
                                   "data": {"object": {"id": sec, "period": value}}}])
    new = after.problems[len(roster.problems):]
    assert [(p.field, p.raw) for p in new] == [("period", '{"room":"4"}')]


def test_an_event_that_is_no_object_or_has_no_type_is_named_by_its_position() -> None:
    """Without an event id, the error says where in the list the bad event is."""
    good = {"id": "e1", "type": "resources.updated", "data": {"object": {"id": "r"}}}
    with pytest.raises(FormatError, match=r"event 2 of the list .*not list"):
        apply_events(rostergraph.sample(), [good, ["x"]])
    with pytest.raises(FormatError, match=r"event 3 of the list .*'type'"):
        apply_event_records({}, [good, good, {"data": {"object": {"id": "x"}}}])


def test_a_saved_events_page_applies_as_its_list_and_a_path_is_a_clear_error(tmp_path) -> None:
    """A whole ``/events`` page as saved (``{"data": [...], "links": [...]}``) applies its
    events, as the list of its items does; a path, JSON text or a single event in the
    list's place is an error that says what to pass (it said "event 1 of the list must be
    a JSON object, not str")."""
    roster = rostergraph.sample()
    sec = next(iter(roster.sections.values()))
    items = [{"data": {"id": "e1", "type": "sections.deleted",
                       "data": {"object": {"id": sec.id}}}, "uri": "/v3.0/events/e1"}]
    page = {"data": items, "links": [{"rel": "self", "uri": "/v3.0/events"}]}
    assert sec.id not in apply_events(roster, page).sections
    assert sec.id not in apply_events(roster, items).sections
    store: dict[str, dict[str, dict[str, Any]]] = {"sections": {sec.id: {"id": sec.id}}}
    assert [a["action"] for a in apply_event_records(store, page)] == ["deleted"]
    saved = tmp_path / "events.json"
    saved.write_bytes(orjson.dumps(page))
    for wrong, says in ((saved, "read the file"), (str(saved), "read the file"),
                        (saved.read_text(), "read the file"),
                        (items[0]["data"], "a list of events")):
        with pytest.raises(TypeError, match=says):
            apply_events(roster, wrong)  # type: ignore[arg-type]
