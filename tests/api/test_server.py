"""Every route of the HTTP API on a real uvicorn, over an index built with the real bundled model."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from codesearch.api.server import create_app
from codesearch.search import Searcher
from codesearch.settings import Settings

HIT_KEYS = {
    "rank",
    "score",
    "repo",
    "path",
    "abs_path",
    "language",
    "kind",
    "name",
    "qualified_name",
    "start_line",
    "end_line",
    "signature",
    "snippet",
}


@pytest.fixture(scope="module")
def served(api_index, use_embedder, serve_app):
    searcher = Searcher(api_index.index_dir, use_embedder)
    app = create_app(Settings(index_dir=api_index.index_dir), searcher=searcher)
    with serve_app(app) as url:
        yield url, searcher, app


def _without_timing(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if k != "took_ms"}


def _same_ranking(a: dict, b: dict) -> bool:
    """The same hits in the same order, scores equal up to float noise (a batched matrix product and a
    single one may differ in the last digits on a loaded machine)."""
    hits_a, hits_b = a["hits"], b["hits"]
    if a["query"] != b["query"] or len(hits_a) != len(hits_b):
        return False
    for x, y in zip(hits_a, hits_b, strict=True):
        scores = {k for k in x if k.endswith("score")}
        if {k: v for k, v in x.items() if k not in scores} != {k: v for k, v in y.items() if k not in scores}:
            return False
        if scores != {k for k in y if k.endswith("score")}:
            return False
        if any(abs(x[k] - y[k]) > 1e-4 for k in scores):
            return False
    return True


def test_search_answers_the_cli_json_for_the_same_query(served, api_index, use_embedder) -> None:
    url, _, _ = served
    r = httpx.post(f"{url}/search", json={"query": "retry a failed HTTP request with backoff", "k": 3})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"query", "took_ms", "hits"} and body["took_ms"] >= 0
    assert all(set(hit) == HIT_KEYS for hit in body["hits"])
    assert body["hits"][0]["name"] == "retry_with_backoff"
    # the same object an in-process Searcher (what `codesearch search --json` prints) gives
    expected = Searcher(api_index.index_dir, use_embedder).search(body["query"], k=3).to_json()
    assert _without_timing(body) == _without_timing(expected)


def test_search_filters_mode_and_explain(served) -> None:
    url, _, _ = served
    r = httpx.post(f"{url}/search", json={"query": "load a configuration file", "lang": "go", "k": 5})
    assert r.status_code == 200 and r.json()["hits"]
    assert {h["language"] for h in r.json()["hits"]} == {"go"}
    r = httpx.post(f"{url}/search", json={"query": "password", "path": "src/auth/*", "mode": "lexical"})
    assert [h["path"] for h in r.json()["hits"]] == ["src/auth/tokens.py"] * len(r.json()["hits"])
    assert r.json()["hits"]
    r = httpx.post(f"{url}/search", json={"query": "computeCartTotal", "explain": True, "kind": "function"})
    top = r.json()["hits"][0]
    assert top["name"] == "computeCartTotal" and top["why"]["exact_name"] is True and "also_at" in top
    # filter values as the CLI takes them: aliases accepted, anything else one 400 listing the valid values
    r = httpx.post(
        f"{url}/search", json={"query": "load a configuration file", "lang": "golang", "kind": "func"}
    )
    assert r.status_code == 200 and {h["language"] for h in r.json()["hits"]} == {"go"}
    r = httpx.post(f"{url}/search", json={"query": "anything", "repo": "no-such-repo"})
    assert r.status_code == 400 and "valid values: shop" in r.json()["error"]["message"]
    r = httpx.post(f"{url}/search", json={"query": "anything", "lang": "klingon"})
    assert r.status_code == 400 and "python" in r.json()["error"]["message"]
    # a NUL ended the glob where SQLite read it (`*\0*` was `*`): every path matched; no path has a NUL
    r = httpx.post(f"{url}/search", json={"query": "anything", "path": "\u0000"})
    assert r.status_code == 400 and "NUL" in r.json()["error"]["message"]


def test_search_path_globs_as_the_cli_reads_them(served, api_index) -> None:
    """An absolute glob inside an indexed root is read from that root; one outside every root, or one with
    an unclosed `[`, is a 400 saying so (both answered 200 with no hits)."""
    url, _, _ = served
    for glob in (f"{api_index.root}/src/auth/*", f"{api_index.root}/src/auth"):
        r = httpx.post(f"{url}/search", json={"query": "password", "path": glob, "mode": "lexical"})
        assert r.status_code == 200 and r.json()["hits"], glob
        assert {h["path"] for h in r.json()["hits"]} == {"src/auth/tokens.py"}, glob
    outside = f"{api_index.root.parent}/elsewhere/*"
    r = httpx.post(f"{url}/search", json={"query": "password", "path": outside})
    assert r.status_code == 400 and outside in r.json()["error"]["message"]
    r = httpx.post(f"{url}/search", json={"query": "password", "path": "src/[auth"})
    message = r.json()["error"]["message"]
    assert r.status_code == 400 and "src/[auth" in message and "never closed" in message


def test_concurrent_searches_share_embedding_batches_and_match_one_by_one(served, api_index) -> None:
    url, searcher, app = served
    queries = [f"{q} {i}" for i in range(4) for q in ("hash a password", "merge environment variables")]

    async def fire() -> list[dict]:
        async with httpx.AsyncClient(timeout=30) as client:
            replies = await asyncio.gather(
                *(client.post(f"{url}/search", json={"query": q}) for q in queries)
            )
        return [r.json() for r in replies]

    batcher = app.state.api.batcher
    before_batches, before_queries = batcher.stats.batches, batcher.stats.queries
    direct_before = searcher.queries_embedded
    bodies = asyncio.run(fire())
    assert batcher.stats.queries - before_queries == len(queries)
    assert batcher.stats.batches - before_batches < len(queries)  # some requests shared a model call
    assert searcher.queries_embedded == direct_before  # every vector came from the batcher
    one_by_one = httpx.post(f"{url}/search", json={"query": queries[3]}).json()
    assert _same_ranking(bodies[3], one_by_one)


def test_status_is_the_cli_status_object(served, api_index) -> None:
    url, searcher, _ = served
    r = httpx.get(f"{url}/status")
    assert r.status_code == 200
    assert r.json() == searcher.status()
    assert r.json()["model"] == "use" and r.json()["repos"][0]["root"] == str(api_index.root)


def test_symbol_by_location_and_by_id_reads_the_code_now(served, api_index) -> None:
    url, _, _ = served
    hit = httpx.post(f"{url}/search", json={"query": "verify_password"}).json()["hits"][0]
    ref = f"{hit['repo']}/{hit['path']}:{hit['start_line']}"
    r = httpx.get(f"{url}/symbols/{ref}")
    assert r.status_code == 200
    symbol = r.json()
    assert symbol["qualified_name"] == "verify_password" and symbol["stale"] is False
    assert symbol["code"].startswith("def verify_password") and "compare_digest" in symbol["code"]
    by_id = httpx.get(f"{url}/symbols/{symbol['id']}").json()
    assert by_id == symbol
    # the file changes on disk: the code is read now and the symbol says it is stale
    path = api_index.root / "src/auth/tokens.py"
    original = path.read_text()
    try:
        path.write_text(original.replace("hmac.compare_digest", "secrets.compare_digest"))
        changed = httpx.get(f"{url}/symbols/{symbol['id']}").json()
        assert "secrets.compare_digest" in changed["code"] and changed["stale"] is True
    finally:
        path.write_text(original)


def test_unknown_symbols_and_jobs_are_404_with_one_line(served) -> None:
    url, _, _ = served
    for route in ("/symbols/999999", "/symbols/shop/nowhere.py:3", "/jobs/nope", "/no-such-route"):
        r = httpx.get(f"{url}{route}")
        assert r.status_code == 404, route
        assert set(r.json()) == {"error"} and "\n" not in r.json()["error"]["message"]
    r = httpx.get(f"{url}/symbols/not-a-ref")
    assert r.status_code == 422 and "ref" in r.json()["error"]["message"]


def test_out_of_range_numbers_are_4xx_never_500(served, api_index) -> None:
    """Ids and lines past SQLite's integers, past Python's digit limit, or in other scripts' digits."""
    url, _, _ = served
    huge, endless = "9" * 26, "7" * 5000
    for route in (
        f"/symbols/{huge}",
        f"/symbols/{endless}",
        f"/symbols/{api_index.root.name}/src/auth/tokens.py:{huge}",
        f"/symbols/{api_index.root.name}/src/auth/tokens.py:{endless}",
        "/symbols/\u0663",  # ARABIC-INDIC DIGIT THREE: str.isdigit() says yes, int() says no
        "/symbols/x.py:\u00b2",  # SUPERSCRIPT TWO
        f"/jobs/{endless}",
    ):
        r = httpx.get(f"{url}{route}")
        assert 400 <= r.status_code < 500, (route[:60], r.status_code)
        assert set(r.json()) == {"error"} and "\n" not in r.json()["error"]["message"]
    for k in (huge, endless, "1e400", "-" + huge):
        body = '{"query": "hash a password", "k": ' + k + "}"
        r = httpx.post(f"{url}/search", content=body, headers={"content-type": "application/json"})
        assert 400 <= r.status_code < 500, (body[:60], r.status_code)
    for dimensions in (huge, endless):
        body = '{"input": ["a"], "dimensions": ' + dimensions + "}"
        r = httpx.post(f"{url}/v1/embeddings", content=body, headers={"content-type": "application/json"})
        assert 400 <= r.status_code < 500, (body[:60], r.status_code)


