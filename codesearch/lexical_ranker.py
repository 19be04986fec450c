"""Moved to ``indexer.lexical_ranker`` (the store's read side); kept for benchmarks/ until they import it
from there."""

from indexer.lexical_ranker import BM25_WEIGHTS, COMMON_DF, MAX_CACHED_POSTINGS, LexicalRanker, fts_phrase

__all__ = ["BM25_WEIGHTS", "COMMON_DF", "MAX_CACHED_POSTINGS", "LexicalRanker", "fts_phrase"]
