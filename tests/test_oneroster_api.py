"""The OneRoster REST client against a real fake OneRoster server on 127.0.0.1."""

from __future__ import annotations

import logging
import random
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rostergraph
from rostergraph.errors import ApiError, FormatError, LimitError, TokenError
from rostergraph.oneroster import (
    ClientCredentials,
    OneRosterClient,
    oauth1_signature,
    read_credentials,
    signature_base_string,
)

from .fake_clever import FakeClock
from .fake_oneroster import FakeOneRoster, csv_to_rest

SECRET = "s3cr3t-Shh-91c4e7"  # distinctive: searched for in every output


@pytest.fixture(scope="module")
def csv_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("or") / "csv"
    rostergraph.write_oneroster(rostergraph.sample(), out)
    return out


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_server(csv_folder: Path, clock: FakeClock, version: str = "1.1",
                auth: str = "oauth2", **kw: Any) -> FakeOneRoster:
    return FakeOneRoster(csv_to_rest(csv_folder, version), version=version, auth=auth,
                         client_secret=SECRET, clock=clock.time, **kw)


def client_for(srv: FakeOneRoster, clock: FakeClock, **kw: Any) -> OneRosterClient:
    creds = ClientCredentials(srv.client_id, kw.pop("secret", SECRET), token_url=srv.token_url)
    kw.setdefault("rng", random.Random(0))
    return OneRosterClient(srv.base_url, creds, auth=kw.pop("auth", srv.auth),
                           clock=clock.time, sleep=clock.sleep, **kw)


def all_records(client: OneRosterClient, endpoint: str, **kw: Any) -> list[dict[str, Any]]:
    return [r for page in client.pages(endpoint, **kw) for r in page.records]


# --- signing --------------------------------------------------------------------------------


def test_oauth1_signature_matches_the_published_examples() -> None:
    """The HMAC-SHA1 signature and base string equal the OAuth 1.0a / RFC 5849 examples."""
    # OAuth Core 1.0a, appendix A.5 (the photos example)
    assert oauth1_signature(
        "GET", "http://photos.example.net/photos?file=vacation.jpg&size=original",
        consumer_key="dpf43f3p2l4k3l03", consumer_secret="kd94hf93k423kf44",
        token="nnch734d00sl2jdk", token_secret="pfkkdhi9sl3r4s00", timestamp="1191242096",
        nonce="kllo9940pd9333jh") == "tR3+Ty81lMeYAr/Fid0kMTYa/WM="
    # RFC 5849 section 3.4.1.1 (query, body and protocol parameters normalized together)
    base = signature_base_string(
        "POST", "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b",
        [("oauth_consumer_key", "9djdj82h48djs9d2"), ("oauth_token", "kkk9d7dh3k39sjv7"),
         ("oauth_signature_method", "HMAC-SHA1"), ("oauth_timestamp", "137131201"),
         ("oauth_nonce", "7d8f3e4a")], [("c2", ""), ("a3", "2 q")])
    assert base == (
        "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D"
        "%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26"
        "oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D"
        "137131201%26oauth_token%3Dkkk9d7dh3k39sjv7")


# --- versions and auth schemes ---------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.1", "1.2"])
@pytest.mark.parametrize("auth", ["oauth2", "oauth1"])
def test_both_versions_and_auth_schemes_page_every_record(csv_folder, clock, version,
                                                          auth) -> None:
    """Each version's path and each auth scheme reads every record of every collection."""
    with make_server(csv_folder, clock, version, auth) as srv, client_for(srv, clock) as c:
        assert c.version == version
        for endpoint in ("orgs", "users", "enrollments"):
            assert all_records(c, endpoint, limit=7) == srv.data[endpoint]
        assert all(e["path"].startswith(srv.base_url[len(srv.origin):]) for e in srv.log)
        assert {e["status"] for e in srv.log} == {200}
        if auth == "oauth2":
            assert srv.token_requests == 1 and c.stats["tokens"] == 1
            assert all(h.startswith("Bearer at-1-") for h in srv.auth_headers)
        else:
            assert srv.token_requests == 0
            nonces = {h.split('oauth_nonce="')[1].split('"')[0] for h in srv.auth_headers}
            assert len(nonces) == len(srv.auth_headers)  # a fresh nonce per request
        assert not any(SECRET in h for h in srv.auth_headers)


