"""rostergraph: K-12 school rosters as a typed multigraph.

Load a roster from Clever (API dump, JSON/JSONL), Clever SFTP CSV or
OneRoster CSV into typed records (:class:`Roster`), build the graph in which
sections are the only student–teacher link (:class:`RosterGraph`), and ask
who can reach whom, who crosses schools, who is orphaned, and what breaks the
documented association rules.

Examples
--------
>>> import rostergraph
>>> roster = rostergraph.sample()
>>> g = rostergraph.RosterGraph.from_roster(roster)
>>> g.counts()["school"]
4
"""

from __future__ import annotations

import importlib as _importlib
import sys as _sys
import types as _types
from pathlib import Path as _Path
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from ._version import __version__

if _TYPE_CHECKING:  # what the names below are, for type checkers; imported on first use
    from . import batch
    from .clever import CleverClient, apply_events, fetch_district, sync_dump
    from .completeness import coverage, delivery, gap_lines
    from .diff import HoldThresholds, RecordChange, RosterDiff, diff
    from .errors import (
        ApiError,
        FormatError,
        LimitError,
        MissingExtraError,
        RosterError,
        SourceError,
        TokenError,
        UnknownIdError,
        WrongKindError,
    )
    from .graph import NODE_KINDS, RELATIONS, ROLE_BITS, Relation, RosterGraph
    from .io.convert import convert
    from .io.detect import detect_format, load
    from .io.write import write_clever_json
    from .io.write_oneroster import write_oneroster
    from .io.write_sftp import write_clever_csv
    from .labels import with_labels
    from .model import (
        ContactRole,
        Course,
        Credentials,
        Disability,
        District,
        DistrictAdminRole,
        DistrictContact,
        Location,
        Name,
        Principal,
        Roles,
        School,
        SchoolEnrollment,
        Section,
        StaffRole,
        StudentRelationship,
        StudentRole,
        TeacherRole,
        Term,
        User,
    )
    from .oneroster import OneRosterClient, fetch_oneroster, sync_oneroster
    from .privacy import Privacy, PrivacyPolicy
    from .queries import (
        can_reach,
        cross_school_enrollments,
        cross_school_teaching,
        linking_sections,
        orphaned_users,
        reach_pairs,
        school_flow,
        students_of,
        summary,
        teachers_of,
        visible_users,
    )
    from .report import Report
    from .roster import FileInfo, Problem, Provenance, Roster
    from .rules import RULES, Finding, FindingBlock, Findings, Rule
    from .rules.explain import explain_rule
    from .table import Table
    from .validation import validate

#: public name → the module that defines it. ``import rostergraph`` stays light: a
#: module (numpy, httpx, matplotlib behind it) is imported when one of its names is
#: first used.
_LAZY: dict[str, str] = {
    "batch": ".batch",
    "CleverClient": ".clever",
    "apply_events": ".clever",
    "fetch_district": ".clever",
    "sync_dump": ".clever",
    "coverage": ".completeness",
    "delivery": ".completeness",
    "gap_lines": ".completeness",
    "HoldThresholds": ".diff",
    "RecordChange": ".diff",
    "RosterDiff": ".diff",
    "diff": ".diff",
    "ApiError": ".errors",
    "FormatError": ".errors",
    "LimitError": ".errors",
    "MissingExtraError": ".errors",
    "RosterError": ".errors",
    "SourceError": ".errors",
    "TokenError": ".errors",
    "UnknownIdError": ".errors",
    "WrongKindError": ".errors",
    "NODE_KINDS": ".graph",
    "RELATIONS": ".graph",
    "ROLE_BITS": ".graph",
    "Relation": ".graph",
    "RosterGraph": ".graph",
    "detect_format": ".io.detect",
    "load": ".io.detect",
    "convert": ".io.convert",
    "write_clever_csv": ".io.write_sftp",
    "write_clever_json": ".io.write",
    "write_oneroster": ".io.write_oneroster",
    "with_labels": ".labels",
    "ContactRole": ".model",
    "Course": ".model",
    "Credentials": ".model",
    "Disability": ".model",
    "District": ".model",
    "DistrictAdminRole": ".model",
    "DistrictContact": ".model",
    "Location": ".model",
    "Name": ".model",
    "Principal": ".model",
    "Roles": ".model",
    "School": ".model",
    "SchoolEnrollment": ".model",
    "Section": ".model",
    "StaffRole": ".model",
    "StudentRelationship": ".model",
    "StudentRole": ".model",
    "TeacherRole": ".model",
    "Term": ".model",
    "User": ".model",
    "OneRosterClient": ".oneroster",
    "fetch_oneroster": ".oneroster",
    "sync_oneroster": ".oneroster",
    "Privacy": ".privacy",
    "PrivacyPolicy": ".privacy",
    "can_reach": ".queries",
    "cross_school_enrollments": ".queries",
    "cross_school_teaching": ".queries",
    "linking_sections": ".queries",
    "orphaned_users": ".queries",
    "reach_pairs": ".queries",
    "school_flow": ".queries",
    "students_of": ".queries",
    "summary": ".queries",
    "teachers_of": ".queries",
    "visible_users": ".queries",
    "Report": ".report",
    "FileInfo": ".roster",
    "Problem": ".roster",
    "Provenance": ".roster",
    "Roster": ".roster",
    "Finding": ".rules",
    "FindingBlock": ".rules",
    "Findings": ".rules",
    "RULES": ".rules",
    "Rule": ".rules",
    "validate": ".validation",
    "explain_rule": ".rules.explain",
    "Table": ".table",
}


