"""One contract, every store: the same writes give the same reads on the local store (SQLite + FTS5 +
FAISS), milvus-lite 2.5 and a Milvus 2.3.5 server (``conftest.py`` starts each for real).

Dense top-k is compared with exact inner-product search in numpy (ids and order; scores within 1e-4), so
every store gives the same hits. Lexical top-k is the local store's FTS5 ranking; a store whose lexical side
is FTS5 (local, and the sidecar of a server without BM25) gives the same ids, order and scores. Milvus's own
BM25 (milvus-lite, servers >= 2.5) weighs one field, not FTS5's four columns, so there the contract is the
same matching documents, not the same order.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from codesearch.errors import ExitCode, StoreUnavailableError
from codesearch.types import Symbol
from indexer.documents import symbol_documents
from indexer.lexical import TermVariants, name_spellings, query_terms
from indexer.milvus.rows import StoredDocument
from indexer.store_read import Filters

pytestmark = pytest.mark.milvus
STORES = pytest.mark.parametrize("kind", ["local", "milvus-lite", "milvus-server"])
DIM = 16
ROOTS = {"alpha": "/srv/alpha", "beta": "/srv/beta"}
# (repo, path, language, kind, name, qualified name, doc, code)
CORPUS = [
    ("alpha", "src/net/retry.py", "python", "function", "retry_with_backoff", "retry_with_backoff",
     "Retry a failed HTTP request with exponential backoff.",
     "def retry_with_backoff(request, attempts=5):\n    for attempt in range(attempts):\n        sleep(2 ** attempt)"),
    ("alpha", "src/net/retry.py", "python", "class", "RateLimiter", "RateLimiter",
     "Allow at most `rate` calls per second.", "class RateLimiter:\n    def wait(self):\n        sleep(self.gap)"),
    ("alpha", "src/net/client.py", "python", "function", "fetch_json", "fetch_json",
     "Fetch a URL and parse the JSON body.", "def fetch_json(url):\n    return json.loads(get(url).body)"),
    ("alpha", "src/config/load.go", "go", "function", "LoadConfig", "LoadConfig",
     "LoadConfig reads KEY=VALUE lines and merges environment variables.",
     "func LoadConfig(path string) (map[string]string, error) {\n\treturn mergeEnv(readLines(path))\n}"),
    ("alpha", "src/config/load.go", "go", "function", "mergeEnv", "mergeEnv",
     "", "func mergeEnv(cfg map[string]string) map[string]string {\n\treturn cfg\n}"),
    ("alpha", "tests/test_retry.py", "python", "function", "test_retry_with_backoff", "test_retry_with_backoff",
     "", "def test_retry_with_backoff():\n    assert retry_with_backoff(flaky) == 1"),
    ("beta", "lib/http/retry.ts", "typescript", "function", "retryWithBackoff", "retryWithBackoff",
     "Retries a fetch with backoff and jitter.", "export async function retryWithBackoff(fn) {\n  return fn();\n}"),
    ("beta", "lib/http/cache.ts", "typescript", "function", "cacheResponse", "cacheResponse",
     "Cache an HTTP response by URL.", "export function cacheResponse(url, body) {\n  cache.set(url, body);\n}"),
    ("beta", "lib/parse/csv.rs", "rust", "function", "parse_csv_line", "parse_csv_line",
     "Split one CSV line into fields.", "fn parse_csv_line(line: &str) -> Vec<String> {\n    line.split(',')\n}"),
    ("beta", "lib/parse/json.rs", "rust", "function", "parse_json", "parse_json",
     "Parse a JSON document.", "fn parse_json(text: &str) -> Value {\n    serde_json::from_str(text)\n}"),
    ("beta", "cmd/main.go", "go", "function", "main", "main",
     "", "func main() {\n\tcfg := LoadConfig(os.Args[1])\n\tserve(cfg)\n}"),
    ("beta", "docs/réponse.py", "python", "function", "réponse_http", "réponse_http",
     "Construit la réponse HTTP.", "def réponse_http(corps):\n    return Réponse(corps)"),
]  # fmt: skip


NO_FILTERS = Filters()


def read(store: Any) -> Any:
    """The store's committed generation, as a searcher opens it (``StoreGeneration``)."""
    if getattr(store, "target", None) is None:  # the local store
        return store.reader()
    from indexer.milvus import MilvusGeneration

    return MilvusGeneration(store)


# -- the read side, as the search pipeline calls it (``indexer.store_read.StoreGeneration``) -------------------


