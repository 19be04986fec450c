"""The timings of the GPU benchmark: matmul peak, embedding throughput (codesearch vs sentence-transformers),
query latency at batch 1, and exact top-10 search GPU vs CPU.

Every timing synchronises the device before reading the clock; each measured call is warmed up first.
"""

from __future__ import annotations

import gc
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
import transformers

from benchmarks.gpu.models import QUERIES, forward_flops, matmul_parameters
from codesearch.embedding._loading import forget
from codesearch.embedding.base import DEFAULT_QUERY_INSTRUCTION
from codesearch.embedding.batching import pack_by_token_budget
from codesearch.embedding.prompts import qwen3_query
from codesearch.embedding.qwen3 import Qwen3Embedder
from indexer.gpu_search import FaissGpuTopK, TorchTopK, faiss_gpu_available


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def timed(fn: Callable[[], Any], device: str) -> float:
    sync(device)
    start = time.perf_counter()
    fn()
    sync(device)
    return time.perf_counter() - start


def free(device: str) -> None:
    gc.collect()
    if device.startswith("cuda"):
        torch.cuda.empty_cache()


def matmul_peak(device: str, smoke: bool) -> dict[str, float]:
    """The matrix-product rate this device reaches (bf16 on CUDA, fp32 on CPU), FLOP/s, best of 5 × 10
    products on random data: a square 8192³ one, and the 4B model's MLP up-projection at 16k tokens."""
    dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    shapes = (
        {"square": (512, 512, 512)}
        if smoke
        else {"square": (8192, 8192, 8192), "mlp_4b": (16384, 2560, 9728)}
    )
    rates = {}
    for name, (m, k, n) in shapes.items():
        a = torch.randn(m, k, device=device, dtype=dtype)
        b = torch.randn(k, n, device=device, dtype=dtype)
        for _ in range(5):
            a @ b
        best = min(timed(lambda a=a, b=b: [a @ b for _ in range(10)], device) for _ in range(5))
        rates[name] = 2 * m * k * n * 10 / best
        del a, b
    free(device)
    return rates


def _rates(name: str, lengths: list[int], config: Any, seconds: float, peak: float) -> dict[str, float]:
    weights, attention = forward_flops(config, lengths)
    return {
        f"{name}_seconds": seconds,
        f"{name}_tokens_per_s": sum(lengths) / seconds,
        f"{name}_symbols_per_s": len(lengths) / seconds,
        f"{name}_mfu": weights / seconds / peak,
        f"{name}_mfu_with_attention": (weights + attention) / seconds / peak,
    }


def codesearch_embedder(size: str, path: Path, device: str, args: Any) -> Qwen3Embedder:
    return Qwen3Embedder(f"Qwen/Qwen3-Embedding-{size}", model_path=str(path), device=device,
                         max_length=args.max_length, max_tokens_per_batch=args.budget)  # fmt: skip


