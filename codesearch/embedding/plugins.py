"""Running ``register_*(register)`` hooks: the built-ins' first, then each one an entry-point group names."""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


def run_register_hooks(group: str, builtin: Callable[[Any], None], register: Any) -> None:
    """Hand ``register`` to ``builtin``, then to the hook of every entry point in ``group``; a plugin that
    fails to load or to register is one warning, never the end of the built-ins."""
    builtin(register)
    for entry_point in importlib.metadata.entry_points(group=group):
        try:
            hook = entry_point.load()
            hook(register)
        except Exception as exc:
            log.warning("plugin %s (%s) failed to register: %s", entry_point.name, entry_point.value, exc)
