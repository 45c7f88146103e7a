"""A fake OneRoster 1.1 / 1.2 REST server on 127.0.0.1 for the client, fetch and sync tests.

``FakeOneRoster`` is a real HTTP server (``ThreadingHTTPServer`` in a thread)
serving a district read from a OneRoster CSV bundle (``csv_to_rest`` turns the
CSV rows into REST records here, written independently of rostergraph's own
REST → CSV code). It speaks:

- ``POST /oauth/token`` — OAuth 2.0 client credentials (HTTP Basic), tokens
  that expire after ``token_life`` seconds of the shared fake clock;
- ``GET <root>/<collection>`` with ``limit``/``offset``, ``filter``
  (``dateLastModified>'…'`` and ``>=``) and ``fields``; ``X-Total-Count``
  (optionally wrong by ``total_skew``) and ``Link`` headers (``link_header``);
- OAuth 1.0a HMAC-SHA1 signatures, checked with an independent verifier.

Misbehaviours for the paging tests: ``ignore_offset`` (always the first
page), ``ignore_limit`` (every record from the offset on, in one page), ``max_limit``
(caps the page size silently), ``no_total``, ``empty_page_as`` (``"omit"``: an empty
page is ``{}``; ``"null"``: ``{"<collection>": null}``, as serializers that drop empty
lists write), ``ignore_fields`` (whole records whatever ``fields`` asks),
``fields_empty`` (collections whose ``fields`` listings are empty), ``other_link`` (a ``Link`` header value
with no paging relation, sent on every page, as some gateways add).

Injected faults (``inject(fault, times, path)``):

====================  ============================================================
``"429"``             HTTP 429 with ``Retry-After: <retry_after>``
``"500"``/``"502"``/  that status
``"503"``/``"410"``
``"401"``             HTTP 401 (a token the server stopped accepting)
``"drop"``            the connection is closed without a response
``"truncate"``        a Content-Length larger than the body, then the connection closes
``"badjson"``         HTTP 200 whose body is not JSON
``"echo400"``         HTTP 400 whose message quotes the Authorization header
``"imsx400"``         HTTP 400 with only a OneRoster ``imsx_`` status envelope
``"imsx200"``         HTTP 200 with that envelope and no records (which quotes the
                      Authorization header)
====================  ============================================================
"""

from __future__ import annotations

import base64
import csv
import email.utils
import hashlib
import hmac
import io
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, parse_qsl, quote, unquote, urlsplit

ROOTS = {"1.1": "/ims/oneroster/v1p1", "1.2": "/ims/oneroster/rostering/v1p2"}
#: The member a single-record GET answers in (getUser → {"user": ...}), per collection.
SINGULAR = {"orgs": "org", "academicSessions": "academicSession", "courses": "course",
            "classes": "class", "users": "user", "enrollments": "enrollment",
            "demographics": "demographics"}
COLLECTIONS = ("orgs", "academicSessions", "courses", "classes", "users", "enrollments",
               "demographics")

# --- CSV bundle → REST records (independent of rostergraph.oneroster.rows) --------------------

_REFS = {"parentSourcedId": ("parent", "org"), "orgSourcedId": ("org", "org"),
         "courseSourcedId": ("course", "course"), "schoolSourcedId": ("school", "org"),
         "userSourcedId": ("user", "user"), "classSourcedId": ("class", "class"),
         "schoolYearSourcedId": ("schoolYear", "academicSession")}
_LISTS = {"termSourcedIds": ("terms", "academicSession"), "orgSourcedIds": ("orgs", "org"),
          "agentSourcedIds": ("agents", "user")}
_STRING_LISTS = {"grades", "subjects", "subjectCodes", "periods"}


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _ref(sid: str, typ: str) -> dict[str, str]:
    return {"href": f"/{typ}s/{sid}", "sourcedId": sid, "type": typ}


def row_to_rest(row: dict[str, str], version: str) -> dict[str, Any]:
    """One CSV row as a REST record (empty cells left out, references nested)."""
    rec: dict[str, Any] = {}
    meta: dict[str, str] = {}
    for col, value in row.items():
        if value == "" or value is None:
            continue
        if col.startswith("metadata."):
            meta[col[len("metadata."):]] = value
        elif col in _REFS:
            name, typ = _REFS[col]
            rec[name] = _ref(value, typ)
        elif col in _LISTS:
            name, typ = _LISTS[col]
            rec[name] = [_ref(v.strip(), typ) for v in value.split(",") if v.strip()]
        elif col in _STRING_LISTS:
            rec[col] = [v.strip() for v in value.split(",")]
        elif col == "enabledUser" and version == "1.2":
            rec[col] = value.lower() == "true"
        else:
            rec[col] = value
    if meta:
        rec["metadata"] = meta
    return rec


