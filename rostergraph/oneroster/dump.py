"""Fetch a OneRoster district into a dump folder that :func:`rostergraph.load` reads.

Layout of a dump folder::

    manifest.json            what was fetched, from where, when; offsets for resume,
                             the dateLastModified marks for sync
    manifest.csv, orgs.csv,  a OneRoster CSV bundle (bulk) made from the records:
    academicSessions.csv,    this is what load() reads, with the OneRoster CSV
    courses.csv, ...         reader (1.2 dumps also have roles.csv)
    rest/orgs.jsonl, ...     the records as the server sent them, one per line
                             (without password and userProfiles)
    sync.audit.jsonl         written by sync: one line per changed record

While a collection is being fetched its records go to
``rest/<collection>.jsonl.part``; each page is flushed to disk *before* the
manifest records the next offset and the file's length, so after a crash a
resumed fetch cuts the part file back to the recorded length and asks for the
page at the recorded offset. Collections already complete are not fetched
again. The CSV files are written (each atomically) once every collection is
complete, then the manifest says ``complete``.

What is trusted: nothing in the folder. The server address and credentials
come from the caller; the manifest names no files (the names are fixed) and
its values are checked before use; no file is opened through a symbolic link
(nor through a linked ``rest/`` folder) or when it is a FIFO or device; every
write goes through a temporary file and a rename, or an append to a part file
opened without following links.

Examples
--------
>>> import tempfile
>>> read_dump_manifest(tempfile.mkdtemp()) is None  # not a dump yet
True
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import attrs
import orjson

from ..clever.dump import dump_line, folder_lock, load_line
from ..errors import ApiError, FormatError, SourceError
from ..io.csvutil import to_csv_text
from ..safety import atomic_write, json_dumps, open_nofollow, read_regular_file
from .client import DEFAULT_LIMIT, ENDPOINTS, OneRosterClient
from .listing import MAX_LEFT_OUT_SHARE, live_ids, recover_missing, with_ids
from .rows import CSV_FILES, marked_deleted, rest_to_rows, rows_to_csv, without_credentials

__all__ = [
    "DUMP_FORMAT",
    "MANIFEST",
    "REST_DIR",
    "OneRosterFetchResult",
    "bundle_files",
    "fetch_oneroster",
    "read_dump_manifest",
    "read_records",
]

log = logging.getLogger("rostergraph.oneroster")

MANIFEST = "manifest.json"
DUMP_FORMAT = "rostergraph-oneroster-dump"
DUMP_VERSION = 1
REST_DIR = "rest"
#: Collections a server may refuse (a scope the district did not grant).
OPTIONAL = frozenset({"demographics"})
_MAX_MANIFEST = 4 * 1024 * 1024
#: Items with no sourcedId (or not objects) kept per collection in the manifest.
MAX_SKIPPED_KEPT = 500
#: The column that holds such an item's JSON text in the dump's CSV files.
SKIPPED_COLUMN = "metadata.rostergraph.skipped"
#: The ``file.*`` keys of a OneRoster manifest.csv, per version.
_MANIFEST_FILES = {
    "1.1": ("academicSessions", "categories", "classes", "classResources", "courses",
            "courseResources", "demographics", "enrollments", "lineItems", "orgs", "resources",
            "results", "users"),
    "1.2": ("academicSessions", "categories", "classes", "classResources", "courses",
            "courseResources", "demographics", "enrollments", "lineItemLearningObjectiveIds",
            "lineItems", "lineItemScoreScales", "orgs", "resources",
            "resultLearningObjectiveIds", "results", "resultScoreScales", "roles",
            "scoreScales", "userProfiles", "userResources", "users"),
}


@attrs.frozen(slots=True)
class OneRosterFetchResult:
    """What a fetch did: records per collection and the client's counters."""

    path: str
    counts: dict[str, int]
    absent: tuple[str, ...]
    requests: int
    retries: int
    rate_limited: int
    slept: float
    seconds: float
    resumed: bool
    skipped: dict[str, int] = attrs.field(factory=dict)

    def summary(self) -> str:
        """One line for people (no secret, no names)."""
        counts = ", ".join(f"{n:,} {k}" for k, n in self.counts.items())
        absent = f"; not available: {', '.join(self.absent)}" if self.absent else ""
        if self.skipped:
            absent += ("; items without a sourcedId (listed as load problems): "
                       + ", ".join(f"{n:,} {k}" for k, n in self.skipped.items()))
        return (f"fetched {counts} into {self.path} in {self.seconds:.1f} s "
                f"({self.requests} requests, {self.retries} retries, "
                f"{self.rate_limited} rate-limited, slept {self.slept:.1f} s"
                f"{', resumed' if self.resumed else ''}){absent}")


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def read_dump_manifest(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The manifest of a OneRoster dump folder, or ``None`` when there is none.

    Raises
    ------
    FormatError
        ``manifest.json`` exists but is not a OneRoster dump manifest.
    SourceError
        ``manifest.json`` is a symbolic link or not a regular file.
    """
    p = Path(folder) / MANIFEST
    try:  # never through a link, never a FIFO or device (which could hang the open)
        data = read_regular_file(p, max_bytes=_MAX_MANIFEST)
    except FileNotFoundError:
        return None
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise FormatError(f"not valid JSON: {exc.msg}", path=str(p)) from None
    if not isinstance(doc, dict) or doc.get("format") != DUMP_FORMAT or not isinstance(
            doc.get("endpoints"), dict):
        raise FormatError("not a rostergraph OneRoster dump manifest", path=str(p))
    _check_manifest(doc, str(p))
    return doc


_STATUSES = frozenset({"pending", "partial", "done", "absent"})
_COUNTERS = ("count", "pages", "offset", "part_bytes", "skipped")
#: A ``since`` mark is a timestamp: it is quoted into the filter sent to the server.
_SINCE = re.compile(r"[0-9A-Za-z:.+\-]{1,64}")


def _bad(path: str, key: str, message: str) -> FormatError:
    return FormatError(f"{message} (refused: a dump folder is data, not configuration)",
                       path=path, field=key)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2 ** 53


def _check_manifest(doc: dict[str, Any], path: str) -> None:
    """Refuse a OneRoster dump manifest whose values are not what a fetch writes.

    ``endpoints`` may name only the collections a fetch reads, each an object
    whose ``status`` is ``pending``, ``partial``, ``done`` or ``absent``, whose
    counters (``count``, ``pages``, ``offset``, ``part_bytes``, ``total``) are
    non-negative whole numbers and whose ``since`` mark and ``server_started_at`` are
    timestamp strings;
    the top-level counters and flags have the types a fetch writes.

    Raises
    ------
    FormatError
        Naming the manifest and the key.

    Examples
    --------
    >>> _check_manifest({"endpoints": {"orgs": {"status": "done", "offset": 10}}}, "m")
    >>> _check_manifest({"endpoints": {"orgs": {"status": "partial", "offset": -1}}}, "m")
    Traceback (most recent call last):
    ...
    rostergraph.errors.FormatError: m: not a non-negative whole number (refused: a dump folder is data, not configuration) (field 'endpoints.orgs.offset')
    """
    for key in ("base_url", "oneroster_version", "auth"):
        if doc.get(key) is not None and not isinstance(doc[key], str):
            raise _bad(path, key, "not a string")
    for key in ("started_at", "finished_at", "synced_at"):  # started_at may become a mark
        if doc.get(key) is not None and not (isinstance(doc[key], str)
                                             and _SINCE.fullmatch(doc[key])):
            raise _bad(path, key, "not a timestamp string")
    for key in ("requests", "retries", "syncs", "version"):
        if doc.get(key) is not None and not _is_count(doc[key]):
            raise _bad(path, key, "not a non-negative whole number")
    if doc.get("limit") is not None and not (_is_count(doc["limit"]) and doc["limit"] > 0):
        raise _bad(path, "limit", "not a positive whole number")
    for key in ("complete", "pending"):
        if doc.get(key) is not None and not isinstance(doc[key], bool):
            raise _bad(path, key, "not true or false")
    for name, entry in doc["endpoints"].items():
        key = f"endpoints.{str(name)[:50]}"
        if name not in ENDPOINTS:
            raise _bad(path, key, "not a OneRoster collection a fetch reads")
        if not isinstance(entry, dict):
            raise _bad(path, key, "not an object")
        if entry.get("status") not in _STATUSES:
            raise _bad(path, f"{key}.status", "not one of " + ", ".join(sorted(_STATUSES)))
        for counter in _COUNTERS:
            if entry.get(counter) is not None and not _is_count(entry[counter]):
                raise _bad(path, f"{key}.{counter}", "not a non-negative whole number")
        if entry.get("total") is not None and not _is_count(entry["total"]):
            raise _bad(path, f"{key}.total", "not a non-negative whole number")
        for mark in ("since", "server_started_at"):
            since = entry.get(mark)
            if since is not None and not (isinstance(since, str) and _SINCE.fullmatch(since)):
                raise _bad(path, f"{key}.{mark}", "not a timestamp string")
        if entry.get("shifted") is not None and not isinstance(entry["shifted"], bool):
            raise _bad(path, f"{key}.shifted", "not true or false")
        items = entry.get("skipped_items")
        if items is not None and not (isinstance(items, list) and len(items) <= MAX_SKIPPED_KEPT
                                      and all(isinstance(it, dict) and _is_count(it.get("at"))
                                              and isinstance(it.get("raw"), str)
                                              and len(it["raw"]) <= 2000 for it in items)):
            raise _bad(path, f"{key}.skipped_items", "not a list of skipped items")


def _shown(value: Any, limit: int = 100) -> str:
    """A manifest value for a message: its repr, at most ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _check_source(manifest: dict[str, Any], client: OneRosterClient, folder: Path,
                 advice: str = "") -> None:
    """Refuse a dump fetched from another address or OneRoster version than ``client``'s.

    The address (where the credentials go) comes only from the caller, never
    from the folder; the manifest's values are quoted at most 100 characters long.

    Raises
    ------
    SourceError
        Naming both addresses, then ``advice``.
    """
    if manifest.get("base_url") == client.base_url and manifest.get(
            "oneroster_version") == client.version:
        return
    raise SourceError(f"the dump was fetched from {_shown(manifest.get('base_url'))} "
                      f"(OneRoster {_shown(manifest.get('oneroster_version'), 20)}), not "
                      f"{client.base_url}{advice}", path=str(folder))


def write_dump_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """Replace the manifest atomically."""
    atomic_write(folder / MANIFEST,
                 orjson.dumps(manifest, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
                 + b"\n")


def _refuse_rest_link(folder: Path) -> Path:
    """``folder/rest``, refused when it is a symbolic link (``O_NOFOLLOW`` guards only the
    last component of a path, so a linked folder is checked here)."""
    rest = folder / REST_DIR
    if rest.is_symlink():
        raise SourceError(f"{REST_DIR}/ is a symbolic link; refusing to read or write "
                          "through it", path=str(folder))
    return rest


def _rest_dir(folder: Path) -> Path:
    rest = _refuse_rest_link(folder)
    rest.mkdir(exist_ok=True)
    return rest


def read_records(folder: str | os.PathLike[str], endpoint: str) -> dict[str, dict[str, Any]]:
    """``sourcedId → record`` of a collection of a dump (later lines win; empty when absent).

    Raises
    ------
    FormatError
        A line that is not a JSON object with a string ``sourcedId``.
    """
    path = _refuse_rest_link(Path(folder)) / f"{endpoint}.jsonl"
    table: dict[str, dict[str, Any]] = {}
    try:
        data = read_regular_file(path)
    except FileNotFoundError:
        return table
    for n, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            rec = load_line(line)  # (lone surrogates kept as written by dump_line)
        except orjson.JSONDecodeError as exc:
            raise FormatError(f"not valid JSON: {exc.msg}", path=str(path), line=n) from None
        if not isinstance(rec, dict) or not isinstance(rec.get("sourcedId"), str):
            raise FormatError("expected a record with a string sourcedId", path=str(path),
                              line=n)
        table[rec["sourcedId"]] = rec
    return table


def write_records(folder: Path, endpoint: str, table: dict[str, dict[str, Any]]) -> None:
    """Replace a collection's records file atomically."""
    atomic_write(_rest_dir(folder) / f"{endpoint}.jsonl",
                 b"".join(dump_line(rec) for rec in table.values()))


def bundle_files(version: str, tables: dict[str, Iterable[dict[str, Any]]],
                 skipped: dict[str, list[str]] | None = None) -> dict[str, bytes]:
    """The OneRoster CSV files (name → bytes) for the records of each collection.

    Records with ``status`` ``tobedeleted`` are left out (a bulk file holds the
    records that exist). ``manifest.csv`` declares each file ``bulk`` or ``absent``.
    ``skipped`` (collection → JSON texts of items the server sent without a
    ``sourcedId``) adds a row per item with only the ``metadata.rostergraph.skipped``
    column, so that the OneRoster reader lists each as a problem with its file and line.

    Examples
    --------
    >>> files = bundle_files("1.1", {"orgs": [{"sourcedId": "d1", "name": "D", "type": "district"}]})
    >>> sorted(files), files["orgs.csv"].splitlines()[1]
    (['manifest.csv', 'orgs.csv'], b'd1,,,D,district,,')
    """
    rows: dict[str, list[dict[str, str]]] = {}
    for endpoint, records in tables.items():
        live = [r for r in records if not marked_deleted(r)]
        for key, got in rest_to_rows(endpoint, live).items():
            rows.setdefault(key, []).extend(got)
    for endpoint, texts in (skipped or {}).items():
        rows.setdefault(endpoint, []).extend({SKIPPED_COLUMN: t} for t in texts)
    files: dict[str, bytes] = {}
    manifest: list[list[Any]] = [["propertyName", "value"], ["manifest.version", "1.0"],
                                 ["oneroster.version", version],
                                 ["source.systemName", "rostergraph (OneRoster REST)"]]
    for name in _MANIFEST_FILES.get(version, _MANIFEST_FILES["1.1"]):
        present = name in rows and (bool(rows[name]) or name not in ("roles", "demographics"))
        manifest.append([f"file.{name}", "bulk" if present else "absent"])
        if present:
            files[CSV_FILES[name]] = _utf8(to_csv_text(rows_to_csv(name, rows[name])))
    return {"manifest.csv": to_csv_text(manifest).encode("utf-8"), **files}


_SURROGATE = re.compile("[\ud800-\udfff]")


def _utf8(text: str) -> bytes:
    """CSV text as UTF-8, a lone surrogate a server sent (``"Zo\\ud83d"``, a name cut
    inside a UTF-16 pair) as U+FFFD: UTF-8 cannot hold it, and written as it is it made the
    reader take the whole file for Windows-1252. ``rest/`` keeps the exact text, and
    validate flags U+FFFD.

    Examples
    --------
    >>> _utf8("u1,Zo\\ud83d\\n")
    b'u1,Zo\\xef\\xbf\\xbd\\n'
    """
    return _SURROGATE.sub("\ufffd", text).encode("utf-8")


def _skipped_items(manifest: dict[str, Any], endpoints: Iterable[str]) -> dict[str, list[str]]:
    """Collection → the JSON texts of the items its fetch and syncs skipped (kept in the
    manifest),
    for :func:`bundle_files`: every bundle written from the dump (by the fetch, then by
    each sync) lists them, so loading it names each as a problem.

    Examples
    --------
    >>> _skipped_items({"endpoints": {"users": {"skipped_items": [{"at": 3, "raw": "null"}]},
    ...                              "orgs": {}}}, ["orgs", "users"])
    {'orgs': [], 'users': ['null']}
    """
    return {e: [it["raw"] for it in manifest["endpoints"][e].get("skipped_items") or ()]
            for e in endpoints}


def write_bundle(folder: Path, files: dict[str, bytes]) -> None:
    """Write the CSV files atomically and remove roster CSVs no longer in the bundle."""
    for name, data in files.items():
        if name != "manifest.csv":
            atomic_write(folder / name, data)
    for name in CSV_FILES.values():
        if name not in files and os.path.lexists(folder / name):
            (folder / name).unlink()  # unlink removes a link itself, never its target
    atomic_write(folder / "manifest.csv", files["manifest.csv"])


def _high_water(records: Iterable[dict[str, Any]]) -> str | None:
    marks = [r.get("dateLastModified") for r in records]
    texts = [m for m in marks if isinstance(m, str) and m]
    return max(texts) if texts else None


def fetch_oneroster(
    out: str | os.PathLike[str],
    *,
    client: OneRosterClient,
    limit: int = DEFAULT_LIMIT,
    resume: bool = False,
    progress: bool | None = None,
    on_page: Callable[[str, int], None] | None = None,
) -> OneRosterFetchResult:
    """Fetch every collection of a OneRoster server into the dump folder ``out``.

    Collections are fetched in turn (orgs, academicSessions, courses, classes,
    users, enrollments, demographics), page by page. ``demographics`` may be
    refused (HTTP 403/404: the district did not grant that scope); it is then
    marked absent. When all are complete the OneRoster CSV bundle is written,
    so ``rostergraph.load(out)`` reads the district.

    Parameters
    ----------
    out:
        The dump folder (created if missing). Without ``resume`` it must not
        hold a dump already.
    client:
        A :class:`~rostergraph.oneroster.client.OneRosterClient`.
    limit:
        Records per page.
    resume:
        Continue an interrupted fetch: complete collections are kept, a
        partial one continues at its recorded offset.
    progress:
        ``True`` always shows a tqdm bar per collection (on stderr), ``None``
        (default) only on a terminal, ``False`` never.
    on_page:
        Called as ``on_page(collection, page_number)`` after each page is
        safely recorded (tests use it to interrupt a fetch).

    Returns
    -------
    OneRosterFetchResult
        Counts per collection and request counters; ``.summary()`` is a line.

    Raises
    ------
    SourceError
        ``out`` holds a dump and ``resume`` is False; the dump was fetched from
        another address or version; a symbolic link where a dump file belongs.
    TokenError, ApiError, FormatError, LimitError
        From the client once its retries are spent.

    Examples
    --------
    A fake server (``httpx.MockTransport``) serving one district org:

    >>> import httpx, tempfile, rostergraph
    >>> from rostergraph.oneroster import ClientCredentials, OneRosterClient
    >>> def serve(request):
    ...     name = request.url.path.rsplit("/", 1)[1]
    ...     recs = [{"sourcedId": "d1", "name": "Demo", "type": "district"}] if name == "orgs" else []
    ...     return httpx.Response(200, json={name: recs})
    >>> client = OneRosterClient("https://sis.test/ims/oneroster/v1p1",
    ...                          ClientCredentials("key", "secret"), auth="oauth1",
    ...                          transport=httpx.MockTransport(serve))
    >>> out = tempfile.mkdtemp()
    >>> fetch_oneroster(out, client=client).counts["orgs"]
    1
    >>> [d.name for d in rostergraph.load(out).districts.values()]
    ['Demo']
    """
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    with folder_lock(folder):
        return _fetch(folder, client=client, limit=limit, resume=resume, progress=progress,
                      on_page=on_page)


def _new_manifest(client: OneRosterClient, limit: int) -> dict[str, Any]:
    return {
        "format": DUMP_FORMAT, "version": DUMP_VERSION, "oneroster_version": client.version,
        "base_url": client.base_url, "auth": client.auth_scheme, "started_at": _now(),
        "finished_at": None, "complete": False, "limit": limit,
        "endpoints": {e: {"status": "pending", "count": 0, "pages": 0, "offset": 0,
                          "part_bytes": 0, "total": None, "since": None} for e in ENDPOINTS},
        "requests": 0, "retries": 0, "synced_at": None, "syncs": 0,
    }


def _fetch(folder: Path, *, client: OneRosterClient, limit: int, resume: bool,
           progress: bool | None, on_page: Callable[[str, int], None] | None
           ) -> OneRosterFetchResult:
    t0 = time.perf_counter()
    manifest = read_dump_manifest(folder)
    resumed = False
    if manifest is not None and resume:
        _check_source(manifest, client, folder, "; fetch into a new folder")
        resumed = True
    elif manifest is not None or (not resume and any(
            os.path.lexists(folder / n) for n in ("manifest.csv", REST_DIR, "users.csv",
                                                  "orgs.csv"))):
        raise SourceError("the folder already holds a dump; use --resume to continue it or "
                          "fetch into a new folder", path=str(folder))
    else:  # a new fetch (or --resume of one that died before its first manifest)
        manifest = _new_manifest(client, limit)
    s0 = dict(client.stats)
    mark = {"requests": s0["requests"], "retries": s0["retries"]}

    def save() -> None:
        stats = client.stats
        for key in ("requests", "retries"):
            manifest[key] = int(manifest.get(key) or 0) + stats[key] - mark[key]
            mark[key] = stats[key]
        write_dump_manifest(folder, manifest)

    save()
    rest = _rest_dir(folder)
    for endpoint in ENDPOINTS:
        entry = manifest["endpoints"].setdefault(endpoint, {"status": "pending"})
        if not (entry.get("status") == "absent" or (
                entry.get("status") == "done" and (rest / f"{endpoint}.jsonl").is_file()
                and not (rest / f"{endpoint}.jsonl").is_symlink())):
            _fetch_endpoint(client, rest, manifest, endpoint, limit=limit,
                            progress=progress, on_page=on_page, save=save)
        # (a resumed fetch too: one killed between the last page and the mending)
        if entry.get("shifted") and entry.get("status") == "done":
            _mend(client, folder, endpoint, limit)
            entry["shifted"] = False
            save()
    tables = {e: read_records(folder, e) for e in ENDPOINTS
              if manifest["endpoints"][e]["status"] == "done"}
    for endpoint, table in tables.items():
        entry = manifest["endpoints"][endpoint]
        entry["count"] = sum(1 for r in table.values() if not marked_deleted(r))
        # (no record dated: the server's clock when the collection was first paged, so
        # that a clock of this machine ahead of the server's cannot hide a change; but
        # never past this machine's start: a Date header is untrusted, and one years
        # ahead would put the mark where no delta reaches)
        entry["since"] = _high_water(table.values()) or min(filter(None, (
            entry.get("server_started_at"), manifest["started_at"])), default=None)
    write_bundle(folder, bundle_files(client.version,
                                      {e: t.values() for e, t in tables.items()},
                                      _skipped_items(manifest, tables)))
    manifest["complete"] = True
    manifest["finished_at"] = _now()
    save()
    stats = client.stats
    return OneRosterFetchResult(
        path=str(folder), counts={e: int(manifest["endpoints"][e]["count"]) for e in tables},
        absent=tuple(e for e in ENDPOINTS if manifest["endpoints"][e]["status"] == "absent"),
        requests=stats["requests"] - s0["requests"], retries=stats["retries"] - s0["retries"],
        rate_limited=stats["rate_limited"] - s0["rate_limited"],
        slept=round(stats["slept"] - s0["slept"], 3), seconds=round(time.perf_counter() - t0, 3),
        resumed=resumed, skipped={e: int(manifest["endpoints"][e].get("skipped") or 0)
                                  for e in tables if manifest["endpoints"][e].get("skipped")})


def _skip_items(entry: dict[str, Any], page: Any, good: list[dict[str, Any]], *,
               new_only: bool = False) -> int:
    """Note a page's items that are no record (not an object, or no string ``sourcedId``)
    in the manifest entry: ``skipped`` counts them, ``skipped_items`` keeps the first
    :data:`MAX_SKIPPED_KEPT` as ``{"at": position in the answer, "raw": JSON text}``
    (at most 2,000 characters each), which :func:`bundle_files` puts in the CSV files so
    that loading the dump lists each as a problem with its file and line. ``new_only``
    (a sync's delta, which may send an item again): an item whose text is listed
    already is not noted twice. Returns how many were noted."""
    kept = {id(r) for r in good}
    bad = list(page.skipped)
    taken = {i for i, _ in bad}
    at = (i for i in range(page.size) if i not in taken)  # each record's place on the page
    bad += [(i, json_dumps(without_credentials(r)))
            for i, r in zip(at, page.records) if id(r) not in kept]
    items = entry.setdefault("skipped_items", [])
    if new_only and bad:
        listed = {it["raw"] for it in items}
        bad = [(i, text) for i, text in bad if text[:2000] not in listed]
    if not bad:
        return 0
    bad.sort()
    log.warning("%s: %d items without a sourcedId or not objects at offset %d; skipped "
                "(listed in the dump's CSV files as rows without a sourcedId)",
                page.url, len(bad), page.offset)
    entry["skipped"] = int(entry.get("skipped") or 0) + len(bad)
    for i, text in bad[:max(0, MAX_SKIPPED_KEPT - len(items))]:
        items.append({"at": page.offset + i, "raw": text[:2000]})
    return len(bad)


def _progress_bar(name: str, progress: bool | None, initial: int, total: int | None) -> Any:
    import sys

    from tqdm import tqdm

    return tqdm(desc=name, unit=" records", initial=initial, total=total, leave=True,
                file=sys.stderr, disable=(None if progress is None else not progress))


def _mend(client: OneRosterClient, folder: Path, endpoint: str, limit: int) -> None:
    """A collection whose ``X-Total-Count`` changed while it was paged: a record removed
    before the current offset moved the next one past the page boundary, unseen. Its
    ids are listed again; the records the dump lacks are fetched by id, and those the
    server no longer lists leave the dump (each count logged), unless they are more than
    :data:`~.listing.MAX_LEFT_OUT_SHARE` of it. A listing that cannot be trusted changes
    nothing (logged)."""
    table = read_records(folder, endpoint)
    live, why = live_ids(client, endpoint, limit, [], table)
    if live is None:
        log.warning("%s: changed while it was fetched, and %s; fetch again to be sure",
                    endpoint, why)
        return
    gone = [sid for sid in table if sid not in live]
    # (no hold stops a fetch; a record marked tobedeleted is none the bundle holds)
    dead = sum(1 for sid in gone if marked_deleted(table[sid]))
    held = len(table) - sum(1 for r in table.values() if marked_deleted(r))
    if len(gone) - dead > max(1.0, MAX_LEFT_OUT_SHARE * held):
        log.warning("%s: %d of the %d live records fetched are not listed: too many to "
                    "leave out; none is, fetch again to be sure", endpoint,
                    len(gone) - dead, held)
        gone = []
    for sid in gone:
        del table[sid]
    found = recover_missing(client, endpoint, live, table, limit=limit)
    for rec in found:
        table[rec["sourcedId"]] = rec
    if gone or found:
        write_records(folder, endpoint, table)
    log.warning("%s: changed while it was fetched; listed again: %d %s fetched by id, %d "
                "no longer listed left out", endpoint, len(found), endpoint, len(gone))


def _fetch_endpoint(client: OneRosterClient, rest: Path, manifest: dict[str, Any],
                    endpoint: str, *, limit: int, progress: bool | None,
                    on_page: Callable[[str, int], None] | None,
                    save: Callable[[], None]) -> None:
    entry = manifest["endpoints"][endpoint]
    part = rest / f"{endpoint}.jsonl.part"
    keep: int | None = None
    if entry.get("status") == "partial" and part.is_file() and not part.is_symlink() and (
            part.stat().st_size >= int(entry.get("part_bytes") or 0)):
        keep = int(entry.get("part_bytes") or 0)
    else:
        entry.update(status="partial", count=0, pages=0, offset=0, part_bytes=0, total=None,
                     skipped=0, skipped_items=[], server_started_at=None, shifted=False)
    fd = open_nofollow(part, os.O_WRONLY | os.O_CREAT, 0o644)  # no link, no FIFO
    try:
        os.ftruncate(fd, keep or 0)  # a torn last page is cut off
        os.lseek(fd, 0, os.SEEK_END)
    except BaseException:
        os.close(fd)
        raise
    save()
    bar = _progress_bar(endpoint, progress, int(entry["count"]), entry.get("total"))
    try:
        for page in client.pages(endpoint, limit=limit, offset=int(entry["offset"])):
            good = with_ids(page.records)
            _skip_items(entry, page, good)
            os.write(fd, b"".join(dump_line(without_credentials(r)) for r in good))
            os.fsync(fd)
            entry["count"] = int(entry["count"]) + len(good)
            entry["pages"] = int(entry["pages"]) + 1
            entry["offset"] = page.offset + page.size
            entry["part_bytes"] = os.lseek(fd, 0, os.SEEK_CUR)
            if page.total is not None and entry["total"] is not None and (
                    page.total != entry["total"]):
                entry["shifted"] = True  # (records came or went while paging: see _mend)
            entry["total"] = page.total
            if entry.get("server_started_at") is None:
                entry["server_started_at"] = page.server_time
            save()
            if page.total is not None and bar.total != page.total:
                bar.total = page.total
            bar.update(len(page.records))
            if on_page is not None:
                on_page(endpoint, int(entry["pages"]))
    except ApiError as exc:
        if endpoint in OPTIONAL and exc.status in (403, 404):
            os.close(fd)
            fd = -1
            part.unlink(missing_ok=True)
            entry.update(status="absent", count=0, part_bytes=0)
            save()
            return
        raise
    finally:
        bar.close()
        if fd >= 0:
            os.close(fd)
    os.replace(part, rest / f"{endpoint}.jsonl")
    entry.update(status="done", part_bytes=0)
    save()
