"""The error hierarchy of rostergraph.

Every error the library raises on purpose derives from :class:`RosterError`
and also from the builtin that fits, so ``except ValueError`` in user code
keeps working::

    RosterError(Exception)
     ├── FormatError(RosterError, ValueError)      bad or unreadable input data
     │    └── LimitError(FormatError)              input over a configured size/depth limit
     ├── UnknownIdError(RosterError, KeyError)     an id that is not in the roster/graph
     │    └── WrongKindError(UnknownIdError)       an id of another kind than asked for
     ├── SourceError(RosterError, OSError)         a path that is missing or not a roster
     ├── MissingExtraError(RosterError, ImportError) an optional dependency is not installed
     └── ApiError(RosterError)                     the Clever API refused or failed
          └── TokenError(ApiError)                 no token, or the token was rejected

Errors carry where the problem is as attributes (``path``, ``line``,
``column``, ``field``, ``record_id``, ``url``) and never carry secrets:
URLs are stored without query tokens and the bearer token is never part of
an error.

Examples
--------
>>> from rostergraph.errors import FormatError, RosterError
>>> err = FormatError("expected a JSON object", path="users.jsonl", line=3, column=1)
>>> isinstance(err, RosterError) and isinstance(err, ValueError)
True
>>> str(err)
'users.jsonl:3:1: expected a JSON object'
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ApiError",
    "FormatError",
    "LimitError",
    "MissingExtraError",
    "RosterError",
    "SourceError",
    "TokenError",
    "UnknownIdError",
    "WrongKindError",
]


class RosterError(Exception):
    """Base class of every error rostergraph raises on purpose."""


class FormatError(RosterError, ValueError):
    """Input data that cannot be read as the expected format.

    Parameters
    ----------
    message:
        What was expected and what was found.
    path, line, column:
        Where the problem is (``line`` and ``column`` are 1-based).
    field:
        The field of the record, when one is known.
    record_id:
        The id of the record, when one is known.
    value:
        The offending value (never a secret; may be truncated).
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
        record_id: str | None = None,
        value: Any = None,
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.field = field
        self.record_id = record_id
        self.value = value
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.path is not None:
            where = str(self.path)
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
        extra = []
        if self.record_id is not None:
            extra.append(f"record {self.record_id!r}")
        if self.field is not None:
            extra.append(f"field {self.field!r}")
        msg = self.message
        if extra:
            msg = f"{msg} ({', '.join(extra)})"
        return f"{where}: {msg}" if where else msg

    def __str__(self) -> str:
        return self._render()


class LimitError(FormatError):
    """Input that exceeds a configured resource limit (size, depth, entries)."""


class UnknownIdError(RosterError, KeyError):
    """An id that names no node of the kinds searched.

    Attributes
    ----------
    id:
        The id that was looked up.
    kinds:
        The node kinds that were searched.
    """

    def __init__(self, id: str, kinds: tuple[str, ...] | list[str], message: str | None = None):
        self.id = id
        self.kinds = tuple(kinds)
        self.message = message or f"unknown id {id!r} (searched: {', '.join(self.kinds)})"
        super().__init__(self.message)

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.message


class WrongKindError(UnknownIdError):
    """An id that exists, but names something else than was asked for."""

    def __init__(self, id: str, kinds: tuple[str, ...] | list[str], actual: str):
        self.actual = actual
        super().__init__(
            id, kinds, f"id {id!r} is a {actual}, not a {' or '.join(tuple(kinds))}"
        )


class SourceError(RosterError, OSError):
    """A path that does not exist or does not hold a roster rostergraph can read."""

    def __init__(self, message: str, *, path: str | None = None):
        self.message = message
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class MissingExtraError(RosterError, ImportError):
    """An optional dependency is not installed; the message names the extra that brings it.

    Parameters
    ----------
    module:
        The module that could not be imported (e.g. ``"pandas"``).
    extra:
        The rostergraph extra that installs it (e.g. ``"dataframe"``).
    feature:
        What needed it (e.g. ``"Table.to_pandas()"``).

    Examples
    --------
    >>> err = MissingExtraError("pandas", "dataframe", "Table.to_pandas()")
    >>> print(err)
    Table.to_pandas() needs pandas, which is not installed: pip install 'rostergraph[dataframe]'
    >>> isinstance(err, ImportError)
    True
    """

    def __init__(self, module: str, extra: str, feature: str):
        self.module = module
        self.extra = extra
        self.feature = feature
        self.message = (f"{feature} needs {module}, which is not installed: "
                        f"pip install 'rostergraph[{extra}]'")
        super().__init__(self.message, name=module)

    def __str__(self) -> str:
        return self.message


class ApiError(RosterError):
    """The Clever API answered with an error, or could not be reached.

    ``url`` never contains the token (tokens travel in a header only).
    """

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None):
        self.message = message
        self.url = url
        self.status = status
        parts = [message]
        if status is not None:
            parts.append(f"HTTP {status}")
        if url:
            parts.append(url)
        super().__init__(" — ".join(parts))


class TokenError(ApiError):
    """No API token was found, or the API rejected it (HTTP 401)."""
