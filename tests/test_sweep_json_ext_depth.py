"""An ``ext`` map nesting past ``Limits.max_json_depth`` is a ``limit`` problem on both
JSON Lines paths, however the key ``ext`` is spelled in JSON.

Found by the JSON readers sweep: the fast scan counts brackets only on lines where
``lines_with(data, b'"ext"')`` finds the literal bytes ``"ext"``; a key written with an
escape (``"\\u0065xt"``, the same key once decoded) skips the depth check, msgspec
decodes the deep map, and the record loads where the general reader refuses it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import rostergraph
from rostergraph.io import fast_jsonl


@pytest.mark.parametrize("key", [b'"ext"', b'"\\u0065xt"', b'"e\\u0078t"'])
def test_deep_ext_map_is_a_limit_problem_on_both_paths(
        tmp_path: Path, key: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    deep = b"[" * 80 + b"]" * 80  # 80 levels: over the default max_json_depth (64)
    (tmp_path / "schools.jsonl").write_bytes(
        b'{"id": "s0"}\n{"id": "s1", ' + key + b': {"a": ' + deep + b'}}\n{"id": "s2"}\n')
    fast = rostergraph.load(tmp_path)
    with monkeypatch.context() as m:
        m.setattr(fast_jsonl, "read_fast", lambda *a, **k: None)
        general = rostergraph.load(tmp_path)
    assert [p.code for p in general.problems] == ["limit"]
    assert list(general.schools) == ["s0", "s2"]
    assert [(p.code, p.line) for p in fast.problems] == [("limit", 2)]
    assert list(fast.schools) == list(general.schools)
