"""Qwen3-Embedding in-process, on CPU, with a tiny random model and the real Qwen vocabulary."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from codesearch.embedding.batching import pack_by_token_budget, padding_fraction
from codesearch.embedding.prompts import QWEN3_PROMPT_FORMAT, qwen3_inputs, qwen3_query
from codesearch.embedding.qwen3 import Qwen3Embedder
from codesearch.errors import ConfigError, EmbeddingUnavailableError

TEXTS = [
    "def add(a, b):\n    return a + b",
    "读取配置文件并合并环境变量",
    "x",
    "class Retry:\n    '''Retry failed HTTP calls with exponential backoff.'''\n    def __init__(self, tries=3): ...",
    'func main() { fmt.Println("hello") }',
    "SELECT * FROM users WHERE id = ?",
]


@pytest.fixture
def embedder(tiny_qwen3_dir: Path) -> Qwen3Embedder:
    return Qwen3Embedder("test/tiny-qwen3", model_path=str(tiny_qwen3_dir), device="cpu")


def test_query_prompt_is_qwen3_instruction_format() -> None:
    assert qwen3_query("Find code", "读取配置") == "Instruct: Find code\nQuery:读取配置"
    assert qwen3_inputs(["a"], is_query=False, instruction="Find code") == ["a"]
    assert qwen3_inputs(["a"], is_query=True, instruction="T") == ["Instruct: T\nQuery:a"]


def test_construction_is_cheap_and_fingerprint_follows_model_name(tiny_qwen3_dir: Path) -> None:
    e = Qwen3Embedder("Qwen/Qwen3-Embedding-4B", model_path=str(tiny_qwen3_dir / "missing"), dim=256)
    assert (e.native_dim, e.dim, e.prompt_format) == (2560, 256, QWEN3_PROMPT_FORMAT)
    assert e.fingerprint.startswith("Qwen/Qwen3-Embedding-4B@256-")
    with pytest.raises(EmbeddingUnavailableError, match="Qwen/Qwen3-Embedding-4B"):
        e.load()
    with pytest.raises(ConfigError):
        Qwen3Embedder("someone/unknown-model")


def test_shapes_unit_norm_and_endoftext_last(embedder: Qwen3Embedder) -> None:
    docs = embedder.embed_documents(TEXTS)
    queries = embedder.embed_queries(["读取配置文件"])
    assert docs.shape == (len(TEXTS), 64) and queries.shape == (1, 64)
    assert docs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    assert all(ids[-1] == 151643 for ids in embedder.token_ids(TEXTS))
    # the query instruction changes the vector
    assert not np.allclose(queries[0], embedder.embed_documents(["读取配置文件"])[0])


def test_matryoshka_truncation_is_renormalised(tiny_qwen3_dir: Path, embedder: Qwen3Embedder) -> None:
    full = embedder.embed_documents(TEXTS)
    small = Qwen3Embedder("test/tiny-qwen3", model_path=str(tiny_qwen3_dir), device="cpu", dim=16)
    short = small.embed_documents(TEXTS)
    assert short.shape == (len(TEXTS), 16)
    np.testing.assert_allclose(np.linalg.norm(short, axis=1), 1.0, atol=1e-5)
    expected = full[:, :16] / np.linalg.norm(full[:, :16], axis=1, keepdims=True)
    np.testing.assert_allclose(short, expected, atol=1e-5)
    assert small.fingerprint != embedder.fingerprint


def test_left_padding_batch_equals_each_text_alone(embedder: Qwen3Embedder) -> None:
    embedder.max_tokens_per_batch = 100_000  # one padded batch
    batched = embedder.embed_documents(TEXTS)
    alone = np.vstack([embedder.embed_documents([t]) for t in TEXTS])
    np.testing.assert_allclose(batched, alone, atol=1e-5)


@contextmanager
def forward_hook(embedder: Qwen3Embedder, hook: Callable[[Any], None]) -> Iterator[None]:
    """Run ``hook(input_ids)`` before every forward pass of the real loaded model."""
    model = embedder._loaded().model
    handle = model.register_forward_pre_hook(lambda _m, _a, kw: hook(kw["input_ids"]), with_kwargs=True)
    try:
        yield
    finally:
        handle.remove()


def test_token_budget_batches_respect_budget_and_keep_order(embedder: Qwen3Embedder) -> None:
    texts = [("word " * n).strip() for n in (1, 40, 3, 17, 90, 2, 33, 8)]
    lengths = [len(ids) for ids in embedder.token_ids(texts)]
    embedder.max_tokens_per_batch = 100
    batches = embedder._batches(texts)
    assert sorted(i for b in batches for i in b) == list(range(len(texts)))
    for batch in batches:
        assert len(batch) == 1 or max(lengths[i] for i in batch) * len(batch) <= 100
    shapes: list[tuple[int, int]] = []
    with forward_hook(embedder, lambda ids: shapes.append(tuple(ids.shape))):
        budgeted = embedder.embed_documents(texts)
    assert len(shapes) == len(batches) > 1
    assert sorted(shapes) == sorted((len(b), max(lengths[i] for i in b)) for b in batches)
    embedder.max_tokens_per_batch = 100_000
    np.testing.assert_allclose(budgeted, embedder.embed_documents(texts), atol=1e-5)


def test_batch_vectors_are_read_only_after_the_next_batch_is_queued(
    embedder: Qwen3Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No host sync between batches: batch j's vectors are read after batch j+1's forward is queued."""
    texts = [("word " * n).strip() for n in (1, 40, 3, 17, 90, 2, 33, 8)]
    embedder.max_tokens_per_batch = 100
    expected = embedder.embed_documents(texts)
    events: list[str] = []
    collect = Qwen3Embedder._collect
    monkeypatch.setattr(
        Qwen3Embedder, "_collect", staticmethod(lambda p: events.append("read") or collect(p))
    )
    with forward_hook(embedder, lambda _ids: events.append("forward")):
        got = embedder.embed_documents(texts)
    batches = len(embedder._batches(texts))
    assert batches > 2
    assert events == ["forward"] + ["forward", "read"] * (batches - 1) + ["read"]
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_no_batch_is_mostly_padding_on_a_code_like_length_mix() -> None:
    rng = np.random.default_rng(0)
    # heavy-tailed like code symbols: most a few dozen tokens, a few thousands
    lengths = [int(x) for x in np.clip(rng.lognormal(4.0, 1.2, size=5000), 3, 8192)]
    batches = pack_by_token_budget(lengths, 16384)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    assert max(padding_fraction(lengths, b) for b in batches) < 0.5
    padded = sum(max(lengths[i] for i in b) * len(b) for b in batches)
    assert sum(lengths) / padded > 0.9  # overall, at least 90% of the tokens computed are real
    # the case the fill rule exists for: one long input does not take the short ones into its batch
    assert pack_by_token_budget([1000, 10, 10, 10], 10_000) == [[0], [1, 2, 3]]


