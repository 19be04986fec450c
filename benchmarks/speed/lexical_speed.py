"""The lexical side of a search: FTS5's own BM25 query vs ``LexicalRanker`` (common words from memory).

    python -m benchmarks.speed.lexical_speed --index DIR [--depth 100]

Every query of benchmarks/queries/*.jsonl, in the same run: the plain FTS5 query (``MATCH 'a OR b ...'
ORDER BY bm25(...) LIMIT depth``, what ``Searcher`` ran before) and the ranker, first on a cold cache
(each common word's postings read once) and then warm. Also checks that both return the same documents
(ties aside). Prints p50/p90 ms per query and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from benchmarks.speed.load import load_queries
from indexer.lexical import query_terms
from indexer.lexical_ranker import BM25_WEIGHTS, LexicalRanker, fts_phrase
from indexer.store import connect


def fts5_ranking(db, terms: list[str], depth: int) -> list[tuple[int, float]]:
    weights = ", ".join(map(str, BM25_WEIGHTS))
    sql = (
        f"SELECT rowid, bm25(documents_fts, {weights}) AS s FROM documents_fts WHERE documents_fts MATCH ? "
        "ORDER BY s LIMIT ?"
    )
    return [(r[0], -r[1]) for r in db.execute(sql, (" OR ".join(fts_phrase(t) for t in terms), depth))]


def timed(fn, queries: list[list[str]]) -> tuple[list[float], list]:
    times, results = [], []
    for terms in queries:
        started = time.perf_counter()
        results.append(fn(terms))
        times.append((time.perf_counter() - started) * 1000)
    return times, results


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    return f"p50 {statistics.median(ordered):.2f} · p90 {ordered[int(0.9 * len(ordered))]:.2f} · mean {statistics.mean(ordered):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--depth", type=int, default=100)
    args = parser.parse_args()
    db = connect(args.index, readonly=True)
    LexicalRanker.attach(db)
    documents = db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    queries = [t for t in (query_terms(q) for q in load_queries()) if t]
    ranker = LexicalRanker()
    fts_times, fts_results = timed(lambda t: fts5_ranking(db, t, args.depth), queries)
    cold_times, _ = timed(lambda t: ranker.rank(db, t, args.depth), queries)
    warm_times, warm_results = timed(lambda t: ranker.rank(db, t, args.depth), queries)
    fts_again, _ = timed(lambda t: fts5_ranking(db, t, args.depth), queries)
    same = sum(
        {round(s, 6) for _, s in a} == {round(s, 6) for _, s in b}
        for a, b in zip(fts_results, warm_results, strict=True)
    )
    print(f"index: {documents:,} documents; {len(queries)} queries; depth {args.depth}\n")
    print("| lexical side | ms per query |")
    print("| --- | --- |")
    print(f"| FTS5 bm25 OR query | {summary(fts_times)} |")
    print(f"| FTS5 again (after the ranker) | {summary(fts_again)} |")
    print(f"| LexicalRanker, cold (postings read on first use) | {summary(cold_times)} |")
    print(f"| LexicalRanker, warm | {summary(warm_times)} |")
    ratio = statistics.median(fts_times + fts_again) / statistics.median(warm_times)
    print(f"\nwarm ranker vs FTS5, p50: {ratio:.1f}x faster; same scores in {same} of {len(queries)} queries")


if __name__ == "__main__":
    main()
