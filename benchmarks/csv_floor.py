"""How fast could a column-wise OneRoster CSV load be, against today's JSON Lines load?

A measurement for the design of the load path, not a feature. The target is a OneRoster
CSV load and build within 1.5x of the JSON Lines figure of the same district. Today's CSV
reader makes a dict per user row by row; the design it would take instead reads every
column with pyarrow and works on whole columns, a row path left only for suspect rows.
This script times, in one process, the parts that design cannot skip, each done as
cheaply as pyarrow allows (and without the work a real reader adds: no problem is
recorded, no quirk is handled, the record text is not the reader's exact text):

- ``parse``: ``users.csv``, ``demographics.csv``, ``enrollments.csv`` and ``classes.csv``
  parsed to string columns (pyarrow's threads);
- ``suspect``: every mapped users cell checked for a quote, backslash or control
  character (rows a column-wise path must leave to the row path);
- ``text``: each user's JSON text made from its cells, a key only where its cell is not
  empty (what a record built on demand reads);
- ``join``: ``demographics.csv`` joined onto the users;
- ``enrollments``: each class's users grouped, by role;
- ``refs``: each user's school and each enrollment's class and user coded as positions
  (what the graph reads);
- ``columns``: the users' other graph and rule columns from whole columns (role bits,
  contacts' students from ``agentSourcedIds``, emails without ``@``, names only in the
  last name, grades coded).

They are summed against 1.5x the JSON Lines load and build of the same district (timed
first, in the same process), and today's CSV load and build is timed last.

    python benchmarks/csv_floor.py bench-data/M bench-data/M-oneroster-plain [--runs 2]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: users.csv columns a record reads (text in this floor)
USER_COLUMNS = ("sourcedId", "email", "givenName", "familyName", "middleName",
                "dateLastModified", "identifier", "orgSourcedIds", "grades", "username",
                "phone", "agentSourcedIds")


def _cpu() -> float:
    return time.process_time()


def _timed(label: str, fn: Callable[[], Any], spent: dict[str, float]) -> Any:
    start = _cpu()
    out = fn()
    spent[label] = spent.get(label, 0.0) + _cpu() - start
    return out


def _strings(path: Path) -> Any:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\r\n").split(",")
    opts = pcsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string()),
                               strings_can_be_null=False)
    return pcsv.read_csv(path, convert_options=opts)


def floor(folder: Path) -> dict[str, float]:
    """CPU seconds of each part (see the module docstring) for the bundle in ``folder``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    spent: dict[str, float] = {}
    users, demo, enr, classes = _timed("parse", lambda: [
        _strings(folder / f"{name}.csv")
        for name in ("users", "demographics", "enrollments", "classes")], spent)
    cols = [c for c in USER_COLUMNS if c in users.column_names]

    def suspect() -> Any:
        marks = [pc.match_substring_regex(users[c], r'["\\\x00-\x1f]') for c in cols]
        out = marks[0]
        for m in marks[1:]:
            out = pc.or_(out, m)
        return out

    _timed("suspect", suspect, spent)

    def text() -> Any:
        none = pa.scalar(None, pa.string())
        parts = []
        for c in cols:
            cell = pc.if_else(pc.equal(users[c], ""), none, users[c])
            part = pc.binary_join_element_wise(pa.scalar(f'"{c}":"'), cell, pa.scalar('",'),
                                               "", null_handling="emit_null")
            parts.append(pc.fill_null(part, ""))
        return pc.binary_join_element_wise("{", *parts, "}", "")

    _timed("text", text, spent)
    _timed("join", lambda: users.join(demo, "sourcedId", join_type="left outer",
                                      right_suffix=".demo"), spent)
    _timed("enrollments", lambda: enr.group_by(["classSourcedId", "role"]).aggregate(
        [("userSourcedId", "list")]), spent)

    def refs() -> None:
        ids = users["sourcedId"]
        pc.index_in(users["orgSourcedIds"], value_set=classes["schoolSourcedId"].unique())
        pc.index_in(enr["userSourcedId"], value_set=ids.combine_chunks())
        pc.index_in(enr["classSourcedId"], value_set=classes["sourcedId"].combine_chunks())

    _timed("refs", refs, spent)

    def columns() -> None:
        # the users' graph and rule columns from whole columns: role bits, the contacts'
        # students (agentSourcedIds split and coded), emails without "@", names only in
        # the last name, grades
        roles = pc.index_in(users["role"], value_set=pa.array(
            ["student", "teacher", "parent", "guardian", "relative", "aide", "administrator"]))
        pc.fill_null(roles, -1)
        agents = pc.split_pattern(users["agentSourcedIds"], ",")
        pc.index_in(pc.list_flatten(agents), value_set=users["sourcedId"].combine_chunks())
        pc.list_parent_indices(agents)
        email = users["email"]
        pc.and_(pc.not_equal(email, ""), pc.invert(pc.match_substring(email, "@")))
        pc.and_(pc.and_(pc.equal(users["givenName"], ""), pc.equal(users["middleName"], "")),
                pc.not_equal(users["familyName"], ""))
        pc.dictionary_encode(users["grades"])

    _timed("columns", columns, spent)
    return spent


def _load_build(folder: Path) -> float:
    import rostergraph

    start = _cpu()
    rostergraph.RosterGraph.from_roster(rostergraph.load(folder))
    return _cpu() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("jsonl", type=Path, help="the district as Clever JSON Lines")
    ap.add_argument("oneroster", type=Path, help="the same district as OneRoster CSV")
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args()
    for run in range(args.runs):
        jsonl = _load_build(args.jsonl)
        parts = floor(args.oneroster)
        total = sum(parts.values())
        today = _load_build(args.oneroster)
        shown = ", ".join(f"{k} {v:.2f}" for k, v in parts.items())
        print(f"run {run + 1}: JSON Lines load+build {jsonl:.2f} s CPU (1.5x: "
              f"{1.5 * jsonl:.2f}); column-wise floor {total:.2f} s ({shown}); "
              f"today's OneRoster load+build {today:.2f} s")


if __name__ == "__main__":
    main()
