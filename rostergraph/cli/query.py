"""``rostergraph query``: reach and why, cross-school, orphans, visibility.

Examples
--------
>>> from rostergraph.cli import main
>>> main(["query", "orphans", "--sample", "--format", "csv", "--quiet"])  # doctest: +ELLIPSIS
user,...
0
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ._common import (
    EXIT_OK,
    Parser,
    add_privacy,
    add_source,
    label_table,
    load_source,
    privacy_from_args,
    render_table,
    write_output,
)

__all__ = ["add_query", "run_query"]


_QUERY_HELP = {
    "students-of": "students a teacher reaches (--teacher ID [--primary-only])",
    "teachers-of": "teachers of a student's sections (--student ID)",
    "why": "sections linking a teacher and a student (--teacher ID --student ID)",
    "reach": "every (teacher, student) pair with its link count ([--teacher ID] [--school ID] "
             "[--term ID])",
    "cross-school": "cross-school enrollments ([--teachers] for teaching, [--flow] for the "
                    "school matrix)",
    "orphans": "users whose role links them to no one",
    "visible": "what a user may see under their roles (--user ID)",
}


def add_query(sub: Any) -> None:
    """Add ``rostergraph query`` and its questions to an argparse subparsers object."""
    p = sub.add_parser(
        "query", help="association queries: reach and why, cross-school, orphans, visibility",
        description="Answer an association question on a roster; output as text, CSV or JSON.",
        epilog="examples (ids from `rostergraph list teachers|students|schools --sample`):\n"
               "  rostergraph query students-of --sample --teacher 5f7a7ea00000000000000004\n"
               "  rostergraph query teachers-of --sample --student 5f7a57d00000000000000026\n"
               "  rostergraph query why --sample --teacher 5f7a7ea00000000000000004 "
               "--student 5f7a57d00000000000000026\n"
               "  rostergraph query reach --sample --teacher 5f7a7ea00000000000000004\n"
               "  rostergraph query reach ./dump --school 5f7a5c000000000000000003 --format csv"
               " > pairs.csv\n"
               "  rostergraph query cross-school --sample --flow\n"
               "  rostergraph query orphans ./dump --format json --privacy redacted\n"
               "  rostergraph query visible --sample --user 5f7a7ea00000000000000004",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    qs = p.add_subparsers(dest="query", metavar="QUERY", parser_class=Parser)
    qs.required = True
    for name, text in _QUERY_HELP.items():
        q = qs.add_parser(name, help=text, description=text)
        add_source(q)
        q.add_argument("--format", choices=("text", "csv", "json"), default="text")
        if name in ("students-of", "why"):
            q.add_argument("--teacher", required=True, metavar="ID", help="teacher user id")
        if name in ("teachers-of", "why"):
            q.add_argument("--student", required=True, metavar="ID", help="student user id")
        if name == "students-of":
            q.add_argument("--primary-only", action="store_true",
                           help="only sections where the teacher is primary")
        if name == "reach":
            q.add_argument("--teacher", metavar="ID", help="only this teacher's pairs")
            q.add_argument("--school", metavar="ID", help="only sections of this school")
            q.add_argument("--term", metavar="ID", help="only sections of this term")
        if name == "cross-school":
            g = q.add_mutually_exclusive_group()
            g.add_argument("--teachers", action="store_true", help="cross-school teaching")
            g.add_argument("--flow", action="store_true",
                           help="home school → section school counts")
        if name == "visible":
            q.add_argument("--user", required=True, metavar="ID", help="viewer user id")
        q.add_argument("--no-labels", action="store_true",
                       help="ids only: no name columns next to school, section, term, course "
                            "and people ids (people's names show in --privacy full only)")
        add_privacy(q)
        q.set_defaults(func=_cmd_query)


def run_query(args: argparse.Namespace, g: Any) -> Any:
    """The Table a ``query`` command asks for."""
    from .. import queries as qy

    name = args.query
    if name == "students-of":
        return qy.students_of(g, args.teacher, primary_only=args.primary_only)
    if name == "teachers-of":
        return qy.teachers_of(g, args.student)
    if name == "why":
        return qy.linking_sections(g, args.teacher, args.student)
    if name == "reach":
        given = args.teacher is not None  # (an empty id is an id: unknown, not "any")
        if given:
            qy.students_of(g, args.teacher)  # an unknown or non-teacher id raises here
        pairs = qy.reach_pairs(g, school=args.school, term=args.term)
        return pairs.filter(teacher=args.teacher) if given else pairs
    if name == "cross-school":
        if args.flow:
            return qy.school_flow(g)
        return qy.cross_school_teaching(g) if args.teachers else qy.cross_school_enrollments(g)
    if name == "orphans":
        return qy.orphaned_users(g)
    return qy.visible_users(g, args.user)


def _cmd_query(args: argparse.Namespace) -> int:
    from ..graph import RosterGraph
    from .guide import steps

    policy = privacy_from_args(args)
    roster = load_source(args)
    steps(args).step("building the graph")
    g = RosterGraph.from_roster(roster)
    steps(args).step(f"query {args.query}")
    table = run_query(args, g)
    if not args.no_labels:
        table = label_table(table, g, policy)
    table = policy.bind(g).apply_table(table)
    write_output(render_table(table, args.format), None)
    question = _COVERAGE_OF.get(args.query)
    if args.query == "cross-school" and args.teachers:
        question = "cross_school_teaching"
    if question is not None:  # an empty answer from missing records is no answer: say so
        from ..completeness import coverage

        for q, status, note in coverage(g):
            if q == question and status != "answered":
                sys.stderr.write(f"note: {q}: {status.replace('_', ' ')}"
                                 + (f": {note}" if note else "") + "\n")
    return EXIT_OK


#: query command → the question of :func:`rostergraph.coverage` it answers
_COVERAGE_OF = {"students-of": "reach", "teachers-of": "reach", "reach": "reach",
                "cross-school": "cross_school_enrollments", "orphans": "orphaned_users"}
