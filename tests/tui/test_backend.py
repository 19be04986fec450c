"""The parts under the app: hits over JSON, server errors, the editor's command line, doc comments."""

from __future__ import annotations

import asyncio
import json
import socket

import httpx
import pytest

from codesearch.errors import CodesearchError, EmbeddingUnavailableError, IndexNotFoundError
from codesearch.search import Searcher
from codesearch.types import hit_from_json
from tui.backend import HttpBackend, _server_error
from tui.editor import editor_command, editor_from
from tui.preview import doc_comment_start


def test_a_hit_survives_the_json_of_the_server(use_index, use_embedder) -> None:
    searcher = Searcher(use_index.index_dir, use_embedder)
    for hit in searcher.search("retry with backoff", k=5).hits:
        back = hit_from_json(json.loads(json.dumps(hit.to_json(explain=True))))
        assert back == type(hit)(**{**hit.__dict__, "doc_id": 0})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_no_server_listening_is_one_line_that_says_what_to_do() -> None:
    backend = HttpBackend(f"http://127.0.0.1:{free_port()}", timeout=2)
    with pytest.raises(CodesearchError, match=r"cannot reach the codesearch server at .*codesearch serve"):
        backend.summary()


def test_the_app_in_server_mode_shows_an_unreachable_server(make_app, until) -> None:
    async def run() -> None:
        app = make_app(HttpBackend(f"http://127.0.0.1:{free_port()}", timeout=2))
        async with app.run_test(size=(120, 36)) as pilot:
            await until(pilot, lambda: app.error is not None)
            assert "cannot reach the codesearch server" in app.error and "codesearch serve" in app.error
            await pilot.press(*"retry")
            await pilot.pause(0.3)
            assert app.is_running and app.hits == []

    asyncio.run(run())


@pytest.mark.parametrize(
    ("status", "message", "kind"),
    [
        (503, "no index at /x: run `codesearch index PATH` first", IndexNotFoundError),
        (503, "no embedding server answers at http://gpu:30000", EmbeddingUnavailableError),
        (400, "the query is empty", CodesearchError),
    ],
)
def test_server_errors_map_to_what_they_stand_for(status, message, kind) -> None:
    response = httpx.Response(status, json={"error": {"message": message, "type": "x"}})
    error = _server_error(response)
    assert type(error) is kind and message in str(error)


@pytest.mark.parametrize(
    ("editor", "argv"),
    [
        ("vim", ["vim", "+12", "/src/a.py"]),
        ("nvim -p", ["nvim", "-p", "+12", "/src/a.py"]),
        ("/usr/bin/code --wait", ["/usr/bin/code", "--wait", "--goto", "/src/a.py:12"]),
        ("subl", ["subl", "/src/a.py:12"]),
        ("emacsclient -t", ["emacsclient", "-t", "+12", "/src/a.py"]),
    ],
)
def test_the_editor_opens_the_file_at_the_line(editor, argv) -> None:
    words = editor_from({"EDITOR": editor})
    assert words is not None and editor_command(words, "/src/a.py", 12) == argv


def test_visual_wins_over_editor_and_none_is_none() -> None:
    assert editor_from({"VISUAL": "code", "EDITOR": "vim"}) == ["code"]
    assert editor_from({"VISUAL": " ", "EDITOR": ""}) is None


def test_the_doc_comment_above_a_definition_is_found() -> None:
    lines = ["package x", "", "// Load reads it.", "// Twice.", "func Load() {", "}"]
    assert doc_comment_start(lines, 5) == 3
    assert doc_comment_start(["x = 1", "def f():", "    pass"], 2) == 2


def test_the_cli_has_a_tui_command_with_a_server_option() -> None:
    from codesearch.cli import build_parser as _build_parser
    from codesearch.cli import tui as cli_commands

    args = _build_parser().parse_args(["tui", "--server", "http://127.0.0.1:8000"])
    assert args.command == "tui" and args.server == "http://127.0.0.1:8000"
    assert _build_parser().parse_args(["tui"]).command == "tui"
    assert callable(cli_commands.run)
