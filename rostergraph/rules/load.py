"""RG-LOAD-*: one rule per reader problem code (``rostergraph.roster.PROBLEM_CODES``).

A load problem is something a reader could not take as is; the finding
carries the file, line or index, record id and field, never the raw text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..graph import RosterGraph
from ..roster import PROBLEM_CODES, Problem, Roster
from .registry import RULES, Finding, rule

#: problem code → (rule id, severity). IDs are stable: new codes get new numbers.
LOAD_RULES: dict[str, tuple[str, str]] = {
    "syntax": ("RG-LOAD-001", "error"),
    "not_object": ("RG-LOAD-002", "error"),
    "no_id": ("RG-LOAD-003", "error"),
    "bad_field": ("RG-LOAD-004", "warning"),
    "duplicate_id": ("RG-LOAD-005", "error"),
    "envelope": ("RG-LOAD-006", "error"),
    "encoding": ("RG-LOAD-007", "error"),
    "limit": ("RG-LOAD-008", "warning"),
    "other": ("RG-LOAD-009", "warning"),
    "missing_file": ("RG-LOAD-010", "error"),
    "repeated_id": ("RG-LOAD-011", "warning"),
}
#: codes a reader may use that this table does not know yet are reported as "other"
_FALLBACK = "other"


def _where(p: Problem) -> str:
    loc = p.file or "(input)"
    if p.line is not None:
        loc += f":{p.line}"
    elif p.index is not None:
        loc += f"[{p.index}]"
    return loc


def _finding(rule_id: str, p: Problem) -> Finding:
    values = {k: v for k, v in (("code", p.code), ("file", p.file), ("line", p.line),
                                ("index", p.index), ("field", p.field)) if v is not None}
    ids = (p.record_id,) if p.record_id else ()
    # name the field: "expected a string, found number" alone does not say where to look
    field = f"field {p.field!r}: " if p.field and p.field not in p.message else ""
    return RULES[rule_id].finding(p.kind or "file", ids, f"{_where(p)}: {field}{p.message}",
                                  values)


def _make(code: str, rule_id: str) -> Callable[[Roster, RosterGraph], Iterator[Finding]]:
    def load_rule(roster: Roster, g: RosterGraph) -> Iterator[Finding]:
        for p in roster.problems:
            c = p.code if p.code in LOAD_RULES else _FALLBACK
            if c == code:
                yield _finding(rule_id, p)

    load_rule.__name__ = load_rule.__qualname__ = f"load_{code}"
    load_rule.__doc__ = f"Reader problem {code!r}: {PROBLEM_CODES.get(code, code)}."
    return load_rule


for _code, (_rid, _sev) in LOAD_RULES.items():
    rule(_rid, _sev, f"load problem: {PROBLEM_CODES.get(_code, _code)}")(_make(_code, _rid))
