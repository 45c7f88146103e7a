"""The public surface: __all__ matches what the package exports, all documented."""

from __future__ import annotations

import inspect

import rostergraph


def test_all_names_exist_and_are_exported() -> None:
    """Every name in __all__ exists, and every public top-level callable is in __all__."""
    for name in rostergraph.__all__:
        assert hasattr(rostergraph, name), name
    public = {n for n, v in vars(rostergraph).items()
              if not n.startswith("_") and not inspect.ismodule(v) and n != "annotations"}
    assert public - set(rostergraph.__all__) == set()
    assert sorted(rostergraph.__all__) == sorted(set(rostergraph.__all__))


def test_public_functions_have_docstrings_with_examples() -> None:
    """Every exported function has a docstring with an Examples block."""
    missing = [n for n in rostergraph.__all__
               if inspect.isfunction(getattr(rostergraph, n))
               and "Examples" not in (getattr(rostergraph, n).__doc__ or "")]
    assert missing == []
