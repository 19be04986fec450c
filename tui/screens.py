"""The dialogs: pick one of a list (language, repository), type a path glob, and the key help."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from codesearch.terminal_text import printable

# the dialog's height as a share of the screen (.dialog's max-height in codesearch.tcss), the rows around its
# list (border, padding, title, hint and their margins), and the list's own bounds
DIALOG_HEIGHT = 0.8
DIALOG_CHROME = 8
MIN_CHOICES, MAX_CHOICES = 3, 20
ANY = "\x00any"  # the option id of "no filter" (no language or repository can be named this)


class ChoiceScreen(ModalScreen[str | None]):
    """Pick one value, or "any" to clear the filter. Dismisses with the value, ``""`` for any, None if
    cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, choices: list[str], current: str | None) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.current = current

    def compose(self) -> ComposeResult:
        options = [Option("(any)", id=ANY), *(Option(Text(printable(c)), id=c) for c in self.choices)]
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield OptionList(*options, id="choices")
            yield Label("enter picks · esc cancels", classes="dialog-hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        self._fit(options)
        if self.current in self.choices:
            options.highlighted = self.choices.index(self.current) + 1
        else:
            options.highlighted = 0

    def on_resize(self) -> None:
        self._fit(self.query_one(OptionList))

    def _fit(self, options: OptionList) -> None:
        """A long list (twenty languages) shrinks to what the screen leaves, so the dialog's frame and its
        hint stay on screen; it scrolls. CSS cannot say "auto, but at most what the dialog leaves"."""
        room = int(self.app.size.height * DIALOG_HEIGHT) - DIALOG_CHROME
        options.styles.max_height = max(MIN_CHOICES, min(MAX_CHOICES, room))

    @on(OptionList.OptionSelected)
    def picked(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option.id
        self.dismiss("" if option_id == ANY or option_id is None else option_id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class GlobScreen(ModalScreen[str | None]):
    """Type a path glob (``src/*``, or a plain substring); empty clears it. None if cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: str | None) -> None:
        super().__init__()
        self.current = current or ""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Only paths matching", classes="dialog-title")
            yield Input(self.current, placeholder="src/*  ·  *_test.go  ·  a substring", id="glob")
            yield Label("enter applies (empty: any path) · esc cancels", classes="dialog-hint")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


KEYS = [
    ("type", "search as you type (in the query box)"),
    ("↓ / enter", "from the query box to the results"),
    ("↑ ↓ / mouse", "move through the results; the preview follows"),
    ("enter", "open the hit in $VISUAL / $EDITOR at its line"),
    ("y", "copy path:line"),
    ("/", "back to the query box"),
    ("tab", "next pane (query, results, preview)"),
    ("m", "mode: hybrid → dense → lexical"),
    ("l", "language filter"),
    ("p", "path glob filter"),
    ("o", "repository filter"),
    ("x", "clear every filter"),
    ("r / ctrl+r", "reindex in the background"),
    ("?", "this help"),
    ("q / ctrl+q", "quit"),
]


class HelpScreen(ModalScreen[None]):
    """Every key, one line each."""

    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def compose(self) -> ComposeResult:
        rows = "\n".join(f"[b]{key:>12}[/]  {what}" for key, what in KEYS)
        with Vertical(classes="dialog", id="help"):
            yield Label("Keys", classes="dialog-title")
            yield Static(rows)
            yield Label("esc closes", classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)
