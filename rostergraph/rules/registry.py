"""The rule registry: :class:`Finding`, :class:`Rule`, the :func:`rule` decorator.

Every rule is registered with :func:`rule`, which records its ID, severity,
one-line title, docs anchor (in ``docs/rules.md``) and scope:

- ``scope="roster"``: the function takes ``(roster, graph)`` and yields
  :class:`~rostergraph.rules.findings.FindingBlock` columns (or :class:`Finding`
  objects); :func:`rostergraph.validate` runs it.
- ``scope="diff"``: the rule is implemented by :mod:`rostergraph.diff`
  (RG-ID-001..003, re-identified records); it is registered so the
  catalogue, the docs and ``--select`` know it, but ``validate`` does not run
  it. In ``diff.py``::

      from rostergraph.rules import rule

      @rule("RG-ID-001", "info", "term re-created under a new id", scope="diff")
      def _term_reid(old, new):
          ...

Examples
--------
>>> f = Finding("RG-SEC-001", "error", "section", ("s1",), "section s1 has no students")
>>> f.ids, dict(f.values)
(('s1',), {})
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

import attrs

__all__ = [
    "FAMILIES",
    "RULES",
    "SCOPES",
    "SEVERITIES",
    "Finding",
    "Rule",
    "catalogue_key",
    "frozen_values",
    "rule",
    "select_rules",
    "severity_rank",
    "sort_findings",
]

#: Severities, most severe first.
SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
#: Where a rule runs: on one roster (``validate``) or on two (``diff``).
SCOPES: tuple[str, ...] = ("roster", "diff")


def severity_rank(severity: str) -> int:
    """0 for error, 1 for warning, 2 for info (lower is more severe).

    Examples
    --------
    >>> severity_rank("error") < severity_rank("info")
    True
    """
    return SEVERITIES.index(severity)


def _ids(ids: Iterable[str]) -> tuple[str, ...]:
    return ids if type(ids) is tuple else tuple(ids)


_NO_VALUES: Mapping[str, Any] = MappingProxyType({})


def _freeze(values: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if type(values) is MappingProxyType:  # already read-only: share it (rules reuse these)
        return values
    return MappingProxyType(dict(values)) if values else _NO_VALUES


def frozen_values(**values: Any) -> Mapping[str, Any]:
    """A read-only ``values`` mapping that many findings can share (saves memory when a
    rule yields a finding per user). Use tuples, not lists, inside it.

    Examples
    --------
    >>> v = frozen_values(role="student")
    >>> Finding("RG-X-001", "info", "user", ("u1",), "m", v).values is v
    True
    """
    return MappingProxyType(values)


@attrs.frozen(slots=True)
class Finding:
    """One thing a rule found.

    ``kind`` is the record kind the finding is about (``section``, ``user``,
    ... or ``file`` for load problems without a record); ``ids`` are record
    ids, the first being the record the finding is about; ``values`` maps a
    name to the offending value (ids, counts, enum values, field paths; never
    names, emails or dates of birth of people).
    """

    rule: str
    severity: str
    kind: str
    ids: tuple[str, ...] = attrs.field(converter=_ids)
    message: str
    values: Mapping[str, Any] = attrs.field(factory=dict, converter=_freeze)

    def sort_key(self) -> tuple[Any, ...]:
        """The key findings are sorted by: rule, kind, ids, message."""
        return (self.rule, self.kind, self.ids, self.message)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``ids`` as a list, ``values`` as a dict)."""
        return {"rule": self.rule, "severity": self.severity, "kind": self.kind,
                "ids": list(self.ids), "message": self.message, "values": dict(self.values)}


#: A rule's function: it yields :class:`Finding` objects or
#: :class:`~rostergraph.rules.findings.FindingBlock` columns (or both).
RuleFunc = Callable[..., Iterable[Any]]


@attrs.frozen(slots=True)
class Rule:
    """A registered rule: its metadata and the function that implements it."""

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
        """Make a finding of this rule (rule id and severity filled in)."""
        id_tuple: tuple[str, ...] = (ids,) if isinstance(ids, str) else tuple(ids)
        return Finding(self.id, self.severity, kind, id_tuple, message, values)


#: The registry: rule id → :class:`Rule`, in registration order.
RULES: dict[str, Rule] = {}

