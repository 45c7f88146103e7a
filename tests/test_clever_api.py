"""The Clever client and `fetch` against a real fake-Clever HTTP server on 127.0.0.1."""

from __future__ import annotations

import gzip
import logging
import os
import random
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rostergraph
from rostergraph.clever import (
    CleverClient,
    RateLimiter,
    fetch_district,
    read_manifest,
    read_token,
)
from rostergraph.cli import main
from rostergraph.errors import ApiError, FormatError, SourceError, TokenError
from rostergraph.model import KINDS, RECORD_CLASSES, record_from_dict

from .fake_clever import FakeClever, FakeClock, make_district

TOKEN = "tok-SECRET-7f3a9c51e2d8b4"  # distinctive: searched for in every output


@pytest.fixture(scope="module")
def district() -> dict[str, list[dict[str, Any]]]:
    return make_district(seed=3)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(district, clock):
    with FakeClever(district, token=TOKEN, clock=clock.time, default_limit=100) as srv:
        yield srv


def client_for(srv: FakeClever, clock: FakeClock, **kw: Any) -> CleverClient:
    kw.setdefault("rng", random.Random(0))
    return CleverClient(kw.pop("token", TOKEN), base_url=srv.base_url, clock=clock.time,
                        sleep=clock.sleep, **kw)


def dump_records(folder: Path, kind: str) -> list[dict[str, Any]]:
    p = folder / f"{kind}.jsonl"
    data = p.read_bytes() if p.exists() else gzip.decompress((folder / f"{kind}.jsonl.gz")
                                                             .read_bytes())
    return [orjson.loads(line) for line in data.splitlines() if line.strip()]


def dump_bytes(folder: Path) -> dict[str, bytes]:
    return {k: (folder / f"{k}.jsonl").read_bytes() for k in KINDS}


def assert_dump_equals(folder: Path, district: dict[str, list[dict[str, Any]]]) -> None:
    for kind in KINDS:
        assert dump_records(folder, kind) == district[kind], kind
    roster = rostergraph.load(folder)
    assert roster.problems == []
    for kind in KINDS:
        expected = {r["id"]: record_from_dict(RECORD_CLASSES[kind], r)[0] for r in district[kind]}
        assert dict(roster.records(kind)) == expected, kind


# --- fetching --------------------------------------------------------------------------------


def test_fetch_dump_equals_served_district(server, clock, district, tmp_path) -> None:
    """A clean fetch in small pages writes exactly the served records, which load() reads."""
    with client_for(server, clock) as c:
        result = fetch_district(tmp_path, client=c, limit=5)
    assert_dump_equals(tmp_path, district)
    assert rostergraph.detect_format(tmp_path) == "clever-json"
    assert result.counts == {k: len(v) for k, v in district.items()}
    assert result.retries == 0 and clock.sleeps == []
    manifest = read_manifest(tmp_path)
    assert manifest["complete"] is True and manifest["base_url"] == server.base_url
    assert manifest["api_version"] == "v3.0"
    assert {k: v["count"] for k, v in manifest["resources"].items()} == result.counts
    assert all(v["status"] == "done" for v in manifest["resources"].values())
    assert not list(tmp_path.glob("*.part")) and not list(tmp_path.glob(".*.tmp"))


def test_items_that_are_no_records_are_kept_for_the_reader(server, clock, district,
                                                           tmp_path, caplog) -> None:
    """A page item that is no envelope item with a record id stops nothing: the page's
    records and every later page are fetched, the item is kept in the dump as it came (the
    reader reports it at its line) and counted in the manifest."""
    server.inject("baditems", times=2, path="/users")
    with caplog.at_level(logging.WARNING, logger="rostergraph.clever"), \
            client_for(server, clock) as c:
        result = fetch_district(tmp_path, client=c, limit=5)
    assert result.counts == {k: len(v) for k, v in district.items()}
    entry = read_manifest(tmp_path)["resources"]["users"]
    assert entry["rejected"] == 4 and entry["status"] == "done"
    roster = rostergraph.load(tmp_path)
    assert set(roster.users) == {u["id"] for u in district["users"]}
    bad = [p for p in roster.problems if p.file and p.file.endswith("users.jsonl")]
    assert len(bad) == 4 and all(p.line for p in bad)
    assert "with a record id (first: item 1)" in caplog.text and TOKEN not in caplog.text


