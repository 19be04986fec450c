"""The lexical side of a Milvus store whose server has no BM25 (Milvus < 2.5): an FTS5 table in a local
SQLite file, kept by the same writer, ranked exactly as the local store ranks (same tokenizer, same column
weights, same ``bm25()``), so hybrid rankings match the local store's on any server version.

The file lives on the machine that writes and serves the index (``codesearch serve`` in the team setup);
Milvus >= 2.5 and milvus-lite 2.5 need none of it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from indexer import lexical_ranker
from indexer.lexical import TermVariants
from indexer.milvus.rows import Ranking, StoredDocument
from indexer.store_read import Filters

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    id INTEGER PRIMARY KEY, repo TEXT NOT NULL, path TEXT NOT NULL, language TEXT NOT NULL, kind TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS docs_file ON docs(repo, path);
CREATE VIRTUAL TABLE IF NOT EXISTS docs_fts USING fts5(
    name, path, doc, code, tokenize = "unicode61 remove_diacritics 2 tokenchars '_'"
);
"""


def _phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


class FtsSidecar:
    """FTS5 over a Milvus store's documents, by document id; one file per collection prefix."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.lock = threading.Lock()  # a server's searches share the connection: one statement at a time
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    def clear(self) -> None:
        with self.db:
            self.db.execute("DELETE FROM docs")
            self.db.execute("DELETE FROM docs_fts")

    def upsert(self, rows: Sequence[StoredDocument]) -> None:
        ids = [r.id for r in rows]
        with self.db:
            self._delete_ids(ids)
            self.db.executemany(
                "INSERT INTO docs VALUES (?, ?, ?, ?, ?)",
                [(r.id, r.repo, r.path, r.language, r.kind) for r in rows],
            )
            self.db.executemany(
                "INSERT INTO docs_fts (rowid, name, path, doc, code) VALUES (?, ?, ?, ?, ?)",
                [(r.id, *r.lexical.split("\t")) for r in rows],
            )

    def delete_file(self, repo: str, path: str) -> None:
        ids = [r[0] for r in self.db.execute("SELECT id FROM docs WHERE repo=? AND path=?", (repo, path))]
        with self.db:
            self._delete_ids(ids)

    def delete_ids(self, ids: Sequence[int]) -> None:
        with self.db:
            self._delete_ids(ids)

    def known(self, words: Sequence[str]) -> set[str]:
        """The subset of ``words`` some document holds."""
        found = set()
        for word in dict.fromkeys(words):
            try:
                with self.lock:
                    hit = self.db.execute(
                        "SELECT 1 FROM docs_fts WHERE docs_fts MATCH ? LIMIT 1", [_phrase(word)]
                    ).fetchone()
            except sqlite3.OperationalError:
                continue
            if hit is not None:
                found.add(word)
        return found

    def common_words(self, limit: int) -> list[str]:
        """The ``limit`` words most documents hold (``indexer.lexical_ranker.common_words``)."""
        with self.lock:
            self.db.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.sidecar_vocabulary USING fts5vocab(main, docs_fts, row)"
            )
            return lexical_ranker.common_words(self.db, "temp.sidecar_vocabulary", limit)

    def _delete_ids(self, ids: Sequence[int]) -> None:
        for i in range(0, len(ids), 500):
            chunk = list(ids[i : i + 500])
            marks = ",".join("?" * len(chunk))
            self.db.execute(f"DELETE FROM docs WHERE id IN ({marks})", chunk)
            self.db.execute(f"DELETE FROM docs_fts WHERE rowid IN ({marks})", chunk)

    def rank(
        self,
        terms: Sequence[str],
        k: int,
        filters: Filters,
        weights: Sequence[float] | None = None,
        variants: TermVariants | None = None,
    ) -> Ranking:
        """The top ``k`` (id, score) for the OR of ``terms``, FTS5's order (score sign-flipped: higher is
        better), ties by id: ``indexer.lexical_ranker``'s ranking, under its column weights (the local
        store's, one copy) or this query's ``weights``, and with ``variants`` as it counts them (each such
        word the best of its own score and its forms' shares)."""
        if not terms or k <= 0:
            return []
        where, args = _where(filters)
        columns = lexical_ranker.weights_sql(lexical_ranker.BM25_WEIGHTS if weights is None else weights)
        sql = f"SELECT rowid, bm25(docs_fts, {columns}) AS s FROM docs_fts WHERE docs_fts MATCH ?" + (
            f" AND rowid IN (SELECT id FROM docs WHERE {where})" if where else ""
        )
        share = variants.share if variants else 0.0
        forms = {t: f for t in terms if (f := variants.forms.get(t))} if variants and share > 0 else {}
        try:
            with self.lock:
                if not forms:
                    rows = self.db.execute(
                        sql + " ORDER BY s, rowid LIMIT ?",
                        [" OR ".join(_phrase(t) for t in terms), *args, lexical_ranker.sql_limit(k)],
                    ).fetchall()
                    return [(int(i), -float(s)) for i, s in rows]
                total: dict[int, float] = {}
                for term in dict.fromkeys(terms):
                    best: dict[int, float] = {}
                    for form, part in [(term, 1.0)] + [(f, share) for f in forms.get(term, ())]:
                        for i, s in self.db.execute(sql, [_phrase(form), *args]):
                            best[int(i)] = max(best.get(int(i), 0.0), -float(s) * part)
                    for i, score in best.items():
                        total[i] = total.get(i, 0.0) + score
        except sqlite3.OperationalError:  # an FTS syntax corner case must not fail the search
            return []
        return sorted(total.items(), key=lambda p: (-p[1], p[0]))[:k]


def _where(filters: Filters) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    args: list[Any] = []
    for column, value in (("repo", filters.repo), ("language", filters.lang), ("kind", filters.kind)):
        if value:
            clauses.append(f"{column} = ?")
            args.append(value.lower() if column == "language" else value)
    if filters.glob:
        clauses.append("path GLOB ?")
        args.append(filters.glob)
    return " AND ".join(clauses), args
