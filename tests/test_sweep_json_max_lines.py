"""``Limits.max_lines`` counts a last line without a newline on both JSON Lines paths.

Found by the JSON readers sweep: ``fast_jsonl.read_fast`` compared the number of ``\\n``
bytes with the limit, so a file of ``max_lines`` full lines and one more without a
newline loaded on the fast path, where the streaming reader raises ``LimitError`` at
that line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import rostergraph
from rostergraph.errors import LimitError
from rostergraph.io import fast_jsonl
from rostergraph.io.limits import Limits


def test_unterminated_line_past_max_lines_is_a_limit_error_both_ways(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "users.jsonl").write_bytes(b'{"id": "a"}\n{"id": "b"}\n{"id": "c"}\n{"id": "d"}')
    limits = Limits(max_lines=3)
    with monkeypatch.context() as m:
        m.setattr(fast_jsonl, "read_fast", lambda *a, **k: None)
        with pytest.raises(LimitError) as general:
            rostergraph.load(tmp_path, limits=limits)
    with pytest.raises(LimitError) as fast:
        rostergraph.load(tmp_path, limits=limits)
    assert str(fast.value) == str(general.value)
