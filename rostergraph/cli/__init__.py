"""The ``rostergraph`` command line: a thin shell over the public functions.

One module per command (``summary``, ``list_``, ``query``, ``fetch``, ``sync``,
``validate``, ``report``, ``batch``, ``synth``, ``diff``, ``convert``,
``cache``), each with an ``add_<name>(subparsers)`` that registers it and a
``_cmd_<name>(args) -> exit code`` that runs it; what they share (the roster
source and its warm snapshot, privacy options, output) is in ``_common``, the
suggestions, colour and progress bars in ``guide``. ``main()`` turns every
:class:`~rostergraph.errors.RosterError` into a one-line message on stderr and
exit code 2 (no tracebacks for user errors). No other module of the package
imports this one.

Examples
--------
>>> main(["summary", "--sample", "--format", "json"])  # doctest: +ELLIPSIS
{...}
0
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import RosterError
from ._common import EXIT_OK, EXIT_USAGE, Parser, UsageError
from .batch import add_batch
from .cache import add_cache
from .convert import add_convert
from .diff import add_diff
from .fetch import add_fetch
from .list_ import add_list
from .query import add_query
from .report import add_report
from .summary import add_summary, summary_dict
from .sync import add_sync
from .synth import add_synth
from .validate import add_validate

__all__ = ["COMMANDS", "build_parser", "main", "summary_dict"]

#: Functions that add a subcommand, in the order ``rostergraph --help`` lists them.
COMMANDS: list[Callable[[Any], None]] = [
    add_summary, add_list, add_query, add_fetch, add_sync, add_validate, add_report,
    add_batch, add_synth, add_diff, add_convert, add_cache]


_EPILOG = """`rostergraph COMMAND --help` shows a command's options and examples (most of
them run as printed against the embedded sample, --sample).