def user_to_v12(user: dict[str, Any]) -> dict[str, Any]:
    """A 1.1 REST user (``role``, ``orgs``) as a 1.2 one (``roles``, ``primaryOrg``)."""
    out = {k: v for k, v in user.items() if k not in ("role", "orgs")}
    orgs = user.get("orgs") or []
    role = user.get("role")
    if role:
        out["roles"] = [{"roleType": "primary" if i == 0 else "secondary", "role": role,
                         "org": org} for i, org in enumerate(orgs)] or [
            {"roleType": "primary", "role": role}]
    if orgs:
        out["primaryOrg"] = orgs[0]
    return out


def csv_to_rest(folder: str | Path, version: str = "1.1") -> dict[str, list[dict[str, Any]]]:
    """The records of a OneRoster CSV bundle, collection → REST records in file order."""
    folder = Path(folder)
    out: dict[str, list[dict[str, Any]]] = {}
    for name in COLLECTIONS:
        rows = _read_csv(folder / f"{name}.csv")
        recs = [row_to_rest(r, version) for r in rows]
        if name == "users" and version == "1.2":
            recs = [user_to_v12(u) for u in recs]
        out[name] = recs
    return out


# --- an independent OAuth 1.0a verifier ---------------------------------------------------


def _enc(s: str) -> str:
    return quote(s, safe="~-._")


def oauth1_valid(method: str, url: str, header: str, key: str, secret: str) -> bool:
    """Whether ``header`` is a valid HMAC-SHA1 signature of the request by ``key``/``secret``."""
    if not header.startswith("OAuth "):
        return False
    params = {}
    for part in header[6:].split(","):
        k, _, v = part.strip().partition("=")
        params[k] = unquote(v.strip('"'))
    if params.get("oauth_consumer_key") != key or params.get(
            "oauth_signature_method") != "HMAC-SHA1":
        return False
    sig = params.pop("oauth_signature", "")
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True) + [
        (k, v) for k, v in params.items() if k.startswith("oauth_")]
    norm = "&".join(f"{a}={b}" for a, b in sorted((_enc(k), _enc(v)) for k, v in pairs))
    base_url = f"{parts.scheme}://{parts.netloc.lower()}{parts.path}"
    text = "&".join([method, _enc(base_url), _enc(norm)])
    want = base64.b64encode(hmac.new(f"{_enc(secret)}&".encode(), text.encode(),
                                     hashlib.sha1).digest()).decode()
    return hmac.compare_digest(want, sig)


# --- the server -----------------------------------------------------------------------------