def time_codesearch(
    embedder: Qwen3Embedder, texts: list[str], config: Any, peak: float, device: str
) -> dict[str, Any]:
    """``embed_documents`` over all texts (tokenising included), after a warm-up on a slice of them."""
    loaded = embedder._loaded()
    row: dict[str, Any] = {"attention": loaded.model.config._attn_implementation,
                           "dtype": str(loaded.model.dtype).replace("torch.", "")}  # fmt: skip
    embedder.embed_documents(texts[:: max(len(texts) // 64, 1)])  # every batch shape class, once
    lengths = [len(ids) for ids in embedder.token_ids(texts)]
    seconds = timed(lambda: embedder.embed_documents(texts), device)
    batches = pack_by_token_budget(lengths, embedder.max_tokens_per_batch)
    padded = sum(max(lengths[i] for i in b) * len(b) for b in batches)
    row |= {"documents": len(texts), "tokens": sum(lengths), "tokens_mean": sum(lengths) / len(lengths),
            "tokens_max": max(lengths), "batches": len(batches), "budget": embedder.max_tokens_per_batch,
            "padding_fraction": 1 - sum(lengths) / padded,
            "tokenize_seconds": timed(lambda: embedder.token_ids(texts), "cpu")}  # fmt: skip
    row |= _rates("codesearch", lengths, config, seconds, peak)
    row["forward_only_seconds"] = _forward_only_seconds(embedder, texts, batches, device)
    row["forward_only_mfu"] = forward_flops(config, lengths)[0] / row["forward_only_seconds"] / peak
    return row


def _forward_only_seconds(
    embedder: Qwen3Embedder, texts: list[str], batches: list[list[int]], device: str
) -> float:
    """The model's forward passes alone over the same batches, already on the device, one sync at the
    end: what the GPU needs, without tokenising, padding, copies or host syncs."""
    loaded = embedder._loaded()
    ids = embedder.token_ids(texts)
    staged = [loaded.stager.wait(loaded.stager.stage([ids[i] for i in b])) for b in batches]
    sync(device)

    def forward_all() -> None:
        with torch.inference_mode():
            for batch in staged:
                loaded.model(input_ids=batch.input_ids, attention_mask=batch.attention_mask,
                             position_ids=batch.position_ids)  # fmt: skip

    return timed(forward_all, device)


def query_latency(embedder: Qwen3Embedder, count: int, device: str) -> dict[str, Any]:
    """``embed_queries([q])`` one query at a time (the instruction prompt included): p50/p95 ms."""
    queries = [QUERIES[i % len(QUERIES)] for i in range(count)]
    for q in queries[:5]:
        embedder.embed_queries([q])
    times = [timed(lambda q=q: embedder.embed_queries([q]), device) for q in queries]
    tokens = [len(ids) for ids in embedder.token_ids([embedder_query_text(q) for q in QUERIES])]
    return {"query_p50_ms": 1000 * statistics.median(times),
            "query_p95_ms": 1000 * float(np.percentile(times, 95)),
            "query_tokens_mean": sum(tokens) / len(tokens), "queries": count}  # fmt: skip


def embedder_query_text(query: str) -> str:
    return qwen3_query(DEFAULT_QUERY_INSTRUCTION, query)


def release(embedder: Qwen3Embedder, device: str) -> None:
    forget(("qwen3", embedder.model_path, embedder.device, embedder.attn_implementation))
    free(device)


def time_sentence_transformers(
    path: Path, texts: list[str], lengths: list[int], config: Any, peak: float, device: str, batch_size: int
) -> dict[str, Any]:
    """``SentenceTransformer.encode`` of the same directory, bf16 + SDPA, its default batch size."""
    from sentence_transformers import SentenceTransformer

    dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    major, minor = (int(x) for x in transformers.__version__.split(".")[:2])
    key = "dtype" if (major, minor) >= (4, 56) else "torch_dtype"
    start = time.perf_counter()
    st = SentenceTransformer(
        str(path), device=device, model_kwargs={key: dtype, "attn_implementation": "sdpa"}
    )
    row: dict[str, Any] = {"st_load_seconds": time.perf_counter() - start, "st_batch_size": batch_size}
    st.encode(texts[:: max(len(texts) // 64, 1)], batch_size=batch_size)
    seconds = timed(lambda: st.encode(texts, batch_size=batch_size, convert_to_numpy=True), device)
    st = None  # the weights go before the next model
    free(device)
    return row | _rates("sentence_transformers", lengths, config, seconds, peak)


def embedding_parameters(config: Any) -> dict[str, int]:
    return {"matmul_parameters": matmul_parameters(config),
            "embedding_parameters": int(config.vocab_size * config.hidden_size)}  # fmt: skip


def random_unit_vectors(count: int, dim: int, device: str, seed: int) -> torch.Tensor:
    """``count`` × ``dim`` unit vectors on ``device`` (fp16 on CUDA, fp32 on CPU), made in chunks."""
    gen = torch.Generator(device=device).manual_seed(seed)
    dtype = torch.float16 if device.startswith("cuda") else torch.float32
    matrix = torch.empty((count, dim), device=device, dtype=dtype)
    for start in range(0, count, 1 << 18):
        chunk = torch.randn((min(1 << 18, count - start), dim), device=device, generator=gen)
        matrix[start : start + len(chunk)] = torch.nn.functional.normalize(chunk, dim=1).to(dtype)
    return matrix


def bench_search(count: int, dim: int, device: str, queries: int, cpu_queries: int) -> dict[str, Any]:
    """Exact top-10 latency for one query at a time over ``count`` random unit vectors: GPU (PyTorch fp16
    matmul + topk; FAISS-GPU too when installed) vs CPU (FAISS ``IndexFlatIP`` fp32, else PyTorch fp32)."""
    matrix = random_unit_vectors(count, dim, device, seed=count)
    ids = np.arange(count, dtype=np.int64)
    # queries near stored vectors (as real queries are near their answers), so the top-10 is well separated
    picks = np.random.default_rng(0).choice(count, size=queries, replace=False)
    noise = torch.randn((queries, dim), generator=torch.Generator().manual_seed(1))
    qs = torch.nn.functional.normalize(
        matrix[torch.as_tensor(picks, device=matrix.device)].float().cpu() + 0.5 * noise / dim**0.5, dim=1
    ).numpy()
    row: dict[str, Any] = {"vectors": count, "dim": dim, "queries": queries, "device": device,
                           "device_dtype": str(matrix.dtype).replace("torch.", ""), "cpu_threads": os.cpu_count()}  # fmt: skip
    searchers: dict[str, Any] = {}
    # PyTorch matmul + topk on the device (fp16 on CUDA; on CPU, fp32: the same code path, for the smoke run)
    searchers["device_torch"] = TorchTopK.from_tensor(ids, matrix)
    host = np.empty((count, dim), dtype=np.float32)  # the CPU index's copy, moved over in chunks
    for start in range(0, count, 1 << 18):
        host[start : start + (1 << 18)] = matrix[start : start + (1 << 18)].float().cpu().numpy()
    if faiss_gpu_available():
        searchers["gpu_faiss_fp16"] = FaissGpuTopK(ids, host)
    searchers["cpu"] = _cpu_searcher(ids, host)
    row["cpu_backend"] = type(searchers["cpu"]).__name__
    top: dict[str, list[set[int]]] = {}
    for name, searcher in searchers.items():
        n = cpu_queries if name == "cpu" else queries
        for q in qs[:3]:
            searcher.search(q, 10)  # warm up
        times = [timed(lambda q=q, s=searcher: s.search(q, 10), device) for q in qs[:n]]
        row[f"{name}_p50_ms"] = 1000 * statistics.median(times)
        row[f"{name}_p95_ms"] = 1000 * float(np.percentile(times, 95))
        top[name] = [{i for i, _ in searcher.search(q, 10)} for q in qs[:cpu_queries]]
    for name in top:
        if name != "cpu":
            row[f"{name}_top10_overlap_with_cpu"] = float(
                np.mean([len(a & b) / 10 for a, b in zip(top[name], top["cpu"], strict=True)])
            )
    row["cpu_found_own_vector"] = float(
        np.mean([int(p) in t for p, t in zip(picks, top["cpu"], strict=False)])
    )
    del matrix, searchers, host
    free(device)
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
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    index = faiss.IndexFlatIP(host.shape[1])
    index.add(host)
    return _FaissCpu(index)
