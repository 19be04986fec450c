"""BM25 over the FTS5 table, fast whatever words the query holds: common words' postings stay in memory.

FTS5 scores an OR query by visiting every row that holds any of its words: a query with "return", "self"
or "value" in it touches tens of thousands of rows of a 150k-document index (about 1.2 µs a row) to rank
100. But FTS5's ``bm25()`` is a sum over the query's phrases, each term's part depending only on the term
and the row, so a term's scores can be fetched once per index generation and added up in numpy. Rare
words still go to FTS5 (one query over few rows); common ones (more than ``COMMON_DF`` documents) come from
memory. The ranking equals FTS5's own ``ORDER BY bm25(...)`` (tests/codesearch/test_lexical_ranker.py).
Figures: benchmarks/RESULTS.md (issue 5's load test).

Reading a common word's postings costs about three times what FTS5 takes to rank it with the query's other
words, and pays only when the word comes again. So a ranker made for one search (the CLI's: ``keep_postings``
off) reads none: FTS5 ranks every word of the query at once.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from indexer.lexical import TermVariants

log = logging.getLogger(__name__)

# BM25 column weights: a word in the name counts most, then the doc comment, the path, the code
BM25_WEIGHTS = (8.0, 2.0, 3.0, 1.0)  # name, path, doc, code
# a term in more documents than this has its scores held in memory instead of asked of FTS5 per query
# (on a 151k-document index: 3,400 such terms, 6M postings in all; a query took 3.4 ms at 1000, 1.5 at 200)
COMMON_DF = 200
# at most this many (document, score) pairs held, least recently used dropped first (12 bytes each)
MAX_CACHED_POSTINGS = 6_000_000
# at most this many document frequencies remembered (a query's words are looked up once per generation)
MAX_CACHED_DFS = 200_000

Ranking = list[tuple[int, float]]

# the largest integer SQLite holds: a LIMIT past it is an OverflowError, not "every row"
SQLITE_MAX_INTEGER = 2**63 - 1


def sql_limit(depth: int) -> int:
    """``depth`` as a LIMIT SQLite takes (a library caller may ask for any k: past SQLite's integers, all)."""
    return min(depth, SQLITE_MAX_INTEGER)


def fold_diacritics(term: str) -> str:
    """``term`` as the FTS5 tokenizer (unicode61, remove_diacritics 2) indexes it: accents stripped."""
    if term.isascii():
        return term
    return "".join(c for c in unicodedata.normalize("NFD", term) if not unicodedata.combining(c))


def filtered_ids_sql(where: str) -> str:
    """The ids of the documents a search's filters allow (``where`` over ``d``, ``f``, ``r``)."""
    return (
        "SELECT d.id FROM documents d JOIN files f ON f.id=d.file_id JOIN repos r ON r.id=f.repo_id "
        f"WHERE {where}"
    )


def fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


class LexicalRanker:
    """The BM25 ranking of one index generation. Thread-safe; share it between the searchers of a pool
    (each passes its own connection). Scores are FTS5's, sign flipped: higher is better."""

    def __init__(
        self,
        weights: Sequence[float] | None = None,
        common_df: int = COMMON_DF,
        *,
        keep_postings: bool = True,
    ) -> None:
        # None: ``BM25_WEIGHTS`` as it is when the ranker is made (a benchmark sets it for the rankers it opens)
        self.weights = weights_sql(BM25_WEIGHTS if weights is None else weights)
        self.common_df = common_df
        # False: a ranker for one search, whose postings would never be read again: FTS5 ranks every word
        # (but the forms of ``variants``, which need each word's own scores, and which it does not keep)
        self.keep_postings = keep_postings
        self._lock = threading.Lock()
        # (column weights, term) -> that term's postings under those weights
        self._postings: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._cached = 0  # postings held
        self._dfs: dict[str, int] = {}
        self._max_id: int | None = None
        self.fetches = 0  # terms whose scores were read from FTS5 (the tests watch it)

    # -- vocabulary --------------------------------------------------------------------------------------

    @staticmethod
    def attach(db: sqlite3.Connection) -> None:
        """Let ``db`` look words up (an fts5vocab table in its temp schema: read-only connections can)."""
        db.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.query_vocabulary "
            "USING fts5vocab(main, documents_fts, row)"
        )

    @staticmethod
    def common_words(db: sqlite3.Connection, limit: int) -> list[str]:
        """The ``limit`` words most documents hold, of three or more ASCII letters, most common first; ``db``
        must be ``attach``ed."""
        return common_words(db, "temp.query_vocabulary", limit)

    def document_frequencies(self, db: sqlite3.Connection, words: Sequence[str]) -> dict[str, int]:
        """How many documents hold each of ``words`` (0: none); ``db`` must be ``attach``ed."""
        with self._lock:
            missing = [w for w in dict.fromkeys(words) if w not in self._dfs]
        if missing:
            marks = ",".join("?" * len(missing))
            found = dict(
                db.execute(f"SELECT term, doc FROM temp.query_vocabulary WHERE term IN ({marks})", missing)
            )
            with self._lock:
                if len(self._dfs) > MAX_CACHED_DFS:
                    self._dfs.clear()
                for w in missing:
                    self._dfs[w] = int(found.get(w, 0))
        with self._lock:
            return {w: self._dfs.get(w, 0) for w in words}

    def known(self, db: sqlite3.Connection, words: list[str]) -> set[str]:
        """The subset of ``words`` some document holds."""
        return {w for w, n in self.document_frequencies(db, words).items() if n > 0}

    # -- ranking -----------------------------------------------------------------------------------------

    def rank(
        self,
        db: sqlite3.Connection,
        terms: Sequence[str],
        depth: int,
        where: str = "",
        args: Sequence[Any] = (),
        allowed: Sequence[int] | None = None,
        weights: Sequence[float] | None = None,
        variants: TermVariants | None = None,
    ) -> Ranking:
        """The top ``depth`` (document id, score) for the OR of ``terms``, best first; ``where`` filters
        documents (over ``documents d``, ``files f``, ``repos r``) as ``indexer.store_read.Filters`` writes it, and
        ``allowed``, when the caller has them already, are the ids it lets through. ``weights``: the (name,
        path, doc, code) column weights for this query (None: the ranker's own); ``variants``: other forms of
        some of ``terms``, each such term scoring as the best of its own and its forms' shares."""
        terms = list(dict.fromkeys(terms))
        if not terms or depth <= 0:
            return []
        columns = self.weights if weights is None else weights_sql(weights)
        share = variants.share if variants else 0.0
        forms = {t: f for t in terms if (f := variants.forms.get(t))} if variants and share > 0 else {}
        # the vocabulary holds terms as the tokenizer folds them (réponse -> reponse); a term whose
        # folding is not found there goes to FTS5, which folds it right, so nothing is ever dropped
        folded = {t: fold_diacritics(t) for t in terms}
        dfs = self.document_frequencies(db, list(folded.values()))
        held = self.keep_postings  # a one-search ranker's common words go to FTS5 with the rare ones
        common = [t for t in terms if held and dfs[folded[t]] > self.common_df and t not in forms]
        rare = [t for t in terms if t not in common and t not in forms]
        # few rows, or a one-search ranker's words: FTS5 ranks them as fast as anything
        if not common and not forms:
            ids, scores = self._fts(db, rare, where, args, depth, columns)
            return list(zip(ids.tolist(), scores.tolist(), strict=True))
        parts = [self._term_postings(db, t, columns) for t in common]
        for term, others in forms.items():
            parts.append(self._best_form(db, term, others, share, columns))
        if rare:
            parts.append(self._fts(db, rare, where, args, None, columns))
        size = 1 + max(int(ids.max()) if len(ids) else 0 for ids, _ in parts)
        total = np.zeros(size, dtype=np.float64)
        for ids, scores in parts:  # each part holds a document once: a plain fancy-indexed add is exact
            total[ids] += scores
        if where:
            if allowed is None:
                allowed = [r[0] for r in db.execute(filtered_ids_sql(where), list(args))]
            ids = np.asarray(allowed, dtype=np.int64)
            mask = np.zeros(size, dtype=bool)
            mask[ids[ids < size]] = True
            total[~mask] = 0.0
        matched = np.flatnonzero(total)
        if len(matched) > depth:
            matched = matched[np.argpartition(-total[matched], depth - 1)[:depth]]
        matched = matched[np.lexsort((matched, -total[matched]))]
        return list(zip(matched.tolist(), total[matched].tolist(), strict=True))

    def _fts(
        self,
        db: sqlite3.Connection,
        terms: list[str],
        where: str,
        args: Sequence[Any],
        depth: int | None,
        columns: str,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(document ids, scores) of the rows holding any of ``terms``: the best ``depth``, or all."""
        if not terms:
            return _arrays([])
        sql = (
            f"SELECT rowid, bm25(documents_fts, {columns}) AS s FROM documents_fts "
            "WHERE documents_fts MATCH ?"
        )
        params: list[Any] = [" OR ".join(fts_phrase(t) for t in terms)]
        if where:
            sql += f" AND rowid IN ({filtered_ids_sql(where)})"
            params += args
        if depth is not None:
            sql += " ORDER BY s, rowid LIMIT ?"
            params.append(sql_limit(depth))
        try:
            rows = db.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:  # an FTS syntax corner case must not fail the search
            log.debug("lexical query over %r failed: %s", terms, exc)
            rows = []
        return _arrays(rows)

    def _best_form(
        self, db: sqlite3.Connection, term: str, others: Sequence[str], share: float, columns: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """(ids, scores) of ``term`` where each document scores the best of the term's own score and
        ``share`` x each other form's."""
        own = self._term_postings(db, term, columns)
        found = [own] + [
            (ids, share * scores) for ids, scores in (self._term_postings(db, f, columns) for f in others)
        ]
        ids = np.concatenate([i.astype(np.int64) for i, _ in found])
        scores = np.concatenate([sc for _, sc in found])
        order = np.lexsort((-scores, ids))  # by document, its best score first
        ids, scores = ids[order], scores[order]
        first = np.ones(len(ids), dtype=bool)
        first[1:] = ids[1:] != ids[:-1]
        return ids[first], scores[first]

    def _term_postings(
        self, db: sqlite3.Connection, term: str, columns: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """Every (document, score) of one term under the column weights ``columns``, sorted by document:
        from memory, else from FTS5 once."""
        key = (columns, term)
        with self._lock:
            cached = self._postings.get(key)
            if cached is not None:
                self._postings.move_to_end(key)
                return cached
        ids, scores = _arrays(
            db.execute(
                f"SELECT rowid, bm25(documents_fts, {columns}) FROM documents_fts "
                "WHERE documents_fts MATCH ? ORDER BY rowid",
                (fts_phrase(term),),
            ).fetchall()
        )
        ids = ids.astype(np.int32) if len(ids) and ids[-1] < 2**31 else ids
        with self._lock:
            self.fetches += 1
            if self.keep_postings and key not in self._postings:
                self._postings[key] = (ids, scores)
                self._cached += len(ids)
            while self._cached > MAX_CACHED_POSTINGS and len(self._postings) > 1:
                _, (old, _) = self._postings.popitem(last=False)
                self._cached -= len(old)
        return ids, scores


def weights_sql(weights: Sequence[float]) -> str:
    """Column weights as ``bm25()`` takes them: four numbers (name, path, doc, code), nothing else."""
    numbers = [float(w) for w in weights]
    if len(numbers) != 4 or not all(0.0 <= w < 1e6 for w in numbers):
        raise ValueError(
            f"BM25 column weights must be four numbers >= 0 (name, path, doc, code), not {weights!r}"
        )
    return ", ".join(repr(w) for w in numbers)


def _arrays(rows: list[tuple[int, float]]) -> tuple[np.ndarray, np.ndarray]:
    """FTS5 rows (rowid, bm25) as (ids, scores), scores sign-flipped so that higher is better."""
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.float64)
    table = np.array(rows, dtype=np.float64)  # rowids are far below 2**53: exact in a float64
    return table[:, 0].astype(np.int64), -table[:, 1]


def common_words(db: sqlite3.Connection, vocabulary: str, limit: int) -> list[str]:
    """The ``limit`` words most documents hold in the fts5vocab ``vocabulary`` (a ``row`` table), of three or
    more ASCII letters (the words code is written in), most common first."""
    rows = db.execute(
        f"SELECT term FROM {vocabulary} WHERE term GLOB '[a-z][a-z][a-z]*' AND term NOT GLOB '*[^a-z]*' "
        "ORDER BY doc DESC, term LIMIT ?",
        (limit,),
    )
    return [term for (term,) in rows]
