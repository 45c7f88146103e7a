"""``rostergraph diff OLD NEW``: the CLI over :func:`rostergraph.diff`.

Exit status: 0 the change may sync; 1 a sync hold was triggered (a removal or
re-id share over its threshold) or, with ``--fail-on-reach-loss``, a
teacher–student pair was lost; 2 usage or I/O error.

Examples
--------
>>> import argparse
>>> sub = argparse.ArgumentParser().add_subparsers()
>>> add_diff(sub)
>>> sorted(sub.choices)
['diff']
"""

from __future__ import annotations

import argparse
from typing import Any

from ._common import NO_CACHE_HELP, add_inflated_limit, add_privacy

__all__ = ["add_diff"]

EXIT_OK, EXIT_HELD, EXIT_USAGE = 0, 1, 2

_EPILOG = """examples:
  rostergraph diff ./sync-monday ./sync-tuesday     # two dumps of the same district
  rostergraph diff old/ new/ --format markdown -o diff.md
  rostergraph diff old/ new/ --format json --ignore-timestamps
  rostergraph diff old/ new/ --hold-if-removed 5 --hold-if-reid 2 --fail-on-reach-loss

exit status: 0 no hold; 1 a sync hold (over --hold-if-removed / --hold-if-reid; defaults
10%) or, with --fail-on-reach-loss, a lost teacher-student pair; 2 usage or I/O error."""


def _pct(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a percentage, found {text!r}") from None
    if not 0 <= v <= 100:
        raise argparse.ArgumentTypeError(f"expected a percentage from 0 to 100, found {text}")
    return v


def add_diff(sub: Any) -> None:
    """Add ``rostergraph diff`` to an argparse subparsers object."""
    from ..diff.holds import HoldThresholds

    d = HoldThresholds()
    p = sub.add_parser(
        "diff", help="what changed between two syncs: records, re-created ids, reach, holds",
        description="Compare two rosters (any supported format): records added, removed, "
                    "changed and re-identified (new ids for the same term, course, section "
                    "or user; employee merges and splits), teacher-student pairs gained and "
                    "lost, primary school and orphan changes, and sync holds.",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("old", help="the earlier roster (folder, file or zip)")
    p.add_argument("new", help="the later roster")
    p.add_argument("--format", choices=("text", "markdown", "json"), default=None,
                   help="output format (default: by the -o extension, .json/.md, else text)")
    p.add_argument("-o", "--output",
                   help="write to this file instead of stdout (- for stdout)")
    p.add_argument("--fail-on-reach-loss", action="store_true",
                   help="exit 1 when any teacher-student pair is lost")
    p.add_argument("--hold-if-removed", type=_pct, default=d.removed, metavar="PCT",
                   help="hold (exit 1) when more than PCT%% of users, sections or enrollments "
                        f"would be removed (default {d.removed:g})")
    p.add_argument("--hold-if-reid", type=_pct, default=d.reidentified, metavar="PCT",
                   help="hold (exit 1) when more than PCT%% of users or sections would get "
                        f"new ids (default {d.reidentified:g})")
    p.add_argument("--ignore-timestamps", action="store_true",
                   help="a change of last_modified/created alone is not a change")
    p.add_argument("--no-reid", action="store_true",
                   help="report plain adds and removes (no natural-key matching)")
    p.add_argument("--limit", type=int, default=50, metavar="N",
                   help="rows per list in text/Markdown output (default 50)")
    p.add_argument("--strict", action="store_true",
                   help="fail on the first data problem instead of reporting it")
    add_inflated_limit(p)
    p.add_argument("--no-cache", action="store_true", help=NO_CACHE_HELP)
    p.add_argument("--quiet", action="store_true",
                   help="no progress bar on stderr, no note about the warm snapshots")
    add_privacy(p)
    p.set_defaults(func=_cmd_diff)


def _cmd_diff(args: argparse.Namespace) -> int:
    from ..diff.core import diff
    from ..diff.holds import HoldThresholds
    from ..diff.render import render_diff
    from ._common import (
        UsageError,
        limits_from_args,
        output_format,
        privacy_from_args,
        write_output,
    )
    from .guide import steps

    if args.limit < 0:  # (a negative slice would cut the last rows off every list)
        raise UsageError("--limit must be 0 or more")
    policy = privacy_from_args(args)
    limits = limits_from_args(args)
    steps(args).step(f"loading {args.old}")
    old = _load_named(args, args.old, limits)
    steps(args).step(f"loading {args.new}")
    new = _load_named(args, args.new, limits)
    steps(args).step("comparing")
    d = diff(old, new, ignore_timestamps=args.ignore_timestamps, detect_reid=not args.no_reid)
    th = HoldThresholds(removed=args.hold_if_removed, reidentified=args.hold_if_reid)
    steps(args).step("writing")
    write_output(render_diff(d, output_format(args), thresholds=th, limit=args.limit,
                             privacy=policy), args.output)
    held = bool(d.hold_reasons(th))
    lost = args.fail_on_reach_loss and bool(
        len(d.reach_changes()) and (d.reach_changes()["change"] == "lost").any())
    return EXIT_HELD if held or lost else EXIT_OK


def _load_named(args: argparse.Namespace, path: str, limits: Any) -> Any:
    """The roster at ``path``; an error names the file under ``path`` (both rosters of a
    diff hold a ``terms.jsonl``: the error says which one is at fault)."""
    import os

    from ..errors import RosterError
    from ._common import load_path

    try:
        return load_path(args, path, strict=args.strict, limits=limits)
    except RosterError as e:
        where = getattr(e, "path", None)  # (errors that name a place have one)
        if where and not os.path.isabs(where) and not str(where).startswith(str(path)):
            e.path = os.path.join(path, where)  # type: ignore[attr-defined]
        raise
