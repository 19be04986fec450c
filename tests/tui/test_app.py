"""The real TUI under ``App.run_test()``, driven key by key over real indexes built with the ``use`` model."""

from __future__ import annotations

import asyncio
import stat
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input, RichLog, Static

from codesearch.embedding.registry import get_embedder
from codesearch.errors import EmbeddingUnavailableError
from codesearch.search import Searcher
from codesearch.settings import Settings
from tui.app import CodesearchApp
from tui.backend import Answer, Filters, LocalBackend
from tui.screens import ChoiceScreen, GlobScreen, HelpScreen

SIZE = (120, 36)


def text_of(app: CodesearchApp, selector: str) -> str:
    return str(app.query_one(selector, Static).render())


def preview_code(app: CodesearchApp) -> str:
    """The text of the preview's code pane, as rendered."""
    return "\n".join(strip.text for strip in app.query_one("#preview-code", RichLog).lines)


def names(app: CodesearchApp) -> list[str]:
    return [h.qualified_name for h in app.hits]


def table_names(app: CodesearchApp) -> list[str]:
    table = app.query_one("#results", DataTable)
    return [str(table.get_row_at(i)[0]).splitlines()[0] for i in range(table.row_count)]


async def type_query(pilot: Any, until: Any, text: str) -> None:
    """Type ``text`` key by key into the query box and wait for its hits on screen."""
    await pilot.press(*text)
    await until(pilot, lambda: pilot.app.answer is not None and pilot.app.answer.query == text)


async def set_query(pilot: Any, until: Any, text: str) -> None:
    """Put ``text`` in the query box at once (as a paste does) and wait for its hits on screen."""
    pilot.app.query_one("#query", Input).value = text
    await until(pilot, lambda: pilot.app.answer is not None and pilot.app.answer.query == text)


def test_typing_a_query_shows_hits_the_preview_and_the_status(use_index, make_app, until) -> None:
    async def run() -> None:
        app = make_app(use_index.index_dir)
        async with app.run_test(size=SIZE) as pilot:
            await type_query(pilot, until, "retry a failed http request with backoff")
            assert names(app)[0] == "retry_with_backoff"
            assert table_names(app) == names(app)  # what is on screen is what was found
            header = text_of(app, "#preview-header")
            assert "retry_with_backoff" in header and "shop/src/net/retry.py:7-15" in header
            assert "def retry_with_backoff" in preview_code(app)
            await until(pilot, lambda: app.index is not None)
            status = text_of(app, "#status")
            assert "generation 1" in status and "9 symbols" in status and "model use" in status
            assert "10 hits" in status or f"{len(app.hits)} hits" in status

    asyncio.run(run())


def test_the_preview_follows_the_cursor_and_shows_the_doc_comment(use_index, make_app, until) -> None:
    async def run() -> None:
        app = make_app(use_index.index_dir, filters=Filters(mode="lexical"))
        async with app.run_test(size=SIZE) as pilot:
            await set_query(pilot, until, "total price cart")
            assert names(app)[0] == "computeCartTotal"
            code = preview_code(app)
            # the JSDoc block above the function is part of the preview
            assert "Compute the total price of the items" in code and "function computeCartTotal" in code
            await pilot.press("enter")  # from the query box to the results
            assert app.focused is app.query_one("#results")
            await pilot.press("down")
            await pilot.pause()
            assert names(app)[1] in text_of(app, "#preview-header")

    asyncio.run(run())


def test_a_newer_keystroke_wins_over_a_slower_older_search(use_index, make_app, until) -> None:
    """The first search is held back until the second is shown: its answer must never replace it."""
    release = threading.Event()
    shown: list[str] = []

    class SlowFirst(LocalBackend):
        def search(self, query: str, filters: Filters, k: int) -> Answer:
            if query == "slug":
                release.wait(10)
            return super().search(query, filters, k)

    async def run() -> None:
        app = make_app(SlowFirst(Settings(index_dir=use_index.index_dir)), debounce_s=0.0)
        original = app.show_answer

        def record(answer: Answer) -> None:
            original(answer)
            shown.append(app.answer.query if app.answer else "")

        app.show_answer = record  # type: ignore[method-assign]
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press(*"slug")
            await pilot.pause(0.3)  # the "slug" search is running (and stuck)
            await pilot.press(*" count words")
            await until(pilot, lambda: app.answer is not None and app.answer.query == "slug count words")
            release.set()
            await pilot.pause(0.5)
            assert app.answer is not None and app.answer.query == "slug count words"
            assert "slug" not in shown  # the stale answer never reached the screen

    asyncio.run(run())


