"""A OneRoster 1.1 / 1.2 REST client: authorization, paging, filters and fields.

Requests go through the same transport, rate limiter and retry policy as the
Clever client (:class:`~rostergraph.clever.api.CleverClient`): 429 waits for
``Retry-After``, 5xx and dropped connections back off exponentially with
jitter, a truncated or non-JSON body is retried and then reported with its
URL. On top of that:

- every request is authorized by OAuth 2.0 client credentials (a cached token,
  refreshed before expiry and re-fetched once on a 401) or signed with OAuth
  1.0a HMAC-SHA1 (:mod:`rostergraph.oneroster.auth`);
- a response body larger than ``max_body_bytes`` stops the request, never
  retried and never read whole: :class:`~rostergraph.errors.LimitError` when
  its ``Content-Length`` says so, :class:`~rostergraph.errors.ApiError`
  naming the cap when the streamed count passes it;
- :meth:`OneRosterClient.pages` pages with ``limit``/``offset``.

Paging (the OneRoster REST binding, section "Pagination"):

- the next offset is the previous offset plus the records *received* (a
  server that caps ``limit`` lower than asked loses nothing);
- a ``Link`` header with a paging relation (``next``, ``prev``, ``first``,
  ``last``), when the server sends one, decides: ``rel="next"`` is followed,
  no ``next`` ends the listing; a ``next`` to another host (or scheme) is
  never followed, the listing goes on by offset (logged); a ``Link`` header
  with none of them (a gateway's ``describedby``) is ignored;
- otherwise only an empty page ends the listing: a short page may be a
  server's silent cap and ``X-Total-Count`` may be too low, so the page after
  one of them is asked for (a server that refuses that offset with 400, 404,
  416 or 422 ends the listing there, logged); a total never reached is logged,
  and so is an ``X-Total-Count`` that changes between pages (a record removed
  meanwhile shifts the next one past a page boundary unseen);
- a page identical to the one before it (a server that ignores ``offset``) or
  to any earlier one (a server that starts over), or a ``next`` link back to a
  page already fetched, stops the listing with
  :class:`~rostergraph.errors.ApiError` instead of looping, unless the
  announced total had already arrived, or, without a total, the repeated page
  was not of the size asked for (a server that ignores ``limit`` and
  ``offset`` sends everything on every page): then the listing simply ends;
- more than ``max_records`` records stop it with
  :class:`~rostergraph.errors.LimitError`.

Examples
--------
>>> import httpx
>>> orgs = [{"sourcedId": f"o{i}", "name": f"Org {i}", "type": "school"} for i in range(5)]
>>> def serve(request):
...     off, lim = int(request.url.params["offset"]), int(request.url.params["limit"])
...     return httpx.Response(200, json={"orgs": orgs[off:off + lim]})
>>> client = OneRosterClient("https://sis.test/ims/oneroster/v1p1",
...                          ClientCredentials("key", "secret"), auth="oauth1",
...                          transport=httpx.MockTransport(serve))
>>> [len(p.records) for p in client.pages("orgs", limit=2)], client.version
([2, 2, 1], '1.1')
>>> client.close()
"""

from __future__ import annotations

import datetime
import email.utils
import hashlib
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal, Self
from urllib.parse import quote, urljoin, urlsplit

import attrs
import httpx

from ..clever.api import CleverClient, _load, _printable, _safe, _scrub
from ..errors import ApiError, FormatError, LimitError, TokenError
from ..io.credentials import without_credentials
from ..safety import json_dumps
from .auth import ClientCredentials, OAuth1Signer, OAuth2ClientCredentials

__all__ = [
    "DEFAULT_LIMIT",
    "ENDPOINTS",
    "MAX_BODY_BYTES",
    "MAX_RECORDS",
    "VERSION_PATHS",
    "OneRosterClient",
    "OneRosterPage",
    "detect_version",
]

log = logging.getLogger("rostergraph.oneroster")

