"""Live Clever districts: the v3.0 API client, dump folders and events.

- :class:`CleverClient` — httpx client with paging, a client-side rate
  limiter and bounded retries (:mod:`rostergraph.clever.api`).
- :func:`fetch_district` — a whole district into a dump folder that
  :func:`rostergraph.load` reads, resumable (:mod:`rostergraph.clever.dump`).
- :func:`apply_events` / :func:`sync_dump` — Clever events applied to a
  Roster in memory or to a dump folder (:mod:`rostergraph.clever.events`).

See ``docs/clever-api.md`` for setup, the dump layout and the commands.

Examples
--------
>>> from rostergraph.clever import merge_patch
>>> merge_patch({"name": {"first": "A", "last": "B"}}, {"name": {"last": "C"}})
{'name': {'first': 'A', 'last': 'C'}}
"""

from __future__ import annotations

from .api import DEFAULT_BASE_URL, DEFAULT_TOKEN_ENV, CleverClient, Page, RateLimiter, read_token
from .dump import MANIFEST, FetchResult, fetch_district, read_manifest
from .events import AUDIT_LOG, SyncResult, apply_event_records, apply_events, merge_patch, sync_dump

__all__ = [
    "AUDIT_LOG",
    "DEFAULT_BASE_URL",
    "DEFAULT_TOKEN_ENV",
    "MANIFEST",
    "CleverClient",
    "FetchResult",
    "Page",
    "RateLimiter",
    "SyncResult",
    "apply_event_records",
    "apply_events",
    "fetch_district",
    "merge_patch",
    "read_manifest",
    "read_token",
    "sync_dump",
]
