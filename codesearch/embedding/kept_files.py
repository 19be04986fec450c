"""Files a model backend prepares once from a file of its install and keeps in the user cache.

A one-shot search should not redo what the previous one did: minilm-int8's query graph folded to float32
(``onnx_numpy.NumpyGraph.cached``) and its tokenizer's vocabulary (``wordpiece``). Each kept file is named
after its source's place, size and time, so a reinstall (another time) or another install (another place)
gets its own; keeping a new one removes the older ones of the same source.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def kept_path(source: Path, cache_dir: Path, kind: str, version: int, suffix: str) -> Path:
    """Where what is prepared from ``source`` is kept: ``KIND-PLACE-SIZE-TIME-vVERSION.SUFFIX`` (``kind``
    without hyphens; bump ``version`` when what the file holds changes meaning)."""
    stat = source.stat()
    place = hashlib.blake2b(str(source.resolve()).encode("utf-8", "surrogateescape"), digest_size=6)
    return cache_dir / f"{kind}-{place.hexdigest()}-{stat.st_size}-{stat.st_mtime_ns}-v{version}{suffix}"


def keep(kept: Path, write: Callable[[BinaryIO], object]) -> None:
    """``write`` into ``kept``: written aside and renamed into place, then the older files of the same source
    removed. An ``OSError`` (a read-only or full cache) leaves nothing half-written behind."""
    kept.parent.mkdir(parents=True, exist_ok=True)
    tmp = kept.with_name(f"{kept.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as out:
            write(out)
        os.replace(tmp, kept)
    finally:
        tmp.unlink(missing_ok=True)
    same_source = "-".join(kept.name.split("-")[:2])  # KIND-PLACE: any size or time
    for old in kept.parent.glob(f"{same_source}-*{kept.suffix}"):
        if old != kept:
            old.unlink(missing_ok=True)
