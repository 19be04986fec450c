"""Opening a hit in the user's editor at its line."""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from pathlib import Path

# editors that take FILE:LINE after a flag, or as is; every other editor is given +LINE FILE (vi, vim,
# nvim, emacs, nano, micro, kak, helix and most terminal editors understand it)
_GOTO_FLAG = {"code", "code-insiders", "codium", "cursor", "windsurf"}
_FILE_COLON_LINE = {"subl", "sublime_text", "zed", "hx", "helix"}


def editor_from(environ: Mapping[str, str] | None = None) -> list[str] | None:
    """The user's editor command split into words: $VISUAL, else $EDITOR; None when neither is set."""
    env = os.environ if environ is None else environ
    for name in ("VISUAL", "EDITOR"):
        value = env.get(name, "").strip()
        if value:
            return shlex.split(value)
    return None


def editor_command(editor: list[str], path: str, line: int) -> list[str]:
    """The argv that opens ``path`` at ``line`` in ``editor``."""
    name = Path(editor[0]).name.lower()
    if name in _GOTO_FLAG:
        return [*editor, "--goto", f"{path}:{line}"]
    if name in _FILE_COLON_LINE:
        return [*editor, f"{path}:{line}"]
    return [*editor, f"+{line}", path]
