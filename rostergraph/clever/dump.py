"""Fetch a whole district into a dump folder that :func:`rostergraph.load` reads.

Layout of a dump folder::

    manifest.json        what was fetched, from where, when; cursors for resume and sync
    districts.jsonl      one record per line (or .jsonl.gz with gzip=True)
    schools.jsonl
    terms.jsonl
    courses.jsonl
    sections.jsonl
    users.jsonl
    events.audit.jsonl   written by sync: one line per applied event (previous_attributes kept)

While a resource is being fetched its records go to ``<name>.jsonl.part``
(a name no reader picks up); each page is flushed to disk *before* the
manifest records the page's cursor and the file length, so after a crash
``resume`` cuts the part file back to the recorded length and asks for the
page after the cursor. The part file is renamed to ``<name>.jsonl`` only when
the resource is complete. ``manifest.json`` is always replaced atomically.

Examples
--------
>>> import tempfile, rostergraph
>>> folder = tempfile.mkdtemp()
>>> read_manifest(folder) is None  # not a dump yet
True

See :func:`fetch_district` for a whole fetch.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import gzip
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import orjson

from ..errors import ApiError, FormatError, SourceError, TokenError
from ..io.jsonkeys import wide_integers
from ..model import KINDS
from ..safety import atomic_write as _safe_atomic_write
from ..safety import fsync_dir, open_nofollow, read_regular_file, refuse_link
from .api import CleverClient
from .manifest import MAX_MANIFEST_BYTES, check_base_url, check_manifest, is_plain_name

__all__ = [
    "LOCK",
    "MANIFEST",
    "FetchResult",
    "atomic_write",
    "check_base_url",
    "dump_line",
    "fetch_district",
    "folder_lock",
    "is_plain_name",
    "load_line",
    "read_manifest",
    "resource_path",
    "write_manifest",
]

#: The manifest's file name inside a dump folder.
MANIFEST = "manifest.json"
DUMP_FORMAT = "rostergraph-clever-dump"
DUMP_VERSION = 1

PageHook = Callable[[str, int], None]


@attrs.frozen(slots=True)
class FetchResult:
    """What a fetch did: record counts per resource and the client's counters."""

    path: str
    counts: dict[str, int]
    requests: int
    retries: int
    rate_limited: int
    slept: float
    seconds: float
    resumed: bool
    last_event_id: str | None

    def summary(self) -> str:
        """One line for people (no token, no names)."""
        counts = ", ".join(f"{n:,} {k}" for k, n in self.counts.items())
        return (f"fetched {counts} into {self.path} in {self.seconds:.1f} s "
                f"({self.requests} requests, {self.retries} retries, "
                f"{self.rate_limited} rate-limited, slept {self.slept:.1f} s"
                f"{', resumed' if self.resumed else ''})")


def dump_line(record: Any) -> bytes:
    """One JSON Lines line for a record, also when it holds lone surrogates.

    orjson refuses lone surrogates (which Clever strings may carry); they are
    then written as ``\\udXXX`` escapes, which every rostergraph reader reads
    back to the same string.

    Raises
    ------
    FormatError
        The record cannot be written as JSON (nested deeper than Python's JSON
        encoder goes).

    Examples
    --------
    >>> dump_line({"id": "a"}), dump_line({"id": "b\\ud800"})
    (b'{"id":"a"}\\n', b'{"id":"b\\\\ud800"}\\n')
    """
    try:
        return orjson.dumps(record) + b"\n"
    except orjson.JSONEncodeError:
        pass
    from ..safety import json_dumps

    try:
        return json_dumps(record).encode("utf-8") + b"\n"
    except (RecursionError, TypeError, ValueError) as exc:
        raise FormatError(f"a record that cannot be written as JSON: {type(exc).__name__}",
                          record_id=record.get("id") if isinstance(record, dict) else None
                          ) from None


