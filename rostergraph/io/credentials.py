"""Credentials a Clever JSON record carries in ``extra`` (``password``, ``sis_password``,
``api_token``, ``secret``, ...): named by the readers' one test,
:func:`~rostergraph.io.csv_rowchecks.is_secret_column`.

The JSON reader keeps them (it loses nothing it read); the CSV readers never keep such a
column. What the library writes or prints leaves them out: every privacy mode's records
(:func:`without_credentials`, on the dicts :meth:`~rostergraph.privacy.PrivacyPolicy.apply_record`
rewrites), the writers (through :func:`~rostergraph.model.record_to_dict`'s
``extra_filter``: a conversion in any mode, or a writer called on a roster) and a diff,
which shows such a field changed without its values (:func:`holds_credential`).

Examples
--------
>>> d = {"id": "se1", "sis_password": "x", "vendor": {"api_token": "y", "room": "4"}}
>>> without_credentials(d)
{'id': 'se1', 'vendor': {'room': '4'}}
>>> holds_credential([{"secret": "z"}]), holds_credential({"room": "4"})
(True, False)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..model import RECORD_CLASSES, _spec
from .csv_rowchecks import is_secret_column
from .enrollcells import ENROLLMENT_CELLS_KEY
from .oneroster_cols import ENROLLMENT_IDS_KEY

__all__ = ["FIELD_NAMES", "holds_credential", "without_credentials"]


def _field_names() -> frozenset[str]:
    """The names of every record's fields, at any depth: none is a credential's (a test
    checks), so a record dict's keys are tested only when the schema lacks them."""
    names: set[str] = set()
    todo = list(RECORD_CLASSES.values())
    while todo:
        for name, _, sub in _spec(todo.pop()):
            names.add(name)
            if sub is not None:
                todo.append(sub)
    return frozenset(names)


#: The names of every record's fields, at any depth (a key of a record dict that is none
#: of them is one its ``extra`` keeps).
FIELD_NAMES = _field_names()
#: the readers' own keys whose dict keys are data (cell values, user ids), not names: a
#: value spelt ``token`` is no credential's name (the readers never keep one inside)
_KEYED_BY_DATA = frozenset({ENROLLMENT_CELLS_KEY, ENROLLMENT_IDS_KEY})


def without_credentials(value: Any) -> Any:
    """``value`` (a record dict, or anything inside one) without the credential-named keys
    of its objects, at any depth (objects in lists too); what holds none is returned as
    it is.

    Examples
    --------
    >>> without_credentials({"id": "u1", "roles": {"teacher": {"Password": "x"}}})
    {'id': 'u1', 'roles': {'teacher': {}}}
    """
    if isinstance(value, Mapping):
        return {k: v if k in _KEYED_BY_DATA else without_credentials(v)
                for k, v in value.items() if not _is_credential(k)}
    if isinstance(value, list):
        return [without_credentials(v) for v in value]
    return value


def _is_credential(key: Any) -> bool:
    return isinstance(key, str) and key not in FIELD_NAMES and is_secret_column(key)


def holds_credential(value: Any) -> bool:
    """Whether ``value`` holds an object with a credential-named key, at any depth.

    Examples
    --------
    >>> holds_credential({"a": [{"b": {"client_secret": "x"}}]}), holds_credential("secret")
    (True, False)
    """
    if isinstance(value, Mapping):
        return any(_is_credential(k) or (k not in _KEYED_BY_DATA and holds_credential(v))
                   for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(holds_credential(v) for v in value)
    return False
