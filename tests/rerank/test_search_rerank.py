"""``--rerank`` end to end: the Searcher reranks its top fused hits; the CLI says what it needs."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from codesearch.cli import main
from codesearch.errors import ExitCode
from codesearch.rerank import Reranker
from codesearch.search import Searcher
from indexer.pipeline import index_paths

FILES = {
    "net/retry.py": "def retry_request(call, tries=3):\n    '''Retry a failed request.'''\n    return call()\n",
    "net/fetch.py": "def fetch_page(url):\n    '''Fetch a page; retry once on failure.'''\n    return get(url)\n",
    "io/config.py": "def load_settings(path):\n    '''Read the settings file.'''\n    return open(path).read()\n",
}


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("CODESEARCH_"):
            monkeypatch.delenv(key)
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache")):
        monkeypatch.setenv(var, str(tmp_path / "xdg" / sub))


@pytest.fixture
def lexical_index(tmp_path: Path, git_repo) -> Path:  # type: ignore[no-untyped-def]
    repo = git_repo("shop", FILES)
    index_dir = tmp_path / "index"
    index_paths([repo.root], index_dir=index_dir, embedder=None, model="none")
    return index_dir


class PrefersPath(Reranker):
    """Scores 1.0 for documents from ``path``, else 0.0; records what it was asked."""

    name = "prefers-path"

    def __init__(self, path: str) -> None:
        self.path = path
        self.asked: list[int] = []

    def score(self, query: str, documents: Sequence[str], *, instruction: str | None = None) -> list[float]:
        self.asked.append(len(documents))
        return [1.0 if d.startswith(self.path) else 0.0 for d in documents]


def test_searcher_reranks_the_top_fused_hits(lexical_index: Path) -> None:
    searcher = Searcher(lexical_index)
    plain = [h.path for h in searcher.search("retry failure", k=3).hits]
    assert sorted(plain[:2]) == ["net/fetch.py", "net/retry.py"]
    searcher.reranker, searcher.rerank_top = PrefersPath(plain[1]), 2
    reranked = [h.path for h in searcher.search("retry failure", k=3).hits]
    assert reranked[:2] == [plain[1], plain[0]] and searcher.reranker.asked == [2]


def test_cli_rerank_on_cpu_without_a_server_says_what_it_needs(lexical_index: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    rc = main(["search", "retry", "--rerank", "--index", str(lexical_index), "--json"])
    err = capsys.readouterr().err.strip()
    assert rc == ExitCode.EMBEDDING_UNAVAILABLE
    assert len(err.splitlines()) == 1 and "needs a rerank server" in err and "--reranker-model-path" in err


def test_cli_rerank_through_a_real_rerank_server(
    lexical_index: Path, tiny_reranker_dir: Path, capsys, serve_app
) -> None:  # type: ignore[no-untyped-def]
    from codesearch.api.embeddings import create_embeddings_app
    from codesearch.embedding.fake import HashEmbedder
    from codesearch.rerank.qwen3 import Qwen3Reranker

    local = Qwen3Reranker("test/tiny-reranker", model_path=str(tiny_reranker_dir), device="cpu")
    with serve_app(create_embeddings_app(HashEmbedder(), reranker=local)) as url:
        args = ["search", "retry failure", "--index", str(lexical_index), "--json", "-k", "3"]
        rc = main([*args, "--rerank", "--reranker-url", url])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and len(out["hits"]) >= 2
    scores = [h["score"] for h in out["hits"]]
    assert all(0.0 < s < 1.0 for s in scores) and scores == sorted(scores, reverse=True)  # reranker's scale
