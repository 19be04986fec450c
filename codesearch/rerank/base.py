"""The reranking interface: score (query, document) pairs with a cross-encoder, higher = more relevant."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any

# Like the embedding instructions: English whatever the query's language (Qwen3-Reranker's recipe).
DEFAULT_RERANK_INSTRUCTION = (
    "Given a question or description of what code does, judge whether the code does it"
)


class Reranker(ABC):
    """A model that scores documents against a query. ``name`` says which (for logs and errors)."""

    name: str = ""

    @abstractmethod
    def score(self, query: str, documents: Sequence[str], *, instruction: str | None = None) -> list[float]:
        """One score per document, in their order; higher = more relevant.

        ``instruction`` is the task (English); None means ``DEFAULT_RERANK_INSTRUCTION``.
        """

    def load(self) -> None:
        """Load the model now instead of on the first call (a no-op for remote rerankers)."""
        return None


def rerank(
    reranker: Reranker,
    query: str,
    ranked: Sequence[tuple[int, float]],
    texts: dict[int, str],
    top: int,
    instruction: str | None = None,
) -> list[tuple[int, float]]:
    """``ranked`` with its first ``top`` entries reordered by ``reranker`` (stable on equal scores).

    The reranked entries get the reranker's score and stay above the rest, whose scores are shifted below
    the lowest reranked one so the list stays sorted. Ids with no text keep their place after the top.
    """
    head = [(i, s) for i, s in ranked[:top] if i in texts]
    if not head:
        return list(ranked)
    scores = reranker.score(query, [texts[i] for i, _ in head], instruction=instruction)
    if len(scores) != len(head):
        raise ValueError(f"reranker {reranker.name} returned {len(scores)} scores for {len(head)} documents")
    order = sorted(range(len(head)), key=lambda j: -scores[j])
    reranked = [(head[j][0], float(scores[j])) for j in order]
    done = {i for i, _ in head}
    rest = [(i, s) for i, s in ranked if i not in done]
    if rest:
        floor = min(s for _, s in reranked)
        shift = max(s for _, s in rest) - floor + 1.0
        rest = [(i, s - shift) for i, s in rest]
    return reranked + rest


# what the cross-encoder reads of a hit: where it is, its name, its code (cut: the head says the most)
MAX_RERANK_CHARS = 4000


def document_text(row: Any) -> str:
    """A hit as the reranker reads it: path, qualified name, then the code (doc comment included)."""
    return f"{row['path']}: {row['qualified_name']}\n{row['code']}"[:MAX_RERANK_CHARS]


def rerank_fused(
    reranker: Reranker,
    query: str,
    ranked: Sequence[tuple[int, float]],
    rows: Callable[[list[int]], Mapping[int, Any]],
    top: int,
    instruction: str | None = None,
) -> list[tuple[int, float]]:
    """``rerank`` over a ranking of document ids, reading their text through ``rows(ids)``."""
    fetched = rows([i for i, _ in ranked[:top]])
    texts = {i: document_text(row) for i, row in fetched.items()}
    return rerank(reranker, query, ranked, texts, top, instruction)
