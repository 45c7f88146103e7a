"""A key given twice in one object whose first value is ``null`` is a problem on the fast
JSON Lines path too (docs/bad-input.md row 69).

Found by the JSON readers sweep: ``scan._repeats`` takes a line as free of repeats when
its struct written back is shorter by exactly its explicit ``"key":null`` members
(``_nulls_left_out``); a repeated key whose earlier value is ``null`` is left out for
the same bytes, so the repeat went unnoticed and no ``other`` problem was listed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import rostergraph
from rostergraph.io import fast_jsonl


@pytest.mark.parametrize("kind,line", [
    ("terms", b'{"id":"t1","name":null,"name":"Fall"}'),
    ("terms", b'{"id":"t1","name":null,"name":null}'),
    ("users", b'{"id":"t1","name":{"first":null,"first":"A"},"roles":{}}'),
])
def test_repeated_key_after_a_null_is_a_problem_both_ways(
        tmp_path: Path, kind: str, line: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / f"{kind}.jsonl").write_bytes(b'{"id":"t0"}\n' + line + b'\n{"id":"t2"}\n')
    fast = rostergraph.load(tmp_path)
    with monkeypatch.context() as m:
        m.setattr(fast_jsonl, "read_fast", lambda *a, **k: None)
        general = rostergraph.load(tmp_path)
    want = [(p.code, p.line, p.record_id, p.field, p.raw) for p in general.problems]
    assert want and want[0][:2] == ("other", 2)
    assert [(p.code, p.line, p.record_id, p.field, p.raw) for p in fast.problems] == want
    assert list(fast.records(kind).items()) == list(general.records(kind).items())
