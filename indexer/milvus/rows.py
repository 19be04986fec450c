"""What a store holds per document: plain data, shared by every store (filters: ``indexer.store_read``).

A ``StoredDocument`` is a ``codesearch.types.Document`` with its id and its file's facts: the fields the Hit
builder reads (``codesearch.search``'s ``_rows``) plus what filters and the lexical side need.
"""

from __future__ import annotations

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


Ranking = list[tuple[int, float]]
Ids = Sequence[int]
