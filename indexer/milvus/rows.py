"""What a store holds per document and how a search narrows it: plain data, shared by every store.

A ``StoredDocument`` is a ``codesearch.types.Document`` with its id and its file's facts: the fields the Hit
builder reads (``codesearch.search``'s ``_rows``) plus what filters and the lexical side need.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass

from codesearch.types import Document


@dataclass(frozen=True)
class StoredDocument:
    id: int
    repo: str
    root: str  # the repository's folder on the indexing machine (a hit's abs_path)
    path: str
    language: str
    kind: str
    name: str
    qualified_name: str
    signature: str
    doc: str
    code: str
    start_line: int
    end_line: int
    content_hash: str
    size: int  # the file's, for the freshness check of a hit
    mtime_ns: int
    lexical: str  # name, path, doc and code terms, tab-separated (``indexer.documents``)

    @classmethod
    def of(cls, doc_id: int, document: Document, *, root: str, size: int, mtime_ns: int) -> StoredDocument:
        return cls(
            id=doc_id,
            repo=document.repo,
            root=root,
            path=document.path,
            language=document.language,
            kind=document.kind,
            name=document.name,
            qualified_name=document.qualified_name,
            signature=document.signature,
            doc=document.doc,
            code=document.code,
            start_line=document.start_line,
            end_line=document.end_line,
            content_hash=document.content_hash,
            size=size,
            mtime_ns=mtime_ns,
            lexical=document.lexical,
        )


@dataclass(frozen=True)
class StoreFilters:
    """A search's filters, as the CLI takes them: exact repo, language and kind; a path glob (SQLite GLOB:
    case-sensitive; a glob with no wildcard matches anywhere in the path)."""

    repo: str | None = None
    language: str | None = None
    path_glob: str | None = None
    kind: str | None = None

    @property
    def glob(self) -> str | None:
        if not self.path_glob:
            return None
        g = self.path_glob
        return g if any(c in g for c in "*?[") else f"*{g}*"

    def path_matches(self, path: str) -> bool:
        return self.glob is None or fnmatch.fnmatchcase(path, self.glob)

    def __bool__(self) -> bool:
        return bool(self.repo or self.language or self.path_glob or self.kind)


@dataclass(frozen=True)
class StoreGeneration:
    """What a reader asks first: which model's vectors, how many documents, which generation."""

    model: str
    fingerprint: str
    dim: int
    generation: int
    documents: int


Ranking = list[tuple[int, float]]
Ids = Sequence[int]