#: The path of the rostering service under the server root, per version.
VERSION_PATHS = {"1.1": "/ims/oneroster/v1p1", "1.2": "/ims/oneroster/rostering/v1p2"}
#: The collections a fetch reads, in order (each answers ``{"<name>": [...]}``).
ENDPOINTS = ("orgs", "academicSessions", "courses", "classes", "users", "enrollments",
             "demographics")
#: The member a single-record GET answers in, per collection (the OneRoster 1.1 and 1.2
#: REST bindings: ``getUser`` answers ``{"user": {...}}``, ``getClass`` ``{"class": ...}``).
SINGULAR = {"orgs": "org", "academicSessions": "academicSession", "courses": "course",
            "classes": "class", "users": "user", "enrollments": "enrollment",
            "demographics": "demographics"}
#: Records per page when none is asked for (the specification's default is 100).
DEFAULT_LIMIT = 1000
#: The largest response body read (bytes).
MAX_BODY_BYTES = 256 * 1024 * 1024
#: The most records one collection may deliver before paging stops with an error.
MAX_RECORDS = 50_000_000


def detect_version(base_url: str) -> str:
    """The OneRoster version a base URL names (``"1.1"`` or ``"1.2"``).

    Raises
    ------
    ValueError
        When the path contains neither ``v1p1`` nor ``v1p2``.

    Examples
    --------
    >>> detect_version("https://sis.test/district/ims/oneroster/rostering/v1p2")
    '1.2'
    >>> detect_version("https://sis.test/ims/oneroster/v1p1/")
    '1.1'
    """
    segs = [s.lower() for s in urlsplit(base_url).path.split("/")]
    if "v1p2" in segs:
        return "1.2"
    if "v1p1" in segs:
        return "1.1"
    raise ValueError(f"cannot tell the OneRoster version of {_safe(base_url)}: the path "
                     "should end in /ims/oneroster/v1p1 or /ims/oneroster/rostering/v1p2 "
                     "(or give the version)")


@attrs.frozen(slots=True)
class OneRosterPage:
    """One page of a collection: its records, where it started, and the server's total.

    ``skipped`` lists the page's items that are not JSON objects (``null``, a string,
    an array), each as ``(position in the page, its JSON text)``: they are not records,
    but they hold a place in the server's paging (``offset + len(records) +
    len(skipped)`` is the next page's offset)."""

    records: list[dict[str, Any]]
    offset: int
    total: int | None
    url: str
    skipped: tuple[tuple[int, str], ...] = ()
    #: the server's clock when it answered (its HTTP ``Date`` header, ISO 8601 UTC to the
    #: second), ``None`` without a readable one
    server_time: str | None = None
    #: whether the ``X-Total-Count`` of this page or an earlier one of the listing differed
    #: from the one before: records came or went while it was paged, and offset paging
    #: may have let one slip past a page boundary unseen
    total_moved: bool = False

    @property
    def size(self) -> int:
        """How many items the server sent on this page (records and skipped items)."""
        return len(self.records) + len(self.skipped)


# --- transport pieces -----------------------------------------------------------------------


class _CappedTransport(httpx.BaseTransport):
    """Refuses a response whose ``Content-Length`` announces more than ``cap`` bytes before
    its body is read (the Clever client's request loop counts streamed bodies itself)."""

    def __init__(self, inner: httpx.BaseTransport, cap: int) -> None:
        self._inner, self._cap = inner, cap
        self._closed = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        resp = self._inner.handle_request(request)
        length = resp.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > self._cap:
            resp.close()
            raise LimitError(f"the response body is larger than {self._cap:,} bytes "
                             "(Content-Length); not read", path=_safe(str(request.url)))
        return resp

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._inner.close()


class _Api(CleverClient):
    """The Clever client's request loop, accepting OneRoster's JSON objects."""

    last_headers: httpx.Headers | None = None
    last_links: dict[str | None, dict[str, str]] | None = None

    def _accept(self, resp: httpx.Response, body: bytes) -> dict[str, Any] | None:
        # the Clever client's decoding: lone surrogates ("\ud83d", a name cut inside a
        # UTF-16 pair) and integers wider than 64 bits are read exactly, not refused
        doc = _load(body)
        if not isinstance(doc, dict):
            return None
        self._respect_remaining(resp)
        self.last_headers = resp.headers
        self.last_links = resp.links
        return doc

    def __repr__(self) -> str:
        return f"<OneRoster transport {self.base_url}>"


