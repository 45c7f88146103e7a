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

from pathlib import Path as _Path

from . import batch
from .clever import CleverClient, apply_events, fetch_district, sync_dump
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
from .io.detect import detect_format, load
from .io.write import convert, write_clever_csv, write_clever_json, write_oneroster
from .labels import with_labels
from .model import (
    ContactRole,
    Course,
    Credentials,
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
from .rules import RULES, Finding, Rule, validate
from .rules.explain import explain_rule
from .table import Table

__version__ = "0.1.0"

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
    "District",
    "DistrictAdminRole",
    "DistrictContact",
    "FileInfo",
    "Finding",
    "FormatError",
    "HoldThresholds",
    "LimitError",
    "Location",
    "MissingExtraError",
    "Name",
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
    "cross_school_enrollments",
    "cross_school_teaching",
    "detect_format",
    "diff",
    "explain_rule",
    "fetch_district",
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
    return load(sample_path())
