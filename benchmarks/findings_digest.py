"""Write every validation finding of a district as JSON Lines, or compare two such files.

Used to check that a change to the rules leaves their findings byte-identical:
dump the findings of a district before the change, dump them again after, and
compare (same rows in the same order: rule, severity, kind, ids, message, values).

Usage::

    python benchmarks/findings_digest.py dump DISTRICT_DIR OUT.jsonl
    python benchmarks/findings_digest.py compare BEFORE.jsonl AFTER.jsonl

``dump`` prints the number of findings, the SHA-256 of the file and the seconds
``validate`` took; ``compare`` prints the first differing row and exits 1 when
the files differ.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def dump(district: Path, out: Path) -> int:
    """Load ``district``, validate it and write one JSON line per finding to ``out``."""
    sys.path.insert(0, str(HERE.parent))
    import rostergraph
    from rostergraph.safety import json_dumps

    g = rostergraph.RosterGraph.from_roster(rostergraph.load(district))
    t0 = time.perf_counter()
    report = rostergraph.validate(g)
    seconds = time.perf_counter() - t0
    digest = hashlib.sha256()
    n = 0
    with out.open("w", encoding="utf-8", newline="\n") as fh:
        for f in report.findings:
            line = json_dumps({"rule": f.rule, "severity": f.severity, "kind": f.kind,
                               "ids": list(f.ids), "message": f.message,
                               "values": dict(f.values)}, indent=False) + "\n"
            fh.write(line)
            digest.update(line.encode("utf-8", "surrogatepass"))
            n += 1
    print(f"{n:,} findings, sha256 {digest.hexdigest()}, validate {seconds:.2f} s → {out}")
    return 0


def compare(before: Path, after: Path) -> int:
    """0 when the two dumps are identical, else 1 (the first difference is printed)."""
    with before.open("rb") as a, after.open("rb") as b:
        for n, (x, y) in enumerate(zip(a, b), 1):
            if x != y:
                print(f"line {n} differs:\n- {x[:300]!r}\n+ {y[:300]!r}")
                return 1
        rest_a, rest_b = a.read(), b.read()
    if rest_a or rest_b:
        print(f"{'before' if rest_a else 'after'} has more lines")
        return 1
    print("identical")
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump", help="validate a district and write its findings")
    d.add_argument("district", type=Path)
    d.add_argument("out", type=Path)
    c = sub.add_parser("compare", help="compare two dumps")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    args = p.parse_args()
    if args.cmd == "dump":
        return dump(args.district, args.out)
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
