"""``benchmarks/gpu/run.py --smoke``: the GPU benchmark runs end to end on CPU, so it cannot rot."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "gpu" / "run.py"


def test_gpu_benchmark_smoke_run(tmp_path: Path) -> None:
    for module in ("torch", "transformers", "sentence_transformers"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"needs {module}: the 'local' and 'test' extras")
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--smoke", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(out.read_text())
    [row] = results["embedding"]
    assert row["documents"] == 24 and row["tokens"] > 24
    for name in ("codesearch", "sentence_transformers"):
        assert row[f"{name}_tokens_per_s"] > 0 and 0 < row[f"{name}_mfu"] < 1
    assert (
        row["speedup_vs_st"] > 0
        and row["query_p50_ms"] > 0
        and row["attention"] in ("sdpa", "flash_attention_2")
    )
    assert [r["vectors"] for r in results["search"]] == [2000, 20000]
    assert all(r["cpu_p50_ms"] > 0 and r["cpu_same_top10_as_first"] == 1.0 for r in results["search"])
    assert "| smoke |" in done.stdout


def test_length_histogram_is_small_and_realistic() -> None:
    data = json.loads((SCRIPT.parent / "lengths.json").read_text())
    assert (SCRIPT.parent / "lengths.json").stat().st_size < 100_000
    summary = data["summary"]
    assert summary["documents"] == sum(data["histogram"].values()) > 10_000
    assert 20 < summary["p50"] < summary["p90"] < summary["p99"] <= data["max_length"]


@pytest.mark.gpu
def test_gpu_benchmark_small_run_on_cuda(tmp_path: Path) -> None:
    """A minute on a GPU: the real 0.6B architecture in bf16 and a 100k search, before the full run."""
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device: torch.cuda.is_available() is False")
    out = tmp_path / "results.json"
    args = ["--sizes", "0.6B", "--documents", "256", "--queries", "10", "--search-sizes", "100000"]
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args, "--out", str(out)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(out.read_text())
    [row] = results["embedding"]
    assert row["codesearch_tokens_per_s"] > 0 and 0 < row["codesearch_mfu"] < 1
    [search] = results["search"]
    assert search["gpu_torch_fp16_p50_ms"] > 0 and search["cpu_same_top10_as_first"] >= 0.8
