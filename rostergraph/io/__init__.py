"""Readers and writers: a path in, a :class:`~rostergraph.roster.Roster` out.

Readers are pure functions: they never print and never touch global state.
:func:`rostergraph.io.detect.load` picks the reader from file names and
headers.
"""

from __future__ import annotations

from .clever_json import read_clever_json
from .detect import detect_format, load

__all__ = ["detect_format", "load", "read_clever_json"]
