"""Sync holds: flag a change that removes or re-creates too much at once.

Clever holds a sync when a district's data changes significantly, so that a
broken SIS export does not delete half a district in the apps. rostergraph
computes the same kind of guard from a diff. Measures (shares of the old
roster, in percent):

====================== ========================================================
measure                counted
====================== ========================================================
``users_removed``      users removed (re-identified and merged users are not)
``sections_removed``   sections removed (re-identified sections are not)
``enrollments_removed`` (student, section) enrollments gone, after following
                       re-identified users and sections
``users_reidentified`` users under a new id, merged or split
``sections_reidentified`` sections under a new id
====================== ========================================================

A measure holds the sync when it is **more than** its threshold. Defaults
(:class:`HoldThresholds`): 10% for removals, 10% for re-identifications.
Clever's own thresholds are not public; these are rostergraph's choice and
every CLI run can set them (``--hold-if-removed``, ``--hold-if-reid``). Terms
and courses are not measured: Clever re-creates them routinely (RG-ID-001,
RG-ID-002 report them).

Examples
--------
>>> import rostergraph
>>> r = rostergraph.sample()
>>> hold_reasons(rostergraph.diff(r, r))
[]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["HOLD_MEASURES", "HoldReason", "HoldThresholds", "hold_reasons"]

#: measure → which threshold of :class:`HoldThresholds` applies.
HOLD_MEASURES: dict[str, str] = {
    "users_removed": "removed",
    "sections_removed": "removed",
    "enrollments_removed": "removed",
    "users_reidentified": "reidentified",
    "sections_reidentified": "reidentified",
}


@attrs.frozen(slots=True)
class HoldThresholds:
    """Percent of the old roster above which a sync is held.

    Parameters
    ----------
    removed:
        For users, sections and enrollments removed (default 10).
    reidentified:
        For users and sections under new ids (default 10).
    """

    removed: float = 10.0
    reidentified: float = 10.0


@attrs.frozen(slots=True)
class HoldReason:
    """One measure over its threshold, with what would go (ids)."""

    measure: str
    count: int
    total: int
    percent: float
    threshold: float
    ids: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        """One line: what share of what, and the threshold."""
        what, _, how = self.measure.partition("_")
        return (f"{self.percent:.1f}% of {what} {how} ({self.count:,} of {self.total:,}; "
                f"hold threshold {self.threshold:g}%)")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"measure": self.measure, "count": self.count, "total": self.total,
                "percent": round(self.percent, 3), "threshold": self.threshold,
                "message": self.message, "ids": list(self.ids)}


def _thresholds(t: HoldThresholds | Mapping[str, float] | None) -> HoldThresholds:
    if t is None:
        return HoldThresholds()
    if isinstance(t, HoldThresholds):
        return t
    return HoldThresholds(**dict(t))


def measures(d: Any) -> dict[str, tuple[int, int, tuple[str, ...]]]:
    """measure → ``(count, total, ids)`` for a diff (ids of what would go).

    Examples
    --------
    >>> import rostergraph
    >>> r = rostergraph.sample()
    >>> measures(rostergraph.diff(r, r))["users_removed"][0]
    0
    """
    from .impact import enrollment_count, removed_enrollments

    out: dict[str, tuple[int, int, tuple[str, ...]]] = {}
    for kind in ("users", "sections"):
        total = len(d.old.records(kind))
        gone = tuple(d.ids(kind, "removed"))
        out[f"{kind}_removed"] = (len(gone), total, gone)
        reid = [c.old_id for c in d.records(kind, "reidentified")]
        for m in d.merges:
            if m.kind == kind:
                reid += [o for o in m.old_ids if o not in m.new_ids]
        out[f"{kind}_reidentified"] = (len(reid), total, tuple(sorted(reid)))
    enr = removed_enrollments(d)
    out["enrollments_removed"] = (len(enr), enrollment_count(d), tuple(
        f"{s}@{c}" for s, c in zip(enr.to_list("student"), enr.to_list("section"))))
    return out


def hold_reasons(d: Any, thresholds: HoldThresholds | Mapping[str, float] | None = None
                 ) -> list[HoldReason]:
    """The measures of a diff over their thresholds (empty list: no hold).

    Parameters
    ----------
    d:
        A :class:`~rostergraph.diff.RosterDiff`.
    thresholds:
        :class:`HoldThresholds`, or a mapping with ``removed`` and/or
        ``reidentified`` percentages; ``None`` for the defaults (10, 10).

    Returns
    -------
    list of HoldReason
        In :data:`HOLD_MEASURES` order; ``ids`` lists what would go
        (enrollments as ``student@section``).

    Examples
    --------
    >>> import rostergraph
    >>> r = rostergraph.sample()
    >>> hold_reasons(rostergraph.diff(r, r), {"removed": 0})
    []
    """
    th = _thresholds(thresholds)
    got = measures(d)
    out = []
    for measure, which in HOLD_MEASURES.items():
        count, total, ids = got[measure]
        limit = float(getattr(th, which))
        pct = 100.0 * count / total if total else 0.0
        if count and pct > limit:
            out.append(HoldReason(measure, count, total, pct, limit, ids))
    return out