def test_wrong_secret_is_refused_for_both_schemes(csv_folder, clock) -> None:
    """A wrong secret ends in TokenError (token URL for OAuth 2.0, HTTP 401 for OAuth 1.0a)."""
    for auth in ("oauth2", "oauth1"):
        with make_server(csv_folder, clock, auth=auth) as srv, \
                client_for(srv, clock, secret="not-the-secret") as c:
            with pytest.raises(TokenError) as info:
                all_records(c, "orgs")
            assert "not-the-secret" not in str(info.value) and info.value.status == 401
            if auth == "oauth2":  # the token endpoint refused, not the API
                assert "token URL refused" in str(info.value)
                assert "API rejected" not in str(info.value)
                assert info.value.url == srv.token_url and not srv.log
            else:
                assert "API rejected" in str(info.value)


# --- paging edge cases -------------------------------------------------------------------------


def test_exact_multiple_of_limit_ends_on_the_empty_page(csv_folder, clock) -> None:
    """When the count is a multiple of limit, one more (empty) page confirms the end."""
    with make_server(csv_folder, clock) as srv, client_for(srv, clock) as c:
        n = len(srv.data["orgs"])
        assert all_records(c, "orgs", limit=n) == srv.data["orgs"]
        assert [e["count"] for e in srv.requests("/orgs")] == [n, 0]
        srv.no_total = True
        assert all_records(c, "orgs", limit=1) == srv.data["orgs"]
        assert [e["count"] for e in srv.requests("/orgs")][2:] == [1] * n + [0]


def test_short_page_is_confirmed_by_an_empty_one_without_headers(csv_folder, clock) -> None:
    """Without Link headers a short page may be a server's cap, not the end: the empty
    page after it ends paging."""
    with make_server(csv_folder, clock) as srv, client_for(srv, clock) as c:
        srv.no_total = True
        assert all_records(c, "users", limit=50) == srv.data["users"]
        n = len(srv.data["users"])
        assert [e["count"] for e in srv.requests("/users")] == [50, 50, n - 100, 0]


def test_server_capping_limit_without_headers_or_with_a_low_total_loses_nothing(
        csv_folder, clock) -> None:
    """A server that silently caps the page size and sends no X-Total-Count, or one too
    low, still gives every record once."""
    with make_server(csv_folder, clock) as srv, client_for(srv, clock) as c:
        srv.max_limit, srv.no_total = 40, True
        assert all_records(c, "enrollments", limit=100) == srv.data["enrollments"]
        srv.no_total, srv.total_skew = False, -150
        assert all_records(c, "enrollments", limit=100) == srv.data["enrollments"]


def test_next_relation_in_any_case_or_among_others_is_followed(csv_folder, clock) -> None:
    """Link relations are case-insensitive and a link may have several (RFC 8288):
    ``rel="Next"`` and ``rel="next prefetch"`` are the next page, not the end."""
    with make_server(csv_folder, clock) as srv, client_for(srv, clock) as c:
        srv.link_header, srv.no_total = True, True
        for rel in ("Next", "next prefetch"):
            srv.next_rel = rel
            assert all_records(c, "users", limit=30) == srv.data["users"]
        assert len(srv.requests("/users")) == 2 * 4  # by the links: no empty page


def test_link_header_without_a_paging_relation_does_not_end_paging(csv_folder, clock) -> None:
    """A Link header with no next/prev/first/last (a gateway's rel=describedby) says
    nothing about paging: the records after the first page are still fetched."""
    with make_server(csv_folder, clock) as srv, client_for(srv, clock) as c:
        srv.other_link = '<https://schemas.example.org/oneroster>; rel="describedby"'
        srv.no_total = True
        assert all_records(c, "users", limit=30) == srv.data["users"]
        srv.no_total = False
        assert all_records(c, "users", limit=30) == srv.data["users"]
        srv.link_header = True  # beside real paging links it changes nothing
        assert all_records(c, "users", limit=30) == srv.data["users"]


