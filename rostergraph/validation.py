"""``validate()``: run the rule catalogue over a roster and wrap the findings in a
:class:`~rostergraph.report.Report`.

It sits above both the rules and the report so that neither imports the other: the
rules return columns of findings, the report renders them.

Examples
--------
>>> import rostergraph
>>> validate(rostergraph.sample(), select="RG-CRS").counts()["error"] >= 0
True
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from .graph import RosterGraph
from .report import Report
from .roster import Roster
from .rules import run_rules, select_rules

__all__ = ["validate"]


def validate(roster_or_graph: Roster | RosterGraph, *,
             select: Iterable[str] | str | None = None,
             ignore: Iterable[str] | str | None = None) -> Report:
    """Check a roster against the rule catalogue.

    Parameters
    ----------
    roster_or_graph
        A :class:`Roster` (the graph is built) or a built :class:`RosterGraph`.
    select, ignore
        Rule IDs or prefixes (``"RG-SEC"``, ``["RG-REF-001", "RG-USR"]``,
        ``"RG-SEC,RG-TRM"``), like a linter. ``select=None`` runs every rule.

    Returns
    -------
    Report
        Summary, findings (sorted by rule, kind, ids), provenance and the
        rules that ran.

    Raises
    ------
    ValueError
        When a ``select``/``ignore`` pattern matches no rule.
    TypeError
        When given something other than a Roster or RosterGraph.

    Examples
    --------
    >>> import rostergraph
    >>> report = rostergraph.validate(rostergraph.sample())
    >>> report.counts()["error"] > 0
    True
    >>> sorted({f.rule for f in rostergraph.validate(rostergraph.sample(), select="RG-CRS").findings})
    ['RG-CRS-001', 'RG-CRS-002']
    """
    if isinstance(roster_or_graph, RosterGraph):
        g = roster_or_graph
    elif isinstance(roster_or_graph, Roster):
        g = RosterGraph.from_roster(roster_or_graph)
    else:
        raise TypeError(f"validate() takes a Roster or RosterGraph, not "
                        f"{type(roster_or_graph).__name__}")
    rules = select_rules(select, ignore)
    t0 = time.perf_counter()
    findings = run_rules(g.roster, g, rules)
    return Report(g, findings, rules, seconds=time.perf_counter() - t0)