def _wait_for(url: str, job: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = httpx.get(f"{url}/jobs/{job}").json()
        assert body["state"] in ("queued", "running", "done", "failed")
        if body["state"] in ("done", "failed"):
            return body
        time.sleep(0.1)
    raise AssertionError(f"job {job} did not finish")


def test_index_job_reindexes_in_the_background_and_search_sees_the_change(served, api_index) -> None:
    url, _, _ = served
    new = api_index.root / "src/geo/distance.py"
    new.parent.mkdir(parents=True, exist_ok=True)
    new.write_text(
        "import math\n\n\ndef haversine_distance(lat1, lon1, lat2, lon2):\n"
        '    """Great-circle distance in kilometres between two points on Earth."""\n'
        "    p1, p2 = math.radians(lat1), math.radians(lat2)\n"
        "    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2\n"
        "    return 6371 * 2 * math.asin(math.sqrt(a))\n"
    )
    try:
        r = httpx.post(f"{url}/index", json={"paths": [str(new.parent)]})  # a path inside the root
        assert r.status_code == 202 and set(r.json()) == {"job"}
        job = _wait_for(url, r.json()["job"])
        assert job["state"] == "done" and job["error"] is None, job
        assert job["report"]["roots"] == [str(api_index.root)] and job["report"]["files_parsed"] == 1
        assert job["progress"]["stage"] == "done"
        hits = httpx.post(f"{url}/search", json={"query": "great-circle distance between two points"}).json()
        assert hits["hits"][0]["name"] == "haversine_distance"
    finally:
        new.unlink()
        _wait_for(url, httpx.post(f"{url}/index", json={"paths": None}).json()["job"])
    assert httpx.post(f"{url}/search", json={"query": "haversine_distance"}).json()["hits"][0]["name"] != (
        "haversine_distance"
    )


def test_index_refuses_a_relative_path_whatever_the_servers_folder(served, api_index, monkeypatch) -> None:
    """A relative path would be read from the server's working folder, which the client does not know: from
    inside an indexed root, a path that names nothing there reindexed the whole root (202)."""
    url, _, _ = served
    monkeypatch.chdir(api_index.root)
    for relative in ("doesnotexist", "src", "./src/../src"):
        r = httpx.post(f"{url}/index", json={"paths": [relative]})
        assert r.status_code == 404, (relative, r.text)  # as for a path outside the roots
        assert "absolute" in r.json()["error"]["message"]


def test_openai_embeddings_are_the_loaded_models_vectors(served, use_embedder) -> None:
    url, _, _ = served
    texts = ["def add(a, b): return a + b", "读取配置文件"]
    r = httpx.post(f"{url}/v1/embeddings", json={"input": texts, "model": "use"})
    assert r.status_code == 200
    got = np.array([d["embedding"] for d in r.json()["data"]], dtype=np.float32)
    np.testing.assert_allclose(got, use_embedder.embed_documents(texts), atol=1e-5)


def test_healthz_and_openapi_docs_with_examples(served) -> None:
    url, _, _ = served
    assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}
    assert "swagger" in httpx.get(f"{url}/docs").text.lower()
    spec = httpx.get(f"{url}/openapi.json").json()
    for route in (
        "/search",
        "/symbols/{ref}",
        "/index",
        "/jobs/{job_id}",
        "/status",
        "/healthz",
        "/v1/embeddings",
    ):
        assert route in spec["paths"], route
    examples = spec["components"]["schemas"]["SearchRequest"]["examples"]
    assert any("读取" in e["query"] for e in examples)


