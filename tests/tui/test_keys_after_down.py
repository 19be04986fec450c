"""↓ from the query box goes to the hits, and the key pressed after it lands there (issue 14, item 8: that
key was swallowed, reproduced twice)."""

from __future__ import annotations

import asyncio

from textual.widgets import Input

from tui.backend import Filters
from tui.results import ResultsTable

SIZE = (120, 36)


def test_down_from_the_query_box_moves_to_the_hits_and_the_next_key_lands(use_index, make_app, until) -> None:
    async def run() -> None:
        app = make_app(use_index.index_dir, filters=Filters(mode="lexical"))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press(*"retry")
            await until(
                pilot, lambda: app.answer is not None and app.answer.query == "retry" and len(app.hits) > 1
            )
            table = app.query_one(ResultsTable)
            await pilot.press("down")
            assert app.focused is table and table.cursor_row == 0
            await pilot.press("down")
            assert table.cursor_row == 1
            await pilot.press("y")
            second = app.hits[1]
            assert app.clipboard == f"{second.path}:{second.start_line}"
            assert app.query_one("#query", Input).value == "retry"  # nothing typed into the query box

    asyncio.run(run())


def test_a_letter_after_down_is_not_typed_into_the_query(use_index, make_app, until) -> None:
    async def run() -> None:
        app = make_app(use_index.index_dir, filters=Filters(mode="lexical"))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press(*"retry")
            await until(
                pilot, lambda: app.answer is not None and app.answer.query == "retry" and bool(app.hits)
            )
            await pilot.press("down", "m")  # m cycles the mode from the hits
            await until(pilot, lambda: app.answer is not None and app.answer.filters.mode != "lexical")
            assert app.query_one("#query", Input).value == "retry"

    asyncio.run(run())
