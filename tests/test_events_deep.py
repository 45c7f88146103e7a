"""A hostile event feed: previous_attributes nested far deeper than any record may."""

from __future__ import annotations

import copy
import random
from pathlib import Path

import orjson

from rostergraph.clever.api import CleverClient
from rostergraph.clever.dump import fetch_district
from rostergraph.clever.events import AUDIT_LOG, sync_dump
from rostergraph.model import KINDS

from .fake_clever import FakeClever, FakeClock, _Ids, make_changes, make_district

TOKEN = "tok-EVENTS-DEEP-41c2"


def test_deep_previous_attributes_do_not_stop_sync(tmp_path: Path) -> None:
    """An update whose previous_attributes nest 400 levels: sync applies every event, the
    audit line says the old values were not kept, the cursor advances, and the files equal
    a fresh fetch (sync crashed after rewriting the files, then on every rerun)."""
    clock = FakeClock()
    base = make_district(seed=5)
    eids = _Ids("6e")
    old_events, state1 = make_changes(base, seed=1, event_ids=eids)
    new_events, state2 = make_changes(state1, seed=2, event_ids=eids)
    new_events = copy.deepcopy(new_events)
    deep: dict[str, object] = {"x": 1}
    for _ in range(400):
        deep = {"a": deep}
    target = next(e for e in new_events if e["data"]["data"].get("previous_attributes"))
    target["data"]["data"]["previous_attributes"] = deep
    with FakeClever(state1, token=TOKEN, clock=clock.time, events=old_events) as srv, \
            CleverClient(TOKEN, base_url=srv.base_url, clock=clock.time, sleep=clock.sleep,
                         rng=random.Random(1)) as c:
        fetch_district(tmp_path / "dump", client=c, limit=7)
        srv.advance(new_events, state2)
        result = sync_dump(tmp_path / "dump", client=c, limit=4)
        fetch_district(tmp_path / "fresh", client=c, limit=7)
    assert result.events == len(new_events)
    assert result.last_event_id == new_events[-1]["data"]["id"]
    for kind in KINDS:
        assert (tmp_path / "dump" / f"{kind}.jsonl").read_bytes() == \
            (tmp_path / "fresh" / f"{kind}.jsonl").read_bytes(), kind
    lines = [orjson.loads(x) for x in (tmp_path / "dump" / AUDIT_LOG).read_bytes().splitlines()]
    [hit] = [a for a in lines if a["event"] == target["data"]["id"]]
    assert hit["previous_attributes"] is None and "not kept" in hit["note"]
