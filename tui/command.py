"""``codesearch tui [--server URL]``: the entry point the CLI dispatches to.

Textual and httpx are imported only when the TUI runs, so the other commands start as fast as before.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from codesearch.errors import ExitCode
from codesearch.settings import Settings

if TYPE_CHECKING:
    from tui.backend import Backend


def make_backend(settings: Settings, server: str | None, model: str | None = None) -> Backend:
    """A running server's backend when a URL is given, else the settings' index in this process."""
    from tui.backend import HttpBackend, LocalBackend

    if server:
        return HttpBackend(server, token=settings.token)
    return LocalBackend(settings, explicit_model=model)


def cmd_tui(args: argparse.Namespace, settings: Settings) -> int:
    from tui.app import CodesearchApp
    from tui.backend import Filters

    backend = make_backend(settings, getattr(args, "server", None), args.model)
    CodesearchApp(backend, k=max(settings.k, 20), filters=Filters(mode=settings.mode)).run()
    return ExitCode.OK