def load_line(line: bytes) -> Any:
    """A JSON Lines line decoded, lone surrogate escapes and integers wider than 64 bits
    included (see :func:`dump_line`).

    Raises
    ------
    orjson.JSONDecodeError
        The line is not JSON.

    Examples
    --------
    >>> load_line(dump_line({"id": "b\\ud800"})) == {"id": "b\\ud800"}
    True
    >>> load_line(b'{"n": 123456789012345678901}')
    {'n': 123456789012345678901}
    """
    try:
        doc = orjson.loads(line)
    except orjson.JSONDecodeError:
        if b"\\u" not in line or line.count(b"[") + line.count(b"{") > 900:
            raise
        import json

        try:
            return json.loads(line.decode("utf-8"))
        except (ValueError, RecursionError):
            pass
        raise
    # orjson reads an integer wider than 64 bits as the nearest float: a record written
    # back (a sync rewriting its collection) would lose the digits the fetch kept
    exact = wide_integers(line)
    return doc if exact is None else exact


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def atomic_write(path: str | os.PathLike[str], data: bytes, *, sync_dir: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    Readers see the old file or the new one, never a mix. The data is
    flushed to disk before the rename; ``sync_dir`` also flushes the folder
    entry, so the rename itself survives a power loss. The temporary file
    gets a fresh random name and a symbolic link at ``path`` is refused
    (:func:`rostergraph.safety.atomic_write`), so a link planted in a dump
    folder never redirects a write.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.json"
    >>> atomic_write(p, b"{}")
    >>> p.read_bytes()
    b'{}'
    """
    _safe_atomic_write(path, data, sync_dir=sync_dir)


def _fsync_dir(folder: Path) -> None:
    fsync_dir(folder)


#: The lock file that keeps two fetch/sync runs off one dump folder.
LOCK = ".rostergraph.lock"


@contextlib.contextmanager
def folder_lock(folder: str | os.PathLike[str]) -> Iterator[None]:
    """Hold the dump folder's lock file (``.rostergraph.lock``, holding the pid).

    A lock left by a process that no longer runs is taken over.

    Raises
    ------
    SourceError
        Another running process holds the lock (e.g. an overlapping cron run).

    Examples
    --------
    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> with folder_lock(d):
    ...     with folder_lock(d):
    ...         pass
    Traceback (most recent call last):
    ...
    rostergraph.errors.SourceError: ...: another rostergraph process (pid ...) is working on this folder
    """
    path = Path(folder) / LOCK
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:  # never through a planted link, never more than a pid's worth
                pid = int(read_regular_file(path, max_bytes=64).strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid and _alive(pid):
                raise SourceError(f"another rostergraph process (pid {pid}) is working on "
                                  "this folder", path=str(folder)) from None
            path.unlink(missing_ok=True)  # stale: its process is gone
            continue
        with os.fdopen(fd, "w") as fh:
            fh.write(str(os.getpid()))
        break
    else:  # pragma: no cover - lost a race twice
        raise SourceError("could not take the folder lock", path=str(folder))
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def read_manifest(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The manifest of a dump folder, or ``None`` when there is none.

    Raises
    ------
    FormatError
        When ``manifest.json`` exists but is not a rostergraph manifest.
    """
    p = Path(folder) / MANIFEST
    if not os.path.lexists(p):
        return None
    try:
        data = read_regular_file(p, max_bytes=MAX_MANIFEST_BYTES)
    except OSError as exc:
        raise SourceError(f"cannot read the manifest: {exc.strerror or exc}",
                          path=str(p)) from None
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise FormatError(f"not valid JSON: {exc.msg}", path=str(p)) from None
    if not isinstance(doc, dict) or doc.get("format") != DUMP_FORMAT:
        raise FormatError("not a rostergraph dump manifest", path=str(p))
    check_manifest(doc, str(p))
    return doc


def write_manifest(folder: str | os.PathLike[str], manifest: dict[str, Any], *,
                   sync_dir: bool = True) -> None:
    """Replace the manifest atomically.

    ``sync_dir=False`` is for the per-page cursor updates: losing one of
    those to a power cut leaves an older, still consistent manifest.
    """
    atomic_write(Path(folder) / MANIFEST,
                 orjson.dumps(manifest, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
                 + b"\n", sync_dir=sync_dir)


def resource_path(folder: str | os.PathLike[str], kind: str, manifest: dict[str, Any]) -> Path:
    """The finished file of a resource (``users.jsonl`` or ``users.jsonl.gz``)."""
    entry = manifest.get("resources", {}).get(kind, {})
    name = entry.get("file") or f"{kind}.jsonl{'.gz' if manifest.get('gzip') else ''}"
    return Path(folder) / name


def _new_manifest(client: CleverClient, limit: int | None, use_gzip: bool) -> dict[str, Any]:
    return {
        "format": DUMP_FORMAT,
        "version": DUMP_VERSION,
        "api_version": client.base_url.rsplit("/", 1)[-1],
        "base_url": client.base_url,
        "started_at": _now(),
        "finished_at": None,
        "complete": False,
        "limit": limit,
        "gzip": use_gzip,
        "resources": {k: {"status": "pending", "count": 0, "pages": 0, "cursor": None,
                          "part_bytes": 0, "file": None} for k in KINDS},
        "events": None,
        "requests": 0,
        "retries": 0,
    }


def _has_dump(folder: Path) -> bool:
    if os.path.lexists(folder / MANIFEST):
        return True
    return any(os.path.lexists(folder / f"{k}.jsonl{gz}") for k in KINDS for gz in ("", ".gz"))


def latest_event_id(client: CleverClient, *, limit: int | None = None) -> tuple[bool, str | None]:
    """``(available, id)`` of the newest event, paging ``/events`` to its end.

    ``available`` is False when the API refuses ``/events`` (events not
    enabled for the app: HTTP 403/404); ``id`` is None when there are none.
    """
    last: str | None = None
    try:
        for page in client.pages("events", limit=limit or 10_000):
            if page.records:
                last = page.records[-1]["id"]
    except TokenError:
        raise
    except ApiError as exc:
        if exc.status in (403, 404):
            return False, None
        raise
    return True, last


def fetch_district(
    out: str | os.PathLike[str],
    *,
    client: CleverClient,
    limit: int | None = None,
    resume: bool = False,
    use_gzip: bool = False,
    progress: bool | None = None,
    on_page: PageHook | None = None,
) -> FetchResult:
    """Fetch every record of the token's district into the dump folder ``out``.

    Resources are fetched in turn (districts, schools, terms, courses,
    sections, users), each page by following ``rel=next`` links. Before the
    first resource the newest event id is recorded, so a later
    :func:`~rostergraph.clever.events.sync_dump` replays every change made
    during and after the fetch.

    Parameters
    ----------
    out:
        The dump folder (created if missing). Without ``resume`` it must not
        already hold a dump.
    client:
        A :class:`~rostergraph.clever.api.CleverClient`.
    limit:
        Page size (1 to 10000; ``None`` uses the server's default).
    resume:
        Continue an interrupted fetch from the manifest's cursors (a finished
        dump is left as it is).
    use_gzip:
        Write ``<name>.jsonl.gz`` instead of ``<name>.jsonl``.
    progress:
        ``True`` always shows a tqdm bar per resource, ``None`` (default) on a
        terminal or in a notebook (a widget), ``False`` never.
    on_page:
        Called as ``on_page(resource, page_number)`` after each page is safely
        recorded (tests use it to interrupt a fetch).

    Returns
    -------
    FetchResult
        Counts per resource and request/retry counters; ``.summary()`` is a line.

    Raises
    ------
    SourceError
        ``out`` holds a dump and ``resume`` is False, or the manifest was
        written for another base URL.
    TokenError, ApiError, FormatError
        As raised by the client once its retries are spent.

    Examples
    --------
    A fake API (``httpx.MockTransport``) serving the embedded sample, one
    page per resource:

    >>> import httpx, pathlib, tempfile, rostergraph
    >>> from rostergraph.model import record_to_dict
    >>> roster = rostergraph.sample()
    >>> def serve(request):
    ...     kind = request.url.path.rsplit("/", 1)[1]
    ...     recs = [] if kind == "events" else roster.records(kind).values()
    ...     return httpx.Response(200, json={"data": [{"data": record_to_dict(r)} for r in recs],
    ...                                      "links": []})
    >>> out = tempfile.mkdtemp()
    >>> with CleverClient("tok", base_url="https://clever.test/v3.0",
    ...                   transport=httpx.MockTransport(serve)) as client:
    ...     result = fetch_district(out, client=client)
    >>> result.counts == roster.counts(), result.requests
    (True, 7)
    >>> sorted(p.name for p in pathlib.Path(out).iterdir())[:3]
    ['courses.jsonl', 'districts.jsonl', 'manifest.json']
    """
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    with folder_lock(folder):
        return _fetch(folder, client=client, limit=limit, resume=resume, use_gzip=use_gzip,
                      progress=progress, on_page=on_page)


def _fetch(folder: Path, *, client: CleverClient, limit: int | None, resume: bool,
           use_gzip: bool, progress: bool | None, on_page: PageHook | None) -> FetchResult:
    t0 = time.perf_counter()
    manifest = read_manifest(folder)
    resumed = False
    if manifest is not None and resume:
        check_base_url(manifest, client, folder)
        resumed = True
        use_gzip = bool(manifest.get("gzip"))
        if limit is None:
            limit = manifest.get("limit")
        manifest["limit"] = limit
    elif manifest is not None or _has_dump(folder):
        raise SourceError("the folder already holds a dump; use --resume to continue it or "
                          "fetch into a new folder", path=str(folder))
    else:
        manifest = _new_manifest(client, limit, use_gzip)
    start_requests = client.stats["requests"]
    start_retries = client.stats["retries"]
    start_limited, start_slept = client.stats["rate_limited"], client.stats["slept"]

    mark = {"requests": start_requests, "retries": start_retries}

    def save(*, sync_dir: bool = True) -> None:
        for key in ("requests", "retries"):
            manifest[key] = manifest.get(key, 0) + client.stats[key] - mark[key]
            mark[key] = client.stats[key]
        write_manifest(folder, manifest, sync_dir=sync_dir)

    if manifest.get("events") is None:
        available, last = latest_event_id(client, limit=limit)
        manifest["events"] = {"available": available, "last_event_id": last,
                              "recorded_at": _now(), "synced_at": None, "applied": 0,
                              "audit_bytes": 0}
    save()

    for kind in KINDS:
        entry = manifest["resources"][kind]
        if entry["status"] == "done" and os.path.lexists(resource_path(folder, kind, manifest)):
            continue
        _fetch_resource(client, folder, manifest, kind, limit=limit, use_gzip=use_gzip,
                        progress=progress, on_page=on_page, save=save)

    manifest["complete"] = True
    manifest["finished_at"] = _now()
    save()
    counts = {k: manifest["resources"][k]["count"] for k in KINDS}
    return FetchResult(
        path=str(folder), counts=counts,
        requests=client.stats["requests"] - start_requests,
        retries=client.stats["retries"] - start_retries,
        rate_limited=client.stats["rate_limited"] - start_limited,
        slept=round(client.stats["slept"] - start_slept, 3),
        seconds=round(time.perf_counter() - t0, 3), resumed=resumed,
        last_event_id=manifest["events"]["last_event_id"])


def _progress_bar(kind: str, progress: bool | None, initial: int) -> Any:
    from tqdm.auto import tqdm

    return tqdm(desc=kind, unit=" records", initial=initial, leave=True,
                disable=(None if progress is None else not progress))


def _fetch_resource(client: CleverClient, folder: Path, manifest: dict[str, Any], kind: str, *,
                    limit: int | None, use_gzip: bool, progress: bool | None,
                    on_page: PageHook | None, save: Callable[..., None]) -> None:
    entry = manifest["resources"][kind]
    part = folder / f"{kind}.jsonl.part"
    if entry["status"] == "partial" and os.path.lexists(part):
        # never through a link: O_NOFOLLOW, and only a regular file is cut back
        with os.fdopen(open_nofollow(part, os.O_RDWR), "r+b") as fh:
            keep = int(entry.get("part_bytes") or 0)
            if os.fstat(fh.fileno()).st_size >= keep:
                fh.truncate(keep)  # drop bytes written after the last recorded page
                cursor = entry["cursor"]
            else:
                keep = -1
    else:
        keep = -1
    if keep < 0:
        with os.fdopen(open_nofollow(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), "wb"):
            pass
        entry.update(status="partial", count=0, pages=0, cursor=None, part_bytes=0, file=None)
        cursor = None
        save()
    bar = _progress_bar(kind, progress, entry["count"])
    try:
        with os.fdopen(open_nofollow(part, os.O_WRONLY | os.O_APPEND), "ab") as fh:
            for page in client.pages(kind, limit=limit, starting_after=cursor):
                if not page.records and not page.rejected:
                    continue
                # an item that is no record is kept as it came, on a line of its own
                # (the reader reports it as a problem at that line): nothing is lost
                fh.write(b"".join(dump_line(r) for r in page.records)
                         + b"".join(dump_line(item) for _, item in page.rejected))
                fh.flush()
                os.fsync(fh.fileno())
                entry["count"] += len(page.records)
                entry["pages"] += 1
                if page.rejected:
                    entry["rejected"] = int(entry.get("rejected") or 0) + len(page.rejected)
                if page.records:
                    entry["cursor"] = page.records[-1]["id"]
                entry["part_bytes"] = fh.tell()
                save(sync_dir=False)
                bar.update(len(page.records))
                if on_page is not None:
                    on_page(kind, entry["pages"])
    finally:
        bar.close()
    final = folder / f"{kind}.jsonl{'.gz' if use_gzip else ''}"
    if use_gzip:
        atomic_write(final, gzip.compress(read_regular_file(part), mtime=0))
        part.unlink()
    else:
        with os.fdopen(open_nofollow(part, os.O_RDONLY), "rb"):
            pass  # still our regular file, not a link planted during the fetch
        refuse_link(final)
        os.replace(part, final)
        _fsync_dir(folder)
    other = folder / (f"{kind}.jsonl" if use_gzip else f"{kind}.jsonl.gz")
    if os.path.lexists(other):
        other.unlink()  # removes a link itself, never its target
    entry.update(status="done", file=final.name, part_bytes=0)
    save()
