"""The ``rostergraph`` command line: a thin shell over the public functions.

Each command is a function ``_cmd_<name>(args) -> exit code`` registered by an
``_add_<name>(subparsers)`` function; ``main()`` turns every
:class:`~rostergraph.errors.RosterError` into a one-line message on stderr and
exit code 2 (no tracebacks for user errors).

Examples
--------
>>> main(["summary", "--sample", "--format", "json"])  # doctest: +ELLIPSIS
{...}
0
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

import orjson

from .errors import RosterError

__all__ = ["main"]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # usage errors: exit 2 with one line
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"rostergraph: error: {message}\n")


def add_source(p: argparse.ArgumentParser) -> None:
    """``PATH`` or ``--sample``: the roster a command works on."""
    p.add_argument("path", nargs="?", help="roster folder, file or zip (any supported format)")
    p.add_argument("--sample", action="store_true", help="use the embedded sample district")
    p.add_argument("--strict", action="store_true",
                   help="fail on the first data problem instead of reporting it")


def load_source(args: argparse.Namespace) -> Any:
    """The Roster named by ``add_source``'s arguments."""
    from . import load, sample

    if args.sample == bool(args.path):
        raise _UsageError("give a roster PATH or --sample (exactly one)")
    if args.sample:
        return sample()
    return load(args.path, strict=args.strict)


class _UsageError(Exception):
    pass


def write_output(text: str, output: str | None) -> None:
    """Print ``text`` or write it atomically to ``output``."""
    if output:
        import os
        import tempfile

        d = os.path.dirname(os.path.abspath(output))
        fd, tmp = tempfile.mkstemp(dir=d, prefix=".rostergraph-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
            os.replace(tmp, output)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


# --- summary -------------------------------------------------------------------


def _add_summary(sub: Any) -> None:
    p = sub.add_parser(
        "summary", help="counts by kind and role, relations, stub nodes and problems",
        description="Print counts by kind and role, edges per relation, stub nodes "
                    "(references to missing records) and load problems.",
        epilog="examples:\n  rostergraph summary --sample\n"
               "  rostergraph summary ./dump --format json",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_source(p)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=_cmd_summary)


def summary_dict(roster: Any, g: Any) -> dict[str, Any]:
    """The facts ``rostergraph summary`` prints, as plain data."""
    problems: dict[str, int] = {}
    for pr in roster.problems:
        problems[pr.code] = problems.get(pr.code, 0) + 1
    return {
        "source": roster.provenance.source,
        "format": roster.provenance.format,
        "records": roster.counts(),
        "roles": g.role_counts(),
        "relations": g.relation_counts(),
        "stub_nodes": g.stub_counts(),
        "problems": dict(sorted(problems.items())),
    }


def _cmd_summary(args: argparse.Namespace) -> int:
    from .graph import RosterGraph

    roster = load_source(args)
    g = RosterGraph.from_roster(roster)
    data = summary_dict(roster, g)
    if args.format == "json":
        write_output(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode(), None)
        return EXIT_OK
    lines = [f"source: {data['source']} ({data['format']})"]
    for title, key in (("records", "records"), ("users by role", "roles"),
                       ("edges by relation", "relations"), ("stub nodes", "stub_nodes")):
        lines.append(f"{title}:")
        lines += [f"  {k:<16} {v:>9,}" for k, v in data[key].items()]
    n_prob = sum(data["problems"].values())
    lines.append(f"problems: {n_prob}")
    lines += [f"  {k:<16} {v:>9,}" for k, v in data["problems"].items()]
    write_output("\n".join(lines), None)
    return EXIT_OK


# --- registry --------------------------------------------------------------------

#: Functions that add a subcommand; other modules' commands are added here too.
COMMANDS: list[Callable[[Any], None]] = [_add_summary]


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (used by ``main`` and by docs checks)."""
    from . import __version__

    parser = _Parser(prog="rostergraph", description="K-12 rosters as a typed multigraph: "
                     "load, query, validate, diff and report.")
    parser.add_argument("--version", action="version", version=f"rostergraph {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 findings, 2 errors)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except _UsageError as exc:
        parser.print_usage(sys.stderr)
        print(f"rostergraph: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except RosterError as exc:
        print(f"rostergraph: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # unreadable/unwritable paths given by the user
        print(f"rostergraph: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("rostergraph: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
