"""Fixtures for driving the real TUI: apps over real indexes built with the bundled ``use`` model.

Test modules run in importlib mode and cannot import this file, so helpers are handed out as fixtures.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from codesearch.settings import Settings
from tui.app import CodesearchApp
from tui.backend import Backend, LocalBackend

SIZE = (120, 36)  # every test runs at this terminal size (snapshots must not depend on the host's)

Until = Callable[[Pilot[Any], Callable[[], bool]], Awaitable[None]]


async def _until(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for the app")
        await pilot.pause(0.02)
    await pilot.pause()  # let the screen catch up with the state


@pytest.fixture
def until() -> Until:
    """``await until(pilot, lambda: condition)``: wait (bounded) for the app to get there."""
    return _until


@pytest.fixture
def make_app() -> Callable[..., CodesearchApp]:
    """``make_app(index_dir | backend, **options)``: the real app over an index in this process."""

    def make(where: Path | Backend, **options: Any) -> CodesearchApp:
        backend = LocalBackend(Settings(index_dir=where)) if isinstance(where, Path) else where
        options.setdefault("show_timings", False)
        return CodesearchApp(backend, **options)

    return make


@pytest.fixture
def own_index(tmp_path: Path, git_repo: Any, use_embedder: Any) -> Any:
    """A fresh copy of the sample repository indexed with the real model (for tests that change it)."""
    from indexer.pipeline import index_paths

    repo = git_repo("shop")
    index_dir = tmp_path / "index"
    index_paths([repo.root], index_dir=index_dir, embedder=use_embedder, model="use")
    return repo, index_dir
