"""``import rostergraph`` is light, and every public name still resolves."""

from __future__ import annotations

import subprocess
import sys

import rostergraph

HEAVY = ("numpy", "httpx", "matplotlib", "msgspec", "networkx", "dask", "pyarrow", "pandas",
         "polars", "tqdm")


def test_import_loads_no_heavy_dependency() -> None:
    """A bare ``import rostergraph`` imports none of numpy, httpx, matplotlib, ... : they
    load when a name that needs them is first used."""
    code = ("import sys, rostergraph; "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""


def test_every_public_name_resolves() -> None:
    """Each name of ``__all__`` is there on first use, and in ``dir()``."""
    for name in rostergraph.__all__:
        assert getattr(rostergraph, name) is not None, name
    assert set(rostergraph.__all__) <= set(dir(rostergraph))


def test_diff_stays_the_function_after_its_subpackage_is_imported() -> None:
    """``rostergraph.diff`` is the function even once ``rostergraph.diff.core`` has been
    imported (the import system binds subpackages to their parent's attributes)."""
    code = ("import rostergraph.diff.core, rostergraph; "
            "print(callable(rostergraph.diff), rostergraph.diff.__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["True", "rostergraph.diff.core"]
