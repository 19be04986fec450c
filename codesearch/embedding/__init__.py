"""Embedding backends behind one interface (see ``base.Embedder``) and their registry."""

from codesearch.embedding.base import DEFAULT_QUERY_INSTRUCTION, Embedder, l2_normalise

__all__ = ["DEFAULT_QUERY_INSTRUCTION", "Embedder", "l2_normalise"]