def test_filters_from_the_keyboard_narrow_the_hits_and_show_on_screen(use_index, make_app, until) -> None:
    async def run() -> None:
        app = make_app(use_index.index_dir)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.index is not None)
            await set_query(pilot, until, "read configuration values")
            assert {h.language for h in app.hits} != {"go"}
            await pilot.press("tab", "l")
            assert isinstance(app.screen, ChoiceScreen)
            await pilot.press("down", "enter")  # (any), go, javascript, python
            await until(pilot, lambda: app.answer is not None and app.answer.filters.lang == "go")
            assert app.hits and {h.language for h in app.hits} == {"go"}
            assert "lang go" in text_of(app, "#filters")

            await pilot.press("p")
            assert isinstance(app.screen, GlobScreen)
            await pilot.press(*"web/*", "enter")
            await until(pilot, lambda: app.answer is not None and app.answer.filters.path_glob == "web/*")
            assert app.hits == []  # no Go file under web/
            assert "No hits" in text_of(app, "#message")

            await pilot.press("x")  # clear the filters
            await until(pilot, lambda: app.answer is not None and app.answer.filters == Filters())
            assert {h.language for h in app.hits} > {"go"}
            assert "lang any" in text_of(app, "#filters") and "path any" in text_of(app, "#filters")

            await pilot.press("o")
            await pilot.press("down", "enter")  # (any), shop
            await until(pilot, lambda: app.answer is not None and app.answer.filters.repo == "shop")
            assert app.hits and {h.repo for h in app.hits} == {"shop"}

    asyncio.run(run())


def test_m_cycles_the_mode_and_the_hits_follow(use_index, make_app, until) -> None:
    async def run() -> None:
        app = make_app(use_index.index_dir)
        async with app.run_test(size=SIZE) as pilot:
            await set_query(pilot, until, "count words")
            assert "dense" in app.hits[0].scores
            await pilot.press("tab", "m")
            await until(pilot, lambda: app.answer is not None and app.answer.filters.mode == "dense")
            await pilot.press("m")
            await until(pilot, lambda: app.answer is not None and app.answer.filters.mode == "lexical")
            assert app.hits and all(h.scores == {} for h in app.hits)  # lexical hits have no dense score
            assert "mode lexical" in text_of(app, "#filters")

    asyncio.run(run())


def test_enter_opens_the_editor_at_the_line_and_the_app_carries_on(
    use_index, make_app, until, tmp_path, monkeypatch
) -> None:
    log = tmp_path / "editor.log"
    editor = tmp_path / "fake-editor"
    editor.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {log}\n')
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(editor))

    async def run() -> None:
        app = make_app(use_index.index_dir)
        async with app.run_test(size=SIZE) as pilot:
            await set_query(pilot, until, "LoadConfig")
            await pilot.press("enter", "enter")  # to the results, then open
            await until(pilot, lambda: log.exists())
            assert log.read_text().splitlines() == [f"+{app.hits[0].start_line}", app.hits[0].abs_path]
            assert Path(app.hits[0].abs_path).name == "load.go"
            await pilot.press("slash", "end", *" config")  # still running and answering
            await until(pilot, lambda: app.answer is not None and app.answer.query == "LoadConfig config")

    asyncio.run(run())


def test_y_copies_path_and_line(use_index, make_app, until) -> None:
    async def run() -> None:
        app = make_app(use_index.index_dir)
        async with app.run_test(size=SIZE) as pilot:
            await set_query(pilot, until, "slugify")
            await pilot.press("tab", "y")
            assert app.clipboard == "util/text.py:5"

    asyncio.run(run())


def test_tab_slash_help_and_quit(use_index, make_app, until) -> None:
    async def run() -> None:
        app = make_app(use_index.index_dir)
        async with app.run_test(size=SIZE) as pilot:
            await set_query(pilot, until, "rate limiter")
            query, results, scroll = (app.query_one(s) for s in ("#query", "#results", "#preview-code"))
            assert app.focused is query
            await pilot.press("tab")
            assert app.focused is results
            await pilot.press("tab")
            assert app.focused is scroll
            await pilot.press("slash")
            assert app.focused is query
            # `/` selects the query, so typing starts a new one; `?` there is text, not the help
            await pilot.press("question_mark")
            assert app.query_one("#query", Input).value == "?"
            await pilot.press("tab", "question_mark")
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            assert not isinstance(app.screen, HelpScreen)
            await pilot.press("q")
            await pilot.pause()
            assert app.return_code == 0 and not app.is_running

    asyncio.run(run())