def test_server_ignoring_limit_and_offset_gives_every_record_once(csv_folder, clock) -> None:
    """A server that sends the whole collection whatever limit and offset say ends after
    the repeat, without error; one that honours offset only ends on the empty page."""
    with make_server(csv_folder, clock) as srv, client_for(srv, clock) as c:
        srv.ignore_limit = srv.ignore_offset = srv.no_total = True
        assert all_records(c, "users", limit=10) == srv.data["users"]
        assert len(srv.requests("/users")) == 2
        srv.ignore_offset = False
        assert all_records(c, "users", limit=10) == srv.data["users"]
        assert [e["count"] for e in srv.requests("/users")][2:] == [len(srv.data["users"]), 0]
        srv.ignore_limit, srv.ignore_offset = False, True  # a small collection in one page
        assert all_records(c, "orgs", limit=100) == srv.data["orgs"]
        assert len(srv.requests("/orgs")) == 2


def test_offset_past_the_end_answered_with_an_error_ends_paging(csv_folder, clock,
                                                                caplog) -> None:
    """A server that refuses an offset past its records (400/404) once a short page or the
    announced total said the end had come ends the collection; earlier it is an error."""
    with make_server(csv_folder, clock) as srv, client_for(srv, clock) as c:
        n = len(srv.data["users"])
        for status in (400, 404):
            srv.past_end_status = status
            with caplog.at_level(logging.WARNING, logger="rostergraph.oneroster"):
                assert all_records(c, "users", limit=50) == srv.data["users"]
            assert f"HTTP {status}" in caplog.text
        srv.past_end_status = 400
        assert all_records(c, "users", limit=n) == srv.data["users"]  # full page at the total
        srv.total_skew = +30  # the total says more are due: the refusal is an error
        with pytest.raises(ApiError, match="offset out of range") as info:
            all_records(c, "users", limit=n)
        assert info.value.status == 400 and srv.base_url in str(info.value)


def test_imsx_status_envelope_is_quoted_in_the_error(csv_folder, clock) -> None:
    """A OneRoster error answer carries its reason in imsx_description: the error says it."""
    with make_server(csv_folder, clock) as srv, client_for(srv, clock) as c:
        srv.inject("imsx400", path="/classes")
        with pytest.raises(ApiError, match="filter field not supported") as info:
            all_records(c, "classes")
        assert info.value.status == 400 and "/classes" in str(info.value)