def __getattr__(name: str) -> _Any:
    module = _LAZY.get(name)
    if module is None and not name.startswith("_"):
        import importlib.util

        # a submodule the docs name (rostergraph.synth.district, rostergraph.listing...):
        # there after `import rostergraph` alone, as it would be after importing it
        if importlib.util.find_spec(f"{__name__}.{name}") is not None:
            value = _importlib.import_module(f".{name}", __name__)
            globals()[name] = value
            return value
    if module is None:
        raise AttributeError(f"module 'rostergraph' has no attribute {name!r}")
    if module == "." + name:  # a submodule
        value = _importlib.import_module(module, __name__)
    else:
        value = getattr(_importlib.import_module(module, __name__), name)
    globals()[name] = value  # the usual module-attribute cache (PEP 562)
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(_types.ModuleType):
    """This package's module type: ``rostergraph.diff`` stays the function.

    The import system binds a subpackage to its parent's attribute when the
    subpackage is first imported; the subpackage ``rostergraph.diff`` would then
    hide the public function of the same name.
    """

    def __setattr__(self, name: str, value: _Any) -> None:
        if name == "diff" and isinstance(value, _types.ModuleType):
            value = value.diff
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package


__all__ = [
    "NODE_KINDS",
    "RELATIONS",
    "ROLE_BITS",
    "RULES",
    "ApiError",
    "CleverClient",
    "ContactRole",
    "Course",
    "Credentials",
    "Disability",
    "District",
    "DistrictAdminRole",
    "DistrictContact",
    "FileInfo",
    "Finding",
    "FindingBlock",
    "Findings",
    "FormatError",
    "HoldThresholds",
    "LimitError",
    "Location",
    "MissingExtraError",
    "Name",
    "OneRosterClient",
    "Principal",
    "Privacy",
    "PrivacyPolicy",
    "Problem",
    "Provenance",
    "RecordChange",
    "Relation",
    "Report",
    "Roles",
    "Roster",
    "RosterDiff",
    "RosterError",
    "RosterGraph",
    "Rule",
    "School",
    "SchoolEnrollment",
    "Section",
    "SourceError",
    "StaffRole",
    "StudentRelationship",
    "StudentRole",
    "Table",
    "TeacherRole",
    "Term",
    "TokenError",
    "UnknownIdError",
    "User",
    "WrongKindError",
    "__version__",
    "apply_events",
    "batch",
    "can_reach",
    "convert",
    "coverage",
    "cross_school_enrollments",
    "cross_school_teaching",
    "delivery",
    "detect_format",
    "diff",
    "explain_rule",
    "fetch_district",
    "fetch_oneroster",
    "gap_lines",
    "linking_sections",
    "load",
    "orphaned_users",
    "reach_pairs",
    "sample",
    "sample_path",
    "school_flow",
    "students_of",
    "summary",
    "sync_dump",
    "sync_oneroster",
    "teachers_of",
    "validate",
    "visible_users",
    "with_labels",
    "write_clever_csv",
    "write_clever_json",
    "write_oneroster",
]


def sample_path() -> _Path:
    """The folder of the embedded sample district (Clever v3.0 envelope JSON).

    Examples
    --------
    >>> import rostergraph
    >>> (rostergraph.sample_path() / "sections.json").is_file()
    True
    """
    return _Path(__file__).parent / "data" / "sample"


def sample() -> Roster:
    """Load the embedded sample district: small, fictional, with every documented quirk.

    See ``rostergraph/data/sample/README.md`` for where each quirk is.

    Examples
    --------
    >>> import rostergraph
    >>> r = rostergraph.sample()
    >>> len(r.schools), r.problems
    (4, [])
    """
    from .io.detect import load

    return load(sample_path())
