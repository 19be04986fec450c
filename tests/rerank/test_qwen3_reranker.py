"""Qwen3-Reranker in-process on CPU with a tiny random model: the model card's recipe, batching, errors."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from codesearch.errors import ConfigError, RerankUnavailableError
from codesearch.rerank import Reranker, get_reranker, rerank
from codesearch.rerank.http import HttpReranker
from codesearch.rerank.qwen3 import PREFIX, SUFFIX, Qwen3Reranker, format_pair

QUERY = "读取配置文件并合并环境变量"
DOCS = [
    "def load_config(path):\n    with open(path) as fh:\n        return {**toml.load(fh), **os.environ}",
    'func main() { fmt.Println("hello") }',
    "x",
    "class Retry:\n    '''Retry failed HTTP calls with exponential backoff.'''\n" + "    pass\n" * 30,
]
TASK = "Given a question, judge whether the code answers it"


@pytest.fixture
def reranker(tiny_reranker_dir: Path) -> Qwen3Reranker:
    return Qwen3Reranker("test/tiny-reranker", model_path=str(tiny_reranker_dir), device="cpu")


def test_prompt_is_the_model_cards_template() -> None:
    assert PREFIX == (
        "<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the "
        'Instruct provided. Note that the answer can only be "yes" or "no".<|im_end|>\n<|im_start|>user\n'
    )
    assert SUFFIX == "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"
    assert format_pair("T", "q", "d") == "<Instruct>: T\n<Query>: q\n<Document>: d"


def test_scores_equal_the_model_card_reference(reranker: Qwen3Reranker, tiny_reranker_dir: Path) -> None:
    """An independent implementation of the published code: tokenizer.pad, logits[:, -1], [no, yes]."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_reranker_dir, padding_side="left")
    model = AutoModelForCausalLM.from_pretrained(tiny_reranker_dir).eval()
    prefix = tokenizer.encode(PREFIX, add_special_tokens=False)
    suffix = tokenizer.encode(SUFFIX, add_special_tokens=False)
    pairs = [f"<Instruct>: {TASK}\n<Query>: {QUERY}\n<Document>: {d}" for d in DOCS]
    inputs = tokenizer(
        pairs,
        padding=False,
        truncation="longest_first",
        return_attention_mask=False,
        max_length=8192 - len(prefix) - len(suffix),
        add_special_tokens=False,
    )
    inputs["input_ids"] = [prefix + ids + suffix for ids in inputs["input_ids"]]
    batch = tokenizer.pad(inputs, padding=True, return_tensors="pt")
    with torch.no_grad():
        logits = model(**batch).logits[:, -1, :]
    yes, no = tokenizer.convert_tokens_to_ids("yes"), tokenizer.convert_tokens_to_ids("no")
    pair = torch.stack([logits[:, no], logits[:, yes]], dim=1)
    reference = torch.nn.functional.log_softmax(pair, dim=1)[:, 1].exp().numpy()
    # the card passes no position ids: with left padding its positions start at the padding; ours start at
    # each pair's first real token (as SGLang and a pair run alone do), so compare pair by pair as well
    alone = [reranker.score(QUERY, [d], instruction=TASK)[0] for d in DOCS]
    ours = reranker.score(QUERY, DOCS, instruction=TASK)
    np.testing.assert_allclose(ours, alone, atol=1e-5)
    longest = max(range(len(DOCS)), key=lambda i: len(batch["input_ids"][i]))
    np.testing.assert_allclose(ours[longest], reference[longest], atol=1e-5)  # the unpadded row
    assert all(0.0 < s < 1.0 for s in ours) and len(ours) == len(DOCS)


def test_batching_does_not_change_scores(reranker: Qwen3Reranker) -> None:
    together = reranker.score(QUERY, DOCS)
    reranker.max_tokens_per_batch = 1  # one pair per batch
    np.testing.assert_allclose(reranker.score(QUERY, DOCS), together, atol=1e-5)
    assert reranker.score(QUERY, []) == []


def test_long_documents_are_truncated_keeping_the_suffix(tiny_reranker_dir: Path) -> None:
    small = Qwen3Reranker(
        "test/tiny-reranker", model_path=str(tiny_reranker_dir), device="cpu", max_length=120
    )
    ids = small.token_ids(QUERY, ["word " * 5000], TASK)[0]
    suffix = small._loaded()["suffix"]
    assert len(ids) <= 120 and ids[-len(suffix) :] == suffix
    assert len(small.score(QUERY, ["word " * 5000])) == 1


