"""The pseudonym key: read from a file or an environment variable, never from the command line.

Examples
--------
>>> import os
>>> os.environ["DEMO_KEY"] = "correct horse battery staple"
>>> len(load_key("DEMO_KEY"))
28
"""

from __future__ import annotations

import os

__all__ = ["DEFAULT_KEY_ENV", "DEFAULT_KEY_FILE_ENV", "load_key"]

#: Environment variable read for the pseudonym key when none is given.
DEFAULT_KEY_ENV = "ROSTERGRAPH_PSEUDONYM_KEY"
#: Environment variable naming a file that holds the pseudonym key.
DEFAULT_KEY_FILE_ENV = "ROSTERGRAPH_PSEUDONYM_KEY_FILE"
#: The shortest key accepted, in bytes.
_MIN_KEY = 16


def load_key(env: str | None = None, file: str | os.PathLike[str] | None = None) -> bytes | None:
    """The pseudonym key from a file or an environment variable, or ``None``.

    Parameters
    ----------
    env:
        Name of the environment variable holding the key (default
        :data:`DEFAULT_KEY_ENV`). When given explicitly it must be set.
    file:
        A file whose bytes (trailing newline stripped) are the key; default the
        file named by :data:`DEFAULT_KEY_FILE_ENV`, if set.

    Returns
    -------
    bytes or None
        ``None`` when nothing is configured (the policy then makes a random
        per-run key).

    Raises
    ------
    ValueError
        When a named variable is unset, or the key is shorter than 16 bytes.
        The message names the variable or file, never the key.

    Examples
    --------
    >>> import os
    >>> os.environ["DEMO_KEY"] = "correct horse battery staple"
    >>> len(load_key("DEMO_KEY"))
    28
    """
    key: bytes | None = None
    where = ""
    path = file
    if path is None and env is None:  # an explicitly named variable beats the default file
        path = os.environ.get(DEFAULT_KEY_FILE_ENV) or None
    if path is not None:
        with open(path, "rb") as fh:
            key = fh.read().rstrip(b"\r\n")
        where = f"key file {os.fspath(path)}"
    else:
        name = env or DEFAULT_KEY_ENV
        value = os.environ.get(name)
        if value is None:
            if env is not None:
                raise ValueError(f"pseudonym key variable {name} is not set")
            return None
        key = value.encode()
        where = f"variable {name}"
    if len(key) < _MIN_KEY:
        raise ValueError(f"pseudonym key in {where} is shorter than {_MIN_KEY} bytes")
    return key
