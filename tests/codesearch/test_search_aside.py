"""A hybrid search ranks densely on another thread while its lexical side (the word lexicon, BM25) runs.

Over a real index of a real git repository, with the fake embedder recording which thread embedded each query.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from codesearch import search as search_module
from codesearch.embedding.fake import HashEmbedder
from codesearch.errors import EmbeddingUnavailableError
from codesearch.search import Searcher
from indexer.pipeline import index_paths

QUERIES = ["parse the configuration file", "send an email", "mirror a bucket", "ledger entries"]
FILES = {
    "tools/mirror.py": "def mirror_bucket(src, dst):\n    return copy_objects(src, dst)\n",
    "tools/mail.py": "def send_email(to, body):\n    '''Send an email message.'''\n    return smtp(to, body)\n",
}


class ThreadNoting(HashEmbedder):
    """The fake embedder; ``threads`` names the thread each query was embedded on; ``fail`` raises instead."""

    def __init__(self) -> None:
        super().__init__(64)
        self.threads: list[str] = []
        self.fail = False
        self.gate: threading.Event | None = None  # when set up: a query waits for it before embedding
        self.embedding = threading.Event()  # set when a query's embedding starts

    def embed_queries(self, texts, instruction="", part_weights=None, english_texts=None) -> np.ndarray:
        self.threads.append(threading.current_thread().name)
        self.embedding.set()
        if self.gate is not None and not self.gate.wait(timeout=30):
            raise AssertionError("the lexical side never ran while the query was being embedded")
        if self.fail:
            raise EmbeddingUnavailableError("the embedding server at 127.0.0.1:9 is unreachable")
        return super().embed_queries(texts, instruction, part_weights, english_texts)


@pytest.fixture(scope="module")
def index(tmp_path_factory, build_git_repo, sample_files):
    base = tmp_path_factory.mktemp("aside")
    repo = build_git_repo(base / "r", {**sample_files, **FILES})
    index_paths([repo.root], index_dir=base / "index", embedder=ThreadNoting(), model="fake")
    return base / "index"


def _hits(searcher: Searcher, query: str, mode: str = "hybrid") -> list[tuple[str, str, float]]:
    return [(h.path, h.qualified_name, h.score) for h in searcher.search(query, k=10, mode=mode).hits]


def test_the_dense_side_runs_aside_and_ranks_exactly_as_it_did_after_the_lexical_side(index, monkeypatch):
    aside = Searcher(index, ThreadNoting())
    monkeypatch.setattr(search_module, "ASIDE_THREADS", 0)  # no thread: the dense side runs first, inline
    inline = Searcher(index, ThreadNoting())
    try:
        for query in QUERIES:
            assert _hits(aside, query) == _hits(inline, query)
        assert all(name.startswith("codesearch-dense") for name in aside.embedder.threads)
        assert inline.embedder.threads == [threading.current_thread().name] * len(QUERIES)
        for mode in ("dense", "lexical"):  # one side only: nothing to run beside it
            _hits(aside, QUERIES[0], mode)
        assert aside.embedder.threads[-1] == threading.current_thread().name
    finally:
        aside.close()
        inline.close()


def test_the_lexical_side_runs_while_the_query_is_being_embedded(index, monkeypatch):
    searcher = Searcher(index, ThreadNoting())
    gate = threading.Event()
    searcher.embedder.gate = gate
    lexical = type(searcher.generation).lexical

    def lexical_then_open(self, *args, **kwargs):
        if not searcher.embedder.embedding.wait(timeout=30):
            raise AssertionError("the query was not being embedded while the lexical side ran")
        ranking = lexical(self, *args, **kwargs)
        gate.set()  # the embedding waiting on another thread may go on
        return ranking

    monkeypatch.setattr(type(searcher.generation), "lexical", lexical_then_open)
    try:
        assert _hits(searcher, "send an email")[0][1] == "send_email"
    finally:
        searcher.close()


def test_an_embedding_error_aside_reaches_the_caller_and_frees_its_thread(index):
    searcher = Searcher(index, ThreadNoting())
    searcher.embedder.fail = True
    try:
        for _ in range(
            search_module.ASIDE_THREADS + 2
        ):  # more failures than threads: each gives its own back
            with pytest.raises(EmbeddingUnavailableError, match="unreachable"):
                searcher.search("send an email")
        searcher.embedder.fail = False
        assert _hits(searcher, "send an email")[0][1] == "send_email"
        assert searcher.embedder.threads[-1].startswith("codesearch-dense")
    finally:
        searcher.close()


def test_a_dense_ranking_started_for_other_model_weights_is_ranked_again(index, monkeypatch):
    """Should the lexicon's words ever change the models' weights, the search ranks densely again with the
    weights it fuses with, rather than use a ranking made for others."""
    searcher = Searcher(index, ThreadNoting())
    plan = Searcher._plan
    plans = iter(range(100))

    def plan_changing_weights(self, generation, query):
        made = plan(self, generation, query)
        return search_module.replace(made, part_weights=(1.0 + next(plans),))

    monkeypatch.setattr(Searcher, "_plan", plan_changing_weights)
    monkeypatch.setattr(
        Searcher, "_with_lexicon", lambda self, generation, query: search_module.replace(query)
    )
    try:
        searcher.search("send an email")
        # once aside, for the first weights, and once more here for the weights fused with
        assert sorted(searcher.embedder.threads) == sorted(
            ["codesearch-dense_0", threading.current_thread().name]
        )
    finally:
        searcher.close()


def test_close_stops_the_threads(index):
    searcher = Searcher(index, ThreadNoting())
    searcher.search("send an email")
    pool = searcher._aside_pool
    assert pool is not None
    searcher.close()
    with pytest.raises(RuntimeError):  # a pool that was shut down takes no more work
        pool.submit(print)
