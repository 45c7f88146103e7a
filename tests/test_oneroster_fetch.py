"""`rostergraph fetch --oneroster`: dump folders from a real fake OneRoster server on 127.0.0.1."""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import orjson
import pytest

import rostergraph
from rostergraph import synth
from rostergraph.cli import main, summary_dict
from rostergraph.errors import ApiError, FormatError, SourceError
from rostergraph.graph import RosterGraph
from rostergraph.model import record_to_dict
from rostergraph.oneroster import (
    ClientCredentials,
    OneRosterClient,
    fetch_oneroster,
    read_dump_manifest,
    rest_to_rows,
    sync_oneroster,
)
from rostergraph.oneroster.dump import read_records
from rostergraph.queries import cross_school_enrollments, orphaned_users, reach_pairs

from .fake_clever import FakeClock
from .fake_oneroster import FakeOneRoster, csv_to_rest, rest_to_csv_bundle

SECRET = "s3cr3t-Shh-91c4e7"
ENV = {"RGF_CLIENT_ID": "rg-client", "RGF_CLIENT_SECRET": SECRET}


@pytest.fixture(scope="module")
def csv_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("or") / "csv"
    rostergraph.write_oneroster(rostergraph.sample(), out)
    return out


@pytest.fixture(scope="module")
def synth_csv(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("synth")
    synth.district("S", seed=5).write(base / "clever")
    rostergraph.write_oneroster(rostergraph.load(base / "clever"), base / "csv")
    return base / "csv"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def serve(folder: Path, clock: FakeClock, version: str = "1.1", auth: str = "oauth2",
          **kw: Any) -> FakeOneRoster:
    return FakeOneRoster(csv_to_rest(folder, version), version=version, auth=auth,
                         client_secret=SECRET, clock=clock.time, **kw)


def client_for(srv: FakeOneRoster, clock: FakeClock, **kw: Any) -> OneRosterClient:
    return OneRosterClient(srv.base_url, ClientCredentials(srv.client_id, SECRET,
                                                     token_url=srv.token_url),
                           auth=srv.auth, clock=clock.time, sleep=clock.sleep,
                           rng=random.Random(0), **kw)


def facts(roster: rostergraph.Roster) -> dict[str, Any]:
    """What the acceptance compares: summary, queries and validate (not the source path)."""
    g = RosterGraph.from_roster(roster)
    summary = summary_dict(roster, g)
    summary.pop("source")
    findings = sorted((f.rule, f.severity, f.ids, f.message)
                      for f in rostergraph.validate(g).findings)
    return {"summary": summary,
            "reach": sorted(map(repr, reach_pairs(g).to_dicts())),
            "cross": sorted(map(repr, cross_school_enrollments(g).to_dicts())),
            "orphans": sorted(map(repr, orphaned_users(g).to_dicts())),
            "validate": findings}


def records(roster: rostergraph.Roster) -> dict[str, dict[str, Any]]:
    return {k: {rid: record_to_dict(r) for rid, r in roster.records(k).items()}
            for k in ("districts", "schools", "terms", "courses", "sections", "users")}


# --- acceptance -----------------------------------------------------------------------------


def test_cli_fetch_equals_the_csv_export(synth_csv, clock, tmp_path, monkeypatch,
                                         capsys) -> None:
    """`fetch --oneroster URL` gives a dump whose summary, queries and validate equal the CSV's."""
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    with serve(synth_csv, clock) as srv:
        out = tmp_path / "dump"
        code = main(["fetch", "--oneroster", srv.base_url, "--token-url", srv.token_url,
                     "--credentials-env", "RGF", "--out", str(out), "--limit", "200", "--quiet"])
        captured = capsys.readouterr()
        assert code == 0, captured.err
        assert captured.out.startswith("fetched ") and captured.out.count("\n") == 1
        assert SECRET not in captured.out + captured.err
    via_rest = rostergraph.load(out)
    via_csv = rostergraph.load(synth_csv)
    assert via_rest.provenance.format == "oneroster"
    assert records(via_rest) == records(via_csv)
    assert facts(via_rest) == facts(via_csv)
    assert len(via_rest.users) > 900


@pytest.mark.parametrize("version,auth", [("1.1", "oauth1"), ("1.2", "oauth2"),
                                          ("1.2", "oauth1")])
def test_rest_records_equal_csv_records(csv_folder, clock, tmp_path, version, auth) -> None:
    """One fixture served over REST and written as that version's CSV gives equal records."""
    data = csv_to_rest(csv_folder, version)
    rest_to_csv_bundle(data, version, tmp_path / "csv")
    with serve(csv_folder, clock, version, auth) as srv, client_for(srv, clock) as c:
        fetch_oneroster(tmp_path / "dump", client=c, limit=13, progress=False)
    via_rest = rostergraph.load(tmp_path / "dump")
    via_csv = rostergraph.load(tmp_path / "csv")
    assert via_rest.provenance.version == version
    assert records(via_rest) == records(via_csv)
    assert facts(via_rest) == facts(via_csv)
    if version == "1.2":
        assert (tmp_path / "dump" / "roles.csv").is_file()


def test_rest_to_rows_flattens_references_lists_and_metadata() -> None:
    """Nested refs, lists, booleans and metadata become the CSV binding's columns; passwords go."""
    rows = rest_to_rows("users", [{
        "sourcedId": "u1", "enabledUser": True, "password": "hunter2",
        "userIds": [{"type": "LDAP", "identifier": "jd"}, {"type": "SIS", "identifier": "9"}],
        "agents": [{"sourcedId": "p1", "type": "user"}], "grades": ["09", "10"],
        "preferredFirstName": "Jo", "metadata": {"ext.x": "1", "n": {"a": 1}},
        "roles": [{"roleType": "primary", "role": "student", "org": {"sourcedId": "s1"},
                   "beginDate": "2024-08-01"}]}])
    assert rows["users"] == [{
        "sourcedId": "u1", "enabledUser": "true", "userIds": "{LDAP:jd},{SIS:9}",
        "agentSourcedIds": "p1", "grades": "09,10", "preferredGivenName": "Jo",
        "metadata.ext.x": "1", "metadata.n": '{"a":1}'}]
    assert rows["roles"] == [{"roleType": "primary", "role": "student", "orgSourcedId": "s1",
                              "beginDate": "2024-08-01", "sourcedId": "u1-role-1",
                              "userSourcedId": "u1"}]


def test_list_items_with_a_comma_are_kept_whole_and_told(tmp_path: Path) -> None:
    """A REST list item holding a comma (a school or contact id, a grade, a term id) cannot
    be an item of a OneRoster CSV list cell: it is not split into ids or grades no record
    has ('s' and '1' for 's,1'); the cell holds the other items, the lists as sent are
    kept (JSON, ``metadata.rostergraph.lists``, in extra once loaded), and loading tells
    each such row."""
    from rostergraph.io.oneroster import read_oneroster
    from rostergraph.oneroster.dump import bundle_files

    lists = {"orgSourcedIds": ["s,1", "s2"], "agentSourcedIds": ["p,1"],
             "grades": ["K,1", "02"]}
    tables = {
        "orgs": [{"sourcedId": "d1", "name": "D", "type": "district"},
                 *({"sourcedId": s, "name": s, "type": "school", "parent": {"sourcedId": "d1"}}
                   for s in ("s,1", "s2"))],
        "users": [{"sourcedId": "u1", "role": "student", "givenName": "A", "familyName": "B",
                   "orgs": [{"sourcedId": s} for s in lists["orgSourcedIds"]],
                   "agents": [{"sourcedId": "p,1"}], "grades": lists["grades"]},
                  {"sourcedId": "p,1", "role": "parent", "givenName": "P", "familyName": "B",
                   "orgs": [{"sourcedId": "s2"}], "agents": [{"sourcedId": "u1"}]}],
        "classes": [{"sourcedId": "c1", "title": "M", "school": {"sourcedId": "s2"},
                     "terms": [{"sourcedId": "t,1"}], "grades": ["09", "10,11"]}]}
    for name, data in bundle_files("1.1", tables).items():
        (tmp_path / name).write_bytes(data)
    r = read_oneroster(tmp_path)
    student = r.users["u1"].roles.student
    # (an org id with a comma names an org: the student is at it, as sent; see below)
    assert student is not None and student.schools == ("s,1", "s2") and student.grade == "2"
    assert orjson.loads(r.users["u1"].extra["oneroster.metadata.rostergraph.lists"]) == lists
    sec = r.sections["c1"]
    assert sec.term_id is None and sec.grade == "9"
    assert orjson.loads(sec.extra["oneroster.metadata.rostergraph.lists"]) == {
        "grades": ["09", "10,11"], "termSourcedIds": ["t,1"]}
    said = [(p.file, p.line, p.record_id, p.field) for p in r.problems]
    assert said == [("classes.csv", 2, "c1", "metadata.rostergraph.lists"),
                    ("users.csv", 2, "u1", "metadata.rostergraph.lists")]
    assert "termSourcedIds, grades" in r.problems[0].message
    assert "orgSourcedIds, agentSourcedIds, grades" in r.problems[1].message
    from tests.test_csv_equivalence import assert_same

    assert_same("oneroster", tmp_path)  # (the row-by-row oracle tells them the same)


def test_an_org_id_with_a_comma_links_the_user_to_that_org(clock, tmp_path) -> None:
    """Over REST a user's ``orgs`` item may hold a comma (``s,1``): the user is linked to
    that org when the district has it, in the order sent, as to any other org; an item
    naming no org is kept in extra only (it was never linked, the item being no CSV one)."""
    orgs = [{"sourcedId": "d1", "name": "D", "type": "district"},
            *({"sourcedId": s, "name": s, "type": "school", "parent": {"sourcedId": "d1"}}
              for s in ("s,1", "s2"))]
    users = [{"sourcedId": "u1", "role": "student", "givenName": "A", "familyName": "B",
              "orgs": [{"sourcedId": s} for s in ("s,1", "s2", "x,9")]},
             {"sourcedId": "t1", "role": "teacher", "givenName": "C", "familyName": "D",
              "orgs": [{"sourcedId": "s,1"}]},
             {"sourcedId": "u2", "role": "student", "givenName": "E", "familyName": "F",
              "orgs": [{"sourcedId": "s2"}]}]
    with FakeOneRoster({"orgs": orgs, "users": users}, client_secret=SECRET,
                       clock=clock.time) as srv, client_for(srv, clock) as c:
        fetch_oneroster(tmp_path / "dump", client=c, limit=2, progress=False)
    r = rostergraph.load(tmp_path / "dump")
    student, teacher = r.users["u1"].roles.student, r.users["t1"].roles.teacher
    assert student is not None and teacher is not None
    assert student.schools == ("s,1", "s2") and student.school == "s,1"
    assert teacher.schools == ("s,1",) and r.users["t1"].district == "d1"
    assert r.users["u2"].roles.student.schools == ("s2",)  # type: ignore[union-attr]
    assert orjson.loads(r.users["u1"].extra["oneroster.metadata.rostergraph.lists"]) == {
        "orgSourcedIds": ["s,1", "s2", "x,9"]}
    g = RosterGraph.from_roster(r)
    assert g.neighbors("s,1", "attends", reverse=True) == ["u1"]


def test_a_term_id_with_a_comma_is_the_class_term(tmp_path: Path) -> None:
    """Over REST a class's ``terms`` item may hold a comma (``t,1``): the class is in that
    term when the district has it, as an org id with a comma links a user; an item naming
    no session stays in extra only."""
    from rostergraph.io.oneroster import read_oneroster
    from rostergraph.oneroster.dump import bundle_files

    tables = {
        "orgs": [{"sourcedId": "d1", "name": "D", "type": "district"},
                 {"sourcedId": "s2", "name": "S", "type": "school",
                  "parent": {"sourcedId": "d1"}}],
        "academicSessions": [{"sourcedId": "t,1", "title": "Fall", "type": "term",
                              "startDate": "2024-08-19", "endDate": "2024-12-20",
                              "schoolYear": "2025"}],
        "classes": [{"sourcedId": "c1", "title": "M", "school": {"sourcedId": "s2"},
                     "terms": [{"sourcedId": "t,1"}]},
                    {"sourcedId": "c2", "title": "N", "school": {"sourcedId": "s2"},
                     "terms": [{"sourcedId": "x,9"}]}]}
    for name, data in bundle_files("1.1", tables).items():
        (tmp_path / name).write_bytes(data)
    r = read_oneroster(tmp_path)
    assert r.sections["c1"].term_id == "t,1" and r.sections["c2"].term_id is None
    assert orjson.loads(r.sections["c2"].extra["oneroster.metadata.rostergraph.lists"]) == {
        "termSourcedIds": ["x,9"]}
    g = RosterGraph.from_roster(r)
    assert g.neighbors("t,1", "in_term", reverse=True) == ["c1"]


# --- resume --------------------------------------------------------------------------------


def test_killed_fetch_resumes_without_refetching_finished_collections(csv_folder, clock,
                                                                      tmp_path) -> None:
    """A fetch stopped mid-collection resumes at its offset; finished collections stay."""
    class Killed(Exception):
        pass

    def kill(endpoint: str, page: int) -> None:
        if endpoint == "users" and page == 3:
            raise Killed

    out = tmp_path / "dump"
    with serve(csv_folder, clock) as srv, client_for(srv, clock) as c:
        with pytest.raises(Killed):
            fetch_oneroster(out, client=c, limit=10, progress=False, on_page=kill)
        m = read_dump_manifest(out)
        assert m is not None and not m["complete"]
        assert m["endpoints"]["classes"]["status"] == "done"
        assert m["endpoints"]["users"]["offset"] == 30
        before = len(srv.log)
        with (out / "rest" / "users.jsonl.part").open("ab") as fh:
            fh.write(b'{"sourcedId": "half-writ')  # a page that was being written
        result = fetch_oneroster(out, client=c, resume=True, progress=False)
        resumed = srv.log[before:]
        again = fetch_oneroster(out, client=c, resume=True, progress=False)
    assert again.requests == 0  # a finished dump is left as it is
    assert result.resumed
    assert {e["path"].rsplit("/", 1)[1] for e in resumed} == {"users", "enrollments",
                                                               "demographics"}
    assert int(resumed[0]["query"]["offset"][0]) == 30
    assert records(rostergraph.load(out)) == records(rostergraph.load(csv_folder))


def test_real_process_kill_then_resume(csv_folder, tmp_path) -> None:
    """A fetch process killed with SIGKILL mid-run is finished by `fetch --resume`."""
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "dump"
    env = {**os.environ, **ENV, "PYTHONPATH": str(Path(__file__).parent.parent)}
    with FakeOneRoster(csv_to_rest(csv_folder), client_secret=SECRET) as srv:
        srv.inject("503", times=10_000, path="/enrollments")  # keeps the run busy there
        args = [sys.executable, "-m", "rostergraph", "fetch", "--oneroster", srv.base_url,
                "--token-url", srv.token_url, "--credentials-env", "RGF", "--out", str(out),
                "--limit", "10", "--quiet"]
        proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while not srv.requests("/enrollments") and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        m = read_dump_manifest(out)
        assert m is not None and m["endpoints"]["users"]["status"] == "done"
        srv.faults.clear()
        n_users = len(srv.requests("/users"))
        run = subprocess.run([*args, "--resume"], env=env, capture_output=True, text=True,
                             timeout=120, check=False)
        assert run.returncode == 0, run.stderr
        assert len(srv.requests("/users")) == n_users  # not fetched again
    assert SECRET not in run.stdout + run.stderr
    assert records(rostergraph.load(out)) == records(rostergraph.load(csv_folder))


# --- the folder ------------------------------------------------------------------------------


def test_folder_rules(csv_folder, clock, tmp_path) -> None:
    """No overwrite without --resume, no resume from another address, no symlinked rest/."""
    out = tmp_path / "dump"
    with serve(csv_folder, clock) as srv, client_for(srv, clock) as c:
        fetch_oneroster(out, client=c, progress=False)
        with pytest.raises(SourceError, match="--resume"):
            fetch_oneroster(out, client=c, progress=False)
        other = OneRosterClient(srv.origin + "/other/ims/oneroster/v1p1",
                                ClientCredentials("x", SECRET), auth="oauth1")
        with pytest.raises(SourceError, match="fetched from"):
            fetch_oneroster(out, client=other, resume=True, progress=False)
        other.close()
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        (out / "rest").rename(tmp_path / "rest-kept")
        (out / "rest").symlink_to(elsewhere)
        with pytest.raises(SourceError, match="symbolic link"):
            fetch_oneroster(out, client=c, resume=True, progress=False)
        assert list(elsewhere.iterdir()) == []


def test_symlinked_manifest_or_part_file_is_refused(csv_folder, clock, tmp_path) -> None:
    """A manifest or part file planted as a symlink is never read or written through."""
    target = tmp_path / "target.txt"
    target.write_text("do not touch")
    out = tmp_path / "dump"
    with serve(csv_folder, clock) as srv, client_for(srv, clock) as c:
        with pytest.raises(ApiError):
            srv.inject("500", times=100, path="/courses")
            fetch_oneroster(out, client=c, limit=3, progress=False)
        srv.faults.clear()
        part = out / "rest" / "courses.jsonl.part"
        part.unlink()
        part.symlink_to(target)
        with pytest.raises(SourceError, match="symbolic link"):
            fetch_oneroster(out, client=c, resume=True, progress=False)
        assert target.read_text() == "do not touch"
        part.unlink()
        (out / "manifest.json").rename(tmp_path / "m.json")
        (out / "manifest.json").symlink_to(tmp_path / "m.json")
        with pytest.raises(SourceError, match="symbolic link"):
            fetch_oneroster(out, client=c, resume=True, progress=False)


def test_demographics_refused_and_deleted_records_left_out(csv_folder, clock, tmp_path) -> None:
    """A refused demographics scope is noted as absent; tobedeleted records are not loaded."""
    data = csv_to_rest(csv_folder)
    gone = data["users"][0]["sourcedId"]
    data["users"][0] = {**data["users"][0], "status": "tobedeleted"}
    with FakeOneRoster(data, client_secret=SECRET, clock=clock.time) as srv, \
            client_for(srv, clock) as c:
        srv.forbidden.add("demographics")
        result = fetch_oneroster(tmp_path / "d", client=c, progress=False)
    assert result.absent == ("demographics",) and "demographics" not in result.counts
    assert "not available: demographics" in result.summary()
    assert not (tmp_path / "d" / "demographics.csv").exists()
    roster = rostergraph.load(tmp_path / "d")
    assert gone not in roster.users
    assert set(roster.users) == set(rostergraph.load(csv_folder).users) - {gone}


def test_no_secret_in_any_dump_file(csv_folder, clock, tmp_path) -> None:
    """Neither the client secret nor an access token is written into the dump folder."""
    with serve(csv_folder, clock) as srv, client_for(srv, clock) as c:
        fetch_oneroster(tmp_path / "d", client=c, progress=False)
        tokens = {h[7:] for h in srv.auth_headers if h.startswith("Bearer ")}
        base_url = srv.base_url
    assert tokens
    for p in (tmp_path / "d").rglob("*"):
        if p.is_file():
            data = p.read_bytes()
            assert SECRET.encode() not in data, p
            assert not any(t.encode() in data for t in tokens), p
    m = orjson.loads((tmp_path / "d" / "manifest.json").read_bytes())
    assert m["complete"] and m["base_url"] == base_url


def test_progress_bars_go_to_stderr(csv_folder, clock, tmp_path, capsys) -> None:
    """progress=True draws a tqdm bar per collection on stderr, and nothing on stdout."""
    with serve(csv_folder, clock) as srv, client_for(srv, clock) as c:
        fetch_oneroster(tmp_path / "d", client=c, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "users" in captured.err and "records" in captured.err


def test_user_passwords_and_profiles_are_never_stored(csv_folder, clock, tmp_path) -> None:
    """`password` and `userProfiles` of served users reach no file of the dump, nor does
    any key named as a credential (the CSV readers' test): a vendor's `api_token`, a
    `metadata` `client_secret`."""
    data = csv_to_rest(csv_folder)
    data["users"][0] = {**data["users"][0], "password": "pw-Hunter2-zz",
                        "api_token": "pw-Token-zz", "sis_password": "pw-Sis-zz",
                        "metadata": {"client_secret": "pw-Meta-zz", "bus": "7"},
                        "userProfiles": [{"profileType": "app", "credentials": [
                            {"username": "u", "password": "pw-Profile-qq"}]}]}
    with FakeOneRoster(data, client_secret=SECRET, clock=clock.time) as srv, \
            client_for(srv, clock) as c:
        fetch_oneroster(tmp_path / "d", client=c, progress=False)
    for p in (tmp_path / "d").rglob("*"):
        if p.is_file():
            assert b"pw-" not in p.read_bytes(), p
    assert data["users"][0]["sourcedId"] in {r["sourcedId"] for r in (
        orjson.loads(line) for line in (tmp_path / "d" / "rest" / "users.jsonl")
        .read_bytes().splitlines())}


def test_resume_of_a_fetch_that_died_before_its_manifest(csv_folder, clock, tmp_path) -> None:
    """Leftovers without a manifest block a plain fetch but --resume starts it afresh."""
    out = tmp_path / "d"
    (out / "rest").mkdir(parents=True)
    (out / "rest" / "orgs.jsonl.part").write_bytes(b'{"sourcedId": "x"')
    with serve(csv_folder, clock) as srv, client_for(srv, clock) as c:
        with pytest.raises(SourceError, match="--resume"):
            fetch_oneroster(out, client=c, progress=False)
        fetch_oneroster(out, client=c, resume=True, progress=False)
    assert records(rostergraph.load(out)) == records(rostergraph.load(csv_folder))


def test_cli_usage_errors_are_one_line(tmp_path, monkeypatch, capsys) -> None:
    """A URL naming no version, or missing credentials, fail with exit 2 and one clear line."""
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    code = main(["fetch", "--oneroster", "https://sis.test/api", "--token-url",
                 "https://sis.test/token", "--credentials-env", "RGF", "--out",
                 str(tmp_path / "d")])
    err = capsys.readouterr().err
    assert code == 2 and "v1p1" in err and "Traceback" not in err
    monkeypatch.delenv("RGF_CLIENT_SECRET")
    code = main(["fetch", "--oneroster", "https://sis.test/ims/oneroster/v1p1",
                 "--credentials-env", "RGF", "--out", str(tmp_path / "d")])
    err = capsys.readouterr().err
    assert code == 2 and "RGF_CLIENT_SECRET" in err and err.count("\n") == 1
    assert not (tmp_path / "d").exists()


def _finishes(fn: Any, fifo: Path) -> BaseException | None:
    """Run ``fn`` in a thread; fail (and unblock it) when it waits on ``fifo`` for 10 s."""
    import threading

    got: list[BaseException | None] = []

    def run() -> None:
        try:
            fn()
            got.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            got.append(exc)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(10)
    if t.is_alive():  # open the writer end so the hung open returns, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        t.join(10)
        pytest.fail(f"hung on the FIFO {fifo.name}")
    return got[0]


def test_fifo_in_a_dump_folder_never_hangs(csv_folder, clock, tmp_path) -> None:
    """A FIFO as manifest.json, rest/*.jsonl or a part file is refused at once (no hang),
    also by `rostergraph sync` on a Clever dump, and a linked rest/ folder is not read."""
    import subprocess
    import sys

    bare = tmp_path / "bare"
    bare.mkdir()
    os.mkfifo(bare / "manifest.json")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    run = subprocess.run([sys.executable, "-m", "rostergraph", "sync", str(bare), "--quiet"],
                         env=env, capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode not in (0, 124) and "Traceback" not in run.stderr
    assert "manifest.json" in run.stderr
    out = tmp_path / "dump"
    with serve(csv_folder, clock) as srv, client_for(srv, clock) as c:
        fetch_oneroster(out, client=c, progress=False)
        users = out / "rest" / "users.jsonl"
        users.rename(tmp_path / "users.jsonl")
        os.mkfifo(users)
        exc = _finishes(lambda: sync_oneroster(out, client=c, progress=False), users)
        assert isinstance(exc, SourceError) and "regular file" in str(exc)
        users.unlink()
        (tmp_path / "users.jsonl").rename(users)
        (out / "rest").rename(tmp_path / "rest-kept")
        (out / "rest").symlink_to(tmp_path / "rest-kept")
        with pytest.raises(SourceError, match="symbolic link"):
            read_records(out, "users")
        (out / "rest").unlink()
        (tmp_path / "rest-kept").rename(out / "rest")
        second = tmp_path / "second"
        with pytest.raises(ApiError):
            srv.inject("500", times=100, path="/courses")
            fetch_oneroster(second, client=c, limit=3, progress=False)
        srv.faults.clear()
        part = second / "rest" / "courses.jsonl.part"
        part.unlink()
        os.mkfifo(part)
        exc = _finishes(lambda: fetch_oneroster(second, client=c, resume=True,
                                                progress=False), part)
        assert isinstance(exc, SourceError) and "courses.jsonl.part" in str(exc)
        manifest = out / "manifest.json"
        manifest.unlink()
        os.mkfifo(manifest)
        exc = _finishes(lambda: sync_oneroster(out, client=c, progress=False), manifest)
        assert isinstance(exc, SourceError)


@pytest.mark.parametrize("key, value", [
    ("orgs", 5), ("users.part_bytes", -1), ("users.offset", "x"), ("users.offset", -10),
    ("users.status", "weird"), ("users.since", "2025' or '1'='1"), ("elsewhere", {}),
    ("users.count", True)])
def test_hostile_manifest_is_a_format_error(csv_folder, clock, tmp_path, monkeypatch, capsys,
                                            key, value) -> None:
    """A manifest value a fetch never writes stops --resume and sync with one FormatError
    naming the manifest and the key; no request reaches the server."""
    out = tmp_path / "dump"
    with serve(csv_folder, clock) as srv, client_for(srv, clock) as c:
        fetch_oneroster(out, client=c, progress=False)
        doc = orjson.loads((out / "manifest.json").read_bytes())
        name, _, field = key.partition(".")
        if field:
            doc["endpoints"][name][field] = value
        else:
            doc["endpoints"][name] = value
        (out / "manifest.json").write_bytes(orjson.dumps(doc))
        before = len(srv.log)
        for run in (lambda: fetch_oneroster(out, client=c, resume=True, progress=False),
                    lambda: sync_oneroster(out, client=c, progress=False)):
            with pytest.raises(FormatError, match=f"manifest.json.*endpoints.{name}") as info:
                run()
            assert isinstance(info.value, rostergraph.errors.RosterError)
        assert len(srv.log) == before
        for k, v in ENV.items():
            monkeypatch.setenv(k, v)
        code = main(["sync", str(out), "--oneroster", srv.base_url, "--token-url",
                     srv.token_url, "--credentials-env", "RGF", "--quiet"])
    err = capsys.readouterr().err
    assert code not in (0, 1) and "Traceback" not in err and "manifest.json" in err


@pytest.mark.parametrize("limit", [3, 1000])
def test_items_that_are_no_record_are_skipped_and_listed_as_load_problems(
        csv_folder, clock, tmp_path, limit) -> None:
    """A page holding ``null``, a string, an array or an object without a sourcedId among
    good records: the fetch goes on (it stopped with a FormatError before, so one bad item
    kept a district from ever being fetched), every good record is kept, paging counts
    the bad items' places, and loading the dump lists each as a problem with file and
    line."""
    data = csv_to_rest(csv_folder)
    users = data["users"]
    bad: list[Any] = [None, "oops", [1, 2], {"givenName": "No", "familyName": "Id"}]
    for at, item in zip((1, 4, 5, 9), bad):
        users.insert(at, item)
    want = {u["sourcedId"] for u in users if isinstance(u, dict) and "sourcedId" in u}
    with FakeOneRoster(data, client_secret=SECRET, clock=clock.time) as srv, \
            client_for(srv, clock) as c:
        result = fetch_oneroster(tmp_path / "d", client=c, limit=limit, progress=False)
    assert result.skipped == {"users": 4}
    assert "items without a sourcedId" in result.summary()
    assert set(read_records(tmp_path / "d", "users")) == want
    entry = read_dump_manifest(tmp_path / "d")["endpoints"]["users"]
    assert [it["at"] for it in entry["skipped_items"]] == [1, 4, 5, 9]
    roster = rostergraph.load(tmp_path / "d")
    base = rostergraph.load(csv_folder)
    assert set(roster.users) == set(base.users)
    problems = [p for p in roster.problems if p.file == "users.csv"]
    assert len(problems) == 4 and all(p.code == "no_id" and p.line for p in problems)
    assert any("oops" in (p.raw or "") for p in problems)
    assert any("No" in (p.raw or "") for p in problems)


def test_skipped_items_keep_no_credential(csv_folder, clock, tmp_path) -> None:
    """Items that are no record holding credentials (an array of objects with a
    ``password``, an object without a sourcedId with an ``api_token``): the dump's
    manifest and CSV files and the load's problems list them without the credentials
    (the array's text kept them), their other values kept."""
    data = csv_to_rest(csv_folder)
    fake = "FAKECRED"
    data["users"][1:1] = [[{"password": f"{fake}-1", "note": "n1"}],
                          {"givenName": "No", "api_token": f"{fake}-2"}]
    with FakeOneRoster(data, client_secret=SECRET, clock=clock.time) as srv, \
            client_for(srv, clock) as c:
        fetch_oneroster(tmp_path / "d", client=c, progress=False)
    for f in (tmp_path / "d").rglob("*"):
        assert not f.is_file() or fake.encode() not in f.read_bytes(), f.name
    roster = rostergraph.load(tmp_path / "d")
    problems = [p for p in roster.problems if p.file == "users.csv"]
    assert fake not in repr(roster.problems) and len(problems) == 2
    assert any("n1" in (p.raw or "") for p in problems)
    assert any("No" in (p.raw or "") for p in problems)


def test_whole_number_ids_and_a_single_reference_where_a_list_belongs(clock, tmp_path) -> None:
    """A server that sends ``"sourcedId": 101`` (a JSON number) and ``"orgs": {...}`` (one
    GUIDRef, not a list): the records keep their ids as text and their links (every
    record was dropped, then refused, and the user lost its school)."""
    data = {
        "orgs": [{"sourcedId": 1, "name": "D", "type": "district"},
                 {"sourcedId": 7, "name": "S", "type": "school",
                  "parent": {"sourcedId": 1, "type": "org"}}],
        "classes": [{"sourcedId": 55, "title": "Math", "school": {"sourcedId": 7}}],
        "users": [{"sourcedId": 101, "role": "student", "givenName": "A", "familyName": "B",
                   "orgs": {"sourcedId": 7, "type": "org"}},
                  {"sourcedId": "t-1", "role": "teacher", "givenName": "C", "familyName": "D",
                   "orgs": [{"sourcedId": 7}]}],
        "enrollments": [{"sourcedId": 900, "role": "student", "class": {"sourcedId": 55},
                         "user": {"sourcedId": 101}},
                        {"sourcedId": 901, "role": "teacher", "primary": True,
                         "class": {"sourcedId": 55}, "user": {"sourcedId": "t-1"}}]}
    with FakeOneRoster(data, client_secret=SECRET, clock=clock.time) as srv, \
            client_for(srv, clock) as c:
        result = fetch_oneroster(tmp_path / "d", client=c, progress=False)
    assert result.skipped == {}
    r = rostergraph.load(tmp_path / "d")
    assert r.problems == []
    assert r.users["101"].roles.student.school == "7"
    assert r.schools["7"].district == "1"
    assert r.sections["55"].students == ("101",) and r.sections["55"].teacher == "t-1"


def test_lists_of_numbers_are_comma_separated_like_lists_of_text(clock, tmp_path) -> None:
    """``"grades": [9, 10]`` and ``"periods": [1]`` (JSON numbers where the binding has
    strings) become the cells ``9,10`` and ``1``, not JSON text that the reader took apart
    as grade ``[9``; a list holding an object is still kept as JSON text."""
    data = {
        "orgs": [{"sourcedId": "d", "name": "D", "type": "district"},
                 {"sourcedId": "s", "name": "S", "type": "school",
                  "parent": {"sourcedId": "d", "type": "org"}}],
        "classes": [{"sourcedId": "c", "title": "Math", "school": {"sourcedId": "s"},
                     "grades": [9, 10], "periods": [1, 2.5],
                     "vendorSlots": [{"day": "M"}]}]}
    with FakeOneRoster(data, client_secret=SECRET, clock=clock.time) as srv, \
            client_for(srv, clock) as c:
        fetch_oneroster(tmp_path / "d", client=c, progress=False)
    rows = (tmp_path / "d" / "classes.csv").read_text(encoding="utf-8").splitlines()
    assert rows[1].startswith('c,,,Math,"9,10",') and '"1,2.5"' in rows[1]
    section = rostergraph.load(tmp_path / "d").sections["c"]
    assert section.grade == "9" and section.period == "1,2.5"
    assert record_to_dict(section)["oneroster.vendorSlots"] == '[{"day":"M"}]'


def test_lone_surrogates_and_wide_integers_are_fetched_and_kept(clock, tmp_path) -> None:
    """A page holding a name cut in the middle of a UTF-16 pair (``"Zo\\ud83d"``, as
    databases truncating UTF-16 write it) or an integer wider than 64 bits was refused as
    not JSON at every try and every resume; the records are kept exactly, loaded, and
    synced."""
    school = {"sourcedId": "s", "type": "org"}
    data = {
        "orgs": [{"sourcedId": "d", "name": "D", "type": "district"},
                 {"sourcedId": "s", "name": "S", "type": "school", "parent": {"sourcedId": "d"}}],
        "users": [{"sourcedId": "u1", "role": "student", "givenName": "Zo\ud83d",
                   "familyName": "B", "orgs": [school], "identifier": 123456789012345678901234,
                   "dateLastModified": "2025-01-01T00:00:00Z"},
                  {"sourcedId": "u2", "role": "student", "givenName": "C", "familyName": "D",
                   "orgs": [school], "dateLastModified": "2025-01-01T00:00:00Z"}]}
    with FakeOneRoster(data, client_secret=SECRET, clock=clock.time) as srv, \
            client_for(srv, clock) as c:
        fetch_oneroster(tmp_path / "d", client=c, progress=False)
        assert read_records(tmp_path / "d", "users") == {u["sourcedId"]: u for u in data["users"]}
        r = rostergraph.load(tmp_path / "d")
        assert set(r.users) == {"u1", "u2"}
        assert r.users["u1"].roles.student.sis_id == "123456789012345678901234"
        assert r.users["u1"].name.first == "Zo\ufffd" and r.problems == []
        srv.data["users"][0] = {**data["users"][0], "familyName": "New\udc00",
                                "dateLastModified": "2025-02-01T00:00:00Z"}
        assert sync_oneroster(tmp_path / "d", client=c).actions == {"updated": 1}
    assert read_records(tmp_path / "d", "users")["u1"]["familyName"] == "New\udc00"
    assert set(rostergraph.load(tmp_path / "d").users) == {"u1", "u2"}


def test_a_wide_integer_keeps_its_digits_through_a_sync(clock, tmp_path) -> None:
    """A record holding an integer wider than 64 bits (and nothing orjson refuses) is
    rewritten exactly when a sync rewrites its collection, not as the nearest float."""
    school = {"sourcedId": "s", "type": "org"}
    wide = 123456789012345678901234
    data = {
        "orgs": [{"sourcedId": "d", "name": "D", "type": "district"},
                 {"sourcedId": "s", "name": "S", "type": "school", "parent": {"sourcedId": "d"}}],
        "users": [{"sourcedId": f"u{i}", "role": "student", "givenName": "A",
                   "familyName": "B", "orgs": [school], "identifier": wide + i,
                   "dateLastModified": f"202{3 + i}-01-01T00:00:00Z"} for i in (1, 2)]}
    with FakeOneRoster(data, client_secret=SECRET, clock=clock.time) as srv, \
            client_for(srv, clock) as c:
        fetch_oneroster(tmp_path / "d", client=c, progress=False)
        srv.data["users"][1] = {**data["users"][1], "familyName": "C",
                                "dateLastModified": "2025-02-01T00:00:00Z"}
        synced = sync_oneroster(tmp_path / "d", client=c)
        assert synced.actions.get("updated")  # (u2's delta: u1 is rewritten from rest/)
    kept = read_records(tmp_path / "d", "users")
    assert kept["u1"]["identifier"] == wide + 1 and kept["u2"]["identifier"] == wide + 2
    text = (tmp_path / "d" / "rest" / "users.jsonl").read_bytes()
    assert str(wide + 1).encode() in text and b"e+23" not in text


def test_a_record_shifted_past_a_page_while_fetching_is_fetched_by_id(
        csv_folder, clock, tmp_path, caplog) -> None:
    """A user removed on the server while the fetch pages (before the current offset)
    moves the next one past the page boundary, unseen by offset paging. The changed
    X-Total-Count makes the fetch list the ids again once the collection is done and
    fetch the one it lacks by id: the dump holds every user the server holds."""
    with serve(csv_folder, clock) as srv, client_for(srv, clock) as c:
        def remove_first(name: str, offset: int) -> None:
            if name == "users" and offset == 0 and "fields" not in srv.log[-1]["query"]:
                del srv.data["users"][0]

        srv.after_page = remove_first
        with caplog.at_level("WARNING", "rostergraph"):
            fetch_oneroster(tmp_path / "dump", client=c, limit=20, progress=False)
        srv.after_page = None
        want = {u["sourcedId"] for u in srv.data["users"]}
        shifted = srv.data["users"][19]["sourcedId"]  # (offset 20 before, 19 after)
        fetch_oneroster(tmp_path / "fresh", client=c, limit=20, progress=False)
    got = read_records(tmp_path / "dump", "users")
    assert set(got) == want and shifted in got
    assert read_dump_manifest(tmp_path / "dump")["endpoints"]["users"]["count"] == len(want)
    assert "X-Total-Count went" in caplog.text
    assert "users: changed while it was fetched; listed again: 1 users fetched by id, 1 no " \
        "longer listed left out" in caplog.text
    assert records(rostergraph.load(tmp_path / "dump")) == records(
        rostergraph.load(tmp_path / "fresh"))


def test_a_fetch_killed_before_mending_mends_when_resumed(csv_folder, clock, tmp_path,
                                                          monkeypatch) -> None:
    """A fetch killed after paging a collection that changed meanwhile, before listing it
    again, does so when resumed (the manifest remembers the collection shifted)."""
    import rostergraph.oneroster.dump as dump_mod

    real = dump_mod._mend

    def killed(*args: Any) -> None:
        raise KeyboardInterrupt

    with serve(csv_folder, clock) as srv, client_for(srv, clock) as c:
        def remove_first(name: str, offset: int) -> None:
            if name == "users" and offset == 0 and "fields" not in srv.log[-1]["query"]:
                del srv.data["users"][0]

        srv.after_page = remove_first
        monkeypatch.setattr(dump_mod, "_mend", killed)
        with pytest.raises(KeyboardInterrupt):
            fetch_oneroster(tmp_path / "dump", client=c, limit=20, progress=False)
        srv.after_page = None
        assert read_dump_manifest(tmp_path / "dump")["endpoints"]["users"]["shifted"]
        monkeypatch.setattr(dump_mod, "_mend", real)
        fetch_oneroster(tmp_path / "dump", client=c, limit=20, progress=False, resume=True)
        want = {u["sourcedId"] for u in srv.data["users"]}
    assert set(read_records(tmp_path / "dump", "users")) == want
    assert not read_dump_manifest(tmp_path / "dump")["endpoints"]["users"]["shifted"]


def test_a_listing_the_district_changes_under_removes_no_record_it_skipped(
        csv_folder, clock, tmp_path, caplog) -> None:
    """The ids-only listing that mends a shifted collection is paged by offset too: a user
    removed while it is listed moves the next id past its page boundary. Its
    X-Total-Count changes, so the listing is not trusted to tell what went: the user it
    skipped, which the server still holds, stays in the dump (it was dropped as gone)."""
    with serve(csv_folder, clock) as srv, client_for(srv, clock) as c:
        removed: list[str] = []

        def remove_first(name: str, offset: int) -> None:
            listing = "fields" in srv.log[-1]["query"]
            if name == "users" and offset == 0 and len(removed) == listing:
                removed.append(srv.data["users"].pop(0)["sourcedId"])

        skipped = srv.data["users"][21]["sourcedId"]  # (offset 21 before, 19 after both)
        srv.after_page = remove_first
        with caplog.at_level("WARNING", "rostergraph"):
            fetch_oneroster(tmp_path / "dump", client=c, limit=20, progress=False)
        held = {u["sourcedId"] for u in srv.data["users"]}
    assert len(removed) == 2 and skipped in held
    assert skipped in read_records(tmp_path / "dump", "users")
    assert "the id listing changed while it was paged" in caplog.text


def test_a_listing_leaving_out_much_of_a_shifted_collection_removes_nothing(
        csv_folder, clock, tmp_path, monkeypatch, caplog) -> None:
    """The fetch has no hold as a sync has: a listing that lies (its X-Total-Count agreeing
    with it) must not leave out much of what the fetch's own pages got. Past
    ``MAX_LEFT_OUT_SHARE`` of the collection the mend leaves nothing out (logged); the
    record it lacks is still fetched by id."""
    import rostergraph.oneroster.dump as dump_mod

    real = dump_mod.live_ids

    def lying(*args: Any) -> tuple[set[str] | None, str]:
        live, why = real(*args)
        return (set(sorted(live or ())[:40]) | {shifted}), why

    with serve(csv_folder, clock) as srv, client_for(srv, clock) as c:
        def remove_first(name: str, offset: int) -> None:
            if name == "users" and offset == 0 and "fields" not in srv.log[-1]["query"]:
                del srv.data["users"][0]

        shifted = srv.data["users"][20]["sourcedId"]  # (offset 20 before, 19 after)
        srv.after_page = remove_first
        monkeypatch.setattr(dump_mod, "live_ids", lying)
        with caplog.at_level("WARNING", "rostergraph"):
            fetch_oneroster(tmp_path / "dump", client=c, limit=20, progress=False)
        held = {u["sourcedId"] for u in srv.data["users"]}
    got = set(read_records(tmp_path / "dump", "users"))
    assert held <= got and shifted in got
    assert "not listed: too many to leave out" in caplog.text


def test_records_marked_tobedeleted_do_not_count_towards_the_share_left_out(
        csv_folder, clock, tmp_path) -> None:
    """Records the server sends marked tobedeleted (no live record: the bundle has none)
    leave a mended collection without counting towards ``MAX_LEFT_OUT_SHARE``: a server
    sending many of them still has the user removed while paging left out."""
    with serve(csv_folder, clock) as srv, client_for(srv, clock) as c:
        users = srv.data["users"]
        for i in range(30, 70):
            users[i] = {**users[i], "status": "tobedeleted"}

        def remove_first(name: str, offset: int) -> None:
            if name == "users" and offset == 0 and "fields" not in srv.log[-1]["query"]:
                removed.append(srv.data["users"].pop(0)["sourcedId"])

        removed: list[str] = []
        srv.after_page = remove_first
        fetch_oneroster(tmp_path / "dump", client=c, limit=20, progress=False)
        live = {u["sourcedId"] for u in srv.data["users"] if u.get("status") != "tobedeleted"}
    got = read_records(tmp_path / "dump", "users")
    assert removed and removed[0] not in got
    assert {s for s, u in got.items() if u.get("status") != "tobedeleted"} == live
