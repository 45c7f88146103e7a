"""Credentials and request signing for OneRoster REST servers.

Two schemes are in use:

- **OAuth 2.0 client credentials** (RFC 6749 section 4.4; what OneRoster 1.2
  requires and most 1.1 servers now accept). :class:`OAuth2ClientCredentials`
  posts the client id and secret to the token URL (HTTP Basic; in the form
  body when the server refuses Basic), caches the
  access token, fetches a new one shortly before it expires, and fetches a new
  one once when the API answers 401 in the middle of a run (a token revoked or
  expired early).
- **OAuth 1.0a HMAC-SHA1** (RFC 5849, two-legged: no token, only the consumer
  key and secret; what OneRoster 1.1 servers were certified with).
  :class:`OAuth1Signer` signs every request afresh (timestamp and nonce).

Both are :class:`httpx.Auth` flows. Secrets never appear in ``repr``, in log
lines or in error messages; errors name the token URL only.

Credentials come from the environment or a file (:func:`read_credentials`),
never from a command line.

Examples
--------
>>> oauth1_signature("GET", "http://photos.example.net/photos?file=vacation.jpg&size=original",
...                  consumer_key="dpf43f3p2l4k3l03", consumer_secret="kd94hf93k423kf44",
...                  token="nnch734d00sl2jdk", token_secret="pfkkdhi9sl3r4s00",
...                  timestamp="1191242096", nonce="kllo9940pd9333jh")
'tR3+Ty81lMeYAr/Fid0kMTYa/WM='
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Generator, Iterable
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

import attrs
import httpx
import orjson

from ..clever.api import is_header_safe
from ..errors import LimitError, SourceError, TokenError
from ..safety import read_regular_file

__all__ = [
    "DEFAULT_ENV_PREFIX",
    "ClientCredentials",
    "OAuth1Signer",
    "OAuth2ClientCredentials",
    "oauth1_signature",
    "read_credentials",
    "signature_base_string",
]

log = logging.getLogger("rostergraph.oneroster")

#: Environment variables ``<prefix>_CLIENT_ID``, ``<prefix>_CLIENT_SECRET`` and
#: (optional) ``<prefix>_TOKEN_URL`` hold the credentials by default.
DEFAULT_ENV_PREFIX = "ONEROSTER"
_MAX_TOKEN_BODY = 64 * 1024
_MAX_CREDENTIALS_FILE = 64 * 1024


@attrs.frozen(slots=True, repr=False)
class ClientCredentials:
    """A client id and secret, and the OAuth 2.0 token URL when there is one.

    ``repr`` shows the client id and the token URL, never the secret.

    Examples
    --------
    >>> ClientCredentials("district-app", "s3cret", token_url="https://sso.test/oauth/token")
    <ClientCredentials client_id='district-app' token_url='https://sso.test/oauth/token'>
    """

    client_id: str
    client_secret: str
    token_url: str | None = None

    def __repr__(self) -> str:
        return f"<ClientCredentials client_id={self.client_id!r} token_url={self.token_url!r}>"


def _check_secret(value: str, what: str) -> str:
    value = value.strip()
    if not value:
        raise TokenError(f"the {what} is empty")
    if not is_header_safe(value):
        # an HTTP library error about a bad header value would quote it
        raise TokenError(f"the {what} contains spaces, line breaks or non-ASCII characters")
    return value


def read_credentials(*, env_prefix: str | None = None,
                     file: str | os.PathLike[str] | None = None,
                     token_url: str | None = None) -> ClientCredentials:
    """The client credentials, from a JSON file or environment variables.

    Parameters
    ----------
    env_prefix:
        ``ONEROSTER`` by default: reads ``ONEROSTER_CLIENT_ID``,
        ``ONEROSTER_CLIENT_SECRET`` and ``ONEROSTER_TOKEN_URL``. Ignored when
        ``file`` is given.
    file:
        A JSON file ``{"client_id": ..., "client_secret": ..., "token_url": ...}``
        (``token_url`` optional).
    token_url:
        The OAuth 2.0 token URL; wins over the one in the file or environment.

    Raises
    ------
    TokenError
        A missing variable, an unreadable or malformed file, an empty value.
        Messages name the variable or file, never a secret.

    Examples
    --------
    >>> import os
    >>> os.environ.update(RGDOC_CLIENT_ID="app", RGDOC_CLIENT_SECRET="pw")
    >>> read_credentials(env_prefix="RGDOC")
    <ClientCredentials client_id='app' token_url=None>
    >>> del os.environ["RGDOC_CLIENT_SECRET"]
    >>> read_credentials(env_prefix="RGDOC")
    Traceback (most recent call last):
    ...
    rostergraph.errors.TokenError: no OneRoster credentials: the environment variable RGDOC_CLIENT_SECRET is not set (or use --credentials-file)
    >>> del os.environ["RGDOC_CLIENT_ID"]
    """
    if file is not None:
        name = os.fspath(file)
        try:  # never through a link, never a FIFO (which would hang the open)
            data = read_regular_file(name, max_bytes=_MAX_CREDENTIALS_FILE)
        except LimitError:
            raise TokenError(f"the credentials file {name!r} is too large") from None
        except (OSError, SourceError) as exc:
            why = exc.strerror if isinstance(exc, OSError) else exc.message
            raise TokenError(f"cannot read the credentials file {name!r}: "
                             f"{why or type(exc).__name__}") from None
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError:
            raise TokenError(f"the credentials file {name!r} is not JSON") from None
        if not isinstance(doc, dict):
            raise TokenError(f"the credentials file {name!r} must hold a JSON object")
        values: dict[str, Any] = {}
        for key in ("client_id", "client_secret", "token_url"):
            v = doc.get(key)
            if v is not None and not isinstance(v, str):
                raise TokenError(f"the credentials file {name!r}: {key} must be a string")
            values[key] = v
        for key in ("client_id", "client_secret"):
            if not values[key]:
                raise TokenError(f"the credentials file {name!r} has no {key}")
        cid, secret, url = values["client_id"], values["client_secret"], values["token_url"]
    else:
        prefix = env_prefix or DEFAULT_ENV_PREFIX
        got = {}
        for key in ("CLIENT_ID", "CLIENT_SECRET"):
            var = f"{prefix}_{key}"
            value = os.environ.get(var, "").strip()
            if not value:
                raise TokenError(f"no OneRoster credentials: the environment variable {var} "
                                 "is not set (or use --credentials-file)")
            got[key] = value
        cid, secret = got["CLIENT_ID"], got["CLIENT_SECRET"]
        url = os.environ.get(f"{prefix}_TOKEN_URL", "").strip() or None
    return ClientCredentials(_check_secret(cid, "client id"), _check_secret(secret, "client secret"),
                       token_url=token_url or url)


# --- OAuth 2.0 client credentials --------------------------------------------------------


class OAuth2ClientCredentials(httpx.Auth):
    """OAuth 2.0 client-credentials flow with a cached, refreshed bearer token.

    Parameters
    ----------
    credentials:
        Client id, secret and ``token_url`` (required).
    scope:
        The scopes to ask for (space separated), e.g. OneRoster 1.2's
        ``https://purl.imsglobal.org/spec/or/v1p2/scope/roster.readonly``.
    transport:
        The transport for the token requests (tests pass the API's).
    clock:
        Seconds since the epoch (injectable).
    refresh_margin:
        Fetch a new token this many seconds before the old one expires (at
        most half the token's lifetime, so a short-lived token is still reused).
    timeout:
        Seconds before a token request is given up.
    sleep:
        Waits between token requests retried after 429, 5xx or no answer
        (injectable; tests never really wait).
    retries:
        How often such a token request is retried (``Retry-After`` is waited
        for, at most 120 s; otherwise 1, 2, 4, ... seconds).

    Attributes
    ----------
    fetched:
        How many tokens were fetched (tests and stats read it).

    Examples
    --------
    >>> import httpx
    >>> def handler(request):
    ...     if request.url.path == "/token":
    ...         return httpx.Response(200, json={"access_token": "AT1", "expires_in": 3600})
    ...     return httpx.Response(200, json={"ok": request.headers["Authorization"] == "Bearer AT1"})
    >>> auth = OAuth2ClientCredentials(ClientCredentials("id", "pw", token_url="https://h.test/token"),
    ...                                transport=httpx.MockTransport(handler))
    >>> with httpx.Client(auth=auth, transport=httpx.MockTransport(handler)) as c:
    ...     c.get("https://h.test/api").json(), auth.fetched
    ({'ok': True}, 1)
    """

    def __init__(self, credentials: ClientCredentials, *, scope: str | None = None,
                 transport: httpx.BaseTransport | None = None,
                 clock: Callable[[], float] = time.time, refresh_margin: float = 60.0,
                 timeout: float = 60.0, sleep: Callable[[float], None] = time.sleep,
                 retries: int = 4) -> None:
        if not credentials.token_url:
            raise TokenError("OAuth 2.0 needs a token URL (--token-url, or token_url in the "
                             "credentials file, or <PREFIX>_TOKEN_URL)")
        parts = urlsplit(credentials.token_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("the token URL must be an http(s) URL")
        if parts.username or parts.password:
            raise ValueError("the token URL must not carry credentials")
        self._credentials = credentials
        self.scope = scope
        self.clock = clock
        self.refresh_margin = refresh_margin
        self.sleep = sleep
        self.retries = retries
        self.fetched = 0
        self._token: str | None = None
        self._expires = 0.0
        self._life = 0.0
        self._method: str | None = None  # "basic" or "body", once one worked
        self._lock = threading.Lock()
        self._http = httpx.Client(transport=transport, timeout=timeout, follow_redirects=False,
                                  headers={"Accept": "application/json",
                                           "User-Agent": "rostergraph"})

    def __repr__(self) -> str:
        return f"<OAuth2ClientCredentials {self._credentials.token_url}>"

    @property
    def secrets(self) -> tuple[str, ...]:
        """The strings to scrub from any text a server sends back."""
        return tuple(s for s in (self._credentials.client_secret, self._token) if s)

    def close(self) -> None:
        """Close the token connection pool."""
        self._http.close()

    def token(self, *, force: bool = False) -> str:
        """The current access token, fetched when missing, near expiry or ``force``."""
        with self._lock:
            # a short-lived token is renewed at half its life, not before every request
            margin = min(self.refresh_margin, self._life / 2)
            if force or self._token is None or self.clock() >= self._expires - margin:
                self._fetch()
            assert self._token is not None
            return self._token

    def _post_retrying(self, url: str, data: dict[str, str], method: str
                       ) -> tuple[int, bytes]:
        """:meth:`_post`, retried after 429, 5xx or no answer: a token renewed in the
        middle of a long fetch must not end it on a token URL's passing trouble."""
        tries = max(self.retries, 0) + 1  # (retries=-1 still asks once)
        for attempt in range(tries):
            last = attempt == tries - 1
            try:
                status, body, wait = self._post(url, data, method)
            except TokenError as exc:
                if exc.status is not None or last:
                    raise
                status, body, wait = 0, b"", None
            else:
                if status not in _TOKEN_RETRY or last:
                    return status, body
            delay = min(wait if wait is not None else 2.0 ** attempt, 120.0)
            log.info("the token URL answered %s; retrying in %.1f s",
                     f"HTTP {status}" if status else "nothing", delay)
            self.sleep(delay)
        raise AssertionError("unreachable")

    def _post(self, url: str, data: dict[str, str], method: str
              ) -> tuple[int, bytes, float | None]:
        """POST the token request; the client credentials as HTTP Basic or in the body."""
        creds = self._credentials
        if method == "body":
            data = {**data, "client_id": creds.client_id, "client_secret": creds.client_secret}
        auth = (creds.client_id, creds.client_secret) if method == "basic" else None
        chunks: list[bytes] = []
        seen = 0
        try:
            with self._http.stream("POST", url, data=data, auth=auth) as resp:
                for chunk in resp.iter_bytes():
                    seen += len(chunk)
                    if seen > _MAX_TOKEN_BODY:
                        raise TokenError("the token response is too large", url=url,
                                         status=resp.status_code)
                    chunks.append(chunk)
        except httpx.TransportError as exc:
            raise TokenError(f"the token request failed ({type(exc).__name__})",
                             url=url) from None
        return resp.status_code, b"".join(chunks), _retry_after(resp)

    def _fetch(self) -> None:
        url = self._credentials.token_url
        assert url is not None
        data = {"grant_type": "client_credentials"}
        if self.scope:
            data["scope"] = self.scope
        # RFC 6749 section 2.3.1: servers must take HTTP Basic; some take only the body
        status, body = 0, b""
        for method in ([self._method] if self._method else ["basic", "body"]):
            status, body = self._post_retrying(url, data, method)
            if status == 200:
                self._method = method
                break
            if status not in (400, 401):
                break
        if status in (400, 401, 403):
            raise TokenError("the token URL refused the client credentials", url=url,
                             status=status)
        if status != 200:  # (a 503 says nothing about the credentials)
            raise TokenError("the token URL failed", url=url, status=status)
        try:
            doc = orjson.loads(body)
        except orjson.JSONDecodeError:
            doc = None
        token = doc.get("access_token") if isinstance(doc, dict) else None
        if not isinstance(token, str) or not token or not is_header_safe(token):
            raise TokenError("the token response holds no usable access_token", url=url,
                             status=status)
        assert isinstance(doc, dict)
        self._token = token
        self._life = _lifetime(doc.get("expires_in"))
        self._expires = self.clock() + self._life
        self.fetched += 1
        log.info("fetched an access token (valid %.0f s)", self._expires - self.clock())

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Send with the cached token; on a 401, fetch a new token and send once more."""
        used = self.token()
        request.headers["Authorization"] = f"Bearer {used}"
        if "Cookie" not in request.headers and self._http.cookies:
            # load-balanced servers (Aeries, for one) pin the session with cookies set
            # by the token response
            self._http.cookies.set_cookie_header(request)
        response = yield request
        if response.status_code == 401:
            with self._lock:
                stale = self._token == used
            fresh = self.token(force=stale)
            log.info("the API answered 401; retrying once with a new access token")
            request.headers["Authorization"] = f"Bearer {fresh}"
            yield request


#: Token URL answers worth another try (and no answer at all).
_TOKEN_RETRY = frozenset({429, 500, 502, 503, 504})


def _retry_after(resp: httpx.Response) -> float | None:
    """The seconds of a numeric ``Retry-After`` header, else ``None``."""
    try:
        wait = float(resp.headers.get("Retry-After", ""))
    except ValueError:
        return None
    return wait if 0 <= wait < float("inf") else None


def _lifetime(value: Any) -> float:
    """Seconds from ``expires_in`` (a number or a numeric string); one hour without one."""
    try:
        life = float(value)
    except (TypeError, ValueError):
        return 3600.0
    return life if 0 < life < 10 * 365 * 86400 else 3600.0


# --- OAuth 1.0a HMAC-SHA1 ----------------------------------------------------------------


def _pct(value: str) -> str:
    """RFC 5849 section 3.6 percent-encoding (unreserved characters kept)."""
    return quote(value, safe="-._~")


def signature_base_string(method: str, url: str, oauth_params: Iterable[tuple[str, str]],
                          extra_params: Iterable[tuple[str, str]] = ()) -> str:
    """The RFC 5849 section 3.4.1 signature base string of a request.

    The query of ``url``, ``extra_params`` (form-encoded body parameters) and
    ``oauth_params`` are normalized together; the base URL drops the query,
    the fragment and a default port, and lower-cases scheme and host.

    Examples
    --------
    >>> signature_base_string("GET", "HTTP://Example.com:80/r?b=2&a=1", [("oauth_nonce", "n")])
    'GET&http%3A%2F%2Fexample.com%2Fr&a%3D1%26b%3D2%26oauth_nonce%3Dn'
    """
    p = urlsplit(url)
    scheme, host = p.scheme.lower(), (p.hostname or "").lower()
    port = p.port
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) \
        else f"{host}:{port}"
    base_uri = urlunsplit((scheme, netloc, p.path or "/", "", ""))
    params = parse_qsl(p.query, keep_blank_values=True)
    params += list(extra_params) + list(oauth_params)
    pairs = sorted((_pct(k), _pct(v)) for k, v in params)
    normalized = "&".join(f"{k}={v}" for k, v in pairs)
    return "&".join((method.upper(), _pct(base_uri), _pct(normalized)))


def oauth1_signature(method: str, url: str, *, consumer_key: str, consumer_secret: str,
                     timestamp: str, nonce: str, token: str | None = None,
                     token_secret: str = "", extra_params: Iterable[tuple[str, str]] = (),
                     version: bool = True) -> str:
    """The HMAC-SHA1 ``oauth_signature`` of a request (RFC 5849 section 3.4.2).

    Examples
    --------
    >>> oauth1_signature("GET", "http://photos.example.net/photos?file=vacation.jpg&size=original",
    ...                  consumer_key="dpf43f3p2l4k3l03", consumer_secret="kd94hf93k423kf44",
    ...                  token="nnch734d00sl2jdk", token_secret="pfkkdhi9sl3r4s00",
    ...                  timestamp="1191242096", nonce="kllo9940pd9333jh")
    'tR3+Ty81lMeYAr/Fid0kMTYa/WM='
    """
    params = _oauth_params(consumer_key, timestamp, nonce, token, version)
    base = signature_base_string(method, url, params, extra_params)
    key = f"{_pct(consumer_secret)}&{_pct(token_secret)}".encode()
    digest = hmac.new(key, base.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _oauth_params(consumer_key: str, timestamp: str, nonce: str, token: str | None,
                  version: bool) -> list[tuple[str, str]]:
    params = [("oauth_consumer_key", consumer_key), ("oauth_nonce", nonce),
              ("oauth_signature_method", "HMAC-SHA1"), ("oauth_timestamp", timestamp)]
    if token is not None:
        params.append(("oauth_token", token))
    if version:
        params.append(("oauth_version", "1.0"))
    return params


class OAuth1Signer(httpx.Auth):
    """Signs each request with OAuth 1.0a HMAC-SHA1 (two-legged: no token).

    The ``Authorization: OAuth ...`` header carries the consumer key,
    timestamp, nonce and signature; the secret itself never travels.

    Examples
    --------
    >>> import httpx
    >>> seen = []
    >>> def handler(request):
    ...     seen.append(request.headers["Authorization"])
    ...     return httpx.Response(200, json={})
    >>> signer = OAuth1Signer(ClientCredentials("key", "secret"), clock=lambda: 1_700_000_000,
    ...                       nonce=lambda: "abc")
    >>> with httpx.Client(auth=signer, transport=httpx.MockTransport(handler)) as c:
    ...     _ = c.get("https://h.test/ims/oneroster/v1p1/orgs?limit=2")
    >>> seen[0].startswith('OAuth oauth_consumer_key="key"'), "secret" in seen[0]
    (True, False)
    """

    def __init__(self, credentials: ClientCredentials, *, clock: Callable[[], float] = time.time,
                 nonce: Callable[[], str] | None = None) -> None:
        self._credentials = credentials
        self.clock = clock
        self._nonce = nonce or (lambda: secrets.token_hex(16))

    def __repr__(self) -> str:
        return "<OAuth1Signer HMAC-SHA1>"

    @property
    def secrets(self) -> tuple[str, ...]:
        """The strings to scrub from any text a server sends back."""
        return (self._credentials.client_secret,)

    def close(self) -> None:
        """Nothing to close (kept for symmetry with the OAuth 2.0 flow)."""

    def header(self, method: str, url: str) -> str:
        """The ``Authorization`` header value for one request."""
        ts, nonce = str(int(self.clock())), self._nonce()
        sig = oauth1_signature(method, url, consumer_key=self._credentials.client_id,
                               consumer_secret=self._credentials.client_secret,
                               timestamp=ts, nonce=nonce)
        params = _oauth_params(self._credentials.client_id, ts, nonce, None, True)
        params.append(("oauth_signature", sig))
        return "OAuth " + ", ".join(f'{k}="{_pct(v)}"' for k, v in params)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Sign the request (a new nonce and timestamp each time)."""
        request.headers["Authorization"] = self.header(request.method, str(request.url))
        yield request