def dense(store: Any, vector: np.ndarray, k: int, filters: Filters = NO_FILTERS) -> list[tuple[int, float]]:
    generation = read(store)
    return generation.dense(vector, k, filters, generation.allowed_ids(filters))  # type: ignore[no-any-return]


def lexical(
    store: Any,
    terms: list[str],
    k: int,
    filters: Filters = NO_FILTERS,
    weights: Any = None,
    variants: Any = None,
) -> list[tuple[int, float]]:
    generation = read(store)
    allowed = generation.allowed_ids(filters)
    return generation.lexical(terms, k, filters, allowed, weights, variants)  # type: ignore[no-any-return]


def exact_names(store: Any, spellings: list[str], filters: Filters = NO_FILTERS) -> list[int]:
    return sorted(read(store).exact_names(spellings, filters))


def rows_of(store: Any, ids: list[int]) -> dict[int, dict[str, Any]]:
    return {i: dict(row) for i, row in read(store).rows(ids).items()}


def corpus_rows() -> list[StoredDocument]:
    rows = []
    for n, (repo, path, language, kind, name, qualified, doc, code) in enumerate(CORPUS, start=1):
        lines = code.count("\n") + 1
        symbol = Symbol(
            repo, path, language, kind, name, qualified, code.splitlines()[0], doc, code, 10, 9 + lines, 0, 0
        )
        (document,) = symbol_documents(symbol)
        file_facts = {
            "size": 100 + len(path),
            "mtime_ns": 1_000 + len(path),
        }  # a file's, shared by its symbols
        rows.append(StoredDocument.of(n * 10, document, root=ROOTS[repo], **file_facts))
    return rows


