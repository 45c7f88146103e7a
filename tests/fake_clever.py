"""A fake Clever v3.0 API on 127.0.0.1 for the client, fetch and sync tests.

``FakeClever`` is a real HTTP server (``ThreadingHTTPServer`` in a thread)
that serves a generated district in pages with ``rel=next`` links, an
``/events`` feed, rate-limit headers, and injected failures:

====================  ============================================================
fault                 what the next matching request gets
====================  ============================================================
``"429"``             HTTP 429 with ``X-Ratelimit-Reset`` = now + ``reset_in``
``"429-retry-after"`` HTTP 429 with ``Retry-After: <retry_after>`` (and a far reset)
``"500"``/``"502"``/  that status, JSON error body
``"503"``
``"drop"``            the connection is closed without a response
``"truncate"``        a Content-Length larger than the body, then the connection closes
``"badjson"``         HTTP 200 whose body is not JSON
``"notenvelope"``     HTTP 200 JSON without ``data``
``"401"``             HTTP 401 (as for a revoked token)
``"echo400"``         HTTP 400 whose message quotes the request's Authorization header
``"spent"``           a normal page, but ``X-Ratelimit-Remaining: 0`` and a reset in ``reset_in``
``"selfnext"``        a normal page whose ``next`` link is the request's own URL
``"repeatcursor"``    a normal page whose ``next`` link repeats the request's own cursor
                      (the parameters in another order; a first page is left as it is)
``"ctrlnext"``        a normal page whose ``next`` link holds a control character
``"bigbody"``         HTTP 200 streaming ``big_body`` bytes of JSON whitespace
``"drip"``            a normal page sent one byte every ``drip_delay`` seconds
``"surrogate"``       a normal page whose first record's ``name`` holds ``"\ud800"``
``"echo400long"``     HTTP 400 whose message puts the Authorization header across
                      the 200th character
====================  ============================================================

``fail_after = N`` makes every request after the N-th successful page fail
with HTTP 500 (a server that dies half-way).

``make_district(seed)`` builds a small deterministic district (API-shaped
dicts) and ``make_changes(district, seed)`` a stream of events plus the state
they lead to, computed independently of rostergraph's event code.
"""

from __future__ import annotations

import copy
import email.utils
import json
import random
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

KINDS = ("districts", "schools", "terms", "courses", "sections", "users")

# --- a deterministic district ------------------------------------------------------------


class _Ids:
    """24-hex ids that grow with creation order (as Clever's ObjectIDs do)."""

    def __init__(self, prefix: str, start: int = 1) -> None:
        self.prefix = prefix
        self.n = start

    def __call__(self) -> str:
        self.n += 1
        return f"{self.prefix}{self.n:0{24 - len(self.prefix)}x}"


_FIRST = ["Ana", "Ben", "Chloé", "Dmitri", "Emeka", "Fatima", "Gus", "Hana", "Iker", "Jun"]
_LAST = ["Ng", "Okafor", "Smith", "García", "Kowalski", "Nguyen", "O'Brien", "Zhang"]
_GRADES = ["Kindergarten", "1", "2", "3", "4", "5", "6", "7", "8"]
_SUBJECTS = ["math", "science", "english/language arts", "social studies", "homeroom/advisory"]


def _ts(rng: random.Random) -> str:
    return f"2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T0{rng.randint(0, 9)}:1{rng.randint(0, 9)}:00.{rng.randint(100, 999)}Z"


