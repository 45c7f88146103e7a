"""A small Clever v3.0 API client: paging, a rate limiter and bounded retries.

The client speaks HTTP through :mod:`httpx` and never sees more than one page
at a time. What it does about failures:

- **429** — waits until ``X-Ratelimit-Reset`` (epoch seconds), or
  ``Retry-After`` when the server sends one, then retries (at most
  ``max_rate_waits`` times per request).
- **500/502/503/504**, dropped connections, truncated bodies and timeouts —
  retries with exponential backoff and jitter (at most ``max_retries``).
- a **200 whose body is not JSON or not an envelope** — retried like a 5xx,
  then :class:`~rostergraph.errors.FormatError`.
- **401** — :class:`~rostergraph.errors.TokenError` ("token rejected").
- other **4xx** — :class:`~rostergraph.errors.ApiError` naming the URL.

It also spends the 1,200 requests/minute budget carefully on its own side
(:class:`RateLimiter`), and stops early when the server says
``X-Ratelimit-Remaining: 0``.

The token travels only in the ``Authorization`` header; it is never part of
a URL, a log line, an error or ``repr(client)``. The clock and the sleep
function are injectable so tests never really wait.

Examples
--------
>>> import httpx
>>> def handler(request):
...     return httpx.Response(200, json={"data": [{"data": {"id": "a1"}}], "links": []})
>>> with CleverClient("t0k3n", base_url="https://clever.test/v3.0",
...                   transport=httpx.MockTransport(handler)) as client:
...     [item["id"] for page in client.pages("schools") for item in page.records]
['a1']
"""

from __future__ import annotations

import email.utils
import logging
import os
import random
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Self
from urllib.parse import parse_qs, quote, quote_plus, urlencode, urlsplit

import attrs
import httpx
import orjson

from ..errors import ApiError, FormatError, TokenError
from ..io.jsonkeys import wide_integers
from ..io.limits import json_depth

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_TOKEN_ENV",
    "MAX_BODY_BYTES",
    "MAX_LIMIT",
    "CleverClient",
    "Page",
    "RateLimiter",
    "read_token",
]

log = logging.getLogger("rostergraph.clever")

#: The Clever v3.0 data API.
DEFAULT_BASE_URL = "https://api.clever.com/v3.0"
#: The environment variable the token is read from by default.
DEFAULT_TOKEN_ENV = "CLEVER_TOKEN"
#: The largest page size Clever accepts (more is HTTP 413).
MAX_LIMIT = 10_000
#: The largest response body read by default (a full page of 10,000 users is ~20 MB).
MAX_BODY_BYTES = 128 * 1024 * 1024

_RETRY_STATUS = frozenset({500, 502, 503, 504})
_STATUS_TEXT = {
    400: "bad request",
    403: "forbidden (the token may lack a scope)",
    404: "not found: the resource is not shared with this app, was deleted, or the "
         "token is of the wrong kind",
    413: "page size too large (limit must be at most 10000)",
    501: "not implemented by the API",
}


def read_token(*, env: str | None = None, file: str | os.PathLike[str] | None = None) -> str:
    """The API token, from a file or an environment variable (never an argument).

    Parameters
    ----------
    env:
        Name of the environment variable (default ``CLEVER_TOKEN``); ignored
        when ``file`` is given.
    file:
        A file whose content (surrounding whitespace stripped) is the token.

    Returns
    -------
    str
        The token.

    Raises
    ------
    TokenError
        When the variable is unset or empty, or the file is missing or empty.
        The message names the variable or file, never the token.

    Examples
    --------
    >>> import os
    >>> os.environ["RG_DOCTEST_TOKEN"] = "  abc123\\n"
    >>> read_token(env="RG_DOCTEST_TOKEN")
    'abc123'
    >>> del os.environ["RG_DOCTEST_TOKEN"]
    >>> read_token(env="RG_DOCTEST_TOKEN")
    Traceback (most recent call last):
    ...
    rostergraph.errors.TokenError: no API token: the environment variable RG_DOCTEST_TOKEN is not set (or use --token-file)
    """
    if file is not None:
        try:
            with open(file, encoding="utf-8") as fh:
                token = fh.read().strip()
        except OSError as exc:
            raise TokenError(f"cannot read the token file {os.fspath(file)!r}: "
                             f"{exc.strerror or exc}") from None
        if not token:
            raise TokenError(f"the token file {os.fspath(file)!r} is empty")
        return token
    name = env or DEFAULT_TOKEN_ENV
    token = os.environ.get(name, "").strip()
    if not token:
        raise TokenError(f"no API token: the environment variable {name} is not set "
                         "(or use --token-file)")
    return token


