"""The rule catalogue: small functions with stable IDs that yield findings.

A rule sees the :class:`~rostergraph.roster.Roster` and its
:class:`~rostergraph.graph.RosterGraph` and returns its findings as columns
(:class:`FindingBlock`: ``rule, severity, kind, ids, message, values``), or
yields :class:`Finding` objects. Rules are registered with
the :func:`rule` decorator (ID, severity, title, docs anchor, scope) in
:data:`RULES`; ``docs/rules.md`` documents each one. :func:`run_rules` runs
the selected rules; :func:`rostergraph.validate` wraps their findings in a
:class:`~rostergraph.report.Report` (the rules never import the report).

Modules: ``registry`` (Finding, Rule, the decorator, selection), ``findings``
(:class:`Findings`, the sorted columnar table validate returns, and
:class:`FindingBlock`, the columns a rule returns),
``sections``, ``references``, ``users``, ``schools``, ``terms_courses``, ``strings``,
``load`` (one RG-LOAD rule per reader problem code). The diff rules
RG-ID-001..003 are registered by :mod:`rostergraph.diff` with
``scope="diff"``.

Examples
--------
>>> import rostergraph
>>> RULES["RG-SEC-001"].severity, RULES["RG-SEC-001"].scope
('error', 'roster')
>>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
>>> found = run_rules(g.roster, g, select_rules("RG-TRM"))
>>> sorted({f.rule for f in found}) <= ["RG-TRM-001", "RG-TRM-002"]
True
"""

from __future__ import annotations

from collections.abc import Iterable

from ..graph import RosterGraph
from ..roster import Roster

# importing the catalogue modules registers their rules
from . import (
    load,  # noqa: F401
    references,  # noqa: F401
    schools,  # noqa: F401
    sections,  # noqa: F401
    sources,  # noqa: F401
    strings,  # noqa: F401
    terms_courses,  # noqa: F401
    users,  # noqa: F401
)
from ._util import gc_paused
from .findings import FindingBlock, Findings
from .registry import (
    FAMILIES,
    RULES,
    SCOPES,
    SEVERITIES,
    Finding,
    Rule,
    catalogue_key,
    rule,
    select_rules,
    severity_rank,
    sort_findings,
)

__all__ = [
    "FAMILIES",
    "RULES",
    "SCOPES",
    "SEVERITIES",
    "Finding",
    "FindingBlock",
    "Findings",
    "Rule",
    "catalogue",
    "catalogue_key",
    "rule",
    "run_rules",
    "select_rules",
    "severity_rank",
    "sort_findings",
]


def catalogue() -> list[Rule]:
    """Every registered rule, diff-scope rules included (imports :mod:`rostergraph.diff`).

    Examples
    --------
    >>> "RG-SEC-001" in [r.id for r in catalogue()]
    True
    """
    import importlib
    import importlib.util

    for name in ("rostergraph.diff", "rostergraph.diff.findings"):
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:
            found = False
        if found:
            importlib.import_module(name)
    return sorted(RULES.values(), key=catalogue_key)


def run_rules(roster: Roster, g: RosterGraph, rules: Iterable[Rule]) -> Findings:
    """Run roster-scope ``rules`` and return their findings as one sorted :class:`Findings`
    table. A rule returns :class:`FindingBlock` columns or yields :class:`Finding` objects
    (or both); findings sort by rule, kind, ids, message.

    Examples
    --------
    >>> import rostergraph
    >>> r = rostergraph.sample()
    >>> g = rostergraph.RosterGraph.from_roster(r)
    >>> run_rules(r, g, select_rules("RG-CRS")) == run_rules(r, g, select_rules("RG-CRS"))
    True
    """
    blocks: list[FindingBlock] = []
    with gc_paused():
        for r in rules:
            if r.scope != "roster" or r.func is None:
                continue
            loose: dict[str, list[Finding]] = {}
            for item in r.func(roster, g):
                if isinstance(item, FindingBlock):
                    blocks.append(item)
                else:  # a Finding (a rule may report under other ids too)
                    loose.setdefault(item.rule, []).append(item)
            for rid, found in loose.items():
                owner = RULES.get(rid) or Rule(rid, found[0].severity, "", "roster", rid.lower())
                blocks.append(FindingBlock.of_findings(owner, found))
        return Findings(blocks)
