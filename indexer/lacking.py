"""Documents that lack a vector of some part of their index's model, and embedding them from the store.

Two writers need it: the English fill, after a fast build left a composite model's English part out
(``indexer.fill``), and a reindex of an index that another version of codesearch embedded another way
(``IndexSession``: the model's fingerprint changed, not its name). The texts are read back from the store
(no crawl, no parse) and embedded in chunks into the embedding cache, each chunk committed (a killed run
resumes where it stopped).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable

from codesearch.embedding.base import Embedder
from indexer.documents import content_hash, embedding_text
from indexer.part_cache import PartCache, cache_of, count_lacking

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (documents done, documents to do)


def embed_lacking(
    db: sqlite3.Connection,
    embedder: Embedder,
    chunk: int,
    progress: Progress | None = None,
    *,
    english: bool = True,
) -> int:
    """Embed, part by part, the texts of the store's documents that a part has no cached vector of; the
    number of texts embedded. ``english=False`` leaves a composite model's English-only parts out (the fill's
    work)."""
    cache = cache_of(db, embedder)
    parts = embedder.stored_parts
    embedded = 0
    for n, part in enumerate(parts):
        if not english and len(parts) > 1 and part.english_only:
            continue
        todo = count_lacking(db, part.fingerprint)
        done, after = 0, -1
        while rows := lacking_rows(db, part.fingerprint, after, chunk):
            after = rows[-1][0]
            embedded += _embed_chunk(cache, n, part, stored_texts(rows))
            done += len(rows)
            if progress is not None:
                progress(done, todo)
    return embedded


def _embed_chunk(cache: PartCache, part_number: int, part: Embedder, texts: dict[str, str]) -> int:
    hashes = cache.missing_part(part_number, list(texts))  # another fill or a reindex may have cached some
    if hashes:
        cache.put_part(part_number, hashes, part.embed_documents([texts[h] for h in hashes]))
    return len(hashes)


def lacking_rows(db: sqlite3.Connection, fingerprint: str, after: int, chunk: int) -> list[sqlite3.Row]:
    """The next ``chunk`` documents past id ``after`` with no vector cached under ``fingerprint``."""
    return db.execute(
        "SELECT d.id, d.content_hash, f.language, d.kind, d.qualified_name, d.signature, d.doc, d.code "
        "FROM documents d JOIN files f ON f.id = d.file_id WHERE d.id > ? AND NOT EXISTS (SELECT 1 FROM "
        "embeddings e WHERE e.fingerprint = ? AND e.content_hash = d.content_hash) ORDER BY d.id LIMIT ?",
        (after, fingerprint, chunk),
    ).fetchall()


def stored_texts(rows: list[sqlite3.Row]) -> dict[str, str]:
    """The texts the documents were embedded from, by content hash; a document whose rebuilt text does not
    hash to its stored hash (written by another version of codesearch) is left to the next reindex."""
    texts: dict[str, str] = {}
    for _, stored_hash, language, kind, qualified_name, signature, doc, code in rows:
        text = embedding_text(
            language=language,
            kind=kind,
            qualified_name=qualified_name,
            signature=signature,
            doc=doc,
            code=code,
        )
        if content_hash(text) == stored_hash:
            texts[stored_hash] = text
        else:
            log.warning("a document's text no longer hashes to %s: left for the next reindex", stored_hash)
    return texts
