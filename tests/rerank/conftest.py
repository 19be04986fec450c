"""A tiny random Qwen3ForCausalLM reranker with the real Qwen vocabulary (built once per test run).

The tokenizer comes from the embedding tests' builder (``tests/embedding/conftest.py``), loaded by path:
test modules run in importlib mode and cannot import each other.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest


def _embedding_conftest():  # type: ignore[no-untyped-def]
    path = Path(__file__).parent.parent / "embedding" / "conftest.py"
    spec = importlib.util.spec_from_file_location("_embedding_conftest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def tiny_reranker_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with a tiny random Qwen3ForCausalLM and the real Qwen tokenizer."""
    helpers = _embedding_conftest()
    helpers._need_local_extra()
    import torch
    import transformers

    out = tmp_path_factory.mktemp("tiny-qwen3-reranker")
    vocab_size = helpers.build_qwen_tokenizer(out)
    config = helpers.tiny_qwen3_config(vocab_size, tie_word_embeddings=True)
    torch.manual_seed(1)
    transformers.Qwen3ForCausalLM(config).eval().save_pretrained(out)
    return out
