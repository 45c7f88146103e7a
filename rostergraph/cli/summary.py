"""``rostergraph summary``: counts by kind and role, relations, stub nodes and problems.

Examples
--------
>>> from rostergraph.cli import main
>>> main(["summary", "--sample", "--quiet"])  # doctest: +ELLIPSIS
source: ...
0
"""

from __future__ import annotations

import argparse
from typing import Any

from ._common import EXIT_OK, add_source, load_source, write_output

__all__ = ["add_summary", "summary_dict"]


def add_summary(sub: Any) -> None:
    """Add ``rostergraph summary`` to an argparse subparsers object."""
    p = sub.add_parser(
        "summary", help="counts by kind and role, relations, stub nodes and problems",
        description="Print counts by kind and role, edges per relation, stub nodes "
                    "(references to missing records) and load problems.",
        epilog="examples:\n  rostergraph summary --sample\n"
               "  rostergraph summary ./dump --format json      # a Clever dump folder",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_source(p)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=_cmd_summary)


def summary_dict(roster: Any, g: Any) -> dict[str, Any]:
    """The facts ``rostergraph summary`` prints, as plain data."""
    from ..completeness import coverage, delivery, gap_lines

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
        "delivery": delivery(g).to_dicts(),
        "coverage": coverage(g).to_dicts(),
        "gaps": gap_lines(g),
    }


def _cmd_summary(args: argparse.Namespace) -> int:
    from ..graph import RosterGraph
    from ..safety import json_dumps, terminal_text
    from .guide import steps

    roster = load_source(args)
    steps(args).step("building the graph")
    g = RosterGraph.from_roster(roster)
    data = summary_dict(roster, g)
    if args.format == "json":
        write_output(json_dumps(data, indent=True), None)
        return EXIT_OK
    lines = [f"source: {terminal_text(data['source'])} ({data['format']})"]
    for title, key in (("records", "records"), ("users by role", "roles"),
                       ("edges by relation", "relations"), ("stub nodes", "stub_nodes")):
        lines.append(f"{title}:")
        lines += [f"  {k:<16} {v:>9,}" for k, v in data[key].items()]
    n_prob = sum(data["problems"].values())
    lines.append(f"problems: {n_prob}")
    lines += [f"  {k:<16} {v:>9,}" for k, v in data["problems"].items()]
    lines.append(f"gaps: {len(data['gaps']) or 'none'}")
    lines += [f"  {line}" for line in data["gaps"]]
    write_output("\n".join(lines), None)
    return EXIT_OK
