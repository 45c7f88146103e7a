"""``rostergraph report``: the full validation report as text, Markdown, JSON, HTML or
CSV.

The format follows the output file's extension (``.txt``, ``.md``, ``.json``, ``.html``,
``.csv``) unless ``--format`` names one; an output file of any other extension, or of
none, needs ``--format``.

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
  rostergraph report ./dump -o report.txt          # plain text, as validate prints it
  rostergraph report ./dump -o report.json         # JSON (schema_version 1)
  rostergraph report ./dump -o report.html         # one self-contained HTML page with plots
  rostergraph report ./dump -o findings.csv        # every finding, one row each
  rostergraph report ./dump --format text -o report.log"""

#: the format of each output file extension
_BY_EXTENSION = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
                 ".json": "json", ".html": "html", ".htm": "html", ".csv": "csv"}
_FORMATS = ("text", "markdown", "json", "html", "csv")


def add_report(sub: Any) -> None:
    """Add ``rostergraph report`` to an argparse subparsers object."""

    p = sub.add_parser(
        "report", help="write the full validation report (text, Markdown, JSON, HTML or CSV)",
        description="Validate a roster and write the full report: summary, query "
                    "aggregates, findings per rule and provenance. The format follows the "
                    "output file's extension (.txt → plain text, .md → Markdown, .json → "
                    "JSON, .html → a self-contained HTML page with plots, .csv → the "
                    "findings, one row each); another extension needs --format.",
        epilog=_REPORT_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_source(p)
    add_selection(p)
    add_privacy(p)
    p.add_argument("-o", "--output", metavar="FILE",
                   help="output file (.txt, .md, .json, .html or .csv); Markdown on stdout "
                        "without it or with -o -")
    p.add_argument("--format", choices=_FORMATS, default=None,
                   help="override the format chosen by the extension (needed for another "
                        "extension)")
    p.set_defaults(func=_cmd_report)


def report_format(path: str | None, given: str | None = None) -> str:
    """``text``, ``markdown``, ``json``, ``html`` or ``csv`` for an output path (``given``
    wins); Markdown on stdout (no path, or ``-``).

    Raises
    ------
    ValueError
        For an extension no report renderer writes, or none, without ``given``.

    Examples
    --------
    >>> report_format("out/report.JSON"), report_format(None), report_format("r.md")
    ('json', 'markdown', 'markdown')
    >>> report_format("r.txt"), report_format("r.html"), report_format("findings.csv")
    ('text', 'html', 'csv')
    >>> report_format("r.log", "text")
    'text'
    """
    if given:
        return given
    if path is None or path == "-":
        return "markdown"
    ext = os.path.splitext(path)[1].lower()
    fmt = _BY_EXTENSION.get(ext)
    if fmt is None:
        what = f"the extension {ext!r}" if ext else "no extension"
        raise ValueError(f"cannot tell the report's format from {what} ({path}): use .txt, "
                         ".md, .json, .html or .csv, or give --format "
                         f"{'|'.join(_FORMATS)}")
    return fmt


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
    elif fmt == "csv":
        text = report.findings_table().to_csv() or ""
    elif fmt == "text":
        text = report.to_text(examples=args.examples)
    else:
        text = report.to_json() if fmt == "json" else report.to_markdown(examples=args.examples)
    write_output(text, args.output)
    steps(args).close()
    if args.output:
        from .guide import colour_enabled, counts_line

        line = counts_line(report.counts(), colour=colour_enabled(sys.stderr))
        print(f"wrote {args.output} ({fmt}): {line}", file=sys.stderr)
    return EXIT_OK