def test_pack_by_token_budget_edge_cases() -> None:
    assert pack_by_token_budget([], 10) == []
    assert pack_by_token_budget([50, 1], 10) == [[0], [1]]  # an over-long input gets its own batch
    assert pack_by_token_budget([2, 2, 2, 2], 4) == [[0, 1], [2, 3]]
    with pytest.raises(ValueError):
        pack_by_token_budget([1], 0)


def test_max_length_truncates_keeping_endoftext(tiny_qwen3_dir: Path) -> None:
    e = Qwen3Embedder("test/tiny-qwen3", model_path=str(tiny_qwen3_dir), device="cpu", max_length=8)
    ids = e.token_ids(["word " * 50])[0]
    assert len(ids) == 8 and ids[-1] == 151643


def test_out_of_memory_halves_budget_and_retries(embedder: Qwen3Embedder) -> None:
    """The real model raises torch's OutOfMemoryError past 40 padded tokens: the run still succeeds."""
    import torch

    expected = embedder.embed_documents(TEXTS)
    embedder.max_tokens_per_batch = 100_000
    sizes: list[int] = []

    def gpu_full(input_ids: Any) -> None:
        sizes.append(input_ids.numel())
        if input_ids.numel() > 40:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB (injected)")

    with forward_hook(embedder, gpu_full):
        np.testing.assert_allclose(embedder.embed_documents(TEXTS), expected, atol=1e-5)
    assert embedder.max_tokens_per_batch <= 40 and max(sizes) > 40 and any(n <= 40 for n in sizes)