class RateLimiter:
    """At most ``per_minute`` requests in any 60-second window (sliding window).

    ``clock`` returns seconds (``time.time`` by default) and ``sleep`` waits;
    both are injectable.

    Examples
    --------
    >>> t = [0.0]
    >>> lim = RateLimiter(2, clock=lambda: t[0], sleep=lambda s: t.__setitem__(0, t[0] + s))
    >>> [lim.acquire() for _ in range(3)]
    [0.0, 0.0, 60.0]
    """

    def __init__(self, per_minute: int = 1200, *, window: float = 60.0,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.per_minute = per_minute
        self.window = window
        self.clock = clock
        self.sleep = sleep
        self._sent: deque[float] = deque()

    def acquire(self) -> float:
        """Wait until one more request fits the budget; return the seconds waited."""
        waited = 0.0
        while True:
            now = self.clock()
            # a microsecond of slack: float sums of sleeps land a hair short of the edge
            while self._sent and now - self._sent[0] >= self.window - 1e-6:
                self._sent.popleft()
            if len(self._sent) < self.per_minute:
                self._sent.append(now)
                return waited
            wait = max(self._sent[0] + self.window - now, 1e-6)
            self.sleep(wait)
            waited += wait


@attrs.frozen(slots=True)
class Page:
    """One page of a list endpoint: the records and where the next page is.

    ``rejected`` holds the page's items that are no envelope item with a record id, as
    ``(position on the page, the item as sent)``: the caller decides what to do with them
    (a dump keeps them for the reader to report; an event sync stops)."""

    records: list[dict[str, Any]]
    next_url: str | None
    url: str
    rejected: tuple[tuple[int, Any], ...] = ()


class CleverClient:
    """A Clever v3.0 client for one district token.

    Parameters
    ----------
    token:
        The district bearer token (see :func:`read_token`).
    base_url:
        The API root including the version (default :data:`DEFAULT_BASE_URL`).
    max_retries:
        Retries per request for 5xx answers, connection failures and bodies
        that are not JSON envelopes.
    max_rate_waits:
        Waits per request for 429 answers.
    backoff, backoff_max:
        The first retry waits about ``backoff`` seconds, doubling each time up
        to ``backoff_max``; each wait is multiplied by a random factor in
        [0.5, 1] (jitter).
    per_minute:
        The client-side request budget (Clever allows 1,200 a minute).
    timeout:
        Seconds before a connection or read is given up (then retried).
    deadline:
        Seconds one request may take in all, however slowly the server
        drips its body (then retried like a timeout).
    max_body_bytes:
        The largest response body read (streamed and counted); a larger one
        is an :class:`~rostergraph.errors.ApiError` naming the URL and the
        cap, and is not retried.
    clock, sleep, rng:
        Injectable time source, sleep and random generator (for tests).
    transport:
        An httpx transport (e.g. ``httpx.MockTransport``) instead of the network.
    auth:
        An httpx auth flow that authorizes each request instead of the
        ``Bearer`` header; ``token`` is then only scrubbed from server messages
        (the OneRoster client signs requests this way).
    secrets:
        Called when a server's error text is quoted; returns more strings to
        scrub from it (e.g. an access token fetched later). Every secret is
        removed *before* the text is cut to length, so a cut secret never
        leaves its prefix behind.

    Attributes
    ----------
    stats:
        Counters: ``requests``, ``retries``, ``rate_limited``, ``slept``
        (seconds) and ``retry_reasons`` (reason → count).
    """

    def __init__(
        self,
        token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        max_retries: int = 5,
        max_rate_waits: int = 10,
        backoff: float = 0.5,
        backoff_max: float = 30.0,
        per_minute: int = 1200,
        timeout: float = 60.0,
        deadline: float = 300.0,
        max_body_bytes: int = MAX_BODY_BYTES,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        transport: httpx.BaseTransport | None = None,
        auth: httpx.Auth | None = None,
        secrets: Callable[[], Iterable[str]] | None = None,
    ) -> None:
        if not token or not isinstance(token, str):
            raise TokenError("no API token given")
        if not is_header_safe(token):
            # an HTTP library error about a bad header value would quote the token
            raise TokenError("the API token contains spaces, line breaks or non-ASCII "
                             "characters (is the token file more than one line?)")
        self._secrets = secrets
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"base URL must be an http(s) URL, not {base_url!r}")
        if parts.username or parts.password or parts.query:
            raise ValueError("base URL must not carry credentials or a query")
        self.__token = token  # only to scrub it from server-supplied error text
        self.base_url = base_url.rstrip("/")
        self._origin = f"{parts.scheme}://{parts.netloc}"
        path = parts.path.rstrip("/")
        # next links are relative and start with the version ("/v3.0/users?...");
        # keep any prefix in front of the version (a proxy path) when joining them.
        head, _, last = path.rpartition("/")
        self._root = self._origin + (head if last.startswith("v") and last[1:2].isdigit()
                                     else path)
        if deadline <= 0 or max_body_bytes <= 0:
            raise ValueError("deadline and max_body_bytes must be positive")
        self.deadline = deadline
        self.max_body_bytes = max_body_bytes
        self.max_retries = max_retries
        self.max_rate_waits = max_rate_waits
        self.backoff = backoff
        self.backoff_max = backoff_max
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.limiter = RateLimiter(per_minute, clock=clock, sleep=sleep)
        self.stats: dict[str, Any] = {"requests": 0, "retries": 0, "rate_limited": 0,
                                      "slept": 0.0, "retry_reasons": {}}
        headers = {"Accept": "application/json", "User-Agent": "rostergraph"}
        if auth is None:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(headers=headers, timeout=timeout, transport=transport,
                                  auth=auth, follow_redirects=False)

    def __repr__(self) -> str:  # never the token
        return f"<CleverClient {self.base_url}>"

    # --- lifecycle -----------------------------------------------------------
    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- URLs ------------------------------------------------------------------
    def url(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        """The absolute URL of an API path (``"users"``) or a ``next`` link.

        Raises
        ------
        ApiError
            When a link points to another host (the token is never sent there).

        Examples
        --------
        >>> c = CleverClient("x", base_url="https://h.test/proxy/v3.0")
        >>> c.url("users", {"limit": 5})
        'https://h.test/proxy/v3.0/users?limit=5'
        >>> c.url("/v3.0/users?starting_after=a1")
        'https://h.test/proxy/v3.0/users?starting_after=a1'
        """
        if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in path):
            raise ApiError("refusing a link with spaces or control characters",
                           url=_safe(_printable(path)))
        if path.startswith(("http://", "https://")):
            p = urlsplit(path)
            if f"{p.scheme}://{p.netloc}" != self._origin:
                raise ApiError("refusing to follow a link to another host", url=_safe(path))
            url = path
        elif path.startswith("/"):
            url = self._root + path
        else:
            url = f"{self.base_url}/{path}"
        if params:
            url += ("&" if "?" in url else "?") + urlencode(
                {k: v for k, v in params.items() if v is not None}, doseq=True)
        return url

    # --- requests ----------------------------------------------------------------
    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.sleep(seconds)
            self.stats["slept"] += seconds

    def _backoff(self, attempt: int) -> float:
        base = min(self.backoff_max, self.backoff * (2 ** attempt))
        return base * (0.5 + 0.5 * self.rng.random())

    def _note_retry(self, reason: str) -> None:
        self.stats["retries"] += 1
        reasons = self.stats["retry_reasons"]
        reasons[reason] = reasons.get(reason, 0) + 1

    def _server_now(self, resp: httpx.Response) -> float:
        """The server's time (its ``Date`` header), so a skewed local clock cannot
        make the client retry before the server's reset; the local clock without one."""
        date = resp.headers.get("Date")
        if date:
            try:
                return email.utils.parsedate_to_datetime(date).timestamp()
            except (TypeError, ValueError, IndexError):
                pass
        return self.clock()

    def _rate_wait(self, resp: httpx.Response) -> float:
        """Seconds to wait after a 429 (Retry-After wins over X-Ratelimit-Reset)."""
        now = self._server_now(resp)
        ra = resp.headers.get("Retry-After")
        if ra:
            try:
                return max(0.0, float(ra))
            except ValueError:
                try:
                    when = email.utils.parsedate_to_datetime(ra).timestamp()
                    return max(0.0, when - now)
                except (TypeError, ValueError, IndexError):
                    pass
        reset = resp.headers.get("X-Ratelimit-Reset")
        if reset:
            try:  # + 1 s: Date has whole seconds
                return max(1.0, float(reset) - now + 1.0)
            except ValueError:
                pass
        return 60.0  # the window resets every minute

    def shown_url(self, url: str) -> str:
        """``url`` fit for messages and logs: no userinfo, and neither the token nor a
        secret a server wrote into a link it sent (plain or percent-encoded).

        Examples
        --------
        >>> CleverClient("tok-1", base_url="https://h.test/v3.0").shown_url(
        ...     "https://u:p@h.test/v3.0/users?access_token=tok-1")
        'https://h.test/v3.0/users?access_token=[secret]'
        """
        secrets = [self.__token, *(self._secrets() if self._secrets is not None else ())]
        return _scrub(_safe(url), secrets)

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """GET an API path and return the decoded envelope (retrying as documented).

        Raises
        ------
        TokenError
            HTTP 401.
        ApiError
            Another 4xx, or failures that outlasted the retries.
        FormatError
            Bodies that stayed non-JSON or non-envelope through the retries.
        """
        url = self.url(path, params)
        safe = self.shown_url(url)
        attempt = 0
        rate_waits = 0
        while True:
            self.stats["slept"] += self.limiter.acquire()
            self.stats["requests"] += 1
            reason: str
            detail: str
            try:
                resp, body = self._fetch(url, safe)
            except _Deadline:
                reason, detail = "deadline", f"no complete answer within {self.deadline:g} s"
                resp = None
            except httpx.TransportError as exc:
                reason, detail = "connection", type(exc).__name__
                resp = None
            except httpx.InvalidURL:
                raise ApiError("not a valid URL", url=safe) from None
            if resp is not None:
                status = resp.status_code
                if status == 429:
                    self.stats["rate_limited"] += 1
                    rate_waits += 1
                    if rate_waits > self.max_rate_waits:
                        raise ApiError(f"still rate limited after {self.max_rate_waits} waits",
                                       url=safe, status=429)
                    wait = min(self._rate_wait(resp), 120.0)
                    log.info("rate limited on %s; waiting %.1f s", safe, wait)
                    self._wait(wait)
                    continue
                if status == 401:
                    raise TokenError("token rejected by the API (check the district token)",
                                     url=safe, status=401)
                if status in _RETRY_STATUS:
                    reason, detail = f"http_{status}", f"HTTP {status}"
                elif status >= 300:  # redirects are not followed: the token stays here
                    message = _STATUS_TEXT.get(status, "the API refused the request")
                    extra = tuple(self._secrets()) if self._secrets is not None else ()
                    said = _error_message(body, self.__token, extra)
                    if said:
                        message += f" (API says: {said})"
                    raise ApiError(message, url=safe, status=status)
                else:
                    doc = self._accept(resp, body)
                    if doc is not None:
                        return doc
                    reason, detail = "bad_body", "the body is not a JSON envelope"
            if attempt >= self.max_retries:
                if reason == "bad_body":
                    raise FormatError(f"{detail} (after {attempt + 1} tries)", path=safe)
                raise ApiError(f"gave up after {attempt + 1} tries ({detail})", url=safe,
                               status=resp.status_code if resp is not None else None)
            self._note_retry(reason)
            wait = self._backoff(attempt)
            attempt += 1
            log.info("%s on %s; retry %d/%d in %.2f s", detail, safe, attempt,
                     self.max_retries, wait)
            self._wait(wait)

    def _fetch(self, url: str, safe: str) -> tuple[httpx.Response, bytes]:
        """GET ``url``; the body streamed, counted against ``max_body_bytes`` and the
        overall ``deadline`` (a slow-drip server cannot hold a request forever)."""
        start = time.monotonic()
        with self._http.stream("GET", url) as resp:
            chunks: list[bytes] = []
            got = 0
            for chunk in resp.iter_bytes():  # decoded (gzip): the inflated size counts
                got += len(chunk)
                if got > self.max_body_bytes:
                    raise ApiError(f"the response body is larger than {self.max_body_bytes} "
                                   "bytes (CleverClient max_body_bytes); not retried",
                                   url=safe, status=resp.status_code)
                chunks.append(chunk)
                if time.monotonic() - start > self.deadline:
                    raise _Deadline
            body = b"".join(chunks)
        return resp, body

    def _accept(self, resp: httpx.Response, body: bytes) -> dict[str, Any] | None:
        """The decoded envelope of a 2xx answer, or ``None`` to retry it as a bad body."""
        doc = _decode(body)
        if doc is not None:
            self._respect_remaining(resp)
        return doc

    def _respect_remaining(self, resp: httpx.Response) -> None:
        """Sleep to the reset when the server says the budget is spent."""
        remaining = resp.headers.get("X-Ratelimit-Remaining")
        reset = resp.headers.get("X-Ratelimit-Reset")
        if remaining is None or reset is None:
            return
        try:
            if int(remaining) > 0:
                return
            wait = float(reset) - self._server_now(resp) + 1.0
        except ValueError:
            return
        if 0 < wait <= 120:
            log.info("request budget spent; waiting %.1f s for the reset", wait)
            self._wait(wait)

    def pages(self, resource: str, *, limit: int | None = None,
              starting_after: str | None = None,
              params: Mapping[str, Any] | None = None) -> Iterator[Page]:
        """The pages of a list endpoint, following ``rel=next`` links.

        Stops when a page has no ``next`` link or no records.

        Parameters
        ----------
        resource:
            ``"users"``, ``"sections"``, ``"events"``, ...
        limit:
            Page size, 1 to 10000 (``None``: the server's default).
        starting_after:
            Start after this id (resuming).
        params:
            More query parameters.

        Raises
        ------
        ValueError
            ``limit`` out of range.
        FormatError
            A page whose ``data`` is not a list. An item of the list that is not an
            envelope item with a record id does not stop the paging: it is handed over in
            the page's ``rejected``.
        """
        if limit is not None and not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
        q: dict[str, Any] = dict(params or {})
        q["limit"] = limit
        q["starting_after"] = starting_after
        url: str | None = self.url(resource, q)
        seen: set[str] = set()
        cursors: set[str] = set()
        while url:
            if url in seen:
                raise ApiError("the API's next link points at a page already fetched; "
                               "stopping instead of paging forever", url=_safe(url))
            seen.add(url)
            cursor = _cursor(url)
            if cursor is not None:
                if cursor in cursors:
                    raise ApiError(f"the API's next link repeats the cursor {cursor[:100]!r}; "
                                   "stopping instead of paging forever", url=_safe(url))
                cursors.add(cursor)
            doc = self.get_json(url)
            data = doc.get("data")
            if not isinstance(data, list):
                raise FormatError("expected a list envelope ('data' is not an array)",
                                  path=_safe(url))
            records = []
            rejected = []
            for i, item in enumerate(data):
                rec = item.get("data") if isinstance(item, dict) else None
                if not isinstance(rec, dict) or not isinstance(rec.get("id"), str):
                    rejected.append((i, item))
                    continue
                records.append(rec)
            if rejected:
                log.warning("%s: %d item(s) that are no envelope item with a record id "
                            "(first: item %d)", _safe(url), len(rejected), rejected[0][0])
            nxt = _next_link(doc)
            page = Page(records=records,
                        next_url=self.url(nxt) if nxt and (records or rejected) else None,
                        url=_safe(url), rejected=tuple(rejected))
            yield page
            url = page.next_url


