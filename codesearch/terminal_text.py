"""Text that came from an indexed file (paths, names, code), made safe to show on a terminal.

A file name or a symbol may hold an escape sequence (ESC, other C0/C1 controls) or bidirectional overrides;
shown raw they would drive the user's terminal. They are shown as ``\\x1b``-style escapes instead. Rich
markup is a separate matter: the CLI escapes it where it builds markup (``rich.markup.escape``).
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls, and the bidi embeddings/overrides/isolates ("trojan source")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# the same, but a code excerpt keeps its line breaks and tabs
_CONTROL_IN_CODE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` (a path, a name, a signature) with every control character shown as an escape."""
    return _CONTROL.sub(_visible, text)


def printable_code(text: str) -> str:
    """``text`` (lines of code) with every control character but newline and tab shown as an escape."""
    return _CONTROL_IN_CODE.sub(_visible, text.replace("\r\n", "\n"))


# a lone surrogate: how Python hands over a command line's bytes that are not UTF-8 (``surrogateescape``)
_SURROGATE = re.compile("[\ud800-\udfff]")


def not_utf8(text: str) -> str | None:
    """Where ``text`` (a command-line argument) is not UTF-8, said for an error line (``byte 0xe9 at
    character 4``); None when it is."""
    bad = _SURROGATE.search(text)
    if bad is None:
        return None
    code = ord(bad.group())
    what = f"byte {code - 0xDC00:#04x}" if 0xDC80 <= code <= 0xDCFF else f"lone surrogate U+{code:04X}"
    return f"{what} at character {bad.start() + 1}"


def as_bytes_shown(text: str) -> str:
    """``text`` (a command-line argument, a file name from ``os.fsdecode``) with its bytes that are not UTF-8
    shown as ``\\xff``, as they were typed; a lone surrogate no byte makes (JSON's ``"\\ud800"``) as
    ``\\ud800``."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def replace_not_utf8(text: str) -> str:
    """``text`` with U+FFFD where it is not UTF-8."""
    return _SURROGATE.sub("\ufffd", text)
