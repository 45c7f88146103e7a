"""RG-SRC-*: a source that is partial (kinds not delivered, many references dangling).

A half-delivered dump must not load as complete: without sections every
student and teacher looks orphaned, and without schools every cross-school
question would answer 0. These rules read :func:`rostergraph.delivery`.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..completeness import delivered_files, delivery
from ..graph import RosterGraph
from ..roster import Roster
from .registry import RULES, Finding, rule

#: a kind "references many records it does not contain" from this share of its ids on
MANY_SHARE = 0.1
#: ... and at least this many ids (a handful of dangling references is RG-REF-001's alone)
MANY_COUNT = 10

_NEEDED_FOR = "reach, cross-school and orphan answers"
#: files named in a message before the rest are only counted
_NAMED_FILES = 4


def _file_list(paths: list[str]) -> str:
    """``a.csv``, ``a.csv or b.csv``, ``a.csv, b.csv or c.csv``, then ``… or N more``."""
    if len(paths) > _NAMED_FILES:
        rest = len(paths) - _NAMED_FILES + 1
        paths = [*paths[:_NAMED_FILES - 1], f"{rest:,} more files"]
    return paths[0] if len(paths) == 1 else f"{', '.join(paths[:-1])} or {paths[-1]}"


@rule("RG-SRC-001", "error", "the source lacks a kind the questions need (sections, users)")
def src_missing_kind(roster: Roster, g: RosterGraph) -> Iterator[Finding]:
    """Sections or users not delivered at all, or delivered as empty files.

    A roster with no records and no files at all is empty, not partial: no finding.
    """
    me = RULES["RG-SRC-001"]
    table = delivery(g)
    if not int(table["records"].sum()) and not int(table["files"].sum()):
        return  # nothing at all (e.g. ``Roster()``): empty, not partial
    paths = delivered_files(g.roster)
    for kind, status, _, files, missing, needed in table:
        if not needed or status == "delivered":
            continue
        # name the files read for the kind: a count alone meant one file for Clever JSON
        # and two for CSV formats (sections.csv or classes.csv, and enrollments.csv)
        what = (f"delivered empty (no {kind[:-1]} in {_file_list(paths[kind])})"
                if status == "delivered_empty" else "not delivered (no file of that kind)")
        ref = f"; {missing:,} {kind} referenced by id" if missing else ""
        yield me.finding("file", (), f"{kind}: {what}{ref}; {_NEEDED_FOR} are not available",
                         {"kind": kind, "status": status, "files": files,
                          "referenced_missing": missing})


@rule("RG-SRC-002", "warning", "the source references many records it does not contain")
def src_many_missing(roster: Roster, g: RosterGraph) -> Iterator[Finding]:
    """A kind with ids referenced but not delivered: all of them, or at least 10% and 10."""
    me = RULES["RG-SRC-002"]
    for kind, status, records, _, missing, _ in delivery(g):
        if not missing:
            continue
        share = missing / (records + missing)
        if records and (share < MANY_SHARE or missing < MANY_COUNT):
            continue
        meaning = ("known by id only" if kind in ("districts", "schools", "terms", "courses")
                   else "no one: they take part in no answer")
        yield me.finding("file", (),
                         f"{kind}: {missing:,} referenced without a record, {records:,} "
                         f"delivered ({share:.0%} missing); those are {meaning}",
                         {"kind": kind, "status": status, "records": records,
                          "referenced_missing": missing})
