"""The index at scale on each store, in one run: local (SQLite + FTS5 + FAISS) vs Milvus.

    python benchmarks/speed/store_scale.py --documents 200000 --dim 1024 [--engines local,milvus-server]

Synthetic documents (100 repositories, 8 languages) with unit vectors that vary along 48 latent directions
projected to ``--dim`` plus 10% noise (an ANN index has neighbours to find, as in real embeddings; i.i.d.
1024-d noise makes every top-10 a near-tie). Each store gets the same writes through the
contract suite's operations (``tests/store``: the local adapter over today's code paths; ``MilvusStore``):
insert everything and commit (the local store builds HNSW past 50k, Milvus 2.3.5 HNSW M=32), reindex after
a 1% change (1% of the documents replaced), queries one at a time (top-10; no filter, and a one-repository
filter = 1% of the documents): p50/p95 latency and recall@10 against exact search in numpy; disk; memory
(local: the FAISS index loaded; Milvus: the server's resident set after loading). The Milvus server is
started by this script in a temporary folder, as the tests start it.

``milvus-server-legacy`` is the server with the commit as it was before 1f1644d (no flush, no wait for the
vector index build): the same run measures what sealing at commit changes. ``--nprobes 16,32,64`` sweeps
``indexer.milvus.collection.IVF_NPROBE`` after milvus-lite's run (recall@10 and latency per value, filtered and
not); it moves nothing since lite stays FLAT (``collection.vector_index``): it measured the IVF_FLAT lite had
before (benchmarks/results/2026-12-06-milvus-store-scale-100k.md).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from indexer.milvus.rows import StoredDocument  # noqa: E402
from indexer.store_read import Filters  # noqa: E402

LANGUAGES = ["python", "go", "typescript", "java", "rust", "cpp", "ruby", "kotlin"]
WORDS = "parse read write retry cache config load save http json file stream buffer token user order".split()
REPOS = 100


def local_adapter() -> Any:
    """The contract suite's local store (tests/store/conftest.py), loaded by path: tests are no package."""
    spec = importlib.util.spec_from_file_location("store_conftest", ROOT / "tests" / "store" / "conftest.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.LocalContractStore


LATENT_DIM = 48  # real embeddings vary along few directions; uniform 1024-d noise has no neighbours to find


def embed_latent(latent: np.ndarray, dim: int) -> np.ndarray:
    projection = np.random.default_rng(42).standard_normal((latent.shape[1], dim)).astype(np.float32)
    return latent @ projection / np.sqrt(latent.shape[1])


def corpus(n: int, dim: int, seed: int = 0) -> tuple[list[StoredDocument], np.ndarray]:
    rng = np.random.default_rng(seed)
    latent = rng.standard_normal((n, LATENT_DIM)).astype(np.float32)
    vectors = embed_latent(latent, dim) + 0.1 * rng.standard_normal((n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    rows = []
    for i in range(n):
        repo = f"repo{i % REPOS:03d}"
        path = f"src/m{(i // REPOS) % 500}/f{i % 7}.x"
        name = f"{WORDS[i % 16]}_{WORDS[(i // 16) % 16]}_{i}"
        words = " ".join(WORDS[(i * k) % 16] for k in range(1, 9))
        rows.append(
            StoredDocument(
                id=i + 1, repo=repo, root=f"/srv/{repo}", path=path, language=LANGUAGES[i % 8], kind="function",
                name=name, qualified_name=name, signature=f"def {name}()", doc="", code=f"def {name}():\n    {words}",
                start_line=1, end_line=2, content_hash=f"h{i}", size=100, mtime_ns=1,
                lexical=f"{name.replace('_', ' ')}\tsrc m x\t\t{words}",
            )  # fmt: skip
        )
    return rows, vectors


def exact_top10(vectors: np.ndarray, ids: np.ndarray, queries: np.ndarray) -> list[set[int]]:
    out = []
    for q in queries:
        scores = vectors @ q
        top = np.argpartition(-scores, 10)[:10]
        out.append({int(ids[t]) for t in top})
    return out


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def rss_of(pattern: str) -> int:
    """Resident bytes of the processes whose command line holds ``pattern`` (the Milvus server)."""
    out = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout.split()
    total = 0
    for pid in out:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def read_side(store: Any) -> Any:
    """The committed generation as a searcher reads it (``indexer.store_read.StoreGeneration``)."""
    if getattr(store, "target", None) is None:  # the local store (tests/store/conftest.py)
        return store.reader()
    from indexer.milvus import MilvusGeneration

    return MilvusGeneration(store)


def time_queries(store: Any, queries: np.ndarray, filters: Filters | None, first: dict[str, float] | None = None) -> tuple[list[float], list[set[int]]]:
    """Per query as the Searcher asks: the filters' allowed ids (local), then the dense top 10. ``first``
    gets ``first_query_ms``: the warm-up query (a Milvus reload, a FAISS file load)."""
    times, found = [], []
    filters = filters or Filters()
    t = time.perf_counter()
    generation = read_side(store)
    generation.dense(queries[0], 10, filters, generation.allowed_ids(filters))  # warm
    if first is not None:
        first["first_query_ms"] = (time.perf_counter() - t) * 1000
    for q in queries:
        t = time.perf_counter()
        hits = generation.dense(q, 10, filters, generation.allowed_ids(filters))
        times.append((time.perf_counter() - t) * 1000)
        found.append({i for i, _ in hits})
    return times, found


def legacy_commit(store: Any) -> None:
    """The commit before 1f1644d: no flush, no wait for the index build (rows stay in growing segments)."""
    store._seal = lambda name: None
    store._wait_for_index = lambda name: None


def recall(found: list[set[int]], exact: list[set[int]]) -> float:
    return float(np.mean([len(f & e) / 10 for f, e in zip(found, exact, strict=True)]))


def nprobe_sweep(store: Any, queries: np.ndarray, exact: list[set[int]], exact_f: list[set[int]], repo_filter: Filters, nprobes: list[int]) -> list[dict[str, float]]:
    """Recall@10 and latency per IVF nprobe, unfiltered and one repository (milvus-lite's IVF_FLAT)."""
    from indexer.milvus import collection

    default = collection.IVF_NPROBE
    out = []
    try:
        for nprobe in nprobes:
            collection.IVF_NPROBE = nprobe
            row: dict[str, float] = {"nprobe": nprobe}
            times, found = time_queries(store, queries, None)
            row["p50_ms"], row["p95_ms"] = float(np.percentile(times, 50)), float(np.percentile(times, 95))
            row["recall@10"] = recall(found, exact)
            times, found = time_queries(store, queries, repo_filter)
            row["filtered_p50_ms"], row["filtered_p95_ms"] = float(np.percentile(times, 50)), float(np.percentile(times, 95))
            row["filtered_recall@10"] = recall(found, exact_f)
            print(json.dumps(row), flush=True)
            out.append(row)
    finally:
        collection.IVF_NPROBE = default
    return out


def run_engine(kind: str, rows: list[StoredDocument], vectors: np.ndarray, queries: np.ndarray, work: Path, server_uri: str | None, partitions: int, nprobes: list[int]) -> dict[str, Any]:
    folder = work / kind
    folder.mkdir()
    if kind == "local":
        store: Any = local_adapter()(folder / "index")
    else:
        from indexer.milvus import MilvusStore

        if kind.startswith("milvus-server"):
            assert server_uri is not None
            uri = f"{server_uri}/bench_{kind.replace('-', '_')}"
        else:
            uri = f"milvus-lite:{folder / 'milvus.db'}"
        store = MilvusStore(uri, lexical_dir=folder / "lexical", timeout=3600, partitions=partitions)
        store.drop()
        if kind == "milvus-server-legacy":
            legacy_commit(store)
    result: dict[str, Any] = {"store": kind}
    t = time.perf_counter()
    store.begin(model="synthetic", fingerprint=f"synthetic-{vectors.shape[1]}", dim=vectors.shape[1])
    for start in range(0, len(rows), 10_000):
        store.upsert(rows[start : start + 10_000], vectors[start : start + 10_000])
    store.commit()
    result["insert_s"] = time.perf_counter() - t
    result["insert_docs_per_s"] = len(rows) / result["insert_s"]
    # a 1% change: those documents get other vectors (a reindex rewrites changed documents)
    rng = np.random.default_rng(1)
    changed = rng.choice(len(rows), len(rows) // 100, replace=False)
    original = vectors[changed].copy()  # restored at the end for the next engine
    new_vectors = vectors  # changed in place (a second copy of 1M vectors does not fit beside two stores)
    new_vectors[changed] = vectors[rng.permutation(changed)]
    t = time.perf_counter()
    store.begin(model="synthetic", fingerprint=f"synthetic-{vectors.shape[1]}", dim=vectors.shape[1])
    store.upsert([rows[i] for i in changed], new_vectors[changed])
    store.commit()
    result["reindex_1pct_s"] = time.perf_counter() - t
    ids = np.array([r.id for r in rows])
    exact = exact_top10(new_vectors, ids, queries)
    times, found = time_queries(store, queries, None, result)
    result["p50_ms"], result["p95_ms"] = float(np.percentile(times, 50)), float(np.percentile(times, 95))
    result["recall@10"] = recall(found, exact)
    repo_filter = Filters(repo="repo007")
    in_repo = np.array([r.repo == "repo007" for r in rows])
    exact_f = exact_top10(new_vectors[in_repo], ids[in_repo], queries)
    times, found = time_queries(store, queries, repo_filter)
    result["filtered_p50_ms"], result["filtered_p95_ms"] = float(np.percentile(times, 50)), float(np.percentile(times, 95))
    result["filtered_recall@10"] = recall(found, exact_f)
    if kind == "milvus-lite" and nprobes:
        result["nprobe_sweep"] = nprobe_sweep(store, queries, exact, exact_f, repo_filter, nprobes)
    if kind == "local":
        result["disk_mb"] = du(folder) / 2**20
        faiss_files = list((folder / "index").glob("vectors.*.faiss"))
        result["memory_mb"] = sum(f.stat().st_size for f in faiss_files) / 2**20  # the index a reader loads
    elif kind == "milvus-lite":
        result["disk_mb"] = du(folder) / 2**20
        result["memory_mb"] = rss_of(str(folder / "milvus.db")) / 2**20  # lite's engine process on this file
    else:
        result["disk_mb"] = du(work / "server" / "data") / 2**20  # the server's whole data folder
        result["memory_mb"] = rss_of("milvus run standalone") / 2**20
        store.drop()  # the next server engine starts from an empty, unloaded server
    store.close()
    vectors[changed] = original
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--documents", type=int, default=200_000)
    ap.add_argument("--dim", type=int, default=1024)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--engines", default="local,milvus-server")
    ap.add_argument("--partitions", type=int, default=64, help="partition-key buckets of the Milvus server collection")
    ap.add_argument("--nprobes", default="", help="milvus-lite IVF nprobe values to sweep after its run, e.g. 16,32,64,128")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    rows, vectors = corpus(args.documents, args.dim)
    rng = np.random.default_rng(2)
    queries = embed_latent(rng.standard_normal((args.queries, LATENT_DIM)).astype(np.float32), args.dim)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        server = None
        server_uri = None
        if "milvus-server" in args.engines:  # milvus-server, milvus-server-legacy
            from milvus import MilvusServer

            server = MilvusServer(wait_for_started=False)
            server.set_base_dir(str(work / "server"))
            started = time.perf_counter()
            server.start()
            server.wait_started(timeout=300_000)
            print(f"milvus server ready in {time.perf_counter() - started:.1f} s", flush=True)
            server_uri = f"milvus://127.0.0.1:{server.listen_port}"
        nprobes = [int(n) for n in args.nprobes.split(",") if n]
        try:
            for kind in args.engines.split(","):
                result = run_engine(kind, rows, vectors, queries, work, server_uri, args.partitions, nprobes)
                results.append(result)
                print(json.dumps(result), flush=True)
        finally:
            if server is not None:
                server.stop()
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps({"documents": args.documents, "dim": args.dim, "results": results}, indent=2))


if __name__ == "__main__":
    main()
