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

from ..errors import RosterError

__all__ = ["main"]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # usage errors: exit 2 with one line
        from .guide import choice_hint

        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"rostergraph: error: {choice_hint(message)}\n")


def add_source(p: argparse.ArgumentParser) -> None:
    """``PATH`` or ``--sample``: the roster a command works on."""
    p.add_argument("path", nargs="?", help="roster folder, file or zip (any supported format)")
    p.add_argument("--sample", action="store_true", help="use the embedded sample district")
    p.add_argument("--strict", action="store_true",
                   help="fail on the first data problem instead of reporting it")
    p.add_argument("--max-inflated-mib", type=int, metavar="N", default=None,
                   help="most MiB a zip or gzip input may inflate to (default: 256 for a "
                        "zip, 512 for gzip); raise it for a very large district you trust")
    p.add_argument("--quiet", action="store_true",
                   help="no progress bar on stderr (there is none when stderr is not a terminal)")


def load_source(args: argparse.Namespace) -> Any:
    """The Roster named by ``add_source``'s arguments."""
    from .. import load, sample

    if args.sample == bool(args.path):
        raise _UsageError("give a roster PATH or --sample (exactly one)")
    from .guide import steps

    steps(args).step("loading the sample" if args.sample else f"loading {args.path}")
    if args.sample:
        return sample()
    limits = None
    mib = getattr(args, "max_inflated_mib", None)
    if mib is not None:
        from ..io.limits import Limits

        if mib < 1:
            raise _UsageError("--max-inflated-mib must be at least 1")
        limits = Limits(max_zip_total_bytes=mib << 20, max_gzip_bytes=mib << 20)
    return load(args.path, strict=args.strict, limits=limits)


class _UsageError(Exception):
    pass


def add_privacy(p: argparse.ArgumentParser, *, default: str = "full") -> None:
    """``--privacy``, ``--redact-staff``, ``--include-field``, ``--pseudonym-key-env`` and
    ``--pseudonym-key-file``: how people appear in the output (docs/privacy.md)."""
    from ..privacy import MODES, SENSITIVE_FIELDS

    g = p.add_argument_group("privacy (see docs/privacy.md)")
    g.add_argument("--privacy", choices=MODES, default=default,
                   help="full: values as they are; redacted: student/contact names, emails, "
                        "dob, phones, addresses, sis ids hidden; pseudonymized: every person "
                        f"id and name replaced by a keyed pseudonym (default {default})")
    g.add_argument("--redact-staff", action="store_true",
                   help="in redacted mode, hide teachers' and staff's names and emails too")
    g.add_argument("--include-field", action="append", default=[], metavar="NAME",
                   choices=sorted(SENSITIVE_FIELDS),
                   help="keep this sensitive demographic field (dropped otherwise); repeatable")
    g.add_argument("--pseudonym-key-env", metavar="NAME",
                   help="environment variable holding the pseudonym key (default "
                        "ROSTERGRAPH_PSEUDONYM_KEY; a random per-run key if unset)")
    g.add_argument("--pseudonym-key-file", metavar="PATH",
                   help="file holding the pseudonym key")


def privacy_from_args(args: argparse.Namespace) -> Any:
    """The :class:`~rostergraph.privacy.PrivacyPolicy` named by ``add_privacy``'s arguments."""
    from ..privacy import PrivacyPolicy, load_key

    mode = getattr(args, "privacy", "full") or "full"
    try:
        key = None
        if mode == "pseudonymized":
            key = load_key(args.pseudonym_key_env, args.pseudonym_key_file)
        policy = PrivacyPolicy(mode, redact_staff=getattr(args, "redact_staff", False),
                               include_fields=getattr(args, "include_field", None) or (),
                               key=key)
    except ValueError as exc:
        raise _UsageError(str(exc)) from None
    args.privacy_policy = policy  # main() shows a load error under it
    if policy.mode == "pseudonymized" and policy.random_key:
        print("rostergraph: note: no pseudonym key set; pseudonyms use a random key for this "
              "run only (set ROSTERGRAPH_PSEUDONYM_KEY to make them stable)", file=sys.stderr)
    return policy


