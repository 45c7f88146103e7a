"""numpy arrays to and from pyarrow, read and written through their buffers.

pyarrow's own conversions (``Array.to_numpy``, ``pa.array``, a Python value given to a
compute function, which becomes a ``pa.scalar``) first ask whether the value is a
pandas object, and that question imports pandas when it is installed: about 50 MB of a
CSV load's peak and 0.2 s, for a library the readers never use. These helpers build the
same arrays from buffers, which asks nothing.

Examples
--------
>>> import numpy as np
>>> import pyarrow.compute as pc
>>> flags = pc.equal(arrow_ints(np.array([1, 2, 1])), arrow_ints(np.array([1, 1, 1])))
>>> numpy_of(flags).tolist(), numpy_of(arrow_ints(np.array([5, 6]))).tolist()
([True, False, True], [5, 6])
>>> pc.binary_join_element_wise(arrow_texts([b"a", b"b"]), arrow_texts([b"1", b"2"]),
...                             text_scalar(":")).to_pylist()
['a:1', 'b:2']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["array_chunks", "arrow_bools", "arrow_ints", "arrow_joined", "arrow_strs",
           "arrow_texts", "ints_or", "numpy_of", "text_buffers", "text_scalar"]


def array_chunks(arr: Any) -> list[Any]:
    """The chunks of a pyarrow chunked array, or a plain array as its one chunk (pyarrow's
    kernels give either, by what they were given).

    >>> import pyarrow as pa
    >>> [len(c) for c in array_chunks(pa.chunked_array([[1], [2, 3]]))], len(array_chunks(pa.array([1])))
    ([1, 2], 1)
    """
    return list(arr.chunks) if hasattr(arr, "chunks") else [arr]


def numpy_of(arr: Any) -> np.ndarray:
    """The values of a pyarrow integer or boolean array (or chunked array) as numpy.

    A chunk with nulls is converted by pyarrow itself (its nulls cannot be numpy
    integers or booleans); the readers' arrays have none."""
    import pyarrow as pa

    parts = [_chunk_values(c) for c in array_chunks(arr)]
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return np.zeros(0, dtype=bool if pa.types.is_boolean(arr.type) else np.int64)
    return np.concatenate(parts)


def _chunk_values(c: Any) -> np.ndarray:
    import pyarrow as pa

    n, off = len(c), c.offset
    if c.null_count:
        return c.to_numpy(zero_copy_only=False)  # type: ignore[no-any-return]
    buf = c.buffers()[1]
    if pa.types.is_boolean(c.type):
        if buf is None:
            return np.zeros(n, dtype=bool)
        bits = np.unpackbits(np.frombuffer(buf, dtype=np.uint8), count=off + n,
                             bitorder="little")
        return bits[off:].view(bool)
    if not pa.types.is_integer(c.type):
        raise TypeError(f"numpy_of takes integers or booleans, not {c.type}")
    kind = "int" if pa.types.is_signed_integer(c.type) else "uint"
    dtype = np.dtype(f"{kind}{c.type.bit_width}")
    if buf is None:
        return np.zeros(n, dtype=dtype)
    return np.frombuffer(buf, dtype=dtype, count=off + n)[off:]


def ints_or(arr: Any, fill: int) -> np.ndarray:
    """The values of a pyarrow integer array as ``int64``, ``fill`` where one is null (the
    nulls read from the validity bitmap: no Python scalar given to ``fill_null``).

    Examples
    --------
    >>> import pyarrow.compute as pc
    >>> found = pc.index_in(arrow_texts([b"b", b"x", b"a"]), value_set=arrow_texts([b"a", b"b"]))
    >>> ints_or(found, -1).tolist()
    [1, -1, 0]
    """
    import pyarrow as pa

    if isinstance(arr, pa.ChunkedArray):
        parts = [ints_or(c, fill) for c in arr.chunks]
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)
    n, off = len(arr), arr.offset
    validity, buf = arr.buffers()[:2]
    if not pa.types.is_integer(arr.type):
        raise TypeError(f"ints_or takes integers, not {arr.type}")
    kind = "int" if pa.types.is_signed_integer(arr.type) else "uint"
    dtype = np.dtype(f"{kind}{arr.type.bit_width}")
    if buf is None:
        out = np.zeros(n, dtype=np.int64)
    else:
        out = np.frombuffer(buf, dtype=dtype, count=off + n)[off:].astype(np.int64)
    if arr.null_count:
        valid = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), count=off + n,
                              bitorder="little")[off:].view(bool)
        out[~valid] = fill
    return out