def make_district(seed: int = 0, *, schools: int = 3, teachers: int = 8, students: int = 40,
                  sections: int = 12) -> dict[str, list[dict[str, Any]]]:
    """A small district as the API serves it: kind → records sorted by id.

    Has multi-school students and teachers, a multi-role user (teacher +
    staff), a district admin, contacts with relationships, a section with
    ``course: null``, sections with co-teachers, non-ASCII names and ``ext``.
    """
    rng = random.Random(seed)
    new_id = _Ids("5f")
    did = new_id()
    district = {"id": did, "name": f"Fake Unified {seed}", "sis_type": "sftp",
                "state": "success", "launch_date": "2021-03-10",
                "portal_url": "https://clever.com/in/fake", "login_methods": ["Clever Badges",
                                                                              "Google"],
                "district_contact": {"id": "dc1", "district": did, "title": "IT",
                                     "name": {"first": "Dana", "last": "Admin"}}}
    school_recs = []
    for i in range(schools):
        school_recs.append({
            "id": new_id(), "district": did, "name": f"School {i} Élémentaire",
            "school_number": str(100 + i), "sis_id": f"S{i}", "low_grade": "Kindergarten",
            "high_grade": "8", "location": {"address": f"{i} Main St", "city": "Town",
                                            "zip": f"0{i}123"},
            "principal": {"name": "P. Rincipal", "email": f"p{i}@example.org"},
            "created": _ts(rng), "last_modified": _ts(rng), "ext": {"region": i % 2}})
    sids = [s["id"] for s in school_recs]
    terms = [{"id": new_id(), "district": did, "name": n, "start_date": a, "end_date": b}
             for n, a, b in (("Fall", "2024-08-15", "2024-12-20"),
                             ("Spring", "2025-01-06", "2025-06-10"))]
    courses = [{"id": new_id(), "district": did, "name": f"Course {i}", "number": f"C{i:03d}"}
               for i in range(max(2, sections // 3))]
    users: list[dict[str, Any]] = []

    def person(n: int) -> dict[str, Any]:
        return {"first": _FIRST[n % len(_FIRST)], "middle": "Q", "last": _LAST[n % len(_LAST)]}

    teacher_ids = []
    for i in range(teachers):
        home = rng.choice(sids)
        others = sorted({home, *rng.sample(sids, rng.randint(0, 1))})
        u = {"id": new_id(), "district": did, "email": f"t{i}@example.org", "name": person(i),
             "created": _ts(rng), "last_modified": _ts(rng),
             "roles": {"teacher": {"school": home, "schools": others, "sis_id": f"T{i}",
                                   "legacy_id": f"legacy-t{i}", "teacher_number": f"{i}",
                                   "credentials": {"district_username": f"teach{i}"}}}}
        if i == 0:  # multi-role: teacher + staff
            u["roles"]["staff"] = {"schools": sids[:2], "staff_id": "ST0", "title": "Coach",
                                   "roles": ["Coach"]}
        users.append(u)
        teacher_ids.append(u["id"])
    student_ids = []
    for i in range(students):
        home = rng.choice(sids)
        schs = sorted({home} | ({rng.choice(sids)} if i % 7 == 0 else set()))
        u = {"id": new_id(), "district": did, "name": person(i + 3),
             "created": _ts(rng), "last_modified": _ts(rng),
             "roles": {"student": {"school": home, "schools": schs, "sis_id": f"ST{i}",
                                   "student_number": f"{1000 + i}", "grade": rng.choice(_GRADES),
                                   "dob": f"{rng.randint(1, 12)}/{rng.randint(1, 28)}/2012",
                                   "gender": rng.choice(["M", "F", "X", ""]),
                                   "ell_status": rng.choice(["Y", "N"]), "enrollments": [],
                                   "credentials": {"district_username": f"stu{i}"},
                                   "ext": {}}}}
        if i % 5 == 0:
            u["email"] = f"s{i}@example.org"
        users.append(u)
        student_ids.append(u["id"])
    for i in range(max(2, students // 8)):
        kids = rng.sample(student_ids, rng.randint(1, 2))
        users.append({"id": new_id(), "district": did, "name": {"last": f"Parent Of {i}"},
                      "created": _ts(rng), "last_modified": _ts(rng),
                      "roles": {"contact": {"phone": f"555-01{i:02d}", "phone_type": "Cell",
                                            "student_relationships": [
                                                {"student": k, "relationship": "Parent",
                                                 "type": "Parent/Guardian"} for k in kids]}}})
    users.append({"id": new_id(), "district": did, "email": "admin@example.org",
                  "name": {"first": "Dana", "last": "Admin"}, "created": _ts(rng),
                  "last_modified": _ts(rng),
                  "roles": {"district_admin": {"legacy_id": "dc1", "title": "IT"}}})
    section_recs = []
    for i in range(sections):
        school = sids[i % len(sids)]
        tids = [teacher_ids[i % len(teacher_ids)]]
        if i % 4 == 1:
            tids.append(teacher_ids[(i + 3) % len(teacher_ids)])
        course = courses[i % len(courses)]["id"] if i != 2 else None
        section_recs.append({
            "id": new_id(), "district": did, "school": school, "course": course,
            "term_id": terms[i % 2]["id"], "teacher": tids[0], "teachers": tids,
            "students": sorted(rng.sample(student_ids, rng.randint(3, 9))),
            "name": f"Section {i} — period {i % 6}", "sis_id": f"SEC{i}", "section_number": "",
            "period": str(i % 6), "grade": rng.choice(_GRADES), "subject": rng.choice(_SUBJECTS),
            "created": _ts(rng), "last_modified": _ts(rng),
            **({"ext": {"room": f"R{i}"}} if i % 3 == 0 else {})})
    out = {"districts": [district], "schools": school_recs, "terms": terms, "courses": courses,
           "sections": section_recs, "users": users}
    return {k: sorted(v, key=lambda r: r["id"]) for k, v in out.items()}


def make_changes(district: dict[str, list[dict[str, Any]]], seed: int = 1, *,
                 event_ids: _Ids | None = None,
                 ) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Events (as ``/events`` envelope items, oldest first) and the state after them.

    The stream mixes full-object updates (including a removed role and a
    removed optional field), partial updates carrying only the changed fields
    (the documented quirk), creations, deletions, an update followed by a
    deletion, a record created and deleted within the stream, and an ignored
    ``resources.created``. The final state is computed here by direct edits,
    not by replaying the events.
    """
    rng = random.Random(seed)
    state = {k: {r["id"]: copy.deepcopy(r) for r in v} for k, v in district.items()}
    max_id = max(rid for recs in state.values() for rid in recs)
    new_id = _Ids("5f", int(max_id[2:], 16) + 100)  # noqa: FURB166 - drops the id's "5f", not "0x"
    eids = event_ids or _Ids("6e")
    events: list[dict[str, Any]] = []

    def emit(kind: str, action: str, obj: dict[str, Any],
             prev: dict[str, Any] | None = None) -> None:
        eid = eids()
        body: dict[str, Any] = {"object": copy.deepcopy(obj)}
        if prev is not None:
            body["previous_attributes"] = copy.deepcopy(prev)
        events.append({"data": {"id": eid, "type": f"{kind}.{action}",
                                "created": "2025-02-01T10:00:00.000Z", "data": body},
                       "uri": f"/v3.0/events/{eid}"})

    def full_update(kind: str, rid: str, change: Callable[[dict[str, Any]], None]) -> None:
        old = state[kind][rid]
        new = copy.deepcopy(old)
        change(new)
        new_last = "2025-02-01T10:00:00.000Z"
        if "last_modified" in new:
            new["last_modified"] = new_last
        prev = {k: old.get(k) for k in set(old) | set(new) if old.get(k) != new.get(k)}
        state[kind][rid] = new
        emit(kind, "updated", new, prev)

    def partial_update(kind: str, rid: str, fields: dict[str, Any]) -> None:
        old = state[kind][rid]
        new = copy.deepcopy(old)
        new.update(copy.deepcopy(fields))
        state[kind][rid] = new
        obj = {"id": rid, **({"district": old["district"]} if "district" in old else {}),
               **fields}
        emit(kind, "updated", obj, {k: old.get(k) for k in fields})

    users = sorted(state["users"])
    students = [u for u in users if "student" in state["users"][u]["roles"]]
    teachers = [u for u in users if "teacher" in state["users"][u]["roles"]]
    sections = sorted(state["sections"])
    schools = sorted(state["schools"])

    # schools: a full update renaming one; a partial update of a phone number
    full_update("schools", schools[0], lambda r: r.update(name="Renamed School"))
    partial_update("schools", schools[1], {"phone": "555-0199"})
    # terms: a partial update of the end date
    term = min(state["terms"])
    partial_update("terms", term, {"end_date": "2024-12-22"})
    # a student changes grade (full object) and drops an optional field
    s0 = students[0]

    def regrade(r: dict[str, Any]) -> None:
        r["roles"]["student"]["grade"] = "9"
        r["roles"]["student"].pop("dob", None)
    full_update("users", s0, regrade)
    # the quirk: a partial users.updated with nested roles only partly given
    s1 = students[1]
    old_roles = copy.deepcopy(state["users"][s1]["roles"])
    state["users"][s1]["roles"]["student"]["ell_status"] = "Y" if old_roles["student"].get(
        "ell_status") == "N" else "N"
    emit("users", "updated", {"id": s1, "district": state["users"][s1]["district"],
                              "roles": {"student": {"ell_status": state["users"][s1]["roles"][
                                  "student"]["ell_status"]}}},
         {"roles": {"student": {"ell_status": old_roles["student"].get("ell_status")}}})
    # the multi-role teacher loses the staff role (full object), or one gains it
    multi = [u for u in teachers if "staff" in state["users"][u]["roles"]]
    if multi:
        full_update("users", multi[0], lambda r: r["roles"].pop("staff"))
    else:
        full_update("users", teachers[0], lambda r: r["roles"].update(
            staff={"schools": [schools[0]], "staff_id": "ST9", "title": "Dean"}))
    # a new student, enrolled in a section
    did = min(state["districts"])
    new_student = {"id": new_id(), "district": did, "name": {"first": "Nova", "last": "Ng"},
                   "created": "2025-02-01T10:00:00.000Z",
                   "last_modified": "2025-02-01T10:00:00.000Z",
                   "roles": {"student": {"school": schools[0], "schools": [schools[0]],
                                         "sis_id": "NEW1", "grade": "3"}}}
    state["users"][new_student["id"]] = new_student
    emit("users", "created", new_student)
    full_update("sections", sections[0],
                lambda r: r.update(students=sorted([*r["students"], new_student["id"]])))
    # a new section with a new course
    course = {"id": new_id(), "district": did, "name": "Robotics", "number": "R101"}
    state["courses"][course["id"]] = course
    emit("courses", "created", course)
    sec = {"id": new_id(), "district": did, "school": schools[-1], "course": course["id"],
           "term_id": term, "teacher": teachers[1], "teachers": [teachers[1]],
           "students": students[2:5], "name": "Robotics — 1", "sis_id": "NEWSEC",
           "section_number": "", "period": "1", "subject": "other",
           "created": "2025-02-01T10:00:00.000Z", "last_modified": "2025-02-01T10:00:00.000Z"}
    state["sections"][sec["id"]] = sec
    emit("sections", "created", sec)
    emit("resources", "created", {"id": new_id(), "district": did, "title": "Ignored"})
    # a section partially updated (co-teacher added), then another deleted after an update
    partial_update("sections", sections[1], {"teachers": [state["sections"][sections[1]][
        "teacher"], teachers[2]]})
    gone = sections[-1]
    full_update("sections", gone, lambda r: r.update(period="9"))
    emit("sections", "deleted", state["sections"].pop(gone))
    # a user created then deleted inside the stream
    temp = {"id": new_id(), "district": did, "name": {"last": "Temp"},
            "created": "2025-02-01T10:00:00.000Z", "last_modified": "2025-02-01T10:00:00.000Z",
            "roles": {"staff": {"schools": [schools[0]], "staff_id": "TMP"}}}
    emit("users", "created", temp)
    emit("users", "deleted", temp)
    # a contact deleted
    contact = next(u for u in users if "contact" in state["users"][u]["roles"])
    emit("users", "deleted", state["users"].pop(contact))
    # random further full updates of student names
    for u in rng.sample(students[5:], 3):
        full_update("users", u, lambda r: r["name"].update(middle="Z"))
    final = {k: sorted(v.values(), key=lambda r: r["id"]) for k, v in state.items()}
    return events, final


# --- the server ----------------------------------------------------------------------------


class FakeClever:
    """A fake Clever v3.0 API serving ``district`` on 127.0.0.1.

    Parameters
    ----------
    district:
        kind → records (as :func:`make_district` returns).
    token:
        The only bearer token accepted.
    clock:
        The time source for ``X-Ratelimit-Reset`` (share the client's fake clock).
    default_limit:
        Page size when the request gives no ``limit``.
    trailing_empty_page:
        Give the last page a ``next`` link to an empty page (the client must stop).
    """

    def __init__(self, district: dict[str, list[dict[str, Any]]], *, token: str,
                 clock: Callable[[], float] = time.time, default_limit: int = 100,
                 trailing_empty_page: bool = False, reset_in: float = 7.0,
                 retry_after: float = 3.0, events: list[dict[str, Any]] | None = None) -> None:
        self.state = {k: list(v) for k, v in district.items()}
        self.events: list[dict[str, Any]] = list(events or [])
        self.token = token
        self.clock = clock
        self.default_limit = default_limit
        self.trailing_empty_page = trailing_empty_page
        self.reset_in = reset_in
        self.retry_after = retry_after
        self.faults: list[list[Any]] = []  # [fault, path substring, remaining]
        self.big_body = 4 * 1024 * 1024
        self.drip_delay = 0.05
        self.fail_after: int | None = None
        self.served = 0
        self.log: list[dict[str, Any]] = []
        self.auth_headers: list[str] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

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
            disable_nagle_algorithm = True  # headers and body go in two writes

            def log_message(self, fmt: str, *args: Any) -> None:  # quiet
                pass

            def date_time_string(self, timestamp: float | None = None) -> str:
                return email.utils.formatdate(server.clock() if timestamp is None
                                              else timestamp, usegmt=True)

            def do_GET(self) -> None:
                server._handle(self)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/v3.0``."""
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v3.0"

    # control
    def inject(self, fault: str, times: int = 1, path: str = "") -> None:
        """Give the next ``times`` requests whose path contains ``path`` this fault."""
        with self._lock:
            self.faults.append([fault, path, times])

    def advance(self, events: list[dict[str, Any]],
                state: dict[str, list[dict[str, Any]]]) -> None:
        """Append events to the feed and serve ``state`` from now on."""
        with self._lock:
            self.events.extend(events)
            self.state = {k: list(v) for k, v in state.items()}

    def statuses(self, path: str = "") -> list[int | str]:
        """Statuses (or fault names) of the logged requests whose path contains ``path``."""
        return [e["status"] for e in self.log if path in e["path"]]

    # serving
    def _take_fault(self, path: str) -> str | None:
        with self._lock:
            for f in self.faults:
                if f[2] > 0 and f[1] in path:
                    f[2] -= 1
                    return f[0]
        return None

    def _send(self, h: BaseHTTPRequestHandler, status: int, body: bytes,
              headers: dict[str, str] | None = None, *, content_length: int | None = None
              ) -> None:
        h.send_response(status)
        h.send_header("Content-Type", "application/json; charset=utf-8")
        h.send_header("Content-Length", str(len(body) if content_length is None
                                            else content_length))
        h.send_header("X-Ratelimit-Bucket", "bearer")
        h.send_header("X-Ratelimit-Limit", "1200")
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)
        h.wfile.flush()

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        path, query = parts.path, parse_qs(parts.query)
        auth = h.headers.get("Authorization", "")
        entry: dict[str, Any] = {"path": path, "query": parts.query, "t": self.clock()}
        with self._lock:
            self.log.append(entry)
            self.auth_headers.append(auth)
        fault = self._take_fault(path)
        entry["status"] = fault or 0
        reset = str(int(self.clock() + self.reset_in))
        if fault == "drop":
            h.close_connection = True
            return
        if fault == "truncate":
            body = json.dumps({"data": [], "links": []}).encode() * 3
            self._send(h, 200, body[: len(body) // 3], content_length=len(body))
            h.close_connection = True
            return
        if fault == "429":
            self._send(h, 429, b'{"message": "rate limit exceeded"}',
                       {"X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": reset})
            return
        if fault == "429-retry-after":
            self._send(h, 429, b'{"message": "rate limit exceeded"}',
                       {"Retry-After": str(int(self.retry_after)),
                        "X-Ratelimit-Remaining": "0",
                        "X-Ratelimit-Reset": str(int(self.clock() + 3600))})
            return
        if fault in ("500", "502", "503", "401"):
            self._send(h, int(fault), json.dumps({"message": f"injected {fault}"}).encode())
            return
        if fault == "echo400long":
            self._send(h, 400, json.dumps({"message": "x" * 190 + f" {auth} end"}).encode())
            return
        if fault == "bigbody":
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(self.big_body))
            h.end_headers()
            block = b" " * 65536
            try:
                for _ in range(self.big_body // len(block)):
                    h.wfile.write(block)
            except OSError:  # the client stopped reading: expected
                pass
            h.close_connection = True
            return
        if fault == "echo400":
            self._send(h, 400, json.dumps({"message": f"bad request with {auth}"}).encode())
            return
        if fault == "badjson":
            self._send(h, 200, b'{"data": [{"data": {"id": "x"')
            return
        if fault == "notenvelope":
            self._send(h, 200, b'{"ok": true}')
            return
        if auth != f"Bearer {self.token}":
            entry["status"] = 401
            self._send(h, 401, b'{"message": "invalid token"}')
            return
        if self.fail_after is not None and self.served >= self.fail_after:
            entry["status"] = 500
            self._send(h, 500, b'{"message": "down"}')
            return
        segs = path.strip("/").split("/")
        if len(segs) != 2 or segs[0] != "v3.0" or segs[1] not in (*KINDS, "events"):
            entry["status"] = 404
            self._send(h, 404, b'{"message": "not found"}')
            return
        resource = segs[1]
        try:
            limit = int(query.get("limit", [self.default_limit])[0])
        except ValueError:
            limit = -1
        if limit > 10_000 or limit < 1:
            entry["status"] = 413 if limit > 10_000 else 400
            self._send(h, entry["status"], b'{"message": "bad limit"}')
            return
        with self._lock:
            if resource == "events":
                items = [(e["data"]["id"], e) for e in self.events]
            else:
                items = [(r["id"], {"data": r, "uri": f"/v3.0/{resource}/{r['id']}"})
                         for r in self.state.get(resource, [])]
        items.sort(key=lambda t: t[0])
        after = query.get("starting_after", [None])[0]
        if after:
            items = [t for t in items if t[0] > after]
        before = query.get("ending_before", [None])[0]
        if before:
            items = [t for t in items if t[0] < before]
        page = items[:limit]
        links = [{"rel": "self", "uri": f"/v3.0/{resource}?{parts.query}"}]
        more = len(items) > limit
        if page and (more or self.trailing_empty_page):
            links.append({"rel": "next",
                          "uri": f"/v3.0/{resource}?limit={limit}&starting_after={page[-1][0]}"})
        if fault == "selfnext":
            links = [{"rel": "next", "uri": h.path}]
        elif fault == "repeatcursor" and after:
            links = [{"rel": "next", "uri": f"/v3.0/{resource}?starting_after={after}"
                                            f"&limit={limit}"}]
        elif fault == "ctrlnext":
            links = [{"rel": "next", "uri": f"/v3.0/{resource}?limit={limit}&starting_after="
                                            f"{page[-1][0] if page else ''}\x01x"}]
        data = [t[1] for t in page]
        if fault == "baditems" and data:  # two items that are no envelope item with a record
            data = [data[0], "not an item", {"data": {"name": "no id"}}, *data[1:]]
        if fault == "surrogate" and data:
            data = [copy.deepcopy(data[0]), *data[1:]]
            data[0]["data" if "data" in data[0] else "x"]["name"] = "SURROGATE"
        body = json.dumps({"data": data, "links": links}, ensure_ascii=False).encode()
        if fault == "surrogate":
            body = body.replace(b'"SURROGATE"', b'"a\\ud800b"')
        with self._lock:
            self.served += 1
            remaining = max(0, 1200 - self.served)
        entry["status"] = 200
        if fault == "spent":
            remaining = 0
        if fault == "drip":
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            try:
                for i in range(len(body)):
                    h.wfile.write(body[i:i + 1])
                    h.wfile.flush()
                    time.sleep(self.drip_delay)
            except OSError:  # the client gave up: expected
                pass
            h.close_connection = True
            return
        self._send(h, 200, body, {"X-Ratelimit-Remaining": str(remaining),
                                  "X-Ratelimit-Reset": reset})


class FakeClock:
    """A clock whose ``sleep`` advances time instantly and records each wait."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def time(self) -> float:
        """The current fake time (epoch seconds)."""
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        """Advance the clock by ``seconds`` without waiting."""
        with self._lock:
            self.sleeps.append(seconds)
            self.now += max(0.0, seconds)
