"""The rule catalogue: small functions with stable IDs that yield findings.

Every rule is registered with :func:`rule`, which records its ID, severity,
one-line title, docs anchor (in ``docs/rules.md``) and scope:

- ``scope="roster"``: the function takes ``(roster, graph)`` and yields
  :class:`Finding` objects; :func:`rostergraph.validate` runs it.
- ``scope="diff"``: the rule is implemented by :mod:`rostergraph.diff`
  (RG-ID-001..003, re-identified records); it is registered here so the
  catalogue, the docs and ``--select`` know it, but ``validate`` does not run it.

Examples
--------
>>> RULES["RG-TRM-001"].severity, RULES["RG-TRM-001"].scope
('error', 'roster')
>>> f = Finding("RG-SEC-001", "error", "section", ("s1",), "section s1 has no students")
>>> f.ids, dict(f.values)
(('s1',), {})
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

import attrs

__all__ = [
    "Finding",
    "RULES",
    "Rule",
    "SEVERITIES",
    "rule",
    "select_rules",
]

#: Severities, most severe first.
SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
SCOPES: tuple[str, ...] = ("roster", "diff")


def _freeze(values: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(values or {}))


@attrs.frozen(slots=True, order=False)
class Finding:
    """One thing a rule found.

    ``ids`` are record ids (the first is the record the finding is about);
    ``values`` maps a name to the offending value (ids, counts, enum values;
    never names, emails or dates of birth of students or contacts).
    """

    rule: str
    severity: str
    kind: str
    ids: tuple[str, ...] = attrs.field(converter=tuple)
    message: str
    values: Mapping[str, Any] = attrs.field(factory=dict, converter=_freeze)

    def sort_key(self) -> tuple[Any, ...]:
        """The key findings are sorted by: rule, kind, ids, message."""
        return (self.rule, self.kind, self.ids, self.message)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``ids`` as a list, ``values`` as a dict)."""
        return {"rule": self.rule, "severity": self.severity, "kind": self.kind,
                "ids": list(self.ids), "message": self.message, "values": dict(self.values)}


RuleFunc = Callable[..., Iterable[Finding]]


@attrs.frozen(slots=True)
class Rule:
    """A registered rule: its metadata and (for roster rules) the function."""

    id: str
    severity: str
    title: str
    scope: str
    anchor: str
    func: RuleFunc | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def family(self) -> str:
        """The ID prefix, e.g. ``RG-SEC``."""
        return self.id.rsplit("-", 1)[0]

    def finding(self, kind: str, ids: Iterable[str] | str, message: str,
                values: Mapping[str, Any] | None = None) -> Finding:
        """Make a finding of this rule (severity filled in)."""
        if isinstance(ids, str):
            ids = (ids,)
        return Finding(self.id, self.severity, kind, tuple(ids), message, values or {})


#: The registry: rule id → :class:`Rule`, in registration order.
RULES: dict[str, Rule] = {}


def _anchor(rule_id: str) -> str:
    return rule_id.lower()


def rule(rule_id: str, severity: str, title: str, *, scope: str = "roster",
         anchor: str | None = None) -> Callable[[RuleFunc], RuleFunc]:
    """Register a rule under ``rule_id``; use as a decorator.

    Parameters
    ----------
    rule_id
        Stable ID, ``RG-<FAMILY>-<NNN>`` (or ``RG-REF-001-<relation>``-style
        sub-ids are not used: one ID per rule).
    severity
        ``"error"``, ``"warning"`` or ``"info"``.
    title
        One line for the catalogue and reports.
    scope
        ``"roster"`` (the function takes ``(roster, graph)``) or ``"diff"``
        (implemented in :mod:`rostergraph.diff`; registered for the catalogue).
    anchor
        Docs anchor in ``docs/rules.md``; defaults to the lower-cased ID.

    Returns
    -------
    The decorator; it returns the function unchanged and sets ``func.rule``.

    Raises
    ------
    ValueError
        On an unknown severity/scope or an ID registered twice.

    Examples
    --------
    >>> @rule("RG-XMP-999", "info", "an example", scope="diff")
    ... def _example(old, new):
    ...     return []
    >>> RULES.pop("RG-XMP-999").scope
    'diff'
    """
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}; expected one of {SEVERITIES}")
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}; expected one of {SCOPES}")

    def deco(func: RuleFunc) -> RuleFunc:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id} is registered twice")
        r = Rule(rule_id, severity, title, scope, anchor or _anchor(rule_id), func)
        RULES[rule_id] = r
        try:
            func.rule = r  # type: ignore[attr-defined]
        except AttributeError:  # pragma: no cover - builtins
            pass
        return func

    return deco


def _matches(rule_id: str, patterns: Iterable[str]) -> bool:
    for p in patterns:
        p = p.strip().upper()
        if p and (rule_id == p or rule_id.startswith(p.rstrip("-") + "-") or rule_id.startswith(p)):
            return True
    return False


def select_rules(select: Iterable[str] | str | None = None,
                 ignore: Iterable[str] | str | None = None,
                 *, scope: str | None = "roster") -> list[Rule]:
    """The registered rules picked by ``select`` minus ``ignore`` (IDs or prefixes).

    Examples
    --------
    >>> [r.id for r in select_rules("RG-TRM")]
    ['RG-TRM-001', 'RG-TRM-002']
    """
    sel = [select] if isinstance(select, str) else list(select or [])
    ign = [ignore] if isinstance(ignore, str) else list(ignore or [])
    out = []
    for r in RULES.values():
        if scope is not None and r.scope != scope:
            continue
        if sel and not _matches(r.id, sel):
            continue
        if ign and _matches(r.id, ign):
            continue
        out.append(r)
    return out


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in their deterministic order (rule, kind, ids, message)."""
    return sorted(findings, key=Finding.sort_key)


def iter_findings(roster: Any, graph: Any, rules: Iterable[Rule]) -> Iterator[Finding]:
    """Run roster-scope ``rules`` and yield their findings (unsorted)."""
    for r in rules:
        if r.scope == "roster" and r.func is not None:
            yield from r.func(roster, graph)


# --- the catalogue ---------------------------------------------------------
# (rule functions follow; diff-scope rules RG-ID-001..003 are registered by
# rostergraph/diff.py with ``@rule(..., scope="diff")``.)

@rule("RG-TRM-001", "error", "term with none of name, start date, end date")
def _trm_001(roster: Any, graph: Any) -> Iterator[Finding]:
    me = RULES["RG-TRM-001"]
    for tid in sorted(roster.terms):
        t = roster.terms[tid]
        if not t.name and not t.start_date and not t.end_date:
            yield me.finding("term", tid, f"term {tid} has no name, start_date or end_date")


@rule("RG-TRM-002", "error", "term end before start, or an unparseable date")
def _trm_002(roster: Any, graph: Any) -> Iterator[Finding]:
    return iter(())
