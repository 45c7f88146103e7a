"""Why each rule matters and how to fix its findings (package data, shipped with the wheel).

The explanations live in ``rostergraph/data/rules.json`` (installed with the
package, so a report written outside the repository still explains its
findings). ``docs/rules.md`` holds the same text with each rule's sources and
examples; a test keeps the two equal.

Examples
--------
>>> e = explain_rule("RG-SEC-001")
>>> e.severity, e.title
('error', 'section with no students')
>>> e.fix.startswith("Add the section's students")
True
"""

from __future__ import annotations

import json
from importlib import resources

import attrs

from .registry import RULES, catalogue_key

__all__ = ["RuleExplanation", "explain_rule", "explanations"]


@attrs.frozen
class RuleExplanation:
    """One rule's id, severity, title, trigger, why it matters and how to fix it."""

    id: str
    severity: str
    title: str
    trigger: str
    why: str
    fix: str

    def to_text(self) -> str:
        """The explanation as plain text (what ``rostergraph validate --explain`` prints).

        Examples
        --------
        >>> print(explain_rule("RG-CRS-001").to_text().splitlines()[0])
        RG-CRS-001 [error] course with no name
        """
        import textwrap

        parts = [f"{self.id} [{self.severity}] {self.title}"]
        parts += [textwrap.fill(f"{label}: {text}", width=88) for label, text in
                  (("What triggers it", self.trigger), ("Why it matters", self.why),
                   ("How to fix", self.fix))]
        return "\n\n".join(parts) + "\n"


def explanations() -> dict[str, RuleExplanation]:
    """Every registered rule's explanation, in catalogue order.

    Examples
    --------
    >>> "RG-REF-001" in explanations()
    True
    """
    raw = json.loads(resources.files("rostergraph").joinpath("data/rules.json")
                     .read_text(encoding="utf-8"))["rules"]
    return {rid: RuleExplanation(rid, r.severity, r.title, raw[rid]["trigger"],
                                 raw[rid]["why"], raw[rid]["fix"])
            for rid, r in ((r.id, r) for r in sorted(RULES.values(), key=catalogue_key))
            if rid in raw}


def explain_rule(rule_id: str) -> RuleExplanation:
    """The explanation of one rule (id case-insensitive).

    Raises
    ------
    ValueError
        For an id that names no rule (with the closest id, if any).

    Examples
    --------
    >>> explain_rule("rg-usr-004").id
    'RG-USR-004'
    """
    all_ = explanations()
    key = rule_id.strip().upper()
    if key not in all_:
        import difflib

        near = difflib.get_close_matches(key, list(all_), n=1)
        raise ValueError(f"no rule {rule_id!r}" + (f"; did you mean {near[0]}?" if near else
                                                   "; see rostergraph validate --list-rules"))
    return all_[key]