def write_output(text: str, output: str | None) -> None:
    """Print ``text`` or write it atomically to ``output``.

    A lone surrogate that a renderer let through is written as a ``\\udXXX``
    escape (UTF-8 cannot encode it), never a ``UnicodeEncodeError``.
    """
    from ..safety import escape_surrogates

    text = escape_surrogates(text)
    if output:
        from ..safety import atomic_write

        atomic_write(output, text)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


# --- summary -------------------------------------------------------------------


def _add_summary(sub: Any) -> None:
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


# --- query -----------------------------------------------------------------------

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


def _add_query(sub: Any) -> None:
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
    qs = p.add_subparsers(dest="query", metavar="QUERY", parser_class=_Parser)
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
        if args.teacher:
            qy.students_of(g, args.teacher)  # an unknown or non-teacher id raises here
        pairs = qy.reach_pairs(g, school=args.school, term=args.term)
        return pairs.filter(teacher=args.teacher) if args.teacher else pairs
    if name == "cross-school":
        if args.flow:
            return qy.school_flow(g)
        return qy.cross_school_teaching(g) if args.teachers else qy.cross_school_enrollments(g)
    if name == "orphans":
        return qy.orphaned_users(g)
    return qy.visible_users(g, args.user)


def label_table(table: Any, g: Any, policy: Any) -> Any:
    """``table`` with name columns for schools, sections, terms, courses and people.

    People's names are personal data: ``policy.apply_table`` (applied after this)
    replaces them with ``[redacted]`` or a keyed pseudonym unless the mode is ``full``.
    """
    from ..labels import with_labels

    return with_labels(table, g, people=True)


def render_table(table: Any, fmt: str) -> str:
    """A Table as text, CSV or JSON (the CLI's output formats)."""
    if fmt == "csv":
        return table.to_csv()
    if fmt == "json":
        return table.to_json()
    n = len(table)
    return table.to_text(width=60) + f"\n({n} row{'s' if n != 1 else ''})"


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


# --- synth ---------------------------------------------------------------------


def _add_synth(sub: Any) -> None:
    p = sub.add_parser(
        "synth", help="write a deterministic synthetic district (S, M, L or N students)",
        description="Generate a realistic synthetic district (every documented quirk at a "
                    "low rate) and stream it to a folder.",
        epilog="examples:\n  rostergraph synth --size S -o ./district-s\n"
               "  rostergraph synth --students 2000 --seed 7 -o ./d2k --format clever-json",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", choices=("S", "M", "L"), default="S",
                   help="S: 1 school, 500 students; M: 100k students; L: 1M students")
    p.add_argument("--students", type=int, default=None, help="exact number of students "
                   "(overrides --size; everything else scales with it)")
    p.add_argument("--seed", type=int, default=0, help="same seed and size → same district")
    p.add_argument("-o", "--output", required=True, help="output folder (created if needed)")
    p.add_argument("--format", choices=("clever-jsonl", "clever-json", "clever-csv", "oneroster"),
                   default="clever-jsonl", help="JSON formats are streamed; CSV formats are "
                   "written from a roster in memory")
    p.set_defaults(func=_cmd_synth)


def _cmd_synth(args: argparse.Namespace) -> int:
    from ..synth import district

    if args.students is not None and args.students < 10:
        raise _UsageError("--students must be at least 10")
    d = district(args.size, students=args.students, seed=args.seed)
    out = d.write(args.output, format=args.format)
    counts = ", ".join(f"{k} {v:,}" for k, v in d.counts().items())
    write_output(f"wrote {out} ({args.format}): {counts}", None)
    return EXIT_OK


# --- registry --------------------------------------------------------------------

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
    return 0


def _add_list(sub: Any) -> None:  # list: the query commands take the ids it shows
    add_list(sub)


#: Functions that add a subcommand; other modules' commands are added here too.
COMMANDS: list[Callable[[Any], None]] = [_add_summary, _add_list, _add_query]


