"""``rostergraph fetch``: download a district from the Clever API (or a OneRoster server).

The Clever API options and client here are shared with ``rostergraph sync``.

The token comes from an environment variable (``--token-env``, default
``CLEVER_TOKEN``) or a file (``--token-file``); there is deliberately no
option that takes the token itself, so it never lands in shell history or
``ps`` output.

Examples
--------
>>> import argparse
>>> sub = argparse.ArgumentParser().add_subparsers()
>>> add_fetch(sub)
>>> sorted(sub.choices)
['fetch']
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..clever.api import DEFAULT_BASE_URL, DEFAULT_TOKEN_ENV, MAX_LIMIT, CleverClient, read_token
from ._common import log_to_stderr
from ._oneroster import add_oneroster_options

__all__ = ["add_api_options", "add_fetch", "clever_client"]

_FETCH_EPILOG = """examples:
  export CLEVER_TOKEN=...            # the district-app bearer token
  rostergraph fetch --out ./dump
  rostergraph fetch --out ./dump --resume          # continue an interrupted fetch
  rostergraph fetch --out ./dump-gz --token-file ~/.clever-token --gzip --quiet
  rostergraph summary ./dump
  export ONEROSTER_CLIENT_ID=... ONEROSTER_CLIENT_SECRET=... ONEROSTER_TOKEN_URL=...
  rostergraph fetch --oneroster https://sis.example.org/ims/oneroster/v1p1 --out ./or-dump"""

def _limit(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= n <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_LIMIT}")
    return n


def add_api_options(p: argparse.ArgumentParser, *, base_default: str | None) -> None:
    """``--base-url``, ``--token-env``/``--token-file``, ``--limit`` and ``--quiet`` (fetch, sync)."""
    p.add_argument("--base-url", default=base_default, metavar="URL",
                   help=f"API root with version (default: {DEFAULT_BASE_URL}; never taken "
                        "from a dump folder)")
    tok = p.add_mutually_exclusive_group()
    tok.add_argument("--token-env", metavar="NAME", default=DEFAULT_TOKEN_ENV,
                     help=f"environment variable holding the token (default {DEFAULT_TOKEN_ENV})")
    tok.add_argument("--token-file", metavar="PATH",
                     help="file holding the token (instead of an environment variable)")
    p.add_argument("--limit", type=_limit, default=None, metavar="N",
                   help=f"records per page, 1..{MAX_LIMIT} (default {MAX_LIMIT}; "
                        "1000 with --oneroster)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def add_fetch(sub: Any) -> None:
    """Register ``rostergraph fetch``."""
    p = sub.add_parser(
        "fetch", help="download a district from the Clever API into a dump folder",
        description="Download every district, school, term, course, section and user the "
                    "token can see into DIR (JSON Lines per resource plus manifest.json). "
                    "Handles paging, rate limits and retries; --resume continues an "
                    "interrupted fetch.",
        epilog=_FETCH_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-o", "--out", required=True, metavar="DIR", help="the dump folder to write")
    add_api_options(p, base_default=DEFAULT_BASE_URL)
    p.add_argument("--resume", action="store_true",
                   help="continue the fetch recorded in DIR/manifest.json")
    p.add_argument("--gzip", action="store_true", help="write .jsonl.gz files")
    add_oneroster_options(p, sync=False)
    p.set_defaults(func=_cmd_fetch)


def clever_client(args: argparse.Namespace, base_url: str) -> CleverClient:
    """The Clever API client for ``args`` (its token read from the environment or a file)."""
    token = read_token(env=args.token_env, file=args.token_file)
    if not args.quiet:  # say why the command is waiting (429 waits, retries); never the token
        log_to_stderr("rostergraph.clever")
    return CleverClient(token, base_url=base_url)


def _cmd_fetch(args: argparse.Namespace) -> int:
    from ..clever.dump import fetch_district

    if args.oneroster:
        from ._oneroster import cmd_fetch

        return cmd_fetch(args)
    from ._oneroster import refuse_oneroster_options

    refuse_oneroster_options(args)
    with clever_client(args, args.base_url) as client:
        result = fetch_district(args.out, client=client, limit=args.limit or MAX_LIMIT,
                                resume=args.resume,
                                use_gzip=args.gzip, progress=False if args.quiet else None)
    sys.stdout.write(result.summary() + "\n")
    return 0
