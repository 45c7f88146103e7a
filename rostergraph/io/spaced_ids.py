"""Ids matched as Clever and OneRoster readers match references: a cell names the id
equal to it, or else the id equal to it once spaces around either are ignored.

SIS exports pad ids now and then (``" 123"`` in one file, ``"123"`` in another); Clever
matches such ids, so the readers do too, each match told by the reader in a problem that
keeps the cell as given. :class:`SpacedIds` is the lookup; what a match means (and what
is told) stays with each reader. The Clever SFTP reader keeps its own index of padded ids
as it reads them (``sftp_rows``), since it matches while its tables grow row by row.

Examples
--------
>>> named = SpacedIds([{"123": 1, " 77 ": 2}])
>>> named("123"), named(" 123 "), named("77"), named("9")
('123', '123', ' 77 ', None)
"""

from __future__ import annotations

from collections.abc import Callable, Collection, KeysView, Sequence

__all__ = ["SpacedIds", "each_matched"]


class SpacedIds:
    """Which id of ``pools`` (collections of ids: sets, or mappings keyed by id) a cell
    names: itself, else the id equal to it once spaces around either are ignored;
    ``None`` when none does. The index of the pools' padded ids is built on the first
    cell that needs it, and again when a pool has grown since (a reader's ids while it
    reads)."""

    __slots__ = ("_padded", "_sizes", "pools")

    def __init__(self, pools: Sequence[Collection[str]]) -> None:
        self.pools = pools
        self._padded: dict[str, str] = {}
        self._sizes: tuple[int, ...] | None = None

    def __call__(self, value: str) -> str | None:
        pools = self.pools
        if any(value in p for p in pools):
            return value
        got = value.strip()
        if got and any(got in p for p in pools):
            return got
        sizes = tuple(map(len, pools))
        if sizes != self._sizes:  # (first use, or ids were added since)
            padded: dict[str, str] = {}
            for p in pools:
                for rid in p:
                    if rid != rid.strip():
                        padded.setdefault(rid.strip(), rid)
            self._padded, self._sizes = padded, sizes
        return self._padded.get(got)


def each_matched(values: list[str], ids: Collection[str], match: Callable[[str], str]
                 ) -> list[str]:
    """``values`` with each non-empty one that is not in ``ids`` replaced by ``match`` of
    it (each such value matched once); ``values`` itself when every one is in ``ids``,
    found by one set difference for a mapping's ids (a district's 2M user ids).

    >>> each_matched(["a", " b", "", "a"], {"a": 0, "b": 1}, str.strip)
    ['a', 'b', '', 'a']
    """
    if isinstance(ids, dict | KeysView | set | frozenset):
        unknown = set(values).difference(ids)
        unknown.discard("")
        if not unknown:
            return values
        fixed = {v: match(v) for v in unknown}
        return list(map(fixed.get, values, values))  # (the rest mapped in C)
    return [v if not v or v in ids else match(v) for v in values]