def _add_clever(sub: Any) -> None:  # fetch, sync: rostergraph/cli/fetch.py
    from .fetch import add_fetch, add_sync

    add_fetch(sub)
    add_sync(sub)


COMMANDS.append(_add_clever)


def _add_validation(sub: Any) -> None:  # validate, report: rostergraph/cli/validate.py
    from .validate import add_report, add_validate

    add_validate(sub)
    add_report(sub)


COMMANDS.append(_add_validation)


def add_batch(sub: Any) -> None:
    """Add ``rostergraph batch`` to the CLI's subcommands."""
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
    p.add_argument("-o", "--output", required=True, help="output folder")
    p.add_argument("--scheduler", default="local",
                   help="'local' (process pool, default) or a Dask scheduler address")
    p.add_argument("--workers", type=int, default=None, help="local worker processes")
    p.add_argument("--steps", default=",".join(STEPS),
                   help=f"comma-separated steps (default: {','.join(STEPS)})")
    p.add_argument("--resume", action="store_true", help="skip districts already in OUTPUT")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_privacy(p)
    p.set_defaults(func=_cmd_batch)


def _cmd_batch(args: Any) -> int:
    from pathlib import Path

    from ..batch import run

    steps = tuple(s.strip() for s in args.steps.split(",") if s.strip())
    policy = privacy_from_args(args)
    client = None
    if args.scheduler != "local":
        from dask.distributed import Client

        client = Client(args.scheduler)
    try:
        result = run(args.sources, steps, client=client, max_workers=args.workers,
                     output=args.output, resume=args.resume, progress=not args.quiet,
                     privacy=policy)
    finally:
        if client is not None:
            client.close()
    out = Path(args.output)
    for step, t in result.tables.items():
        t.to_csv(out / f"{step}.csv")
    result.failures.to_csv(out / "failures.csv")
    result.worst_rules().to_csv(out / "worst_rules.csv")
    print(result.summary_text())
    return 0 if not len(result.failures) else 1


def _add_batch(sub: Any) -> None:  # batch: many districts (rostergraph.batch)
    add_batch(sub)


COMMANDS.append(_add_batch)
COMMANDS.append(_add_synth)


def _add_diff(sub: Any) -> None:  # diff: rostergraph/cli/diff.py
    from .diff import add_diff

    add_diff(sub)


COMMANDS.append(_add_diff)


def _add_convert(sub: Any) -> None:  # convert: rostergraph/cli/convert.py
    from .convert import add_convert

    add_convert(sub)


COMMANDS.append(_add_convert)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (used by ``main`` and by docs checks)."""
    from .. import __version__

    parser = _Parser(prog="rostergraph", description="K-12 rosters as a typed multigraph: "
                     "load, query, validate, diff and report.")
    parser.add_argument("--version", action="version", version=f"rostergraph {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for add in COMMANDS:
        add(sub)
    return parser


#: Steps per command for the progress bar (loading, building, working, writing).
_STEPS = {"summary": 2, "query": 3, "list": 2, "validate": 3, "report": 3, "diff": 4,
          "convert": 1}


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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 findings, 2 errors)."""
    from ..safety import terminal_text
    from .guide import Steps, option_hint

    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:  # bare `rostergraph`: the help, not an error
        parser.print_help()
        return EXIT_OK
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        sub = _subparser(parser, args)
        options = [o for a in sub._actions for o in a.option_strings]
        sub.error(f"unrecognized arguments: {' '.join(unknown)}"
                  + option_hint(unknown, options))
    args._progress = Steps(args.command, _STEPS.get(args.command),
                       quiet=bool(getattr(args, "quiet", False)))
    try:
        return int(args.func(args))
    except _UsageError as exc:
        parser.print_usage(sys.stderr)
        print(f"rostergraph: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except RosterError as exc:
        policy = getattr(args, "privacy_policy", None)
        text = policy.apply_error(exc) if policy is not None else str(exc)
        print(f"rostergraph: error: {terminal_text(text)}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # unreadable/unwritable paths given by the user
        print(f"rostergraph: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("rostergraph: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    finally:
        args._progress.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