def test_searcher_built_lazily_from_settings_and_missing_index_is_503(
    tmp_path: Path, serve_app, api_index
) -> None:
    missing = create_app(Settings(index_dir=tmp_path / "none", model="use"))
    with serve_app(missing) as url:
        r = httpx.post(f"{url}/search", json={"query": "x"})
        assert r.status_code == 503 and "codesearch index" in r.json()["error"]["message"]
        assert httpx.get(f"{url}/status").status_code == 503
    lazy = create_app(Settings(index_dir=api_index.index_dir))
    with serve_app(lazy) as url:
        hits = httpx.post(f"{url}/search", json={"query": "hash a password with a salt"}).json()["hits"]
        assert hits[0]["name"] == "hash_password"


def test_own_searchers_share_one_dense_scan_per_batch_and_answer_like_a_plain_searcher(
    api_index, use_embedder, serve_app
) -> None:
    app = create_app(Settings(index_dir=api_index.index_dir), workers=2)
    queries = ["hash a password with a salt", "merge environment variables", "total price of a cart", "slug"]
    queries = queries * 4
    with serve_app(app) as url:
        pool = app.state.api.pool
        assert len(pool.searchers) == 2  # opened at startup
        assert (
            pool.searchers[0].generation.vectors is pool.searchers[1].generation.vectors
        )  # one copy of the vectors

        async def fire() -> list[dict]:
            async with httpx.AsyncClient(timeout=30) as client:
                replies = await asyncio.gather(
                    *(client.post(f"{url}/search", json={"query": q}) for q in queries)
                )
            return [r.json() for r in replies]

        bodies = asyncio.run(fire())
        filtered = httpx.post(f"{url}/search", json={"query": queries[0], "lang": "python"}).json()
    assert sum(s.scans_skipped for s in pool.searchers) == len(
        queries
    )  # every unfiltered dense ranking batched
    assert app.state.api.batcher.stats.batches < len(queries)
    plain = Searcher(api_index.index_dir, use_embedder)
    for query, body in zip(queries, bodies, strict=True):
        _assert_same_hits(body, plain.search(query).to_json())
    _assert_same_hits(filtered, plain.search(queries[0], lang="python").to_json())


