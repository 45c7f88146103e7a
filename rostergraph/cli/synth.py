"""``rostergraph synth``: write a deterministic synthetic district.

Examples
--------
>>> import argparse
>>> sub = argparse.ArgumentParser().add_subparsers()
>>> add_synth(sub)
>>> sorted(sub.choices)
['synth']
"""

from __future__ import annotations

import argparse
from typing import Any

from ._common import EXIT_OK, UsageError, output_folder, write_output

__all__ = ["add_synth"]


def add_synth(sub: Any) -> None:
    """Add ``rostergraph synth`` to an argparse subparsers object."""
    p = sub.add_parser(
        "synth", help="write a deterministic synthetic district (S, M, L or N students)",
        description="Generate a realistic synthetic district (every documented quirk at a "
                    "low rate) and stream it to a folder.",
        epilog="examples:\n  rostergraph synth --size S -o ./district-s\n"
               "  rostergraph synth --students 2000 --seed 7 -o ./d2k --format clever-json\n"
               "  rostergraph synth --students 300 --count schools=1 --rate no_teacher=1 -o ./x",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", choices=("S", "M", "L"), default="S",
                   help="S: 1 school, 500 students; M: 100k students; L: 1M students")
    p.add_argument("--students", type=int, default=None, help="exact number of students "
                   "(overrides --size; everything else scales with it)")
    p.add_argument("--seed", type=int, default=0, help="same seed and size → same district")
    p.add_argument("-o", "--output", required=True, type=output_folder,
                   help="output folder (created if needed)")
    p.add_argument("--format", choices=("clever-jsonl", "clever-json", "clever-csv", "oneroster"),
                   default="clever-jsonl", help="JSON formats are streamed; CSV formats are "
                   "written from a roster in memory")
    p.add_argument("--quirks", choices=("default", "high"), default="default",
                   help="quirk level: default (rare, as in a real district) or high (each "
                   "rule fires on about 5-20%% of its candidates)")
    p.add_argument("--rate", action="append", default=[], metavar="NAME=RATE",
                   help="set one quirk or structure rate in [0, 1] (repeatable; names in "
                   "rostergraph.synth.QUIRK_RATES and SHAPE_RATES)")
    p.add_argument("--count", action="append", default=[], metavar="KIND=N",
                   help="set the number of schools, teachers, sections, courses, staff, "
                   "admins or contacts (repeatable)")
    p.set_defaults(func=_cmd_synth)


def _pairs(items: list[str], option: str, cast: Any) -> dict[str, Any]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            out[name.strip()] = cast(value)
        except ValueError:
            sep = ""
        if not sep:
            raise UsageError(f"{option} takes NAME=VALUE, got {item!r}")
    return out


def _cmd_synth(args: argparse.Namespace) -> int:
    from ..synth import district

    if args.students is not None and args.students < 1:
        raise UsageError("--students must be at least 1")
    try:
        d = district(args.size, students=args.students, seed=args.seed, quirks=args.quirks,
                     rates=_pairs(args.rate, "--rate", float),
                     counts=_pairs(args.count, "--count", int))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    out = d.write(args.output, format=args.format)
    counts = ", ".join(f"{k} {v:,}" for k, v in d.counts().items())
    write_output(f"wrote {out} ({args.format}): {counts}", None)
    return EXIT_OK
