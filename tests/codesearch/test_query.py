"""A query analysed once; a vector or dense ranking handed in with it is used, not computed again."""

from __future__ import annotations

import numpy as np
import pytest

from codesearch.embedding.fake import HashEmbedder
from codesearch.errors import ConfigError
from codesearch.query import analyse_query
from codesearch.search import Searcher
from indexer.pipeline import index_paths


@pytest.mark.parametrize("text", ["  ", "\u200b", "\ufeff", " \u200b\u2060 ", "\u00a0\u3000", "\x00\t"])
def test_a_query_of_invisible_characters_is_empty(text: str) -> None:
    """A zero-width space or a byte-order mark alone is no query (it was searched, and found hits)."""
    with pytest.raises(ConfigError, match="empty"):
        analyse_query(text)


def test_analysis_types_terms_and_identifier_flag() -> None:
    name = analyse_query("  parseConfig ")
    assert (name.text, name.type, name.identifier) == ("parseConfig", "identifier", True)
    assert "parse" in name.terms and "config" in name.terms
    phrase = analyse_query("read the config file")
    assert (phrase.type, phrase.identifier) == ("text", False)
    assert analyse_query("x = f(y)", "code").type == "code"
    with pytest.raises(ConfigError):
        analyse_query("   ")


@pytest.fixture
def searcher(git_repo, tmp_path) -> Searcher:
    repo = git_repo()
    index_paths([repo.root], index_dir=tmp_path / "idx", embedder=HashEmbedder(64))
    return Searcher(tmp_path / "idx", HashEmbedder(64))


def test_a_vector_handed_in_is_used_instead_of_embedding(searcher: Searcher) -> None:
    query = searcher.analyse("retry with backoff")
    vector = searcher.embedder.embed_queries([query.text], searcher.instructions[query.type])[0]
    before = searcher.queries_embedded
    handed = searcher.search(query.with_vector(vector), mode="dense")
    assert searcher.queries_embedded == before
    plain = searcher.search("retry with backoff", mode="dense")
    assert searcher.queries_embedded == before + 1
    assert [h.doc_id for h in handed.hits] == [h.doc_id for h in plain.hits]


def test_a_dense_ranking_handed_in_replaces_the_scan_unless_filtered(searcher: Searcher) -> None:
    query = searcher.analyse("retry with backoff")
    plain = searcher.search(query, mode="dense", k=2)
    fake = [(h.doc_id, 1.0 - n / 10) for n, h in enumerate(reversed(plain.hits))]
    vector = np.zeros(searcher.embedder.dim, dtype=np.float32)
    handed = searcher.search(query.with_vector(vector, fake, depth=100), mode="dense", k=2)
    assert [h.doc_id for h in handed.hits] == [i for i, _ in fake] and searcher.scans_skipped == 1
    searcher.search(query.with_vector(vector, fake, depth=100), mode="dense", k=2, lang="python")
    assert searcher.scans_skipped == 1  # a filtered search scans with its filter


def test_two_searches_embed_their_queries_at_once_on_one_searcher(git_repo, tmp_path) -> None:
    """Query embedding runs outside any lock: two threads' model calls are in flight together (with a
    lock held across it, the second would wait for the first, which waits at the barrier for the second)."""
    import threading

    barrier = threading.Barrier(2, timeout=60)

    class Gate(HashEmbedder):
        def embed_queries(self, texts, instruction="", part_weights=None):  # type: ignore[no-untyped-def]
            barrier.wait()
            return super().embed_queries(texts, instruction, part_weights)

    repo = git_repo()
    index_paths([repo.root], index_dir=tmp_path / "idx", embedder=HashEmbedder(64))
    searcher = Searcher(tmp_path / "idx", Gate(64))
    results: list[object] = []
    threads = [
        threading.Thread(target=lambda q=q: results.append(searcher.search(q, mode="dense")))
        for q in ("retry with backoff", "load the config")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2 and not barrier.broken


def test_code_with_a_byte_that_is_not_utf8_is_searched_with_a_replacement_character() -> None:
    # `similar` hands over code read from a file; a typed query with such a byte is refused (test_cli)
    code = b"def caf\xe9():\n    return 1".decode("utf-8", "surrogateescape")
    query = analyse_query(code, "code")
    assert query.text == "def caf\ufffd():\n    return 1"
    with pytest.raises(ConfigError, match="byte 0xe9 at character 8"):
        analyse_query(code)
