"""How texts become model input, shared by every backend of one model family.

Qwen3-Embedding's recipe: documents as they are, queries as ``Instruct: {task}\\nQuery:{query}`` (the task
in English whatever the query's language). The in-process and the HTTP backend both build their input
here, and both put the same ``QWEN3_PROMPT_FORMAT`` into the fingerprint, so an index built by one is
served by the other.
"""

from __future__ import annotations

from collections.abc import Sequence

# part of the fingerprint: change it only together with the recipe below
QWEN3_PROMPT_FORMAT = "qwen3-instruct-v1:docs=bare;query=Instruct: {task}\\nQuery:{query}"


def qwen3_query(task: str, query: str) -> str:
    """One query in Qwen3-Embedding's instruction format (bare when there is no task)."""
    if not task:
        return query
    return f"Instruct: {task}\nQuery:{query}"


def qwen3_inputs(texts: Sequence[str], *, is_query: bool, instruction: str) -> list[str]:
    """Model input for a batch: queries wrapped with the instruction, documents unchanged."""
    if not is_query:
        return list(texts)
    return [qwen3_query(instruction, text) for text in texts]
