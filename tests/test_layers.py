"""The package's layers: a module imports only from its own layer or the ones below it.

Data flows one way: records and errors, then the graph columns, the roster, the
readers, the graph, the analysis (queries, rules, diff), the results and their
renderers, the entry points (``load()`` with its cache, batch, synth), the package's
front door, and last the command line (the ``rostergraph.cli`` package, which no
other module imports). Every import counts, including those inside functions: an import
moved into a function to dodge a cycle is still an arrow.

Today's exceptions are listed in ``ALLOWED``; the list may only shrink (an entry
that is no longer needed fails the test until it is removed).
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).parent.parent / "rostergraph"

#: module (or package prefix, longest match wins) → layer, lowest first.
LAYERS: dict[str, int] = {
    # 1: records, errors, the one exit for writers, the result type
    "rostergraph._version": 1, "rostergraph._collector": 1, "rostergraph.errors": 1, "rostergraph.model": 1,
    "rostergraph.safety": 1, "rostergraph.fastrec": 1, "rostergraph.lazy": 1,
    "rostergraph.idkeys": 1, "rostergraph.strcols": 1, "rostergraph.intcodes": 1,
    "rostergraph.table": 1, "rostergraph.table_group": 1,
    # 2: graph and field columns shared by the readers, the graph and the rules
    "rostergraph.columns": 2, "rostergraph.fields": 2,
    # 3: the roster
    "rostergraph.roster": 3,
    # 4: readers and writers; live sources that write dump folders
    "rostergraph.io": 4, "rostergraph.clever": 4, "rostergraph.oneroster": 4,
    "rostergraph.io.write_oneroster": 4, "rostergraph.io.oneroster_users": 4,
    "rostergraph.io.oneroster_sessions": 4, "rostergraph.io.jsonkeys": 4,
    # 5: the graph
    "rostergraph.graph": 5,
    # 6: analysis
    "rostergraph.queries": 6, "rostergraph.rules": 6, "rostergraph.diff": 6,
    "rostergraph.completeness": 6,
    # 7: results and renderers
    "rostergraph.report": 7, "rostergraph.report_html": 7, "rostergraph.plot": 7,
    "rostergraph.privacy": 7, "rostergraph.privacy_key": 7,
    "rostergraph.privacy_enrollments": 7, "rostergraph.privacy_extras": 7,
    "rostergraph.labels": 7, "rostergraph.report_md": 7,
    "rostergraph.listing": 7, "rostergraph.validation": 7,
    # 8: load() itself (readers + cache), the cache, batch runs, the generator
    "rostergraph.io.detect": 8, "rostergraph.io.convert": 8, "rostergraph.io.__init__": 8,
    "rostergraph.cache": 8,
    "rostergraph.batch": 8, "rostergraph.synth": 8, "rostergraph.synth_files": 8,
    "rostergraph.synth_names": 8,
    "rostergraph.oneroster.sync": 8,  # loads, diffs (holds) and rewrites a dump
    "rostergraph.oneroster.__init__": 8,
    # 9: the package's front door (names imported on first use)
    "rostergraph.__init__": 9,
    # 10: the command line (one module per command under ``rostergraph.cli``) and
    # ``python -m rostergraph``: nothing else imports it
    "rostergraph.cli": 10, "rostergraph.__main__": 10,
}
CLI_LAYER = 10

#: Arrows that are wrong even where the layer numbers allow them.
FORBIDDEN: tuple[tuple[str, str], ...] = (
    ("rostergraph.rules", "rostergraph.io"),     # rules judge columns, never read files
    ("rostergraph.queries", "rostergraph.io"),
    ("rostergraph.graph", "rostergraph.io"),
)

#: (importer, imported) arrows that break the layers today. May only shrink.
ALLOWED: set[tuple[str, str]] = set()

#: No module is longer than this many lines ...
MAX_LINES = 800
#: ... except these, which may not grow past the count given. May only shrink.
LONG_MODULES: dict[str, int] = {}


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts)


def _layer(module: str) -> int | None:
    name = module
    while name:
        if name in LAYERS:
            return LAYERS[name]
        name = name.rpartition(".")[0]
    return None


def _imports(path: Path, *, run_time: bool = False) -> set[str]:
    """Every ``rostergraph`` module that ``path`` imports, anywhere in the file (with
    ``run_time``, not those under ``if TYPE_CHECKING:``, which never run)."""
    module = _module(path)
    package = module.rpartition(".")[0] if path.name != "__init__.py" else \
        module.removesuffix(".__init__")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                   and "TYPE_CHECKING" in ast.unparse(block.test)
                   for n in ast.walk(block)} if run_time else set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("rostergraph"):
                continue
            for alias in node.names:  # ``from . import queries`` imports a module
                sub = f"{target}.{alias.name}"
                rel = Path(*sub.split("."))
                is_module = (PACKAGE.parent / rel.with_suffix(".py")).is_file() or \
                    (PACKAGE.parent / rel).is_dir()
                found.add(sub if is_module else target)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("rostergraph"))
    return {_canonical(m) for m in found} - {module}


def _canonical(module: str) -> str:
    """A package's name as the module of its ``__init__``."""
    rel = Path(*module.split("."))
    if (PACKAGE.parent / rel).is_dir():
        return module + ".__init__"
    return module


