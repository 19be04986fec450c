"""What came from a file reaches the TUI's screen as text: no escape sequence gets through raw (issue 14)."""

from __future__ import annotations

import asyncio

from textual.widgets import DataTable, Input, RichLog, Static

from tui.backend import Filters

SIZE = (120, 36)
ESC = "\x1b"


def test_control_characters_in_paths_and_code_show_as_escapes(tmp_path, git_repo, until, make_app) -> None:
    from indexer.pipeline import index_paths

    repo = git_repo(
        "evil",
        {f"evil{ESC}[2Jname.py": f"def wipe_the_screen():\n    # {ESC}]0;owned{ESC}\\ title\n    return 1\n"},
    )
    index_dir = tmp_path / "index"
    index_paths([repo.root], index_dir=index_dir, embedder=None, model="none")

    async def run() -> None:
        app = make_app(index_dir, filters=Filters(mode="lexical"))
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.index is not None)
            app.query_one("#query", Input).value = "wipe the screen"
            await until(pilot, lambda: app.answer is not None and bool(app.hits))
            row = str(app.query_one("#results", DataTable).get_row_at(0)[0])
            header = str(app.query_one("#preview-header", Static).render())
            code = "\n".join(s.text for s in app.query_one("#preview-code", RichLog).lines)
            for shown in (row, header):
                assert "evil\\x1b[2Jname.py" in shown and ESC not in shown
            assert "\\x1b]0;owned" in code and ESC not in code

    asyncio.run(run())


def test_the_repository_picker_shows_a_hostile_name_as_escapes(tmp_path, git_repo, until, make_app) -> None:
    from textual.widgets import OptionList

    from indexer.pipeline import index_paths
    from tui.screens import ChoiceScreen

    repo = git_repo(f"repo{ESC}[31mred", {"a.py": "def a():\n    return 1\n"})
    index_dir = tmp_path / "index"
    index_paths([repo.root], index_dir=index_dir, embedder=None, model="none")

    async def run() -> None:
        app = make_app(index_dir, filters=Filters(mode="lexical"))
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.index is not None)
            await pilot.press("tab", "o")
            await until(pilot, lambda: isinstance(app.screen, ChoiceScreen))
            options = app.screen.query_one(OptionList)
            label = str(options.get_option_at_index(1).prompt)
            assert label == "repo\\x1b[31mred"

    asyncio.run(run())
