"""Clever v3.0 events: apply them to a Roster in memory or to a dump folder.

An event (``GET /v3.0/events``) looks like::

    {"data": {"id": "<event id>", "type": "sections.updated", "created": "...",
              "data": {"object": {...}, "previous_attributes": {...}}},
     "uri": "/v3.0/events/<id>"}

Event types ``{districts,schools,terms,courses,sections,users}.{created,
updated,deleted}`` change records; every other type (``resources.*``, the
v2.1 ``students.*``/``teachers.*``...) is counted as ignored.

How each action is applied:

- ``created`` — the object becomes the record (replacing one with that id).
- ``deleted`` — the record is removed (a missing record is not an error).
- ``updated`` — a *complete* object (one with every field Clever guarantees
  for its kind, see :data:`COMPLETE_FIELDS`) replaces the record, so fields
  and roles the district removed disappear. A *partial* object (real
  payloads have carried only ``{id, district, ell_status}``) is merged onto
  the stored record as a JSON Merge Patch (RFC 7386): nested objects merge
  key by key, arrays and strings replace, ``null`` removes a key. An update
  of a record that is not stored is applied as if it were created.

``previous_attributes`` (the old values of the changed fields) does not
change the result; :func:`apply_event_records` returns it in the audit
entries that ``sync_dump`` appends to ``events.audit.jsonl``.

Applying the same events twice gives the same state (Clever asks for
idempotent processing), which is what makes a re-run after a crash safe.

Examples
--------
>>> import rostergraph
>>> roster = rostergraph.sample()
>>> school = next(iter(roster.schools.values()))
>>> event = {"id": "e1", "type": "schools.updated",
...          "data": {"object": {"id": school.id, "name": "Renamed"},
...                   "previous_attributes": {"name": school.name}}}
>>> apply_events(roster, [event]).schools[school.id].name
'Renamed'
"""

from __future__ import annotations

import copy
import datetime as _dt
import os
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs
import orjson

from ..errors import FormatError, LimitError, SourceError
from ..io.credentials import raw_without_credentials
from ..io.limits import DEFAULT_LIMITS, Limits, check_value_depth, gunzip_bounded
from ..model import KINDS, RECORD_CLASSES, record_from_dict, record_to_dict
from ..roster import Problem, Roster
from ..safety import json_dumps, open_nofollow, read_regular_file
from .api import CleverClient
from .dump import (
    _now,
    atomic_write,
    check_base_url,
    dump_line,
    folder_lock,
    load_line,
    read_manifest,
    resource_path,
    write_manifest,
)

__all__ = [
    "AUDIT_LOG",
    "COMPLETE_FIELDS",
    "EVENT_RETENTION_DAYS",
    "V2_KINDS",
    "SyncResult",
    "apply_event_records",
    "apply_events",
    "event_list",
    "merge_patch",
    "sync_dump",
]

#: The audit log of a dump folder (one JSON object per applied event).
AUDIT_LOG = "events.audit.jsonl"
#: How long Clever keeps events (its events documentation).
EVENT_RETENTION_DAYS = 30

#: Fields whose presence makes an ``updated`` object complete (Clever guarantees
#: them on full records of the kind); an object lacking any is merged, not swapped.
COMPLETE_FIELDS: dict[str, frozenset[str]] = {
    "districts": frozenset({"id", "name"}),
    "schools": frozenset({"id", "district", "name", "created", "last_modified"}),
    "terms": frozenset({"id", "district", "name"}),
    "courses": frozenset({"id", "district", "name"}),
    "sections": frozenset({"id", "district", "school", "students", "teachers",
                           "created", "last_modified"}),
    "users": frozenset({"id", "district", "roles", "created", "last_modified"}),
}

_ACTIONS = ("created", "updated", "deleted")
#: Audit actions of events that changed no record.
_NOT_APPLIED = ("ignored", "duplicate")