def test_out_of_memory_on_a_single_text_is_one_clear_error(embedder: Qwen3Embedder) -> None:
    import torch

    def gpu_full(input_ids: Any) -> None:
        raise torch.OutOfMemoryError("CUDA out of memory (injected)")

    with forward_hook(embedder, gpu_full), pytest.raises(EmbeddingUnavailableError, match="max_length"):
        embedder.embed_documents(["def f(): pass"])


def test_cpu_staging_pads_left_and_counts_positions_from_the_first_real_token() -> None:
    import torch

    from codesearch.embedding._device import BatchStager, attention_implementation

    stager = BatchStager(torch, "cpu", pad_id=0)
    batch = stager.stage([[5, 6, 7], [9]])
    assert batch.ready is None and not batch.input_ids.is_pinned()
    assert batch.input_ids.tolist() == [[5, 6, 7], [0, 0, 9]]
    assert batch.attention_mask.tolist() == [[1, 1, 1], [0, 0, 1]]
    assert batch.position_ids.tolist() == [[0, 1, 2], [0, 0, 0]]
    assert attention_implementation("cpu") == "sdpa"
    assert attention_implementation("cuda", "eager") == "eager"


def test_equals_plain_transformers_reference(embedder: Qwen3Embedder, tiny_qwen3_dir: Path) -> None:
    """An independent implementation of the published recipe: tokenizer padding, last-token pool."""
    import torch
    import torch.nn.functional as F
    from transformers import AutoModel, AutoTokenizer

    task = "Given a question, retrieve the code that answers it"
    tokenizer = AutoTokenizer.from_pretrained(tiny_qwen3_dir, padding_side="left")
    model = AutoModel.from_pretrained(tiny_qwen3_dir).eval()
    queries = ["读取配置文件", "retry with backoff"]
    inputs = [f"Instruct: {task}\nQuery:{q}" for q in queries] + TEXTS
    batch = tokenizer(inputs, padding=True, truncation=True, max_length=8192, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state[:, -1]
    reference = F.normalize(hidden, p=2, dim=1).numpy()
    ours = np.vstack([embedder.embed_queries(queries, instruction=task), embedder.embed_documents(TEXTS)])
    np.testing.assert_allclose(ours, reference, atol=1e-5)


@pytest.mark.slow
def test_equals_sentence_transformers_last_token_pooling(
    embedder: Qwen3Embedder, tiny_qwen3_dir: Path
) -> None:
    """sentence-transformers with last-token pooling and the same prompt: the second reference."""
    st = pytest.importorskip("sentence_transformers", reason="needs sentence-transformers (the 'test' extra)")
    try:  # sentence-transformers >= 6 moved the modules
        from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    except ImportError:
        from sentence_transformers.models import Normalize, Pooling, Transformer
    word = Transformer(str(tiny_qwen3_dir), max_seq_length=8192)
    model = st.SentenceTransformer(
        modules=[word, Pooling(64, pooling_mode="lasttoken"), Normalize()], device="cpu"
    )
    task = "Given a question, retrieve the code that answers it"
    queries = ["读取配置文件", "retry with backoff"]
    ref_q = model.encode(queries, prompt=f"Instruct: {task}\nQuery:", convert_to_numpy=True)
    ref_d = model.encode(TEXTS, convert_to_numpy=True)
    np.testing.assert_allclose(embedder.embed_queries(queries, instruction=task), ref_q, atol=1e-5)
    np.testing.assert_allclose(embedder.embed_documents(TEXTS), ref_d, atol=1e-5)
