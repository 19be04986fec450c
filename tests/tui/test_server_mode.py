"""The TUI in ``--server`` mode against a real ``codesearch serve`` (uvicorn on 127.0.0.1 in a thread).

The HTTP server lands with issue 5; until it is merged this module is skipped. The client's failure modes
(no server listening) are tested in test_backend.py, which needs no server.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from codesearch.settings import Settings
from tui.backend import Filters, HttpBackend

server_module = pytest.importorskip("codesearch.api.server", reason="the HTTP server lands with issue 5")

SIZE = (120, 36)


@pytest.fixture
def served(own_index: Any) -> Iterator[tuple[Any, str]]:
    """(the repo, the base URL) of a real server over a fresh index of the sample repository."""
    import uvicorn

    repo, index_dir = own_index
    app = server_module.create_app(Settings(index_dir=index_dir))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield repo, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_search_filters_and_status_through_the_server(served, make_app, until) -> None:
    _, url = served

    async def run() -> None:
        app = make_app(HttpBackend(url))
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
    repo, url = served
    repo.write("billing/invoice.py", 'def send_invoice_reminder(customer):\n    """Email a reminder."""\n')
    repo.commit("add invoices")

    async def run() -> None:
        app = make_app(HttpBackend(url, poll_s=0.05))
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.index is not None)
            await pilot.press("tab", "r")
            await until(pilot, lambda: not app.reindexing, timeout=60)
            assert app.error is None
            await until(pilot, lambda: app.index is not None and app.index.generation == 2)
            await pilot.press("slash", *"send invoice reminder")
            await until(pilot, lambda: "send_invoice_reminder" in [h.name for h in app.hits[:1]])

    asyncio.run(run())
