"""String columns as flat arrays: how snapshots store text without pickling it.

A column of ``str``/``None`` becomes its distinct strings joined by a separator
that none of them contains (UTF-8 with ``surrogatepass``, so any ``str`` comes
back) in a ``uint8`` array, plus ``int32`` codes into them (-1 for ``None``).
Ids (distinct, never ``None``) need no codes. When every separator occurs in
the strings, their character offsets are stored instead. The description of a
column (counts and separator) is plain JSON; the arrays are plain numbers.

:func:`encode_strings` writes a column; :class:`StoredStrings` checks the parts
read back (they may come from disk: untrusted) and rebuilds the values.

Examples
--------
>>> arrays = {}
>>> desc = encode_strings(["KG", None, "KG", "01"], "grade", arrays)
>>> sorted(arrays), desc["k"]
(['grade.codes', 'grade.text'], 2)
>>> StoredStrings(desc, arrays, "grade").column().tolist()
['KG', None, 'KG', '01']
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Mapping
from typing import Any

import numpy as np

from .idkeys import IdKeys, count_byte

__all__ = ["SEPARATORS", "StoredStrings", "UnsupportedColumn", "encode_strings"]

#: joiners tried for a column's text, in order; offsets when every one occurs in it
SEPARATORS = ("\n", "\x00")


class UnsupportedColumn(ValueError):
    """A column holds something other than str or None (it is not snapshotted)."""


class _Codes(dict):  # type: ignore[type-arg]
    """value → code; an unseen value gets the next code on lookup (None is -1)."""

    def __missing__(self, key: Any) -> int:
        i = self[key] = len(self) - 1
        return i


def _mostly_distinct(values: list[Any]) -> bool:
    """Whether a strided sample of the non-None values has (almost) no repeats: then
    looking every value up to share repeats costs more than it saves."""
    sample = [v for v in values[:: max(1, len(values) // 4096)] if v is not None]
    return len(sample) > 64 and len(set(sample)) > 0.9 * len(sample)


def encode_strings(values: Any, key: str, arrays: dict[str, np.ndarray],
                    unique: bool = False) -> dict[str, Any]:
    """Add ``key``'s arrays to ``arrays``; return the column's description (JSON).

    ``unique``: the values are distinct and never None (ids): no codes are stored.
    Raises ``UnsupportedColumn`` for a value that is not a str (or None, unless ``unique``).
    """
    if not isinstance(values, list):  # (a list is only read: not copied again)
        values = values.tolist() if isinstance(values, np.ndarray) else list(values)
    n = len(values)
    try:
        if unique:
            distinct = values
        elif _mostly_distinct(values):  # e.g. emails: only the None ones are told apart
            present = np.fromiter(map(operator.is_not, values, itertools.repeat(None)),
                                  dtype=bool, count=n)
            distinct = list(itertools.compress(values, present.tolist()))
            codes = np.cumsum(present, dtype=np.int64) - 1
            codes[~present] = -1
            arrays[f"{key}.codes"] = codes.astype(np.int32 if n < 2**31 else np.int64)
        else:  # few distinct values (grades, relationships): each stored once
            code_of = _Codes({None: -1})
            arrays[f"{key}.codes"] = np.fromiter(
                map(code_of.__getitem__, values), count=n,
                dtype=np.int32 if n < 2**31 else np.int64)
            distinct = list(code_of)[1:]
        k = len(distinct)
        desc: dict[str, Any] = {"n": n, "k": k, "sep": None}
        for sep in SEPARATORS:
            joined = sep.join(distinct)  # TypeError for anything but str
            if joined.count(sep) == max(k - 1, 0):
                desc["sep"] = sep
                break
        else:
            joined = "".join(distinct)
            offsets = np.zeros(k + 1, dtype=np.int64)
            np.cumsum(np.fromiter(map(len, distinct), dtype=np.int64, count=k),
                      out=offsets[1:])
            arrays[f"{key}.offsets"] = offsets
    except TypeError:  # an unhashable value, or one that is not a str
        raise UnsupportedColumn(key) from None
    arrays[f"{key}.text"] = np.frombuffer(joined.encode("utf-8", "surrogatepass"),
                                          dtype=np.uint8)
    return desc


class StoredStrings:
    """A stored string column, checked; its text decoded and its values built on demand
    (safe from several threads: decoding twice gives the same text)."""

    __slots__ = ("_codes", "_k", "_n", "_offsets", "_raw", "_sep", "_text")

    def __init__(self, desc: dict[str, Any], arrays: Mapping[str, np.ndarray], key: str) -> None:
        """Raises ValueError/KeyError/TypeError when the stored parts do not fit together.

        The text is checked now: its separators counted (a one-byte character, so in the
        UTF-8 bytes), and, unless it is ASCII (always valid), decoded once to check it is
        UTF-8. Text with character offsets is decoded now."""
        n, k, sep = int(desc["n"]), int(desc["k"]), desc["sep"]
        if not 0 <= k <= n:
            raise ValueError(f"{key}: bad counts")
        raw = arrays[f"{key}.text"]
        if raw.dtype != np.uint8 or raw.ndim != 1:
            raise ValueError(f"{key}: text is not bytes")
        ascii_ = not len(raw) or int(raw.max()) < 0x80
        text = None if ascii_ else str(raw.data, "utf-8", "surrogatepass")
        offsets = None
        if sep is not None:
            if (sep not in SEPARATORS
                    or count_byte(raw, ord(sep)) != max(k - 1, 0)):
                raise ValueError(f"{key}: separators do not match")
        else:
            text = str(raw.data, "utf-8", "surrogatepass")
            offsets = arrays[f"{key}.offsets"]
            if (offsets.dtype.kind != "i" or offsets.shape != (k + 1,) or offsets[0] != 0
                    or offsets[-1] != len(text) or (np.diff(offsets) < 0).any()):
                raise ValueError(f"{key}: bad offsets")
        codes = arrays.get(f"{key}.codes")
        if codes is None:
            if k != n:
                raise ValueError(f"{key}: no codes")
        elif (codes.dtype.kind != "i" or codes.shape != (n,)
              or (n and (int(codes.min()) < -1 or int(codes.max()) >= k))):
            raise ValueError(f"{key}: bad codes")
        self._n, self._k, self._sep, self._raw, self._text, self._offsets, self._codes = \
            n, k, sep, raw, text, offsets, codes

    @property
    def n(self) -> int:
        """The number of values."""
        return self._n

    @property
    def distinct_count(self) -> int:
        """The number of distinct strings stored (``n`` for a column without codes)."""
        return self._k

    @property
    def coded(self) -> bool:
        """Whether the values are codes into the distinct strings (else: ids, one each)."""
        return self._codes is not None

    def keys(self, order: Any) -> IdKeys | None:
        """The values (distinct, no codes: ids) as :class:`IdKeys` checked against the
        stored ``order``; ``None`` when there is no order or the ids are not handled
        there. Raises ValueError when ``order`` does not fit (e.g. an id repeats)."""
        if order is None or self._sep is None:
            return None
        if self._codes is not None or self._k != self._n:
            raise ValueError("not an id column")
        return IdKeys.from_text(self._raw, self._sep.encode(), self._n, order=order)

    def distinct(self) -> list[str]:
        """The distinct strings (for a column without codes: every value)."""
        if self._k == 0:
            return []
        if self._text is None:
            self._text = str(self._raw.data, "ascii")
        if self._sep is not None:
            return self._text.split(self._sep)
        o = self._offsets.tolist()  # type: ignore[union-attr]
        text = self._text
        assert text is not None
        return [text[a:b] for a, b in itertools.pairwise(o)]

    def column(self) -> np.ndarray:
        """The values as an object array (str or None)."""
        table = np.empty(self._k + 1, dtype=object)  # the last one stays None (code -1)
        table[: self._k] = self.distinct()
        if self._codes is None:
            return table[: self._k]
        return table[self._codes]
