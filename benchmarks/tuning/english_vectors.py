"""Embed every document of an existing benchmark index with an English model, into the embedding caches
of the one-model and the two-model (``use+<model>``) indexes, so that building those indexes embeds nothing.

    python -m benchmarks.tuning.english_vectors [--model minilm-int8] [--source benchmarks/out/index-use]

The texts are rebuilt from the source index's rows exactly as the indexer builds them (checked against
each row's content hash). Vectors land in ``out/vectors-<model>.sqlite`` (resumable: what is there is
not embedded again), then in ``out/index-<model>/`` and ``out/index-use+<model>/`` (copies of the source
index's metadata with those caches filled in; the harness then builds them with ``--rebuild``).
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.paths import OUT
from codesearch.embedding import get_embedder
from indexer.documents import _embed_text, content_hash
from indexer.store import EmbeddingCache

CHUNK = 512


def source_texts(index: Path) -> dict[str, str]:
    """content hash -> the text the indexer embedded, for every document of ``index``."""
    db = sqlite3.connect(index / "meta.sqlite")
    rows = db.execute(
        "SELECT d.kind, d.qualified_name, d.signature, d.doc, d.code, d.content_hash, f.language "
        "FROM documents d JOIN files f ON f.id = d.file_id"
    ).fetchall()
    texts: dict[str, str] = {}
    for kind, qname, signature, doc, code, digest, language in rows:
        text = _embed_text(
            language=language, kind=kind, qualified_name=qname, signature=signature, doc=doc, code=code
        )
        if content_hash(text) != digest:
            raise SystemExit(f"cannot rebuild the text of {qname}: the indexer's text format changed")
        texts[digest] = text
    return texts


def embed_into(store: Path, model: str, texts: dict[str, str]) -> None:
    db = sqlite3.connect(store)
    db.execute("CREATE TABLE IF NOT EXISTS v (h TEXT PRIMARY KEY, vector BLOB)")
    have = {r[0] for r in db.execute("SELECT h FROM v")}
    todo = [h for h in texts if h not in have]
    embedder = get_embedder(model)
    started, done = time.perf_counter(), 0
    for i in range(0, len(todo), CHUNK):
        hashes = todo[i : i + CHUNK]
        vectors = embedder.embed_documents([texts[h] for h in hashes])
        with db:
            db.executemany(
                "INSERT INTO v VALUES (?, ?)",
                [(h, v.astype(np.float32).tobytes()) for h, v in zip(hashes, vectors, strict=True)],
            )
        done += len(hashes)
        rate = done / (time.perf_counter() - started)
        print(f"{done}/{len(todo)} embedded, {rate:.1f} docs/s", file=sys.stderr, flush=True)


def fill(index: Path, source: Path, fingerprint: str, dim: int, vectors: dict[str, np.ndarray]) -> None:
    index.mkdir(parents=True, exist_ok=True)
    if not (index / "meta.sqlite").exists():
        shutil.copy(source / "meta.sqlite", index / "meta.sqlite")
    db = sqlite3.connect(index / "meta.sqlite")
    hashes = list(vectors)
    EmbeddingCache(db, fingerprint, dim).put(hashes, np.stack([vectors[h] for h in hashes]))
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="minilm-int8")
    parser.add_argument("--source", type=Path, default=OUT / "index-use")
    args = parser.parse_args()
    texts = source_texts(args.source)
    store = OUT / f"vectors-{args.model}.sqlite"
    embed_into(store, args.model, texts)
    english = {
        h: np.frombuffer(b, dtype=np.float32)
        for h, b in sqlite3.connect(store).execute("SELECT h, vector FROM v")
    }
    english = {h: v for h, v in english.items() if h in texts}
    model = get_embedder(args.model)
    fill(OUT / f"index-{args.model}", args.source, model.fingerprint, model.dim, english)
    use, both = get_embedder("use"), get_embedder(f"use+{args.model}")
    cached = EmbeddingCache(sqlite3.connect(args.source / "meta.sqlite"), use.fingerprint, use.dim)
    hashes = list(english)
    use_vectors = cached.get(hashes)
    # CompositeEmbedder.embed_documents: the parts side by side, scaled to unit length
    joined = np.hstack([use_vectors, np.stack([english[h] for h in hashes])]) / np.sqrt(2, dtype=np.float32)
    fill(
        OUT / f"index-use+{args.model}",
        args.source,
        both.fingerprint,
        both.dim,
        dict(zip(hashes, joined, strict=True)),
    )
    print(f"filled {len(hashes)} vectors into index-{args.model} and index-use+{args.model}", file=sys.stderr)


if __name__ == "__main__":
    main()
