"""The main screens pinned as SVG snapshots (``pytest --snapshot-update`` rewrites them; review the diff).

Every screen is taken at a fixed size, over the session's real ``use`` index of the sample repository, with
the timings left out of the status line. Lexical mode where hits are shown: BM25 scores are exact on every
machine, while dense scores may differ in the last digits from one BLAS build to another.
"""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from tui.backend import Filters
from tui.screens import ChoiceScreen

SIZE = (120, 36)


def steady(pilot: Pilot[Any]) -> None:
    """No blinking cursor: a screenshot taken between two blinks would differ."""
    pilot.app.query_one("#query", Input).cursor_blink = False


def settled(until: Any, query: str) -> Any:
    """A ``run_before`` that puts ``query`` in the box and waits for its hits and their preview."""

    async def run_before(pilot: Pilot[Any]) -> None:
        app: Any = pilot.app
        steady(pilot)
        await until(pilot, lambda: app.index is not None)
        app.query_one("#query", Input).value = query
        await until(pilot, lambda: app.previewed_at is not None and app.previewed_at[0] == query)

    return run_before


def test_main_screen_with_hits_and_preview(snap_compare, use_index, make_app, until) -> None:
    app = make_app(use_index.index_dir, filters=Filters(mode="lexical"))
    assert snap_compare(app, terminal_size=SIZE, run_before=settled(until, "total price cart"))


def test_main_screen_with_filters_and_results_focused(snap_compare, use_index, make_app, until) -> None:
    app = make_app(use_index.index_dir, filters=Filters(mode="lexical", lang="python", path_glob="src/*"))

    async def run_before(pilot: Pilot[Any]) -> None:
        await settled(until, "rate limiter wait")(pilot)
        await pilot.press("tab", "down")
        await until(pilot, lambda: pilot.app.previewed is pilot.app.hits[1])  # type: ignore[attr-defined]

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_key_help(snap_compare, use_index, make_app, until) -> None:
    app = make_app(use_index.index_dir, filters=Filters(mode="lexical"))

    async def run_before(pilot: Pilot[Any]) -> None:
        await settled(until, "slugify")(pilot)
        await pilot.press("tab", "question_mark")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_language_picker(snap_compare, use_index, make_app, until) -> None:
    app = make_app(use_index.index_dir, filters=Filters(mode="lexical"))

    async def run_before(pilot: Pilot[Any]) -> None:
        # a query with no hits: an empty preview behind the picker (a preview scrolling under the modal
        # made this shot differ one run in four)
        await settled(until, "qqzzxq")(pilot)
        await pilot.press("tab", "l")
        await until(pilot, lambda: isinstance(pilot.app.screen, ChoiceScreen))
        choices = pilot.app.screen.query_one(OptionList)
        await until(pilot, lambda: pilot.app.focused is choices)
        await pilot.press("down")
        await until(pilot, lambda: choices.highlighted == 1)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_no_index_yet(snap_compare, tmp_path, make_app, until, monkeypatch) -> None:
    project = tmp_path / "my-project"
    project.mkdir()
    monkeypatch.chdir(project)  # the message names the folder that r would index
    app = make_app(tmp_path / "index")
    app.backend.where = "~/.local/share/codesearch/index"  # the message names it: keep it the same everywhere

    async def run_before(pilot: Pilot[Any]) -> None:
        steady(pilot)
        await until(pilot, lambda: pilot.app.error is not None)  # type: ignore[attr-defined]

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
