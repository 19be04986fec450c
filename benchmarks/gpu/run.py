"""The GPU engine benchmark: Qwen3-Embedding 0.6B/4B/8B embedding speed and MFU, and GPU vector search.

Runs on any CUDA machine with torch, transformers and sentence-transformers (no internet, no weights:
speed does not depend on the weights' values, so each size is built from its published config with
random bf16 weights). codesearch itself is imported from this checkout. One command:

    python benchmarks/gpu/run.py                # all of it (estimated 5-8 min on one H100)
    python benchmarks/gpu/run.py --smoke        # a tiny model on CPU in seconds (CI runs this)

Parts: ``--sizes 4B --search-sizes ""`` (embedding only), ``--sizes "" `` (search only). Results go to
``benchmarks/out/gpu-results.json`` and a Markdown table for ``benchmarks/RESULTS.md`` to stdout.

Measures, per size, on documents whose token lengths follow real code (``lengths.json``, made by
``make_lengths.py`` from the benchmark corpus): tokens/s and symbols/s of codesearch's in-process
embedder (``Qwen3Embedder.embed_documents``: token-budget batches, overlapped copies, SDPA/FA2), the
same for ``sentence-transformers``' ``encode`` of the same saved model in the same run, MFU (useful
forward FLOPs of real tokens / the GPU's bf16 matmul peak measured here), and query latency at batch 1
(p50). Then exact top-10 search latency, GPU (PyTorch fp16; FAISS-GPU too when installed) vs CPU
(FAISS, else PyTorch fp32), over 100k, 1M and 5M random unit vectors of 1024 dimensions.
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402

from codesearch.embedding._loading import forget  # noqa: E402
from codesearch.embedding.qwen3 import Qwen3Embedder  # noqa: E402
from indexer.gpu_search import FaissGpuTopK, TorchTopK, faiss_gpu_available  # noqa: E402

# The published config.json of each Qwen3-Embedding size (the fields that shape compute). vocab_size
# only sizes the embedding table (there is no LM head), so it does not change the timings.
CONFIGS: dict[str, dict[str, Any]] = {
    "0.6B": dict(hidden_size=1024, num_hidden_layers=28, num_attention_heads=16, num_key_value_heads=8,
                 head_dim=128, intermediate_size=3072, vocab_size=151669, max_position_embeddings=32768),
    "4B": dict(hidden_size=2560, num_hidden_layers=36, num_attention_heads=32, num_key_value_heads=8,
               head_dim=128, intermediate_size=9728, vocab_size=151665, max_position_embeddings=40960),
    "8B": dict(hidden_size=4096, num_hidden_layers=36, num_attention_heads=32, num_key_value_heads=8,
               head_dim=128, intermediate_size=12288, vocab_size=151665, max_position_embeddings=40960),
    "smoke": dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                  head_dim=16, intermediate_size=128, vocab_size=151669, max_position_embeddings=8192),
}  # fmt: skip
COMMON = dict(rope_theta=1_000_000.0, rms_norm_eps=1e-6, hidden_act="silu", attention_bias=False)
ENDOFTEXT, VOCAB = 151643, 151643  # ordinary token ids are 0..151642; <|endoftext|> follows them
QUERY_TOKENS = 32  # "Instruct: ...\nQuery:" plus a short question


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def timed(fn: Callable[[], Any], device: str) -> float:
    sync(device)
    start = time.perf_counter()
    fn()
    sync(device)
    return time.perf_counter() - start


def matmul_peak(device: str, smoke: bool) -> float:
    """The bf16 (fp32 on CPU) matrix-multiply rate this device reaches, in FLOP/s (best of several)."""
    n, dtype = (512, torch.float32) if smoke else (8192, torch.bfloat16)
    a, b = torch.randn(n, n, device=device, dtype=dtype), torch.randn(n, n, device=device, dtype=dtype)
    for _ in range(3):
        a @ b
    best = min(timed(lambda: [a @ b for _ in range(10)], device) for _ in range(5))
    return 2 * n**3 * 10 / best


def sample_lengths(count: int, seed: int, max_length: int) -> list[int]:
    data = json.loads((HERE / "lengths.json").read_text())
    values = np.array([int(k) for k in data["histogram"]])
    weights = np.array(list(data["histogram"].values()), dtype=np.float64)
    rng = np.random.default_rng(seed)
    return [int(min(x, max_length)) for x in rng.choice(values, size=count, p=weights / weights.sum())]


def texts_of(lengths: list[int], seed: int) -> list[str]:
    """One word per token ("t123"), so the synthetic tokenizer gives exactly ``length - 1`` tokens + EOS."""
    rng = np.random.default_rng(seed)
    return [" ".join(f"t{i}" for i in rng.integers(0, VOCAB, size=max(n - 1, 1))) for n in lengths]


def save_model(size: str, out: Path, device: str, dtype: torch.dtype) -> transformers.Qwen3Config:
    """A random-weight Qwen3 model of ``size`` with a one-word-per-token tokenizer and the
    sentence-transformers files of Qwen3-Embedding (last-token pooling, normalisation)."""
    config = transformers.Qwen3Config(**CONFIGS[size], **COMMON)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            model = transformers.Qwen3Model(config).eval()
    finally:
        torch.set_default_dtype(previous)
    model.save_pretrained(out, max_shard_size="4GB")
    del model
    _save_tokenizer(out)
    (out / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]))  # fmt: skip
    (out / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": 8192, "do_lower_case": False})
    )
    (out / "1_Pooling").mkdir()
    (out / "1_Pooling" / "config.json").write_text(
        json.dumps({"word_embedding_dimension": config.hidden_size, "pooling_mode_lasttoken": True})
    )
    (out / "2_Normalize").mkdir()
    return config


def _save_tokenizer(out: Path) -> None:
    from tokenizers import Tokenizer, models, pre_tokenizers, processors

    vocab = {f"t{i}": i for i in range(VOCAB)}
    vocab.update({"<|endoftext|>": ENDOFTEXT, "<|im_start|>": ENDOFTEXT + 1, "<|im_end|>": ENDOFTEXT + 2})
    backend = Tokenizer(models.WordLevel(vocab, unk_token="t0"))
    backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    backend.add_special_tokens(["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
    # Qwen3-Embedding's post-processor: <|endoftext|> after every input
    backend.post_processor = processors.TemplateProcessing(
        single="$A <|endoftext|>", special_tokens=[("<|endoftext|>", ENDOFTEXT)]
    )
    transformers.PreTrainedTokenizerFast(
        tokenizer_object=backend, pad_token="<|endoftext|>", eos_token="<|im_end|>", padding_side="left"
    ).save_pretrained(out)


def forward_flops(config: transformers.Qwen3Config, lengths: list[int]) -> float:
    """Useful forward FLOPs over real tokens: 2 × weights per token, plus causal attention
    (QKᵀ and AV: 2 × s² × heads × head_dim per layer for a sequence of s tokens)."""
    h, d = config.hidden_size, config.head_dim
    q, kv = config.num_attention_heads * d, config.num_key_value_heads * d
    per_layer = h * q + 2 * h * kv + q * h + 3 * h * config.intermediate_size
    weights = config.num_hidden_layers * per_layer
    tokens = sum(lengths)
    attention = sum(2 * s * s * q for s in lengths) * config.num_hidden_layers
    return 2.0 * weights * tokens + attention


def bench_size(
    size: str, args: argparse.Namespace, device: str, peak: float, workdir: Path
) -> dict[str, Any]:
    dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    lengths = sample_lengths(args.documents, args.seed, args.max_length)
    texts = texts_of(lengths, args.seed)
    path = workdir / size
    config = save_model(size, path, device, dtype)
    flops = forward_flops(config, lengths)
    row: dict[str, Any] = {"size": size, "documents": len(texts), "tokens": sum(lengths)}

    row |= _time_ours(size, path, texts, lengths, flops, peak, args, device)
    _free(device)
    if not args.no_sentence_transformers:
        row |= _time_sentence_transformers(path, texts, lengths, flops, peak, args, device, dtype)
        row["speedup_vs_st"] = row["codesearch_tokens_per_s"] / row["sentence_transformers_tokens_per_s"]
        _free(device)
    return row


def _time_ours(
    size: str, path: Path, texts: list[str], lengths: list[int], flops: float, peak: float,
    args: argparse.Namespace, device: str,
) -> dict[str, Any]:  # fmt: skip
    ours = Qwen3Embedder(f"Qwen/Qwen3-Embedding-{size}", model_path=str(path), device=device,
                         max_length=args.max_length, max_tokens_per_batch=args.budget)  # fmt: skip
    ours.embed_documents(texts[: min(64, len(texts))])  # load + warm up kernels
    seconds = timed(lambda: ours.embed_documents(texts), device)
    row = _rates("codesearch", len(texts), sum(lengths), flops, seconds, peak)
    row["attention"] = ours._loaded().model.config._attn_implementation
    query = texts_of([QUERY_TOKENS], args.seed + 1)[0]
    latencies = [timed(lambda: ours.embed_documents([query]), device) for _ in range(args.queries)]
    row["query_p50_ms"] = 1000 * statistics.median(latencies[3:] or latencies)
    forget(("qwen3", str(path), device, None))  # let the weights go before the next model
    return row


def _time_sentence_transformers(
    path: Path, texts: list[str], lengths: list[int], flops: float, peak: float,
    args: argparse.Namespace, device: str, dtype: torch.dtype,
) -> dict[str, Any]:  # fmt: skip
    from sentence_transformers import SentenceTransformer

    key = (
        "dtype"
        if tuple(int(x) for x in transformers.__version__.split(".")[:2]) >= (4, 56)
        else "torch_dtype"
    )
    st = SentenceTransformer(str(path), device=device, model_kwargs={key: dtype})
    st.encode(texts[: min(64, len(texts))], batch_size=args.st_batch_size)
    seconds = timed(lambda: st.encode(texts, batch_size=args.st_batch_size, convert_to_numpy=True), device)
    return _rates("sentence_transformers", len(texts), sum(lengths), flops, seconds, peak)


def _rates(name: str, docs: int, tokens: int, flops: float, seconds: float, peak: float) -> dict[str, float]:
    return {
        f"{name}_seconds": seconds,
        f"{name}_tokens_per_s": tokens / seconds,
        f"{name}_symbols_per_s": docs / seconds,
        f"{name}_mfu": flops / seconds / peak,
    }


def _free(device: str) -> None:
    gc.collect()
    if device.startswith("cuda"):
        torch.cuda.empty_cache()


def bench_search(count: int, dim: int, device: str, queries: int, cpu_queries: int) -> dict[str, Any]:
    """Top-10 latency over ``count`` random unit vectors: GPU (fp16) vs CPU (fp32), same queries."""
    gen = torch.Generator(device=device).manual_seed(count)
    matrix = torch.empty(
        (count, dim), device=device, dtype=torch.float16 if device != "cpu" else torch.float32
    )
    for start in range(0, count, 1 << 20):  # in chunks: fp32 scratch for 5M x 1024 would double memory
        chunk = torch.randn((min(1 << 20, count - start), dim), device=device, generator=gen)
        matrix[start : start + len(chunk)] = torch.nn.functional.normalize(chunk, dim=1).to(matrix.dtype)
    ids = np.arange(count, dtype=np.int64)
    qs = (
        torch.nn.functional.normalize(torch.randn((queries, dim), generator=gen, device=device), dim=1)
        .cpu()
        .numpy()
    )
    row: dict[str, Any] = {"vectors": count, "dim": dim}
    searchers: dict[str, Any] = {}
    if device != "cpu":
        searchers["gpu_torch_fp16"] = TorchTopK.from_tensor(ids, matrix)
    host = np.empty((count, dim), dtype=np.float32)  # the CPU index's copy, moved over in chunks
    for start in range(0, count, 1 << 20):
        host[start : start + (1 << 20)] = matrix[start : start + (1 << 20)].float().cpu().numpy()
    if faiss_gpu_available():
        searchers["gpu_faiss_fp16"] = FaissGpuTopK(ids, host)
    searchers["cpu"] = _cpu_searcher(ids, host)
    row["cpu_backend"] = type(searchers["cpu"]).__name__
    expected = None
    for name, searcher in searchers.items():
        n = cpu_queries if name == "cpu" else queries
        for q in qs[:3]:
            searcher.search(q, 10)  # warm up
        times = [timed(lambda q=q, s=searcher: s.search(q, 10), device) for q in qs[:n]]
        row[f"{name}_p50_ms"] = 1000 * statistics.median(times)
        got = [i for i, _ in searcher.search(qs[0], 10)]
        expected = expected or got
        row[f"{name}_same_top10_as_first"] = len(set(got) & set(expected)) / 10
    del matrix, searchers
    _free(device)
    return row


class _FaissCpu:
    def __init__(self, index: Any) -> None:
        self.index = index

    def search(self, q: np.ndarray, k: int) -> list[tuple[int, float]]:
        scores, ids = self.index.search(q.reshape(1, -1).astype(np.float32), k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True)]


def _cpu_searcher(ids: np.ndarray, host: np.ndarray) -> Any:
    try:
        import faiss
    except ImportError:
        return TorchTopK(ids, host, device="cpu", dtype="float32")
    index = faiss.IndexFlatIP(host.shape[1])
    index.add(host)
    return _FaissCpu(index)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="a tiny model and small searches (CPU is fine)")
    parser.add_argument("--sizes", default="0.6B,4B,8B")
    parser.add_argument("--documents", type=int, default=4096, help="documents per size")
    parser.add_argument(
        "--budget", type=int, default=16384, help="token budget per batch (the library default)"
    )
    parser.add_argument("--max-length", type=int, default=8192)
    parser.add_argument("--st-batch-size", type=int, default=32, help="sentence-transformers batch size")
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--search-sizes", default="100000,1000000,5000000")
    parser.add_argument("--dim", type=int, default=1024)
    parser.add_argument("--no-sentence-transformers", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=HERE.parent / "out" / "gpu-results.json")
    args = parser.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    if args.smoke:
        args.sizes, args.documents, args.queries, args.search_sizes, args.dim = (
            "smoke",
            24,
            6,
            "2000,20000",
            64,
        )
    elif device == "cpu":
        parser.error("no CUDA device: the full benchmark needs a GPU (use --smoke to check the script)")
    name = torch.cuda.get_device_name() if device == "cuda" else "cpu"
    peak = matmul_peak(device, args.smoke)
    print(
        f"device {name}; measured {'bf16' if device == 'cuda' else 'fp32'} matmul peak {peak / 1e12:.1f} TFLOP/s"
    )
    results: dict[str, Any] = {"device": name, "peak_flops": peak, "torch": torch.__version__,
                               "transformers": transformers.__version__, "embedding": [], "search": []}  # fmt: skip
    workdir = Path(tempfile.mkdtemp(prefix="codesearch-gpu-bench-"))
    try:
        for size in filter(None, args.sizes.split(",")):
            row = bench_size(size, args, device, peak, workdir)
            results["embedding"].append(row)
            print(json.dumps(row))
            shutil.rmtree(workdir / size, ignore_errors=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    for count in (int(x) for x in args.search_sizes.split(",") if x):
        row = bench_search(count, args.dim, device, args.queries, min(args.queries, 20))
        results["search"].append(row)
        print(json.dumps(row))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(markdown(results))


def markdown(results: dict[str, Any]) -> str:
    lines = [f"device: {results['device']}, measured matmul peak {results['peak_flops'] / 1e12:.3f} TFLOP/s", "",
             "| model | tokens/s | symbols/s | MFU | ST tokens/s | ST MFU | × ST | query p50 ms | attention |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for r in results["embedding"]:
        st = ("sentence_transformers_tokens_per_s" in r and
              f"{r['sentence_transformers_tokens_per_s']:,.0f} | {r['sentence_transformers_mfu']:.1%} | "
              f"{r['speedup_vs_st']:.2f}") or "- | - | -"  # fmt: skip
        lines.append(
            f"| {r['size']} | {r['codesearch_tokens_per_s']:,.0f} | {r['codesearch_symbols_per_s']:,.0f} | "
            f"{r['codesearch_mfu']:.1%} | {st} | {r['query_p50_ms']:.1f} | {r['attention']} |"
        )
    lines += ["", "| vectors × dim | GPU torch fp16 p50 ms | GPU FAISS p50 ms | CPU p50 ms | CPU backend |",
              "| --- | --- | --- | --- | --- |"]  # fmt: skip
    for r in results["search"]:
        gpu = r.get("gpu_torch_fp16_p50_ms")
        faiss_gpu = r.get("gpu_faiss_fp16_p50_ms")
        lines.append(
            f"| {r['vectors']:,} × {r['dim']} | {'-' if gpu is None else f'{gpu:.3f}'} | "
            f"{'-' if faiss_gpu is None else f'{faiss_gpu:.3f}'} | {r['cpu_p50_ms']:.3f} | {r['cpu_backend']} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