#: Rule families in catalogue order (that of ``docs/rules.md``); reports and listings follow it.
FAMILIES: tuple[str, ...] = ("RG-SEC", "RG-REF", "RG-USR", "RG-STU", "RG-TEA", "RG-STF",
                             "RG-CON", "RG-SCH", "RG-TRM", "RG-CRS", "RG-STR", "RG-LOAD",
                             "RG-ID")


def catalogue_key(r: Rule) -> tuple[int, str]:
    """Sort key: family in catalogue order (unknown families last), then id.

    Examples
    --------
    >>> [r.id for r in sorted(RULES.values(), key=catalogue_key)][:2]
    ['RG-SEC-001', 'RG-SEC-002']
    """
    fam = r.family
    return (FAMILIES.index(fam) if fam in FAMILIES else len(FAMILIES), r.id)


def rule(rule_id: str, severity: str, title: str, *, scope: str = "roster",
         anchor: str | None = None) -> Callable[[RuleFunc], RuleFunc]:
    """Register a rule under ``rule_id``; use as a decorator.

    Parameters
    ----------
    rule_id
        Stable ID, ``RG-<FAMILY>-<NNN>``.
    severity
        ``"error"`` (breaks an association rule), ``"warning"`` (legal but
        likely to break an app) or ``"info"`` (a documented quirk).
    title
        One line for the catalogue and reports.
    scope
        ``"roster"`` (the function takes ``(roster, graph)``) or ``"diff"``
        (implemented in :mod:`rostergraph.diff`; registered for the catalogue).
    anchor
        Docs anchor in ``docs/rules.md``; defaults to the lower-cased ID.

    Returns
    -------
    The decorator; it returns the function unchanged.

    Raises
    ------
    ValueError
        On an unknown severity or scope, or an ID registered twice.

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
        RULES[rule_id] = Rule(rule_id, severity, title, scope, anchor or rule_id.lower(), func)
        return func

    return deco


def _as_list(spec: Iterable[str] | str | None) -> list[str]:
    if spec is None:
        return []
    items = [spec] if isinstance(spec, str) else list(spec)
    out: list[str] = []
    for item in items:  # "RG-SEC,RG-REF-001" works like two items
        out += [p.strip().upper() for p in item.split(",") if p.strip()]
    return out


def _matches(rule_id: str, patterns: list[str]) -> bool:
    return any(rule_id == p or rule_id.startswith(p.rstrip("-") + "-") for p in patterns)


def select_rules(select: Iterable[str] | str | None = None,
                 ignore: Iterable[str] | str | None = None,
                 *, scope: str | None = "roster") -> list[Rule]:
    """The registered rules picked by ``select`` minus ``ignore``.

    Each pattern is a rule ID (``RG-SEC-001``) or an ID prefix ending at a
    dash boundary (``RG-SEC``, ``RG``); comma-separated lists work too.
    ``select=None`` means every rule. ``scope=None`` includes diff rules.

    Raises
    ------
    ValueError
        When a pattern matches no registered rule (a typo would otherwise
        silently select nothing).

    Examples
    --------
    >>> [r.id for r in select_rules("RG-TRM")]
    ['RG-TRM-001', 'RG-TRM-002']
    >>> len(select_rules(ignore="RG-LOAD")) < len(select_rules())
    True
    """
    sel, ign = _as_list(select), _as_list(ignore)
    for p in sel + ign:
        if not any(_matches(rid, [p]) for rid in RULES):
            raise ValueError(f"no rule matches {p!r} (rule ids look like RG-SEC-001; "
                             "a prefix like RG-SEC selects a family)")
    out = []
    for r in sorted(RULES.values(), key=catalogue_key):
        if scope is not None and r.scope != scope:
            continue
        if sel and not _matches(r.id, sel):
            continue
        if ign and _matches(r.id, ign):
            continue
        out.append(r)
    return out


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in their deterministic order (rule, kind, ids, message).

    Examples
    --------
    >>> a = Finding("RG-B-001", "info", "user", ("u2",), "b")
    >>> b = Finding("RG-A-001", "info", "user", ("u1",), "a")
    >>> [f.rule for f in sort_findings([a, b])]
    ['RG-A-001', 'RG-B-001']
    """
    return sorted(findings, key=Finding.sort_key)