def _assert_same_hits(got: dict, expected: dict) -> None:
    """The same hits in the same order; scores equal up to float rounding (a batched scan is one GEMM)."""
    assert got["query"] == expected["query"]
    strip = [{k: v for k, v in h.items() if k != "score"} for h in got["hits"]]
    assert strip == [{k: v for k, v in h.items() if k != "score"} for h in expected["hits"]]
    for a, b in zip(got["hits"], expected["hits"], strict=True):
        assert abs(a["score"] - b["score"]) < 1e-4


def test_a_spanish_query_is_answered_when_apertium_fails(
    served, tmp_path, monkeypatch, caplog, apertium_stand_in
) -> None:
    """The translator is a separate program: its failure costs the query its translation, never a 5xx."""
    import logging

    from codesearch import apertium, translate

    program = apertium_stand_in(tmp_path, "echo 'Error: broken pair' >&2\nexit 1\n")
    monkeypatch.setenv("CODESEARCH_APERTIUM", str(program))
    for cached in (translate._translator, translate.dictionary_settings):
        cached.cache_clear()
    monkeypatch.setattr(apertium, "_warned", set())
    url, _, _ = served
    try:
        with caplog.at_level(logging.WARNING, logger="codesearch.apertium"):
            r = httpx.post(f"{url}/search", json={"query": "reintentar una petición HTTP fallida", "k": 3})
        assert r.status_code == 200, r.text
        assert r.json()["hits"]
        assert any("broken pair" in rec.getMessage() for rec in caplog.records)
    finally:
        for cached in (translate._translator, translate.dictionary_settings):
            cached.cache_clear()
