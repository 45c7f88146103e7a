"""Bring a OneRoster dump folder up to date with a ``dateLastModified`` delta.

For each collection the fetch recorded a mark: the newest ``dateLastModified``
among its records (the server's clock), or, when no record carried one, the
server's clock when the fetch first paged the collection (the HTTP ``Date`` of
that answer; the time the fetch started when earlier, or without one). A sync asks each
collection for
``filter=dateLastModified>='<mark>'`` and applies what comes back:

- a record with ``status`` ``tobedeleted`` removes the stored record
  (``deleted``; nothing when it is not stored: deleted before it was fetched,
  or already by an earlier sync);
- any other record replaces the stored one with the same ``sourcedId``
  (``updated``) or is added (``created``); a record equal to the stored one is
  ``unchanged`` and not audited;
- an item that is no record (not an object, or without a ``sourcedId``) is
  not applied: it is listed as the fetch lists its own (``skipped`` in the
  manifest, a row of the CSV bundle that loading reports as a problem), once
  however often a delta sends it.

Every CSV bundle a sync writes keeps listing the items the fetch skipped.
The collection's new mark is the newest ``dateLastModified`` the delta sent, unless the
delta's ``X-Total-Count`` moved while it was paged (a record that slipped past a page
boundary may be older than that): then the mark stays, and the next sync asks again.

A record the server removes outright (many SIS-backed servers send no
``tobedeleted`` row) never comes in a delta. So after applying a collection's
delta the sync lists the ids the server holds now (``fields=sourcedId,status``,
the field selection of the OneRoster 1.1 and 1.2 REST bindings, paged like any
collection; a server ignoring ``fields`` sends whole records, which works too)
and removes each stored record it no longer lists, or lists as ``tobedeleted``
(``gone``). A listing that
fails, changes its ``X-Total-Count`` between pages, holds fewer ids than the delta
just sent, holds fewer than the server's
``X-Total-Count``, or holds none while the dump holds records, removes nothing:
the collection is named in the result's ``unchecked`` and a warning is logged
(a broken listing must never empty a district). ``check_deletions=False``
skips the listings.

The same listing finds the records the dump lacks: one a fetch missed when a page
boundary moved under it (a record removed before it while the fetch paged), or one
whose ``dateLastModified`` is older than the mark, so that no delta brings it. Each is
fetched by its id (``users/{sourcedId}``) and added (``recovered``); one the server no
longer has, or marks ``tobedeleted``, adds nothing. Past
:func:`~rostergraph.oneroster.listing.recovery_cap` such ids in one collection (the
requests paging it again at ``limit`` a page would take, at least
:data:`~rostergraph.oneroster.listing.MIN_RECOVERED`) nothing is fetched that way and a
warning says to fetch the district again. (Without the listings,
``check_deletions=False``, none is looked for.)

Before anything is written the new district is compared with the old one
(:func:`rostergraph.diff`); when more than the thresholds of users, sections
or enrollments would go, or be re-identified, the sync is **held**: nothing
changes and the result lists the reasons (the same measures as
``rostergraph diff --hold-if-removed``). Otherwise the manifest is marked ``pending``, then the audit file
``sync.audit.jsonl`` (one JSON line per changed record: collection, sourcedId,
action, dateLastModified; never names), the records and the CSV bundle are
written, and last the manifest (the new marks, ``pending`` cleared); every
file is replaced atomically, the audit file is appended to.

A sync that dies on the way asks for the same delta next time (the marks did
not move); records it already applied are ``unchanged`` then, and because the
manifest is still ``pending`` the CSV bundle is rewritten from the records on
disk, so the dump ends in the same records and CSV files as an uninterrupted
sync. The audit file holds every change at least once (a change whose
records were not yet written when the sync died is audited again).

Examples
--------
>>> OneRosterSyncResult(path="d", actions={}, held=False, reasons=(), requests=7,
...                     retries=0, seconds=0.1).summary()
'synced d: no changes; 7 requests, 0 retries in 0.1 s'
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from ..clever.dump import dump_line, folder_lock
from ..diff.holds import HoldReason, HoldThresholds, hold_reasons
from ..errors import SourceError
from ..safety import open_nofollow
from .client import DEFAULT_LIMIT, ENDPOINTS, OneRosterClient
from .dump import (
    _check_source,
    _high_water,
    _now,
    _skip_items,
    _skipped_items,
    bundle_files,
    read_dump_manifest,
    read_records,
    write_bundle,
    write_dump_manifest,
    write_records,
)
from .listing import live_ids, recover_missing, with_ids
from .rows import marked_deleted, without_credentials

__all__ = ["AUDIT_LOG", "OneRosterSyncResult", "sync_oneroster"]

#: The audit file of a OneRoster dump (one JSON object per changed record).
AUDIT_LOG = "sync.audit.jsonl"

log = logging.getLogger("rostergraph.oneroster")


@attrs.frozen(slots=True)
class OneRosterSyncResult:
    """What a sync did (or would have done, when ``held``)."""

    path: str
    actions: dict[str, int]
    held: bool
    reasons: tuple[HoldReason, ...]
    requests: int
    retries: int
    seconds: float
    #: collection → why its records removed outright were not looked for (a failed or
    #: short ids-only listing); nothing of that collection was removed as ``gone``
    unchecked: dict[str, str] = attrs.field(factory=dict)

    def summary(self) -> str:
        """One line for people (no names)."""
        acts = ", ".join(f"{n} {a}" for a, n in sorted(self.actions.items())) or "no changes"
        if self.unchecked:
            acts += "; deletions not checked for " + ", ".join(
                f"{e} ({why})" for e, why in sorted(self.unchecked.items()))
        if self.held:
            why = "; ".join(r.message for r in self.reasons)
            return (f"sync of {self.path} HELD, nothing written ({acts}): {why}; "
                    "raise --hold-if-removed / --hold-if-reid to apply it")
        return (f"synced {self.path}: {acts}; {self.requests} requests, {self.retries} "
                f"retries in {self.seconds:.1f} s")


def sync_oneroster(
    path: str | os.PathLike[str],
    *,
    client: OneRosterClient,
    limit: int = DEFAULT_LIMIT,
    hold: HoldThresholds | Mapping[str, float] | None = None,
    progress: bool | None = None,
    check_deletions: bool = True,
) -> OneRosterSyncResult:
    """Apply the ``dateLastModified`` delta of every collection to a dump folder.

    Parameters
    ----------
    path:
        A complete dump written by
        :func:`~rostergraph.oneroster.dump.fetch_oneroster`.
    client:
        A client for the same address and version as the dump (the address
        is never taken from the folder).
    limit:
        Records per page.
    hold:
        Hold thresholds (:class:`~rostergraph.diff.holds.HoldThresholds` or a
        mapping with ``removed`` / ``reidentified`` percentages); ``None``
        applies every delta.
    progress:
        ``True`` always shows tqdm bars, ``None`` on a terminal, ``False`` never.
    check_deletions:
        List each collection's ids after its delta and remove the records the
        server no longer holds (``gone``); ``False`` asks only for the deltas.

    Returns
    -------
    OneRosterSyncResult
        Actions counted (``created``, ``updated``, ``deleted``, ``gone``:
        removed outright on the server, ``recovered``: listed by the server,
        missing from the dump and fetched by id, and ``skipped``: items that
        are no record, newly listed), the collections not checked for removals and
        why (``unchecked``), whether the sync was held and why;
        ``.summary()`` is a line.

    Raises
    ------
    SourceError
        No dump manifest, an incomplete fetch, or another address or version.
    TokenError, ApiError, FormatError
        From the client. (An item without a ``sourcedId``, or not an object, is
        not applied; it is listed, a warning is logged and the sync goes on.)

    Examples
    --------
    >>> import httpx, tempfile, rostergraph
    >>> from rostergraph.oneroster import ClientCredentials, OneRosterClient, fetch_oneroster
    >>> orgs = [{"sourcedId": "d1", "name": "Demo", "type": "district",
    ...          "dateLastModified": "2025-01-01T00:00:00Z"}]
    >>> def serve(request):
    ...     name = request.url.path.rsplit("/", 1)[1]
    ...     return httpx.Response(200, json={name: orgs if name == "orgs" else []})
    >>> client = OneRosterClient("https://sis.test/ims/oneroster/v1p1",
    ...                          ClientCredentials("key", "secret"), auth="oauth1",
    ...                          transport=httpx.MockTransport(serve))
    >>> out = tempfile.mkdtemp()
    >>> _ = fetch_oneroster(out, client=client)
    >>> orgs[0] = {**orgs[0], "name": "Renamed", "dateLastModified": "2025-02-01T00:00:00Z"}
    >>> sync_oneroster(out, client=client).actions
    {'updated': 1}
    >>> [d.name for d in rostergraph.load(out).districts.values()]
    ['Renamed']
    """
    folder = Path(path)
    if read_dump_manifest(folder) is None:
        raise SourceError("no manifest.json: not a OneRoster dump written by 'rostergraph "
                          "fetch --oneroster'", path=str(folder))
    with folder_lock(folder):
        return _sync(folder, client=client, limit=limit, hold=hold, progress=progress,
                     check_deletions=check_deletions)


def _sync(folder: Path, *, client: OneRosterClient, limit: int,
          hold: HoldThresholds | Mapping[str, float] | None, progress: bool | None,
          check_deletions: bool) -> OneRosterSyncResult:
    from tqdm import tqdm

    t0 = time.perf_counter()
    manifest = read_dump_manifest(folder)
    assert manifest is not None
    if not manifest.get("complete"):
        raise SourceError("the fetch of this dump did not finish; run 'rostergraph fetch "
                          "--oneroster URL --resume' first", path=str(folder))
    _check_source(manifest, client, folder)
    req0, ret0 = client.stats["requests"], client.stats["retries"]
    endpoints = [e for e in ENDPOINTS
                 if (manifest["endpoints"].get(e) or {}).get("status") == "done"]
    tables = {e: read_records(folder, e) for e in endpoints}
    audit: list[dict[str, Any]] = []
    marks: dict[str, str] = {}
    changed: set[str] = set()
    listed = 0  # items of the deltas that are no record, newly listed
    unchecked: dict[str, str] = {}
    now = _now()

    def note(endpoint: str, action: str, rec: dict[str, Any]) -> None:
        """A record the sync changes: audited (no names), its collection to be written."""
        changed.add(endpoint)
        audit.append({"synced_at": now, "collection": endpoint, "sourcedId": rec["sourcedId"],
                      "action": action, "dateLastModified": rec.get("dateLastModified")})

    for endpoint in endpoints:
        entry = manifest["endpoints"][endpoint]
        since = str(entry.get("since") or manifest.get("started_at") or "")
        flt = f"dateLastModified>='{since}'" if since else None
        table = tables[endpoint]
        delta: list[dict[str, Any]] = []
        with tqdm(desc=f"{endpoint} delta", unit=" records", leave=False,
                  disable=(None if progress is None else not progress)) as bar:
            moved = False
            for page in client.pages(endpoint, limit=limit, filter=flt):
                moved = page.total_moved
                good = with_ids(page.records)
                # nothing to apply them to: listed as the fetch lists its own, the rest goes on
                if len(good) < page.size:
                    listed += _skip_items(entry, page, good, new_only=True)
                delta.extend(without_credentials(r) for r in good)
                bar.update(page.size)
        for rec in delta:
            sid = rec["sourcedId"]
            old = table.get(sid)
            if marked_deleted(rec):
                if table.pop(sid, None) is None:
                    continue
                action = "deleted"
            elif old == rec:
                continue
            else:
                action = "updated" if old is not None else "created"
                table[sid] = rec
            note(endpoint, action, rec)
        if check_deletions:
            live, why = live_ids(client, endpoint, limit, delta, table)
            if live is None:
                unchecked[endpoint] = why
                log.warning("%s: %s; removed nothing of it as gone", endpoint, why)
            else:
                for sid in [s for s in table if s not in live]:
                    note(endpoint, "gone", table.pop(sid))
                for rec in recover_missing(client, endpoint, live, table, limit=limit):
                    table[rec["sourcedId"]] = rec
                    note(endpoint, "recovered", rec)
        mark = _high_water(delta)
        if moved:
            # records left the delta while it was paged: one may have moved past a page
            # boundary unseen, older than the newest received; the mark stays, so the
            # next sync asks from it again
            log.warning("%s: the delta changed while it was paged (its X-Total-Count "
                        "moved); its mark is kept, so the next sync asks for it again",
                        endpoint)
        elif mark and mark > since:
            marks[endpoint] = mark
    actions: dict[str, int] = {}
    for a in audit:
        actions[a["action"]] = actions.get(a["action"], 0) + 1
    if listed:
        actions["skipped"] = listed
    files = bundle_files(client.version, {e: t.values() for e, t in tables.items()},
                         _skipped_items(manifest, tables))
    reasons = _holds(folder, files, hold) if changed and hold is not None else []

    def result(held: bool) -> OneRosterSyncResult:
        return OneRosterSyncResult(
            path=str(folder), actions=actions, held=held, reasons=tuple(reasons),
            unchecked=unchecked,
            requests=client.stats["requests"] - req0, retries=client.stats["retries"] - ret0,
            seconds=round(time.perf_counter() - t0, 3))

    if reasons:
        return result(True)
    # ``pending`` is set before the first write and cleared by the last: a sync that dies
    # in between leaves it set, and the next one rewrites the bundle from the records on
    # disk even when its own delta finds nothing left to change
    pending = manifest.get("pending") is True
    if changed or listed:
        manifest["pending"] = True
        write_dump_manifest(folder, manifest)
        _append_audit(folder / AUDIT_LOG, audit)
        for endpoint in sorted(changed):
            write_records(folder, endpoint, tables[endpoint])
    if changed or listed or pending:
        write_bundle(folder, files)
    for endpoint, table in tables.items():
        entry = manifest["endpoints"][endpoint]
        entry["count"] = sum(1 for r in table.values() if not marked_deleted(r))
        if endpoint in marks:
            entry["since"] = marks[endpoint]
    manifest["pending"] = False
    manifest["synced_at"] = now
    manifest["syncs"] = int(manifest.get("syncs") or 0) + 1
    write_dump_manifest(folder, manifest)
    return result(False)


def _holds(folder: Path, files: dict[str, bytes],
           hold: HoldThresholds | Mapping[str, float]) -> list[HoldReason]:
    """The hold reasons of going from the folder's bundle to ``files``."""
    from ..diff import diff
    from ..io.oneroster import read_oneroster

    old = read_oneroster(folder)
    with tempfile.TemporaryDirectory(prefix="rostergraph-sync-") as tmp:
        for name, data in files.items():
            Path(tmp, name).write_bytes(data)
        new = read_oneroster(tmp)
    return hold_reasons(diff(old, new), hold)


def _append_audit(path: Path, entries: list[dict[str, Any]]) -> None:
    fd = open_nofollow(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        # (dump_line: an id may hold a lone surrogate, which orjson refuses)
        os.write(fd, b"".join(dump_line(a) for a in entries))
        os.fsync(fd)
    finally:
        os.close(fd)
