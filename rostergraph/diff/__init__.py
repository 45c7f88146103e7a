"""Change between two syncs: ``diff(old, new)``, re-created ids, and who it affects.

Modules: ``core`` (:func:`diff`, :class:`RosterDiff`, applying a diff),
``fields`` (field-level changes), ``reid`` (natural-key matching, merges and
splits), ``impact`` (reach, primary school and orphan changes), ``holds``
(sync holds), ``findings`` (rules RG-ID-001..003), ``render`` (text,
Markdown, JSON).

Note: ``rostergraph.diff`` is both this package and the :func:`diff`
function. The top-level package binds the function; the package module is
callable too (calling it calls :func:`diff`), so ``rostergraph.diff(old,
new)`` works even where an import system rebinds the attribute to the
module (pytest's importlib mode does). Import other names with
``from rostergraph.diff import RosterDiff``.

Examples
--------
>>> import rostergraph
>>> r = rostergraph.sample()
>>> d = rostergraph.diff(r, r)
>>> d.is_empty(), d.hold_reasons(), d.findings()
(True, [], [])
"""

from __future__ import annotations

import sys as _sys
import types as _types
from typing import Any as _Any

from . import findings as _findings  # noqa: F401  (registers RG-ID-001..003)
from .core import CHANGE_TYPES, RecordChange, RosterDiff, diff
from .fields import ABSENT, TIMESTAMP_FIELDS, FieldChange
from .holds import HOLD_MEASURES, HoldReason, HoldThresholds, hold_reasons
from .impact import orphan_changes, primary_school_changes, reach_changes, removed_enrollments
from .reid import AmbiguousMatch, Merge
from .render import FORMATS, render_diff

__all__ = [
    "ABSENT",
    "CHANGE_TYPES",
    "FORMATS",
    "HOLD_MEASURES",
    "TIMESTAMP_FIELDS",
    "AmbiguousMatch",
    "FieldChange",
    "HoldReason",
    "HoldThresholds",
    "Merge",
    "RecordChange",
    "RosterDiff",
    "diff",
    "hold_reasons",
    "orphan_changes",
    "primary_school_changes",
    "reach_changes",
    "removed_enrollments",
    "render_diff",
]


class _CallableModule(_types.ModuleType):
    """This package, callable as :func:`diff` (see the module docstring)."""

    def __call__(self, old: _Any, new: _Any, **options: _Any) -> RosterDiff:
        return diff(old, new, **options)


_sys.modules[__name__].__class__ = _CallableModule
