"""IdKeys: a kind's record ids, found by binary search over their hashes instead of a dict.

A warm load (:mod:`rostergraph.cache`) has millions of record ids as one UTF-8 text;
turning them into Python strings and an ``id → row`` dict costs over a second for two
million users, and a load that never looks an id up needs neither. Here the ids stay
bytes: each one, zero-padded to a multiple of 8 bytes, is hashed by numpy (64 bits,
its length mixed in), and the rows are kept in the order of (hash, bytes). One
vectorized pass over that order checks it and proves the ids distinct; a lookup is
then a binary search over the hashes and one comparison of bytes.

Ids longer than :data:`MAX_WIDTH` bytes, or more hash ties than :data:`MAX_TIES`
(only crafted ids collide that often), are not handled here (``None``): the caller
keeps a dict then.

Examples
--------
>>> keys = IdKeys.from_text("u2\\nu10\\nu1".encode(), b"\\n", 3)
>>> keys.row("u10"), keys.row("u3"), keys.rows(["u1", "nope", "u2"]).tolist()
(1, -1, [2, -1, 0])
>>> again = IdKeys.from_text("u2\\nu10\\nu1".encode(), b"\\n", 3, order=keys.order)
>>> again.row("u1")
2
>>> IdKeys.from_text("a\\nb\\na".encode(), b"\\n", 3)
Traceback (most recent call last):
...
ValueError: repeated ids
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["MAX_TIES", "MAX_WIDTH", "IdKeys", "count_byte", "line_breaks"]

#: the longest id (UTF-8 bytes) handled
MAX_WIDTH = 64
#: the most pairs of ids with equal hashes handled
MAX_TIES = 256
_SEED = 0x9E3779B97F4A7C15
_MUL = 0xBF58476D1CE4E5B9
_MASK = (1 << 64) - 1


def count_byte(raw: np.ndarray, byte: int) -> int:
    """How many times ``byte`` occurs in the uint8 array ``raw`` (in blocks: no
    temporary array as large as ``raw``).

    Examples
    --------
    >>> count_byte(np.frombuffer(b"a,b,c", dtype=np.uint8), ord(","))
    2
    """
    step = 1 << 20
    buf = np.empty(min(step, len(raw)), dtype=bool)
    total = 0
    for at in range(0, len(raw), step):
        part = raw[at: at + step]
        np.equal(part, byte, out=buf[: len(part)])
        total += int(np.count_nonzero(buf[: len(part)]))
    return total


def line_breaks(data: bytes) -> int:
    """The line breaks of ``data``: each LF, CR or CRLF one (a CRLF split at the end of
    ``data`` counts as a CR). In blocks, by numpy: two ``bytes.count`` passes (CR, then
    CRLF) cost four times as much over a CRLF file.

    Examples
    --------
    >>> line_breaks(b"a\\r\\nb\\rc\\nd\\r")
    4
    """
    raw = np.frombuffer(data, dtype=np.uint8)
    total = count_byte(raw, 0x0A)
    if b"\r" not in data:  # (a memchr: most files have no CR)
        return total
    step = 1 << 20
    buf = np.empty(min(step, len(raw)), dtype=bool)
    for at in range(0, len(raw), step):
        part = raw[at: at + step + 1]  # (a byte more: the LF after a block's last CR)
        np.equal(part[:step], 0x0D, out=buf[: min(step, len(part))])
        cr = np.flatnonzero(buf[: min(step, len(part))]) + 1
        total += len(cr) - int(np.count_nonzero(part[cr[cr < len(part)]] == 0x0A))
    return total


def _hash_rows(words: np.ndarray, lens: np.ndarray | int) -> np.ndarray:
    """The hash of each row of ``words`` (uint64, little-endian words of the padded id)
    and its byte length; :func:`_hash_one` computes the same for one id."""
    if isinstance(lens, np.ndarray):
        h = lens.astype(np.uint64) ^ np.uint64(_SEED)
    else:
        h = np.full(len(words), np.uint64(lens ^ _SEED), dtype=np.uint64)
    mul, shift = np.uint64(_MUL), np.uint64(31)
    tmp = np.empty_like(h)
    for j in range(words.shape[1]):
        h ^= words[:, j]
        h *= mul  # (wraps: arithmetic modulo 2**64)
        h ^= np.right_shift(h, shift, out=tmp)
    return h


def _hash_one(padded: bytes, length: int) -> int:
    h = length ^ _SEED
    for j in range(0, len(padded), 8):
        h ^= int.from_bytes(padded[j: j + 8], "little")
        h = (h * _MUL) & _MASK
        h ^= h >> 31
    return h


class IdKeys:
    """Distinct ids (as UTF-8 bytes) with lookups by hash; immutable once made, so
    safe to share between threads. Make it with :meth:`from_text`."""

    __slots__ = ("_hs", "_lens", "_mat", "_n", "_width", "order")

    def __init__(self, mat: np.ndarray, lens: np.ndarray | int, order: np.ndarray,
                 hashes: np.ndarray) -> None:
        self._mat = mat          # (n, width) uint8: each id's bytes, zero-padded
        self._lens = lens        # each id's length in bytes (one int when all are equal)
        self._n, self._width = mat.shape
        #: the rows in the order of (hash, bytes): what a snapshot stores
        self.order = order
        self._hs = hashes[order]  # the hashes in that order (ascending)

    @classmethod
    def from_text(cls, text: bytes | np.ndarray, sep: bytes, n: int,
                  order: np.ndarray | None = None) -> IdKeys | None:
        """The ``n`` ids of ``text`` (UTF-8, joined by the one-byte ``sep``, which no id
        contains); ``order`` is the stored :attr:`order` to check (computed when
        ``None``). ``None`` when the ids are too long or tie too often to be handled.

        Raises
        ------
        ValueError
            When the text does not hold ``n`` ids, an id repeats, or ``order`` is not
            the order of these ids.
        """
        if n == 0 or len(sep) != 1:
            return None
        raw = np.frombuffer(text, dtype=np.uint8) if isinstance(text, bytes) else text
        s = sep[0]
        if raw.dtype != np.uint8 or raw.ndim != 1 or count_byte(raw, s) != n - 1:
            raise ValueError("the text does not hold the ids")
        total = len(raw)
        width = (total + 1) // n - 1
        lens: np.ndarray | int
        if (total + 1) % n == 0 and width >= 0 and bool((raw[width:: width + 1] == s).all()):
            if width > MAX_WIDTH:  # (each id has the same length: the fast case)
                return None
            lens = width
            if width and width % 8 == 0:  # the ids in place: no copy
                mat = np.lib.stride_tricks.as_strided(raw, shape=(n, width),
                                                      strides=(width + 1, 1))
                words = np.ndarray((n, width // 8), dtype="<u8", buffer=raw,
                                   strides=(width + 1, 8))
            else:
                mat = np.zeros((n, max(8, -(-width // 8) * 8)), dtype=np.uint8)
                mat[:, :width] = np.lib.stride_tricks.as_strided(raw, shape=(n, width),
                                                                 strides=(width + 1, 1))
                words = mat.view("<u8")
        else:
            ends = np.flatnonzero(raw == s)
            bounds = np.concatenate(([-1], ends, [total]))
            lens = np.diff(bounds) - 1
            width = int(lens.max())
            if width > MAX_WIDTH:
                return None
            mat = np.zeros((n, max(8, -(-width // 8) * 8)), dtype=np.uint8)
            mat[np.arange(mat.shape[1]) < lens[:, None]] = raw[raw != s]
            words = mat.view("<u8")
        hashes = _hash_rows(words, lens)
        if order is None:
            order = np.argsort(hashes, kind="stable")
            order = order.astype(np.int32 if n < 2**31 else np.int64)
            hs = hashes[order]
            ties = np.flatnonzero(hs[1:] == hs[:-1])
            if len(ties) > MAX_TIES:
                return None
            for i in ties.tolist():  # (a run of equal hashes: ordered by bytes below)
                j = i
                while j + 1 < n and hs[j + 1] == hs[i]:
                    j += 1
                run = sorted(order[i: j + 1].tolist(), key=lambda r: (mat[r].tobytes(),
                                                                      _length(lens, r)))
                order[i: j + 1] = run
        elif not (isinstance(order, np.ndarray) and order.dtype.kind == "i"
                  and order.shape == (n,) and int(order.min()) >= 0 and int(order.max()) < n):
            raise ValueError("bad id order")
        keys = cls(mat, lens, order, hashes)
        keys._check()
        return keys

    def _check(self) -> None:
        """Raise ValueError unless (hash, bytes) strictly increase along :attr:`order`:
        then the order is a permutation and no id repeats."""
        hs, order = self._hs, self.order
        if not bool((hs[1:] >= hs[:-1]).all()):
            raise ValueError("bad id order")
        ties = np.flatnonzero(hs[1:] == hs[:-1])
        if len(ties) > MAX_TIES:
            raise ValueError("too many hash ties")
        for i in ties.tolist():
            a, b = int(order[i]), int(order[i + 1])
            if (self._mat[a].tobytes(), _length(self._lens, a)) >= (
                    self._mat[b].tobytes(), _length(self._lens, b)):
                raise ValueError("repeated ids")

    def __len__(self) -> int:
        return self._n

    def row(self, key: str) -> int:
        """The row of ``key``, or -1."""
        b = key.encode("utf-8", "surrogatepass")
        length = len(b)
        if length > self._width:
            return -1
        padded = b + bytes(self._width - length)
        h = np.uint64(_hash_one(padded, length))
        hs = self._hs
        i = int(np.searchsorted(hs, h))
        while i < self._n and hs[i] == h:
            r = int(self.order[i])
            if _length(self._lens, r) == length and self._mat[r].tobytes() == padded:
                return r
            i += 1
        return -1

    def rows(self, keys: Sequence[str]) -> np.ndarray:
        """The row of each of ``keys`` (int64), -1 where it is not an id."""
        m = len(keys)
        out = np.full(m, -1, dtype=np.int64)
        enc = [k.encode("utf-8", "surrogatepass") for k in keys]
        fit = np.fromiter((len(b) <= self._width for b in enc), dtype=bool, count=m)
        at = np.flatnonzero(fit)
        if not len(at):
            return out
        w = self._width
        q = np.frombuffer(b"".join(enc[i] + bytes(w - len(enc[i])) for i in at.tolist()),
                          dtype=np.uint8).reshape(len(at), w)
        qlens = np.fromiter((len(enc[i]) for i in at.tolist()), dtype=np.int64, count=len(at))
        qh = _hash_rows(q.view("<u8"), qlens)
        lo = np.searchsorted(self._hs, qh, side="left")
        hi = np.searchsorted(self._hs, qh, side="right")
        one = hi - lo == 1
        cand = self.order[np.minimum(lo, self._n - 1)].astype(np.int64)
        lens = self._lens[cand] if isinstance(self._lens, np.ndarray) else self._lens
        same = one & (lens == qlens) & (self._mat[cand] == q).all(axis=1)
        out[at[same]] = cand[same]
        for k in np.flatnonzero(hi - lo > 1).tolist():  # equal hashes: one by one
            out[at[k]] = self.row(keys[int(at[k])])
        return out


def _length(lens: np.ndarray | int, row: int) -> int:
    return int(lens[row]) if isinstance(lens, np.ndarray) else lens
