"""An ordered digest of what a load gives: one line per record (kind, id, SHA-1 of its
dict), per problem and per note, in the roster's order, then one digest of all of them.

Two loads of the same data by two versions of the code (or by two reading paths) give
the same digest exactly when they give the same records, problems and notes in the same
order. Only hashes are written: no name, email or other cell of the roster.

    python benchmarks/roster_digest.py DIR OUT      # OUT: the lines; prints the digest
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import orjson

import rostergraph
from rostergraph.model import record_to_dict

KINDS = ("districts", "schools", "terms", "courses", "sections", "users")


def digest_lines(path: str) -> list[str]:
    """The digest's lines of the roster at ``path`` (loaded without the cache)."""
    r = rostergraph.load(path, cache=False)
    out = []
    for kind in KINDS:
        recs = r.records(kind)
        for rid in recs:
            text = orjson.dumps(record_to_dict(recs[rid]))
            out.append(f"{kind}\t{hashlib.sha1(text).hexdigest()}")
    out += ["P\t" + hashlib.sha1(repr(p).encode()).hexdigest() for p in r.problems]
    out += ["N\t" + hashlib.sha1(n.encode()).hexdigest() for n in r.provenance.notes]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("roster", help="a roster folder or file rostergraph.load reads")
    ap.add_argument("out", type=Path, help="where to write the digest's lines")
    args = ap.parse_args(argv)
    lines = digest_lines(args.roster)
    text = "\n".join(lines)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(len(lines), "lines;", hashlib.sha1(text.encode()).hexdigest())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
