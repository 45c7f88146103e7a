"""The cyclic garbage collector around bulk work: paused, then settled, never left changed.

Building millions of records or findings allocates millions of tracked objects; each
young-generation overflow would make the collector walk them. The helpers here pause
automatic collection for such a step and move what it made to the oldest generation.
They restore the caller's settings: a host that had the collector off keeps it off, and
a host that froze objects itself (``gc.freeze()``, e.g. a pre-forking server) keeps them
frozen.

One limit, inherent to a process-wide switch: while a step runs in one thread, the
collector is paused for every thread; a host that turns it off in another thread during
that step finds it on again afterwards.

Examples
--------
>>> import gc
>>> with collector_paused():
...     made = [[i] for i in range(1000)]
>>> gc.isenabled()
True
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused", "settle_new_objects"]


@contextmanager
def collector_paused(*, settle: bool = False) -> Iterator[None]:
    """Pause automatic collection for the block; restore the caller's setting after it.

    ``settle``: afterwards, move the objects made meanwhile to the oldest generation
    (see :func:`settle_new_objects`).
    """
    was_enabled = gc.isenabled()
    if was_enabled:
        gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if settle:
                settle_new_objects()
            gc.enable()


def settle_new_objects() -> None:
    """Move every tracked object to the oldest generation (``gc.freeze()`` then
    ``gc.unfreeze()``), so the next young collections do not walk the millions just made.

    Done only when nothing is frozen: unfreezing would thaw what the host froze.
    """
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()