def test_pages_follow_next_links_in_order(server, clock, district, tmp_path) -> None:
    """Each resource is read by following rel=next: ceil(n/limit) requests, cursors ascending."""
    with client_for(server, clock) as c:
        fetch_district(tmp_path, client=c, limit=4)
    for kind in KINDS:
        queries = [e["query"] for e in server.log if e["path"] == f"/v3.0/{kind}"]
        n = len(district[kind])
        assert len(queries) == -(-n // 4), kind
        cursors = [q.split("starting_after=")[1] for q in queries[1:]]
        ids = [r["id"] for r in district[kind]]
        assert cursors == [ids[i * 4 - 1] for i in range(1, len(queries))]


def test_next_link_to_empty_page_ends_paging(district, clock, tmp_path) -> None:
    """A last page whose next link leads to an empty page still ends the resource cleanly."""
    with (FakeClever(district, token=TOKEN, clock=clock.time, trailing_empty_page=True) as srv,
          client_for(srv, clock) as c):
        fetch_district(tmp_path, client=c, limit=50)
    assert_dump_equals(tmp_path, district)


def test_gzip_dump_loads_the_same(server, clock, district, tmp_path) -> None:
    """--gzip writes .jsonl.gz files with the same records."""
    with client_for(server, clock) as c:
        fetch_district(tmp_path, client=c, limit=7, use_gzip=True)
    assert sorted(p.name for p in tmp_path.glob("*.jsonl.gz")) == sorted(
        f"{k}.jsonl.gz" for k in KINDS)
    assert not list(tmp_path.glob("*.jsonl"))
    assert_dump_equals(tmp_path, district)


# --- failures ----------------------------------------------------------------------------------


def test_429_waits_until_ratelimit_reset(server, clock, district, tmp_path) -> None:
    """A 429 makes the client sleep until X-Ratelimit-Reset, then the fetch completes."""
    server.inject("429", path="/users")
    with client_for(server, clock) as c:
        result = fetch_district(tmp_path, client=c, limit=10)
    assert_dump_equals(tmp_path, district)
    assert result.rate_limited == 1
    assert len(clock.sleeps) == 1
    assert server.reset_in - 1 <= clock.sleeps[0] <= server.reset_in + 1
    assert server.statuses("/users")[:2] == ["429", 200]


def test_429_wait_uses_server_time_despite_skewed_local_clock(district, clock, tmp_path) -> None:
    """With the local clock 5 minutes ahead, the reset wait is still measured on server time."""
    with FakeClever(district, token=TOKEN, clock=lambda: clock.time() - 300) as srv:
        srv.inject("429", path="/users")
        with client_for(srv, clock) as c:
            fetch_district(tmp_path, client=c, limit=50)
    assert len(clock.sleeps) == 1
    assert srv.reset_in - 1 <= clock.sleeps[0] <= srv.reset_in + 1
    assert_dump_equals(tmp_path, district)


def test_429_prefers_retry_after(server, clock, district, tmp_path) -> None:
    """Retry-After (3 s) wins over a far-away X-Ratelimit-Reset (an hour)."""
    server.inject("429-retry-after", path="/sections")
    with client_for(server, clock) as c:
        fetch_district(tmp_path, client=c, limit=10)
    assert clock.sleeps == [server.retry_after]
    assert_dump_equals(tmp_path, district)


def test_server_errors_and_broken_connections_are_retried(server, clock, district,
                                                          tmp_path) -> None:
    """500/502/503, a dropped connection and a truncated body are retried with growing backoff."""
    for fault in ("500", "502", "503", "drop", "truncate"):
        server.inject(fault, path="/sections")
    with client_for(server, clock, backoff=0.5, backoff_max=30) as c:
        result = fetch_district(tmp_path, client=c, limit=6)
        reasons = dict(c.stats["retry_reasons"])
    assert_dump_equals(tmp_path, district)
    assert result.retries == 5
    assert reasons == {"http_500": 1, "http_502": 1, "http_503": 1, "connection": 2}
    # exponential backoff with jitter: attempt k waits 0.5 * 2**k * [0.5, 1]
    assert len(clock.sleeps) == 5
    for k, s in enumerate(clock.sleeps):
        assert 0.5 * 2 ** k * 0.5 <= s <= 0.5 * 2 ** k
    assert server.statuses("/sections")[:6] == ["500", "502", "503", "drop", "truncate", 200]


def test_retries_are_bounded_then_api_error(server, clock, tmp_path) -> None:
    """A server that keeps failing gets max_retries + 1 tries, then an ApiError naming the URL."""
    server.inject("503", times=100, path="/schools")
    with (client_for(server, clock, max_retries=3, backoff_max=2.0) as c,
          pytest.raises(ApiError) as info):
        fetch_district(tmp_path, client=c)
    assert len(server.statuses("/schools")) == 4
    assert info.value.url is not None and "/v3.0/schools" in info.value.url
    assert "gave up after 4 tries" in str(info.value)
    assert all(s <= 2.0 for s in clock.sleeps)


def test_invalid_json_retried_then_format_error(server, clock, tmp_path) -> None:
    """Bodies that are not JSON envelopes are retried; if they stay bad, FormatError."""
    server.inject("badjson", path="/terms")
    server.inject("notenvelope", path="/terms")
    with client_for(server, clock) as c:
        doc = c.get_json("terms")
        assert isinstance(doc["data"], list)
        assert c.stats["retry_reasons"] == {"bad_body": 2}
        server.inject("badjson", times=50, path="/terms")
        with pytest.raises(FormatError) as info:
            c.get_json("terms")
    assert "not a JSON envelope" in str(info.value) and "/v3.0/terms" in str(info.value)


def test_rejected_token_is_a_token_error_without_retry(server, clock, tmp_path) -> None:
    """A 401 raises TokenError at once ("token rejected"), naming the URL, not the token."""
    with (client_for(server, clock, token="wrong-token-value") as c,
          pytest.raises(TokenError) as info):
        fetch_district(tmp_path, client=c)
    assert info.value.status == 401
    assert "token rejected" in str(info.value)
    assert "wrong-token-value" not in str(info.value)
    assert len(server.log) == 1


def test_injected_401_mid_fetch_stops_the_fetch(server, clock, tmp_path) -> None:
    """A 401 in the middle of a fetch (revoked token) stops it with TokenError."""
    server.inject("401", path="/users")
    with client_for(server, clock) as c, pytest.raises(TokenError):
        fetch_district(tmp_path, client=c, limit=10)
    assert read_manifest(tmp_path)["complete"] is False


def test_other_client_errors_name_the_url(server, clock) -> None:
    """404 and 413 raise ApiError with the status and URL; an out-of-range limit is refused."""
    with client_for(server, clock) as c:
        with pytest.raises(ApiError) as info:
            c.get_json("resources")
        assert info.value.status == 404 and info.value.url.endswith("/v3.0/resources")
        with pytest.raises(ApiError) as info:
            c.get_json("users", {"limit": 20000})
        assert info.value.status == 413 and "limit" in str(info.value)
        with pytest.raises(ValueError):
            next(c.pages("users", limit=10001))
        assert c.stats["retries"] == 0


def test_links_to_another_host_are_refused(server, clock) -> None:
    """A next link to another origin is refused, so the token never leaves the API host."""
    with client_for(server, clock) as c:
        with pytest.raises(ApiError):
            c.url("https://evil.example/v3.0/users")
        assert c.url("/v3.0/users?starting_after=x") == server.base_url + (
            "/users?starting_after=x")


def test_spent_budget_header_waits_for_reset(server, clock, district, tmp_path) -> None:
    """A 200 saying X-Ratelimit-Remaining: 0 makes the client wait for the reset, not hit 429."""
    server.inject("spent", path="/courses")
    with client_for(server, clock) as c:
        result = fetch_district(tmp_path, client=c, limit=100)
    assert clock.sleeps == [pytest.approx(server.reset_in, abs=1)]
    assert result.rate_limited == 0
    i = next(n for n, e in enumerate(server.log) if e["path"] == "/v3.0/courses")
    assert server.log[i + 1]["t"] - server.log[i]["t"] >= server.reset_in - 1
    assert_dump_equals(tmp_path, district)


# --- the rate limiter ----------------------------------------------------------------------------


def test_limiter_keeps_requests_within_budget(server, clock, district, tmp_path) -> None:
    """With a budget of 5/minute, no 60-second window of the server log holds more than 5."""
    with client_for(server, clock, per_minute=5) as c:
        result = fetch_district(tmp_path, client=c, limit=10)
    times = [e["t"] for e in server.log]
    assert len(times) == result.requests > 5
    for i, t in enumerate(times):
        assert sum(1 for u in times[i:] if u - t < 60) <= 5
    assert clock.now - 1_700_000_000.0 >= 60 * ((len(times) - 1) // 5)
    assert_dump_equals(tmp_path, district)


@settings(max_examples=60, deadline=None)
@given(per_minute=st.integers(1, 6),
       gaps=st.lists(st.floats(0, 40, allow_nan=False), min_size=1, max_size=30))
def test_limiter_never_exceeds_budget_in_any_window(per_minute: int, gaps: list[float]) -> None:
    """Property: whatever the request times, at most per_minute acquisitions per 60 s window."""
    clock = FakeClock(0.0)
    lim = RateLimiter(per_minute, clock=clock.time, sleep=clock.sleep)
    times = []
    for g in gaps:
        clock.sleep(g)
        lim.acquire()
        times.append(clock.time())
    for i, t in enumerate(times):
        assert sum(1 for u in times[i:] if u - t < 60 - 1e-6) <= per_minute


# --- resume ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference_dump(district, tmp_path_factory) -> dict[str, bytes]:
    """The dump of an uninterrupted fetch (limit 5)."""
    clock = FakeClock()
    folder = tmp_path_factory.mktemp("reference")
    with (FakeClever(district, token=TOKEN, clock=clock.time) as srv,
          client_for(srv, clock) as c):
        fetch_district(folder, client=c, limit=5)
    return dump_bytes(folder)


@pytest.mark.parametrize("die_after", [1, 2, 4, 7, 11])
def test_fetch_killed_by_dying_server_resumes_to_same_dump(district, clock, tmp_path,
                                                           reference_dump, die_after) -> None:
    """A server that dies after N pages leaves no complete-looking file; --resume finishes it."""
    with FakeClever(district, token=TOKEN, clock=clock.time) as srv:
        srv.fail_after = die_after
        with client_for(srv, clock, max_retries=2) as c, pytest.raises(ApiError):
            fetch_district(tmp_path, client=c, limit=5)
        manifest = read_manifest(tmp_path)
        assert manifest["complete"] is False
        done = [k for k, v in manifest["resources"].items() if v["status"] == "done"]
        for kind in KINDS:  # only finished resources have a final file
            assert (tmp_path / f"{kind}.jsonl").exists() == (kind in done)
        with pytest.raises(SourceError):  # no accidental second fetch over it
            fetch_district(tmp_path, client=c, limit=5)
        srv.fail_after = None
        with client_for(srv, clock) as c:
            result = fetch_district(tmp_path, client=c, limit=5, resume=True)
    assert result.resumed
    assert dump_bytes(tmp_path) == reference_dump
    assert read_manifest(tmp_path)["complete"] is True
    assert not list(tmp_path.glob("*.part"))


class _Killed(Exception):
    pass


@pytest.mark.parametrize("kill_at", [("schools", 1), ("sections", 2), ("users", 5)])
def test_fetch_interrupted_mid_resource_resumes_to_same_dump(server, clock, tmp_path,
                                                             reference_dump, kill_at) -> None:
    """Killed after a page (with stray bytes after the last recorded page), resume is exact."""
    def hook(kind: str, page: int) -> None:
        if (kind, page) == kill_at:
            raise _Killed
    with client_for(server, clock) as c, pytest.raises(_Killed):
        fetch_district(tmp_path, client=c, limit=5, on_page=hook)
    part = tmp_path / f"{kill_at[0]}.jsonl.part"
    assert part.exists() and not (tmp_path / f"{kill_at[0]}.jsonl").exists()
    with open(part, "ab") as fh:  # a page written but never recorded in the manifest
        fh.write(b'{"id": "half-written-record", "na')
    # the half dump never shows the partial resource to a reader
    assert kill_at[0] not in {k for k, n in rostergraph.load(tmp_path).counts().items() if n}
    with client_for(server, clock) as c:
        fetch_district(tmp_path, client=c, limit=5, resume=True)
    assert dump_bytes(tmp_path) == reference_dump


_FAULTS = ("429", "429-retry-after", "500", "502", "503", "drop", "truncate", "badjson",
           "notenvelope", "spent")
_PATHS = ("", "/districts", "/schools", "/sections", "/users", "/events")


@settings(max_examples=10, deadline=None)
@given(schedule=st.lists(st.tuples(st.sampled_from(_FAULTS), st.integers(1, 3),
                                   st.sampled_from(_PATHS)), max_size=8))
def test_any_fault_schedule_ends_in_the_exact_dump(district, reference_dump,
                                                   schedule: list[tuple[str, int, str]]) -> None:
    """Property: under any injected faults a fetch ends exact, or fails cleanly and resumes exact."""
    import tempfile
    from unittest import mock

    clock = FakeClock()
    # fsync only costs time here: this property is about the retry and resume logic
    with tempfile.TemporaryDirectory() as tmp, FakeClever(district, token=TOKEN,
                                                          clock=clock.time) as srv, \
            mock.patch.object(os, "fsync", lambda fd: None):
        for fault, times, path in schedule:
            srv.inject(fault, times=times, path=path)
        folder = Path(tmp)
        with client_for(srv, clock, max_retries=3, backoff_max=4.0) as c:
            try:
                fetch_district(folder, client=c, limit=20)
            except (ApiError, FormatError):
                srv.faults.clear()
                fetch_district(folder, client=c, limit=20, resume=True)
            injected = sum(t for _, t, _ in schedule)
            assert c.stats["retries"] + c.stats["rate_limited"] <= injected
        assert dump_bytes(folder) == reference_dump
        assert all(s <= 120.5 for s in clock.sleeps)


def test_resume_of_finished_dump_changes_nothing(server, clock, tmp_path, reference_dump) -> None:
    """--resume on a complete dump makes no data requests and keeps the files."""
    with client_for(server, clock) as c:
        fetch_district(tmp_path, client=c, limit=5)
        n = len(server.log)
        fetch_district(tmp_path, client=c, limit=5, resume=True)
    assert len(server.log) == n
    assert dump_bytes(tmp_path) == reference_dump


def test_resume_refuses_another_base_url(server, clock, tmp_path) -> None:
    """A dump fetched from one API cannot be resumed from another."""
    with client_for(server, clock) as c:
        fetch_district(tmp_path, client=c, limit=50)
    other = CleverClient(TOKEN, base_url="http://127.0.0.1:9/v3.0")
    with pytest.raises(SourceError):
        fetch_district(tmp_path, client=other, resume=True)


def test_folder_lock_keeps_a_second_run_out_and_stale_locks_are_taken(server, clock, district,
                                                                      tmp_path) -> None:
    """A live process's lock stops fetch/sync (overlapping cron runs); a dead one's is taken over."""
    import subprocess
    import sys

    from rostergraph.clever import sync_dump

    (tmp_path / ".rostergraph.lock").write_text(str(os.getpid()))
    with client_for(server, clock) as c:
        with pytest.raises(SourceError, match="another rostergraph process"):
            fetch_district(tmp_path, client=c)
        assert not (tmp_path / "manifest.json").exists()
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True).stdout.strip()
        (tmp_path / ".rostergraph.lock").write_text(dead)
        fetch_district(tmp_path, client=c, limit=50)
        assert not (tmp_path / ".rostergraph.lock").exists()
        (tmp_path / ".rostergraph.lock").write_text(str(os.getpid()))
        with pytest.raises(SourceError, match="another rostergraph process"):
            sync_dump(tmp_path, client=c)
    assert_dump_equals(tmp_path, district)


# --- tokens ------------------------------------------------------------------------------------------


def test_token_from_env_or_file(tmp_path, monkeypatch) -> None:
    """The token comes from the named variable or a file; missing or empty is a TokenError."""
    monkeypatch.setenv("RG_TEST_TOKEN", f"  {TOKEN}\n")
    assert read_token(env="RG_TEST_TOKEN") == TOKEN
    f = tmp_path / "token"
    f.write_text(TOKEN + "\n")
    assert read_token(file=f) == TOKEN
    f.write_text("  \n")
    with pytest.raises(TokenError, match="empty"):
        read_token(file=f)
    with pytest.raises(TokenError, match="cannot read"):
        read_token(file=tmp_path / "missing")
    monkeypatch.delenv("RG_TEST_TOKEN")
    with pytest.raises(TokenError, match="RG_TEST_TOKEN"):
        read_token(env="RG_TEST_TOKEN")


def test_token_with_line_break_is_refused_without_quoting_it() -> None:
    """A token with whitespace inside (a two-line token file) is refused; the error hides it."""
    with pytest.raises(TokenError) as info:
        CleverClient(TOKEN + "\nsecond-line", base_url="http://127.0.0.1:9/v3.0")
    assert TOKEN not in str(info.value) and "line breaks" in str(info.value)


def test_token_never_leaks(district, clock, tmp_path, caplog, capsys, monkeypatch) -> None:
    """The token is sent as a header but appears in no file, log, output, error or repr."""
    caplog.set_level(logging.DEBUG)
    errors: list[str] = []
    with FakeClever(district, token=TOKEN, clock=clock.time) as srv:
        for fault in ("429", "500", "drop", "truncate", "badjson"):
            srv.inject(fault, path="/users")
        with client_for(srv, clock) as c:
            errors.append(repr(c))
            fetch_district(tmp_path / "a", client=c, limit=5, progress=True)
            srv.inject("401", path="/schools")
            try:
                fetch_district(tmp_path / "b", client=c, limit=5)
            except TokenError as exc:
                errors += [str(exc), repr(exc), str(exc.url)]
            srv.inject("echo400", path="/schools")
            try:
                fetch_district(tmp_path / "e", client=c, limit=5)
            except ApiError as exc:
                errors += [str(exc), repr(exc)]
                assert exc.status == 400 and "[token]" in str(exc)
            srv.inject("503", times=20, path="/schools")
            try:
                fetch_district(tmp_path / "c", client=c, limit=5)
            except ApiError as exc:
                errors += [str(exc), repr(exc)]
        srv.faults.clear()
        monkeypatch.setenv("CLEVER_TOKEN", TOKEN)
        srv.inject("500", path="/terms")
        assert main(["fetch", "--out", str(tmp_path / "d"), "--base-url", srv.base_url,
                     "--limit", "5"]) == 0
        monkeypatch.setenv("CLEVER_TOKEN", "revoked-" + TOKEN[::-1])
        assert main(["sync", str(tmp_path / "d")]) == 2
        assert set(srv.auth_headers) >= {f"Bearer {TOKEN}"}  # it was really sent
    out = capsys.readouterr()
    blobs = [out.out, out.err, caplog.text, *errors]
    blobs += [p.read_bytes().decode("utf-8", "replace") for p in tmp_path.rglob("*")
              if p.is_file()]
    assert len(errors) >= 7 and caplog.text  # the failures really were logged
    assert "retry 1/5" in out.err  # the CLI says why it waits
    for blob in blobs:
        assert TOKEN not in blob and TOKEN[::-1] not in blob


# --- the command line ----------------------------------------------------------------------------


def test_cli_fetch_writes_dump_and_summary(server, district, tmp_path, monkeypatch,
                                           capsys) -> None:
    """`rostergraph fetch --out DIR --token-file F` writes the dump and one summary line."""
    tok = tmp_path / "tok"
    tok.write_text(TOKEN)
    out = tmp_path / "dump"
    code = main(["fetch", "--out", str(out), "--base-url", server.base_url, "--token-file",
                 str(tok), "--limit", "9", "--quiet"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.count("\n") == 1 and captured.out.startswith("fetched ")
    assert f"{len(district['users'])} users" in captured.out
    assert_dump_equals(out, district)
    assert main(["fetch", "--out", str(out), "--base-url", server.base_url, "--token-file",
                 str(tok)]) == 2  # refuses to overwrite without --resume
    assert "--resume" in capsys.readouterr().err


def test_cli_has_no_token_argument(capsys) -> None:
    """There is no option that takes the token itself (it would land in shell history)."""
    with pytest.raises(SystemExit) as info:
        main(["fetch", "--out", "x", "--token", TOKEN])
    assert info.value.code == 2
    assert TOKEN not in capsys.readouterr().out


def test_cli_missing_token_is_one_line_error(tmp_path, monkeypatch, capsys) -> None:
    """Without the variable the command fails with exit 2 before creating anything."""
    monkeypatch.delenv("CLEVER_TOKEN", raising=False)
    assert main(["fetch", "--out", str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err
    assert "CLEVER_TOKEN" in err and err.count("\n") == 1
    assert not (tmp_path / "d").exists()


def test_fetch_stays_fast(server, clock, tmp_path) -> None:
    """Faults cost no real time: every wait they ask for goes through the injected clock
    (the client's only way to sleep), none through the real one."""
    for fault in ("429", "500", "503", "drop"):
        server.inject(fault)
    with client_for(server, clock) as c:
        fetch_district(tmp_path, client=c, limit=5)
    assert sum(clock.sleeps) > 5
    assert os.listdir(tmp_path)


def test_cli_docs_list_every_option() -> None:
    """docs/cli.md and docs/clever-api.md mention every option of fetch and sync."""
    import argparse

    from rostergraph.cli import build_parser

    docs = (Path(__file__).parent.parent / "docs" / "cli.md").read_text()
    guide = (Path(__file__).parent.parent / "docs" / "clever-api.md").read_text()
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name in ("fetch", "sync"):
        assert f"## rostergraph {name}" in docs
        for action in sub.choices[name]._actions:
            for opt in action.option_strings:
                if opt.startswith("--") and opt != "--help":
                    assert opt in docs and opt in guide, (name, opt)


def test_console_fetch_then_summary_end_to_end(server, district, tmp_path) -> None:
    """The real console entry point fetches over HTTP, and `summary` then reads the dump."""
    import subprocess
    import sys

    env = {**os.environ, "RG_E2E_TOKEN": TOKEN}
    out = tmp_path / "dump"
    run = subprocess.run([sys.executable, "-m", "rostergraph", "fetch", "--out", str(out),
                          "--base-url", server.base_url, "--token-env", "RG_E2E_TOKEN",
                          "--limit", "8"], capture_output=True, text=True, env=env, timeout=120,
                         check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("fetched ")
    assert TOKEN not in run.stdout + run.stderr
    summary = subprocess.run([sys.executable, "-m", "rostergraph", "summary", str(out),
                              "--format", "json"], capture_output=True, text=True, timeout=120,
                             check=False)
    assert summary.returncode == 0, summary.stderr
    assert orjson.loads(summary.stdout)["records"] == {k: len(v) for k, v in district.items()}