Warm snapshots: summary, list, query, validate, report and diff keep a snapshot
of each roster folder or file they read and use it while the files are
unchanged (one note on stderr says so; the output is the same). Snapshots hold
student records: they live in $ROSTERGRAPH_CACHE_DIR (default
$XDG_CACHE_HOME/rostergraph or ~/.cache/rostergraph), readable by you only.
--no-cache reads the files without a snapshot; 'rostergraph cache clear' removes
them all."""


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (used by ``main`` and by docs checks)."""
    from .._version import __version__

    parser = Parser(prog="rostergraph", description="K-12 rosters as a typed multigraph: "
                    "load, query, validate, diff and report.", epilog=_EPILOG,
                    formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"rostergraph {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    for add in COMMANDS:
        add(sub)
    return parser


#: Steps per command for the progress bar (loading, building, working, writing).
_STEPS = {"summary": 2, "query": 3, "list": 2, "validate": 3, "report": 3, "diff": 4,
          "convert": 1}


#: Commands whose ``-o -`` means standard output (the others' -o is a folder).
_DASH_IS_STDOUT = frozenset({"validate", "report", "diff"})


#: Options and arguments that name a file or folder.
_PATH_OPTIONS = ("path", "source", "output", "output_option", "old", "new", "sources", "out",
                 "token_file", "pseudonym_key_file", "credentials_file")


#: the ``rostergraph list`` that shows the ids of a kind an unknown id was searched among
_LISTED: dict[tuple[str, ...], str] = {
    ("user",): "teachers|students", ("school",): "schools", ("section",): "sections"}


def _list_hint(exc: RosterError) -> str:
    """``"; rostergraph list schools --name TEXT shows the ids"`` after an unknown id (a
    name typed where an id goes), ``""`` for other errors."""
    from ..errors import UnknownIdError, WrongKindError

    if not isinstance(exc, UnknownIdError) or isinstance(exc, WrongKindError):
        return ""
    listed = _LISTED.get(exc.kinds)
    return f"; rostergraph list {listed} --name TEXT shows the ids" if listed else ""


def _subparser(parser: argparse.ArgumentParser, args: argparse.Namespace
               ) -> argparse.ArgumentParser:
    """The deepest subcommand parser ``args`` went through (for option suggestions)."""
    current = parser
    while True:
        sub = next((a for a in current._actions
                    if isinstance(a, argparse._SubParsersAction)), None)
        chosen = getattr(args, sub.dest, None) if sub is not None and sub.dest else None
        if sub is None or chosen not in sub.choices:
            return current
        current = sub.choices[chosen]


def _misplaced(sub: argparse.ArgumentParser, unknown: list[str]) -> bool:
    """Whether every word left unrecognized is an option of the command ``sub`` typed before
    the command's name (``rostergraph query --sample reach``): a flag, or ``--opt=value``
    (a value in a word of its own was taken for the command's name)."""
    options = {o: a for a in sub._actions for o in a.option_strings}
    for word in unknown:
        name, eq, _ = word.partition("=")
        action = options.get(name)
        if action is None or not word.startswith("-") or not (eq or action.nargs == 0):
            return False
    return True


def _intermixed(parser: argparse.ArgumentParser, argv: list[str], args: argparse.Namespace,
                unknown: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """``argv`` parsed again with options allowed between the command's positional
    arguments (``convert SRC --to F OUT``): argparse alone takes the positional arguments
    of the first run it meets and leaves the rest unrecognized. Its own intermixed parsing
    runs on the command's parser, over the words after the command's name, and what it
    leaves is what is unrecognized (``(args, unknown)`` as they were when it cannot run)."""
    current, rest = parser, argv
    while True:
        sub = next((a for a in current._actions
                    if isinstance(a, argparse._SubParsersAction)), None)
        if sub is None:
            break
        chosen = getattr(args, sub.dest, None) if sub.dest else None
        if chosen not in sub.choices or chosen not in rest:
            return args, unknown
        rest = rest[rest.index(chosen) + 1:]
        current = sub.choices[chosen]
    try:
        again, left = current.parse_known_intermixed_args(rest)
    except TypeError:  # (a parser argparse cannot parse intermixed)
        return args, unknown
    return argparse.Namespace(**(vars(args) | vars(again))), left


def _stdout_to_devnull() -> None:
    """Point standard output at the null device after the reader of its pipe left, so that
    the interpreter's last flush of what is still buffered does not fail again ("Exception
    ignored ... BrokenPipeError" on stderr)."""
    import os

    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # (a stream without a descriptor)
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, fd)
    finally:
        os.close(null)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 findings, 2 errors)."""
    from ..safety import home_path, terminal_text
    from .guide import Steps, option_hint

    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:  # bare `rostergraph`: the help, not an error
        parser.print_help()
        return EXIT_OK
    args, unknown = parser.parse_known_args(argv)
    if any(not u.startswith("-") for u in unknown):
        args, unknown = _intermixed(parser, argv, args, unknown)
    if unknown and _misplaced(_subparser(parser, args), unknown):
        rest = list(argv)
        for word in unknown:
            rest.remove(word)
        args, unknown = parser.parse_known_args(rest + unknown)
        if any(not u.startswith("-") for u in unknown):
            args, unknown = _intermixed(parser, rest + unknown, args, unknown)
    if unknown:
        sub = _subparser(parser, args)
        options = [o for a in sub._actions for o in a.option_strings]
        sub.error(f"unrecognized arguments: {' '.join(unknown)}"
                  + option_hint(unknown, options))
    if args.command in _DASH_IS_STDOUT and getattr(args, "output", None) == "-":
        args.output = None  # `-o -`: standard output, as without -o
    for name in _PATH_OPTIONS:
        value = getattr(args, name, None)
        if isinstance(value, str):
            setattr(args, name, home_path(value))
        elif isinstance(value, list):
            setattr(args, name, [home_path(v) if isinstance(v, str) else v for v in value])
    args._progress = Steps(args.command, _STEPS.get(args.command),
                       quiet=bool(getattr(args, "quiet", False)))
    try:
        return int(args.func(args))
    except UsageError as exc:  # (the command's usage lines, as argparse's own errors)
        _subparser(parser, args).print_usage(sys.stderr)
        print(f"rostergraph: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except RosterError as exc:
        policy = getattr(args, "privacy_policy", None)
        text = policy.apply_error(exc) if policy is not None else str(exc)
        print(f"rostergraph: error: {terminal_text(text)}{_list_hint(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # (an OSError: caught first) the reader left, `... | head`
        _stdout_to_devnull()
        return EXIT_OK
    except OSError as exc:  # unreadable/unwritable paths given by the user
        print(f"rostergraph: error: {terminal_text(_os_error(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("rostergraph: interrupted", file=sys.stderr)
        return 130
    finally:
        args._progress.close()


def _os_error(exc: OSError) -> str:
    """An OSError as ``path: reason`` (the path the user gave, not a temporary file of
    an atomic write beside it: that one's folder), or its own text when it names none.

    >>> _os_error(PermissionError(1, "Operation not permitted", "/d/.rostergraph-x1.tmp",
    ...                           None, "/d/r.html"))
    '/d/r.html: Operation not permitted'
    >>> _os_error(FileNotFoundError(2, "No such file or directory", "/k/key"))
    '/k/key: No such file or directory'
    """
    path = exc.filename2 or exc.filename
    if path is None or not exc.strerror:
        return str(exc)
    path = os.fspath(path)
    name = os.path.basename(path)
    if name.startswith(".rostergraph-") and name.endswith(".tmp"):
        path = os.path.dirname(path) or "."
    return f"{path}: {exc.strerror}"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
