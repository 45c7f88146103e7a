"""``rostergraph fetch --oneroster URL`` and ``rostergraph sync DIR --oneroster URL``.

The options are added to the Clever ``fetch`` and ``sync`` commands; giving
``--oneroster`` switches them to a OneRoster REST server. ClientCredentials come from
environment variables (``--credentials-env PREFIX``: ``PREFIX_CLIENT_ID``,
``PREFIX_CLIENT_SECRET``, ``PREFIX_TOKEN_URL``; default prefix ``ONEROSTER``)
or a JSON file (``--credentials-file``); there is no option that takes a
secret, so none lands in shell history or ``ps`` output. The server address
always comes from the command line, for ``sync`` too (never from the dump).

Examples
--------
>>> import argparse
>>> p = argparse.ArgumentParser()
>>> add_oneroster_options(p, sync=True)
>>> p.parse_args(["--oneroster", "https://sis.test/ims/oneroster/v1p1", "--auth", "oauth1"]).auth
'oauth1'
>>> refuse_oneroster_options(p.parse_args(["--scope", "roster"]))
Traceback (most recent call last):
  ...
rostergraph.cli._common.UsageError: --scope applies to a OneRoster server: give its URL with \
--oneroster (without it the Clever API is used)
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["add_oneroster_options", "cmd_fetch", "cmd_sync", "is_oneroster_dump"]

EXIT_OK, EXIT_HELD = 0, 1


def _pct(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= v <= 100:
        raise argparse.ArgumentTypeError("must be between 0 and 100")
    return v


def add_oneroster_options(p: argparse.ArgumentParser, *, sync: bool) -> None:
    """The OneRoster options of ``fetch`` (``sync=False``) or ``sync``."""
    from ..diff.holds import HoldThresholds
    from ..oneroster.auth import DEFAULT_ENV_PREFIX

    g = p.add_argument_group("OneRoster REST (instead of the Clever API)")
    g.add_argument("--oneroster", metavar="URL",
                   help="the OneRoster rostering root, e.g. https://sis.example.org/ims/"
                        "oneroster/v1p1 (1.1) or .../ims/oneroster/rostering/v1p2 (1.2)")
    g.add_argument("--oneroster-version", choices=("1.1", "1.2"),
                   help="the OneRoster version (default: read from the URL)")
    g.add_argument("--auth", choices=("oauth2", "oauth1"),
                   help="OAuth 2.0 client credentials (default) or OAuth 1.0a signed requests")
    g.add_argument("--token-url", metavar="URL",
                   help="the OAuth 2.0 token URL (or token_url in the credentials file, or "
                        "PREFIX_TOKEN_URL)")
    g.add_argument("--scope", help="OAuth 2.0 scopes to ask for (space separated)")
    g.add_argument("--credentials-env", metavar="PREFIX",
                   help="read PREFIX_CLIENT_ID, PREFIX_CLIENT_SECRET and PREFIX_TOKEN_URL "
                        f"(default prefix {DEFAULT_ENV_PREFIX})")
    g.add_argument("--credentials-file", metavar="PATH",
                   help='a JSON file {"client_id": ..., "client_secret": ..., "token_url": ...}')
    if sync:
        d = HoldThresholds()
        g.add_argument("--hold-if-removed", type=_pct, metavar="PCT",
                       help="hold the sync (write nothing, exit 1) when more than PCT%% of "
                            f"users, sections or enrollments would be removed (default {d.removed:g})")
        g.add_argument("--hold-if-reid", type=_pct, metavar="PCT",
                       help="hold when more than PCT%% of users or sections would get new ids "
                            f"(default {d.reidentified:g})")
        g.add_argument("--no-check-deletions", dest="check_deletions", action="store_false",
                       default=None,
                       help="skip the ids-only listing of each collection that finds records "
                            "the server removed outright (never sent as tobedeleted) and "
                            "those the dump lacks")


#: The options of the OneRoster group (as argparse names them), each None when not given.
_ONLY_ONEROSTER = ("oneroster_version", "auth", "token_url", "scope", "credentials_env",
                   "credentials_file", "hold_if_removed", "hold_if_reid", "check_deletions")


def refuse_oneroster_options(args: argparse.Namespace) -> None:
    """A usage error for OneRoster options given without ``--oneroster`` (the Clever API
    would be used, and they ignored)."""
    from ._common import UsageError

    given = [f"--{name.replace('_', '-')}" for name in _ONLY_ONEROSTER
             if getattr(args, name, None) is not None]
    if given:
        given = ["--no-check-deletions" if g == "--check-deletions" else g for g in given]
        raise UsageError(f"{', '.join(given)} appl{'ies' if len(given) == 1 else 'y'} to a "
                         "OneRoster server: give its URL with --oneroster (without it the "
                         "Clever API is used)")


def is_oneroster_dump(path: str) -> bool:
    """Whether ``path`` holds a dump written by ``fetch --oneroster``."""
    from ..errors import RosterError
    from ..oneroster.dump import read_dump_manifest

    try:
        return read_dump_manifest(path) is not None
    except RosterError:
        return False


def _client(args: argparse.Namespace) -> Any:
    from ..oneroster.auth import DEFAULT_ENV_PREFIX, read_credentials
    from ..oneroster.client import OneRosterClient
    from ._common import log_to_stderr

    creds = read_credentials(env_prefix=args.credentials_env or DEFAULT_ENV_PREFIX,
                             file=args.credentials_file, token_url=args.token_url)
    if not args.quiet:  # say why the command waits (429 waits, retries); never a secret
        log_to_stderr("rostergraph.clever", "rostergraph.oneroster")
    try:
        return OneRosterClient(args.oneroster, creds, auth=args.auth or "oauth2",
                               version=args.oneroster_version, scope=args.scope)
    except ValueError as exc:  # a URL that is not http(s), or names no version
        from ._common import UsageError

        raise UsageError(str(exc)) from None


def cmd_fetch(args: argparse.Namespace) -> int:
    """``rostergraph fetch --oneroster URL --out DIR``."""
    from ..oneroster.client import DEFAULT_LIMIT
    from ..oneroster.dump import fetch_oneroster

    with _client(args) as client:
        result = fetch_oneroster(args.out, client=client, limit=args.limit or DEFAULT_LIMIT,
                                 resume=args.resume, progress=False if args.quiet else None)
    sys.stdout.write(result.summary() + "\n")
    return EXIT_OK


def cmd_sync(args: argparse.Namespace) -> int:
    """``rostergraph sync DIR --oneroster URL``: exit 1 when the sync is held."""
    from ..diff.holds import HoldThresholds
    from ..oneroster.client import DEFAULT_LIMIT
    from ..oneroster.sync import sync_oneroster

    d = HoldThresholds()
    hold = HoldThresholds(
        removed=d.removed if args.hold_if_removed is None else args.hold_if_removed,
        reidentified=d.reidentified if args.hold_if_reid is None else args.hold_if_reid)
    with _client(args) as client:
        result = sync_oneroster(args.path, client=client, limit=args.limit or DEFAULT_LIMIT,
                                hold=hold, progress=False if args.quiet else None,
                                check_deletions=args.check_deletions is not False)
    sys.stdout.write(result.summary() + "\n")
    return EXIT_HELD if result.held else EXIT_OK
