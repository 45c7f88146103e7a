"""``rostergraph report``: the full validation report as Markdown, JSON or HTML.

The format follows the output file's extension (``.md``, ``.json``, ``.html``)
unless ``--format`` names one.

Examples
--------
>>> import argparse
>>> sub = argparse.ArgumentParser().add_subparsers()
>>> add_report(sub)
>>> sorted(sub.choices)
['report']
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from ._common import EXIT_OK, EXIT_USAGE, add_privacy, add_source
from .validate import add_selection, run_validation, usage

__all__ = ["add_report", "report_format"]

_REPORT_EPILOG = """examples:
  rostergraph report --sample                      # Markdown on stdout
  rostergraph report ./dump -o report.md
  rostergraph report ./dump -o report.json         # JSON (schema_version 1)
  rostergraph report ./dump -o report.html         # one self-contained HTML page with plots"""


def add_report(sub: Any) -> None:
    """Add ``rostergraph report`` to an argparse subparsers object."""

    p = sub.add_parser(
        "report", help="write the full validation report (Markdown, JSON or HTML)",
        description="Validate a roster and write the full report: summary, query "
                    "aggregates, findings per rule and provenance. The format follows the "
                    "output file's extension (.md → Markdown, .json → JSON, .html → "
                    "a self-contained HTML page with plots).",
        epilog=_REPORT_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_source(p)
    add_selection(p)
    add_privacy(p)
    p.add_argument("-o", "--output", metavar="FILE",
                   help="output file (.md, .json or .html); Markdown on stdout without it "
                        "or with -o -")
    p.add_argument("--format", choices=("markdown", "json", "html"), default=None,
                   help="override the format chosen by the extension")
    p.set_defaults(func=_cmd_report)


def report_format(path: str | None, given: str | None = None) -> str:
    """``markdown``, ``json`` or ``html`` for an output path (``given`` wins).

    Raises
    ------
    ValueError
        For an extension no report renderer writes.

    Examples
    --------
    >>> report_format("out/report.JSON"), report_format(None), report_format("r.md")
    ('json', 'markdown', 'markdown')
    >>> report_format("r.html")
    'html'
    """
    if given:
        return given
    if path is None:
        return "markdown"
    ext = os.path.splitext(path)[1].lower()
    if ext == ".json":
        return "json"
    if ext in (".md", ".markdown", ".txt", ""):
        return "markdown"
    if ext in (".html", ".htm"):
        return "html"
    raise ValueError(f"cannot write a report as {ext!r} ({path}); use .md, .json or .html")


def _cmd_report(args: argparse.Namespace) -> int:
    from ._common import write_output
    from .guide import steps

    try:
        fmt = report_format(args.output, args.format)
    except ValueError as exc:
        return usage(str(exc))
    if args.examples < 0:
        return usage("--examples must be 0 or more")
    report = run_validation(args)
    if report is None:
        return EXIT_USAGE
    steps(args).step(f"writing {fmt}")
    if fmt == "html":
        text = report.to_html(examples=args.examples)
    else:
        text = report.to_json() if fmt == "json" else report.to_markdown(examples=args.examples)
    write_output(text, args.output)
    steps(args).close()
    if args.output:
        from .guide import colour_enabled, counts_line

        line = counts_line(report.counts(), colour=colour_enabled(sys.stderr))
        print(f"wrote {args.output} ({fmt}): {line}", file=sys.stderr)
    return EXIT_OK