def arrow_ints(values: np.ndarray) -> Any:
    """A pyarrow ``int64`` array of ``values``."""
    import pyarrow as pa

    x = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(x), [None, pa.py_buffer(x)])


def arrow_bools(mask: np.ndarray) -> Any:
    """A pyarrow boolean array of ``mask``."""
    import pyarrow as pa

    m = np.asarray(mask, dtype=bool)
    bits = np.packbits(m, bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), len(m), [None, pa.py_buffer(bits)])


def arrow_texts(items: Sequence[bytes], binary: bool = False) -> Any:
    """A pyarrow ``string`` (or, with ``binary``, ``binary``) array of UTF-8 ``items``
    (64-bit offsets, ``large_``, when they hold 2 GiB or more)."""
    sizes = np.fromiter(map(len, items), dtype=np.int64, count=len(items))
    return arrow_joined(b"".join(items), sizes, binary)


def arrow_strs(items: Sequence[str], binary: bool = False, large: bool = False,
               errors: str = "strict") -> Any:
    """:func:`arrow_joined` of ``str`` items as UTF-8 (``errors`` as for ``str.encode``;
    ``binary`` and ``large`` as there): all ASCII, the usual case for ids, is one join
    and one encode, with no ``bytes`` object per item.

    >>> arrow_strs(["ab", "", "é"]).to_pylist()
    ['ab', '', 'é']
    """
    joined = "".join(items)
    if joined.isascii():
        sizes = np.fromiter(map(len, items), dtype=np.int64, count=len(items))
        return arrow_joined(joined.encode("ascii"), sizes, binary, large)
    parts = [i.encode("utf-8", errors) for i in items]
    sizes = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    return arrow_joined(b"".join(parts), sizes, binary, large)


def arrow_joined(data: bytes, sizes: np.ndarray, binary: bool = False,
                 large: bool = False) -> Any:
    """A pyarrow ``string`` (or ``binary``) array of the UTF-8 items ``data`` holds one
    after another, ``sizes`` bytes each (64-bit offsets, ``large_``, with ``large`` or
    when they hold 2 GiB or more).

    Examples
    --------
    >>> arrow_joined(b"abcd", np.array([1, 0, 3])).to_pylist()
    ['a', '', 'bcd']
    """
    import pyarrow as pa

    offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    if large or offsets[-1] >= 2**31:
        typ = pa.large_binary() if binary else pa.large_string()
    else:
        typ = pa.binary() if binary else pa.string()
        offsets = offsets.astype(np.int32)
    return pa.Array.from_buffers(typ, len(sizes), [None, pa.py_buffer(offsets),
                                                   pa.py_buffer(data)])


def text_scalar(text: str) -> Any:
    """A pyarrow ``string`` scalar of ``text``."""
    return arrow_texts([text.encode()])[0]


def text_buffers(col: Any) -> tuple[np.ndarray, np.ndarray]:
    """A pyarrow string array's offsets (one more than its cells) and its bytes, as numpy
    arrays over its buffers (no copy).

    >>> import pyarrow as pa
    >>> off, data = text_buffers(pa.array(["ab", "", "c"]).slice(1))
    >>> off.tolist(), bytes(data[off[0]:off[-1]])
    ([2, 2, 3], b'c')
    """
    import pyarrow as pa

    bufs = col.buffers()
    wide = pa.types.is_large_string(col.type) or pa.types.is_large_binary(col.type)
    off = np.frombuffer(bufs[1], dtype=np.int64 if wide else np.int32)[
        col.offset:col.offset + len(col) + 1]
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(
        0, np.uint8)
    return off, data