def test_a_click_previews_a_hit_and_a_double_click_opens_it(
    use_index, make_app, until, tmp_path, monkeypatch
) -> None:
    log = tmp_path / "editor.log"
    editor = tmp_path / "fake-editor"
    editor.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {log}\n')
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("VISUAL", str(editor))

    async def run() -> None:
        app = make_app(use_index.index_dir, filters=Filters(mode="lexical"))
        async with app.run_test(size=SIZE) as pilot:
            await set_query(pilot, until, "rate limiter wait")
            assert len(app.hits) >= 2
            # the border, the header, two lines of the first hit: the second hit
            await pilot.click("#results", offset=(3, 4))
            await pilot.pause()
            assert app.query_one("#results", DataTable).cursor_row == 1
            assert app.hits[1].qualified_name in text_of(app, "#preview-header")
            assert app.editor_runs == []  # a single click does not open
            await pilot.click("#results", offset=(3, 4), times=2)
            await until(pilot, lambda: log.exists())
            assert log.read_text().splitlines() == [f"+{app.hits[1].start_line}", app.hits[1].abs_path]

    asyncio.run(run())


def test_r_reindexes_in_the_background_with_a_progress_bar(own_index, make_app, until) -> None:
    repo, index_dir = own_index
    repo.write("billing/invoice.py", 'def send_invoice_reminder(customer):\n    """Email a reminder."""\n')
    repo.commit("add invoices")

    async def run() -> None:
        app = make_app(index_dir)
        seen: list[tuple[str, bool]] = []  # (stage, whether the bar was on screen) at each progress step
        original = app.show_progress

        def record(stage: str, done: int, total: int | None) -> None:
            original(stage, done, total)
            seen.append((stage, bool(app.query_one("#progress").display)))

        app.show_progress = record  # type: ignore[method-assign]
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.index is not None)
            assert app.index is not None and app.index.generation == 1
            await pilot.press("tab", "r", "slash", *"send invoice reminder")  # it answers while it indexes
            await until(pilot, lambda: not app.reindexing)
            assert {"crawl", "parse", "embed"} <= {stage for stage, _ in seen}
            assert all(shown for _, shown in seen)
            assert not app.query_one("#progress").display and app.error is None
            await until(pilot, lambda: app.index is not None and app.index.generation == 2)
            assert "generation 2" in text_of(app, "#status")
            await until(pilot, lambda: "send_invoice_reminder" in names(app)[:1])

    asyncio.run(run())


def test_no_index_says_what_to_do_and_r_builds_it(git_repo, tmp_path, make_app, until, monkeypatch) -> None:
    repo = git_repo("fresh")
    monkeypatch.chdir(repo.root)
    index_dir = tmp_path / "no-index-yet"

    async def run() -> None:
        app = make_app(LocalBackend(Settings(index_dir=index_dir, model="use")))
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.error is not None)
            message = text_of(app, "#message")
            assert "No index at" in message and "codesearch index PATH" in message and "ctrl+r" in message
            await pilot.press(*"retry")
            await pilot.pause(0.3)
            assert app.error is not None and "Traceback" not in text_of(app, "#message")
            await pilot.press("ctrl+r")  # works from the query box
            await until(pilot, lambda: not app.reindexing and app.index is not None, timeout=60)
            assert app.error is None and app.index is not None and app.index.symbols == 9
            await until(pilot, lambda: "retry_with_backoff" in names(app))

    asyncio.run(run())


class DownEmbedder:
    """The real ``use`` embedder whose query side fails as an unreachable embedding server does."""

    def __new__(cls) -> Any:
        embedder = get_embedder("use")

        def refuse(*args: Any, **kwargs: Any) -> Any:
            raise EmbeddingUnavailableError("no embedding server answers at http://127.0.0.1:9")

        embedder.embed_queries = refuse  # type: ignore[method-assign]
        return embedder


def test_embedding_server_down_is_explained_and_lexical_still_works(use_index, make_app, until) -> None:
    searcher = Searcher(use_index.index_dir, DownEmbedder())
    backend = LocalBackend(Settings(index_dir=use_index.index_dir), searcher=searcher)

    async def run() -> None:
        app = make_app(backend)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press(*"count words")
            await until(pilot, lambda: app.error is not None)
            message = text_of(app, "#message")
            assert "embedding model is unavailable" in message and "lexical" in message
            await pilot.press("tab", "m", "m")
            await until(pilot, lambda: app.answer is not None and app.answer.filters.mode == "lexical")
            assert names(app)[0] == "count_words" and app.error is None

    asyncio.run(run())


