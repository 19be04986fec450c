"""Regenerate the TUI screenshots in docs/ (SVG, from Textual's own ``save_screenshot``).

    python docs/tui_screenshots.py

Indexes this repository's own code with the bundled ``use`` model into a temporary folder, runs the real
app headless at 120x34, types a query and saves the main screen, then the same screen with filters set.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from codesearch.embedding.registry import get_embedder  # noqa: E402
from codesearch.settings import Settings  # noqa: E402
from indexer.pipeline import index_paths  # noqa: E402
from tui.app import CodesearchApp  # noqa: E402
from tui.backend import Filters, LocalBackend  # noqa: E402

SHOTS = [  # (file, query, filters)
    ("tui-main.svg", "read the settings from the config file and the environment", Filters()),
    ("tui-filters.svg", "wait between retries", Filters(mode="hybrid", lang="python", path_glob="codesearch/*")),
]


async def shoot(app: CodesearchApp, query: str, out: Path) -> None:
    async with app.run_test(size=(120, 34)) as pilot:
        box: Any = app.query_one("#query")
        box.cursor_blink = False
        while app.index is None:
            await pilot.pause(0.05)
        await pilot.press(*query)
        while not (app.previewed_at and app.previewed_at[0] == query):
            await pilot.pause(0.05)
        await pilot.pause(0.2)
        app.save_screenshot(out.name, path=str(out.parent))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "index"
        index_paths([ROOT], index_dir=index_dir, embedder=get_embedder("use"), model="use")
        for name, query, filters in SHOTS:
            app = CodesearchApp(LocalBackend(Settings(index_dir=index_dir)), filters=filters, show_timings=False)
            asyncio.run(shoot(app, query, ROOT / "docs" / name))
            print(f"wrote docs/{name}")


if __name__ == "__main__":
    main()
