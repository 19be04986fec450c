"""Milvus filter expressions for a search's filters."""

from __future__ import annotations

from indexer.store_read import Filters


def quote(value: str) -> str:
    """A Milvus expression string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def scalar_expr(filters: Filters) -> str:
    """The exact-match part of ``filters`` (repo, language lower-cased as the CLI does, kind); "" for none.
    A path glob is not here: no Milvus version speaks SQLite's GLOB (2.3's ``like`` takes prefixes only),
    so the store matches it in Python over the paths this expression lets through."""
    clauses = []
    for field, value in (("repo", filters.repo), ("language", filters.lang), ("kind", filters.kind)):
        if value:
            clauses.append(f"{field} == {quote(value.lower() if field == 'language' else value)}")
    return " and ".join(clauses)


def ids_expr(ids: list[int]) -> str:
    return f"id in {ids}"
