"""``rostergraph list``: the teachers, students, sections or schools, with ids and names.

(The module is ``list_``: a submodule named ``list`` would hide the builtin inside
the package.)

Examples
--------
>>> from rostergraph.cli import main
>>> main(["list", "schools", "--sample", "--format", "csv", "--quiet"])  # doctest: +ELLIPSIS
school,...
0
"""

from __future__ import annotations

import argparse
from typing import Any

from ._common import (
    EXIT_OK,
    add_privacy,
    add_source,
    load_source,
    privacy_from_args,
    render_table,
    write_output,
)

__all__ = ["add_list"]


_LIST_EPILOG = """examples:
  rostergraph list teachers --sample
  rostergraph list students --sample --school 5f7a5c000000000000000003
  rostergraph list sections --sample --name algebra
  rostergraph list schools --sample --format csv
  rostergraph list students --sample --privacy redacted --format json"""


def add_list(sub: Any) -> None:
    """Add ``rostergraph list`` to an argparse subparsers object."""
    from ..listing import KINDS

    p = sub.add_parser(
        "list", help="list teachers, students, sections or schools with their ids and names",
        description="List the teachers, students, sections or schools of a roster, with "
                    "names and counts: the ids the query commands take. People's names show "
                    "in --privacy full only.",
        epilog=_LIST_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", choices=KINDS, metavar="{" + ",".join(KINDS) + "}",
                   help="what to list")
    add_source(p)
    p.add_argument("--school", metavar="ID", help="only records of this school")
    p.add_argument("--name", metavar="TEXT",
                   help="only records whose name contains TEXT (case-insensitive)")
    p.add_argument("--format", choices=("text", "csv", "json"), default="text")
    add_privacy(p)
    p.set_defaults(func=_cmd_list)


def _cmd_list(args: argparse.Namespace) -> int:
    from ..graph import RosterGraph
    from ..labels import with_labels
    from ..listing import list_records
    from .guide import steps

    policy = privacy_from_args(args)
    roster = load_source(args)
    steps(args).step("building the graph")
    g = RosterGraph.from_roster(roster)
    table = with_labels(list_records(g, args.what, school=args.school, name=args.name), g)
    write_output(render_table(policy.bind(g).apply_table(table), args.format), None)
    return EXIT_OK
