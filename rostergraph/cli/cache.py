"""``rostergraph cache info|clear``: where the warm snapshots are, and removing them.

The commands that read a roster keep a warm snapshot of it after the first
load (``--no-cache`` turns that off). A snapshot holds the district's records,
students included: it is kept in ``$ROSTERGRAPH_CACHE_DIR`` (default
``$XDG_CACHE_HOME/rostergraph`` or ``~/.cache/rostergraph``), in folders only
their owner may open, and ``rostergraph cache clear`` removes them all.

Examples
--------
>>> import argparse
>>> sub = argparse.ArgumentParser().add_subparsers()
>>> add_cache(sub)
>>> sorted(sub.choices)
['cache']
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ._common import EXIT_OK

__all__ = ["add_cache"]

_EPILOG = """examples:
  rostergraph cache info      # the folder, how many snapshots, their size
  rostergraph cache clear     # remove every snapshot

Snapshots hold the district's records (students included). They live in
$ROSTERGRAPH_CACHE_DIR (default $XDG_CACHE_HOME/rostergraph or ~/.cache/rostergraph),
in a folder only you may open (0700), files only you may read (0600). A snapshot
is used only while the source files are unchanged; give --no-cache to any command
to read the files again without reading or writing a snapshot."""


def add_cache(sub: Any) -> None:
    """Add ``rostergraph cache`` to an argparse subparsers object."""
    p = sub.add_parser(
        "cache", help="show or clear the warm snapshots of loaded rosters",
        description="Show where the warm snapshots of loaded rosters are kept, or remove "
                    "them all.",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("action", choices=("info", "clear"),
                   help="info: the folder, snapshots and size; clear: remove every snapshot")
    p.set_defaults(func=_cmd_cache)


def _snapshots() -> tuple[int, int]:
    """(number of snapshots, bytes they take)."""
    from ..cache import snapshot_folders

    count = size = 0
    for entry in snapshot_folders():
        count += 1
        size += sum(f.stat().st_size for f in entry.iterdir() if f.is_file())
    return count, size


def _cmd_cache(args: argparse.Namespace) -> int:
    from ..cache import cache_dir, clear_cache
    from ..safety import terminal_text

    root = terminal_text(str(cache_dir()))
    count, size = _snapshots()
    if args.action == "clear":
        clear_cache()
        sys.stdout.write(f"removed {count:,} snapshot{'s' if count != 1 else ''} "
                         f"({size / 2**20:,.1f} MiB) from {root}\n")
    else:
        sys.stdout.write(f"{root}: {count:,} snapshot{'s' if count != 1 else ''}, "
                         f"{size / 2**20:,.1f} MiB\n")
    return EXIT_OK