#: Record kinds of Clever's v1.x/v2.x events (v3.0 has ``users`` instead): such an event
#: cannot be applied to a v3 roster, which ``apply_events`` tells as a problem.
V2_KINDS = frozenset({"students", "teachers", "contacts", "student_contacts", "staff",
                      "district_admins", "school_admins"})


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON Merge Patch: ``patch`` applied to ``target`` (neither is changed).

    Examples
    --------
    >>> merge_patch({"a": 1, "n": {"x": 1, "y": 2}, "l": [1]},
    ...             {"n": {"y": 3}, "l": [2], "a": None})
    {'n': {'x': 1, 'y': 3}, 'l': [2]}
    """
    if not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def _parts(item: Any, n: int) -> tuple[str | None, str, Any, Any, str | None]:
    """``(event id, type, object, previous_attributes, created)`` of an event or envelope item
    (``n``: its 1-based position in the list, named when the event has no usable id)."""
    if not isinstance(item, Mapping):
        raise FormatError(f"event {n} of the list must be a JSON object, not "
                          f"{type(item).__name__}")
    ev = item
    if "type" not in ev and isinstance(ev.get("data"), Mapping) and "type" in ev["data"]:
        ev = ev["data"]  # an envelope item {"data": {...event...}, "uri": ...}
    etype = ev.get("type")
    if not isinstance(etype, str):
        raise FormatError(f"event {n} of the list has no string 'type'",
                          record_id=_sid(ev.get("id")))
    body = ev.get("data")
    obj = body.get("object") if isinstance(body, Mapping) else None
    prev = body.get("previous_attributes") if isinstance(body, Mapping) else None
    if prev is None:  # the swagger puts it next to "data"
        prev = ev.get("previous_attributes")
    return _sid(ev.get("id")), etype, obj, prev, _sid(ev.get("created"))


def _sid(v: Any) -> str | None:
    return v if isinstance(v, str) else None


def event_list(events: Any) -> Iterable[Any]:
    """The events to apply: ``events`` itself, or the items of a saved ``/events`` page
    (``{"data": [...], "links": [...]}``, Clever's list envelope). A path, JSON text or a
    single event is a :class:`TypeError` saying what to pass (iterating it gave
    characters or keys, each "not a JSON object").

    Examples
    --------
    >>> event_list({"data": [{"type": "terms.deleted"}], "links": []})
    [{'type': 'terms.deleted'}]
    """
    if isinstance(events, (str, bytes, os.PathLike)):
        raise TypeError(f"events must be a list of events, not {type(events).__name__}: "
                        "read the file first (orjson.loads(path.read_bytes())), then pass "
                        "the list or the saved /events page")
    if isinstance(events, Mapping):
        if isinstance(events.get("data"), list):
            return events["data"]  # type: ignore[no-any-return]
        raise TypeError("events must be a list of events (or a saved /events page, "
                        "{\"data\": [...]}), not one event or another object: wrap a "
                        "single event in a list")
    return events  # type: ignore[no-any-return]


def apply_event_records(store: dict[str, dict[str, dict[str, Any]]],
                        events: Iterable[Any], *,
                        seen: set[str] | None = None) -> list[dict[str, Any]]:
    """Apply events, in order, to plain JSON records; return the audit entries.

    Parameters
    ----------
    store:
        ``kind → {id → record dict}``; changed **in place** (records are
        replaced, never mutated).
    events:
        Events or envelope items, oldest first.
    seen:
        Ids of events already applied (updated in place); an event whose id is
        in it is not applied again (action ``duplicate``). A set of its own is
        used when not given, so a stream is deduplicated within one call.

    Returns
    -------
    list of dict
        One entry per event: ``event``, ``type``, ``created``, ``kind``,
        ``record``, ``action`` (``created``, ``created_partial``, ``replaced``,
        ``merged``, ``deleted``, ``absent``, ``duplicate``, ``ignored``) and
        ``previous_attributes`` (``None`` with a ``note`` when it nests deeper
        than ``Limits.max_json_depth``: the audit log stays writable and the
        sync goes on). ``created_partial`` (an update with a partial object of
        a record not stored: the record has only the fields sent) and an
        ignored v1.x/v2.x record event (:data:`V2_KINDS`) carry a ``note``.

    Raises
    ------
    FormatError
        An event that is not an object, has no type, or whose object has no
        string id.

    Examples
    --------
    >>> store = {"terms": {"t1": {"id": "t1", "district": "d", "name": "Fall"}}}
    >>> audit = apply_event_records(store, [
    ...     {"id": "e1", "type": "terms.updated", "data": {"object": {"id": "t1", "end_date": "2025-01-10"},
    ...      "previous_attributes": {"end_date": "2024-12-20"}}},
    ...     {"id": "e2", "type": "resources.created", "data": {"object": {"id": "r1"}}}])
    >>> store["terms"]["t1"]["end_date"], [a["action"] for a in audit]
    ('2025-01-10', ['merged', 'ignored'])
    """
    audit: list[dict[str, Any]] = []
    seen = set() if seen is None else seen
    for n, item in enumerate(event_list(events), start=1):
        eid, etype, obj, prev, created = _parts(item, n)
        kind, _, action = etype.rpartition(".")
        entry: dict[str, Any] = {"event": eid, "type": etype, "created": created,
                                 "kind": kind, "record": None, "action": "ignored"}
        if kind not in KINDS or action not in _ACTIONS:
            if kind in V2_KINDS:
                entry["note"] = _V2_NOTE
            audit.append(entry)
            continue
        if not isinstance(obj, Mapping) or not isinstance(obj.get("id"), str):
            raise FormatError(f"a {etype} event whose data.object has no string id",
                              record_id=eid)
        check_value_depth(obj, record_id=eid)  # deepcopy/merge_patch below recurse
        rid = obj["id"]
        entry["record"] = rid
        if eid is not None:
            # a copy served again (a moved page boundary) must not undo later events
            if eid in seen:
                entry["action"] = "duplicate"
                audit.append(entry)
                continue
            seen.add(eid)
        table = store.setdefault(kind, {})
        old = table.get(rid)
        if action == "deleted":
            entry["action"] = "deleted" if table.pop(rid, None) is not None else "absent"
        elif action == "created" or old is None:
            table[rid] = copy.deepcopy(dict(obj))
            entry["action"] = "created"
            if action == "updated" and not COMPLETE_FIELDS[kind] <= obj.keys():
                # the create was missed: the record holds only what the update sent
                entry["action"] = "created_partial"
                entry["note"] = ("a partial update of a record not held: it has only the "
                                 "fields sent until the next full fetch")
        elif COMPLETE_FIELDS[kind] <= obj.keys():
            table[rid] = copy.deepcopy(dict(obj))
            entry["action"] = "replaced"
        else:
            table[rid] = merge_patch(old, obj)
            entry["action"] = "merged"
        if prev is not None:
            try:  # kept for the audit log, which must stay writable: bounded like records
                check_value_depth(prev, record_id=eid)
                entry["previous_attributes"] = prev
            except LimitError as exc:
                entry["previous_attributes"] = None
                entry["note"] = f"previous_attributes not kept: {exc.message}"
        audit.append(entry)
    return audit


_V2_NOTE = ("a Clever v1.x/v2.x event type, not applied: rostergraph applies v3.0 events "
            "(users.*)")


def apply_events(roster: Roster, events: Iterable[Any]) -> Roster:
    """A new Roster with Clever events applied in order (``roster`` is unchanged).

    See the module docstring for how ``created``, ``updated`` (complete or
    partial objects) and ``deleted`` are applied.

    Parameters
    ----------
    roster:
        The roster before the events.
    events:
        Events or ``/events`` envelope items, oldest first, or a saved ``/events`` page
        (``{"data": [...]}``).

    Returns
    -------
    Roster
        The roster after the events. Changed records are rebuilt with
        :func:`~rostergraph.model.record_from_dict`; fields of the wrong type
        become ``bad_field`` problems, as when loading (the roster's own
        ``bad_field`` problems of a record the events touched are dropped: the
        record is judged again as it now is). An event applied
        only in part (``created_partial``) or not at all (a v1.x/v2.x record
        type) is an ``other`` problem naming the event id and type. A
        provenance note says how many events were applied.

    Raises
    ------
    FormatError
        A malformed event (see :func:`apply_event_records`).
    TypeError
        ``events`` is a path, text or a single event, not a list of events.

    Examples
    --------
    >>> import rostergraph
    >>> roster = rostergraph.sample()
    >>> sec = next(iter(roster.sections.values()))
    >>> after = apply_events(roster, [{"type": "sections.deleted", "data": {"object": {"id": sec.id}}}])
    >>> sec.id in after.sections, sec.id in roster.sections
    (False, True)
    """
    events = list(event_list(events))
    touched: dict[str, set[str]] = {}
    for n, item in enumerate(events, start=1):
        _, etype, obj, _, _ = _parts(item, n)
        kind = etype.rpartition(".")[0]
        if kind in KINDS and isinstance(obj, Mapping) and isinstance(obj.get("id"), str):
            touched.setdefault(kind, set()).add(obj["id"])
    store: dict[str, dict[str, dict[str, Any]]] = {
        kind: {rid: record_to_dict(roster.records(kind)[rid])
               for rid in ids if rid in roster.records(kind)}
        for kind, ids in touched.items()}
    audit = apply_event_records(store, events)
    changes: dict[str, Any] = {}
    # a bad_field problem describes a record's values: one the events touched is
    # rebuilt below and told again if still bad (so a re-run does not repeat it)
    problems = [p for p in roster.problems
                if not (p.code == "bad_field" and p.record_id in touched.get(p.kind or "", ()))]
    for a in audit:
        if a["action"] in ("created_partial", "ignored") and "note" in a:
            problems.append(Problem(
                code="other", kind=a["kind"] if a["kind"] in KINDS else None,
                record_id=a["record"],
                message=f"event {a['event'] or '(no id)'} ({a['type']}): {a['note']}"))
    for kind, ids in touched.items():
        table = dict(roster.records(kind))
        cls = RECORD_CLASSES[kind]
        for rid in sorted(ids):
            data = store[kind].get(rid)
            if data is None:
                table.pop(rid, None)
                continue
            rec, bad = record_from_dict(cls, data)
            table[rid] = rec
            for field, message, value in bad:
                problems.append(Problem(code="bad_field", message=message, kind=kind,
                                        record_id=rid, field=field,
                                        raw=raw_without_credentials(json_dumps(value))))
        changes[kind] = table
    applied = sum(1 for a in audit if a["action"] not in _NOT_APPLIED)
    dup = sum(1 for a in audit if a["action"] == "duplicate")
    prov = attrs.evolve(roster.provenance, notes=roster.provenance.notes + (
        f"applied {applied} events ({len(audit) - applied - dup} ignored"
        + (f", {dup} duplicates" if dup else "") + ")",))
    return roster.replace(**changes, problems=problems, provenance=prov)


# --- sync of a dump folder -------------------------------------------------------------


@attrs.frozen(slots=True)
class SyncResult:
    """What a sync did."""

    path: str
    events: int
    actions: dict[str, int]
    last_event_id: str | None
    requests: int
    retries: int
    seconds: float

    def summary(self) -> str:
        """One line for people."""
        acts = ", ".join(f"{n} {a}" for a, n in sorted(self.actions.items())) or "no changes"
        return (f"synced {self.path}: {self.events} events ({acts}); last event "
                f"{self.last_event_id or '-'}; {self.requests} requests, {self.retries} "
                f"retries in {self.seconds:.1f} s")


def _read_kind(folder: Path, kind: str, manifest: dict[str, Any],
               limits: Limits = DEFAULT_LIMITS) -> dict[str, dict[str, Any]]:
    """``id → record`` of one resource file of a dump (empty when the file is absent).

    The file must be a regular file, not a link (it is rewritten in place).
    """
    path = resource_path(folder, kind, manifest)
    table: dict[str, dict[str, Any]] = {}
    if not os.path.lexists(path):
        return table
    try:
        data = read_regular_file(path)
    except FileNotFoundError:
        return table
    data = gunzip_bounded(data, limits, path=str(path))
    for n, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            rec = load_line(line)
        except orjson.JSONDecodeError as exc:
            raise FormatError(f"not valid JSON: {exc.msg}", path=str(path), line=n) from None
        if not isinstance(rec, dict) or not isinstance(rec.get("id"), str):
            raise FormatError("expected a record with a string id", path=str(path), line=n)
        table[rec["id"]] = rec
    return table


def _encode_kind(folder: Path, kind: str, table: dict[str, dict[str, Any]],
                 manifest: dict[str, Any]) -> tuple[Path, bytes]:
    """The path and the new bytes of one resource file (nothing is written)."""
    import gzip

    path = resource_path(folder, kind, manifest)
    try:
        data = b"".join(dump_line(table[rid]) for rid in sorted(table))
    except FormatError as exc:
        raise FormatError(f"cannot write the {kind} records: {exc.message}", path=str(path),
                          record_id=exc.record_id) from None
    if path.name.endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    return path, data


def _write_kind(path: Path, data: bytes) -> None:
    """Replace one resource file of the dump (atomically; a link there is refused)."""
    atomic_write(path, data)


def _audit_lines(audit: list[dict[str, Any]]) -> bytes:
    """The audit log lines of one page; a FormatError names an event that cannot be written."""
    out = []
    for a in audit:
        try:
            out.append(dump_line(a))
        except FormatError as exc:
            raise FormatError(f"the event cannot be written to the audit log: {exc.message}",
                              record_id=a.get("event")) from None
    return b"".join(out)


def sync_dump(
    path: str | os.PathLike[str],
    *,
    client: CleverClient,
    limit: int | None = None,
    on_page: Callable[[int], None] | None = None,
    progress: bool | None = None,
    max_age_days: float = EVENT_RETENTION_DAYS,
    limits: Limits = DEFAULT_LIMITS,
) -> SyncResult:
    """Bring a dump folder up to date by applying the events after its cursor.

    Polls ``/events?starting_after=<last event id>`` page by page. For each
    page the changed resource files are rewritten atomically, the audit
    entries appended to ``events.audit.jsonl``, and only then the manifest's
    cursor advanced. A sync that dies half-way re-applies at most one page
    on the next run, which gives the same result (events are idempotent).

    Parameters
    ----------
    path:
        A complete dump written by :func:`~rostergraph.clever.dump.fetch_district`.
    client:
        A client for the same base URL.
    limit:
        Events per page (1 to 10000).
    on_page:
        Called with the page number after each page is recorded.
    progress:
        ``True`` always shows a tqdm bar of events, ``None`` (default) on a
        terminal or in a notebook (a widget), ``False`` never.
    max_age_days:
        Refuse a cursor last confirmed longer ago than this (Clever keeps
        events for 30 days; older changes would be silently missing).
    limits:
        Bounds for reading the dump's files (``max_gzip_bytes`` for a
        ``.jsonl.gz`` dump).

    Returns
    -------
    SyncResult
        Events seen, actions taken, the new cursor; ``.summary()`` is a line.

    Raises
    ------
    SourceError
        No manifest, an incomplete fetch, another base URL, a district whose
        events were not available when the dump was fetched, or a cursor
        older than ``max_age_days``.
    TokenError, ApiError, FormatError
        From the client, or a malformed event or dump file.

    Examples
    --------
    A fake API (``httpx.MockTransport``) serving the embedded sample and an
    events feed:

    >>> import httpx, tempfile, rostergraph
    >>> from rostergraph.clever import CleverClient, fetch_district
    >>> roster = rostergraph.sample()
    >>> school = next(iter(roster.schools.values()))
    >>> feed = []
    >>> def serve(request):
    ...     kind = request.url.path.rsplit("/", 1)[1]
    ...     if kind == "events":
    ...         after = request.url.params.get("starting_after")
    ...         items = [e for e in feed if after is None or e["data"]["id"] > after]
    ...     else:
    ...         items = [{"data": record_to_dict(r)} for r in roster.records(kind).values()]
    ...     return httpx.Response(200, json={"data": items, "links": []})
    >>> client = CleverClient("tok", base_url="https://clever.test/v3.0",
    ...                       transport=httpx.MockTransport(serve))
    >>> out = tempfile.mkdtemp()
    >>> _ = fetch_district(out, client=client)
    >>> feed.append({"data": {"id": "e1", "type": "schools.updated",
    ...                       "data": {"object": {"id": school.id, "name": "Renamed"}}}})
    >>> sync_dump(out, client=client).events
    1
    >>> rostergraph.load(out).schools[school.id].name
    'Renamed'
    """
    folder = Path(path)
    if read_manifest(folder) is None:
        raise SourceError("no manifest.json: not a dump written by 'rostergraph fetch'",
                          path=str(folder))
    with folder_lock(folder):
        return _sync(folder, client=client, limit=limit, on_page=on_page, progress=progress,
                     max_age_days=max_age_days, limits=limits)


def _sync(folder: Path, *, client: CleverClient, limit: int | None,
          on_page: Callable[[int], None] | None, progress: bool | None,
          max_age_days: float, limits: Limits = DEFAULT_LIMITS) -> SyncResult:
    t0 = time.perf_counter()
    manifest = read_manifest(folder)
    assert manifest is not None
    if not manifest.get("complete"):
        raise SourceError("the fetch of this dump did not finish; run 'rostergraph fetch "
                          "--resume' first", path=str(folder))
    check_base_url(manifest, client, folder)
    ev = manifest.get("events") or {}
    if not ev.get("available"):
        raise SourceError("events were not available for this district when it was "
                          "fetched; fetch again to refresh", path=str(folder))
    confirmed = ev.get("synced_at") or ev.get("recorded_at")
    if confirmed:
        try:
            age = _dt.datetime.now(_dt.UTC) - _dt.datetime.fromisoformat(confirmed)
        except (TypeError, ValueError):
            raise FormatError("the time the event cursor was last confirmed is not an "
                              "ISO time with a zone", path=str(folder / "manifest.json"),
                              field="events.synced_at") from None
        if age.total_seconds() > max_age_days * 86400:
            raise SourceError(f"the event cursor was last confirmed {age.days} days ago and "
                              f"Clever keeps events for {EVENT_RETENTION_DAYS} days, so changes "
                              "may be missing; fetch the district again into a new folder",
                              path=str(folder))
    req0, ret0 = client.stats["requests"], client.stats["retries"]
    audit_path = folder / AUDIT_LOG
    if os.path.lexists(audit_path):  # drop lines of a page whose cursor was never recorded
        with os.fdopen(open_nofollow(audit_path, os.O_RDWR), "r+b") as fh:
            fh.truncate(min(int(ev.get("audit_bytes") or 0), os.fstat(fh.fileno()).st_size))
    store: dict[str, dict[str, dict[str, Any]]] = {}  # kinds are read when events touch them
    seen: set[str] = set()  # event ids applied in this run: a page may repeat one
    actions: dict[str, int] = {}
    n_events = 0
    n_page = 0
    from tqdm.auto import tqdm

    with tqdm(desc="events", unit=" events",
              disable=(None if progress is None else not progress)) as bar:
        for page in client.pages("events", limit=limit, starting_after=ev.get("last_event_id")):
            if page.rejected:  # events apply in order: one that cannot be read stops the sync
                raise FormatError(f"item {page.rejected[0][0]} is not an envelope item with "
                                  "a record id", path=page.url)
            if not page.records:
                continue
            for item in page.records:
                kind = str(item.get("type", "")).rpartition(".")[0]
                if kind in KINDS and kind not in store:
                    store[kind] = _read_kind(folder, kind, manifest, limits)
            # everything of the page is checked and encoded first; only then is
            # anything written, so a bad event leaves the dump as it was
            staged = {k: dict(v) for k, v in store.items()}  # records are replaced, not mutated
            # a page that fails ends the run, so ``seen`` need not be staged
            try:
                audit = apply_event_records(staged, page.records, seen=seen)
            except FormatError as exc:  # (its "event N" counts within this page)
                if exc.path is None:
                    exc.path = page.url
                raise
            lines = _audit_lines(audit)
            changed = {a["kind"] for a in audit if a["action"] not in _NOT_APPLIED}
            writes = [_encode_kind(folder, kind, staged[kind], manifest)
                      for kind in KINDS if kind in changed]
            for target, data in writes:
                _write_kind(target, data)
            store = staged
            for kind in changed:
                entry = manifest["resources"].setdefault(kind, {})
                entry["count"] = len(store[kind])
                entry["file"] = resource_path(folder, kind, manifest).name
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
            with os.fdopen(open_nofollow(audit_path, flags, 0o644), "ab") as fh:
                fh.write(lines)
                fh.flush()
                os.fsync(fh.fileno())
                ev["audit_bytes"] = fh.seek(0, os.SEEK_END)
            for a in audit:
                actions[a["action"]] = actions.get(a["action"], 0) + 1
            n_events += len(audit)
            n_page += 1
            ev["last_event_id"] = page.records[-1]["id"]
            ev["applied"] = int(ev.get("applied") or 0) + len(audit)
            ev["synced_at"] = _now()
            manifest["events"] = ev
            write_manifest(folder, manifest, sync_dir=False)
            bar.update(len(audit))
            if on_page is not None:
                on_page(n_page)
    ev["synced_at"] = _now()
    manifest["events"] = ev
    write_manifest(folder, manifest)
    return SyncResult(path=str(folder), events=n_events, actions=actions,
                      last_event_id=ev.get("last_event_id"),
                      requests=client.stats["requests"] - req0,
                      retries=client.stats["retries"] - ret0,
                      seconds=round(time.perf_counter() - t0, 3))
