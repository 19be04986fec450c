"""Reading a file of an indexed root, safely, for the indexer and for snippets at search time.

Between the crawl (or the index) and the read, a file can be swapped for a FIFO (opening it would block
forever), a device, or a symlink out of the root (``/etc/passwd``). ``read_file_inside`` opens without
following a final symlink and without blocking, then checks on the open descriptor that it is a regular
file whose real path lies inside the root, and only then reads. ``decode_text`` turns its bytes into text as
the crawler does (here, not in ``indexer.crawl``, which imports gitpython: a search that re-reads a changed
file must not pay for that).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from codesearch.errors import IndexIOError

__all__ = ["BOMS", "FileGoneError", "FileTooLargeError", "UnsafeFileError", "decode_text", "read_file_inside"]

_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_PROC_FD = Path("/proc/self/fd")

# Byte-order marks, longest first: the UTF-32-LE mark begins with the UTF-16-LE one.
BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


class FileGoneError(IndexIOError):
    """The file does not exist (any more)."""


class FileTooLargeError(IndexIOError):
    """The file holds more than the ``max_bytes`` asked for (it grew since it was listed)."""


class UnsafeFileError(IndexIOError):
    """The path is not a regular file inside the root: a symlink, a FIFO, a device, or a path outside."""


def _is_inside(path: str, real_root: str) -> bool:
    return path == real_root or path.startswith(real_root.rstrip(os.sep) + os.sep)


def _opened_path(fd: int, fallback: str) -> str:
    """Where the descriptor really points (Linux knows exactly); else the real path of what was asked."""
    try:
        return os.readlink(_PROC_FD / str(fd))
    except OSError:
        return os.path.realpath(fallback)


def read_file_inside(root: str | Path, path: str | Path, *, max_bytes: int | None = None) -> bytes:
    """The bytes of ``path`` (absolute, or relative to ``root``) if it is a regular file inside ``root``.

    Raises ``FileGoneError`` when it does not exist, ``UnsafeFileError`` when it is a symlink, a FIFO, a
    socket, a device or a folder, or resolves outside ``root``, and ``IndexIOError`` for other read errors.
    With ``max_bytes``, a file longer than that raises ``FileTooLargeError`` (only ``max_bytes + 1`` are read).
    """
    full = os.path.join(os.fspath(root), os.fspath(path))
    real_root = os.path.realpath(root)
    try:
        fd = os.open(full, _OPEN_FLAGS)
    except FileNotFoundError as err:
        raise FileGoneError(f"cannot read {full}: no such file") from err
    except OSError as err:
        if err.errno in (errno.ELOOP, errno.EMLINK, errno.ENXIO):  # a final symlink (O_NOFOLLOW), a socket
            raise UnsafeFileError(f"cannot read {full}: not a regular file") from err
        raise IndexIOError(f"cannot read {full}: {err.strerror or err}") from err
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UnsafeFileError(f"cannot read {full}: not a regular file")
        if not _is_inside(_opened_path(fd, full), real_root):
            raise UnsafeFileError(f"cannot read {full}: it resolves outside {root}")
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read() if max_bytes is None else handle.read(max_bytes + 1)
        if max_bytes is not None and len(data) > max_bytes:
            raise FileTooLargeError(f"cannot read {full}: it holds more than {max_bytes} bytes")
        return data
    except OSError as err:
        raise IndexIOError(f"cannot read {full}: {err.strerror or err}") from err
    finally:
        os.close(fd)


def decode_text(data: bytes) -> str:
    """Decode file bytes: a UTF-8/16/32 byte-order mark picks the codec (and is dropped), else UTF-8.

    Text that is not UTF-8 and has no UTF-8 in it is read as Windows-1252 (Latin-1's superset), so
    ``def café()`` keeps its name; bytes no codec maps (UTF-8 with a stray byte) become U+FFFD rather than
    failing: the file is still indexed.
    """
    for bom, codec in BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    lenient = data.decode("utf-8", errors="replace")
    if any(ord(ch) > 127 and ch != "\ufffd" for ch in lenient):
        return lenient  # real UTF-8 with a few bad bytes: a legacy codec would garble the good ones
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # maps every byte
