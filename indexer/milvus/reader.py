"""The read side of a Milvus store: ``indexer.store_read.StoreGeneration`` over one committed collection.

The search pipeline reads a Milvus index through the same protocol as the local store, so fusion, exact
names, role priors, grouping and rerank (all above the seam) rank the same way on both. Filters become a
Milvus expression inside each retriever (``allowed_ids`` is None: no id list of millions crosses the wire);
a path glob is matched exactly in Python over the ``(id, path)`` pairs the other filters let through.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from codesearch.errors import IndexNotFoundError
from codesearch.types import DocumentFacts
from indexer.lexical import TermVariants
from indexer.milvus import collection as schema
from indexer.milvus.expressions import ids_expr, quote, scalar_expr
from indexer.milvus.store import MilvusStore, state_manifest
from indexer.milvus.writers import committed_expr
from indexer.store import Manifest
from indexer.store_read import (
    Filters,
    GenerationSource,
    IndexStatus,
    LanguageCount,
    Ranking,
    RepoStatus,
    StoreGeneration,
)

log = logging.getLogger(__name__)

READ_CONSISTENCY = "Session"  # see ``indexer.milvus.store``
ID_BATCH = 1_000
MAX_TOP_K = 16_384
_FACT_FIELDS = ("repo", "path", "kind", "name", "qualified_name")


class MilvusGeneration:
    """One committed generation of a Milvus store (its collection, read by name: a model change that moves
    the alias never pairs this generation's rows with another's vectors). Thread-safe as the client is."""

    def __init__(self, store: MilvusStore, state: dict[str, Any] | None = None) -> None:
        state = state or store.refresh()
        if state is None:
            raise IndexNotFoundError(
                f"no index in {store.target}: run `codesearch --store ... index PATH` first"
            )
        self.store = store
        self.state = state
        self.collection = str(state["collection"])
        self.manifest: Manifest = state_manifest(state)

    @property
    def has_vectors(self) -> bool:
        return self.manifest.dim > 0

    def _query(self, expr: str, fields: Sequence[str], limit: int | None = None) -> list[dict[str, Any]]:
        if limit is not None:
            return self.store._call(  # type: ignore[no-any-return]
                "reading the index", "query", self.collection, filter=expr, output_fields=list(fields),
                limit=limit, consistency_level=READ_CONSISTENCY,
            )  # fmt: skip
        return self.store._query(self.collection, expr, list(fields), READ_CONSISTENCY)

    def _expr(self, filters: Filters) -> str | None:
        """The Milvus expression of ``filters``; None when nothing can match."""
        expr = scalar_expr(filters)
        committed = committed_expr(self.state)  # several writers: their committed id ranges only
        if committed:
            expr = f"({expr}) and ({committed})" if expr else committed
        if filters.glob is None:
            return expr
        ids = [r["id"] for r in self._query(expr, ["path"]) if filters.path_matches(r["path"])]
        return ids_expr(ids) if ids else None

    def allowed_ids(self, filters: Filters) -> list[int] | None:
        return None  # each retriever filters inside Milvus

    def dense(
        self, vector: np.ndarray, depth: int, filters: Filters, allowed: Sequence[int] | None
    ) -> Ranking:
        expr = self._expr(filters)
        if expr is None or depth <= 0 or not self.has_vectors:
            return []
        params = schema.search_params(str(self.state.get("index_type", "FLAT")), depth)
        hits = self.store._call(
            "searching", "search", self.collection, data=[np.asarray(vector, dtype=np.float32).tolist()],
            anns_field="vector", limit=min(depth, MAX_TOP_K), filter=expr, search_params=params,
            consistency_level=READ_CONSISTENCY,
        )[0]  # fmt: skip
        return [(int(h["id"]), float(h["distance"])) for h in hits]

    def dense_batch(self, vectors: np.ndarray, depth: int) -> list[Ranking] | None:
        return None  # the server's micro-batcher embeds in batches; each query searches on its own

    def lexical(
        self,
        terms: Sequence[str],
        depth: int,
        filters: Filters,
        allowed: Sequence[int] | None,
        weights: Sequence[float] | None = None,
        variants: TermVariants | None = None,
    ) -> Ranking:
        """Milvus's BM25 where the engine has it (one field, name terms thrice: ``weights`` do not apply),
        else the FTS5 sidecar (the local store's ranking, ``weights`` and ``variants`` included)."""
        terms = list(dict.fromkeys(terms))
        if not terms or depth <= 0:
            return []
        if not self.store.bm25:
            return self.store._sidecar(self.collection).rank(terms, depth, filters, weights, variants)
        expr = self._expr(filters)
        if expr is None:
            return []
        hits = self.store._call(
            "searching", "search", self.collection, data=[schema.fold_diacritics(" ".join(terms))],
            anns_field="sparse", limit=min(depth, MAX_TOP_K), filter=expr, search_params={"metric_type": "BM25"},
            consistency_level=READ_CONSISTENCY,
        )[0]  # fmt: skip
        return sorted(((int(h["id"]), float(h["distance"])) for h in hits), key=lambda p: (-p[1], p[0]))

    def known_words(self, words: Sequence[str]) -> set[str]:
        if not self.store.bm25:
            return self.store._sidecar(self.collection).known(words)
        # a one-term BM25 search finds a document exactly when some document holds the term
        return {w for w in dict.fromkeys(words) if self.lexical([w], 1, Filters(), None)}

    def common_words(self, limit: int) -> list[str]:
        if not self.store.bm25:
            return self.store._sidecar(self.collection).common_words(limit)
        return []  # Milvus's own BM25 does not list its vocabulary

    def exact_names(self, spellings: Sequence[str], filters: Filters, limit: int = 50) -> list[int]:
        expr = self._expr(filters)
        if expr is None or not spellings:
            return []
        names = "[" + ", ".join(quote(s.lower()) for s in dict.fromkeys(spellings)) + "]"
        where = f"name_lower in {names}" + (f" and ({expr})" if expr else "")
        return sorted(int(r["id"]) for r in self._query(where, ["id"], limit))

    def _by_id(self, ids: Sequence[int], fields: Sequence[str]) -> Iterator[dict[str, Any]]:
        wanted = list(dict.fromkeys(int(i) for i in ids))
        for start in range(0, len(wanted), ID_BATCH):
            batch = wanted[start : start + ID_BATCH]
            yield from self._query(ids_expr(batch), ["id", *fields], len(batch))

    def facts(self, ids: Sequence[int]) -> dict[int, DocumentFacts]:
        return {
            int(r["id"]): DocumentFacts(*(r[f] for f in _FACT_FIELDS)) for r in self._by_id(ids, _FACT_FIELDS)
        }

    def rows(self, ids: Sequence[int]) -> dict[int, Mapping[str, Any]]:
        return {
            int(r["id"]): {"id": int(r["id"]), **{f: r[f] for f in schema.DISPLAY_FIELDS}}
            for r in self._by_id(ids, schema.DISPLAY_FIELDS)
        }

    def document_at(self, abs_path: str, line: int) -> Mapping[str, Any] | None:
        """The innermost document spanning ``line``; its ``file_id`` is its own id (``same_symbol`` reads the
        file from it: Milvus has no file table)."""
        path = Path(abs_path)
        for repo, root in sorted(self.state.get("repos", {}).items()):
            try:
                rel = path.relative_to(root).as_posix()
            except ValueError:
                continue
            expr = (
                f"repo == {quote(repo)} and path == {quote(rel)} and start_line <= {int(line)} "
                f"and end_line >= {int(line)}"
            )
            found = self._query(expr, ["qualified_name", "kind", "code", "start_line", "end_line"])
            if found:
                row = min(found, key=lambda r: (r["end_line"] - r["start_line"], r["id"]))
                return {**row, "id": int(row["id"]), "file_id": int(row["id"])}
        return None

    def same_symbol(self, file_id: int, qualified_name: str, kind: str) -> set[int]:
        found = list(self._by_id([file_id], ["repo", "path"]))
        if not found:
            return set()
        anchor = found[0]
        expr = (
            f"repo == {quote(anchor['repo'])} and path == {quote(anchor['path'])} and "
            f"qualified_name == {quote(qualified_name)} and kind == {quote(kind)}"
        )
        return {int(r["id"]) for r in self._query(expr, ["id"])}

    def status(self) -> IndexStatus:
        m, state = self.manifest, self.state
        files = state.get("repo_files", {})
        repos = []
        for name, root in sorted(state.get("repos", {}).items()):
            facts = files.get(name, {})
            repos.append(
                RepoStatus(
                    name, root, facts.get("indexed_at"), facts.get("files", 0), facts.get("symbols", 0)
                )
            )
        languages = {lang: LanguageCount(n, s) for lang, (n, s) in state.get("languages", {}).items()}
        return IndexStatus(
            str(self.store.target), m.model, m.fingerprint, m.dim, m.generation, m.documents, m.updated_at,
            repos, languages,
        )  # fmt: skip

    @contextmanager
    def pin(self) -> Iterator[MilvusGeneration]:
        yield self  # nothing to release: the collection lives in Milvus

    def close(self) -> None:
        return None  # the store's client is closed by whoever opened the store


class MilvusReader:
    """A Milvus store as a searcher reads it (``indexer.store_read.GenerationSource``)."""

    def __init__(self, store: MilvusStore) -> None:
        self.store = store

    def current(self, held: StoreGeneration | None) -> StoreGeneration:
        """``held`` while the pointer still names its collection and generation, else a new reader."""
        state = self.store.refresh()
        if (
            state is not None
            and isinstance(held, MilvusGeneration)
            and (held.collection, held.manifest.generation) == (state["collection"], state["generation"])
        ):
            return held
        return MilvusGeneration(self.store, state)


def _is_a_store_generation(generation: MilvusGeneration) -> StoreGeneration:
    return generation  # mypy checks here that the Milvus store keeps the read-side contract


def _is_a_generation_source(reader: MilvusReader) -> GenerationSource:
    return reader
