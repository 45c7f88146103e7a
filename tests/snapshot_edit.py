"""Edit a warm-load snapshot as someone with write access to the cache could: its
``meta.json`` read and written back, and its checksums made to fit what was changed, so
that a test reaches the checks behind them (a damage that leaves the checksums as they
were is refused by them alone)."""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from rostergraph.cache import _META_HEAD as _HEAD  # (the head save_cache writes)


def read_meta(entry: Path) -> dict[str, Any]:
    """The snapshot's ``meta.json`` (its checksum line taken off)."""
    meta: dict[str, Any] = orjson.loads((entry / "meta.json").read_bytes().partition(b"\n")[2])
    return meta


def write_meta(entry: Path, meta: dict[str, Any]) -> None:
    """``meta`` written as the snapshot's ``meta.json``, with its own checksum line."""
    text = orjson.dumps(meta)
    (entry / "meta.json").write_bytes(b"%s%08x\n%s" % (_HEAD, zlib.crc32(text), text))


def resign(entry: Path, meta: dict[str, Any] | None = None) -> None:
    """The checksums of every array and JSON Lines file of the snapshot made to fit the
    files as they are now (and ``meta``, when given, written)."""
    meta = read_meta(entry) if meta is None else meta
    checks = meta["checks"]
    for name in meta["arrays"]:
        p = entry / f"{name}.npy"
        if not p.is_file():
            continue
        try:
            arr = np.load(p, allow_pickle=False)
        except ValueError:  # (a pickle: left as it is, for the load to refuse)
            continue
        if isinstance(arr, np.ndarray):
            arr = np.ascontiguousarray(arr)
            checks[name] = [arr.dtype.str, zlib.crc32(arr.data.cast("B"))]
    for p in entry.glob("*.jsonl"):
        checks[p.name] = zlib.crc32(p.read_bytes())
    write_meta(entry, meta)
