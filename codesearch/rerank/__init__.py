"""Reranking the top hits with a cross-encoder (Qwen3-Reranker in-process, or SGLang's ``/v1/rerank``)."""

from codesearch.rerank.base import DEFAULT_RERANK_INSTRUCTION, Reranker, rerank, rerank_fused
from codesearch.rerank.registry import get_reranker

__all__ = ["DEFAULT_RERANK_INSTRUCTION", "Reranker", "get_reranker", "rerank", "rerank_fused"]
