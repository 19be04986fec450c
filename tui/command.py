"""Starting the TUI: which backend answers it, and the app run until it quits (``codesearch tui``).

Textual and httpx are imported only when the TUI runs, so the other commands start as fast as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from codesearch.settings import Settings

if TYPE_CHECKING:
    from tui.backend import Backend


def make_backend(settings: Settings, server: str | None, model: str | None = None) -> Backend:
    """A running server's backend when a URL is given, else the settings' index in this process."""
    from tui.backend import HttpBackend, LocalBackend

    if server:
        return HttpBackend(server, token=settings.token)
    return LocalBackend(settings, explicit_model=model)


def run_app(settings: Settings, server: str | None, model: str | None = None) -> None:
    """Run the TUI over ``server`` (a URL) or the settings' index until the user quits."""
    from tui.app import CodesearchApp
    from tui.backend import Filters

    backend = make_backend(settings, server, model)
    CodesearchApp(backend, k=max(settings.k, 20), filters=Filters(mode=settings.mode)).run()
