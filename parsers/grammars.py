"""Cached tree-sitter objects: one Language and one compiled Query per language, one Parser per thread."""

from __future__ import annotations

import functools
import importlib
import logging
import re
import threading
from pathlib import Path

import tree_sitter

from parsers.languages import GRAMMARS

logger = logging.getLogger(__name__)

QUERY_DIR = Path(__file__).parent / "queries"

# Parsers hold mutable state, so each thread gets its own (the indexer may parse from a thread pool).
_local = threading.local()


def supported_languages() -> list[str]:
    """Languages that have both a grammar and a query file in ``parsers/queries/<lang>.scm``, sorted."""
    return sorted(p.stem for p in QUERY_DIR.glob("*.scm") if p.stem in GRAMMARS)


def has_grammar(language: str) -> bool:
    """True when symbols can be extracted for ``language``."""
    return language in GRAMMARS and (QUERY_DIR / f"{language}.scm").is_file()


@functools.cache
def grammar(language: str) -> tree_sitter.Language:
    """The tree-sitter Language for ``language``; ValueError when there is none."""
    if not has_grammar(language):
        raise ValueError(f"no grammar for language {language!r}")
    module_name, function_name = GRAMMARS[language]
    module = importlib.import_module(module_name)
    return tree_sitter.Language(getattr(module, function_name)())


@functools.cache
def query(language: str) -> tree_sitter.Query:
    """The compiled symbol query of ``language`` (compiling is slow: done once per process)."""
    return tree_sitter.Query(grammar(language), query_source(language))


_INHERITS = re.compile(r"^;\s*inherits:\s*([\w,\s]+)$", re.MULTILINE)


def query_source(language: str) -> str:
    """The query file's text, with the files it names in ``; inherits: a, b`` lines prepended.

    A dialect (tsx over typescript) states what it adds instead of repeating its parent's patterns.
    """
    text = (QUERY_DIR / f"{language}.scm").read_text(encoding="utf-8")
    parents = [
        name.strip() for m in _INHERITS.finditer(text) for name in m.group(1).split(",") if name.strip()
    ]
    return "\n".join([*(query_source(parent) for parent in parents), text])


def parser(language: str) -> tree_sitter.Parser:
    """This thread's Parser for ``language``."""
    cache: dict[str, tree_sitter.Parser] | None = getattr(_local, "parsers", None)
    if cache is None:
        cache = _local.parsers = {}
    found = cache.get(language)
    if found is None:
        found = cache[language] = tree_sitter.Parser(grammar(language))
    return found
