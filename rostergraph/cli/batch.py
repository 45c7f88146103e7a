"""``rostergraph batch``: summary, validate, orphans and cross-school over many districts.

Examples
--------
>>> import argparse
>>> sub = argparse.ArgumentParser().add_subparsers()
>>> add_batch(sub)
>>> sorted(sub.choices)
['batch']
"""

from __future__ import annotations

import argparse
from typing import Any

from ._common import (
    EXIT_FINDINGS,
    EXIT_OK,
    UsageError,
    add_inflated_limit,
    add_privacy,
    limits_from_args,
    output_folder,
    privacy_from_args,
)

__all__ = ["add_batch"]


def add_batch(sub: Any) -> None:
    """Add ``rostergraph batch`` to an argparse subparsers object."""
    from ..batch import STEPS

    p = sub.add_parser(
        "batch", help="run summary/validate/orphans/cross-school over many districts",
        description="Run steps over many districts (one task per district) on a local process "
                    "pool or a Dask cluster, writing each district's result as it finishes. "
                    "Exit 0 when every district completed, 1 when any failed.",
        epilog="examples:\n"
               "  rostergraph batch ./districts -o out\n"
               "  rostergraph batch d1/ d2/ d3.zip -o out --workers 2\n"
               "  rostergraph batch ./districts -o out --resume     # skip districts already done\n"
               "  (a Dask cluster: --scheduler tcp://HOST:8786)",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("sources", nargs="+", help="district folders/zips, or folders holding them")
    p.add_argument("-o", "--output", required=True, type=output_folder,
                   help="output folder")
    p.add_argument("--scheduler", default="local",
                   help="'local' (process pool, default) or a Dask scheduler address")
    p.add_argument("--workers", type=int, default=None, help="local worker processes")
    p.add_argument("--steps", default=",".join(STEPS),
                   help=f"comma-separated steps (default: {','.join(STEPS)})")
    p.add_argument("--resume", action="store_true", help="skip districts already in OUTPUT")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_inflated_limit(p)
    add_privacy(p)
    p.set_defaults(func=_cmd_batch)


def _cmd_batch(args: Any) -> int:
    from pathlib import Path

    from ..batch import STEPS, run

    steps = tuple(s.strip() for s in args.steps.split(",") if s.strip())
    unknown = [s for s in steps if s not in STEPS]
    if unknown:  # a usage error, before a worker starts or OUTPUT is made
        raise UsageError(f"unknown step {unknown[0]!r} in --steps; known: {', '.join(STEPS)}")
    policy = privacy_from_args(args)
    client = None
    if args.scheduler != "local":
        from dask.distributed import Client

        client = Client(args.scheduler)
    try:
        result = run(args.sources, steps, client=client, max_workers=args.workers,
                     output=args.output, resume=args.resume, progress=not args.quiet,
                     privacy=policy, limits=limits_from_args(args))
    finally:
        if client is not None:
            client.close()
    out = Path(args.output)
    for step, t in result.tables.items():
        t.to_csv(out / f"{step}.csv")
    result.failures.to_csv(out / "failures.csv")
    result.worst_rules().to_csv(out / "worst_rules.csv")
    print(result.summary_text())
    return EXIT_OK if not len(result.failures) else EXIT_FINDINGS
