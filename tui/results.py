"""The results list: two lines per hit (name and score; kind, language and path:line under it)."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widgets import DataTable

from codesearch.terminal_text import printable
from codesearch.types import Hit

COLUMNS = ("hit", "score")
SCORE_WIDTH = 6


def cells(hit: Hit) -> tuple[Text, Text]:
    """A hit's cells; a hit that stands for several places (overloads, copies) says how many more."""
    more = f" (+{len(hit.also_at)} more)" if hit.also_at else ""
    name = Text(printable(hit.qualified_name), style="bold", no_wrap=True, overflow="ellipsis")
    name.append(more, style="dim")
    name.append(f"\n{printable(hit.kind)} · {printable(hit.language)} · ", style="dim")
    # the repository is in the preview's header
    name.append(f"{printable(hit.path)}:{hit.start_line}", style="cyan")
    return name, Text(f"{hit.score:.3f}", justify="right")


class ResultsTable(DataTable[Text]):
    """The hits. Enter (or a double click) opens the highlighted one in the editor."""

    BINDINGS = [Binding("enter", "app.open_hit", "Open in editor")]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.hits: list[Hit] = []
        self._columns_for = -1  # the width the columns were laid out for

    def _fit_columns(self) -> None:
        """The hit column takes the width the score leaves, so the score is never scrolled away."""
        width = self.scrollable_content_region.width
        if width == self._columns_for:
            return
        self._columns_for = width
        self.clear(columns=True)
        # 2 cells of padding per column, the score's 6 cells, 2 for a vertical scrollbar
        self.add_column(COLUMNS[0], width=max(20, width - 2 * 2 - SCORE_WIDTH - 2))
        self.add_column(COLUMNS[1], width=SCORE_WIDTH)

    def show(self, hits: list[Hit]) -> None:
        """Replace the rows with ``hits``, the cursor on the first."""
        self.hits = hits
        self._fit_columns()
        self.clear()
        for position, hit in enumerate(hits):
            self.add_row(*cells(hit), key=str(position), height=2)
        if hits:
            self.move_cursor(row=0)

    def on_resize(self) -> None:
        row = self.cursor_row
        self._fit_columns()
        if self.row_count != len(self.hits):  # the columns were rebuilt: rows go with them
            for position, hit in enumerate(self.hits):
                self.add_row(*cells(hit), key=str(position), height=2)
            if self.hits:
                self.move_cursor(row=min(row, len(self.hits) - 1))

    async def on_click(self, event: events.Click) -> None:
        if event.chain >= 2:  # a single click highlights (and previews); a double click opens
            await self.app.run_action("app.open_hit")
