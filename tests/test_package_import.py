"""``import rostergraph`` is light, and every public name still resolves."""

from __future__ import annotations

import os
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


def test_csv_loads_import_no_pandas(tmp_path) -> None:
    """Loading CSV folders (pyarrow parses them) never imports pandas, which pyarrow's own
    ``to_numpy``/``pa.array``/scalar conversions import when it is installed (~50 MB of
    a load's peak): not even for quoted cells or the ids a writer made up."""
    from rostergraph.io.write_oneroster import write_oneroster
    from rostergraph.io.write_sftp import write_clever_csv

    roster = rostergraph.sample()
    write_oneroster(roster, tmp_path / "or")
    write_clever_csv(roster, tmp_path / "sftp")
    quoted = tmp_path / "quoted"
    quoted.mkdir()
    for f in (tmp_path / "or").iterdir():  # every cell quoted, as some SIS export
        lines = f.read_text(encoding="utf-8").splitlines()
        (quoted / f.name).write_text(
            "\n".join(",".join(f'"{c}"' for c in line.split(",")) if '"' not in line
                      else line for line in lines) + "\n", encoding="utf-8")
    code = ("import sys, rostergraph\n"
            "from rostergraph.io import csvutil\n"
            f"for p in {[str(tmp_path / d) for d in ('or', 'sftp', 'quoted')] * 2!r}:\n"
            "    r = rostergraph.load(p)\n"
            "    csvutil.STREAM_FROM = 0  # (the second time, parsed as read from disk)\n"
            "    assert len(r.users) > 100, p\n"
            "    rostergraph.validate(r)\n"
            "print('pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    assert out.stdout.strip() == "False"


def test_submodules_the_docs_name_are_attributes_after_import_rostergraph() -> None:
    """``import rostergraph`` then ``rostergraph.listing.list_records(...)`` or
    ``rostergraph.synth.district(...)``, as the docs write them (an AttributeError unless
    the submodule had been imported); a name that is neither stays an AttributeError, and
    ``rostergraph.summary`` stays the function."""
    code = ("import rostergraph, sys\n"
            "print(rostergraph.listing.list_records.__name__, "
            "rostergraph.synth.district.__name__, rostergraph.plot.__name__)\n"
            "print(callable(rostergraph.summary), hasattr(rostergraph, 'no_such_module'))\n"
            "print('rostergraph.plot' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["list_records", "district", "rostergraph.plot", "True",
                                  "False", "True"]
