"""The reranker registry: built-ins and plugins register through one ``register``; unknown names listed."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from codesearch.errors import ConfigError
from codesearch.rerank import get_reranker
from codesearch.rerank.base import Reranker
from codesearch.rerank.http import HttpReranker
from codesearch.rerank.registry import RerankerOptions, names, register


class _FirstWins(Reranker):
    """Scores documents by their order: a reranker that changes nothing."""

    name = "first-wins"

    def score(self, query: str, documents: Sequence[str], *, instruction: str | None = None) -> list[float]:
        return [-float(i) for i in range(len(documents))]


def test_a_registered_reranker_is_selectable_by_name_with_its_options() -> None:
    seen: list[RerankerOptions] = []

    def make(options: RerankerOptions) -> Reranker:
        seen.append(options)
        return _FirstWins()

    register("first-wins", make, replace=True)
    assert isinstance(get_reranker("first-wins", urls=["http://127.0.0.1:1"]), _FirstWins)
    assert seen == [RerankerOptions(urls=("http://127.0.0.1:1",))]
    assert names()[:5] == ("auto", "http", "qwen3-0.6b", "qwen3-4b", "qwen3-8b") and "first-wins" in names()


def test_the_builtins_are_registered_and_auto_is_reserved() -> None:
    assert isinstance(get_reranker("auto", urls=["http://127.0.0.1:1"]), HttpReranker)
    with pytest.raises(ConfigError, match="reserved"):
        register("auto", lambda options: _FirstWins())
    with pytest.raises(ConfigError, match=r"unknown reranker 'nope': one of auto, http, qwen3-0.6b"):
        get_reranker("nope")
