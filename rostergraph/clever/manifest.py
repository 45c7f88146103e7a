"""Checks on a dump folder's ``manifest.json``: it is data, never configuration.

A dump folder may come from somebody else (shared between colleagues, unpacked
from a tarball), so nothing in its manifest may steer where the token is sent
or where a file is written:

- :func:`check_base_url` — the API address comes only from the code's default
  or the caller's ``base_url`` (``--base-url``); a manifest naming another is
  refused;
- :func:`check_manifest` — every file name is the plain name a fetch writes,
  counters are non-negative whole numbers, cursors are strings.

Examples
--------
>>> is_plain_name("users.jsonl"), is_plain_name("../users.jsonl")
(True, False)
"""

from __future__ import annotations

import os
from typing import Any

from ..errors import FormatError, SourceError
from ..model import KINDS
from .api import MAX_LIMIT, CleverClient

__all__ = ["MAX_MANIFEST_BYTES", "check_base_url", "check_manifest", "is_plain_name"]

#: The largest manifest read (a real one is a few kilobytes).
MAX_MANIFEST_BYTES = 1 << 20


def _bad(path: str, key: str, message: str) -> FormatError:
    return FormatError(f"{message} (refused: a dump folder is data, not configuration)",
                       path=path, field=key)


#: The states a resource of a dump goes through.
_STATUSES = frozenset({"pending", "partial", "done"})


def check_manifest(doc: dict[str, Any], path: str) -> None:
    """Refuse a manifest whose values could steer a writer or a request.

    Every file name must be the plain name the fetch writes (``users.jsonl``
    or ``users.jsonl.gz``): no folder separators, no ``..``, no absolute
    path. Counters and cursors must have the types the fetch writes.
    """
    base = doc.get("base_url")
    if base is not None and not isinstance(base, str):
        raise _bad(path, "base_url", "base_url is not a string")
    resources = doc.get("resources")
    if not isinstance(resources, dict):
        raise _bad(path, "resources", "'resources' is missing or not an object")
    for kind in KINDS:  # the fetch writes an entry for every kind, each with a status
        if kind not in resources:
            raise _bad(path, f"resources.{kind}", f"no entry for {kind}")
    for kind, entry in resources.items():
        key = f"resources.{kind}"
        if kind not in KINDS:
            raise _bad(path, key, f"unknown resource {kind!r}")
        if not isinstance(entry, dict):
            raise _bad(path, key, "not an object")
        if entry.get("status") not in _STATUSES:
            raise _bad(path, key + ".status",
                       f"status is not one of {', '.join(sorted(_STATUSES))}")
        name = entry.get("file")
        if name is not None:
            if not is_plain_name(name):
                raise _bad(path, key + ".file",
                           f"file name {name!r} is not a plain file name inside the dump")
            if name not in (f"{kind}.jsonl", f"{kind}.jsonl.gz"):
                raise _bad(path, key + ".file",
                           f"file name {name!r} is not {kind}.jsonl or {kind}.jsonl.gz")
        for field in ("count", "pages", "part_bytes", "rejected"):
            _check_count(entry.get(field), path, f"{key}.{field}")
        if entry.get("cursor") is not None and not isinstance(entry["cursor"], str):
            raise _bad(path, key + ".cursor", "the cursor is not a string")
    events = doc.get("events")
    if events is not None:
        if not isinstance(events, dict):
            raise _bad(path, "events", "'events' is not an object")
        for field in ("applied", "audit_bytes"):
            _check_count(events.get(field), path, f"events.{field}")
        for field in ("last_event_id", "recorded_at", "synced_at"):
            if events.get(field) is not None and not isinstance(events[field], str):
                raise _bad(path, f"events.{field}", "not a string")
    limit = doc.get("limit")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)
                              or not 1 <= limit <= MAX_LIMIT):
        raise _bad(path, "limit", f"the page size is not a whole number in 1..{MAX_LIMIT}")


def _check_count(value: Any, path: str, key: str) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                              or value < 0):
        raise _bad(path, key, "not a non-negative whole number")


def is_plain_name(name: Any) -> bool:
    """Whether ``name`` is one plain file name (no folder part, no ``..``, no NUL).

    Examples
    --------
    >>> is_plain_name("users.jsonl"), is_plain_name("../x"), is_plain_name("/etc/passwd")
    (True, False, False)
    >>> is_plain_name("a\\\\b"), is_plain_name(".."), is_plain_name("")
    (False, False, False)
    """
    return (isinstance(name, str) and name not in ("", ".", "..")
            and not any(ch in name for ch in "/\\\x00")
            and not (len(name) >= 2 and name[1] == ":")
            and not os.path.isabs(name))


def check_base_url(manifest: dict[str, Any], client: CleverClient,
                   folder: str | os.PathLike[str]) -> None:
    """Refuse a dump whose manifest names another API than the client talks to.

    The API address (and so where the token goes) comes only from the code's
    default or the caller's ``base_url`` (``--base-url``), never from a dump
    folder: a manifest that names another one is refused, not followed.

    Raises
    ------
    SourceError
        The manifest's ``base_url`` differs from ``client.base_url``.

    Examples
    --------
    >>> c = CleverClient("tok", base_url="https://api.clever.com/v3.0")
    >>> check_base_url({"base_url": "https://api.clever.com/v3.0"}, c, "dump")
    >>> check_base_url({"base_url": "http://evil.test/v3.0"}, c, "dump")
    Traceback (most recent call last):
    ...
    rostergraph.errors.SourceError: dump: manifest.json says the dump was fetched from 'http://evil.test/v3.0', but this run talks to https://api.clever.com/v3.0 (the default or --base-url). The API address is never taken from a dump folder; if you trust that address, pass it with --base-url
    """
    said = manifest.get("base_url")
    if said == client.base_url:
        return
    shown = repr(said)
    if len(shown) > 200:
        shown = shown[:200] + "…"
    raise SourceError(f"manifest.json says the dump was fetched from {shown}, but this run "
                      f"talks to {client.base_url} (the default or --base-url). The API "
                      "address is never taken from a dump folder; if you trust that address, "
                      "pass it with --base-url", path=os.fspath(folder))