def test_wrong_total_count_loses_nothing(csv_folder, clock) -> None:
    """An X-Total-Count too low or too high neither drops records nor loops."""
    with make_server(csv_folder, clock) as srv, client_for(srv, clock) as c:
        n = len(srv.data["users"])
        srv.total_skew = -40
        assert all_records(c, "users", limit=10) == srv.data["users"]
        srv.total_skew = +500
        assert all_records(c, "users", limit=10) == srv.data["users"]
        assert len(srv.requests("/users")) <= 2 * (n // 10 + 2)


def test_server_capping_limit_loses_nothing(csv_folder, clock) -> None:
    """A server that sends fewer records than asked is paged by what it sent."""
    with make_server(csv_folder, clock) as srv, client_for(srv, clock) as c:
        srv.max_limit = 8
        assert all_records(c, "enrollments", limit=100) == srv.data["enrollments"]
        offsets = [int(e["query"]["offset"][0]) for e in srv.requests("/enrollments")]
        assert offsets[:3] == [0, 8, 16]


def test_link_headers_are_followed(csv_folder, clock) -> None:
    """With Link headers the rel=next link decides, and its absence ends paging."""
    with make_server(csv_folder, clock) as srv, client_for(srv, clock) as c:
        srv.link_header = True
        srv.no_total = True
        n = len(srv.data["users"])
        assert all_records(c, "users", limit=10) == srv.data["users"]
        assert len(srv.requests("/users")) == -(-n // 10)  # no extra empty page


def test_server_ignoring_offset_is_stopped_with_a_clear_error(csv_folder, clock) -> None:
    """A server that serves the first page for every offset is detected on the second page."""
    with make_server(csv_folder, clock) as srv, client_for(srv, clock) as c:
        srv.ignore_offset = True
        with pytest.raises(ApiError, match="ignore 'offset'") as info:
            all_records(c, "users", limit=10)
        assert srv.base_url in str(info.value)
        assert len(srv.requests("/users")) == 2
        srv.link_header = True  # and a Link next that never moves either
        srv.ignore_offset = True
        with pytest.raises(ApiError):
            all_records(c, "users", limit=10)
        assert len(srv.requests("/users")) == 4


def test_collection_changing_while_paged_is_told(csv_folder, clock, caplog) -> None:
    """A record removed from the listing between two pages shifts the next one past the
    page boundary unseen (offset paging cannot tell which): the changed X-Total-Count is
    logged instead of the loss passing silently."""
    with make_server(csv_folder, clock) as srv, client_for(srv, clock) as c:
        n = len(srv.data["users"])

        def remove_first(name: str, offset: int) -> None:
            if name == "users" and offset == 0:
                del srv.data["users"][0]

        srv.after_page = remove_first
        with caplog.at_level(logging.WARNING, logger="rostergraph.oneroster"):
            got = all_records(c, "users", limit=20)
        assert len(got) == n - 1  # the 21st record moved to offset 19, never asked for
        assert f"users: the server's X-Total-Count went from {n} to {n - 1}" in caplog.text
        caplog.clear()
        srv.after_page = None
        with caplog.at_level(logging.WARNING, logger="rostergraph.oneroster"):
            assert all_records(c, "users", limit=20) == srv.data["users"]
        assert "X-Total-Count went" not in caplog.text


def test_server_coming_back_to_an_earlier_page_is_stopped(csv_folder, clock) -> None:
    """A server that starts over after some offset sends pages it sent before, but not the
    one just before: that stops paging with an error too, instead of paging up to
    max_records."""
    with make_server(csv_folder, clock) as srv, client_for(srv, clock) as c:
        srv.wrap_offset = 20
        with pytest.raises(ApiError, match="sent before") as info:
            all_records(c, "users", limit=10)
        assert "offset=20" in str(info.value) and len(srv.requests("/users")) == 3


def test_server_starting_over_past_the_announced_total_ends_with_a_log_line(
        csv_folder, clock, caplog) -> None:
    """Past the announced X-Total-Count, a page sent before means the listing is complete
    (a server that serves the first page again for an offset past its end): paging stops
    with every record, and the log says why it stopped."""
    with make_server(csv_folder, clock) as srv, client_for(srv, clock) as c:
        n = len(srv.data["users"])
        srv.wrap_offset = n
        with caplog.at_level(logging.WARNING, logger="rostergraph.oneroster"):
            assert all_records(c, "users", limit=10) == srv.data["users"]
        assert f"users: the page at offset {n} repeats an earlier page" in caplog.text


def test_filter_and_fields_reach_the_server(csv_folder, clock) -> None:
    """`filter` and `fields` are sent as query parameters and shape the answer."""
    with make_server(csv_folder, clock) as srv, client_for(srv, clock) as c:
        marks = sorted(u["dateLastModified"] for u in srv.data["users"]
                       if u.get("dateLastModified"))
        mid = marks[len(marks) // 2]
        got = all_records(c, "users", filter=f"dateLastModified>'{mid}'",
                          fields=["sourcedId", "dateLastModified"])
        want = [u for u in srv.data["users"] if (u.get("dateLastModified") or "") > mid]
        assert [r["sourcedId"] for r in got] == [u["sourcedId"] for u in want]
        assert all(set(r) <= {"sourcedId", "dateLastModified"} for r in got) and got
        q = srv.requests("/users")[-1]["query"]
        assert q["filter"] == [f"dateLastModified>'{mid}'"]
        assert q["fields"] == ["sourcedId,dateLastModified"]


# --- failures ---------------------------------------------------------------------------------


def test_429_storm_waits_for_retry_after_then_gives_up(csv_folder, clock) -> None:
    """429s are waited out with Retry-After; a storm past max_rate_waits is an ApiError."""
    with make_server(csv_folder, clock, retry_after=4) as srv, client_for(srv, clock) as c:
        srv.inject("429", times=3)
        assert all_records(c, "orgs") == srv.data["orgs"]
        assert clock.sleeps.count(4.0) == 3 and c.stats["rate_limited"] == 3
        srv.inject("429", times=50)
        with pytest.raises(ApiError) as info:
            all_records(c, "orgs")
        assert info.value.status == 429
        # the empty page confirming the end, then bounded: 10 waits, then stop
        assert len(srv.requests("/orgs")) == (3 + 1 + 1) + (10 + 1)


def test_5xx_storm_backs_off_then_gives_up(csv_folder, clock) -> None:
    """5xx, drops and truncated bodies are retried with growing waits, then ApiError."""
    with make_server(csv_folder, clock) as srv, client_for(srv, clock, backoff=1.0) as c:
        for fault in ("503", "drop", "truncate", "502"):
            srv.inject(fault)
        assert all_records(c, "orgs") == srv.data["orgs"]
        assert c.stats["retries"] == 4
        waits = clock.sleeps[-4:]
        assert waits[0] < waits[-1] <= 8.0
        srv.inject("500", times=100)
        with pytest.raises(ApiError, match="gave up after 6 tries") as info:
            all_records(c, "orgs")
        assert srv.base_url in str(info.value)


def test_invalid_body_is_reported_with_the_url(csv_folder, clock) -> None:
    """A body that stays invalid JSON is a FormatError naming the URL, after the retries."""
    with make_server(csv_folder, clock) as srv, client_for(srv, clock, max_retries=2) as c:
        srv.inject("badjson", times=3)
        with pytest.raises(FormatError) as info:
            all_records(c, "users")
        assert f"{srv.base_url}/users" in str(info.value)
        assert SECRET not in str(info.value)


def test_empty_page_without_its_array_is_an_empty_page(csv_folder, clock) -> None:
    """A server whose serializer drops empty lists ends a collection with ``{}`` or a null
    array: that is its empty page, not an error; a page with other members but not the
    collection's array stays an error."""
    with make_server(csv_folder, clock) as srv, client_for(srv, clock) as c:
        for shape in ("omit", "null"):
            srv.empty_page_as = shape
            assert all_records(c, "users", limit=50) == srv.data["users"]
            srv.data["demographics"] = []
            assert all_records(c, "demographics") == []
        srv.inject("imsx200", path="/users")
        with pytest.raises(FormatError, match="expected a 'users' array") as info:
            all_records(c, "users")
        message = str(info.value)
        assert "unknown access token Bearer [secret]" in message
        assert f"{srv.base_url}/users" in message and SECRET not in message
        assert "at-" not in message  # the token itself is scrubbed


def test_oversized_body_is_not_read(csv_folder, clock) -> None:
    """A body over max_body_bytes stops with LimitError at once (no retries)."""
    with make_server(csv_folder, clock) as srv, client_for(srv, clock,
                                                           max_body_bytes=2000) as c:
        with pytest.raises(LimitError, match="larger than 2,000 bytes") as info:
            all_records(c, "users", limit=100)
        assert "/users" in str(info.value)
        assert len(srv.requests("/users")) == 1


def test_body_cap_is_the_callers_also_above_128_mib_and_for_streamed_bodies() -> None:
    """max_body_bytes reaches the request loop (a cap above the Clever client's 128 MiB
    default holds), and a streamed body without Content-Length stops at the cap unretried."""
    sent: list[int] = []

    def serve(request: httpx.Request) -> httpx.Response:
        def chunks():
            for _ in range(50):
                sent.append(1)
                yield b" " * 1000
            yield b'{"orgs": []}'
        return httpx.Response(200, content=chunks())  # no Content-Length: streamed

    big = 200 * 1024 * 1024
    with OneRosterClient("https://sis.test/ims/oneroster/v1p1", ClientCredentials("k", SECRET),
                         auth="oauth1", max_body_bytes=big,
                         transport=httpx.MockTransport(serve)) as c:
        assert c._api.max_body_bytes == big
        assert all_records(c, "orgs") == []
    sent.clear()
    with OneRosterClient("https://sis.test/ims/oneroster/v1p1", ClientCredentials("k", SECRET),
                         auth="oauth1", max_body_bytes=5000,
                         transport=httpx.MockTransport(serve)) as c:
        with pytest.raises(ApiError, match="larger than 5000 bytes") as info:
            all_records(c, "orgs")
        assert "/orgs" in str(info.value) and c.stats["requests"] == 1
    assert len(sent) <= 7  # stopped a chunk past the cap, not read to the end


def test_links_to_another_host_are_not_followed_and_paging_goes_on_by_offset(
        csv_folder, clock, caplog) -> None:
    """A Link rel=next to another origin (a proxy writing its inner address, or http for
    https) is never followed, so the credentials never go there; the records are paged
    by offset instead of the fetch failing."""
    with make_server(csv_folder, clock) as srv, client_for(srv, clock) as c:
        srv.link_header = True
        for origin in ("https://evil.test", srv.origin.replace("http:", "https:")):
            srv.link_origin = origin
            with caplog.at_level(logging.WARNING, logger="rostergraph.oneroster"):
                assert all_records(c, "users", limit=40) == srv.data["users"]
            assert "another host" in caplog.text and origin in caplog.text
        offsets = [int(e["query"]["offset"][0]) for e in srv.requests("/users")]
        n = len(srv.data["users"])
        assert offsets == [0, 40, 80, n] * 2  # by offset, to the empty page


# --- tokens -------------------------------------------------------------------------------------


def test_token_is_refreshed_before_it_expires(csv_folder, clock) -> None:
    """A token near expiry is replaced before use, so the API never answers 401."""
    with make_server(csv_folder, clock, token_life=300) as srv, client_for(srv, clock) as c:
        all_records(c, "orgs")
        clock.now += 250  # inside the 60 s refresh margin
        all_records(c, "orgs")
        assert srv.token_requests == 2
        assert 401 not in [e["status"] for e in srv.log]


def test_short_lived_token_is_not_fetched_before_every_request(csv_folder, clock) -> None:
    """A token living 30 s (under the 60 s refresh margin) is reused until half its life."""
    with make_server(csv_folder, clock, token_life=30) as srv, client_for(srv, clock) as c:
        pages = list(c.pages("users", limit=5))
        assert len(pages) > 3 and srv.token_requests == 1
        clock.now += 16  # past half its life: refreshed before use
        all_records(c, "orgs")
        assert srv.token_requests == 2
        assert 401 not in [e["status"] for e in srv.log]


def _users_with_tokens_expired(c: Any, srv: Any, faults: list[str] | None = None
                               ) -> list[Any]:
    """Every user, paged 20 at a time, the server's tokens expired after the second page
    (the token URL then answering ``faults`` first)."""
    got = []
    for i, page in enumerate(c.pages("users", limit=20)):
        got += page.records
        if i == 1:
            srv.expire_tokens()
            if faults:
                srv.token_faults = faults
    return got


def test_token_expired_mid_run_is_fetched_again_once(csv_folder, clock) -> None:
    """A token the server stops accepting mid-fetch is fetched again once, then paging goes on."""
    with make_server(csv_folder, clock) as srv, client_for(srv, clock) as c:
        assert _users_with_tokens_expired(c, srv) == srv.data["users"]
        assert srv.token_requests == 2
        assert [e["status"] for e in srv.log].count(401) == 1


def test_token_url_failing_for_a_while_mid_run_is_waited_out(csv_folder, clock) -> None:
    """A token URL answering 503 or 429 when the token is renewed mid-fetch is retried
    with waits (Retry-After for 429) instead of stopping the run as refused credentials;
    one that keeps failing is a TokenError naming its status, not a refusal."""
    with make_server(csv_folder, clock) as srv, client_for(srv, clock) as c:
        assert _users_with_tokens_expired(c, srv, ["503", "429"]) == srv.data["users"]
        assert srv.token_requests == 4 and 7.0 in clock.sleeps
        srv.expire_tokens()
        srv.token_faults = ["503"] * 20
        with pytest.raises(TokenError, match="HTTP 503") as info:
            all_records(c, "orgs")
        assert "refused" not in str(info.value) and info.value.url == srv.token_url
        assert srv.token_requests < 4 + 10


def test_401_after_a_fresh_token_is_a_token_error(csv_folder, clock) -> None:
    """When a fresh token is refused too, the client stops with TokenError (no loop)."""
    with make_server(csv_folder, clock) as srv, client_for(srv, clock) as c:
        srv.inject("401", times=5)
        with pytest.raises(TokenError, match="rejected the credentials"):
            all_records(c, "orgs")
        assert len(srv.log) == 2 and srv.token_requests == 2


def test_token_a_server_writes_into_its_next_links_is_never_shown(csv_folder, clock,
                                                                   caplog) -> None:
    """A server that copies the access token into its Link URLs (``access_token=...``):
    page URLs, retry log lines and errors show ``[secret]`` instead, percent-encoded or
    not."""
    with make_server(csv_folder, clock) as srv, client_for(srv, clock, max_retries=1) as c:
        srv.link_header = srv.link_token = True

        def fail_after_first(name: str, offset: int) -> None:
            if name == "users" and offset == 0:
                srv.inject("500", times=5, path="/users")

        srv.after_page = fail_after_first
        urls: list[str] = []
        with caplog.at_level(logging.DEBUG, logger="rostergraph"), \
                pytest.raises(ApiError) as info:
            urls.extend(p.url for p in c.pages("users", limit=10))
        token = srv.auth_headers[-1][7:]
        assert token.startswith("at-")
        assert "access_token=[secret]" in str(info.value)
        assert "access_token=[secret]" in caplog.text  # the retry line
        for text in (str(info.value), caplog.text, *urls):
            assert token not in text and SECRET not in text


def test_credentials_from_env_or_file(tmp_path, monkeypatch) -> None:
    """ClientCredentials come from PREFIX_* variables or a JSON file; errors never quote a secret."""
    monkeypatch.setenv("RGT_CLIENT_ID", "app")
    monkeypatch.setenv("RGT_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("RGT_TOKEN_URL", "https://sso.test/token")
    creds = read_credentials(env_prefix="RGT")
    assert (creds.client_id, creds.client_secret, creds.token_url) == (
        "app", SECRET, "https://sso.test/token")
    assert SECRET not in repr(creds)
    f = tmp_path / "creds.json"
    f.write_bytes(orjson.dumps({"client_id": "a2", "client_secret": SECRET}))
    assert read_credentials(file=f, token_url="https://x.test/t").token_url == "https://x.test/t"
    f.write_bytes(orjson.dumps({"client_id": "a2", "client_secret": SECRET + "\nmore"}))
    with pytest.raises(TokenError) as info:
        read_credentials(file=f)
    assert SECRET not in str(info.value)
    link = tmp_path / "link.json"
    link.symlink_to(f)
    with pytest.raises(TokenError, match="cannot read"):
        read_credentials(file=link)


def test_secrets_never_leak(csv_folder, clock, caplog, capsys) -> None:
    """Neither the client secret nor an access token reaches logs, errors, reprs or output."""
    caplog.set_level(logging.DEBUG)
    with make_server(csv_folder, clock) as srv, client_for(srv, clock) as c:
        srv.inject("429")
        srv.inject("503")
        all_records(c, "orgs")
        srv.inject("echo400")  # the server quotes the Authorization header back
        with pytest.raises(ApiError) as info:
            all_records(c, "orgs")
        srv.inject("cutleak")  # the message is cut at 200 characters, inside the token
        with pytest.raises(ApiError) as cut:
            all_records(c, "orgs")
        tokens = [h[7:] for h in srv.auth_headers if h.startswith("Bearer ")]
        text = (str(info.value) + str(cut.value) + repr(c) + repr(c._auth) + caplog.text
                + str(capsys.readouterr()))
        assert tokens and "[secret]" in str(info.value) and "[secret]" in str(cut.value)
        for secret in (SECRET, *tokens):
            assert secret not in text and secret[:12] not in text


def test_token_url_taking_credentials_in_the_body_and_pinning_a_cookie(csv_folder,
                                                                       clock) -> None:
    """A token URL that refuses HTTP Basic gets the credentials in the form body once, and a
    session cookie it sets travels with the API requests."""
    with make_server(csv_folder, clock) as srv, client_for(srv, clock) as c:
        srv.token_auth = "body"
        srv.sticky_cookie = True
        assert all_records(c, "orgs") == srv.data["orgs"]
        srv.expire_tokens()
        assert all_records(c, "orgs") == srv.data["orgs"]
        assert srv.token_requests == 3  # Basic refused, body accepted; then body at once
        assert [e["status"] for e in srv.log] == [200, 200, 401, 200, 200]


def test_offset_ignoring_server_with_one_full_page_ends_cleanly(csv_folder, clock) -> None:
    """When the announced total arrived in one full page, a repeated confirming page ends paging."""
    with make_server(csv_folder, clock) as srv, client_for(srv, clock) as c:
        srv.ignore_offset = True
        n = len(srv.data["orgs"])
        assert all_records(c, "orgs", limit=n) == srv.data["orgs"]
        assert len(srv.requests("/orgs")) == 2


def test_endless_server_is_stopped_by_max_records(clock) -> None:
    """A server that keeps sending new records is stopped at max_records, not followed forever."""
    def serve(request: httpx.Request) -> httpx.Response:
        off = int(request.url.params["offset"])
        return httpx.Response(200, json={"users": [{"sourcedId": f"u{off + i}"}
                                                   for i in range(10)]})

    c = OneRosterClient("https://sis.test/ims/oneroster/v1p1", ClientCredentials("k", SECRET),
                        auth="oauth1", transport=httpx.MockTransport(serve))
    with pytest.raises(LimitError, match="more than 95 users"):
        all_records(c, "users", limit=10, max_records=95)
    c.close()


@settings(max_examples=150, deadline=None)
@given(n=st.integers(0, 60), limit=st.integers(1, 25), cap=st.none() | st.integers(1, 25),
       skew=st.none() | st.integers(-8, 8), link=st.booleans())
def test_paging_returns_every_record_once_whatever_the_server_says(n, limit, cap, skew,
                                                                   link) -> None:
    """For any size, page size, server cap, X-Total-Count error and Link use, paging returns
    exactly the records in order, with a bounded number of requests."""
    recs = [{"sourcedId": f"r{i}"} for i in range(n)]
    calls = []

    def serve(request: httpx.Request) -> httpx.Response:
        off, lim = int(request.url.params["offset"]), int(request.url.params["limit"])
        lim = min(lim, cap) if cap else lim
        calls.append(off)
        headers = {}
        if skew is not None:
            headers["X-Total-Count"] = str(max(0, n + skew))
        if link and off + lim < n:
            headers["Link"] = f'<{request.url.path}?limit={lim}&offset={off + lim}>; rel="next"'
        elif link:
            headers["Link"] = f'<{request.url.path}?limit={lim}&offset=0>; rel="first"'
        return httpx.Response(200, json={"users": recs[off:off + lim]}, headers=headers)

    c = OneRosterClient("https://sis.test/ims/oneroster/v1p1", ClientCredentials("k", SECRET),
                        auth="oauth1", transport=httpx.MockTransport(serve))
    got = all_records(c, "users", limit=limit)
    c.close()
    per_page = min(limit, cap) if cap else limit
    assert got == recs
    assert len(calls) <= n // per_page + 2


def test_token_request_with_no_retries_is_still_made_once() -> None:
    """``retries=0`` (or below) means one attempt, never an AssertionError."""
    from rostergraph.oneroster.auth import ClientCredentials, OAuth2ClientCredentials
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return httpx.Response(200, json={"access_token": "t-1", "expires_in": 3600})

    creds = ClientCredentials("app", "s3cret", token_url="https://sso.test/token")
    for retries in (0, -1):
        auth = OAuth2ClientCredentials(creds, transport=httpx.MockTransport(answer),
                                       retries=retries, sleep=lambda s: None)
        assert auth.token() == "t-1"
        auth.close()
    assert asked == ["https://sso.test/token"] * 2


def test_a_date_header_past_the_calendar_is_no_error(csv_folder, clock) -> None:
    """An HTTP Date that parses but lands outside the calendar once made UTC (year 10000,
    an untrusted header) leaves the page without a server time: paging goes on."""
    with make_server(csv_folder, clock) as srv, client_for(srv, clock) as c:
        srv.date_header = "Fri, 31 Dec 9999 23:00:00 -0500"
        pages = list(c.pages("orgs", limit=1000))
        assert [r for p in pages for r in p.records] == srv.data["orgs"]
        assert pages and all(p.server_time is None for p in pages)
        srv.date_header = "Mon, 19 Aug 2024 12:00:00 GMT"
        assert next(c.pages("orgs", limit=1000)).server_time == "2024-08-19T12:00:00Z"


def test_a_dot_segment_id_asks_for_no_other_path(csv_folder, clock) -> None:
    """``record("users", "..")``: an id that is a dot segment would, escaped as any other,
    name another path once the URL is resolved (``users/.`` is the collection itself,
    ``users/..`` the base); no request is made and there is no such record."""
    with make_server(csv_folder, clock) as srv, client_for(srv, clock) as c:
        srv.data["users"].append({"sourcedId": "u.1"})
        assert c.record("users", ".") is None and c.record("users", "..") is None
        assert c.record("users", "u.1") == {"sourcedId": "u.1"}
        assert [e["path"] for e in srv.log] == ["/ims/oneroster/v1p1/users/u.1"]
        srv.inject("410", path="/users/u.1")  # (Gone: no record any more either)
        assert c.record("users", "u.1") is None
        assert c.record("users", "u.1") == {"sourcedId": "u.1"}