def unit_vectors(n: int, dim: int, seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def allowed(row: StoredDocument, f: Filters) -> bool:
    return (
        (f.repo is None or row.repo == f.repo)
        and (f.lang is None or row.language == f.lang.lower())
        and (f.kind is None or row.kind == f.kind)
        and (f.glob is None or fnmatch.fnmatchcase(row.path, f.glob))
    )


def exact_top_k(
    rows: list[StoredDocument], vectors: np.ndarray, query: np.ndarray, k: int, f: Filters
) -> list[tuple[int, float]]:
    keep = [i for i, r in enumerate(rows) if allowed(r, f)]
    scores = vectors[keep] @ query
    order = np.argsort(-scores, kind="stable")[:k]
    return [(rows[keep[i]].id, float(scores[i])) for i in order]


def same_ranking(got: list[tuple[int, float]], want: list[tuple[int, float]], tolerance: float) -> None:
    assert [i for i, _ in got] == [i for i, _ in want]
    assert np.allclose([s for _, s in got], [s for _, s in want], atol=tolerance, rtol=tolerance)


FILTERS = [
    Filters(),
    Filters(repo="alpha"),
    Filters(lang="go"),
    Filters(lang="Python"),  # the CLI lower-cases a language
    Filters(path_glob="retry"),  # no wildcard: anywhere in the path
    Filters(path_glob="lib/*/*.rs"),
    Filters(kind="class"),
    Filters(repo="beta", lang="typescript"),
    Filters(repo="beta", path_glob="src/*"),  # matches nothing
]


def fill(store: Any) -> tuple[list[StoredDocument], np.ndarray]:
    rows, vectors = corpus_rows(), unit_vectors(len(CORPUS), DIM, seed=1)
    assert store.begin(model="test", fingerprint="fp-16", dim=DIM) is True
    store.upsert(rows, vectors)
    generation = store.commit()
    assert (generation.fingerprint, generation.dim, generation.documents) == ("fp-16", DIM, len(rows))
    return rows, vectors


def filled(make_store: Any, kind: str) -> tuple[Any, list[StoredDocument], np.ndarray]:
    """A store of its own, holding the corpus (for tests that write)."""
    store = make_store(kind)
    return (store, *fill(store))


def shared(make_shared_store: Any, kind: str) -> tuple[Any, list[StoredDocument], np.ndarray]:
    """The module's store of ``kind``, holding the corpus (for tests that only read)."""
    store, (rows, vectors) = make_shared_store(kind, fill)
    return store, rows, vectors


@STORES
def test_rows_by_id_give_every_display_field(make_shared_store: Any, kind: str) -> None:
    store, rows, _ = shared(make_shared_store, kind)
    got = rows_of(store, [r.id for r in rows] + [99_999])
    assert set(got) == {r.id for r in rows}  # an unknown id is left out
    for r in rows:
        assert got[r.id] == {
            "id": r.id, "repo": r.repo, "root": r.root, "path": r.path, "language": r.language, "kind": r.kind,
            "name": r.name, "qualified_name": r.qualified_name, "signature": r.signature, "doc": r.doc,
            "code": r.code, "start_line": r.start_line, "end_line": r.end_line, "content_hash": r.content_hash,
            "size": r.size, "mtime_ns": r.mtime_ns,
        }  # fmt: skip


@STORES
def test_upsert_of_a_known_id_replaces_its_document(make_store: Any, kind: str) -> None:
    store, rows, vectors = filled(make_store, kind)
    store.begin(model="test", fingerprint="fp-16", dim=DIM)
    changed = replace(rows[2], code="def fetch_json(url):\n    return None", content_hash="new")
    store.upsert([changed], vectors[5:6])
    generation = store.commit()
    assert generation.documents == len(rows) and generation.generation == 2
    assert rows_of(store, [changed.id])[changed.id]["code"] == changed.code
    top = dense(store, vectors[5], 2)  # two documents now hold that vector: the old one and the new
    assert {i for i, _ in top} == {rows[5].id, changed.id}
    assert [s for _, s in top] == pytest.approx([1.0, 1.0], abs=1e-4)


@STORES
@pytest.mark.parametrize("filters", FILTERS, ids=repr)
def test_dense_top_k_is_exact_search_with_filters(
    make_shared_store: Any, kind: str, filters: Filters
) -> None:
    store, rows, vectors = shared(make_shared_store, kind)
    for query in [vectors[3], *unit_vectors(3, DIM, seed=7)]:
        want = exact_top_k(rows, vectors, query, 5, filters)
        same_ranking(dense(store, query, 5, filters), want, 1e-4)


@STORES
def test_a_k_past_sqlites_integers_reads_every_match(make_shared_store: Any, kind: str) -> None:
    """A library caller may ask for any k: a LIMIT past SQLite's integers overflowed (FTS5: local, sidecar)."""
    store, rows, vectors = shared(make_shared_store, kind)
    terms = query_terms("retry backoff")
    want = lexical(store, terms, len(rows))
    assert len(want) == 4
    same_ranking(lexical(store, terms, 2**63), want, 1e-6)
    same_ranking(dense(store, vectors[3], 2**63), dense(store, vectors[3], len(rows)), 1e-6)


LEXICAL = [
    ("retry backoff", Filters()),
    ("parse json", Filters()),
    ("parse json", Filters(repo="beta", path_glob="*.rs")),
    ("config environment", Filters(lang="go")),
    ("réponse http", Filters()),  # accents fold, as FTS5's tokenizer folds them
    ("cache url", Filters(kind="class")),  # no match under the filter
]


@STORES
@pytest.mark.parametrize("query, filters", LEXICAL, ids=[q for q, _ in LEXICAL])
def test_lexical_top_k_matches_the_local_ranking(
    make_shared_store: Any, kind: str, query: str, filters: Filters
) -> None:
    reference, _, _ = shared(make_shared_store, "local")
    store, _, _ = shared(make_shared_store, kind)
    terms = query_terms(query)
    want = lexical(reference, terms, 20, filters)
    got = lexical(store, terms, 20, filters)
    if getattr(store, "bm25", False):  # Milvus's BM25: one field, its own parameters
        assert {i for i, _ in got} == {i for i, _ in want}
        assert all(s > 0 for _, s in got)
    else:
        same_ranking(got, want, 1e-6)
    if query == "retry backoff":
        # the three retry functions and RateLimiter (in retry.py): no vacuous pass on an empty ranking
        assert len(want) == 4


@STORES
def test_a_querys_own_column_weights_rank_as_the_local_store_ranks_under_them(
    make_shared_store: Any, kind: str
) -> None:
    reference, _, _ = shared(make_shared_store, "local")
    store, _, _ = shared(make_shared_store, kind)
    terms = query_terms("retry backoff sleep")
    code_only = (0.0, 0.0, 0.0, 1.0)
    want = lexical(reference, terms, 20, weights=code_only)
    assert len(want) == 4 and want != lexical(reference, terms, 20)  # the weights tell
    got = lexical(store, terms, 20, weights=code_only)
    if getattr(store, "bm25", False):  # Milvus's BM25: one field, no columns to weigh
        assert {i for i, _ in got} >= {i for i, s in want if s > 0}
    else:
        same_ranking(got, want, 1e-6)


@STORES
@pytest.mark.parametrize("filters", [Filters(), Filters(repo="alpha")], ids=["all", "alpha"])
def test_a_words_inflected_forms_count_as_the_local_store_counts_them(
    make_shared_store: Any, kind: str, filters: Filters
) -> None:
    reference, _, _ = shared(make_shared_store, "local")
    store, _, _ = shared(make_shared_store, kind)
    terms = query_terms("retries fetching")
    variants = TermVariants({"retries": ("retry",), "fetching": ("fetch",)}, share=0.5)
    want = lexical(reference, terms, 20, filters, variants=variants)
    plain = lexical(reference, terms, 20, filters)
    assert {i for i, _ in want} > {i for i, _ in plain}  # found through "retry" and "fetch": no vacuous pass
    got = lexical(store, terms, 20, filters, variants=variants)
    if getattr(store, "bm25", False):  # Milvus's BM25 ranks the words as given
        assert {i for i, _ in got} == {i for i, _ in plain}
    else:
        same_ranking(got, want, 1e-6)


@STORES
def test_common_words_are_the_words_most_documents_hold_most_common_first(
    make_shared_store: Any, kind: str
) -> None:
    reference, _, _ = shared(make_shared_store, "local")
    store, _, _ = shared(make_shared_store, kind)
    want = read(reference).common_words(8)
    assert len(want) == 8 and all(re.fullmatch("[a-z]{3,}", w) for w in want)
    held = [len(lexical(reference, [w], 100)) for w in want]  # how many documents hold each
    assert held == sorted(held, reverse=True) and held[0] > held[-1]
    assert read(reference).common_words(3) == want[:3]
    got = read(store).common_words(8)
    if getattr(store, "bm25", False):  # Milvus's own BM25 does not list its vocabulary
        assert got == []
    else:
        assert got == want


@STORES
def test_exact_names_match_any_spelling_of_a_name_under_filters(make_shared_store: Any, kind: str) -> None:
    store, rows, _ = shared(make_shared_store, kind)
    ids = {r.name: r.id for r in rows}
    spellings = name_spellings("RetryWithBackoff")
    assert exact_names(store, spellings) == sorted([ids["retry_with_backoff"], ids["retryWithBackoff"]])
    assert exact_names(store, spellings, Filters(repo="beta")) == [ids["retryWithBackoff"]]
    assert exact_names(store, name_spellings("LOADCONFIG"), Filters(path_glob="*.go")) == [ids["LoadConfig"]]
    assert exact_names(store, ["nothing_here"]) == []


@STORES
def test_delete_file_removes_its_documents_from_every_read(make_store: Any, kind: str) -> None:
    store, rows, vectors = filled(make_store, kind)
    store.begin(model="test", fingerprint="fp-16", dim=DIM)
    gone = store.delete_file("alpha", "src/net/retry.py")
    assert sorted(gone) == [rows[0].id, rows[1].id]
    assert store.delete_file("alpha", "no/such/file.py") == []
    generation = store.commit()
    assert (generation.generation, generation.documents) == (2, len(rows) - 2)
    kept = [r for r in rows if r.id not in gone]
    kept_vectors = vectors[[i for i, r in enumerate(rows) if r.id not in gone]]
    assert rows_of(store, gone) == {}
    same_ranking(dense(store, vectors[0], 4), exact_top_k(kept, kept_vectors, vectors[0], 4, Filters()), 1e-4)
    assert not set(gone) & {i for i, _ in lexical(store, ["retry", "backoff"], 20)}
    assert exact_names(store, name_spellings("retry_with_backoff")) == [rows[6].id]


@STORES
def test_a_model_change_swaps_in_a_new_generation_as_a_whole(make_store: Any, kind: str) -> None:
    store, rows, old_vectors = filled(make_store, kind)
    new_dim = 8
    new_vectors = unit_vectors(len(rows) - 1, new_dim, seed=3)
    assert store.begin(model="other", fingerprint="fp-8", dim=new_dim) is True
    store.upsert(rows[1:], new_vectors)
    if kind != "local":  # readers keep the old generation until the commit moves the pointer (the alias)
        assert store.manifest().fingerprint == "fp-16"
        same_ranking(
            dense(store, old_vectors[0], 3),
            exact_top_k(rows, old_vectors, old_vectors[0], 3, Filters()),
            1e-4,
        )
    generation = store.commit()
    assert (generation.model, generation.fingerprint, generation.dim) == ("other", "fp-8", new_dim)
    assert generation.documents == len(rows) - 1 and generation.generation == 2
    assert rows_of(store, [rows[0].id]) == {}
    query = unit_vectors(1, new_dim, seed=9)[0]
    same_ranking(dense(store, query, 5), exact_top_k(rows[1:], new_vectors, query, 5, Filters()), 1e-4)


def test_a_server_that_does_not_answer_is_one_line_with_its_exit_code(tmp_path: Any) -> None:
    import socket

    from indexer.milvus import MilvusStore

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(StoreUnavailableError) as err:
        MilvusStore(f"milvus://127.0.0.1:{port}", timeout=2)
    assert err.value.exit_code == ExitCode.STORE_UNAVAILABLE
    assert f"127.0.0.1:{port}" in str(err.value) and "\n" not in str(err.value)


def test_a_server_older_than_supported_is_refused_with_its_version(
    milvus_server: str, monkeypatch: Any
) -> None:
    from indexer.milvus import MilvusStore, connection

    monkeypatch.setattr(connection, "MIN_SERVER", (9, 0))  # the real 2.3.5 server plays an old one
    with pytest.raises(StoreUnavailableError, match=r"runs Milvus v2\.3\.5.*needs Milvus 9\.0"):
        MilvusStore(f"{milvus_server}/old")


def test_a_server_commit_seals_and_indexes_every_row_it_wrote(make_store: Any) -> None:
    """A commit leaves no row in a growing segment (a reload would replay them through the query node, and
    a search scans them brute force) and returns once the index holds them: the first fill and an
    incremental run alike. (The server's index description counts sealed rows only.)

    What is checked is the description the commit itself last read before returning: read again afterwards,
    the server may already be compacting the sealed segments and re-indexing the merged one (a CI run saw
    ``pending_index_rows`` 6 there), which is the server's background work, not a row the commit left."""
    store = make_store("milvus-server")
    seen: list[dict[str, Any]] = []
    describe = store.client.describe_index

    def describe_and_keep(*args: Any, **kwargs: Any) -> dict[str, Any]:
        seen.append(answer := describe(*args, **kwargs))
        return answer  # type: ignore[no-any-return]

    store.client.describe_index = describe_and_keep
    rows, vectors = corpus_rows(), unit_vectors(len(CORPUS), DIM, seed=1)
    for part in (slice(0, -2), slice(-2, None)):  # the first fill, then an incremental run
        store.begin(model="test", fingerprint="fp-16", dim=DIM)
        store.upsert(rows[part], vectors[part])
        seen.clear()
        store.commit()
        assert seen, "the commit returned without reading the index's progress"
        index = seen[-1]
        written = len(rows) if part.start else len(rows) - 2
        assert (index["total_rows"], index["indexed_rows"]) == (written, written)
        assert index["pending_index_rows"] == 0


@pytest.mark.parametrize("kind", ["milvus-lite", "milvus-server"])
def test_past_the_ann_threshold_lite_stays_exact_and_a_server_builds_hnsw(
    make_store: Any, kind: str, monkeypatch: Any
) -> None:
    """milvus-lite's IVF_FLAT found 40% of the true top 10 at 100k x 512 whatever the nprobe (FLAT: all of
    it, 24.5 ms a query; benchmarks/results/2026-12-06-milvus-store-scale-100k.md): lite keeps a FLAT index
    past the ANN threshold, and a server builds HNSW. The ranking is exact on lite either way."""
    from indexer.milvus import collection

    monkeypatch.setattr(collection, "ANN_THRESHOLD", 4)
    store = make_store(kind)
    rows, vectors = corpus_rows(), unit_vectors(len(CORPUS), DIM, seed=1)
    store.begin(model="test", fingerprint="fp-16", dim=DIM)
    store.upsert(rows, vectors)
    store.commit()
    state = store.refresh()
    wanted = "FLAT" if kind == "milvus-lite" else "HNSW"
    assert state["index_type"] == wanted
    assert store.client.describe_index(state["collection"], "vector")["index_type"] == wanted
    if kind == "milvus-lite":
        from indexer.milvus import MilvusGeneration

        generation = MilvusGeneration(store)
        exact = np.argsort(-(vectors @ vectors[0]))[:3]
        hits = generation.dense(vectors[0], 3, Filters(), None)
        assert [i for i, _ in hits] == [rows[j].id for j in exact]
