"""``GpuSearcher``: the dense top-k on a device answers like the plain Searcher (device="cpu" in CI)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codesearch.embedding.fake import HashEmbedder
from codesearch.errors import ConfigError
from codesearch.search import Searcher
from indexer.pipeline import index_paths

pytest.importorskip("torch", reason="needs torch: the 'local' extra")

FILES = {
    "net/retry.py": "def retry_request(call, tries=3):\n    '''Retry a failed request.'''\n    return call()\n",
    "net/fetch.py": "def fetch_page(url):\n    '''Fetch a page; retry once on failure.'''\n    return get(url)\n",
    "io/config.py": "def load_settings(path):\n    '''Read the settings file.'''\n    return open(path).read()\n",
    "io/json.py": "def parse_json(text):\n    '''Parse a JSON document.'''\n    return json.loads(text)\n",
}


@pytest.fixture
def index(tmp_path: Path, git_repo) -> Path:  # type: ignore[no-untyped-def]
    repo = git_repo("shop", FILES)
    index_dir = tmp_path / "index"
    index_paths([repo.root], index_dir=index_dir, embedder=HashEmbedder(64), model="fake")
    return index_dir


def test_device_searcher_returns_the_same_hits(index: Path) -> None:
    from codesearch.gpu_searcher import GpuSearcher

    cpu = Searcher(index, HashEmbedder(64))
    device = GpuSearcher(index, HashEmbedder(64), device="cpu", backend="torch")
    assert type(device.generation.vectors).__name__ == "DeviceVectors"
    for query in ("retry a failed request", "read the settings file", "parse json"):
        for mode in ("dense", "hybrid"):
            expected = cpu.search(query, k=4, mode=mode).hits
            got = device.search(query, k=4, mode=mode).hits
            assert [h.path for h in got] == [h.path for h in expected]
            assert [h.score for h in got] == pytest.approx([h.score for h in expected], abs=1e-3)
    filtered = device.search("retry", k=4, mode="dense", path_glob="io/*").hits
    assert {h.path for h in filtered} <= {"io/config.py", "io/json.py"} and filtered


def test_no_gpu_is_one_clear_error(index: Path) -> None:
    import torch

    from codesearch.gpu_searcher import GpuSearcher

    if torch.cuda.is_available():
        pytest.skip("a GPU is present: this checks the message on machines without one")
    with pytest.raises(ConfigError, match="vector search on cuda is not available here"):
        GpuSearcher(index, HashEmbedder(64), device="cuda")


@pytest.mark.gpu
def test_cuda_searcher_returns_the_same_hits(index: Path) -> None:
    import torch

    from codesearch.gpu_searcher import GpuSearcher

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device: torch.cuda.is_available() is False")
    cpu, gpu = Searcher(index, HashEmbedder(64)), GpuSearcher(index, HashEmbedder(64), device="cuda")
    for query in ("retry a failed request", "read the settings file"):
        assert [h.path for h in gpu.search(query, k=4, mode="dense").hits] == [
            h.path for h in cpu.search(query, k=4, mode="dense").hits
        ]
