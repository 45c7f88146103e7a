"""``rostergraph sync``: apply new Clever events (or OneRoster changes) to a dump folder.

The API address is never taken from the dump folder: the default, ``--base-url``
or ``--oneroster URL``.

Examples
--------
>>> import argparse
>>> sub = argparse.ArgumentParser().add_subparsers()
>>> add_sync(sub)
>>> sorted(sub.choices)
['sync']
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..clever.api import DEFAULT_BASE_URL, MAX_LIMIT
from ._oneroster import add_oneroster_options
from .fetch import add_api_options, clever_client

__all__ = ["add_sync"]

_SYNC_EPILOG = """examples:
  rostergraph sync ./dump                    # apply new events; cursor in manifest.json
  rostergraph sync ./dump --token-env MY_DISTRICT_TOKEN --quiet
  rostergraph sync ./or-dump --oneroster https://sis.example.org/ims/oneroster/v1p1"""


def add_sync(sub: Any) -> None:
    """Register ``rostergraph sync``."""
    p = sub.add_parser(
        "sync", help="apply new Clever events to a dump folder",
        description="Poll /events after the dump's last event id, apply created/updated/"
                    "deleted events to the dump's files (atomically), append them to "
                    "events.audit.jsonl and advance the cursor.",
        epilog=_SYNC_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("path", metavar="DIR", help="a dump folder written by 'rostergraph fetch'")
    add_api_options(p, base_default=None)  # None: DEFAULT_BASE_URL unless --base-url
    add_oneroster_options(p, sync=True)
    p.set_defaults(func=_cmd_sync)


def _cmd_sync(args: argparse.Namespace) -> int:
    import os

    from ..clever.dump import read_manifest
    from ..clever.events import sync_dump
    from ..errors import SourceError

    if not os.path.isdir(args.path):
        raise SourceError("no such folder" if not os.path.lexists(args.path) else
                          "not a folder: sync updates a dump folder written by 'rostergraph "
                          "fetch'", path=args.path)
    if args.oneroster:
        from ._oneroster import cmd_sync

        return cmd_sync(args)
    from ._oneroster import is_oneroster_dump, refuse_oneroster_options

    refuse_oneroster_options(args)
    if is_oneroster_dump(args.path):
        raise SourceError("a OneRoster dump: give the server with --oneroster URL (the "
                          "address is never taken from the dump)", path=args.path)
    manifest = read_manifest(args.path)
    if manifest is None:
        raise SourceError("no manifest.json: not a dump written by 'rostergraph fetch'",
                          path=args.path)
    # the API address (where the token goes) is never taken from the dump folder:
    # only the default or --base-url; sync_dump refuses a manifest naming another
    base = args.base_url or DEFAULT_BASE_URL
    with clever_client(args, base) as client:
        result = sync_dump(args.path, client=client, limit=args.limit or MAX_LIMIT,
                           progress=False if args.quiet else None)
    sys.stdout.write(result.summary() + "\n")
    return 0
