"""``rostergraph validate``: the CLI over :func:`rostergraph.validate`.

``validate`` is what a district data team puts in its own CI: it exits 0 when
no finding is at or above ``--fail-on`` (default ``error``), 1 when there is
one, 2 on a usage or I/O error. The rule selection and the validation run
here are shared with ``rostergraph report``.

Examples
--------
>>> import argparse
>>> sub = argparse.ArgumentParser().add_subparsers()
>>> add_validate(sub)
>>> sorted(sub.choices)
['validate']
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from ..rules.registry import SEVERITIES, select_rules
from ._common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    add_privacy,
    add_source,
    output_format,
)

__all__ = ["add_selection", "add_validate", "closing_line", "run_validation", "usage"]

_VALIDATE_EPILOG = """examples:
  rostergraph validate --sample
  rostergraph validate ./dump --fail-on warning          # CI: fail on warnings too (./dump: a Clever dump)
  rostergraph validate ./dump --select RG-SEC --select RG-REF-001 --format json -o findings.json
  rostergraph validate ./dump --ignore RG-USR-004,RG-SEC-004 --fail-on info
  rostergraph validate --list-rules
  rostergraph validate --explain RG-SEC-001                # why it matters, how to fix

exit status: 0 no finding at or above --fail-on; 1 there is one; 2 usage or I/O error."""


def add_selection(p: argparse.ArgumentParser) -> None:
    """``--select``, ``--ignore`` and ``--examples`` (shared with ``report``)."""
    p.add_argument("--select", action="append", metavar="IDS",
                   help="only these rules: ids or prefixes (RG-SEC), comma-separated or repeated")
    p.add_argument("--ignore", action="append", metavar="IDS",
                   help="skip these rules: ids or prefixes, comma-separated or repeated")
    p.add_argument("--examples", type=int, default=5, metavar="N",
                   help="examples shown per rule in text/Markdown output (default 5)")


def add_validate(sub: Any) -> None:
    """Add ``rostergraph validate`` to an argparse subparsers object."""

    p = sub.add_parser(
        "validate", help="check a roster against the rule catalogue (exit 1 on findings)",
        description="Run the rule catalogue (docs/rules.md) on a roster and print the "
                    "findings. Exit 0 when no finding is at or above --fail-on, 1 when "
                    "there is one, 2 on usage or I/O errors.",
        epilog=_VALIDATE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_source(p)
    add_selection(p)
    add_privacy(p)
    p.add_argument("--fail-on", choices=(*SEVERITIES, "never"), default="error",
                   help="lowest severity that makes the exit status 1 (default error)")
    p.add_argument("--format", choices=("text", "markdown", "json"), default=None,
                   help="output format (default: by the -o extension, .json/.md, else text)")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write here instead of stdout (- for stdout)")
    p.add_argument("--list-rules", action="store_true",
                   help="list the rules (id, severity, scope, title) and exit")
    p.add_argument("--explain", metavar="RULE",
                   help="print what triggers a rule, why it matters and how to fix it, and exit")
    p.set_defaults(func=_cmd_validate)


def usage(message: str) -> int:
    """Print a one-line usage error; return exit code 2."""
    print(f"rostergraph: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def run_validation(args: argparse.Namespace) -> Any:
    """Load the source and validate; ``None`` after printing a usage error."""
    from ..validation import validate
    from ._common import load_source, privacy_from_args

    try:
        select_rules(args.select, args.ignore)
    except ValueError as exc:
        usage(str(exc))
        return None
    from .guide import steps

    policy = privacy_from_args(args)
    roster = load_source(args)
    steps(args).step("validating")
    report = validate(roster, select=args.select, ignore=args.ignore)
    return policy.apply_report(report)


def _cmd_validate(args: argparse.Namespace) -> int:
    from ._common import write_output
    from .guide import steps

    if args.explain:
        from ..rules.explain import explain_rule

        try:
            write_output(explain_rule(args.explain).to_text(), args.output)
        except ValueError as exc:
            return usage(str(exc))
        return EXIT_OK
    if args.list_rules:
        from ..rules import catalogue

        if args.path:  # (the rules are the package's: no roster is read)
            return usage("--list-rules lists the rules and reads no roster; give no PATH")
        fmt = output_format(args)
        if fmt == "json":
            from ..safety import json_dumps

            text = json_dumps([{"id": r.id, "severity": r.severity, "scope": r.scope,
                                "title": r.title} for r in catalogue()], indent=True)
        elif fmt == "markdown":
            text = "\n".join(["| rule | severity | scope | title |", "|---|---|---|---|",
                              *(f"| {r.id} | {r.severity} | {r.scope} | {r.title} |"
                                for r in catalogue())])
        else:
            text = "\n".join(f"{r.id:<12} {r.severity:<8} {r.scope:<7} {r.title}"
                             for r in catalogue())
        write_output(text, args.output)
        return EXIT_OK
    if args.examples < 0:
        return usage("--examples must be 0 or more")
    ext = os.path.splitext(args.output or "")[1].lower()
    if args.format is None and ext in (".html", ".htm"):
        return usage(f"validate writes text, Markdown or JSON, not HTML ({args.output}); "
                     f"the HTML page is 'rostergraph report ... -o {args.output}'")
    report = run_validation(args)
    if report is None:
        return EXIT_USAGE
    fmt = output_format(args)
    steps(args).step("writing")
    if fmt == "json":
        text = report.to_json()
    elif fmt == "markdown":
        text = report.to_markdown(examples=args.examples)
    else:
        text = report.to_text(examples=args.examples)
    write_output(text, args.output)
    steps(args).close()
    closing_line(report, to_stdout=fmt == "text" and not args.output)
    return EXIT_FINDINGS if report.failed(args.fail_on) else EXIT_OK


def closing_line(report: Any, *, to_stdout: bool) -> None:
    """``602 errors, 6,683 warnings, 1,747 info``: last on stdout after a text report,
    else on stderr (JSON or a file stays clean); coloured on a terminal only."""
    from .guide import colour_enabled, counts_line

    stream = sys.stdout if to_stdout else sys.stderr
    sys.stdout.flush()
    print(counts_line(report.counts(), colour=colour_enabled(stream)), file=stream)
