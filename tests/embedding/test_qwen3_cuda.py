"""The in-process Qwen3 embedder on a CUDA GPU (``gpu`` marker; CI has no GPU and deselects these)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from codesearch.embedding.qwen3 import Qwen3Embedder

pytestmark = pytest.mark.gpu

TEXTS = ["def add(a, b):\n    return a + b", "读取配置文件并合并环境变量", "x" * 300, "SELECT 1"]


@pytest.fixture
def cuda() -> None:
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device: torch.cuda.is_available() is False")


def test_bf16_on_cuda_matches_fp32_on_cpu(cuda: None, tiny_qwen3_dir: Path) -> None:
    gpu = Qwen3Embedder("test/tiny-qwen3", model_path=str(tiny_qwen3_dir), device="cuda")
    cpu = Qwen3Embedder("test/tiny-qwen3", model_path=str(tiny_qwen3_dir), device="cpu")
    gpu.max_tokens_per_batch = 64  # several batches: exercises the overlapped copies
    loaded = gpu._loaded()
    assert str(loaded.model.dtype) == "torch.bfloat16"
    assert loaded.model.config._attn_implementation in ("sdpa", "flash_attention_2")
    a, b = gpu.embed_documents(TEXTS), cpu.embed_documents(TEXTS)
    assert np.min(np.sum(a * b, axis=1)) > 0.99


def test_staging_pins_memory_and_copies_on_a_side_stream(cuda: None) -> None:
    import torch

    from codesearch.embedding._device import BatchStager

    stager = BatchStager(torch, "cuda", pad_id=0)
    batch = stager.wait(stager.stage([[5, 6, 7], [9]]))
    assert batch.ready is not None and batch.input_ids.is_cuda
    assert batch.input_ids.tolist() == [[5, 6, 7], [0, 0, 9]]
