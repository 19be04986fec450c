"""The results list: one row per hit (name, kind, language, path:line, score)."""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.widgets import DataTable

from codesearch.types import Hit

COLUMNS = ("name", "kind", "lang", "path:line", "score")


def row(hit: Hit) -> tuple[str, str, str, str, str]:
    """A hit's cells; a hit that stands for several places (overloads, copies) says how many more."""
    more = f" (+{len(hit.also_at)})" if hit.also_at else ""
    return (
        hit.qualified_name + more,
        hit.kind,
        hit.language,
        f"{hit.path}:{hit.start_line}",  # the repository is in the preview's header
        f"{hit.score:.3f}",
    )


class ResultsTable(DataTable[str]):
    """The hits. Enter (or a double click) opens the highlighted one in the editor."""

    BINDINGS = [Binding("enter", "app.open_hit", "Open in editor")]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.add_columns(*COLUMNS)

    def show(self, hits: list[Hit]) -> None:
        """Replace the rows with ``hits``, the cursor on the first."""
        self.clear()
        for position, hit in enumerate(hits):
            self.add_row(*row(hit), key=str(position))
        if hits:
            self.move_cursor(row=0)

    async def on_click(self, event: events.Click) -> None:
        if event.chain >= 2:  # a single click highlights (and previews); a double click opens
            await self.app.run_action("app.open_hit")