# --- the client ----------------------------------------------------------------------------


class OneRosterClient:
    """A OneRoster 1.1 or 1.2 rostering client for one server and one set of credentials.

    Parameters
    ----------
    base_url:
        The rostering root, e.g. ``https://sis.example.org/ims/oneroster/v1p1``
        or ``.../ims/oneroster/rostering/v1p2``. It comes from the caller
        only (never from a file the server could have influenced).
    credentials:
        Client id and secret (and the token URL for OAuth 2.0), see
        :func:`~rostergraph.oneroster.auth.read_credentials`.
    auth:
        ``"oauth2"`` (client credentials, default) or ``"oauth1"``
        (HMAC-SHA1 signed requests).
    version:
        ``"1.1"`` or ``"1.2"``; by default read from ``base_url``.
    scope:
        OAuth 2.0 scopes to ask for.
    max_retries, max_rate_waits, backoff, backoff_max, per_minute, timeout:
        The retry and rate policy of :class:`~rostergraph.clever.api.CleverClient`.
    max_body_bytes:
        The largest response body read (any size; the Clever client's
        128 MiB default does not apply).
    clock, sleep, rng:
        Injectable time, sleep and randomness (tests never really wait).
    transport:
        An httpx transport instead of the network (both for the API and the
        token URL).

    Attributes
    ----------
    stats:
        ``requests``, ``retries``, ``rate_limited``, ``slept`` and
        ``retry_reasons``, as for the Clever client, plus ``tokens`` (access
        tokens fetched).

    Raises
    ------
    ValueError
        A base URL that is not http(s), carries credentials or a query, or
        names no version (without ``version``); an unknown ``auth``.
    TokenError
        OAuth 2.0 without a token URL.

    Examples
    --------
    >>> client = OneRosterClient("https://sis.test/ims/oneroster/rostering/v1p2",
    ...                          ClientCredentials("id", "secret",
    ...                                            token_url="https://sis.test/oauth/token"))
    >>> client
    <OneRosterClient 1.2 https://sis.test/ims/oneroster/rostering/v1p2 (oauth2)>
    >>> client.close()
    """

    def __init__(
        self,
        base_url: str,
        credentials: ClientCredentials,
        *,
        auth: Literal["oauth2", "oauth1"] = "oauth2",
        version: str | None = None,
        scope: str | None = None,
        max_retries: int = 5,
        max_rate_waits: int = 10,
        backoff: float = 0.5,
        backoff_max: float = 30.0,
        per_minute: int = 1200,
        timeout: float = 60.0,
        max_body_bytes: int = MAX_BODY_BYTES,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.version = version or detect_version(base_url)
        if self.version not in VERSION_PATHS:
            raise ValueError(f"OneRoster version must be 1.1 or 1.2, not {self.version!r}")
        self._transport = _CappedTransport(transport or httpx.HTTPTransport(), max_body_bytes)
        self._auth: OAuth1Signer | OAuth2ClientCredentials
        if auth == "oauth1":
            self._auth = OAuth1Signer(credentials, clock=clock)
        elif auth == "oauth2":
            self._auth = OAuth2ClientCredentials(credentials, scope=scope,
                                                 transport=self._transport, clock=clock,
                                                 timeout=timeout, sleep=sleep)
        else:
            raise ValueError(f"auth must be 'oauth2' or 'oauth1', not {auth!r}")
        self.auth_scheme = auth
        self._token_url = credentials.token_url if auth == "oauth2" else None
        self._api = _Api(credentials.client_secret, base_url=base_url, max_retries=max_retries,
                         max_body_bytes=max_body_bytes, max_rate_waits=max_rate_waits, backoff=backoff,
                         backoff_max=backoff_max, per_minute=per_minute, timeout=timeout,
                         clock=clock, sleep=sleep, rng=rng, transport=self._transport,
                         auth=self._auth, secrets=lambda: self._auth.secrets)
        self.base_url = self._api.base_url

    def __repr__(self) -> str:  # never a secret
        return f"<OneRosterClient {self.version} {self.base_url} ({self.auth_scheme})>"

    @property
    def stats(self) -> dict[str, Any]:
        """Request counters (see the class docstring)."""
        stats = self._api.stats
        stats["tokens"] = getattr(self._auth, "fetched", 0)
        return stats

    # --- lifecycle -----------------------------------------------------------------------
    def close(self) -> None:
        """Close the connection pools."""
        self._api.close()
        self._auth.close()
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- requests ------------------------------------------------------------------------
    def _scrub(self, text: str) -> str:
        return _scrub(text, self._auth.secrets)

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """GET a path under the base URL (or a same-host URL) and return the JSON object.

        Raises
        ------
        TokenError
            The credentials were refused: by the token URL (the error names it)
            or by the API (HTTP 401 after a fresh token).
        ApiError
            Another 4xx, or failures that outlasted the retries; names the URL.
        FormatError
            A body that stayed truncated or not a JSON object through the retries.
        LimitError
            A body whose ``Content-Length`` is over ``max_body_bytes`` (a streamed
            body past the cap is an ``ApiError`` naming it).
        """
        try:
            return self._api.get_json(path, params)
        except TokenError as exc:
            if exc.status == 401 and exc.url != self._token_url:  # not the token endpoint
                raise TokenError("the OneRoster API rejected the credentials",
                                 url=exc.url, status=401) from None
            raise
        except ApiError as exc:
            if any(s in exc.message for s in self._auth.secrets):
                raise ApiError(self._scrub(exc.message), url=exc.url,
                               status=exc.status) from None
            raise
        except FormatError as exc:  # a body over the cap, refused by the transport
            shown = self._api.shown_url(exc.path) if exc.path else None
            if shown != exc.path:
                raise type(exc)(exc.message, path=shown) from None
            raise

    def record(self, endpoint: str, sourced_id: str) -> dict[str, Any] | None:
        """One record of a collection by its ``sourcedId`` (``GET users/{id}``, the id
        escaped), or ``None`` when the server answers 404 or 410 (no such record, or no
        more), and, with no request, for the ids ``.`` and ``..`` (dot segments: the URL
        would name the collection or the base, escaped or not).

        Raises
        ------
        ApiError, TokenError, FormatError
            As :meth:`get_json`; a :class:`FormatError` too when the answer holds no
            record object (``{"user": {...}}``).
        """
        key = SINGULAR.get(endpoint, endpoint)
        if sourced_id in (".", ".."):  # (RFC 3986 resolves them: quote() keeps dots)
            return None
        try:
            doc = self.get_json(f"{endpoint}/{quote(sourced_id, safe='')}")
        except ApiError as exc:
            if exc.status in (404, 410):  # (Not Found, Gone)
                return None
            raise
        rec = doc.get(key)
        if not isinstance(rec, dict):
            raise FormatError(f"expected a {key!r} object in the response to the request "
                              f"of one {endpoint} record", path=self._api.shown_url(
                                  self._api.url(endpoint)))
        return rec

    def pages(self, endpoint: str, *, limit: int = DEFAULT_LIMIT, offset: int = 0,
              filter: str | None = None, fields: str | list[str] | None = None,
              sort: str | None = None, max_records: int | None = MAX_RECORDS
              ) -> Iterator[OneRosterPage]:
        """The pages of a collection (``"users"``, ``"classes"``, ...), as described above.

        Parameters
        ----------
        endpoint:
            The collection path under the base URL; its records are read from
            the response's member of the same name (``{"users": [...]}``).
        limit:
            Records asked for per page (at least 1).
        offset:
            Where to start (resuming).
        filter:
            A OneRoster filter, e.g. ``dateLastModified>'2025-01-01T00:00:00Z'``.
        fields:
            Fields to return (a list or a comma-separated string).
        sort:
            A field to sort by.
        max_records:
            Stop with :class:`~rostergraph.errors.LimitError` past this many
            records (a server that never stops sending new pages).

        Raises
        ------
        ApiError
            The server repeats a page or links back to one (it ignores ``offset``).
        LimitError
            More than ``max_records`` records.
        FormatError
            A response without the ``endpoint`` array, quoting the ``imsx_description``
            of a status envelope sent instead (``{}`` and a ``null`` array are an
            empty page: serializers that drop empty lists send them). (An item of the array
            that is not an object is no error: it is in the page's ``skipped``,
            and paging goes on.)
        """
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        if isinstance(fields, list):
            fields = ",".join(fields)
        key = endpoint.rstrip("/").rsplit("/", 1)[-1]
        base = {"filter": filter, "fields": fields, "sort": sort}
        next_url: str | None = None
        seen_urls: set[str] = set()
        previous: bytes | None = None
        previous_size = 0
        seen_pages: set[bytes] = set()  # every page's fingerprint (32 bytes each)
        announced: int | None = None  # the X-Total-Count of the page before
        moved = False  # (see OneRosterPage.total_moved; logged once per listing)
        origin, use_links = _origin(self.base_url), True
        # set once a page looked like the last (short, or the announced total reached): the
        # page after it only confirms the end, and a server refusing that offset ends it
        confirming = False
        got = 0
        while True:
            if next_url is None:
                url = self._api.url(endpoint, {**base, "limit": limit, "offset": offset})
            else:
                url = self._api.url(next_url)  # refuses another host
            shown = self._api.shown_url(url)  # a token the server wrote into a link: hidden
            if url in seen_urls:
                raise ApiError("the server's next link points back to a page already "
                               "fetched; stopping instead of looping", url=shown)
            seen_urls.add(url)
            self._api.last_headers = None
            self._api.last_links = None
            try:
                doc = self.get_json(url)
            except ApiError as exc:
                if not confirming or exc.status not in _PAST_END_STATUS:
                    raise
                log.warning("%s: the server refused offset %d after the last page (HTTP "
                            "%s); the collection ends there", key, offset, exc.status)
                return
            headers = self._api.last_headers or httpx.Headers()
            links = _paging_links(self._api.last_links or {})
            items = doc.get(key)
            if items is None and (key in doc or not doc):
                items = []  # serializers that drop empty lists send {} or a null array
            if not isinstance(items, list):
                said = doc.get("imsx_description")  # a status envelope sent with HTTP 200
                said = (f" (the server says: {_printable(self._scrub(said))[:200]})"
                        if isinstance(said, str) else "")
                raise FormatError(f"expected a {key!r} array in the response{said}",
                                  path=shown)
            records = [rec for rec in items if isinstance(rec, dict)]
            skipped = tuple((i, json_dumps(without_credentials(rec))) for i, rec in
                            enumerate(items) if not isinstance(rec, dict))
            if skipped:
                log.warning("%s: %d items at offset %d are not objects; skipped", key,
                            len(skipped), offset)
            total = _total(headers)
            if total is not None and announced is not None and total != announced \
                    and not moved:
                moved = True
                # offset paging over a listing that changed: a record removed before the
                # offset moved the next one past the page boundary, unseen (the caller
                # sees total_moved: a fetch lists the collection again, a sync keeps its
                # mark)
                log.warning("%s: the server's X-Total-Count went from %d to %d while paging "
                            "(records were added or removed meanwhile): a record may have "
                            "shifted past a page boundary unseen", key, announced, total)
            announced = total if total is not None else announced
            if not items:
                if total is not None and got and offset < total:
                    log.warning("%s: the server said %d records (X-Total-Count) and sent %d",
                                key, total, offset)
                return
            fingerprint = hashlib.sha256(json_dumps(items).encode()).digest()
            if fingerprint == previous and total is not None and offset >= total:
                log.warning("%s: the page after the announced %d records repeated the last "
                            "one (the server seems to ignore 'offset'); stopping", key, total)
                return
            if fingerprint == previous and total is None and previous_size != limit:
                # a page not of the size asked for, sent again: the server ignores limit and
                # offset (or only offset, with everything on one short page), so that page
                # held every record
                log.warning("%s: the page after %d records repeated the last one (the "
                            "server seems to ignore 'offset'); stopping", key, offset)
                return
            if fingerprint == previous:
                raise ApiError(f"the server sent the same page of {key} twice (offset "
                               f"{offset}): it seems to ignore 'offset'; stopping instead "
                               "of looping", url=shown)
            if fingerprint in seen_pages:  # (not the page just before: a server starting over)
                if total is not None and offset >= total:
                    log.warning("%s: the page at offset %d repeats an earlier page, past the "
                                "announced %d records; the collection ends there", key,
                                offset, total)
                    return
                raise ApiError(f"the server sent a page of {key} it had sent before (offset "
                               f"{offset}): it seems to start over; stopping instead of "
                               "looping", url=shown)
            seen_pages.add(fingerprint)
            previous, previous_size = fingerprint, len(items)
            if max_records is not None and got + len(items) > max_records:
                raise LimitError(f"more than {max_records:,} {key}; stopping", path=shown)
            yield OneRosterPage(records=records, offset=offset, total=total, url=shown,
                                server_time=_server_time(headers), total_moved=moved,
                                skipped=skipped)
            got += len(items)
            offset += len(items)
            if links and use_links:
                nxt = links.get("next", {}).get("url")
                if not nxt:
                    return
                next_url = urljoin(url, nxt)
                if _origin(next_url) == origin:
                    continue
                # a proxy writing its inner address (or http for https): never sent the
                # credentials, and the listing goes on by offset
                log.warning("%s: the server's next link goes to another host (%s); paging "
                            "by offset instead", key,
                            _printable(self._api.shown_url(next_url))[:200])
                use_links = False
            # Without Link headers only an empty page ends the collection: a short page
            # may be a server's silent cap on limit, and X-Total-Count may be too low
            next_url = None
            confirming = len(items) < limit or (total is not None and offset >= total)


def _server_time(headers: httpx.Headers) -> str | None:
    """A response's ``Date`` header as ISO 8601 UTC (``2024-08-19T12:00:00Z``), ``None``
    when it is missing or no date (an untrusted header: nothing is raised).

    Examples
    --------
    >>> _server_time(httpx.Headers({"Date": "Mon, 19 Aug 2024 12:00:00 GMT"}))
    '2024-08-19T12:00:00Z'
    >>> _server_time(httpx.Headers({"Date": "yesterday"})) is None
    True
    """
    text = headers.get("date")
    if not text or len(text) > 64:
        return None
    try:
        when = email.utils.parsedate_to_datetime(text)
        if when.tzinfo is None:
            return None
        when = when.astimezone(datetime.UTC)  # (9999-12-31 23:00 -0500 overflows here)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if not 2000 <= when.year <= 9999:
        return None
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL, as the request loop compares them."""
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}"


#: Statuses a server may give an offset past its last record (instead of an empty page).
_PAST_END_STATUS = frozenset({400, 404, 416, 422})
#: The Link relations of paging (RFC 8288 registry); a Link header with none of them (a
#: gateway's ``describedby``, ``preload``) says nothing about paging.
_PAGING_RELS = frozenset({"next", "prev", "previous", "first", "last"})


def _paging_links(links: Mapping[str | None, dict[str, str]]
                  ) -> dict[str | None, dict[str, str]]:
    """The paging links of a response by relation (lower case, one per relation of a
    link: RFC 8288 relations are case-insensitive and a link may have several, as
    ``rel="next prefetch"``), or none when its Link header does not speak of paging."""
    out: dict[str | None, dict[str, str]] = {}
    for link in links.values():
        for rel in (link.get("rel") or "").lower().split():
            out.setdefault(rel, link)
    return out if out.keys() & _PAGING_RELS else {}


def _total(headers: httpx.Headers) -> int | None:
    raw = headers.get("X-Total-Count")
    if raw is None:
        return None
    try:
        n = int(raw.strip())
    except ValueError:
        return None
    return n if n >= 0 else None
