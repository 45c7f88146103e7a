"""Streaming generated records to disk: Clever JSON Lines and list envelopes, each file
written beside its target and moved into place, so a reader never sees half a file.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> p = Path(tempfile.mkdtemp()) / "terms.jsonl"
>>> write_lines(p, iter([{"id": "t1"}, {"id": "t2"}]))
>>> p.read_bytes().splitlines()
[b'{"id":"t1"}', b'{"id":"t2"}']
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

__all__ = ["write_envelope", "write_lines"]


def _temp_beside(path: Path) -> tuple[Any, Path]:
    """A new temporary file beside ``path`` (a fresh random name, so no planted link is
    followed) and its path; a link at ``path`` itself is refused."""
    import tempfile

    from .safety import refuse_link

    refuse_link(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.chmod(tmp, 0o644)
    return os.fdopen(fd, "wb"), Path(tmp)


def write_lines(path: Path, records: Iterator[dict[str, Any]]) -> None:
    """Write ``records`` to ``path`` as JSON Lines (one compact object a line).

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "schools.jsonl"
    >>> write_lines(p, iter([{"id": "s1"}]))
    >>> p.read_text().splitlines()
    ['{"id":"s1"}']
    """
    dumps = orjson.dumps
    out, tmp = _temp_beside(path)
    with out as fh:
        buf: list[bytes] = []
        for rec in records:
            buf.append(dumps(rec))
            if len(buf) >= 20_000:
                buf.append(b"")
                fh.write(b"\n".join(buf))
                buf = []
        if buf:
            buf.append(b"")
            fh.write(b"\n".join(buf))
    os.replace(tmp, path)


def write_envelope(path: Path, records: Iterator[dict[str, Any]], kind: str) -> None:
    """Write ``records`` to ``path`` as one Clever API list response of ``kind``.

    Examples
    --------
    >>> import json, tempfile
    >>> p = Path(tempfile.mkdtemp()) / "schools.json"
    >>> write_envelope(p, iter([{"id": "s1"}]), "schools")
    >>> json.loads(p.read_text())["data"][0]["uri"]
    '/v3.0/schools/s1'
    """
    out, tmp = _temp_beside(path)
    with out as fh:
        fh.write(b'{"data": [\n')
        first = True
        for rec in records:
            if not first:
                fh.write(b",\n")
            first = False
            fh.write(orjson.dumps({"data": rec, "uri": f"/v3.0/{kind}/{rec['id']}"}))
        fh.write(b'\n], "links": [{"rel": "self", "uri": "/v3.0/' + kind.encode() + b'"}]}\n')
    os.replace(tmp, path)
