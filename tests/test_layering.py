"""The import graph of codesearch/, indexer/, parsers/ and tui/ is one-way (DESIGN.md, "The layers").

Every import counts, also one inside a function. The test fails on an import cycle between modules and
on an edge from a layer to one it may not import; the failure message lists them all.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("codesearch", "indexer", "parsers", "tui")

# module (or package prefix) -> layer; the longest matching prefix wins. A module of codesearch/ that is
# named nowhere here belongs to the search pipeline (the layer between the store and the assembly).
LAYER_OF = {
    "codesearch": "types",  # the package's own __init__: a docstring
    "codesearch.types": "types",
    "codesearch.errors": "foundation",
    "codesearch.settings": "foundation",
    "codesearch.embedding.base": "foundation",
    "codesearch.terminal_text": "foundation",  # how text from a file is shown on a terminal (CLI, TUI)
    "codesearch.identifiers": "foundation",  # identifiers split into words (lexical index, queries, head line)
    "codesearch.document_head": "foundation",  # a document text's head line: written (indexer), read (embedding)
    "parsers": "parsers",
    "indexer": "indexer",
    "codesearch.embedding": "embedding",
    "codesearch.serve_model": "embedding",
    "codesearch.rerank": "rerank",
    "codesearch.assembly": "assembly",
    "codesearch.api": "api",
    "codesearch.mcp_server": "mcp",
    "codesearch.mcp_stdio": "mcp",
    "tui": "tui",
    "codesearch.cli": "cli",
    "codesearch.cli_commands": "cli",
    "codesearch.cli_hooks": "cli",
    "codesearch.cli_model": "cli",
}
DEFAULT_CODESEARCH_LAYER = "search"

_BELOW_SEARCH = {"indexer", "parsers", "embedding", "rerank", "foundation", "types"}
_BELOW_SERVERS = {"assembly", "search", *_BELOW_SEARCH}
# the layers each layer may import (itself always included)
MAY_IMPORT: dict[str, set[str]] = {
    "types": set(),
    "foundation": {"types"},
    "parsers": {"types"},
    "indexer": {"parsers", "foundation", "types"},
    "embedding": {"foundation", "types"},
    "rerank": {"embedding", "foundation", "types"},  # a cross-encoder loads like an embedding model
    "search": _BELOW_SEARCH,
    "assembly": {"search", *_BELOW_SEARCH},
    "api": _BELOW_SERVERS,
    "mcp": {"api", *_BELOW_SERVERS},  # it shares the API's request limits and symbol lookup
    "tui": {"assembly", "foundation", "types"},
    "cli": {"api", "mcp", "tui", *_BELOW_SERVERS},
}

# Edges allowed for now although they go up, each with why; emptied as the store's read side moves into
# indexer/ (issue 13, item 4). (importer, imported).
KNOWN_UPWARD_EDGES: dict[tuple[str, str], str] = {}


def module_files() -> dict[str, Path]:
    """Every module of the four packages by dotted name (a package by its own name)."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _resolve(name: str, modules: Iterable[str]) -> str | None:
    """The module ``name`` lands in: itself, else its longest known prefix; None outside the packages."""
    known = set(modules)
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of the four packages that ``module`` imports anywhere in its file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_package = path.name == "__init__.py"
    targets: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import mod` imports the module pkg.mod; `from mod import name` the module mod
            names = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            target = _resolve(name, modules)
            if target is not None and target != module:
                targets.add(target)
    return targets


def import_graph() -> dict[str, set[str]]:
    modules = module_files()
    return {module: imports_of(module, path, modules) for module, path in modules.items()}


def layer_of(module: str) -> str:
    for prefix in sorted(LAYER_OF, key=len, reverse=True):
        if module == prefix or module.startswith(prefix + "."):
            return LAYER_OF[prefix]
    raise AssertionError(f"{module} is in no layer")


def _layer(module: str) -> str:
    if module.startswith("codesearch.") and not any(
        module == p or module.startswith(p + ".") for p in LAYER_OF if p != "codesearch"
    ):
        return DEFAULT_CODESEARCH_LAYER
    return layer_of(module)


def upward_edges(graph: dict[str, set[str]]) -> list[str]:
    """``importer (layer) -> imported (layer)`` for every edge its layer may not take."""
    found = []
    for importer, targets in sorted(graph.items()):
        source = _layer(importer)
        for target in sorted(targets):
            layer = _layer(target)
            if layer != source and layer not in MAY_IMPORT[source]:
                if (importer, target) not in KNOWN_UPWARD_EDGES:
                    found.append(f"{importer} ({source}) -> {target} ({layer})")
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(components)


def describe(graph: dict[str, set[str]]) -> str:
    """The cycles and upward edges of ``graph``, one per line."""
    found_cycles = cycles(graph)
    found_edges = upward_edges(graph)
    lines = [f"{len(found_cycles)} import cycle(s):"]
    lines += [f"  {len(c)} modules: {' <-> '.join(c)}" for c in found_cycles]
    lines.append(f"{len(found_edges)} upward edge(s):")
    lines += [f"  {edge}" for edge in found_edges]
    return "\n".join(lines)


def test_the_parser_sees_imports_inside_functions_and_relative_ones(tmp_path: Path) -> None:
    source = "from .b import x\n\ndef f():\n    import pkg.c\n    from pkg import d\n"
    (tmp_path / "a.py").write_text(source)
    modules = {"pkg.a": tmp_path / "a.py", "pkg.b": Path(), "pkg.c": Path(), "pkg.d": Path(), "pkg": Path()}
    assert imports_of("pkg.a", tmp_path / "a.py", modules) == {"pkg.b", "pkg.c", "pkg.d"}


def test_a_cycle_and_an_upward_edge_are_found() -> None:
    graph = {"codesearch.cli": {"codesearch.search"}, "codesearch.search": {"codesearch.cli"}}
    assert cycles(graph) == [["codesearch.cli", "codesearch.search"]]
    assert upward_edges(graph) == ["codesearch.search (search) -> codesearch.cli (cli)"]


def test_every_layer_is_known() -> None:
    for module in module_files():
        assert _layer(module) in MAY_IMPORT, module


def test_the_import_graph_has_no_cycle_and_no_upward_edge() -> None:
    graph = import_graph()
    assert not cycles(graph) and not upward_edges(graph), describe(graph)


def test_every_known_upward_edge_still_exists() -> None:
    """An exception that no longer happens is deleted, so the list only shrinks."""
    graph = import_graph()
    stale = [edge for edge in KNOWN_UPWARD_EDGES if edge[1] not in graph.get(edge[0], set())]
    assert not stale, stale


if __name__ == "__main__":
    print(describe(import_graph()))
