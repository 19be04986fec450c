"""The TUI in ``--server`` mode against a real ``codesearch serve`` (uvicorn on 127.0.0.1 in a thread).

The client's failure modes with no server listening are tested in test_backend.py, which needs no server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from codesearch.api import server as server_module
from codesearch.errors import CodesearchError
from codesearch.settings import Settings
from tui.backend import Filters, HttpBackend
from tui.command import make_backend

SIZE = (120, 36)


TOKEN = "a-token-of-sixteen-chars-or-more"


@pytest.fixture(params=[None, TOKEN], ids=["open", "token"])
def served(request: Any, own_index: Any, serve_app: Any) -> Iterator[tuple[Any, str, str | None]]:
    """(the repo, the base URL, the token) of a real server over a fresh index of the sample repository,
    started without and with a token."""
    repo, index_dir = own_index
    with serve_app(server_module.create_app(Settings(index_dir=index_dir, token=request.param))) as url:
        yield repo, url, request.param


def test_search_filters_and_status_through_the_server(served, make_app, until) -> None:
    _, url, token = served

    async def run() -> None:
        app = make_app(make_backend(Settings(token=token), url))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press(*"retry with backoff")
            await until(pilot, lambda: app.answer is not None and app.answer.query == "retry with backoff")
            assert app.hits[0].qualified_name == "retry_with_backoff"
            assert "dense" in app.hits[0].scores  # the explanation came back with the hits
            await until(pilot, lambda: app.index is not None)
            assert app.index is not None and app.index.generation == 1 and app.index.symbols == 9
            await pilot.press("tab", "m", "m")
            await until(
                pilot, lambda: app.answer is not None and app.answer.filters == Filters(mode="lexical")
            )
            assert app.hits and all(h.scores == {} for h in app.hits)

    asyncio.run(run())


def test_reindex_through_the_server(served, make_app, until) -> None:
    repo, url, token = served
    repo.write("billing/invoice.py", 'def send_invoice_reminder(customer):\n    """Email a reminder."""\n')
    repo.commit("add invoices")

    async def run() -> None:
        app = make_app(HttpBackend(url, token=token, poll_s=0.05))
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.index is not None)
            await pilot.press("tab", "r")
            await until(pilot, lambda: not app.reindexing, timeout=60)
            assert app.error is None
            await until(pilot, lambda: app.index is not None and app.index.generation == 2)
            await pilot.press("slash", *"send invoice reminder")
            await until(pilot, lambda: "send_invoice_reminder" in [h.name for h in app.hits[:1]])

    asyncio.run(run())


def test_a_server_with_a_token_refuses_a_client_without_it(own_index, serve_app) -> None:
    _, index_dir = own_index
    with serve_app(server_module.create_app(Settings(index_dir=index_dir, token=TOKEN))) as url:
        with pytest.raises(CodesearchError, match="401|[Tt]oken"):
            HttpBackend(url, timeout=10).summary()
        assert HttpBackend(url, token=TOKEN, timeout=10).summary().generation == 1