def _next_link(doc: Mapping[str, Any]) -> str | None:
    links = doc.get("links")
    if isinstance(links, list):
        for link in links:
            if isinstance(link, dict) and link.get("rel") == "next":
                uri = link.get("uri")
                if isinstance(uri, str) and uri:
                    return uri
    return None


class _Deadline(Exception):
    """A request outlasted the client's overall deadline."""


def _load(body: bytes) -> Any:
    """Decoded JSON, also when it holds lone surrogate escapes (``"\\ud800"``) that orjson
    refuses but Clever strings may carry; ``_BAD`` when it is not JSON."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    else:  # (orjson reads an integer wider than 64 bits as a float: kept exact for the dump)
        exact = wide_integers(body)
        return doc if exact is None else exact
    if b"\\u" not in body or json_depth(body) > 1000:
        return _BAD
    import json

    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):
        return _BAD


_BAD = object()


def _decode(body: bytes) -> dict[str, Any] | None:
    """The envelope in a body, or ``None`` when it is not JSON or not an envelope."""
    doc = _load(body)
    if isinstance(doc, dict) and "data" in doc:
        return doc
    return None


def is_header_safe(secret: str) -> bool:
    """Whether a secret is printable ASCII without spaces (fit for an HTTP header, so an
    HTTP library's error about a bad header value can never quote it).

    Examples
    --------
    >>> is_header_safe("abc-123"), is_header_safe("two words"), is_header_safe("")
    (True, False, True)
    """
    return all("!" <= ch <= "~" for ch in secret)


def _error_message(body: bytes, token: str, secrets: Iterable[str] = ()) -> str | None:
    """The API's error text (``message``, ``error``, or the ``imsx_description`` of a
    OneRoster status envelope), the token and every other secret scrubbed *before* it is
    cut to 200 characters (a cut secret must not leave its prefix behind), written or
    percent-encoded.

    Examples
    --------
    >>> _error_message(b'{"message": "key s/1 (s%2F1) refused for tok"}', "tok", ["s/1"])
    'key [secret] ([secret]) refused for [token]'
    """
    doc = _load(body)
    if isinstance(doc, dict):  # HTML error pages (wrong token type) say nothing useful
        for key in ("message", "error", "imsx_description"):
            if isinstance(doc.get(key), str):
                text = _scrub(doc[key].replace(token, "[token]"), secrets)
                return _printable(text)[:200]
    return None


def _scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret, as written and percent-encoded (as a server puts it in
    a URL), replaced by ``[secret]``; the longest first, so none leaves a part behind."""
    forms = {f for s in secrets if s for f in (s, quote(s, safe=""), quote_plus(s))}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, "[secret]")
    return text


def _printable(text: str) -> str:
    """``text`` with control characters shown as escapes (server text reaches terminals)."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def _cursor(url: str) -> str | None:
    """The ``starting_after`` (or ``ending_before``) cursor of a page URL."""
    q = parse_qs(urlsplit(url).query)
    for key in ("starting_after", "ending_before"):
        if q.get(key):
            return f"{key}={q[key][-1]}"
    return None


def _safe(url: str) -> str:
    """A URL fit for messages: no userinfo (tokens never travel in URLs anyway)."""
    p = urlsplit(url)
    netloc = p.netloc.rpartition("@")[2]
    return p._replace(netloc=netloc).geturl()
