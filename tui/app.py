"""``codesearch tui``: search as you type, a preview of each hit, filters, and a jump into the editor."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import App, ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import DataTable, Footer, Input, ProgressBar, RichLog, Static
from textual.worker import get_current_worker

from codesearch.errors import CodesearchError, EmbeddingUnavailableError, IndexNotFoundError
from codesearch.settings import MODES
from codesearch.terminal_text import printable
from codesearch.types import Hit
from tui import preview
from tui.backend import Answer, Backend, Filters, IndexSummary
from tui.editor import editor_command, editor_from
from tui.results import ResultsTable
from tui.screens import ChoiceScreen, GlobScreen, HelpScreen

DEBOUNCE_S = 0.06  # a pause this long in typing starts a search (a newer keystroke cancels it anyway)
PROGRESS_EVERY_S = 0.1  # the reindex progress bar is redrawn at most this often


def explain(exc: BaseException, where: str) -> Content:
    """One message for an error, with what to do about it. What came from outside goes in as a template
    variable, never as markup, so an ``[Errno 111]``, a lone ``[`` or ``app/[id]/page.tsx`` shows as it is."""
    if isinstance(exc, IndexNotFoundError):
        return Content.from_markup(
            "No index at $where yet. Press [b]ctrl+r[/] to index the current folder ($cwd/), "
            "or run `codesearch index PATH` in a shell.",
            where=where,
            cwd=Path.cwd().name,
        )
    if isinstance(exc, EmbeddingUnavailableError):
        return Content.from_markup(
            "The embedding model is unavailable: $error\nStart the embedding server (or fix --model), "
            "or press [b]tab[/] then [b]m[/] until the mode is lexical, which needs no model.",
            error=str(exc),
        )
    if isinstance(exc, CodesearchError):
        return Content(str(exc))
    return Content(
        f"Internal error: {type(exc).__name__}: {exc} (run `codesearch --debug search ...` to see more)"
    )


class CodesearchApp(App[None]):
    """The TUI over one backend (an index in this process, or a ``codesearch serve``)."""

    CSS_PATH = Path(__file__).with_name("codesearch.tcss")  # absolute: subclasses live elsewhere
    TITLE = "codesearch"
    ENABLE_COMMAND_PALETTE = False  # every command has its key (?)
    BINDINGS = [
        Binding("slash", "focus_query", "Query"),
        # the query box has no use for ↓: it goes to the hits, so the next key (↓, y, enter) acts there
        Binding("down", "focus_results", "Hits", show=False),
        Binding("y", "copy_location", "Copy path:line"),
        Binding("m", "cycle_mode", "Mode"),
        Binding("l", "pick_language", "Lang"),
        Binding("p", "pick_path", "Path"),
        Binding("o", "pick_repo", "Repo"),
        Binding("x", "clear_filters", "Clear filters", show=False),
        Binding("r", "reindex", "Reindex"),
        Binding("ctrl+r", "reindex", "Reindex", show=False, priority=True),  # from the query box too
        Binding("question_mark,f1", "help", "Keys"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        backend: Backend,
        *,
        k: int = 20,
        filters: Filters | None = None,
        query: str = "",
        debounce_s: float = DEBOUNCE_S,
        show_timings: bool = True,
    ) -> None:
        super().__init__()
        self.backend = backend
        self.k = k
        self.filters = filters or Filters()
        self.initial_query = query
        self.debounce_s = debounce_s
        self.show_timings = show_timings  # off in snapshot tests: times differ on every run
        self.hits: list[Hit] = []
        self.index: IndexSummary | None = None
        self.answer: Answer | None = None
        self.error: str | None = None
        self.reindexing = False
        self.shown_at: tuple[str, float] | None = None  # (query, when its hits were painted)
        self.previewed_at: tuple[str, float] | None = None  # (query, when the preview of its first hit was)
        self.editor_runs: list[list[str]] = []  # argv of every editor started, newest last
        self.previewed: Hit | None = None
        self.query_box: Input | None = None  # set on mount; detached when the app closes

    def compose(self) -> ComposeResult:
        yield Input(self.initial_query, placeholder="Search code, in any language…", id="query")
        yield Static(self.filters.describe(), id="filters")
        with Horizontal(id="main"):
            yield ResultsTable(id="results")
            with Vertical(id="preview"):
                yield Static(id="preview-header")
                # a log renders the code once, at write time: cheap to lay out and to scroll
                yield RichLog(id="preview-code", auto_scroll=False, wrap=False)
        yield Static(id="message")
        with Horizontal(id="statusbar"):
            yield Static("opening the index…", id="status")
            yield ProgressBar(id="progress", show_eta=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_box = self.query_one("#query", Input)
        self.query_one("#progress").display = False
        self.query_one("#message").display = False
        self.query_one("#query", Input).focus()
        self.load_summary()
        if self.initial_query.strip():
            self.search(self.initial_query, self.filters)

    # -- the index summary and errors ---------------------------------------------------------------------

    def _ui(self, callback: Callable[..., object], *args: Any) -> None:
        """From a worker thread: ``callback(*args)`` on the UI thread, unless the app is closing (a search
        or a reindex may end after `q`, when the widgets are gone)."""
        if self.is_running:
            self.call_from_thread(self._while_open, callback, *args)

    def _while_open(self, callback: Callable[..., object], *args: Any) -> None:
        if self.query_box is not None and self.query_box.is_attached:
            callback(*args)

    @work(thread=True, exclusive=True, group="summary")
    def load_summary(self) -> None:
        try:
            summary = self.backend.summary()
        except Exception as exc:  # shown in the app, never as a traceback
            self._ui(self.show_error, explain(exc, self.backend.where))
            self._ui(self.set_status_text, "no index")
            return
        self._ui(self.show_summary, summary)

    def show_summary(self, summary: IndexSummary) -> None:
        self.index = summary
        self.set_status_text()

    def set_status_text(self, text: str | None = None) -> None:
        if text is None and self.index is not None:
            s = self.index
            text = f"generation {s.generation} · {s.symbols:,} symbols · {s.documents:,} documents · model {s.model}"
            if s.english:
                text += f" · {s.english}"
            if self.answer is not None:
                timing = f" in {self.answer.took_ms:.0f} ms" if self.show_timings else ""
                text += f" · {len(self.answer.hits)} hits{timing}"
        self.query_one("#status", Static).update(Content(text or ""))  # a model name is not markup

    def show_error(self, message: Content | None) -> None:
        """Show ``message`` under the results (None: hide it); Content, so no outside text is read as markup."""
        self.error = None if message is None else message.plain
        box = self.query_one("#message", Static)
        box.update(message or "")
        box.display = message is not None

    # -- searching ----------------------------------------------------------------------------------------

    @on(Input.Changed, "#query")
    def query_changed(self, event: Input.Changed) -> None:
        self.search(event.value, self.filters)

    @on(Input.Submitted, "#query")
    def query_submitted(self) -> None:
        self.query_one(ResultsTable).focus()

    def refresh_search(self) -> None:
        self.search(self.query_one("#query", Input).value, self.filters)

    @work(thread=True, exclusive=True, group="search")
    def search(self, query: str, filters: Filters) -> None:
        """Search after a pause in typing; a newer keystroke cancels this worker (exclusive)."""
        worker = get_current_worker()
        if not query.strip():
            self._ui(self.show_answer, Answer(query, filters, [], 0.0))
            return
        time.sleep(self.debounce_s)
        if worker.is_cancelled:
            return
        try:
            answer = self.backend.search(query, filters, self.k)
        except Exception as exc:  # shown in the app, never as a traceback
            if not worker.is_cancelled:
                self._ui(self.show_error, explain(exc, self.backend.where))
            return
        if not worker.is_cancelled:
            self._ui(self.show_answer, answer)

    def show_answer(self, answer: Answer) -> None:
        """Put the hits on screen, if they still answer what the query box and the filters say."""
        if answer.query != self.query_one("#query", Input).value or answer.filters != self.filters:
            return
        self.answer = answer
        self.hits = answer.hits
        self.query_one(ResultsTable).show(answer.hits)
        self.set_status_text()
        if not answer.query.strip():
            self.show_preview(None)
            return  # an empty query box: nothing was searched, an error shown stays
        self.show_error(None)
        if not answer.hits:
            query = repr(answer.query.strip())
            self.show_error(Content(f"No hits for {query} with these filters (x clears them)."))
        self.call_after_refresh(self._painted, answer)

    def _painted(self, answer: Answer) -> None:
        """The list is on screen: now the preview (highlighting code is the slow part), a frame later."""
        self.shown_at = (answer.query, time.perf_counter())
        self.show_preview(answer.hits[0] if answer.hits else None)
        self.call_after_refresh(self._preview_painted, answer.query)

    def _preview_painted(self, query: str) -> None:
        self.previewed_at = (query, time.perf_counter())

    # -- the preview ----------------------------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#results")
    def row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.hits):
            self.show_preview(self.hits[event.cursor_row])

    def show_preview(self, hit: Hit | None) -> None:
        if hit is self.previewed and hit is not None:
            return  # the cursor landed on the hit shown already (rendering code is the costly part)
        self.previewed = hit
        header = self.query_one("#preview-header", Static)
        body = self.query_one("#preview-code", RichLog)
        body.clear()
        if hit is None:
            header.update("")
            return
        shown = preview.excerpt(hit)
        header.update(preview.header(hit))
        body.write(preview.code(hit, shown), expand=True, shrink=False, scroll_end=False)
        # after the refresh that gives the log its new height (a scroll beyond the old one is clamped)
        self.call_after_refresh(body.scroll_to, y=preview.scroll_row(shown), animate=False, immediate=True)

    def current_hit(self) -> Hit | None:
        row = self.query_one(ResultsTable).cursor_row
        return self.hits[row] if 0 <= row < len(self.hits) else None

    # -- actions --------------------------------------------------------------------------------------------

    def action_focus_results(self) -> None:
        if self.focused is self.query_box:  # not from a dialog's input (its screen has no hits)
            self.query_one(ResultsTable).focus()

    def action_focus_query(self) -> None:
        self.query_one("#query", Input).focus()

    def action_copy_location(self) -> None:
        hit = self.current_hit()
        if hit is None:
            self.notify("No hit to copy.", severity="warning")
            return
        location = f"{hit.path}:{hit.start_line}"
        self.copy_to_clipboard(location)
        self.notify(f"Copied {printable(location)}", markup=False)

    def action_open_hit(self) -> None:
        """Open the highlighted hit in $VISUAL / $EDITOR at its line; back here when the editor exits."""
        hit = self.current_hit()
        if hit is None:
            return
        editor = editor_from()
        if editor is None:
            self.notify("Set $VISUAL or $EDITOR to open hits in your editor.", severity="warning")
            return
        argv = editor_command(editor, hit.abs_path, hit.start_line)
        self.editor_runs.append(argv)
        try:
            try:
                with self.suspend():
                    subprocess.run(argv, check=False)
            except SuspendNotSupported:  # headless (tests) or a web terminal: run it as is
                subprocess.run(argv, check=False, capture_output=True)
        except OSError as exc:
            self.notify(
                f"Cannot start {printable(argv[0])}: {exc.strerror or exc}", severity="error", markup=False
            )
        self.refresh_search()  # the file may have changed

    def set_filters(self, **changes: Any) -> None:
        self.filters = Filters(**{**self.filters.__dict__, **changes})
        self.query_one("#filters", Static).update(self.filters.describe())
        self.refresh_search()

    def action_cycle_mode(self) -> None:
        self.set_filters(mode=MODES[(MODES.index(self.filters.mode) + 1) % len(MODES)])

    def action_clear_filters(self) -> None:
        self.set_filters(lang=None, path_glob=None, repo=None)

    def action_pick_language(self) -> None:
        languages = self.index.languages if self.index else []
        self.push_screen(
            ChoiceScreen("Only this language", languages, self.filters.lang),
            lambda value: None if value is None else self.set_filters(lang=value or None),
        )

    def action_pick_repo(self) -> None:
        repos = self.index.repos if self.index else []
        self.push_screen(
            ChoiceScreen("Only this repository", repos, self.filters.repo),
            lambda value: None if value is None else self.set_filters(repo=value or None),
        )

    def action_pick_path(self) -> None:
        self.push_screen(
            GlobScreen(self.filters.path_glob),
            lambda value: None if value is None else self.set_filters(path_glob=value or None),
        )

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    # -- reindexing -----------------------------------------------------------------------------------------

    def action_reindex(self) -> None:
        if self.reindexing:
            self.notify("A reindex is already running.")
            return
        self.reindexing = True
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self.set_status_text("reindexing: starting…")
        self.reindex()

    @work(thread=True, exclusive=True, group="reindex")
    def reindex(self) -> None:
        last = 0.0

        def progress(stage: str, done: int, total: int | None) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= PROGRESS_EVERY_S or (total is not None and done >= total):
                last = now
                self._ui(self.show_progress, stage, done, total)

        try:
            report = self.backend.reindex(progress)
        except Exception as exc:  # shown in the app, never as a traceback
            self._ui(self.reindex_finished, None, explain(exc, self.backend.where))
            return
        self._ui(self.reindex_finished, report, None)

    def show_progress(self, stage: str, done: int, total: int | None) -> None:
        self.query_one("#progress", ProgressBar).update(total=total, progress=done)
        of = f"/{total:,}" if total is not None else ""
        self.set_status_text(f"reindexing: {stage} {done:,}{of}")

    def reindex_finished(self, report: str | None, error: Content | None) -> None:
        self.reindexing = False
        self.query_one("#progress").display = False
        if error is not None:
            self.show_error(error)
            self.set_status_text("reindex failed")
            return
        self.notify(f"Reindex done: {report or ''}", markup=False)
        self.show_error(None)
        self.load_summary()
        self.refresh_search()
