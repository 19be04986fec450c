"""``/docs`` works without network: the page names only this server's URLs, and each of them answers."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import httpx
import pytest

from codesearch.api.server import create_app
from codesearch.settings import Settings


@pytest.fixture(scope="module")
def docs_url(tmp_path_factory, serve_app):
    # no index: /docs must not need one
    app = create_app(Settings(index_dir=tmp_path_factory.mktemp("no-index") / "index", model="none"))
    with serve_app(app) as url:
        yield url


def _referenced_urls(html: str) -> list[str]:
    """Every URL the page makes a browser fetch: src/href attributes and the quoted URLs in its script."""
    attributes = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    in_script = re.findall(r"""\b(?:url|openapi_url)\s*:\s*['"]([^'"]+)['"]""", html)
    return attributes + in_script


def test_docs_reference_only_local_urls_and_each_answers(docs_url) -> None:
    page = httpx.get(f"{docs_url}/docs")
    assert page.status_code == 200 and "swagger" in page.text.lower()
    urls = _referenced_urls(page.text)
    assert any(u.endswith("swagger-ui-bundle.js") for u in urls)
    assert any(u.endswith(".css") for u in urls)
    assert any(u.endswith("/openapi.json") for u in urls)
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), f"{url} is not served by this server"
        response = httpx.get(urljoin(f"{docs_url}/docs", url))
        assert response.status_code == 200 and response.content, url


def test_no_cdn_page_is_left_behind(docs_url) -> None:
    assert httpx.get(f"{docs_url}/redoc").status_code == 404
    assert "cdn" not in httpx.get(f"{docs_url}/docs").text.lower()
