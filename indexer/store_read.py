"""The read side of an index store: what the search pipeline asks of one generation of an index.

The pipeline above (``codesearch.search``: query analysis, fusion, roles, exact names, grouping, rerank)
never writes SQL or touches FAISS: it asks a ``StoreGeneration`` for rankings and rows. The local store
(SQLite + FTS5 + FAISS, ``indexer.local_read``) implements it; a second store (Milvus) implements the same
protocol, so rankings are identical across stores. docs/store.md says what a store must provide.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import numpy as np

from codesearch.types import DocumentFacts
from indexer.lexical import TermVariants
from indexer.store import Manifest

Ranking = list[tuple[int, float]]  # (document id, score), best first


@dataclass(frozen=True)
class Filters:
    """What a search keeps: one language, paths matching a glob (a bare word matches anywhere in the path),
    one repository, one kind. Empty fields keep everything."""

    lang: str | None = None
    path_glob: str | None = None
    repo: str | None = None
    kind: str | None = None

    def __bool__(self) -> bool:
        return any((self.lang, self.path_glob, self.repo, self.kind))

    @property
    def glob(self) -> str | None:
        """The path glob as SQLite's GLOB takes it (case-sensitive; a bare word matches anywhere)."""
        if not self.path_glob:
            return None
        g = self.path_glob
        return g if any(c in g for c in "*?[") else f"*{g}*"

    def path_matches(self, path: str) -> bool:
        return self.glob is None or fnmatch.fnmatchcase(path, self.glob)


@dataclass(frozen=True)
class RepoStatus:
    name: str
    root: str
    indexed_at: float | None
    files: int
    symbols: int = 0


@dataclass(frozen=True)
class LanguageCount:
    files: int
    symbols: int


@dataclass(frozen=True)
class EnglishVectors:
    """How far the English part of a composite model's vectors is (``indexer.fill``)."""

    documents: int  # live documents of the generation
    embedded: int  # of them, those with the English part's vector
    filling_pid: int | None = None  # the process filling the rest now (None: no fill runs)


@dataclass(frozen=True)
class IndexStatus:
    """What an index holds (``codesearch status``, ``GET /status``)."""

    index_dir: str
    model: str
    fingerprint: str
    dim: int
    generation: int
    documents: int
    updated_at: float
    repos: list[RepoStatus] = field(default_factory=list)
    languages: dict[str, LanguageCount] = field(default_factory=dict)
    # a composite model with an English-only part (use+minilm-int8): how many documents have it yet
    english_vectors: EnglishVectors | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON object of ``codesearch status --json`` (repos by name, languages by file count)."""
        return asdict(self)


class DenseIndex(Protocol):
    """Vectors a generation searches: a ``VectorIndex``, or a copy on a GPU (``codesearch.gpu_searcher``)."""

    @property
    def live(self) -> int: ...

    def search(self, query: np.ndarray, k: int, allowed_ids: Sequence[int] | None = None) -> Ranking: ...


class StoreGeneration(Protocol):
    """One generation of an index, as a reader sees it: everything it answers belongs to ``manifest``.

    Thread-safe: several threads may call it at once. ``close`` once no search uses it any more.
    """

    manifest: Manifest

    @property
    def has_vectors(self) -> bool: ...

    def allowed_ids(self, filters: Filters) -> list[int] | None:
        """The ids ``filters`` keep, computed once per search for both retrievers; None when there is no
        filter, or when the store applies ``filters`` inside each retriever itself (Milvus: a filter
        expression, no id list of millions)."""
        ...

    def dense(
        self, vector: np.ndarray, depth: int, filters: Filters, allowed: Sequence[int] | None
    ) -> Ranking:
        """The top ``depth`` documents by inner product with ``vector`` that ``filters`` keep (``allowed``:
        ``allowed_ids(filters)``, when the store computed them), filtered before the top-k."""
        ...

    def dense_batch(self, vectors: np.ndarray, depth: int) -> list[Ranking] | None:
        """One unfiltered top-``depth`` per row of ``vectors`` in one scan (None: no vectors)."""
        ...

    def lexical(
        self,
        terms: Sequence[str],
        depth: int,
        filters: Filters,
        allowed: Sequence[int] | None,
        weights: Sequence[float] | None = None,
        variants: TermVariants | None = None,
    ) -> Ranking:
        """The top ``depth`` documents by BM25 over the OR of ``terms``; ``weights``: the (name, path, doc,
        code) column weights for this query (None: ``indexer.lexical_ranker.BM25_WEIGHTS``), ``variants``:
        other forms of its words (``TermVariants``). A store whose engine ranks one field with its own
        parameters (Milvus's BM25) ignores both."""
        ...

    def known_words(self, words: Sequence[str]) -> set[str]:
        """The subset of ``words`` some document's lexical text holds."""
        ...

    def common_words(self, limit: int) -> list[str]:
        """The ``limit`` words most documents hold (three or more ASCII letters), most common first; empty
        where the engine keeps its vocabulary to itself (Milvus's own BM25)."""
        ...

    def exact_names(self, spellings: Sequence[str], filters: Filters, limit: int = 50) -> list[int]:
        """Documents whose name is one of ``spellings``, in any case."""
        ...

    def facts(self, ids: Sequence[int]) -> dict[int, DocumentFacts]:
        """What the role priors read of each document (missing ids: deleted)."""
        ...

    def rows(self, ids: Sequence[int]) -> dict[int, Mapping[str, Any]]:
        """Everything a hit shows of each document (``DOCUMENT_FIELDS``; missing ids: deleted)."""
        ...

    def document_at(self, abs_path: str, line: int) -> Mapping[str, Any] | None:
        """The innermost document of the file at ``abs_path`` spanning ``line`` (with its ``file_id``)."""
        ...

    def same_symbol(self, file_id: int, qualified_name: str, kind: str) -> set[int]:
        """The ids of every document (window) of one symbol."""
        ...

    def status(self) -> IndexStatus: ...

    def pin(self) -> AbstractContextManager[StoreGeneration]:
        """Keep this generation readable until the block ends, even if ``close`` comes meanwhile."""
        ...

    def close(self) -> None:
        """Release it: now, or when the last ``pin`` ends (a reader moved to a newer generation)."""
        ...


class GenerationSource(Protocol):
    """A store other than the local directory (Milvus), as a reader sees it: its current generation."""

    def current(self, held: StoreGeneration | None) -> StoreGeneration:
        """The generation to answer from now: ``held`` while it is still the current one."""
        ...


# the fields of ``StoreGeneration.rows``
DOCUMENT_FIELDS = (
    "id", "kind", "name", "qualified_name", "signature", "doc", "code", "start_line", "end_line",
    "content_hash", "size", "mtime_ns", "path", "language", "repo", "root",
)  # fmt: skip
