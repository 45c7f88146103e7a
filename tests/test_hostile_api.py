"""API responses are untrusted: the client never loops on a bad next link, never holds an
unbounded body, gives up on a slow-drip server, and scrubs the token before cutting text —
all against the real fake-Clever server on 127.0.0.1."""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

import rostergraph
from rostergraph.clever import CleverClient, fetch_district, read_manifest, sync_dump
from rostergraph.errors import ApiError, LimitError
from rostergraph.model import KINDS

from .fake_clever import FakeClever, FakeClock, make_district

TOKEN = "tok-HOSTILE-API-8d2f6a01c7e4"  # distinctive: searched for in every output


@pytest.fixture(scope="module")
def district() -> dict[str, list[dict[str, Any]]]:
    return make_district(seed=11, students=10, sections=4)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(district, clock):
    with FakeClever(district, token=TOKEN, clock=clock.time, default_limit=100) as srv:
        yield srv


def client_for(srv: FakeClever, clock: FakeClock, **kw: Any) -> CleverClient:
    return CleverClient(TOKEN, base_url=srv.base_url, clock=clock.time, sleep=clock.sleep,
                        rng=random.Random(0), **kw)


@pytest.mark.parametrize("fault", ["selfnext", "repeatcursor"])
def test_a_next_link_back_to_a_fetched_page_stops_with_api_error(server, clock, tmp_path,
                                                                  fault) -> None:
    """A next link pointing at itself or repeating a cursor is an ApiError, never a loop."""
    server.inject(fault, times=50, path="/users")
    with client_for(server, clock) as c, pytest.raises(ApiError, match="paging forever") as info:
        fetch_district(tmp_path, client=c, limit=3)
    assert TOKEN not in str(info.value)
    assert len(server.statuses("/users")) <= 3  # stopped at once, not after 50 pages
    part = tmp_path / "users.jsonl.part"
    assert part.stat().st_size < 10_000


def test_a_body_over_the_cap_is_refused_once_without_retry(server, clock) -> None:
    """A body over max_body_bytes: ApiError naming the URL (no token) and the cap; one request."""
    server.big_body = 8 * 1024 * 1024
    server.inject("bigbody", path="/schools")
    with client_for(server, clock, max_body_bytes=1024 * 1024) as c:
        with pytest.raises(ApiError) as info:
            list(c.pages("schools"))
        assert c.stats["retries"] == 0
    msg = str(info.value)
    assert "1048576 bytes" in msg and "/v3.0/schools" in msg and TOKEN not in msg
    assert len(server.statuses("/schools")) == 1


def test_a_slow_drip_server_meets_the_overall_deadline(server, clock) -> None:
    """A server sending one byte at a time is given up after `deadline` seconds, not minutes."""
    server.drip_delay = 0.05
    server.inject("drip", path="/schools")
    t0 = time.monotonic()
    with client_for(server, clock, deadline=1.0, max_retries=0) as c, \
            pytest.raises(ApiError, match="within 1 s"):
        list(c.pages("schools"))
    assert time.monotonic() - t0 < 5


def test_a_control_character_in_a_next_link_is_an_api_error(server, clock) -> None:
    """A next link holding a control character is an ApiError, not an httpx traceback."""
    server.inject("ctrlnext", path="/schools")
    with client_for(server, clock) as c, pytest.raises(ApiError, match="control characters"):
        list(c.pages("schools", limit=1))


def test_the_token_is_scrubbed_before_the_message_is_cut(server, clock) -> None:
    """A 400 message quoting the token across the 200-character cut leaks no prefix of it."""
    server.inject("echo400long", path="/schools")
    with client_for(server, clock) as c, pytest.raises(ApiError) as info:
        list(c.pages("schools"))
    msg = str(info.value)
    assert "Bearer [t" in msg  # scrubbed first, then cut inside "[token]"
    for n in range(6, len(TOKEN) + 1):
        assert TOKEN[:n] not in msg


def test_a_body_with_a_lone_surrogate_is_fetched_and_loads(server, clock, tmp_path,
                                                           district) -> None:
    """`"\\ud800"` in an API body (refused by orjson) is fetched, written and read back."""
    server.inject("surrogate", path="/schools")
    with client_for(server, clock) as c:
        fetch_district(tmp_path, client=c)
    roster = rostergraph.load(tmp_path)
    first = min(r["id"] for r in district["schools"])
    assert roster.schools[first].name == "a\ud800b"
    assert len(roster.schools) == len(district["schools"])


def deep(levels: int) -> Any:
    v: Any = "x"
    for _ in range(levels):
        v = {"a": v}
    return v


def test_a_deeply_nested_event_leaves_the_dump_unchanged(district, clock, tmp_path) -> None:
    """An event whose object nests 400 levels: sync fails naming the event, before any
    write; the files, audit log and cursor are as they were. (Deep previous_attributes only
    lose their audit copy: see test_events_deep.py.)"""
    with FakeClever(district, token=TOKEN, clock=clock.time) as srv, \
            client_for(srv, clock) as c:
        fetch_district(tmp_path, client=c)
        school = district["schools"][0]
        good = {"data": {"id": "6e01", "type": "schools.updated", "created": "2025-01-01",
                         "data": {"object": {"id": school["id"], "name": "Renamed"}}}}
        bad = {"data": {"id": "6e02", "type": "users.updated", "created": "2025-01-01",
                        "data": {"object": {"id": district["users"][0]["id"], "x": deep(400)},
                                 "previous_attributes": {"x": 1}}}}
        srv.advance([good, bad], district)
        before = {p.name: p.read_bytes() for p in Path(tmp_path).iterdir() if p.is_file()}
        with pytest.raises(LimitError) as info:
            sync_dump(tmp_path, client=c, limit=10)
        assert info.value.record_id == "6e02"
        after = {p.name: p.read_bytes() for p in Path(tmp_path).iterdir() if p.is_file()}
        assert after == before
        assert read_manifest(tmp_path)["events"]["last_event_id"] is None
    for kind in KINDS:
        assert orjson.loads((tmp_path / f"{kind}.jsonl").read_bytes().splitlines()[0])
