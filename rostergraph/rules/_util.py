"""Helpers shared by the catalogue modules (not public)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from ..graph import ROLE_BITS, RosterGraph

_CACHE: weakref.WeakKeyDictionary[RosterGraph, dict[str, Any]] = weakref.WeakKeyDictionary()


def cache(g: RosterGraph) -> dict[str, Any]:
    """A dict of derived values kept as long as the graph lives (graphs are immutable)."""
    c = _CACHE.get(g)
    if c is None:
        c = {}
        _CACHE[g] = c
    return c


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
