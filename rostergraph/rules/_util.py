"""Helpers shared by the catalogue modules (not public)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from ..graph import ROLE_BITS, RosterGraph
from ..queries import _cache as _queries_cache

# One per-graph cache for queries and rules (graphs are immutable; keys differ).
cache = _queries_cache


def role_mask(g: RosterGraph, role: str) -> np.ndarray:
    """Over the full user index (stubs included): holds ``role``."""
    return (g.roles & ROLE_BITS[role]) != 0


def plural(n: int, word: str) -> str:
    """``"1 student"``, ``"3 students"``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC (re-enabled afterwards, not forced to run).

    Rules and renderers allocate many small objects next to a roster of
    millions of records; without this, each young-generation overflow can
    trigger a full-heap scan.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
