"""``rostergraph convert``: the CLI over :func:`rostergraph.io.convert.convert`.

Examples
--------
>>> import argparse
>>> sub = argparse.ArgumentParser().add_subparsers()
>>> add_convert(sub)
>>> sorted(sub.choices)
['convert']
"""

from __future__ import annotations

import argparse
from typing import Any

from ._common import UsageError, add_inflated_limit, add_privacy, output_folder

__all__ = ["add_convert"]

_EPILOG = """examples:
  rostergraph convert --sample ./sftp --to clever-csv --no-extensions
  rostergraph convert --sample -o ./sftp --to clever-csv
  rostergraph convert ./clever-dump ./oneroster.zip --to oneroster
  rostergraph convert ./clever-dump ./oneroster12 --to oneroster --oneroster-version 1.2
  rostergraph convert ./oneroster.zip ./clever --to clever-json
  rostergraph convert ./sftp ./clever.jsonl --to clever-jsonl
  rostergraph convert --sample ./sftp2 --to clever-csv --no-extensions --fail-on-drop

The report lists every field the target format could not carry as it was
(how: extension = kept in a rostergraph extension column/file, dropped = lost,
changed = written in another form)."""


def add_convert(sub: Any) -> None:
    """Add the ``convert`` subcommand."""
    p = sub.add_parser(
        "convert", help="convert a roster between Clever JSON, Clever SFTP CSV and OneRoster",
        description="Load a roster in any supported format and write it as Clever v3 JSON "
                    "(envelope or JSON Lines), Clever SFTP CSV or OneRoster 1.1/1.2 CSV "
                    "(folder or .zip); print what the target could not carry.",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("source", nargs="?", help="roster folder, file or zip")
    p.add_argument("output", nargs="?", type=output_folder,
                   help="output folder (or .zip for oneroster)")
    # (the other commands that write take -o; either way is accepted, not both)
    p.add_argument("-o", "--output", dest="output_option", metavar="OUTPUT",
                   type=output_folder, help="the output, as an option (instead of OUTPUT)")
    p.add_argument("--sample", action="store_true", help="convert the embedded sample district")
    p.add_argument("--to", required=True,
                   choices=("clever-json", "clever-jsonl", "clever-csv", "oneroster"))
    p.add_argument("--oneroster-version", choices=("1.1", "1.2"),
                   help="with --to oneroster: the OneRoster CSV version to write (default 1.1)")
    p.add_argument("--from", dest="source_format", default=None,
                   help="source format, to skip detection (clever-json or clever-jsonl, "
                        "clever-csv, oneroster, clever-legacy)")
    p.add_argument("--strict", action="store_true", help="fail on the first load problem")
    add_inflated_limit(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar on stderr")
    p.add_argument("--no-extensions", action="store_true",
                   help="write only the standard files and columns (fields that need "
                        "rostergraph's extensions are reported as dropped)")
    p.add_argument("--report-format", choices=("text", "json", "csv"), default="text")
    p.add_argument("--fail-on-drop", action="store_true",
                   help="exit 1 when any field was dropped")
    add_privacy(p)
    p.set_defaults(func=_cmd_convert)


def output_folder_or_usage(value: str) -> str:
    """:func:`output_folder` for a value argparse took as the source (``convert --sample
    OUT``: the one positional is the output), its refusal a usage error."""
    try:
        return output_folder(value)
    except argparse.ArgumentTypeError as e:
        raise UsageError(f"argument output: {e}") from None


def _cmd_convert(args: argparse.Namespace) -> int:
    import sys

    from .. import sample_path
    from ..io.convert import convert
    from ..safety import terminal_text
    from ._common import (
        EXIT_FINDINGS,
        EXIT_OK,
        EXIT_USAGE,
        limits_from_args,
        privacy_from_args,
    )

    given = [v for v in (args.source, args.output, args.output_option) if v is not None]
    if args.sample and len(given) == 1 and args.source is not None:
        args.source, args.output = None, output_folder_or_usage(args.source)
    if args.output is not None and args.output_option is not None:
        raise UsageError("give the output once: as OUTPUT or as -o, not both")
    args.output = args.output if args.output is not None else args.output_option
    if bool(args.sample) == bool(args.source):
        print("rostergraph: error: give a roster SOURCE or --sample (exactly one)",
              file=sys.stderr)
        return EXIT_USAGE
    if args.output is None:
        raise UsageError("give the output folder (or .zip): OUTPUT or -o OUTPUT")
    source = sample_path() if args.sample else args.source
    if args.oneroster_version and args.to != "oneroster":
        raise UsageError(f"--oneroster-version applies to --to oneroster, not --to {args.to}")
    from .guide import steps

    policy = privacy_from_args(args)
    steps(args).step(f"converting to {args.to}")
    report = convert(source, args.output, to=args.to, format=args.source_format,
                     strict=args.strict, extensions=not args.no_extensions, privacy=policy,
                     oneroster_version=args.oneroster_version or "1.1",
                     limits=limits_from_args(args))
    steps(args).close()
    if args.report_format == "json":
        sys.stdout.write(report.to_json() + "\n")
    elif args.report_format == "csv":
        sys.stdout.write(report.to_csv() or "")
    else:
        rows = report.to_dicts()
        dropped = sum(1 for r in rows if r["how"] == "dropped")
        print(f"wrote {terminal_text(args.output)} ({args.to}); {len(rows)} report rows, "
              f"{dropped} dropped")
        for r in rows:
            print(f"  {r['how']:<9} {r['kind']:<9} {terminal_text(r['field'])}  "
                  f"({r['count']:,})")
    if args.fail_on_drop and any(h == "dropped" for h in report.to_list("how")):
        return EXIT_FINDINGS
    return EXIT_OK