def test_out_of_memory_splits_the_batch(reranker: Qwen3Reranker) -> None:
    import torch

    expected = reranker.score(QUERY, DOCS)
    model = reranker._loaded()["model"]
    sizes: list[int] = []

    def gpu_full(_module, _args, kwargs):  # type: ignore[no-untyped-def]
        sizes.append(kwargs["input_ids"].shape[0])
        if kwargs["input_ids"].shape[0] > 1:
            raise torch.OutOfMemoryError("CUDA out of memory (injected)")

    handle = model.register_forward_pre_hook(gpu_full, with_kwargs=True)
    try:
        np.testing.assert_allclose(reranker.score(QUERY, DOCS), expected, atol=1e-5)
    finally:
        handle.remove()
    assert max(sizes) > 1 and sizes.count(1) == len(DOCS)


def test_missing_weights_are_one_clear_line(tmp_path: Path) -> None:
    broken = Qwen3Reranker("test/none", model_path=str(tmp_path / "missing"), device="cpu")
    with pytest.raises(RerankUnavailableError) as info:
        broken.score("q", ["d"])
    assert "\n" not in str(info.value) and "reranker test/none" in str(info.value)


def test_get_reranker_picks_by_what_is_given(tiny_reranker_dir: Path) -> None:
    assert isinstance(get_reranker("auto", urls=["http://127.0.0.1:9"]), HttpReranker)
    local = get_reranker("auto", model_path=str(tiny_reranker_dir), device="cpu")
    assert isinstance(local, Qwen3Reranker) and local.model_path == str(tiny_reranker_dir)
    assert get_reranker("qwen3-8b", device="cpu").name == "Qwen/Qwen3-Reranker-8B"
    with pytest.raises(ConfigError, match="unknown reranker"):
        get_reranker("bm25")
    with pytest.raises(ConfigError, match="server URL"):
        get_reranker("http")
    with pytest.raises(RerankUnavailableError, match="needs a rerank server .* or a GPU"):
        get_reranker("auto", device="cpu")


class WordOverlap(Reranker):
    """A real (if simple) reranker: the share of the query's words found in the document."""

    name = "overlap"

    def score(self, query: str, documents: Sequence[str], *, instruction: str | None = None) -> list[float]:
        words = set(query.lower().split())
        return [len(words & set(d.lower().split())) / len(words) for d in documents]


def test_rerank_reorders_only_the_top_and_keeps_the_list_sorted() -> None:
    ranked = [(1, 0.9), (2, 0.8), (3, 0.7), (4, 0.6), (5, 0.5)]
    texts = {1: "alpha", 2: "parse the config file", 3: "config", 4: "parse config file", 5: "parse config"}
    out = rerank(WordOverlap(), "parse config file", ranked, texts, top=3)
    assert [i for i, _ in out] == [2, 3, 1, 4, 5]  # 4 and 5 are past the top 3: order kept, below
    scores = [s for _, s in out]
    assert scores == sorted(scores, reverse=True)
    assert rerank(WordOverlap(), "q", ranked, {}, top=3) == ranked


def test_rerank_settings_from_env_and_config(tmp_path: Path) -> None:
    from codesearch.settings import load_settings

    env = {"CODESEARCH_RERANKER": "http", "CODESEARCH_RERANKER_URLS": "http://a:1, http://b:2"}
    settings = load_settings(environ=env, cwd=tmp_path, user_config=tmp_path / "none.toml")
    assert (settings.reranker, settings.reranker_urls, settings.rerank_top) == (
        "http",
        ("http://a:1", "http://b:2"),
        30,
    )
    config = tmp_path / "config.toml"
    config.write_text("rerank_top = 0\n")
    with pytest.raises(ConfigError, match="rerank_top"):
        load_settings(environ={}, cwd=tmp_path, user_config=config)
    assert load_settings(environ={}, cwd=tmp_path, user_config=tmp_path / "none.toml").reranker == "none"


@pytest.mark.gpu
def test_bf16_on_cuda_scores_like_fp32_on_cpu(reranker: Qwen3Reranker, tiny_reranker_dir: Path) -> None:
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device: torch.cuda.is_available() is False")
    gpu = Qwen3Reranker("test/tiny-reranker", model_path=str(tiny_reranker_dir), device="cuda")
    np.testing.assert_allclose(gpu.score(QUERY, DOCS), reranker.score(QUERY, DOCS), atol=2e-2)