def _arrows() -> list[tuple[str, str]]:
    return sorted((_module(p), m) for p in PACKAGE.rglob("*.py") for m in _imports(p))


def _plain(module: str) -> str:
    return module.removesuffix(".__init__")


def test_every_module_has_a_layer() -> None:
    """A new module is placed in a layer on purpose."""
    missing = sorted(_module(p) for p in PACKAGE.rglob("*.py") if _layer(_module(p)) is None)
    assert missing == [], "add these modules to LAYERS in tests/test_layers.py"


def test_imports_only_point_down() -> None:
    """No module imports one from a higher layer, or across a forbidden arrow, beyond
    the listed exceptions; and every listed exception is still needed."""
    bad: set[tuple[str, str]] = set()
    for src, dst in _arrows():
        ls, ld = _layer(src), _layer(dst)
        if ls is None or ld is None:
            continue
        a, b = _plain(src), _plain(dst)
        if ld > ls or any(a.startswith(f) and b.startswith(t) for f, t in FORBIDDEN):
            bad.add((a, b))
    assert sorted(bad - ALLOWED) == [], "imports against the layers"
    assert sorted(ALLOWED - bad) == [], "fixed: remove these from ALLOWED"


def test_readers_never_import_the_graph_cache_rules_or_cli() -> None:
    """The readers (``io`` but ``load()`` itself) import none of graph, cache, rules,
    queries or the command line; nothing below the command line imports it."""
    for src, dst in _arrows():
        a, b = _plain(src), _plain(dst)
        if a.startswith("rostergraph.io.") and _layer(src) == 4:
            assert not b.startswith(("rostergraph.graph", "rostergraph.cache",
                                     "rostergraph.rules", "rostergraph.queries",
                                     "rostergraph.cli")), (a, b)
        if b == "rostergraph.cli" or b.startswith("rostergraph.cli."):
            assert _layer(src) == CLI_LAYER, (a, b)


def test_no_import_cycles() -> None:
    """No modules import each other, directly or around a loop, even from inside a function
    (an import moved into a function to dodge a cycle still makes one); only imports that
    never run (``if TYPE_CHECKING:``) are left out."""
    g = nx.DiGraph()
    for p in PACKAGE.rglob("*.py"):
        src = _plain(_module(p))
        g.add_edges_from((src, _plain(m)) for m in _imports(p, run_time=True))
    cycles = [sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1]
    assert cycles == []


def test_modules_stay_short() -> None:
    """No module passes MAX_LINES lines, except the listed ones, which may not grow."""
    sizes = {str(p.relative_to(PACKAGE.parent)): len(p.read_text(encoding="utf-8")
                                                     .splitlines())
             for p in PACKAGE.rglob("*.py")}
    too_long = {p: n for p, n in sizes.items() if n > LONG_MODULES.get(p, MAX_LINES)}
    assert too_long == {}
    fixed = [p for p in LONG_MODULES if sizes.get(p, 0) <= MAX_LINES]
    assert fixed == [], "short now: remove these from LONG_MODULES"
