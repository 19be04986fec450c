"""The language picker of an index with twenty languages fits a small terminal: its list scrolls inside the
dialog, and the dialog's hint stays on screen (issue 14, item 8: the picker was cut off)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from textual.widgets import OptionList

from tui.backend import Filters
from tui.screens import ChoiceScreen

LANGUAGES = Path(__file__).resolve().parents[2] / "fixtures" / "languages"


@pytest.fixture(scope="module")
def many_languages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from indexer.pipeline import index_paths

    base = tmp_path_factory.mktemp("languages")
    shutil.copytree(LANGUAGES, base / "polyglot")
    index_paths([base / "polyglot"], index_dir=base / "index", embedder=None, model="none")
    return base / "index"


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 36), (80, 16)])
@pytest.mark.parametrize("key", ["l", "o"])
def test_the_pickers_fit_the_screen(many_languages, make_app, until, size, key) -> None:
    async def run() -> None:
        app = make_app(many_languages, filters=Filters(mode="lexical"))
        async with app.run_test(size=size) as pilot:
            await until(pilot, lambda: app.index is not None)
            await pilot.press("tab", key)
            await until(pilot, lambda: isinstance(app.screen, ChoiceScreen))
            await pilot.pause()
            screen = app.screen
            dialog, options = screen.query_one(".dialog"), screen.query_one(OptionList)
            inside = dialog.content_region
            for part in (screen.query_one(".dialog-title"), options, screen.query_one(".dialog-hint")):
                assert inside.contains_region(part.region), (part, part.region, inside)
            assert screen.region.contains_region(dialog.region)
            if key == "l":
                assert options.option_count >= 21  # (any) and twenty languages: all there, by scrolling
                await pilot.press("end")
                assert options.highlighted == options.option_count - 1 and options.region.height >= 3

    asyncio.run(run())
