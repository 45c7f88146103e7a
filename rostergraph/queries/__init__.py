"""Association queries over a :class:`~rostergraph.graph.RosterGraph`.

Plain functions ``f(graph, ...) -> Table`` (or ``bool``) working on the CSR
arrays only (never on the networkx view). The definitions are those of ``docs/queries.md``, the
contract, quoted in each docstring's Notes.

Common ground for every query:

- Stub nodes (ids referenced but without a record) take part in no answer.
- A section links the users it lists; duplicated entries in a section's
  ``students`` or ``teachers`` count once.
- Rows come out in a deterministic order (the roster's record order).

Examples
--------
>>> import rostergraph
>>> from rostergraph.queries import reach_pairs, orphaned_users
>>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
>>> pairs = reach_pairs(g)
>>> pairs.columns
['teacher', 'student', 'sections']
>>> sorted(set(orphaned_users(g).to_list("reason")))
['no_school', 'no_section', 'no_student']
"""

from __future__ import annotations

from ._common import _cache as _cache
from ._common import _expand as _expand
from ._common import _section_csr as _section_csr
from .orphans import orphaned_users
from .reach import (
    _count_type as _count_type,
)
from .reach import (
    _reach_idx as _reach_idx,
)
from .reach import (
    _Repeated as _Repeated,
)
from .reach import (
    can_reach,
    linking_sections,
    reach_pairs,
    students_of,
    teachers_of,
)
from .schools import (
    _home_schools as _home_schools,
)
from .schools import (
    _section_schools as _section_schools,
)
from .schools import (
    cross_school_enrollments,
    cross_school_teaching,
    school_flow,
)
from .summary import summary
from .visibility import visible_users

__all__ = [
    "can_reach",
    "cross_school_enrollments",
    "cross_school_teaching",
    "linking_sections",
    "orphaned_users",
    "reach_pairs",
    "school_flow",
    "students_of",
    "summary",
    "teachers_of",
    "visible_users",
]