class _QuietServer(ThreadingHTTPServer):
    """Clients that hang up mid-answer (a capped body, a killed process) are not errors."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeOneRoster:
    """A fake OneRoster rostering server serving ``data`` (collection → REST records).

    Parameters
    ----------
    data:
        As :func:`csv_to_rest` returns.
    version:
        ``"1.1"`` or ``"1.2"`` (the URL root).
    auth:
        ``"oauth2"`` or ``"oauth1"``.
    client_id, client_secret:
        The only credentials accepted.
    clock:
        The time source for token expiry (share the client's fake clock).
    token_life:
        Seconds an access token lives.
    """

    def __init__(self, data: dict[str, list[dict[str, Any]]], *, version: str = "1.1",
                 auth: str = "oauth2", client_id: str = "rg-client",
                 client_secret: str = "s3cr3t-Shh", clock: Callable[[], float] = time.time,
                 token_life: float = 3600.0, default_limit: int = 100,
                 retry_after: float = 2.0) -> None:
        self.data = {k: list(v) for k, v in data.items()}
        self.version = version
        self.auth = auth
        self.client_id = client_id
        self.client_secret = client_secret
        self.clock = clock
        self.token_life = token_life
        self.default_limit = default_limit
        self.retry_after = retry_after
        self.link_header = False
        self.no_total = False
        self.total_skew = 0
        self.ignore_offset = False
        self.ignore_limit = False
        self.wrap_offset: int | None = None  # offsets taken modulo this: pages come again
        self.empty_page_as: str | None = None
        # called as after_page(collection, offset) once a page is made: the district
        # changing between pages
        self.after_page: Callable[[str, int], None] | None = None
        self.other_link: str | None = None
        self.link_origin = ""  # written before the paths of Link URLs (another host's)
        self.next_rel = "next"  # the rel of the next link ("Next", "next prefetch")
        self.link_token = False  # Link URLs carry the request's token (access_token=...)
        self.past_end_status: int | None = None  # an offset past the records gets this
        self.max_limit: int | None = None
        self.ignore_fields = False  # whole records, whatever 'fields' asks for
        self.fields_empty: set[str] = set()  # collections whose 'fields' listings are empty
        self.forbidden: set[str] = set()  # collections answered with 403
        self.date_header: str | None = None  # the Date header sent (the clock's otherwise)
        # one record by id: answer(collection, id) → the record sent (None: 404); the
        # stored record with that id otherwise
        self.single_record: Callable[[str, str], Any] | None = None
        self.token_auth = "basic"  # or "body": where the token URL wants the credentials
        self.sticky_cookie = False  # the token response pins a session cookie the API needs
        self.tokens: dict[str, float] = {}  # token → expiry
        self.token_requests = 0
        self.token_faults: list[str] = []  # the next token requests' answers: "503", "429"
        self.faults: list[list[Any]] = []
        self.log: list[dict[str, Any]] = []
        self.auth_headers: list[str] = []
        self._n = 0
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    # lifecycle
    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Listen on an ephemeral port of 127.0.0.1."""
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, fmt: str, *args: Any) -> None:
                pass

            def date_time_string(self, timestamp: float | None = None) -> str:
                if server.date_header is not None:
                    return server.date_header
                return email.utils.formatdate(server.clock() if timestamp is None
                                              else timestamp, usegmt=True)

            def do_GET(self) -> None:
                server._handle(self)

            def do_POST(self) -> None:
                server._token(self)

        self._httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02},
                         daemon=True).start()

    def stop(self) -> None:
        """Stop serving."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:<port>``."""
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def base_url(self) -> str:
        """The rostering root of this version."""
        return self.origin + ROOTS[self.version]

    @property
    def token_url(self) -> str:
        """The OAuth 2.0 token endpoint."""
        return self.origin + "/oauth/token"

    # control
    def inject(self, fault: str, times: int = 1, path: str = "") -> None:
        """Give the next ``times`` API requests whose path contains ``path`` this fault."""
        with self._lock:
            self.faults.append([fault, path, times])

    def expire_tokens(self) -> None:
        """Every issued access token stops working (as at expiry or revocation)."""
        with self._lock:
            self.tokens.clear()

    def requests(self, path: str = "") -> list[dict[str, Any]]:
        """The logged API requests whose path contains ``path``."""
        return [e for e in self.log if path in e["path"]]

    # serving
    def _send(self, h: BaseHTTPRequestHandler, status: int, body: bytes,
              headers: dict[str, str] | None = None, *, content_length: int | None = None
              ) -> None:
        h.send_response(status)
        h.send_header("Content-Type", "application/json; charset=utf-8")
        h.send_header("Content-Length", str(len(body) if content_length is None
                                            else content_length))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)
        h.wfile.flush()

    def _token(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        form = parse_qs(h.rfile.read(length).decode())
        self.token_requests += 1
        with self._lock:
            fault = self.token_faults.pop(0) if self.token_faults else None
        if fault is not None:
            self._send(h, int(fault), b'{"error": "temporarily_unavailable"}',
                       {"Retry-After": "7"} if fault == "429" else None)
            return
        want = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if self.token_auth == "basic":
            ok = h.headers.get("Authorization") == f"Basic {want}"
        else:
            ok = form.get("client_id") == [self.client_id] and form.get(
                "client_secret") == [self.client_secret]
        if urlsplit(h.path).path != "/oauth/token" or not ok or form.get("grant_type") != [
                "client_credentials"]:
            self._send(h, 401, b'{"error": "invalid_client"}')
            return
        with self._lock:
            self._n += 1
            token = f"at-{self._n}-{hashlib.sha256(str(self._n).encode()).hexdigest()[:16]}"
            self.tokens[token] = self.clock() + self.token_life
        headers = {"Set-Cookie": f"affinity=node-{self._n}; Path=/"} if self.sticky_cookie else {}
        self._send(h, 200, json.dumps({"access_token": token, "token_type": "bearer",
                                       "expires_in": str(int(self.token_life))}).encode(),
                   headers)

    def _take_fault(self, path: str) -> str | None:
        with self._lock:
            for f in self.faults:
                if f[2] > 0 and f[1] in path:
                    f[2] -= 1
                    return str(f[0])
        return None

    def _authorized(self, h: BaseHTTPRequestHandler, auth: str) -> bool:
        if self.auth == "oauth1":
            return oauth1_valid("GET", self.origin + h.path, auth, self.client_id,
                                self.client_secret)
        token = auth[7:] if auth.startswith("Bearer ") else ""
        if self.sticky_cookie and "affinity=node-" not in h.headers.get("Cookie", ""):
            return False
        with self._lock:
            expiry = self.tokens.get(token)
        return expiry is not None and self.clock() < expiry

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        path, query = parts.path, parse_qs(parts.query, keep_blank_values=True)
        auth = h.headers.get("Authorization", "")
        entry: dict[str, Any] = {"path": path, "query": query, "t": self.clock()}
        with self._lock:
            self.log.append(entry)
            self.auth_headers.append(auth)
        fault = self._take_fault(path)
        entry["status"] = fault or 0
        if fault == "drop":
            h.close_connection = True
            return
        if fault == "truncate":
            body = b'{"users": []}' * 3
            self._send(h, 200, body[:8], content_length=len(body))
            h.close_connection = True
            return
        if fault == "429":
            self._send(h, 429, b'{"imsx_description": "slow down"}',
                       {"Retry-After": str(int(self.retry_after))})
            return
        if fault in ("500", "502", "503", "401", "410"):
            self._send(h, int(fault), b'{"imsx_description": "injected"}')
            return
        if fault == "echo400":
            self._send(h, 400, json.dumps({"imsx_description": f"bad: {auth}",
                                           "message": f"bad request with {auth}"}).encode())
            return
        if fault == "imsx400":  # the OneRoster binding's status envelope, nothing else
            self._send(h, 400, json.dumps({
                "imsx_codeMajor": "failure", "imsx_severity": "error",
                "imsx_description": "filter field not supported",
                "imsx_CodeMinor": {"imsx_codeMinorField": [{
                    "imsx_codeMinorFieldName": "TargetEndSystem",
                    "imsx_codeMinorFieldValue": "invalid_filter_field"}]}}).encode())
            return
        if fault == "imsx200":
            self._send(h, 200, json.dumps({
                "imsx_codeMajor": "failure", "imsx_severity": "error",
                "imsx_description": f"unknown access token {auth}"}).encode())
            return
        if fault == "cutleak":  # the token sits across the 200th character of the message
            token = auth.partition(" ")[2]
            self._send(h, 403, json.dumps({"message": "x" * 175 + " bad token "
                                           + token}).encode())
            return
        if fault == "badjson":
            self._send(h, 200, b'{"users": [{"sourcedId": "x"')
            return
        if not self._authorized(h, auth):
            entry["status"] = 401
            self._send(h, 401, b'{"imsx_codeMajor": "failure", "imsx_description": '
                               b'"unauthorized"}')
            return
        root = ROOTS[self.version]
        name = path[len(root) + 1:] if path.startswith(root + "/") else ""
        coll, _, one = name.partition("/")
        if one and coll in COLLECTIONS:  # one record by its id: {"user": {...}}
            with self._lock:
                rec = next((r for r in self.data.get(coll, []) if isinstance(r, dict)
                            and r.get("sourcedId") == unquote(one)), None)
            if self.single_record is not None:
                rec = self.single_record(coll, unquote(one))
            entry["status"] = 200 if rec is not None else 404
            self._send(h, entry["status"], json.dumps(
                {SINGULAR[coll]: rec} if rec is not None else
                {"imsx_description": "not found"}).encode())
            return
        if name not in self.data and name not in COLLECTIONS:
            entry["status"] = 404
            self._send(h, 404, b'{"imsx_description": "not found"}')
            return
        if name in self.forbidden:
            entry["status"] = 403
            self._send(h, 403, b'{"imsx_description": "scope not granted"}')
            return
        try:
            limit = int(query.get("limit", [self.default_limit])[0])
            offset = int(query.get("offset", ["0"])[0])
        except ValueError:
            self._send(h, 400, b'{"imsx_description": "bad paging"}')
            return
        if self.max_limit is not None:
            limit = min(limit, self.max_limit)
        if self.ignore_offset:
            offset = 0
        if self.wrap_offset:
            offset %= self.wrap_offset
        with self._lock:
            items = list(self.data.get(name, []))
        flt = query.get("filter", [None])[0]
        if flt:
            items = _filter(items, flt)
        if self.past_end_status and offset and offset >= len(items):
            entry["status"] = self.past_end_status
            self._send(h, self.past_end_status, b'{"imsx_codeMajor": "failure", '
                       b'"imsx_description": "offset out of range"}')
            return
        fields = query.get("fields", [None])[0]
        if fields and name in self.fields_empty:
            items = []
        page = items[offset:] if self.ignore_limit else items[offset:offset + limit]
        if fields and not self.ignore_fields:
            keep = fields.split(",")
            page = [{k: v for k, v in r.items() if k in keep} if isinstance(r, dict) else r
                    for r in page]
        headers = {}
        if not self.no_total:
            headers["X-Total-Count"] = str(len(items) + self.total_skew)
        if self.link_header:
            links = []
            if offset + limit < len(items):
                carry = f"&access_token={quote(auth[7:], safe='')}" if self.link_token else ""
                links.append(f'<{self.link_origin}{path}?limit={limit}&offset='
                             f'{offset + limit}{carry}>; rel="{self.next_rel}"')
            last = max(0, (len(items) - 1) // limit * limit)
            links.append(f'<{self.link_origin}{path}?limit={limit}&offset={last}>; rel="last"')
            headers["Link"] = ", ".join(links)
        if self.other_link:
            headers["Link"] = ", ".join(filter(None, [headers.get("Link"), self.other_link]))
        entry["status"] = 200
        entry["count"] = len(page)
        doc: dict[str, Any] = {name: page}
        if not page and self.empty_page_as == "omit":
            doc = {}
        elif not page and self.empty_page_as == "null":
            doc = {name: None}
        if self.after_page is not None:  # before the answer leaves: no race with the client
            self.after_page(name, offset)
        try:
            body = json.dumps(doc, ensure_ascii=False).encode()
        except UnicodeEncodeError:  # a lone surrogate: sent as its \ud83d escape
            body = json.dumps(doc).encode()
        self._send(h, 200, body, headers)


def _filter(items: list[Any], flt: str) -> list[Any]:
    """The items a ``field>'value'`` / ``>=`` filter matches (an item that is no object,
    served to test the client, matches none)."""
    for op in (">=", ">"):
        field, sep, value = flt.partition(op)
        if sep:
            value = value.strip().strip("'")
            field = field.strip()
            got = [(r, str(r.get(field) or "")) for r in items if isinstance(r, dict)]
            if op == ">=":
                return [r for r, v in got if v >= value]
            return [r for r, v in got if v > value]
    raise ValueError(f"unsupported filter {flt!r}")


_COLUMN_OF = {name: col for col, (name, _) in {**_REFS, **_LISTS}.items()}


def rest_to_csv_bundle(data: dict[str, list[dict[str, Any]]], version: str,
                       folder: str | Path) -> None:
    """Write REST records as a OneRoster CSV bundle (1.2 users give users.csv + roles.csv)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, list[dict[str, str]]] = {}
    for name, recs in data.items():
        rows = files.setdefault(name, [])
        for rec in recs:
            row: dict[str, str] = {}
            for k, v in rec.items():
                if k == "metadata":
                    row.update({f"metadata.{mk}": mv for mk, mv in v.items()})
                elif k == "roles":
                    for i, r in enumerate(v):
                        files.setdefault("roles", []).append({
                            "sourcedId": f"{rec['sourcedId']}-role-{i + 1}",  # (as a dump)
                            "userSourcedId": rec["sourcedId"], "roleType": r["roleType"],
                            "role": r["role"], "orgSourcedId": (r.get("org") or {}).get(
                                "sourcedId", "")})
                elif k == "primaryOrg":
                    row["primaryOrgSourcedId"] = v["sourcedId"]
                elif k in _COLUMN_OF and isinstance(v, list):
                    row[_COLUMN_OF[k]] = ",".join(r["sourcedId"] for r in v)
                elif isinstance(v, dict):
                    row[_COLUMN_OF.get(k, k)] = v["sourcedId"]
                elif isinstance(v, bool):
                    row[k] = "true" if v else "false"
                elif isinstance(v, list):
                    row[k] = ",".join(v)
                else:
                    row[k] = v
            rows.append(row)
    manifest = [("manifest.version", "1.0"), ("oneroster.version", version)]
    for name, rows in files.items():
        manifest.append((f"file.{name}", "bulk"))
        header = list(dict.fromkeys(c for r in rows for c in r)) or ["sourcedId"]
        with open(folder / f"{name}.csv", "w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=header)
            w.writeheader()
            w.writerows(rows)
    with open(folder / "manifest.csv", "w", encoding="utf-8", newline="") as fh:
        w2 = csv.writer(fh)
        w2.writerow(["propertyName", "value"])
        w2.writerows(manifest)


def bundle_bytes(folder: str | Path) -> dict[str, bytes]:
    """The files of a folder by name (to compare two bundles)."""
    return {p.name: p.read_bytes() for p in sorted(Path(folder).iterdir()) if p.is_file()}


def csv_rows(data: bytes) -> list[dict[str, str]]:
    """The rows of CSV bytes."""
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