@pytest.mark.parametrize("folder", ["[id]", "[ x]"])
def test_brackets_in_a_glob_a_query_and_a_path_show_as_they_are(own_index, make_app, until, folder) -> None:
    """Textual markup must not eat what comes from outside (Next.js routes, globs, queries, notifications)."""
    repo, index_dir = own_index
    path = f"app/{folder}/page.tsx"
    glob = f"app/{folder.replace('[', '[[]')}/*"
    repo.write(path, "export function renderInvoicePage(id: string) { return id }\n")
    repo.commit("a route")

    async def run() -> None:
        app = make_app(index_dir, filters=Filters(mode="lexical"))
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await until(pilot, lambda: app.index is not None)
            await pilot.press("ctrl+r")
            await until(pilot, lambda: not app.reindexing)
            await set_query(pilot, until, "render invoice page")
            assert app.hits[0].path == path
            await pilot.press("tab", "y")
            assert app.clipboard == f"{path}:1"
            await until(pilot, lambda: any("Copied" in n for n in notices(app)))
            assert f"Copied {path}:1" in notices(app)
            await pilot.press("p", *glob, "enter")
            await until(pilot, lambda: app.answer is not None and app.answer.filters.path_glob == glob)
            assert f"path {glob}" in text_of(app, "#filters")
            assert [h.path for h in app.hits] == [path]
            await set_query(pilot, until, "[nothing] here")
            assert "No hits for '[nothing] here'" in text_of(app, "#message")

    asyncio.run(run())


def notices(app: CodesearchApp) -> list[str]:
    """The text of the notifications on screen, as rendered (``run_test(notifications=True)``)."""
    return [str(toast.render()) for toast in app.screen.query("Toast")]


def test_a_typed_glob_shows_in_the_filter_line_exactly_as_typed(use_index, make_app, until) -> None:
    """rich's ``escape`` is made for Rich's parser: it left a lone ``[`` and ``[ x]`` alone and doubled a
    trailing backslash, and Textual's parser then showed ``src[[/]`` and ``a\\[/]`` and ate ``[ x]`` whole."""

    async def run() -> None:
        app = make_app(use_index.index_dir, filters=Filters(mode="lexical"))
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.index is not None)
            await pilot.press("down")
            typed = ""
            for glob in ("src[", "[", "a\\", "x [ y", "[ x]"):
                await pilot.press("p", "end", *["backspace"] * len(typed), *glob, "enter")
                await until(pilot, lambda glob=glob: app.filters.path_glob == glob)
                assert text_of(app, "#filters") == f"mode lexical  lang any  path {glob}  repo any"
                typed = glob
            await set_query(pilot, until, "[ nothing] here")
            assert (
                text_of(app, "#message")
                == "No hits for '[ nothing] here' with these filters (x clears them)."
            )

    asyncio.run(run())


def test_a_glob_that_cannot_match_says_so_and_an_absolute_one_is_read_from_its_repository(
    use_index, make_app, until
) -> None:
    """As ``search --path``: an unclosed ``[`` matched nothing and said "No hits"; an absolute path (pasted
    from a shell) matched nothing at all, since the index holds paths from each repository's root."""

    async def run() -> None:
        app = make_app(use_index.index_dir, filters=Filters(mode="lexical"))
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.index is not None)
            await set_query(pilot, until, "total price of the cart")
            await pilot.press("tab", "p", *"src[", "enter")
            await until(pilot, lambda: app.error is not None and "never closed" in app.error)
            assert "path 'src[' is not a valid glob" in text_of(app, "#message")
            await pilot.press("p", "end", *["backspace"] * 4, *f"{use_index.repo.root}/web", "enter")
            await until(pilot, lambda: app.answer is not None and app.answer.filters.path_glob is not None)
            assert app.error is None and app.hits
            assert {h.path.split("/")[0] for h in app.hits} == {"web"}

    asyncio.run(run())


def test_a_missing_index_under_a_folder_with_a_bracket_is_explained(tmp_path, make_app, until) -> None:
    where = tmp_path / "x [ y" / "index"

    async def run() -> None:
        app = make_app(where)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.error is not None)
            assert text_of(app, "#message").startswith(f"No index at {where} yet. Press ctrl+r to index")

    asyncio.run(run())


def test_quitting_while_a_search_runs_is_clean(use_index, make_app, until) -> None:
    """The search ends after `q`: its answer must find no widgets to fill, and no error must surface."""
    started, release = threading.Event(), threading.Event()
    apps: list[CodesearchApp] = []

    class Slow(LocalBackend):
        def search(self, query: str, filters: Filters, k: int) -> Answer:
            answer = super().search(query, filters, k)
            started.set()
            release.wait(10)
            deadline = time.monotonic() + 10  # answer just as the widgets go away
            while apps[0].query_box.is_attached and time.monotonic() < deadline:
                time.sleep(0.001)
            return answer

    async def run() -> None:
        app = make_app(Slow(Settings(index_dir=use_index.index_dir)), debounce_s=0.0)
        apps.append(app)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press(*"retry")
            await until(pilot, started.is_set)
            release.set()
            await pilot.press("tab", "q")
        assert app.return_code == 0 and app.error is None

    asyncio.run(run())
