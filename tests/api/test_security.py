"""Safe by default, on a real uvicorn: the token, bounded requests, no escape from the indexed roots, CORS."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from codesearch.api.security import check_bind, is_loopback
from codesearch.api.server import create_app
from codesearch.errors import ConfigError
from codesearch.search import Searcher
from codesearch.settings import Settings

TOKEN = "s3cret-token-0123456789"
ROUTES = [
    ("POST", "/search", {"query": "retry"}),
    ("GET", "/status", None),
    ("GET", "/symbols/1", None),
    ("POST", "/index", {"paths": None}),
    ("GET", "/jobs/x", None),
    ("POST", "/v1/embeddings", {"input": "x"}),
    ("GET", "/docs", None),
    ("GET", "/openapi.json", None),
]


@pytest.fixture(scope="module")
def searcher(api_index, use_embedder) -> Searcher:
    return Searcher(api_index.index_dir, use_embedder)


@pytest.fixture(scope="module")
def open_url(api_index, searcher, serve_app):
    with serve_app(create_app(Settings(index_dir=api_index.index_dir), searcher=searcher)) as url:
        yield url


@pytest.mark.parametrize(("method", "route", "body"), ROUTES)
def test_every_route_but_healthz_needs_the_bearer_token(
    api_index, searcher, serve_app, method, route, body
) -> None:
    app = create_app(Settings(index_dir=api_index.index_dir, token=TOKEN), searcher=searcher)
    with serve_app(app) as url:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"X-Token": TOKEN}):
            r = httpx.request(method, f"{url}{route}", json=body, headers=headers)
            assert r.status_code == 401, (route, headers)
            assert r.headers["www-authenticate"].startswith("Bearer") and "error" in r.json()
        r = httpx.request(method, f"{url}{route}", json=body, headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code != 401 and r.status_code < 500, (route, r.status_code, r.text)
        assert httpx.get(f"{url}/healthz").status_code == 200


def test_binding_beyond_loopback_needs_a_token() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("example.org")
    check_bind("127.0.0.1", None)
    check_bind("0.0.0.0", TOKEN)
    with pytest.raises(ConfigError, match="token"):
        check_bind("0.0.0.0", None)
    with pytest.raises(ConfigError, match="at least 16"):
        check_bind("0.0.0.0", "short")


def test_cli_refuses_a_public_bind_without_token_in_one_line(tmp_path, cli_environ) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "codesearch.cli", "serve", "--host", "0.0.0.0", "--index", str(tmp_path)],
        env=cli_environ(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert (
        done.stderr.count("\n") == 1 and "CODESEARCH_TOKEN" in done.stderr and "Traceback" not in done.stderr
    )


@pytest.mark.parametrize("token", [" " * 16, "\t" * 20, " " * 8 + "x" * 8])
def test_cli_refuses_a_blank_or_padded_token_for_a_public_bind(tmp_path, cli_environ, token) -> None:
    """16 spaces passed the length check: blank tokens (and tokens short once stripped) are refused."""
    done = subprocess.run(
        [sys.executable, "-m", "codesearch.cli", "serve", "--host", "0.0.0.0", "--index", str(tmp_path)],
        env=cli_environ(CODESEARCH_TOKEN=token),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "token" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"query": "x" * 1001}, "query"),
        ({"query": ""}, "query"),
        ({"query": "retry", "k": 0}, "k"),
        ({"query": "retry", "k": 101}, "k"),
        ({"query": "retry", "k": "ten"}, "k"),
        ({"query": "retry", "mode": "fuzzy"}, "mode"),
        ({"query": "retry", "surprise": 1}, "surprise"),
        ({"k": 3}, "query"),
        ({"query": "retry", "path": "*" * 301}, "path"),
    ],
)
def test_bad_search_requests_are_422_saying_what_is_wrong(open_url, body, needle) -> None:
    r = httpx.post(f"{open_url}/search", json=body)
    assert r.status_code == 422
    message = r.json()["error"]["message"]
    assert message.startswith(needle) and "\n" not in message


def test_whitespace_query_and_malformed_json_are_4xx(open_url) -> None:
    r = httpx.post(f"{open_url}/search", json={"query": "   "})
    assert r.status_code == 400 and "empty" in r.json()["error"]["message"]
    r = httpx.post(f"{open_url}/search", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    # said as what it is, where ("0: JSON decode error" named neither the body nor the place)
    assert (
        r.json()["error"]["message"]
        == "body: not valid JSON (Expecting property name enclosed in double quotes at character 1)"
    )


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("/search", b'{"query": "retry"}'),
        ("/index", b'{"paths": ["relative/path"]}'),
        ("/v1/embeddings", b'{"input": "x"}'),
    ],
)
@pytest.mark.parametrize("content_type", [None, "application/x-www-form-urlencoded", "text/plain"])
def test_a_json_body_sent_without_the_json_content_type_is_415_saying_so(
    open_url, route, body, content_type
) -> None:
    # `curl -d '{...}'` sends a form's content type: the 422 said "Input should be a valid dictionary",
    # not that the header was missing
    headers = {"Content-Type": content_type} if content_type else {}
    r = httpx.post(f"{open_url}{route}", content=body, headers=headers)
    assert r.status_code == 415, (route, content_type, r.text)
    message = r.json()["error"]["message"]
    assert "Content-Type: application/json" in message and "\n" not in message
    assert (content_type or "no Content-Type") in message
    # the same body, declared as JSON (with or without a charset), is read
    for declared in ("application/json", "application/json; charset=utf-8"):
        r = httpx.post(f"{open_url}{route}", content=body, headers={"Content-Type": declared})
        assert r.status_code != 415 and r.status_code < 500, (route, declared, r.text)


def test_bodies_over_the_limit_are_413_declared_or_streamed(open_url) -> None:
    big = b'{"query": "' + b"x" * (2 << 20) + b'"}'
    r = httpx.post(f"{open_url}/search", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "larger than" in r.json()["error"]["message"]

    def chunks():  # no Content-Length: the server counts what arrives
        for _ in range(40):
            yield b"x" * 65536

    r = httpx.post(
        f"{open_url}/v1/embeddings", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413


@pytest.mark.parametrize(
    "ref",
    [
        "shop/../../../../etc/passwd:1",
        "shop/%2e%2e/%2e%2e/etc/passwd:1",
        "../etc/passwd:1",
        "/etc/passwd:1",
        "shop/src/../../index/meta.sqlite:1",
    ],
)
def test_symbols_cannot_reach_outside_the_indexed_roots(open_url, ref) -> None:
    r = httpx.get(f"{open_url}/symbols/{ref}")
    assert r.status_code in (400, 404), r.text
    assert "root:" not in r.text and "SQLite" not in r.text


@pytest.mark.parametrize("leads", ["outside", "inside"])
def test_a_symlink_planted_after_indexing_cannot_read_outside(open_url, api_index, tmp_path, leads) -> None:
    # it answered "... is not inside an indexed repository" (outside) or "no longer exists" (inside): the
    # file is there, but a symbolic link now
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET\n" * 40)
    hit = httpx.post(f"{open_url}/search", json={"query": "slugify"}).json()["hits"][0]
    target = api_index.root / hit["path"]
    saved = target.read_text()
    target.unlink()
    os.symlink(secret if leads == "outside" else api_index.root / "src/net/retry.py", target)
    try:
        r = httpx.get(f"{open_url}/symbols/{hit['repo']}/{hit['path']}:{hit['start_line']}")
        assert r.status_code == 404 and "TOP SECRET" not in r.text and "retry" not in r.text
        message = r.json()["error"]["message"]
        assert message.startswith(f"{hit['repo']}/{hit['path']} is now a symbolic link"), message
        assert "reindex" in message and str(secret) not in message
    finally:
        target.unlink()
        target.write_text(saved)


def test_a_folder_swapped_for_a_symlink_after_indexing_is_said(open_url, api_index, tmp_path) -> None:
    outside = tmp_path / "elsewhere"
    hit = httpx.post(f"{open_url}/search", json={"query": "slugify"}).json()["hits"][0]
    folder = (api_index.root / hit["path"]).parent
    folder.rename(outside)
    os.symlink(outside, folder)
    try:
        r = httpx.get(f"{open_url}/symbols/{hit['repo']}/{hit['path']}:{hit['start_line']}")
        message = r.json()["error"]["message"]
        assert r.status_code == 404 and "slugify" not in r.text
        assert message.startswith(f"{hit['repo']}/{hit['path']} now leads outside its repository"), message
        assert "symbolic link" in message and str(outside) not in message
    finally:
        folder.unlink()
        outside.rename(folder)


def test_index_refuses_paths_outside_the_indexed_roots(open_url, api_index, tmp_path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    link = api_index.root / "escape"
    os.symlink(outside, link)
    try:
        for path in (
            "/etc",
            str(api_index.root / ".."),
            str(api_index.root) + "/../index",
            str(link),
            "\x00",
        ):
            r = httpx.post(f"{open_url}/index", json={"paths": [path]})
            assert r.status_code == 404, (path, r.text)
            assert "error" in r.json()
    finally:
        link.unlink()
    r = httpx.post(f"{open_url}/index", json={"paths": ["x"] * 101})
    assert r.status_code == 422


def test_cors_is_off_by_default_and_on_for_configured_origins(
    api_index, searcher, serve_app, open_url
) -> None:
    origin = {"Origin": "https://evil.example"}
    r = httpx.post(f"{open_url}/search", json={"query": "retry"}, headers=origin)
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
    settings = Settings(index_dir=api_index.index_dir, token=TOKEN, cors_origins=("https://app.example",))
    with serve_app(create_app(settings, searcher=searcher)) as url:
        preflight = {"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}
        r = httpx.options(
            f"{url}/search", headers={**preflight, "Access-Control-Request-Headers": "authorization"}
        )
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "https://app.example"
        r = httpx.options(f"{url}/search", headers={**preflight, "Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in r.headers


def test_an_internal_error_is_a_500_line_without_traceback(api_index, serve_app) -> None:
    class Broken(Searcher):
        def status(self):  # type: ignore[no-untyped-def]
            raise RuntimeError("disk on fire at /secret/path")

    app = create_app(Settings(index_dir=api_index.index_dir), searcher=Broken(api_index.index_dir))
    with serve_app(app) as url:
        r = httpx.get(f"{url}/status")
    assert r.status_code == 500
    assert r.json() == {"error": {"message": "internal error: RuntimeError", "type": "server_error"}}


def test_cli_serve_takes_the_token_from_codesearch_token(api_index, cli_server, cli_environ) -> None:
    with cli_server(api_index.index_dir, "--host", "0.0.0.0", env=cli_environ(CODESEARCH_TOKEN=TOKEN)) as url:
        assert httpx.post(f"{url}/search", json={"query": "retry"}).status_code == 401
        r = httpx.post(f"{url}/search", json={"query": "retry"}, headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 200 and r.json()["hits"][0]["name"] == "retry_with_backoff"
